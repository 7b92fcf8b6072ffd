"""Header rows by evidence: a row is a header only if nothing in it is shaped like its column's data.

The grids are built inline (cell texts written here); the long list is drawn with reportlab in
the shape of a real published list whose 業種 header spans two columns with no child labels.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from koritsu_search.ingest.api import parse_file
from koritsu_search.ingest.kinds.table_grid import _Cell, _Part
from koritsu_search.ingest.kinds.table_header import header_keys, header_rows, value_shape
from koritsu_search.models import ROW

from pdf_factory import cached, register_font


def grid(rows: list[list[str | None]]) -> _Part:
    """A part from rows of texts; None continues the cell on its left (a column span)."""
    cells: list[list[_Cell | None]] = []
    for r, row in enumerate(rows):
        out: list[_Cell | None] = []
        for j, text in enumerate(row):
            if text is None and out:
                left = out[-1]
                assert left is not None
                left.cspan += 1
                out.append(left)
            else:
                out.append(_Cell(r, j, 1, 1, [(text or "", False)], text or ""))
        cells.append(out)
    ncols = len(rows[0])
    return _Part(1, (0, 0, 100, 100), [float(x) for x in range(ncols + 1)], cells)


@pytest.mark.parametrize(("text", "shape"), [
    ("23,351", "number"), ("5%", "number"), ("令和6年度", "year"), ("2024", "year"), ("2024/4/1", "date"),
    ("令和6年4月1日", "date"), ("03-1234-5678", "tel"), ("A-001", "code"), ("事業所名（屋号）", "text"), ("", ""),
])
def test_value_shapes(text: str, shape: str) -> None:
    assert value_shape(text) == shape


def test_first_data_row_under_a_spanning_header_is_not_a_second_header() -> None:
    part = grid([
        ["No.", "都道府県", "市区町村", "事業所名（屋号）", "業種", None, "還元率"],
        ["23,351", "埼玉県", "川越市", "庵 浮雨", "サービス", "飲食業", "5%"],
        ["23,352", "埼玉県", "川越市", "いろは商店", "小売業", "衣料品", "5%"],
        ["23,353", "埼玉県", "熊谷市", "川口の床屋", "サービス", "理容", "2%"],
    ])
    assert header_rows(part) == 1
    assert header_keys(part, 1) == ["No.", "都道府県", "市区町村", "事業所名（屋号）", "業種 / 1", "業種 / 2", "還元率"]


def test_a_real_second_header_row_names_the_children() -> None:
    part = grid([
        ["区分", "令和5年度", None, "令和6年度", None],
        ["", "件数", "割合", "件数", "割合"],
        ["相談", "1,203", "12%", "1,511", "14%"],
        ["訪問", "812", "8%", "902", "9%"],
    ])
    assert header_rows(part) == 2
    assert header_keys(part, 2) == ["区分", "令和5年度 / 件数", "令和5年度 / 割合", "令和6年度 / 件数", "令和6年度 / 割合"]


def test_year_headers_over_numbers_are_a_header() -> None:
    part = grid([["区分", "2022", "2023", "2024"], ["相談件数", "1,000", "1,200", "1,500"], ["訪問件数", "10", "12", "15"]])
    assert header_rows(part) == 1


def test_a_list_without_header_starts_with_data() -> None:
    part = grid([["1", "埼玉県", "川越市"], ["2", "埼玉県", "熊谷市"], ["3", "千葉県", "千葉市"]])
    assert header_rows(part) == 0
    assert header_keys(part, 0) == ["列1", "列2", "列3"]


def test_a_header_repeated_inside_the_part_is_still_a_header() -> None:
    part = grid([["番号", "名称"], ["1", "甲"], ["番号", "名称"], ["2", "乙"]])
    assert header_rows(part) == 1


# --------------------------------------------------------------------------- a 10-page list

LIST_HEAD = ["No.", "都道府県", "市区町村", "事業所名（屋号）", "業種", "", "還元率"]
KEYS = ["No.", "都道府県", "市区町村", "事業所名（屋号）", "業種 / 1", "業種 / 2", "還元率"]
N = 500
FIRST_NO = 23351
TOWNS = ["川越市", "熊谷市", "川口市", "所沢市", "春日部市"]
TRADES = [("サービス", "飲食業"), ("小売業", "衣料品"), ("サービス", "理容・美容"), ("小売業", "食料品")]


def list_values(i: int) -> list[str]:
    major, minor = TRADES[i % len(TRADES)]
    return [f"{FIRST_NO + i:,}", "埼玉県", TOWNS[i % len(TOWNS)], f"庵浮雨{i:03d}号店", major, minor,
            "5%" if i % 3 else "2%"]


def build_list(path: Path) -> None:
    font = register_font()
    data: list[list[Any]] = [list(LIST_HEAD)] + [list_values(i) for i in range(N)]
    style = TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("FONT", (0, 0), (-1, -1), font, 8),
                        ("SPAN", (4, 0), (5, 0)), ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey)])
    table = RLTable(data, colWidths=(45, 50, 55, 150, 55, 60, 40), repeatRows=1, style=style)
    from reportlab.lib.styles import ParagraphStyle

    title = ParagraphStyle("t", fontName=font, fontSize=12, leading=16)
    SimpleDocTemplate(str(path), pagesize=A4, topMargin=40, bottomMargin=40).build(
        [Paragraph("キャッシュレス・消費者還元事業 登録加盟店一覧（埼玉県）", title), Spacer(1, 6), table])


@pytest.fixture(scope="module")
def long_list(tmp_path_factory: pytest.TempPathFactory) -> Any:
    path, _ = cached("table_span_list.pdf", tmp_path_factory.mktemp("header"), build_list)
    return parse_file(path)


def test_every_row_of_a_long_list_is_keyed_by_the_real_header(long_list: Any) -> None:
    rows = [r for r in long_list.records if r.kind == ROW]
    assert long_list.pages >= 9
    assert len(rows) == N
    for i, rec in enumerate(rows):
        assert list(rec.fields) == KEYS
        assert list(rec.fields.values()) == list_values(i)


def test_a_header_of_several_rows_with_repeated_group_names() -> None:
    part = grid([
        ["団体名", "人口", "人口", "人口", "世帯数"],
        ["", "男", "女", "計", ""],
        ["札幌市", "900,000", "1,000,000", "1,900,000", "1,000,000"],
        ["函館市", "110,000", "130,000", "240,000", "140,000"],
    ])
    assert header_rows(part) == 2
    assert header_keys(part, 2) == ["団体名", "人口 / 男", "人口 / 女", "人口 / 計", "世帯数"]


def test_a_text_list_second_row_is_data_without_a_parent_above() -> None:
    part = grid([["名称", "所在地"], ["ひだまり相談室", "川越市"], ["こころの窓口", "熊谷市"]])
    assert header_rows(part) == 1
