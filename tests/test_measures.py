"""Measures linked across documents: same declared plan and agreeing names only."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from koritsu_search import open_index
from koritsu_search.cli import app
from koritsu_search.index.build import build_index
from koritsu_search.ingest import parse_file
from koritsu_search.measures import collect_measures, link_measures, plan_series

from helpers import MEASURES_TXT, FakeEmbedder

SHEET = (
    "施策 No.{no}\n（１）柱\n①項目\n● {name}【{ministry}】\n＜施策の概要＞\n{name}の概要。\n"
    "【目標及び達成の期間】\n目標。\n＜現状＞\n{name}の現状。\n＜課題＞\n課題。\n＜今後の取組方針\u003e\n方針。\n"
)


def _plan(path: Path, title: str, names: dict[int, str]) -> Path:
    body = title + "\n" + "".join(SHEET.format(no=n, name=v, ministry="内閣府") for n, v in names.items())
    path.write_text(body, encoding="utf-8")
    return path


def test_plan_and_status_of_the_same_plan_are_linked(tmp_path: Path) -> None:
    status = parse_file(MEASURES_TXT)
    names = {r.measure_no: r.measure_name for r in status.records[:5]}
    plan = parse_file(_plan(tmp_path / "plan.txt", "重点計画に定める施策", names))
    other = parse_file(_plan(tmp_path / "other.txt", "交通安全基本計画の施策", {1: "自転車の安全利用", 2: "道路の整備"}))
    links = link_measures([plan, status, other])
    assert plan_series(plan) == plan_series(status) == "重点計画"
    assert [g["documents"] for g in links] == [[plan.doc_id, status.doc_id], [other.doc_id]]
    measures = collect_measures([status, plan, other])
    one = measures["重点計画#1"]
    assert [e.doc_kind for e in one.entries] == ["plan", "measures"]  # the plan first
    assert one.entries[0].fields["現状"] == f"{names[1]}の現状。"
    assert measures["基本計画#1"].name == "自転車の安全利用"  # its own measure, not 重点計画's No.1


def test_same_series_with_other_names_is_not_linked(tmp_path: Path) -> None:
    status = parse_file(MEASURES_TXT)
    plan = parse_file(_plan(tmp_path / "plan.txt", "重点計画に定める施策", {1: "まったく別の施策", 2: "また別の施策"}))
    link_measures([status, plan])
    assert status.records[0].measure_key != plan.records[0].measure_key


def test_measure_command(tmp_path: Path) -> None:
    status_dir = tmp_path / "docs"
    status_dir.mkdir()
    (status_dir / MEASURES_TXT.name).write_bytes(MEASURES_TXT.read_bytes())
    names = {r.measure_no: r.measure_name for r in parse_file(MEASURES_TXT).records[:3]}
    _plan(status_dir / "plan.txt", "重点計画に定める施策", names)
    (status_dir / "plan.txt.meta.json").write_text(json.dumps({"edition": "令和6年6月決定"}), encoding="utf-8")
    index = tmp_path / "index"
    build_index([status_dir], index, embedder=FakeEmbedder())
    runner = CliRunner()
    result = runner.invoke(app, ["measure", "2", "--index", str(index), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["no"] == 2 and [e["edition"] for e in data["entries"]] == ["令和6年6月決定", "令和7年度 実施状況"]
    assert data["entries"][1]["fields"]["目標の達成状況"]
    text = runner.invoke(app, ["measure", "2", "--index", str(index)])
    assert text.exit_code == 0 and "## " in text.output and "- 現状" in text.output and "- 目標の達成状況" in text.output
    missing = runner.invoke(app, ["measure", "999", "--index", str(index)])
    assert missing.exit_code == 1 and "no measure 施策No.999" in missing.output
    idx = open_index(index)
    assert idx.measure(50).entries[0].doc_kind == "measures"  # only the status table has No.50
    manifest = json.loads((index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["links"][0]["documents"] == ["plan", "r7_kodoku_koritsu_measures_status"]


def test_sidecar_is_part_of_the_document_and_a_broken_one_is_only_a_warning(tmp_path: Path) -> None:
    docs = tmp_path / "docs"
    docs.mkdir()
    plan = _plan(docs / "plan.txt", "重点計画に定める施策", {1: "最初の施策"})
    side = docs / "plan.txt.meta.json"
    side.write_text(json.dumps({"edition": "令和6年6月決定", "colour": "blue"}), encoding="utf-8")
    doc = parse_file(plan)
    assert doc.metadata["edition"] == "令和6年6月決定"
    assert any("unknown keys ignored: colour" in w for w in doc.warnings)
    index = tmp_path / "index"
    first = build_index([docs], index, embedder=FakeEmbedder())
    assert first.reparsed_files == 1
    side.write_text(json.dumps({"edition": "令和7年5月改定"}), encoding="utf-8")
    again = build_index([docs], index, embedder=FakeEmbedder())
    assert again.reparsed_files == 1 and again.embedded == 0  # re-parsed for its new edition, text unchanged
    assert open_index(index).measure(1).entries[0].edition == "令和7年5月改定"
    side.write_text("{not json", encoding="utf-8")
    broken = parse_file(plan)
    assert broken.records and "edition" not in broken.metadata
    assert any("plan.txt.meta.json ignored: not readable JSON" in w for w in broken.warnings)
