"""The command line: exit codes, stdout/stderr discipline, JSON shapes, batch mode (fake embedder)."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from koritsu_search import cli_output
from koritsu_search.cli import app
from koritsu_search.export import CSV_COLUMNS, HIT_COLUMNS
from koritsu_search.library import Index
from koritsu_search.listing import summarize_en
from koritsu_search.models import Answer, AnswerItem, Citation, Filters
from koritsu_search.render import render_answer

from helpers import CORPUS, MEASURES_TXT, MINUTES_TXT, FakeEmbedder

runner = CliRunner()


def use_fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import koritsu_search.embed as embed
    import koritsu_search.library as library

    monkeypatch.setattr(library, "embedder_for", lambda model=None: FakeEmbedder)
    monkeypatch.setattr(embed, "model_id_for", lambda model=None: FakeEmbedder.model_id)
    monkeypatch.setattr(embed, "load_embedder", lambda model=None, cache_dir=None: FakeEmbedder())


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fake_model(monkeypatch)


@pytest.fixture(scope="module")
def built_cli_index(tmp_path_factory: pytest.TempPathFactory, seed_index_dir: Path) -> Path:
    """The seed corpus indexed through the CLI, as an update of the session's seed index (so that the
    PDFs are parsed once per session; a build from nothing runs in the slow end-to-end tests)."""
    d = tmp_path_factory.mktemp("cli") / "idx"
    shutil.copytree(seed_index_dir, d)
    with pytest.MonkeyPatch.context() as mp:
        use_fake_model(mp)
        result = runner.invoke(app, ["index", str(CORPUS), "--index", str(d)])
    assert result.exit_code == 0, result.output
    return d


@pytest.fixture
def cli_index(built_cli_index: Path, fake_model: None) -> Path:
    return built_cli_index


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
    result = runner.invoke(app, ["ask", "外国人を対象とした施策は？", "--index", str(cli_index), "--mode", "lexical"])
    assert result.exit_code == 0, result.output
    assert "施策No." in result.stdout and "measure" in result.stdout.splitlines()[0]
    result = runner.invoke(app, ["ask", "外国人を対象とした施策は？", "--index", str(cli_index), "--mode", "lexical",
                                 "--ministry", "法務省", "--format", "json"])
    answer = json.loads(result.stdout)
    assert answer["items"] and all("法務省" in i["ministries"] for i in answer["items"])
    assert answer["items"][0]["citations"][0]["quote"]


def test_batch_queries_one_json_line_each(cli_index: Path, tmp_path: Path) -> None:
    qfile = tmp_path / "q.jsonl"
    qfile.write_text('{"id": "a", "query": "認知症カフェ"}\n{"id": "b", "query": "   "}\n', encoding="utf-8")
    result = runner.invoke(app, ["ask", "--queries", str(qfile), "--index", str(cli_index), "--k", "3", "--mode", "lexical"])
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
    assert result.exit_code == 2
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


# --- filters, files and help: bad input is one "Error:" line and exit code 2 -------------------------

MINUTES_ID = "r7_kodoku_koritsu_suishin_kaigi_02_minutes"
BROAD = "孤独・孤立 相談 支援"


@pytest.fixture
def seed_cli(seed_index_dir: Path, fake_model: None) -> Path:
    """The session's seed index (fake embedder), for tests that only read it."""
    return seed_index_dir


def errors(result: Any) -> list[str]:
    assert "Traceback" not in result.output
    lines = result.stderr.splitlines()
    assert lines and all(line.startswith("Error: ") for line in lines), result.stderr
    return lines


def test_unknown_ministry_suggests_the_close_match(seed_cli: Path) -> None:
    for command in ("ask", "search"):
        result = runner.invoke(app, [command, BROAD, "--index", str(seed_cli), "--ministry", "厚生省"])
        assert result.exit_code == 2 and result.stdout == ""
        [line] = errors(result)
        assert line.startswith("Error: --ministry: '厚生省' is not a ministry in this index.")
        assert line.index("Did you mean: 厚生労働省?") < line.index("Valid values (20):")
    result = runner.invoke(app, ["ask", BROAD, "--index", str(seed_cli), "--ministry", "総務庁"])
    assert result.exit_code == 2 and "Did you mean: 総務省?" in errors(result)[0]


