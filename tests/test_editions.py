"""Editions of one document side by side: order newest first, word-level changes, the edition answers cite.

The earlier edition is the 令和6年度 status table DERIVED from the real 令和7年度 one by
scripts/derive_edition.py (no real earlier edition was available offline); Sudachi is real.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from koritsu_search import answer as answer_module
from koritsu_search import open_index
from koritsu_search.cli import app
from koritsu_search.editions import edition_date, edition_sets, newest_first, preferred_docs, word_diff
from koritsu_search.index.build import build_index
from koritsu_search.intent import read_edition_year
from koritsu_search.library import Index
from koritsu_search.measures import Measure, MeasureEntry, link_measures
from koritsu_search.models import MEASURE, Document, Record
from koritsu_search.render import render_measure
from koritsu_search.web.detail import diff_html, render_detail

from helpers import MEASURES_TXT, ROOT, FakeEmbedder

R6 = "r6_kodoku_koritsu_measures_status"
R7 = "r7_kodoku_koritsu_measures_status"
PLAN_SHEET = (
    "重点計画に定める施策\n施策 No.12\n（１）柱\n①項目\n● 「つながりサポーター」の養成に向けた取組【内閣府】\n"
    "＜施策の概要＞\n概要。\n【目標及び達成の期間】\n養成講座を全国で展開する。\n＜現状＞\n現状。\n＜課題＞\n課題。\n"
    "＜今後の取組方針＞\n方針。\n"
)
runner = CliRunner()


def derive(out: Path) -> Path:
    result = subprocess.run([sys.executable, str(ROOT / "scripts" / "derive_edition.py"), str(out)],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return out


@pytest.fixture(scope="module")
def docs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real 令和7年度 status table, the derived 令和6年度 one, and a one-sheet plan of No.12."""
    d = tmp_path_factory.mktemp("editions") / "docs"
    d.mkdir()
    (d / MEASURES_TXT.name).write_bytes(MEASURES_TXT.read_bytes())
    derive(d / f"{R6}.txt")
    (d / "plan.txt").write_text(PLAN_SHEET, encoding="utf-8")
    (d / "plan.txt.meta.json").write_text(json.dumps({"edition": "令和6年6月決定"}), encoding="utf-8")
    return d


@pytest.fixture(scope="module")
def two_editions(docs: Path) -> Path:
    index = docs.parent / "index"
    build_index([docs], index, embedder=FakeEmbedder())
    return index


def test_word_diff_marks_whole_words() -> None:
    assert word_diff("令和6年度に30団体で実施した。", "令和7年度に50団体で実施した。") == [
        ("equal", "令和"), ("delete", "6"), ("insert", "7"), ("equal", "年度に"), ("delete", "30"), ("insert", "50"),
        ("equal", "団体で実施した。"),
    ]
    assert word_diff("講座を実施した。", "講座を全国で実施した。") == [
        ("equal", "講座を"), ("insert", "全国で"), ("equal", "実施した。")]
    assert word_diff("検討した。さらに動画を作成した。", "検討した。") == [
        ("equal", "検討した。"), ("delete", "さらに動画を作成した。")]
    # One unchanged word between two changes is part of the change: one mark, not three.
    assert word_diff("自治体と企業", "学校と団体") == [("delete", "自治体と企業"), ("insert", "学校と団体")]
    assert word_diff("同じ。", "同じ。") == [("equal", "同じ。")]
    assert word_diff("", "新しい。") == [("insert", "新しい。")]
    assert word_diff("", "") == []


def test_word_diff_rebuilds_both_texts() -> None:
    old = MEASURES_TXT.read_text(encoding="utf-8").split("\n")[30]
    new = old.replace("令和7年度", "令和8年度").replace("実施", "試行")[5:]
    ops = word_diff(old, new)
    assert "".join(t for op, t in ops if op != "insert") == old
    assert "".join(t for op, t in ops if op != "delete") == new


def _entry(doc_id: str, edition: str | None, title: str = "表", kind: str = "measures") -> MeasureEntry:
    return MeasureEntry(doc_id, title, kind, edition, f"{doc_id}.txt", f"{doc_id}#1", {}, {}, [], [], [])


def test_editions_are_ordered_newest_first_undated_last() -> None:
    assert edition_date("令和6年度 実施状況") == (2024, 0, 0)
    assert edition_date("令和6年6月11日決定・令和7年5月27日一部改定") == (2025, 5, 27)  # the revision
    assert edition_date("平成元年") == (1989, 0, 0) and edition_date("FY2023") == (2023, 0, 0)
    assert edition_date("２０２４年度") == (2024, 0, 0) and edition_date("改訂版") is None
    entries = [_entry("a", None), _entry("b", "令和6年度 実施状況"), _entry("c", "平成30年度"),
               _entry("d", None, title="実施状況（令和7年度）"), _entry("e", "2025年6月")]
    assert [e.doc_id for e in newest_first(entries)] == ["e", "d", "b", "c", "a"]


