"""Which file is which across builds: identical files, renames, moves, and any spelling of the corpus path."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from koritsu_search import open_index
from koritsu_search.index.build import build_index
from koritsu_search.library import BuildOptions

from helpers import FakeEmbedder

TEXT_A = "地域の居場所づくりについて。\n\n子ども食堂とフードドライブの取組を紹介します。\n\n相談窓口は平日に開いています。\n"
TEXT_B = "ひきこもり支援について。\n\n家族会と当事者会の集まりを各地で開いています。\n"
CONTENT_FILES = ("documents.jsonl", "records.jsonl", "records.ids.json", "passages.jsonl", "columns.json")


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def assert_same_index(a: Path, b: Path) -> None:
    """Everything but the manifest's timestamps and build figures is byte for byte the same."""
    for name in CONTENT_FILES:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name
    ia, ib = open_index(a, embedder=FakeEmbedder()), open_index(b, embedder=FakeEmbedder())
    assert [s.__dict__ for s in ia.manifest.sources] == [s.__dict__ for s in ib.manifest.sources]


def passage_ids(index_dir: Path) -> list[str]:
    return [p.passage_id for p in open_index(index_dir, embedder=FakeEmbedder()).store.passages]


def test_identical_files_stay_two_documents(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "a.txt", TEXT_A)
    write(corpus / "b.txt", TEXT_A)
    idx = tmp_path / "idx"
    first = build_index([corpus], idx, embedder=FakeEmbedder())
    second = build_index([corpus], idx, embedder=FakeEmbedder())
    assert first.documents == second.documents == 2
    assert second.removed_files == [] and second.reused_files == 2 and second.embedded == 0
    ids = passage_ids(idx)
    assert len(ids) == len(set(ids))
    index = open_index(idx, embedder=FakeEmbedder())
    assert sorted(Path(s.source).name for s in index.manifest.sources) == ["a.txt", "b.txt"]
    assert sorted(d.doc_id for d in index.documents) == ["a", "b"]
    assert {pid.split("#")[0] for pid in ids} == {"a", "b"}


def test_rename_gives_the_ids_of_a_rebuild_without_reparsing(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "old_name.txt", TEXT_A)
    write(corpus / "other.txt", TEXT_B)
    idx = tmp_path / "idx"
    build_index([corpus], idx, embedder=FakeEmbedder())
    (corpus / "old_name.txt").rename(corpus / "new_name.txt")
    report = build_index([corpus], idx, embedder=FakeEmbedder())
    assert report.reparsed_files == 0 and report.reused_files == 2 and report.embedded == 0
    assert [Path(s).name for s in report.removed_files] == ["old_name.txt"]
    fresh = tmp_path / "fresh"
    build_index([corpus], fresh, BuildOptions(rebuild=True), embedder=FakeEmbedder())
    assert_same_index(idx, fresh)
    assert any(pid.startswith("new_name#") for pid in passage_ids(idx))
    assert not any(pid.startswith("old_name#") for pid in passage_ids(idx))


def test_file_moved_between_folders_and_same_name_in_two_folders(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "one" / "report.txt", TEXT_A)
    write(corpus / "two" / "notes.txt", TEXT_B)
    idx = tmp_path / "idx"
    build_index([corpus], idx, embedder=FakeEmbedder())
    # Moved to the other folder, and a different file of the same name appears where it was.
    (corpus / "one" / "report.txt").rename(corpus / "two" / "report.txt")
    write(corpus / "one" / "report.txt", TEXT_B + "追記。\n")
    report = build_index([corpus], idx, embedder=FakeEmbedder())
    assert report.removed_files == []
    ids = passage_ids(idx)
    assert len(ids) == len(set(ids))
    index = open_index(idx, embedder=FakeEmbedder())
    keys = {s.key: s.doc_id for s in index.manifest.sources}
    assert set(keys) == {"one/report.txt", "two/report.txt", "two/notes.txt"}
    assert keys["one/report.txt"] != keys["two/report.txt"]
    fresh = tmp_path / "fresh"
    build_index([corpus], fresh, BuildOptions(rebuild=True), embedder=FakeEmbedder())
    assert_same_index(idx, fresh)


@pytest.mark.parametrize("spelling", ["absolute", "dotdot", "symlink"])
def test_any_spelling_of_the_corpus_keeps_documents(tmp_path: Path, spelling: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "a.txt", TEXT_A)
    write(corpus / "sub" / "b.txt", TEXT_B)
    (tmp_path / "work").mkdir()
    idx = tmp_path / "idx"
    monkeypatch.chdir(tmp_path)
    build_index(["corpus"], idx, embedder=FakeEmbedder())
    (corpus / "sub" / "b.txt").write_bytes(b"")  # turned bad in between
    if spelling == "absolute":
        again = str(corpus.resolve())
    elif spelling == "dotdot":
        monkeypatch.chdir(tmp_path / "work")
        again = "../corpus"
    else:
        os.symlink(corpus, tmp_path / "link")
        again = str(tmp_path / "link")
    report = build_index([again], idx, embedder=FakeEmbedder())
    assert report.removed_files == []
    assert report.reused_files == 1 and report.reparsed_files == 0
    assert [Path(p).name for p in report.kept_previous] == ["b.txt"]
    index = open_index(idx, embedder=FakeEmbedder())
    assert sorted(s.key for s in index.manifest.sources) == ["a.txt", "sub/b.txt"]
    assert any("家族会" in h.text for h in index.search("家族会", k=3, mode="lexical"))


def test_reused_documents_are_not_changed_by_a_build(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write(corpus / "a.txt", TEXT_A)
    idx = tmp_path / "idx"
    build_index([corpus], idx, embedder=FakeEmbedder())
    before = (idx / "documents.jsonl").read_bytes(), (idx / "records.jsonl").read_bytes()
    shutil.copy(corpus / "a.txt", corpus / "copy.txt")
    (corpus / "copy.txt").rename(corpus / "zz.txt")
    build_index([corpus], idx, embedder=FakeEmbedder())
    (corpus / "zz.txt").unlink()
    build_index([corpus], idx, embedder=FakeEmbedder())
    assert ((idx / "documents.jsonl").read_bytes(), (idx / "records.jsonl").read_bytes()) == before


def test_repeated_passage_ids_are_refused_before_anything_is_written() -> None:
    from koritsu_search.errors import KoritsuError
    from koritsu_search.index.identity import check_unique
    from koritsu_search.models import Passage

    p = Passage("a#p0001/0", "a#p0001", "a", "A", "a.txt", "paragraph", None, "本文", "本文")
    check_unique([p])
    with pytest.raises(KoritsuError, match="1 passage ids repeat.*a#p0001/0"):
        check_unique([p, p])