def test_ministry_short_form_is_accepted_and_normalized(seed_cli: Path) -> None:
    result = runner.invoke(app, ["ask", BROAD, "--index", str(seed_cli), "--mode", "lexical",
                                 "--ministry", "厚労省", "--format", "json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert answer["filters"]["ministries"] == ["厚生労働省"]
    assert answer["items"] and all("厚生労働省" in i["ministries"] for i in answer["items"])


def test_unknown_kind_and_document_are_clean_errors(seed_cli: Path) -> None:
    result = runner.invoke(app, ["ask", BROAD, "--index", str(seed_cli), "--kind", "foo"])
    assert result.exit_code == 2
    [line] = errors(result)
    assert line.startswith("Error: --kind: 'foo' is not a record kind.") and "measure（施策）" in line
    result = runner.invoke(app, ["search", BROAD, "--index", str(seed_cli), "--doc", "minutes"])
    assert result.exit_code == 2
    [line] = errors(result)
    assert line.startswith("Error: --doc: 'minutes' is not a document id or title in this index.")
    assert f"Did you mean: {MINUTES_ID}" in line
    both = runner.invoke(app, ["ask", BROAD, "--index", str(seed_cli), "--kind", "foo", "--doc", "minutes"])
    assert both.exit_code == 2 and len(errors(both)) == 2


def test_bad_filter_fails_before_a_batch_runs(seed_cli: Path, tmp_path: Path) -> None:
    qfile = tmp_path / "q.txt"
    qfile.write_text("認知症カフェ\n", encoding="utf-8")
    result = runner.invoke(app, ["ask", "--queries", str(qfile), "--index", str(seed_cli), "--field", "達成状況"])
    assert result.exit_code == 2 and result.stdout == ""
    assert "Did you mean: 目標の達成状況" in errors(result)[0]


def test_missing_files_are_one_line_errors(seed_cli: Path, tmp_path: Path) -> None:
    missing = tmp_path / "nope.jsonl"
    result = runner.invoke(app, ["ask", "--queries", str(missing), "--index", str(seed_cli)])
    assert result.exit_code == 2 and result.stderr == f"Error: {missing}: no such file\n"
    result = runner.invoke(app, ["search", "--queries", str(tmp_path), "--index", str(seed_cli)])
    assert result.exit_code == 2 and "is a directory" in errors(result)[0]
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": 1}\n', encoding="utf-8")
    result = runner.invoke(app, ["ask", "--queries", str(bad), "--index", str(seed_cli)])
    assert result.exit_code == 2 and f"{bad}:1: not a JSON object with a 'query'" in errors(result)[0]
    pdf = tmp_path / "nope.pdf"
    result = runner.invoke(app, ["parse", str(pdf), str(MINUTES_TXT)])
    assert result.exit_code == 2 and result.stderr == f"Error: {pdf}: no such file\n" and result.stdout == ""
    target = tmp_path / "never"
    result = runner.invoke(app, ["index", str(tmp_path / "nope"), "--index", str(target)])
    assert result.exit_code == 2 and result.stderr == f"Error: {tmp_path / 'nope'}: no such file\n"
    assert not target.exists()


def test_a_batch_with_bad_characters_answers_every_row(seed_cli: Path, tmp_path: Path) -> None:
    jsonl = tmp_path / "q.jsonl"
    jsonl.write_text('{"id": "a", "query": "認知症カフェ"}\n{"id": "b", "query": "地域\\ud800食堂"}\n'
                     '{"id": "c", "query": "フードドライブ"}\n', encoding="utf-8")
    raw = tmp_path / "q.txt"
    raw.write_bytes("認知症カフェ\n地域".encode() + b"\xed\xa0\x80\xff" + "食堂\nフードドライブ\n".encode())
    for qfile in (jsonl, raw):
        result = runner.invoke(app, ["search", "--queries", str(qfile), "--index", str(seed_cli), "--mode", "lexical"])
        assert result.exit_code == 0, result.output
        rows = [json.loads(line) for line in result.stdout.splitlines()]
        assert len(rows) == 3 and all(r["hits"] for r in rows), qfile
        assert rows[1]["query"].startswith("地域\ufffd") and rows[1]["query"].endswith("食堂")


def test_a_utf16_batch_file_is_read_and_a_binary_one_refused(seed_cli: Path, tmp_path: Path) -> None:
    for encoding in ("utf-16-le", "utf-16-be"):
        qfile = tmp_path / f"{encoding}.txt"
        qfile.write_bytes(("\ufeff" + "認知症カフェ\nフードドライブ\n").encode(encoding))
        result = runner.invoke(app, ["search", "--queries", str(qfile), "--index", str(seed_cli), "--mode", "lexical"])
        assert result.exit_code == 0, result.output
        assert [json.loads(line)["query"] for line in result.stdout.splitlines()] == ["認知症カフェ", "フードドライブ"]
    binary = tmp_path / "q.bin"
    binary.write_bytes(bytes(range(256)) * 8)
    result = runner.invoke(app, ["search", "--queries", str(binary), "--index", str(seed_cli)])
    assert result.exit_code == 2 and result.stdout == ""
    assert errors(result) == [f"Error: {binary}: not a text file of queries (UTF-8, or UTF-16 with a BOM)"]


def test_help_has_readable_placeholders() -> None:
    for command in ([], ["parse"], ["index"], ["search"], ["ask"], ["measure"], ["info"], ["serve"]):
        result = runner.invoke(app, [*command, "--help"], terminal_width=200)
        assert result.exit_code == 0, result.output
        assert not re.search(r"<[A-Za-z]", result.stdout), result.stdout
        assert "--help" in result.stdout
    ask_help = runner.invoke(app, ["ask", "--help"], terminal_width=200).stdout
    for shown in ("QUESTION", "FILE", "DIR", "N", "NAME", "text|json|csv|jsonl", "relevance|no|ministry", "--all"):
        assert shown in ask_help


# --- ask output: bands, totals, complete lists, order, groups, exports -------------------------------


@pytest.fixture
def calibrated(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Index.ask answering as the calibrated library does: confidences and bands, more items above the cut than k."""
    original = Index.ask
    calls: list[dict[str, Any]] = []

    def ask(self: Index, question: str, k: int = 10, filters: Filters | None = None, mode: str = "hybrid",
            complete: bool = False, include_low: bool = False) -> Answer:
        calls.append({"k": k, "complete": complete, "filters": filters, "include_low": include_low})
        full = original(self, question, k=25, filters=filters, mode="lexical")
        for n, item in enumerate(full.items):
            item.confidence = round(0.95 - 0.03 * n, 4)
            item.band = "high" if n < 5 else "medium" if n < 15 else "low"
        shown = full.items if complete else full.items[:k]
        if complete and not include_low:  # as the library folds a complete list's 低 items
            shown = [i for i in full.items if i.band != "low"]
        return Answer(question=full.question, summary=summarize_en(shown), items=shown, total=len(full.items),
                      filters=filters, folded_low=len(full.items) - len(shown) if complete else 0)

    monkeypatch.setattr(Index, "ask", ask)
    return calls


def test_ask_text_shows_bands_and_total_and_is_plain_when_piped(seed_cli: Path, calibrated: list[dict[str, Any]]) -> None:
    result = runner.invoke(app, ["ask", BROAD, "--index", str(seed_cli)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    total = json.loads(runner.invoke(app, ["ask", BROAD, "--index", str(seed_cli), "--format", "json"]).stdout)
    assert total["total"] > 10 and any(c["highlights"] for i in total["items"] for c in i["citations"])
    assert f"10 of {total['total']} items above the cut; --all for all" in out
    assert "1. [高 0.95] " in out and "[中 0.80]" in out
    assert "**" not in out and "\x1b[" not in out  # highlights only as colour, and only on a terminal
    assert calibrated[0] == {"k": 10, "complete": False, "filters": Filters(), "include_low": False}


def test_ask_colours_highlights_on_a_terminal(seed_cli: Path, calibrated: list[dict[str, Any]],
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cli_output, "_color", lambda: True)
    result = runner.invoke(app, ["ask", BROAD, "--index", str(seed_cli)], color=True)
    assert "\x1b[1;33m" in result.stdout and "**" not in result.stdout


def test_ask_all_lists_every_item_above_the_cut(seed_cli: Path, calibrated: list[dict[str, Any]]) -> None:
    result = runner.invoke(app, ["ask", BROAD, "--index", str(seed_cli), "--all", "--include-low", "--format", "json"])
    assert result.exit_code == 0, result.output
    answer = json.loads(result.stdout)
    assert calibrated[-1]["complete"] is True and calibrated[-1]["include_low"] is True
    assert len(answer["items"]) == answer["total"] > 15 and answer["folded_low"] == 0
    text = runner.invoke(app, ["ask", BROAD, "--index", str(seed_cli), "--all", "--include-low"]).stdout
    assert "--all for all" not in text and f"{answer['total']}. [" in text


def test_ask_all_folds_the_low_items_and_says_how_many(seed_cli: Path, calibrated: list[dict[str, Any]]) -> None:
    result = runner.invoke(app, ["ask", BROAD, "--index", str(seed_cli), "--all", "--format", "json"])
    answer = json.loads(result.stdout)
    assert calibrated[-1]["include_low"] is False
    assert [i["band"] for i in answer["items"]] == ["high"] * 5 + ["medium"] * 10
    assert answer["folded_low"] == answer["total"] - 15 > 0
    shown = runner.invoke(app, ["ask", BROAD, "--index", str(seed_cli), "--all"])
    assert f"関連の低い候補 {answer['folded_low']}件 not listed (--include-low lists them)" in shown.stderr
    assert f"15 items rated 高 or 中; {answer['folded_low']} rated 低 not listed" in shown.stdout
    assert "15. [" in shown.stdout and "16. [" not in shown.stdout
    csv_note = runner.invoke(app, ["ask", BROAD, "--index", str(seed_cli), "--all", "--format", "csv"]).stderr
    assert f"{answer['folded_low']} low-relevance items left out (--include-low)" in csv_note


def test_ask_sort_and_group(seed_cli: Path, calibrated: list[dict[str, Any]]) -> None:
    result = runner.invoke(app, ["ask", BROAD, "--index", str(seed_cli), "--sort", "no", "--format", "json"])
    numbers = [i["measure_no"] for i in json.loads(result.stdout)["items"]]
    measures = [n for n in numbers if n is not None]
    assert measures == sorted(measures) and numbers[: len(measures)] == measures
    result = runner.invoke(app, ["ask", BROAD, "--index", str(seed_cli), "--group", "ministry", "--all"])
    assert result.exit_code == 0, result.output
    headings = [line for line in result.stdout.splitlines() if line.startswith("■ ")]
    assert headings and all(re.fullmatch(r"■ .+（\d+件）", h) for h in headings)
    data = json.loads(runner.invoke(app, ["ask", BROAD, "--index", str(seed_cli), "--group", "section",
                                          "--format", "json"]).stdout)
    ids = {i["record_id"] for i in data["items"]}
    assert data["groups"] and {r for g in data["groups"] for r in g["record_ids"]} == ids


def test_ask_csv_and_jsonl_export_every_item_and_citation(seed_cli: Path, calibrated: list[dict[str, Any]]) -> None:
    base = ["ask", BROAD, "--index", str(seed_cli), "--all", "--include-low"]
    answer = json.loads(runner.invoke(app, [*base, "--format", "json"]).stdout)
    result = runner.invoke(app, [*base, "--format", "csv"])
    assert result.exit_code == 0, result.output
    assert result.stderr.startswith("# koritsu-search export") and f"total: {answer['total']}" in result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"), newline="")))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert {int(r["順位"]) for r in rows} == set(range(1, answer["total"] + 1))
    assert len(rows) == sum(max(1, len(i["citations"])) for i in answer["items"])
    urls = {u for r in rows for u in r["関連URL"].split()}
    assert {u for i in answer["items"] for u in i["urls"]} <= urls
    quotes = {(r["順位"], r["引用"].lstrip("'")) for r in rows}
    for rank, item in enumerate(answer["items"], 1):
        for c in item["citations"]:
            assert (str(rank), c["quote"].lstrip("'")) in quotes
    assert {r["信頼度区分"] for r in rows} == {"高", "中", "低"}
    result = runner.invoke(app, [*base, "--format", "jsonl"])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert lines[0]["meta"]["total"] == answer["total"] and lines[0]["meta"]["model_id"] == FakeEmbedder.model_id
    assert [line["record_id"] for line in lines[1:]] == [i["record_id"] for i in answer["items"]]


def test_search_csv_and_jsonl(seed_cli: Path) -> None:
    result = runner.invoke(app, ["search", BROAD, "--index", str(seed_cli), "--k", "4", "--format", "csv"])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout.lstrip("\ufeff"), newline="")))
    assert list(rows[0]) == list(HIT_COLUMNS) and [r["順位"] for r in rows] == ["1", "2", "3", "4"]
    result = runner.invoke(app, ["search", BROAD, "--index", str(seed_cli), "--k", "4", "--format", "jsonl"])
    hits = [json.loads(line) for line in result.stdout.splitlines()]
    assert len(hits) == 4 and all("passage_id" in h for h in hits)


def test_ministry_implied_by_the_question_is_reported(seed_cli: Path) -> None:
    result = runner.invoke(app, ["ask", "厚労省の相談支援", "--index", str(seed_cli)])
    assert result.exit_code == 0, result.output
    assert "filters from the question: 厚生労働省 (boosted, not filtered)" in result.stderr
    result = runner.invoke(app, ["ask", "厚労省の相談支援", "--index", str(seed_cli), "--format", "json"])
    assert result.stderr == "" and json.loads(result.stdout)["implied_ministries"] == ["厚生労働省"]


def test_no_confident_match_shows_the_nearest_as_such(seed_cli: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def ask(self: Index, question: str, k: int = 10, filters: Filters | None = None, mode: str = "hybrid",
            complete: bool = False, include_low: bool = False) -> Answer:
        near = AnswerItem(record_id="r", kind="measure", title="施策No.3 近いだけの施策", score=0.1, measure_no=3,
                          confidence=0.08, band="low")
        return Answer(question=question, summary="No matching measures or statements.", confident=False, nearest=[near])

    monkeypatch.setattr(Index, "ask", ask)
    result = runner.invoke(app, ["ask", "zzz", "--index", str(seed_cli)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == "該当する施策は見つかりませんでした / No confident match."
    assert "最も近い項目（該当とは限りません）" in lines[2] and "1. [低 0.08] 施策No.3 近いだけの施策" in result.stdout


def test_render_keeps_the_lines_of_a_quote_under_its_marker() -> None:
    quote = "一行目の**強調**ではない文\n  字下げした二行目\n三行目"
    c = Citation(passage_id="p", doc_id="d", doc_title="文書", source="d.txt", page=2, field="現状", speaker=None,
                 quote=quote, highlights=[(0, 3)])
    item = AnswerItem(record_id="r", kind="measure", title="施策No.1 実態把握", score=1.0, measure_no=1,
                      ministries=["内閣府"], citations=[c], confidence=0.923, band="high")
    text = render_answer(Answer(question="q", summary="1 measure from 1 ministry", items=[item], total=1))
    lines = text.splitlines()
    start = lines.index("   > 一行目の**強調**ではない文")
    assert lines[start + 1: start + 4] == ["       字下げした二行目", "     三行目", "     (文書, p.2, 現状)"]
    assert lines[2] == "1. [高 0.92] 施策No.1 実態把握 — 内閣府"
    coloured = render_answer(Answer(question="q", summary="s", items=[item], total=3), color=True)
    assert "   > \x1b[1;33m一行目\x1b[0m" in coloured and "1 of 3 items above the cut; --all for all" in coloured


def test_ask_xlsx_is_a_workbook_with_every_shown_item(seed_cli: Path, calibrated: list[dict[str, Any]]) -> None:
    from openpyxl import load_workbook

    answer = json.loads(runner.invoke(app, ["ask", BROAD, "--index", str(seed_cli), "--all", "--format", "json"]).stdout)
    result = runner.invoke(app, ["ask", BROAD, "--index", str(seed_cli), "--all", "--format", "xlsx"])
    assert result.exit_code == 0, result.output
    wb = load_workbook(io.BytesIO(result.stdout_bytes))
    rows = list(wb["結果"].iter_rows(values_only=True))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert {r[0] for r in rows[1:]} == set(range(1, len(answer["items"]) + 1))
    info = {r[0]: r[1] for r in wb["メタデータ"].iter_rows(values_only=True)}
    assert info["質問 / query"] == BROAD and info["省いた低関連 / low left out"] == answer["folded_low"] > 0


def test_xlsx_is_refused_where_it_cannot_go(seed_cli: Path) -> None:
    result = runner.invoke(app, ["search", BROAD, "--index", str(seed_cli), "--format", "xlsx"])
    assert result.exit_code == 2 and "--format xlsx is for ask" in result.stderr and result.stdout == ""
