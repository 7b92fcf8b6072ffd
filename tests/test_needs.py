"""The needs taxonomy as data, needs read from questions, needs tags in an index, measure numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from koritsu_search import open_index
from koritsu_search.errors import IndexLoadError
from koritsu_search.facets import check_filters
from koritsu_search.index.build import build_index
from koritsu_search.intent import read_measure_number
from koritsu_search.library import BuildOptions
from koritsu_search.models import Filters
from koritsu_search.need_match import NeedMatcher, english_stem
from koritsu_search.needs import NeedsError, load_needs, parse_needs

from helpers import CORPUS, FakeEmbedder

GOOD = """
[[need]]
id = "dv"
label = "DV"
definition = "配偶者からの暴力"
expressions = ["殴られる", "家賃が払えない"]
english = ["my husband hits me"]
terms = ["配偶者からの暴力", "相談"]
populations = ["女性"]

[[need]]
id = "housing"
label = "住まい"
definition = "住まいを失う"
expressions = ["追い出される"]
english = ["evicted"]
terms = ["住居確保給付金", "家賃"]
"""


def parse(text: str):
    return parse_needs(text.encode("utf-8"), "n.toml")


def test_a_valid_file_parses_in_order_with_its_hash() -> None:
    needs = parse(GOOD)
    assert [n.id for n in needs] == ["dv", "housing"]
    assert needs.needs[0].populations == ("女性",) and needs.needs[1].populations == ()
    assert needs.sha256 == parse(GOOD).sha256 and needs.sha256 != parse(GOOD + "\n#\n").sha256
    assert needs.find("住まい") is needs.find("housing") is needs.needs[1]


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace('id = "housing"', 'id = "dv"'), "id 'dv' repeats need #1"),
    (lambda t: t.replace('label = "住まい"', 'label = "DV"'), "label 'DV' repeats need #1"),
    (lambda t: t.replace('expressions = ["追い出される"]', 'expressions = ["追い出される", "追い出される"]'),
     "repeats '追い出される'"),
    (lambda t: t.replace('terms = ["住居確保給付金", "家賃"]', 'terms = []'), "at least one administrative term"),
    (lambda t: t.replace('definition = "住まいを失う"\n', ''), "missing definition"),
    (lambda t: t.replace('populations = ["女性"]', 'populatons = ["女性"]'), "unknown field(s) populatons"),
    (lambda t: t.replace('id = "housing"', 'id = "Housing Need"'), "must be lowercase ascii"),
    (lambda t: t.replace('english = ["evicted"]', 'english = "evicted"'), "must be a list of strings"),
    (lambda t: t.replace('["殴られる",', '["",'), "empty string"),
    (lambda t: t + "\n[[need]\n", "not valid TOML"),
    (lambda t: "title = 'x'\n" + t, "unknown top-level key(s) title"),
])
def test_a_malformed_file_is_refused_naming_the_entry(edit, message: str) -> None:
    with pytest.raises(NeedsError) as err:
        parse(edit(GOOD))
    assert message in str(err.value) and "n.toml" in str(err.value)


def test_unreadable_and_non_utf8_files_are_refused(tmp_path: Path) -> None:
    with pytest.raises(NeedsError, match="cannot read"):
        load_needs(tmp_path / "missing.toml")
    with pytest.raises(NeedsError, match="not UTF-8"):
        parse_needs(GOOD.encode("shift_jis"), "sjis.toml")


def test_the_package_taxonomy_loads_with_60_to_120_needs() -> None:
    needs = load_needs("default")
    assert 60 <= len(needs) <= 120
    assert all(n.expressions and n.terms and n.definition for n in needs)
    assert load_needs("none").sha256 is None and len(load_needs("none")) == 0


def test_expressions_match_inflections_through_sudachi_and_english_plurals() -> None:
    m = NeedMatcher(parse(GOOD))
    assert [d.need.id for d in m.in_words("夫に殴られたりしています")] == ["dv"]
    assert [d.need.id for d in m.in_words("今月は家賃を払えなくて困っている")] == ["dv", "housing"]  # in a window
    # 家賃 alone is not 家賃が払えない (the document term 家賃 still reads 住まい)
    assert [d.need.id for d in m.in_words("家賃の相場を知りたい")] == ["housing"]
    assert [d.need.id for d in m.in_words("We were evicted last week")] == ["housing"]
    assert [d.need.id for d in m.in_words("My husband hits me")] == ["dv"]
    assert m.in_words("殴") == [] and m.in_words("the weather") == []
    assert english_stem("hits") == "hit" and english_stem("cutting") == "cut"


def test_a_document_term_everywhere_in_the_corpus_reveals_no_need() -> None:
    m = NeedMatcher(parse(GOOD))
    assert [d.need.id for d in m.in_words("相談したい")] == ["dv"]
    assert m.in_words("相談したい", common=lambda terms: terms == ("相談",)) == []


@pytest.mark.parametrize(("text", "number", "fields"), [
    ("施策No.12", 12, ()), ("No.12", 12, ()), ("ＮＯ．１２", 12, ()), ("12番", 12, ()), ("12番の施策", 12, ()),
    ("施策12", 12, ()), ("第12", 12, ()), ("measure 12", 12, ()), ("施策 No.012", 12, ()),
    ("No.87の目標", 87, ("目標及び達成の期間",)), ("施策No.7の達成状況", 7, ("目標の達成状況",)),
    ("What is the goal of measure 87?", 87, ("目標及び達成の期間",)),
])
def test_measure_numbers_in_every_written_form(text: str, number: int, fields: tuple[str, ...]) -> None:
    found = read_measure_number(text)
    assert found is not None and found.number == number and found.fields == fields


@pytest.mark.parametrize("text", ["#9999", "8103", "第2回推進会議", "60億円", "令和7年度", "12番目の質問", "189番"])
def test_numbers_that_are_not_measure_numbers(text: str) -> None:
    found = read_measure_number(text)
    assert found is None or text == "189番"  # 189番 reads as 189; the index has no such measure (below)


@pytest.fixture(scope="module")
def needs_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("needs") / "index"
    build_index([CORPUS], d, embedder=FakeEmbedder())
    return d


@pytest.mark.parametrize("form", ["施策No.12", "No.12", "ＮＯ．１２", "12番の施策", "施策12", "第12", "measure 12",
                                  "No.12の目標", "No.7", "施策No.7の現状"])
def test_a_measure_named_by_number_comes_first_and_confident(needs_index: Path, form: str) -> None:
    idx = open_index(needs_index, embedder=FakeEmbedder())
    number = read_measure_number(form).number  # type: ignore[union-attr]
    hits = idx.search(form, k=5)
    assert hits[0].measure_no == number
    answer = idx.ask(form, k=3)
    assert answer.confident and answer.measure_no == number
    assert answer.items[0].measure_no == number and answer.items[0].band == "high"
    assert not any(i.measure_no in range(70, 80) for i in answer.items[:1])
    if "目標" in form:
        assert hits[0].field == "目標及び達成の期間"
    if "現状" in form:
        assert hits[0].field == "現状"


def test_a_number_the_index_lacks_is_not_a_lookup(needs_index: Path) -> None:
    idx = open_index(needs_index, embedder=FakeEmbedder())
    assert idx.ask("施策No.999", k=3).measure_no is None


def test_an_index_keeps_its_taxonomy_tags_records_and_filters_by_need(needs_index: Path) -> None:
    manifest = json.loads((needs_index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["contract"]["needs"] == "default"
    assert manifest["contract"]["needs_sha256"] == load_needs("default").sha256
    assert (needs_index / "needs.toml").read_bytes() == load_needs("default").data
    idx = open_index(needs_index, embedder=FakeEmbedder())
    assert "ひきこもり" in idx.facets()["needs"]
    checked = check_filters(idx.store, Filters(needs=["hikikomori"]))  # an id becomes its label
    assert checked.needs == ["ひきこもり"]
    hits = idx.search("支援", k=50, filters=checked)
    assert hits and all("ひきこもり" in h.needs for h in hits)
    assert 87 in {h.measure_no for h in hits}  # ひきこもり支援の推進
    with pytest.raises(Exception, match="the need filter"):
        check_filters(idx.store, Filters(needs=["宇宙旅行"]))


def test_a_question_in_callers_words_is_read_and_shown(needs_index: Path) -> None:
    idx = open_index(needs_index, embedder=FakeEmbedder())
    answer = idx.ask("夫に殴られていて子どもを連れて逃げたい", k=5)
    assert "DV・配偶者からの暴力" in [n["label"] for n in answer.needs]
    assert answer.confident and answer.to_dict()["needs"][0]["how"] == "words"
    dv = [i for i in answer.items if "DV・配偶者からの暴力" in i.needs]
    assert dv and all(i.band in ("high", "medium") for i in dv)


def test_needs_none_and_a_custom_taxonomy_are_kept_and_an_edited_copy_refused(tmp_path: Path) -> None:
    src = tmp_path / "docs"
    src.mkdir()
    (src / "a.md").write_text("# 住まい\n\n住居確保給付金の支給により家賃を支援する。住居確保給付金の申請は窓口で受け付ける。\n\n# 雇用\n\n求職者の就職を支援する。\n",
                              encoding="utf-8")
    custom = tmp_path / "mine.toml"
    custom.write_text(GOOD, encoding="utf-8")
    idx_dir = tmp_path / "idx"
    build_index([src], idx_dir, BuildOptions(needs=custom), embedder=FakeEmbedder())
    idx = open_index(idx_dir, embedder=FakeEmbedder())
    assert [n.id for n in idx.store.needs] == ["dv", "housing"]
    assert any("住まい" in h.needs for h in idx.search("家賃", k=5))
    build_index([src], idx_dir, embedder=FakeEmbedder())  # an update without --needs keeps the custom one
    assert [n.id for n in open_index(idx_dir, embedder=FakeEmbedder()).store.needs] == ["dv", "housing"]
    (idx_dir / "needs.toml").write_text(GOOD.replace("住まいを失う", "住まいがない"), encoding="utf-8")
    with pytest.raises(IndexLoadError, match="does not match the needs taxonomy"):
        open_index(idx_dir, embedder=FakeEmbedder())
    build_index([src], idx_dir, BuildOptions(needs="none"), embedder=FakeEmbedder())
    off = open_index(idx_dir, embedder=FakeEmbedder())
    assert len(off.store.needs) == 0 and off.facets()["needs"] == []
    assert off.ask("夫に殴られている", k=3).needs == []