def test_only_dated_entries_of_one_kind_are_editions() -> None:
    undated = Measure("K#1", 1, "名前", [], [], [_entry("a", None), _entry("b", "第2版")])
    assert edition_sets(undated) == []
    same_day = Measure("K#1", 1, "名前", [], [], [_entry("a", "令和7年度"), _entry("b", "令和7年度")])
    assert edition_sets(same_day) == []
    mixed = Measure("K#1", 1, "名前", [], [], [_entry("a", None), _entry("b", "令和6年度"), _entry("c", "令和7年度"),
                                              _entry("p", "令和6年度", kind="plan")])
    (only,) = edition_sets(mixed)
    assert only.kind == "measures" and [e.doc_id for e in only.entries] == ["c", "b"] and len(only.changes) == 1


def test_a_question_names_the_year_it_asks_for() -> None:
    assert read_edition_year("令和6年度の目標") == 2024
    assert read_edition_year("No.12の令和６年度の達成状況") == 2024
    assert read_edition_year("FY2024 targets of measure 12") == 2024
    assert read_edition_year("2024年度の実施状況") == 2024
    assert read_edition_year("施策No.12の目標") is None and read_edition_year("#2024") is None


def test_preferred_docs_keep_one_dated_edition_per_kind() -> None:
    docs = [("r6", "measures", "令和6年度 実施状況"), ("r7", "measures", "令和7年度 実施状況"),
            ("plan", "plan", "令和6年6月決定"), ("x", "measures", None)]
    assert preferred_docs(docs) == {"r7", "plan", "x"}
    assert preferred_docs(docs, 2024) == {"r6", "plan", "x"}
    assert preferred_docs(docs, 2019) == {"r7", "plan", "x"}  # no such edition: the newest
    assert preferred_docs([("a", "measures", "令和7年度"), ("b", "measures", "令和7年度")]) == {"a", "b"}


def _status_doc(doc_id: str, title: str, names: dict[int, str]) -> Document:
    records = [Record(f"{doc_id}#{n}", MEASURE, name, measure_no=n, measure_name=name) for n, name in names.items()]
    return Document(doc_id, title, f"{doc_id}.txt", "measures", 1, doc_id, records)


def test_titles_that_differ_only_by_year_link_without_a_sidecar() -> None:
    names = {1: "相談窓口の設置", 2: "居場所づくりの支援"}
    r6 = _status_doc("r6", "相談支援事業の実施状況(令和6年度)", names)
    r7 = _status_doc("r7", "相談支援事業の実施状況（令和７年度）", names)
    other = _status_doc("o", "別の事業の実施状況(令和7年度)", names)
    undated = _status_doc("u", "相談支援事業の実施状況", names)
    links = link_measures([r6, r7, other, undated])
    assert [g["documents"] for g in links] == [["r6", "r7"], ["o"], ["u"]]
    assert r6.records[0].measure_key == r7.records[0].measure_key == "r6#1"  # keyed by the first edition
    assert other.records[0].measure_key == "o#1" and undated.records[0].measure_key == "u#1"


def test_the_derived_edition_is_an_earlier_status_table(docs: Path) -> None:
    text = (docs / f"{R6}.txt").read_text(encoding="utf-8")
    assert "実施状況(令和6年度)" in text and "令和7年5月27日一部改定" not in text
    rows = {line.split("\t")[0] for line in text.split("\n") if line.split("\t")[0].isdigit()}
    assert "12" in rows and "143" not in rows and len(rows) == 142
    assert not (ROOT / "corpus" / f"{R6}.txt").exists()


