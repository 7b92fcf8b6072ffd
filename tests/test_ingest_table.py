"""The table kind: ruled tables in any PDF become one record per row, keyed by the header.

Synthetic PDFs are drawn with reportlab (GRID-ruled platypus tables, IPAex Gothic); the expected
values are the ones written into the PDF (and the pages reportlab drew them on), never values
read back by the code under test. The real 厚生労働省 事務連絡 is checked against cell values
read off its rendered pages.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, TableStyle
from reportlab.platypus import Table as RLTable

from koritsu_search.ingest.api import parse_file
from koritsu_search.ingest.kinds import DOC_KINDS, record_kind
from koritsu_search.ingest.pdf import PdfSample
from koritsu_search.models import PARAGRAPH, ROW, Document, Record

from pdf_factory import TrackedParagraph, cached, register_font

REAL = Path(__file__).resolve().parent / "data" / "realdocs" / "mhlw_saibo_sakusei_yoryo_tables.pdf"
MINUTES_TXT = Path(__file__).resolve().parents[1] / "corpus" / "r7_kodoku_koritsu_suishin_kaigi_02_minutes.txt"


def _style(size: float = 9, leading: float = 12) -> ParagraphStyle:
    return ParagraphStyle(f"tbl{size}", fontName=register_font(), fontSize=size, leading=leading, wordWrap="CJK")


def _grid(*extra: tuple) -> TableStyle:
    font = register_font()
    return TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black), ("FONT", (0, 0), (-1, -1), font, 9),
                       ("VALIGN", (0, 0), (-1, -1), "TOP"), *extra])


def _build(path: Path, story: list[Any]) -> None:
    SimpleDocTemplate(str(path), pagesize=A4, leftMargin=50, rightMargin=50, topMargin=50,
                      bottomMargin=50).build(story)


def rows_of(doc: Document) -> list[Record]:
    return [r for r in doc.records if r.kind == ROW]


# --------------------------------------------------------------------------- (a) a long list

LIST_HEADER = ["番号", "事業所名（屋号）", "業種", "所在地"]
INDUSTRIES = ["小売業", "飲食業", "製造業", "建設業", "情報通信業"]
N_LIST = 300


def list_row(i: int) -> dict[str, str]:
    if i % 7 == 0:  # wraps over two lines in its cell
        address = f"北海道札幌市中央区北一条西二丁目一番地札幌市役所本庁舎別館第{i}会議室前"
    else:
        address = f"東京都千代田区霞が関{i % 9 + 1}丁目{i}番"
    return {"番号": str(i), "事業所名（屋号）": f"サンプル商店{i:03d}号店", "業種": INDUSTRIES[i % 5], "所在地": address}


def build_list_pdf(path: Path) -> dict[int, set[int]]:
    """300 rows under a header repeated on every page; returns {row number: pages drawn on}."""
    st = _style()
    log: dict[int, set[int]] = {}
    data: list[list[Any]] = [list(LIST_HEADER)]
    for i in range(1, N_LIST + 1):
        row = list_row(i)
        data.append([row["番号"], TrackedParagraph(escape(row["事業所名（屋号）"]), st, tag=i, log=log), row["業種"],
                     Paragraph(escape(row["所在地"]), st)])
    table = RLTable(data, colWidths=(40, 130, 75, 250), repeatRows=1,
                    style=_grid(("TOPPADDING", (0, 0), (-1, -1), 4), ("BOTTOMPADDING", (0, 0), (-1, -1), 4)))
    _build(path, [Paragraph("事業所一覧", _style(14, 18)), Spacer(1, 8), table])
    return log


@pytest.fixture(scope="module")
def list_doc(tmp_path_factory: pytest.TempPathFactory) -> tuple[Document, dict[int, set[int]]]:
    path, log = cached("table_list.pdf", tmp_path_factory.mktemp("table"), build_list_pdf)
    return parse_file(path), log


def test_list_every_row_is_a_record_with_its_values_and_page(list_doc: tuple[Document, dict[int, set[int]]]) -> None:
    doc, log = list_doc
    assert doc.kind == "table"
    assert doc.pages >= 9  # a long list over many pages, the header repeated on each
    rows = rows_of(doc)
    assert len(rows) == N_LIST
    by_no = {r.fields.get("番号"): r for r in rows}
    for i in range(1, N_LIST + 1):
        rec = by_no[str(i)]
        assert rec.fields == list_row(i)
        assert rec.pages == sorted(log[i])
    # Rows come in document order.
    assert [r.fields["番号"] for r in rows] == [str(i) for i in range(1, N_LIST + 1)]
    assert len({p for r in rows for p in r.pages}) >= 9


def test_list_repeated_header_is_not_data(list_doc: tuple[Document, dict[int, set[int]]]) -> None:
    doc, _ = list_doc
    for rec in rows_of(doc):
        assert list(rec.fields) == LIST_HEADER
        assert rec.fields["業種"] != "業種" and rec.fields["番号"] != "番号"
    assert not any("事業所名（屋号）" in r.text for r in doc.records if r.kind == PARAGRAPH)


def test_list_row_text_and_ids(list_doc: tuple[Document, dict[int, set[int]]]) -> None:
    doc, _ = list_doc
    rec = next(r for r in rows_of(doc) if r.fields["番号"] == "42")
    assert rec.text == ("番号: 42 / 事業所名（屋号）: サンプル商店042号店 / 業種: 製造業 / "
                        "所在地: 北海道札幌市中央区北一条西二丁目一番地札幌市役所本庁舎別館第42会議室前")
    ids = [r.record_id for r in doc.records]
    assert len(ids) == len(set(ids))
    assert rec.record_id.startswith(f"{doc.doc_id}#t")
    # The title above the table stays prose, before the rows.
    assert doc.records[0].kind == PARAGRAPH and doc.records[0].text == "事業所一覧"
    assert doc.title == "事業所一覧"


# --------------------------------------------------------------------------- (b) two-row header

PREFS = [("北海道", "51,234", "1,203", "812", "12"), ("東京", "123,456", "4,567", "2,345", "38"),
         ("大阪", "98,765", "3,210", "1,987", "29"), ("福岡", "45,678", "987", "654", "7"),
         ("沖縄", "23,456", "1,111", "321", "3")]
STAT_KEYS = ["都道府県名", "陽性者数 / 累計", "陽性者数 / 直近1週間", "死亡者数 / 累計", "死亡者数 / 直近1週間"]


def build_stats_pdf(path: Path) -> None:
    head = [["都道府県名", "陽性者数", "", "死亡者数", ""], ["", "累計", "直近1週間", "累計", "直近1週間"]]
    data = head + [list(p) for p in PREFS]
    table = RLTable(data, colWidths=(90, 85, 85, 85, 85), style=_grid(
        ("SPAN", (0, 0), (0, 1)), ("SPAN", (1, 0), (2, 0)), ("SPAN", (3, 0), (4, 0))))
    st = _style(10.5, 16)
    story = [Paragraph("感染状況の報告", _style(14, 18)), Spacer(1, 6),
             Paragraph("各都道府県から報告された陽性者数と死亡者数を下表に示す。", st), Spacer(1, 10),
             Paragraph("都道府県別陽性者数", st), Spacer(1, 4), table]
    _build(path, story)


@pytest.fixture(scope="module")
def stats_doc(tmp_path_factory: pytest.TempPathFactory) -> Document:
    path, _ = cached("table_stats.pdf", tmp_path_factory.mktemp("table"), build_stats_pdf)
    return parse_file(path)


def test_two_row_header_keys_combine_parent_and_child(stats_doc: Document) -> None:
    assert stats_doc.kind == "table"
    rows = rows_of(stats_doc)
    assert len(rows) == len(PREFS)
    for rec, values in zip(rows, PREFS, strict=True):
        assert list(rec.fields) == STAT_KEYS
        assert rec.fields == dict(zip(STAT_KEYS, values, strict=True))


def test_row_found_by_its_values_with_header_in_text(stats_doc: Document) -> None:
    tokyo = [r for r in rows_of(stats_doc) if "東京" in r.text]
    assert len(tokyo) == 1
    rec = tokyo[0]
    assert rec.fields["陽性者数 / 累計"] == "123,456"
    assert rec.fields["死亡者数 / 直近1週間"] == "38"
    assert rec.text.startswith("都道府県名: 東京 / 陽性者数 / 累計: 123,456 / ")
    assert rec.pages == [1]
    assert rec.section == ["都道府県別陽性者数"]
    # Presentation: the passage is the row text, embedded with the document title.
    part = record_kind(ROW).passages(stats_doc, rec)
    assert [p.text for p in part] == [rec.text] and "都道府県名: 東京" in part[0].embed_text
    assert "東京" in record_kind(ROW).title(rec, stats_doc.title)


# --------------------------------------------------------------------------- (c) a row cut by a page break

CPL = 20  # characters per line in the long cells: 200 pt of text at 10 pt, all full-width
FIRST = ("原材料として用いる血液については少なくとも肝炎ウイルスの血清学的検査を行わなければ" * 3)[: 3 * CPL]
SECOND = "ならない。検査の結果が不適格と認められた場合は原材料として用いてはならない。"
REPLY1 = ("原材料について肝炎ウイルスおよび免疫不全ウイルスに関する血清学的検査を行い" * 3)[: 2 * CPL]
REPLY2 = "陰性であることを確認している。"


def _long_style() -> ParagraphStyle:
    return _style(10, 13)


def build_split_pdf(path: Path) -> None:
    """Header repeated on page 2; the split row's first cell is empty on page 2."""
    st = _long_style()
    widths = (40, 100, 206)
    pad = (("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3))
    head = ["番号", "項目", "説明"]
    page1 = [head, ["1", "短い項目", Paragraph("最初の説明。", st)], ["2", "二番目", Paragraph("二番目の説明。", st)],
             ["3", "長い項目", Paragraph(FIRST, st)]]
    page2 = [head, ["", "", Paragraph(SECOND, st)], ["4", "最後の項目", Paragraph("おわり。", st)]]
    story = [Paragraph("分割された行の表", _style(12, 16)), Spacer(1, 400),
             RLTable(page1, colWidths=widths, style=_grid(*pad)), PageBreak(),
             RLTable(page2, colWidths=widths, style=_grid(*pad))]
    _build(path, story)


def build_split_noheader_pdf(path: Path) -> None:
    """No header on page 2; both cells of the split row carry on, cut mid-sentence."""
    st = _long_style()
    widths = (206, 206)
    pad = (("LEFTPADDING", (0, 0), (-1, -1), 3), ("RIGHTPADDING", (0, 0), (-1, -1), 3))
    page1 = [["基準の内容", "対応状況"], [Paragraph("（１）最初の基準を満たすこと。", st), Paragraph("満たしている。", st)],
             [Paragraph("（２）" + FIRST[3:], st), Paragraph(REPLY1, st)]]
    page2 = [[Paragraph(SECOND, st), Paragraph(REPLY2, st)],
             [Paragraph("（３）三番目の基準。", st), Paragraph("該当しない。", st)]]
    story = [Paragraph("基準への適合性", _style(12, 16)), Spacer(1, 420),
             RLTable(page1, colWidths=widths, style=_grid(*pad)), PageBreak(),
             RLTable(page2, colWidths=widths, style=_grid(*pad))]
    _build(path, story)


def _open_style(open_top: bool, open_bottom: bool, nrows: int) -> TableStyle:
    """Column rules and row rules, with the top or bottom rule left out (cut by the page)."""
    cmds: list[tuple] = [("FONT", (0, 0), (-1, -1), register_font(), 9), ("VALIGN", (0, 0), (-1, -1), "TOP"),
                         ("LINEBEFORE", (0, 0), (-1, -1), 0.5, colors.black),
                         ("LINEAFTER", (-1, 0), (-1, -1), 0.5, colors.black)]
    if not open_top:
        cmds.append(("LINEABOVE", (0, 0), (-1, 0), 0.5, colors.black))
    last = nrows - 1 if open_bottom else nrows
    for r in range(last):
        cmds.append(("LINEBELOW", (0, r), (-1, r), 0.5, colors.black))
    return TableStyle(cmds)


def build_split_open_pdf(path: Path) -> None:
    """The split row has no bottom rule on page 1 and no top rule on page 2; every cell of it
    is filled on both pages and ends short of the cell edge."""
    st = _style()
    widths = (120, 150, 150)
    page1 = [["区分", "内容", "備考"], ["甲", Paragraph("甲の内容。", st), Paragraph("甲の備考。", st)],
             ["乙の区分名は", Paragraph("乙の内容は次の", st), Paragraph("乙の備考は", st)]]
    page2 = [["長い名称", Paragraph("とおりとする。", st), Paragraph("特になし。", st)],
             ["丙", Paragraph("丙の内容。", st), Paragraph("丙の備考。", st)]]
    story = [Paragraph("区分表", _style(12, 16)), Spacer(1, 450),
             RLTable(page1, colWidths=widths, style=_open_style(False, True, len(page1))), PageBreak(),
             RLTable(page2, colWidths=widths, style=_open_style(True, False, len(page2)))]
    _build(path, story)


def _rows_for(name: str, build: Any, tmp_path_factory: pytest.TempPathFactory) -> tuple[Document, list[Record]]:
    path, _ = cached(name, tmp_path_factory.mktemp("table"), build)
    doc = parse_file(path)
    return doc, rows_of(doc)


def test_split_row_after_repeated_header_is_one_record(tmp_path_factory: pytest.TempPathFactory) -> None:
    doc, rows = _rows_for("table_split.pdf", build_split_pdf, tmp_path_factory)
    assert doc.kind == "table"
    assert [r.fields["番号"] for r in rows] == ["1", "2", "3", "4"]
    long = rows[2]
    assert long.fields == {"番号": "3", "項目": "長い項目", "説明": FIRST + SECOND}
    assert long.pages == [1, 2]
    assert long.field_pages["説明"] == [1, 2] and long.field_pages["番号"] == [1]
    assert rows[3].fields == {"番号": "4", "項目": "最後の項目", "説明": "おわり。"} and rows[3].pages == [2]


def test_split_row_without_repeated_header_is_one_record(tmp_path_factory: pytest.TempPathFactory) -> None:
    _, rows = _rows_for("table_split_nohead.pdf", build_split_noheader_pdf, tmp_path_factory)
    assert [list(r.fields) for r in rows] == [["基準の内容", "対応状況"]] * 3
    assert rows[1].fields == {"基準の内容": "（２）" + FIRST[3:] + SECOND, "対応状況": REPLY1 + REPLY2}
    assert rows[1].pages == [1, 2]
    # The next row on page 2 is a row of its own.
    assert rows[2].fields == {"基準の内容": "（３）三番目の基準。", "対応状況": "該当しない。"} and rows[2].pages == [2]


def test_split_row_with_open_rules_is_one_record(tmp_path_factory: pytest.TempPathFactory) -> None:
    _, rows = _rows_for("table_split_open.pdf", build_split_open_pdf, tmp_path_factory)
    assert [r.fields["区分"] for r in rows] == ["甲", "乙の区分名は長い名称", "丙"]
    assert rows[1].fields == {"区分": "乙の区分名は長い名称", "内容": "乙の内容は次のとおりとする。",
                              "備考": "乙の備考は特になし。"}
    assert rows[1].pages == [1, 2]


def test_rows_at_a_page_top_are_not_merged_without_a_cut(tmp_path_factory: pytest.TempPathFactory) -> None:
    """A table running over a page break between rows (no header repeat): rows stay apart."""

    def build(path: Path) -> None:
        data = [["番号", "名称", "区分"]] + [[str(i), f"名称{i}", "Ａ" if i % 2 else "Ｂ"] for i in range(1, 81)]
        _build(path, [RLTable(data, colWidths=(60, 200, 100), style=_grid())])

    doc, rows = _rows_for("table_norepeat.pdf", build, tmp_path_factory)
    assert doc.pages >= 2
    assert [r.fields["番号"] for r in rows] == [str(i) for i in range(1, 81)]
    assert all(r.fields["名称"] == f"名称{r.fields['番号']}" for r in rows)
    assert len({r.pages[0] for r in rows}) >= 2 and all(len(r.pages) == 1 for r in rows)


# --------------------------------------------------------------------------- (d) prose around tables

BEFORE = ["本通知は、事業所の届出に関する取扱いを定めるものである。届出の様式は別表のとおりとする。",
          "なお、届出に当たっては、所在地を管轄する窓口に提出すること。"]
AFTER = "以上の事項について、関係者への周知をお願いする。問い合わせは担当課まで。"


def build_prose_pdf(path: Path) -> None:
    body = ParagraphStyle("body", parent=_style(10.5, 17), firstLineIndent=10.5, spaceAfter=6)
    table = RLTable([["届出事項", "期限", "様式"], ["新規開設", "開設後10日以内", "様式第1号"],
                     ["廃止", "廃止後30日以内", "様式第2号"], ["変更", "変更後10日以内", "様式第3号"]],
                    colWidths=(120, 150, 120), style=_grid())
    box = RLTable([[Paragraph("枠で囲んだ注意書きは表ではない。本文として読むこと。", _style(10.5, 17))]],
                  colWidths=(400,), style=_grid())
    strip = RLTable([["単独の行", "これも表ではない"]], colWidths=(150, 150), style=_grid())
    story = [Paragraph("届出の取扱いについて", _style(14, 20)), Spacer(1, 8)]
    story += [Paragraph(p, body) for p in BEFORE]
    story += [Spacer(1, 6), Paragraph("別表（届出事項一覧）", _style(10.5, 17)), Spacer(1, 4), table, Spacer(1, 12),
              Paragraph(AFTER, body), Spacer(1, 12), box, Spacer(1, 12), strip]
    _build(path, story)


def test_prose_around_a_table_stays_paragraphs_in_reading_order(tmp_path_factory: pytest.TempPathFactory) -> None:
    path, _ = cached("table_prose.pdf", tmp_path_factory.mktemp("table"), build_prose_pdf)
    doc = parse_file(path)
    assert doc.kind == "table"
    kinds = [r.kind for r in doc.records]
    texts = [r.text for r in doc.records]
    first_row = kinds.index(ROW)
    last_row = len(kinds) - 1 - kinds[::-1].index(ROW)
    assert kinds[first_row:last_row + 1] == [ROW] * 3
    before = " ".join(t for t, k in zip(texts[:first_row], kinds, strict=False) if k == PARAGRAPH)
    after = " ".join(texts[last_row + 1:])
    for para in BEFORE:
        assert para in before
    assert AFTER in after and AFTER not in before
    assert all(k == PARAGRAPH for k in kinds[:first_row] + kinds[last_row + 1:])
    # Table cells are not in the prose, prose is not in the rows.
    assert not any("開設後10日以内" in t for t, k in zip(texts, kinds, strict=True) if k == PARAGRAPH)
    rows = rows_of(doc)
    assert rows[0].fields == {"届出事項": "新規開設", "期限": "開設後10日以内", "様式": "様式第1号"}
    assert rows[2].fields == {"届出事項": "変更", "期限": "変更後10日以内", "様式": "様式第3号"}
    assert all(r.section == ["別表(届出事項一覧)"] for r in rows)  # headings folded to one width (NFKC)
    # A one-cell box and a one-row strip are layout, not tables: their text is prose.
    assert "枠で囲んだ注意書きは表ではない。本文として読むこと。" in after
    assert "単独の行" in after and "これも表ではない" in after
    ids = [r.record_id for r in doc.records]
    assert len(ids) == len(set(ids))
    assert doc.title == "届出の取扱いについて"


def test_tables_without_header_are_forms_or_numbered_columns(tmp_path_factory: pytest.TempPathFactory) -> None:
    long = "この表には見出しの行がなく最初の行から本文の長い文章が続いているので列の名前は番号で表す。"

    def build(path: Path) -> None:
        st = _style(10.5, 16)
        form = RLTable([["氏名：", "山田太郎"], ["住所：", "東京都千代田区霞が関一丁目"], ["電話番号：", "03-1234-5678"]],
                       colWidths=(100, 250), style=_grid())
        plain = RLTable([[Paragraph(long, st), "甲", "乙"], ["二行目", "丙", "丁"]], colWidths=(250, 60, 60),
                        style=_grid())
        _build(path, [Paragraph("申請者の情報は次のとおりです。", st), Spacer(1, 8), form, Spacer(1, 16),
                      Paragraph("参考の表を次に示します。", st), Spacer(1, 8), plain])

    doc, rows = _rows_for("table_noheader.pdf", build, tmp_path_factory)
    assert [r.fields for r in rows] == [
        {"氏名": "山田太郎"}, {"住所": "東京都千代田区霞が関一丁目"}, {"電話番号": "03-1234-5678"},
        {"列1": long, "列2": "甲", "列3": "乙"}, {"列1": "二行目", "列2": "丙", "列3": "丁"},
    ]
    assert rows[0].text == "氏名: 山田太郎"
    assert [r.kind for r in doc.records] == [PARAGRAPH, ROW, ROW, ROW, PARAGRAPH, ROW, ROW]


# --------------------------------------------------------------------------- detection


def test_detection_confidence_stays_below_the_specific_kinds() -> None:
    table = DOC_KINDS["table"]
    none = PdfSample("本文のみ", 10, 0, 0, 3)
    some = PdfSample("本文", 28, 2, 1, 3)
    full = PdfSample("本文", 28, 6, 3, 3)
    assert table.detect_pdf(none) == 0.0
    assert 0.5 <= table.detect_pdf(some) < table.detect_pdf(full) <= 0.8
    measures = PdfSample("施策No. 施策名 施策の概要 担当府省庁", 40, 3, 3, 3)
    assert DOC_KINDS["measures"].detect_pdf(measures) > table.detect_pdf(measures)
    # Minutes that carry a table (an attendance list) are still minutes.
    minutes_text = MINUTES_TXT.read_text(encoding="utf-8")[:4000]
    minutes = PdfSample(minutes_text, 20, 1, 1, 3)
    assert DOC_KINDS["minutes"].detect_pdf(minutes) > table.detect_pdf(minutes)


# --------------------------------------------------------------------------- the real PDF


@pytest.fixture(scope="module")
def real_doc() -> Document:
    if not REAL.exists():
        pytest.skip(f"{REAL} not present")
    return parse_file(REAL, kind="table")


def _row_with(doc: Document, **want: str) -> Record:
    hits = [r for r in rows_of(doc) if all(r.fields.get(k) == v for k, v in want.items())]
    assert len(hits) == 1, f"{want}: {len(hits)} rows"
    return hits[0]


def test_real_pdf_is_detected_as_table() -> None:
    # Its tables start on page 12: detection samples pages across the whole document.
    assert parse_file(REAL).kind == "table"


def test_real_pdf_rows_keyed_by_header(real_doc: Document) -> None:
    kinds = {r.kind for r in real_doc.records}
    assert kinds == {ROW, PARAGRAPH}  # no speaker turns from the ○○ placeholders
    rows = rows_of(real_doc)
    assert len(rows) >= 60
    assert {p for r in rows for p in r.pages} >= {12, 13, 15, 17, 18, 23, 28}
    for rec in rows:
        assert all(k != v for k, v in rec.fields.items())  # header rows are not data
    # Values read off the rendered pages (PDF page 15, printed 13: 表 製造元規格).
    myco = _row_with(real_doc, 検査項目="マイコプラズマ否定試験")
    assert myco.fields["検査方法"] == "○○法" and myco.fields["判定基準"] == "否定されること"
    assert myco.pages == [15]
    # PDF page 12 (別紙 添付資料一覧): a three-column ○/△/× list with a two-line header cell.
    thaw = _row_with(real_doc, 添付する資料="凍結及び融解操作に伴う安定性")
    assert thaw.fields["細胞"] == "△"
    other = [k for k in thaw.fields if k.startswith("培地/培地添加物")]
    assert len(other) == 1 and thaw.fields[other[0]] == "×"
    # PDF page 28 (記載例１３).
    tox = _row_with(real_doc, 試験項目="単回投与毒性試験")
    assert tox.fields["試験系"] == "○○動物" and tox.fields["検体"] == "登録品○"
    assert tox.text.startswith("試験項目: 単回投与毒性試験 / 検体: 登録品○ / ")


def test_real_pdf_group_label_and_page_split_row(real_doc: Document) -> None:
    # 記載例８: 工程内管理試験○ spans three rows; each row carries it.
    rate = _row_with(real_doc, 試験項目="○○率測定")
    assert rate.fields["工程"] == "工程内管理試験○" and rate.fields["判定基準"] == "○％以上"
    # 記載例４: the 血漿分画製剤 row runs from PDF page 17 onto page 18 (no header repeated).
    plasma = [r for r in rows_of(real_doc) if "血漿分画製剤の原材料" in r.fields.get("基準の内容", "")]
    assert len(plasma) == 1
    assert plasma[0].pages == [17, 18]
    assert plasma[0].fields["基準の内容"].endswith("原材料として用いてはならない。")
    assert "血清学的検査陰性であることを確認している。" in plasma[0].fields["対応状況"]
    assert plasma[0].section == ["表血漿分画製材総則への適合性"]


def test_real_pdf_prose_stays_paragraphs(real_doc: Document) -> None:
    paras = [r for r in real_doc.records if r.kind == PARAGRAPH]
    assert any("原薬等登録原簿" in p.text and p.pages == [1] for p in paras)
    # The note under a table is a paragraph, not a row.
    assert any(p.text.startswith("※1 受入規格とは") for p in paras)
    assert not any("受入規格とは" in r.text for r in rows_of(real_doc))
    ids = [r.record_id for r in real_doc.records]
    assert len(ids) == len(set(ids))
