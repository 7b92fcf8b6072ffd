"""The command line: exit codes, stdout/stderr discipline, JSON shapes, batch mode (fake embedder)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from conftest import CORPUS, MEASURES_TXT, MINUTES_TXT, FakeEmbedder
from koritsu_search.cli import app

runner = CliRunner()


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import koritsu_search.embed as embed
    import koritsu_search.pipeline as pipeline

    monkeypatch.setattr(pipeline, "embedder_for", lambda model=None: FakeEmbedder)
    monkeypatch.setattr(embed, "model_id_for", lambda model=None: FakeEmbedder.model_id)
    monkeypatch.setattr(embed, "load_embedder", lambda model=None, cache_dir=None: FakeEmbedder())


@pytest.fixture
def cli_index(tmp_path: Path, fake_model: None) -> Path:
    d = tmp_path / "idx"
    result = runner.invoke(app, ["index", str(CORPUS), "--index", str(d)])
    assert result.exit_code == 0, result.output
    return d


def test_parse_json_lists_documents_and_records() -> None:
    result = runner.invoke(app, ["parse", str(MEASURES_TXT), str(MINUTES_TXT), "--format", "json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    docs = {d["kind"]: d for d in data["documents"]}
    assert len(docs["measures"]["records"]) == 143
    rec = docs["measures"]["records"][9]
    for key in ("kind", "measure_no", "measure_name", "section", "ministries", "fields", "urls", "speaker", "text", "pages"):
        assert key in rec
    assert rec["measure_no"] == 10 and rec["ministries"] == ["法務省"]
    speeches = docs["minutes"]["records"]
    assert speeches and all(r["kind"] == "speech" and r["speaker"] for r in speeches)
    assert data["skipped"] == []


def test_parse_reports_bad_file_and_keeps_going(tmp_path: Path) -> None:
    bad = tmp_path / "broken.pdf"
    bad.write_bytes(b"%PDF-1.4 truncated")
    result = runner.invoke(app, ["parse", str(bad), str(MINUTES_TXT), "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert len(data["documents"]) == 1
    assert data["skipped"][0]["source"].endswith("broken.pdf")
    assert data["skipped"][0]["reason"]


def test_parse_only_bad_files_exits_nonzero(tmp_path: Path) -> None:
    empty = tmp_path / "empty.txt"
    empty.write_bytes(b"")
    result = runner.invoke(app, ["parse", str(empty)])
    assert result.exit_code == 1
    assert "empty.txt" in result.stderr


def test_index_then_search_json(cli_index: Path) -> None:
    result = runner.invoke(app, ["search", "在留外国人 情報提供", "--index", str(cli_index), "--k", "5", "--format", "json"])
    assert result.exit_code == 0, result.output
    hits = json.loads(result.stdout)
    assert 1 <= len(hits) <= 5
    assert {"passage_id", "doc_title", "page", "measure_no", "ministries", "field", "text", "score"} <= set(hits[0])
    assert any(h["measure_no"] == 10 for h in hits)


def test_ask_text_and_json_with_filter(cli_index: Path) -> None:
    result = runner.invoke(app, ["ask", "外国人を対象とした施策は？", "--index", str(cli_index)])
    assert result.exit_code == 0, result.output
    assert "施策No." in result.stdout and "measure" in result.stdout.splitlines()[0]
    result = runner.invoke(app, ["ask", "外国人を対象とした施策は？", "--index", str(cli_index),
                                 "--ministry", "法務省", "--format", "json"])
    answer = json.loads(result.stdout)
    assert answer["items"] and all("法務省" in i["ministries"] for i in answer["items"])
    assert answer["items"][0]["citations"][0]["quote"]


def test_batch_queries_one_json_line_each(cli_index: Path, tmp_path: Path) -> None:
    qfile = tmp_path / "q.jsonl"
    qfile.write_text('{"id": "a", "query": "認知症カフェ"}\n{"id": "b", "query": "   "}\n', encoding="utf-8")
    result = runner.invoke(app, ["ask", "--queries", str(qfile), "--index", str(cli_index), "--k", "3"])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["id"] for r in rows] == ["a", "b"]
    assert rows[0]["answer"]["items"]
    assert "empty" in rows[1]["error"]
    plain = tmp_path / "q.txt"
    plain.write_text("フードドライブ\n#9999\n", encoding="utf-8")
    result = runner.invoke(app, ["search", "--queries", str(plain), "--index", str(cli_index), "--k", "2"])
    rows = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["query"] for r in rows] == ["フードドライブ", "#9999"] and all(len(r["hits"]) == 2 for r in rows)


def test_empty_query_is_a_clean_error(cli_index: Path) -> None:
    result = runner.invoke(app, ["ask", "  ", "--index", str(cli_index)])
    assert result.exit_code == 1
    assert result.stderr.startswith("Error: ") and "empty" in result.stderr
    assert "Traceback" not in result.output


def test_missing_index_says_how_to_build(tmp_path: Path) -> None:
    result = runner.invoke(app, ["search", "孤独", "--index", str(tmp_path / "nope")])
    assert result.exit_code == 1
    assert "koritsu-search index" in result.stderr


def test_second_index_run_embeds_nothing(cli_index: Path) -> None:
    result = runner.invoke(app, ["index", str(CORPUS), "--index", str(cli_index), "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["embedded"] == 0 and report["reused_files"] == 4  # every corpus file


def test_info_shows_manifest(cli_index: Path) -> None:
    result = runner.invoke(app, ["info", "--index", str(cli_index)])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["model_id"] == FakeEmbedder.model_id


def test_unknown_document_kind_is_a_clean_error(tmp_path: Path) -> None:
    for command in (["parse", str(MINUTES_TXT)], ["index", str(MINUTES_TXT), "--index", str(tmp_path / "i")]):
        result = runner.invoke(app, [*command, "--kind", "spreadsheet"])
        assert result.exit_code == 2, result.output
        assert "--kind: kind must be one of measures, plan, minutes, table, generic" in result.output
        assert "Traceback" not in result.output
    assert not (tmp_path / "i").exists()


def test_parse_forced_kind_and_no_ocr(tmp_path: Path) -> None:
    result = runner.invoke(app, ["parse", str(MINUTES_TXT), "--kind", "prose", "--format", "json"])
    assert result.exit_code == 0
    doc = json.loads(result.stdout)["documents"][0]
    assert doc["kind"] == "generic" and {r["kind"] for r in doc["records"]} == {"paragraph"}
    scan = Path(__file__).parent / "data" / "realdocs" / "mhlw_scanned_no_text_layer.pdf"
    result = runner.invoke(app, ["parse", str(scan), str(MINUTES_TXT), "--no-ocr", "--format", "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert [d["kind"] for d in data["documents"]] == ["minutes"]
    assert data["skipped"][0]["source"] == str(scan) and "--no-ocr" in data["skipped"][0]["reason"]