def test_measure_command_shows_both_editions_newest_first_with_the_changes(two_editions: Path) -> None:
    result = runner.invoke(app, ["measure", "12", "--index", str(two_editions)])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "版 / editions [measures] (新しい順 / newest first): 令和7年度 実施状況 ← 令和6年度 実施状況" in out
    assert "[-前の版から削除-] {+前の版に追加+}" in out  # the legend says which mark is which
    heads = [line for line in out.split("\n") if line.startswith("## ")]
    assert len(heads) == 3 and heads[0].startswith("## 重点計画に定める施策 令和6年6月決定 [plan]")  # the plan first
    assert "令和7年度) 令和7年度 実施状況 [measures]" in heads[1] and "令和6年度) 令和6年度 実施状況 [measures]" in heads[2]
    assert heads[1].endswith("最新版 / newest edition") and heads[2].endswith("earlier edition 1")
    assert "- 目標の達成状況 [line 26] — 令和6年度 実施状況 からの変更 / changed" in out
    assert "令和[-6-]{+7+}年度に[-おい-]{+つい+}ては、" in out  # the 令和6年度 text is the real plan's
    assert "学校現場など、[-20-]{+50+}以上の[-様々-]{+さまざま+}な団体において" in out
    assert "広報動画の[-作成を行っ-]{+充実を図っ+}た。" in out
    assert "令和[-7-]{+8+}年度においては" in out  # 見直し方針
    assert "- 目標及び達成の期間 [line 26] — 令和6年度 実施状況 から変更なし / unchanged" in out
    older = out[out.index(heads[2]):]
    assert "[-" not in older and "20以上の様々な団体" in older  # the oldest edition as it is
    data = json.loads(runner.invoke(app, ["measure", "12", "--index", str(two_editions), "--format", "json"]).output)
    assert [e["doc_id"] for e in data["entries"]] == ["plan", R7, R6]
    (editions,) = data["editions"]
    assert editions["kind"] == "measures"
    assert [(e["doc_id"], e["edition"], e["date"]) for e in editions["editions"]] == [
        (R7, "令和7年度 実施状況", [2025, 0, 0]), (R6, "令和6年度 実施状況", [2024, 0, 0])]
    (change,) = editions["changes"]
    assert change["doc_id"] == R7 and change["against"] == R6
    fields = {f["label"]: f for f in change["fields"]}
    assert fields["目標"]["changed"] is False and fields["目標"]["field"] == "目標及び達成の期間"
    assert fields["現状"]["field"] == "目標の達成状況" and ["delete", "20"] in fields["現状"]["ops"]
    assert ["insert", "50"] in fields["現状"]["ops"]
    assert fields["今後の取組方針"]["field"] == "達成状況を踏まえた施策の見直し方針"


def test_a_measure_only_in_the_newest_edition_has_no_changes(two_editions: Path) -> None:
    idx = Index.open(two_editions)
    m = idx.measure(143)
    assert m is not None and [e.doc_id for e in m.entries] == [R7]
    assert "版 / editions" not in render_measure(m) and "[-" not in render_measure(m)


def test_detail_view_marks_changes_with_ins_and_del(two_editions: Path) -> None:
    idx = Index.open(two_editions)
    m = idx.measure(12)
    assert m is not None
    record = idx.record(m.entries[1].record_id)
    html = render_detail(record, m.entries[1].doc_title, m, [])
    assert html.index("令和7年度 実施状況") < html.index("令和6年度 実施状況")
    assert "<del>20</del><ins>50</ins>以上" in html and "ks-diff-legend" in html
    assert "最新版" in html and "前の版" in html and "令和6年度 実施状況からの変更" in html
    assert diff_html([("equal", "<a>"), ("delete", "&"), ("insert", "<b>")], ["<b>"]) == (
        '&lt;a&gt;<del>&amp;</del><ins><mark class="ks-cited">&lt;b&gt;</mark></ins>')
    evil = "<script>alert(1)</script>"
    entries = [MeasureEntry(d, f"表{evil}", "measures", f"令和{y}年度{evil}", f"{d}.txt", f"{d}#1",
                            {"目標の達成状況": f"{y}件{evil}"}, {}, [], [], []) for d, y in (("o", 6), ("n", 7))]
    html = render_detail(record, "表", Measure("K#1", 1, "名前", [], [], entries), [])
    assert "<script" not in html and html.count("&lt;script&gt;") >= 4 and "<ins>7</ins>" in html


def test_answers_cite_the_newest_edition_unless_a_year_is_asked(two_editions: Path) -> None:
    idx = open_index(two_editions, embedder=FakeEmbedder())
    for question, wanted in (("施策No.12の目標の達成状況", R7), ("令和6年度の施策No.12の達成状況", R6),
                             ("No.12 achievement status FY2024", R6), ("つながりサポーター 養成講座", R7)):
        item = next(i for i in idx.ask(question).items if i.measure_no == 12)
        status = [c for c in item.citations if c.doc_kind == "measures"]
        assert status and {c.doc_id for c in status} == {wanted}, question
        assert {c.edition for c in status} == {f"令和{6 if wanted == R6 else 7}年度 実施状況"}


def test_one_edition_per_kind_leaves_answers_exactly_as_they_were(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / MEASURES_TXT.name).write_bytes(MEASURES_TXT.read_bytes())
    (docs / "plan.txt").write_text(PLAN_SHEET, encoding="utf-8")
    build_index([docs], tmp_path / "index", embedder=FakeEmbedder())
    idx = open_index(tmp_path / "index", embedder=FakeEmbedder())
    questions = ("令和6年度の施策No.12の目標", "つながりサポーター", "FY2024 loneliness survey")
    before = [idx.ask(q, complete=True).to_dict() for q in questions]
    monkeypatch.setattr(answer_module, "one_edition", lambda searcher, hits, year=None: hits)
    assert [idx.ask(q, complete=True).to_dict() for q in questions] == before
