"""The glossary as data: the loader's rules, #-numbers as terms, and the copy an index keeps."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from koritsu_search import open_index
from koritsu_search.cli import app
from koritsu_search.errors import IndexLoadError
from koritsu_search.glossary import GlossaryError, load_glossary, parse_glossary
from koritsu_search.index.build import build_index
from koritsu_search.library import BuildOptions
from koritsu_search.translate import default_glossary, translate

from helpers import MEASURES_TXT, MINUTES_TXT, FakeEmbedder


def parse(text: str):
    return parse_glossary(text.encode("utf-8"), "g.tsv")


def test_comments_blank_lines_and_entries() -> None:
    g = parse("# a comment\n#\n\nfood bank\tフードバンク\nfood drive\tフードドライブ フードバンク\n")
    assert g.get(("food", "bank")) == ("フードバンク",)
    assert g.get(("food", "drive")) == ("フードドライブ", "フードバンク")
    assert len(g) == 2 and g.sha256 and g.source == "g.tsv"


def test_hash_numbers_are_terms_not_comments() -> None:
    g = parse("# phone numbers\n#8008\t#8008 DV相談ナビ\n")
    assert g.get(("#8008",)) == ("#8008", "DV相談ナビ")
    assert "DV相談ナビ" in translate("#8008 DV navi", g).terms
    assert "DV相談ナビ" in translate("＃８００８", g).terms  # full-width, as a caller's note may hold it


def test_the_package_glossary_resolves_its_hash_numbers() -> None:
    for number in ("#9999", "#8008", "#8891", "#8103"):
        assert number in translate(f"{number} hotline").terms, number
    assert "DV相談ナビ" in translate("#8008 DV navi").terms


@pytest.mark.parametrize(("text", "reason"), [
    ("food bank フードバンク\n", "one tab"),
    ("food\tbank\tフードバンク\n", "one tab"),
    ("\tフードバンク\n", "has no words"),
    ("food bank\t  \n", "no Japanese terms"),
    ("a b c d e f g h i j k l m\tフードバンク\n", "at most 12"),
    ("#9999 孤独\n", "one tab"),
])
def test_malformed_lines_are_refused_with_file_and_line(text: str, reason: str) -> None:
    with pytest.raises(GlossaryError) as err:
        parse("# header\n" + text)
    assert "g.tsv, line 2" in str(err.value) and reason in str(err.value)


def test_a_key_repeated_after_normalisation_is_refused_naming_both_lines() -> None:
    text = "ministry of health, labour and welfare\t厚生労働省\nx\tx\nMinistry of Health Labour and Welfare\t厚労省\n"
    with pytest.raises(GlossaryError, match=r"line 3: the key 'ministry of health labour and welfare' repeats line 1"):
        parse(text)


def test_non_utf8_and_missing_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(GlossaryError, match="not UTF-8"):
        parse_glossary("food\tフード\n".encode("shift_jis"), "sjis.tsv")
    with pytest.raises(GlossaryError, match="cannot read"):
        load_glossary(tmp_path / "missing.tsv")


def test_package_glossary_loads_without_defects() -> None:
    g = default_glossary()
    assert len(g) > 1000 and g.source == "default"
    assert load_glossary("none").sha256 is None and len(load_glossary("none")) == 0


@pytest.fixture
def two_docs(tmp_path: Path) -> Path:
    d = tmp_path / "docs"
    d.mkdir()
    for f in (MEASURES_TXT, MINUTES_TXT):
        (d / f.name).write_bytes(f.read_bytes())
    return d


def test_an_index_keeps_its_glossary_and_an_update_keeps_it(tmp_path: Path, two_docs: Path) -> None:
    custom = tmp_path / "mine.tsv"
    custom.write_text("# my glossary\ncaller hotline\t孤独・孤立相談ダイヤル\n", encoding="utf-8")
    idx_dir = tmp_path / "idx"
    build_index([two_docs], idx_dir, BuildOptions(glossary=custom), embedder=FakeEmbedder())
    manifest = json.loads((idx_dir / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["contract"]["glossary"] == str(custom)
    assert manifest["contract"]["glossary_sha256"] == load_glossary(custom).sha256
    assert (idx_dir / "glossary.tsv").read_bytes() == custom.read_bytes()
    custom.unlink()  # the index holds its own copy

    idx = open_index(idx_dir, embedder=FakeEmbedder())
    trace_terms = translate("caller hotline", idx.searcher.glossary).terms
    assert trace_terms == ["孤独・孤立相談ダイヤル"]
    assert translate("dementia cafe", idx.searcher.glossary).terms == []  # not the package's
    from koritsu_search.search import SearchTrace

    trace = SearchTrace()
    idx.search("caller hotline", k=5, trace=trace)
    assert trace.translated_terms and trace.translation_weight > 0

    build_index([two_docs], idx_dir, embedder=FakeEmbedder())  # an update without --glossary keeps it
    assert open_index(idx_dir, embedder=FakeEmbedder()).searcher.glossary.get(("caller", "hotline"))

    build_index([two_docs], idx_dir, BuildOptions(glossary="none"), embedder=FakeEmbedder())
    assert not (idx_dir / "glossary.tsv").exists()
    trace = SearchTrace()
    open_index(idx_dir, embedder=FakeEmbedder()).search("dementia cafe", k=5, trace=trace)
    assert trace.translated_terms == [] and trace.translation_weight == 0

    build_index([two_docs], idx_dir, BuildOptions(glossary="default"), embedder=FakeEmbedder())
    assert open_index(idx_dir, embedder=FakeEmbedder()).searcher.glossary.get(("dementia", "cafe"))


def test_an_edited_glossary_copy_is_refused_on_open(tmp_path: Path, two_docs: Path) -> None:
    idx_dir = tmp_path / "idx"
    build_index([two_docs], idx_dir, embedder=FakeEmbedder())
    with open(idx_dir / "glossary.tsv", "a", encoding="utf-8") as fh:
        fh.write("extra\t追加\n")
    with pytest.raises(IndexLoadError, match="does not match the glossary this index was built with"):
        open_index(idx_dir, embedder=FakeEmbedder())


def test_cli_bad_glossary_fails_before_indexing_and_keeps_the_index(tmp_path: Path, two_docs: Path) -> None:
    idx_dir = tmp_path / "idx"
    build_index([two_docs], idx_dir, embedder=FakeEmbedder())
    before = (idx_dir / "manifest.json").read_bytes()
    bad = tmp_path / "bad.tsv"
    bad.write_text("good\t良い\nGood\t良\n", encoding="utf-8")
    r = CliRunner().invoke(app, ["index", str(two_docs), "--index", str(idx_dir), "--glossary", str(bad)])
    assert r.exit_code == 1, r.output
    errors = [ln for ln in r.stderr.splitlines() if ln.startswith("Error:")]
    assert len(errors) == 1 and f"{bad}, line 2" in errors[0] and "repeats line 1" in errors[0], r.stderr
    assert "parsing" not in r.stderr  # refused before any file was read
    assert (idx_dir / "manifest.json").read_bytes() == before


def test_glossary_gaps_lists_frequent_terms_no_entry_reaches(tmp_path: Path, two_docs: Path) -> None:
    custom = tmp_path / "small.tsv"
    custom.write_text("dementia\t認知症\n", encoding="utf-8")
    idx_dir = tmp_path / "idx"
    build_index([two_docs], idx_dir, BuildOptions(glossary=custom), embedder=FakeEmbedder())
    r = CliRunner().invoke(app, ["glossary-gaps", "--index", str(idx_dir), "--top", "300", "--format", "json"])
    assert r.exit_code == 0, r.output
    gaps = json.loads(r.stdout)
    terms = [g["term"] for g in gaps]
    assert "認知症" not in terms  # reached by the one entry
    assert "支援" in terms and "相談" in terms  # frequent and untranslated by this glossary
    counts = [g["passages"] for g in gaps]
    assert counts == sorted(counts, reverse=True) and all(c >= 2 for c in counts)
    assert all(g["example"] for g in gaps)
    full = CliRunner().invoke(app, ["glossary-gaps", "--index", str(idx_dir), "--glossary", "default",
                                    "--top", "300", "--format", "json"])
    assert "支援" not in [g["term"] for g in json.loads(full.stdout)]  # the package glossary reaches it
