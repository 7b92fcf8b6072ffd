"""Research exports: CSV and XLSX with one row per citation (Excel-safe; CSV with a BOM and its header first), JSON Lines."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from koritsu_search.export import (
    CSV_COLUMNS,
    HIT_COLUMNS,
    export_meta,
    meta_line,
    write_csv,
    write_hits_csv,
    write_hits_jsonl,
    write_jsonl,
    write_xlsx,
)
from koritsu_search.models import Answer, AnswerItem, Citation, Filters, Hit


def cite(n: int, quote: str, page: int | None = 5, printed: int | None = 12, **kw: Any) -> Citation:
    return Citation(passage_id=f"p{n}", doc_id="plan", doc_title="重点計画", source="corpus/plan.pdf", page=page,
                    field=kw.get("field"), speaker=kw.get("speaker"), quote=quote, printed_page=printed,
                    edition=kw.get("edition"), line=kw.get("line"))


def sample_answer() -> Answer:
    joint = AnswerItem(
        record_id="m10", kind="measure", title="施策No.10 外国人向け情報提供", score=0.9, measure_no=10,
        measure_name="外国人向け情報提供", ministries=["法務省", "外務省"], url="https://a.example/1",
        urls=["https://a.example/1", "https://b.example/2"], confidence=0.9234, band="high",
        citations=[cite(1, "在留外国人に情報を提供する。", field="施策の概要", edition="令和7年度"),
                   cite(2, "一行目\n  二行目（字下げ）", page=7, printed=None, field="現状")],
    )
    bare = AnswerItem(record_id="m11", kind="measure", title="施策No.11 引用なし", score=0.5, measure_no=11,
                      measure_name="引用なし", ministries=["内閣府"], urls=["https://c.example/3"],
                      confidence=0.41, band="medium")
    risky = AnswerItem(record_id="s1", kind="speech", title="=HYPERLINK(\"http://evil\")", score=0.3,
                       speaker="@室長", citations=[cite(3, "-1+2 は危険", speaker="@室長"), cite(4, "+81 電話", page=None, printed=None, line=57)])
    return Answer(question="外国人, \"支援\"\n二行目", summary="", items=[joint, bare, risky], total=3,
                  filters=Filters(ministries=["法務省"], kinds=["measure"]), implied_ministries=["厚生労働省"])


def parse_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text, newline="")))


def test_csv_has_one_row_per_citation_with_every_url_and_quote() -> None:
    answer = sample_answer()
    buf = io.StringIO(newline="")
    write_csv(answer, buf)
    text = buf.getvalue()
    # The header is Excel's first row: nothing above it.
    assert text.startswith("\ufeff" + ",".join(CSV_COLUMNS) + "\r\n")
    rows = parse_csv(text.lstrip("\ufeff"))
    assert list(rows[0]) == list(CSV_COLUMNS)
    assert len(rows) == 2 + 1 + 2  # a row per citation, one for the item without any
    urls = " ".join(r["関連URL"] for r in rows)
    for u in ("https://a.example/1", "https://b.example/2", "https://c.example/3"):
        assert u in urls
    quotes = [r["引用"] for r in rows]
    assert quotes.count("在留外国人に情報を提供する。") == 1
    assert "一行目\n  二行目（字下げ）" in quotes  # line breaks and indentation survive
    assert [r["順位"] for r in rows] == ["1", "1", "2", "3", "3"]
    top = rows[0]
    assert (top["信頼度"], top["信頼度区分"], top["種類"], top["施策No."]) == ("0.923", "高", "施策", "10")
    assert (top["施策名・タイトル"], top["府省庁"], top["版"], top["項目"]) == ("外国人向け情報提供", "法務省・外務省", "令和7年度", "施策の概要")
    assert (top["ページ"], top["PDFページ"], top["文書"], top["文書ファイル"]) == ("12", "5", "重点計画", "corpus/plan.pdf")
    assert (rows[1]["ページ"], rows[1]["PDFページ"]) == ("7", "7")  # no printed page: the page itself
    assert rows[2]["引用"] == "" and rows[2]["信頼度区分"] == "中"
    assert rows[3]["信頼度"] == "" and rows[3]["種類"] == "発言"
    # a text source without pages: no page, its line instead
    assert (rows[4]["ページ"], rows[4]["PDFページ"], rows[4]["行"]) == ("", "", "57") and rows[3]["行"] == ""


def test_csv_neutralizes_formulas() -> None:
    answer = sample_answer()
    buf = io.StringIO(newline="")
    write_csv(answer, buf)
    rows = parse_csv(buf.getvalue().lstrip("\ufeff"))
    risky = [r for r in rows if r["順位"] == "3"]
    assert risky[0]["施策名・タイトル"] == "'=HYPERLINK(\"http://evil\")"
    assert risky[0]["発言者"] == "'@室長" and risky[0]["引用"] == "'-1+2 は危険"
    assert risky[1]["引用"] == "'+81 電話"
    for r in rows:
        assert not any(v.startswith(("=", "+", "-", "@")) for v in r.values())


def test_csv_file_has_a_single_bom_and_follows_the_order_given(tmp_path: Path) -> None:
    answer = sample_answer()
    path = tmp_path / "out.csv"
    write_csv(answer, path, order=list(reversed(answer.items)))
    raw = path.read_bytes()
    assert raw.startswith("\ufeff順位,".encode()) and raw.count(b"\xef\xbb\xbf") == 1
    rows = parse_csv(raw.decode("utf-8-sig"))
    assert [r["順位"] for r in rows] == ["3", "3", "2", "1", "1"]  # rank stays the answer's rank
    with open(tmp_path / "sig.csv", "w", encoding="utf-8-sig", newline="") as fh:
        write_csv(answer, fh)
    assert (tmp_path / "sig.csv").read_bytes().count(b"\xef\xbb\xbf") == 1


def test_meta_records_what_the_export_came_from() -> None:
    answer = sample_answer()
    meta = export_meta(answer, Path("indexes/default"), "intfloat/multilingual-e5-small")
    assert meta["query"] == answer.question and meta["index"] == "indexes/default"
    assert meta["filters"]["ministries"] == ["法務省"] and meta["filters"]["doc_ids"] == []
    assert (meta["total"], meta["items"], meta["complete"], meta["confident"]) == (3, 3, True, True)
    assert datetime.fromisoformat(meta["exported_at"]).tzinfo is not None
    answer.total = 40
    line = meta_line(export_meta(answer, "idx", "m"))
    assert line.startswith("# ") and "\n" not in line and "total: 40" in line and "first 3 only" in line
    assert "ministries=法務省" in line and "boosted: 厚生労働省" in line


def test_jsonl_has_meta_then_every_item_with_all_citations() -> None:
    answer = sample_answer()
    buf = io.StringIO()
    write_jsonl(answer, buf, export_meta(answer, "idx", "m"))
    lines = [json.loads(line) for line in buf.getvalue().splitlines()]
    assert not buf.getvalue().startswith("\ufeff")
    assert lines[0]["meta"]["query"] == answer.question and lines[0]["meta"]["total"] == 3
    items = lines[1:]
    assert [i["rank"] for i in items] == [1, 2, 3]
    assert items[0]["urls"] == ["https://a.example/1", "https://b.example/2"]
    assert [c["quote"] for c in items[0]["citations"]] == ["在留外国人に情報を提供する。", "一行目\n  二行目（字下げ）"]
    assert items[0]["band"] == "high" and items[1]["citations"] == []


def test_hits_csv_and_jsonl() -> None:
    hit = Hit(passage_id="p1", record_id="r1", doc_id="d", doc_title="文書", source="corpus/d.txt", page=3,
              kind="measure", measure_no=4, measure_name="=危険な名前", ministries=["内閣府"], section=[],
              field="施策の概要", speaker=None, url="https://x.example", text="本文", score=0.5, printed_page=9)
    buf = io.StringIO(newline="")
    write_hits_csv([hit], buf)
    rows = list(csv.DictReader(io.StringIO(buf.getvalue().lstrip("\ufeff"), newline="")))
    assert list(rows[0]) == list(HIT_COLUMNS)
    assert (rows[0]["施策名・タイトル"], rows[0]["ページ"], rows[0]["PDFページ"], rows[0]["種類"]) == ("'=危険な名前", "9", "3", "施策")
    out = io.StringIO()
    write_hits_jsonl([hit, hit], out)
    assert [json.loads(line)["passage_id"] for line in out.getvalue().splitlines()] == ["p1", "p1"]


def test_xlsx_has_the_rows_on_one_sheet_and_what_they_came_from_on_another(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    answer = sample_answer()
    path = tmp_path / "out.xlsx"
    meta = export_meta(answer, "indexes/default", "fake-bigram-64")
    write_xlsx(answer, path, meta)
    wb = load_workbook(path)
    assert wb.sheetnames == ["結果", "メタデータ"]
    rows = list(wb["結果"].iter_rows(values_only=True))
    assert list(rows[0]) == list(CSV_COLUMNS)  # the header is row 1
    assert len(rows) == 1 + 5 and [r[0] for r in rows[1:]] == [1, 1, 2, 3, 3]
    assert rows[1][5] == "外国人向け情報提供" and rows[1][2] == "高" and rows[2][15] == "一行目\n  二行目（字下げ）"
    assert wb["結果"].freeze_panes == "A2"
    # A title that would be a formula stays text, as in the CSV.
    assert rows[4][5] == "'=HYPERLINK(\"http://evil\")" and wb["結果"].cell(5, 6).data_type == "s"
    info = {r[0]: r[1] for r in wb["メタデータ"].iter_rows(values_only=True)}
    assert info["質問 / query"] == answer.question and info["モデル / model"] == "fake-bigram-64"
    assert info["絞り込み / filters"] == "ministries=法務省 kinds=measure" and info["該当件数 / total"] == 3
