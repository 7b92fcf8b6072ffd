"""Index building: incremental re-embedding, atomic writes, manifest checks, FAISS vs brute force."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from koritsu_search import open_index
from koritsu_search.errors import IndexLoadError, IndexMismatchError
from koritsu_search.index.build import build_index
from koritsu_search.index.lexical import LexicalIndex
from koritsu_search.library import BuildOptions, EngineSpec

from helpers import MINUTES_TXT, FakeEmbedder


def test_seed_build_counts_and_manifest(seed_index_dir: Path) -> None:
    manifest = json.loads((seed_index_dir / "manifest.json").read_text(encoding="utf-8"))
    for key in ("format_version", "package_version", "model_id", "dim", "contract", "dense_type",
                "passage_count", "sources", "created_at", "updated_at"):
        assert key in manifest, key
    for key in ("sudachi_dictionary", "sudachi_modes", "tokenizer_version", "passages_version",
                "ingest_version", "glossary_sha256", "fusion"):
        assert key in manifest["contract"], key
    assert manifest["model_id"] == FakeEmbedder.model_id
    assert manifest["dim"] == FakeEmbedder.dim
    assert manifest["dense_type"] == "flat"
    assert manifest["contract"]["sudachi_dictionary"].startswith("sudachidict_core")
    assert manifest["contract"]["fusion"]["lexical_weight"] > 0
    kinds = {s["kind"] for s in manifest["sources"]}
    assert kinds == {"measures", "minutes", "plan", "generic"}  # status table, minutes, plan sheets, plan text
    assert all(len(s["sha256"]) == 64 for s in manifest["sources"])
    idx = open_index(seed_index_dir, embedder=FakeEmbedder())
    assert len(idx.store.passages) == manifest["passage_count"] == len(idx.store.retrieval)
    measures = {m.no for m in idx.measures.values()}
    assert measures == set(range(1, 144))
    # Every measure has a name passage and at least one column passage.
    fields_by_measure: dict[int, set[str]] = {}
    for p in idx.store.passages:
        if p.kind == "measure":
            fields_by_measure.setdefault(p.measure_no, set()).add(p.field)
    assert all("施策名" in f and len(f) >= 2 for f in fields_by_measure.values())
    # Passages stay well under the model's 512-token window.
    assert max(len(p.embed_text) for p in idx.store.passages) < 480


@pytest.mark.slow
def test_rerun_embeds_nothing_and_changed_file_only_its_passages(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    emb = FakeEmbedder()
    first = build_index([corpus_copy], index_dir, embedder=emb)
    assert first.embedded == first.passages > 0

    # Unchanged corpus: nothing parsed or embedded, and the model is never even loaded.
    def must_not_load() -> FakeEmbedder:
        raise AssertionError("the model was loaded for an unchanged corpus")

    again = build_index([corpus_copy], index_dir, embedder=must_not_load, model_id=FakeEmbedder.model_id)
    assert again.embedded == 0
    assert again.reparsed_files == 0 and again.reused_files == 4  # every corpus file
    assert again.passages == first.passages

    # Change one file: only passages of that file are embedded.
    minutes = corpus_copy / MINUTES_TXT.name
    text = minutes.read_text(encoding="utf-8")
    minutes.write_text(text.replace("ありがとうございます。", "ありがとうございました。", 1), encoding="utf-8")
    emb2 = FakeEmbedder()
    third = build_index([corpus_copy], index_dir, embedder=emb2)
    idx = open_index(index_dir, embedder=FakeEmbedder())
    minutes_passages = [p for p in idx.store.passages if p.kind == "speech"]
    assert third.reparsed_files == 1
    assert 0 < third.embedded <= len(minutes_passages)
    assert emb2.embedded == third.embedded

    # A removed file disappears from the index.
    minutes.unlink()
    fourth = build_index([corpus_copy], index_dir, embedder=FakeEmbedder())
    assert fourth.embedded == 0
    assert [str(minutes)] == fourth.removed_files
    idx = open_index(index_dir, embedder=FakeEmbedder())
    assert not [p for p in idx.store.passages if p.kind == "speech"]


@pytest.mark.slow
def test_crash_mid_write_leaves_previous_index(corpus_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    index_dir = tmp_path / "idx"
    build_index([corpus_copy], index_dir, embedder=FakeEmbedder())
    before = (index_dir / "manifest.json").read_text(encoding="utf-8")
    n_before = len(open_index(index_dir, embedder=FakeEmbedder()).store.passages)

    (corpus_copy / "extra.txt").write_text("新しい文書です。\n\n孤独・孤立の相談窓口について説明します。\n", encoding="utf-8")

    def boom(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt("simulated Ctrl-C while writing")

    monkeypatch.setattr(LexicalIndex, "save", boom)
    with pytest.raises(KeyboardInterrupt):
        build_index([corpus_copy], index_dir, embedder=FakeEmbedder())
    monkeypatch.undo()

    assert (index_dir / "manifest.json").read_text(encoding="utf-8") == before
    idx = open_index(index_dir, embedder=FakeEmbedder())
    assert len(idx.store.passages) == n_before
    assert not list(tmp_path.glob(".idx.tmp-*")), "temporary directory left behind"


@pytest.mark.slow
def test_interrupted_swap_is_recovered(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    build_index([corpus_copy], index_dir, embedder=FakeEmbedder())
    # A crash between the two renames: only the old copy exists.
    index_dir.rename(tmp_path / ".idx.old-1234")
    idx = open_index(index_dir, embedder=FakeEmbedder())
    assert idx.store.passages


def test_mismatched_model_is_refused_with_rebuild_hint(seed_index_dir: Path) -> None:
    class Other(FakeEmbedder):
        model_id = "some-other-model"

    with pytest.raises(IndexMismatchError) as err:
        open_index(seed_index_dir, embedder=Other())
    msg = str(err.value)
    assert "fake-bigram-64" in msg and "some-other-model" in msg and "koritsu_search.build(SOURCES" in msg


def test_mismatched_format_is_refused(seed_index_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(seed_index_dir, copy)
    m = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    m["format_version"] = 999
    (copy / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(IndexMismatchError, match=r"BuildOptions\(rebuild=True\)"):
        open_index(copy, embedder=FakeEmbedder())


def test_missing_and_damaged_index_messages(tmp_path: Path, seed_index_dir: Path) -> None:
    with pytest.raises(IndexLoadError, match=r"koritsu_search\.build\(SOURCES"):
        open_index(tmp_path / "nothing")
    copy = tmp_path / "copy"
    shutil.copytree(seed_index_dir, copy)
    (copy / "vectors.npy").unlink()
    with pytest.raises(IndexLoadError, match=r"BuildOptions\(rebuild=True\)"):
        open_index(copy, embedder=FakeEmbedder())


@pytest.mark.slow
def test_broken_file_is_skipped_and_previous_version_kept(corpus_copy: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    good = corpus_copy / "notes.txt"
    good.write_text("地域の居場所づくりについての覚え書き。\n\nフードドライブの案内。\n", encoding="utf-8")
    build_index([corpus_copy], index_dir, embedder=FakeEmbedder())
    (corpus_copy / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj <<")
    good.write_bytes(b"")  # the file got emptied: keep what was indexed from it
    report = build_index([corpus_copy], index_dir, embedder=FakeEmbedder())
    reasons = {Path(s.source).name: s.reason for s in report.skipped}
    assert set(reasons) == {"broken.pdf", "notes.txt"}
    assert str(good) in report.kept_previous
    idx = open_index(index_dir, embedder=FakeEmbedder())
    assert any("フードドライブ" in p.text for p in idx.store.passages)
    assert {m.no for m in idx.measures.values()} == set(range(1, 144))


@pytest.mark.slow
def test_index_type_is_chosen_by_size_recorded_and_selectable(corpus_copy: Path, tmp_path: Path) -> None:
    from koritsu_search.index.dense import EXACT_UP_TO, default_kind

    assert default_kind(EXACT_UP_TO) == "flat"
    assert default_kind(EXACT_UP_TO + 1) == "ivf"
    d = tmp_path / "ivf"
    build_index([corpus_copy], d, BuildOptions(engine=EngineSpec(dense_type="ivf")), embedder=FakeEmbedder())
    manifest = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["dense_type"] == "ivf" and manifest["dense_params"]["nprobe"] >= 1
    idx = open_index(d, embedder=FakeEmbedder())
    assert any(h.measure_no == 10 for h in idx.search("在留外国人 情報提供", k=5))
    # An update keeps the chosen type.
    report = build_index([corpus_copy], d, embedder=FakeEmbedder())
    assert report.embedded == 0
    assert json.loads((d / "manifest.json").read_text(encoding="utf-8"))["dense_type"] == "ivf"
