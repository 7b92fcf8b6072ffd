"""The .docx reader: headings as Markdown lines with ¶ locators, minutes as written, tables with their spans."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from koritsu_search.ingest.formats.base import Extract, FormatError, GridCell, Line
from koritsu_search.ingest.formats.docx import Docx
from koritsu_search.ingest.formats.ooxml import CFB_MAGIC


def saved(document: docx.document.Document, tmp_path: Path, name: str = "doc.docx") -> bytes:
    path = tmp_path / name
    document.save(str(path))
    return path.read_bytes()


def read(data: bytes) -> Extract:
    return Docx().read(data, max_bytes=10 * 1024 * 1024)


def lines_of(ex: Extract) -> list[tuple[str, str]]:
    return [(ln.text, ln.locator) for part in ex.parts for ln in part.lines]


def test_headings_become_markdown_lines_located_by_paragraph_number(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_heading("孤独・孤立対策の重点計画", 0)  # ¶1, the Title style
    d.add_heading("第1 基本的な考え方", 1)  # ¶2
    d.add_paragraph("孤独・孤立は、人生のあらゆる場面で誰にでも起こり得る。")  # ¶3
    d.add_paragraph("")  # ¶4: empty, still counted
    d.add_heading("1 現状", 2)  # ¶5
    p = d.add_paragraph("一行目")  # ¶6: a line break inside the paragraph
    p.add_run().add_break()
    p.add_run("二行目")
    d.add_paragraph("全角　スペース　を保つ")  # ¶7
    ex = read(saved(d, tmp_path))
    assert lines_of(ex) == [
        ("# 孤独・孤立対策の重点計画", "¶1"),
        ("# 第1 基本的な考え方", "¶2"),
        ("孤独・孤立は、人生のあらゆる場面で誰にでも起こり得る。", "¶3"),
        ("## 1 現状", "¶5"),
        ("一行目", "¶6"),
        ("二行目", "¶6"),
        ("全角　スペース　を保つ", "¶7"),
    ]
    assert ex.title == "孤独・孤立対策の重点計画"
    assert ex.pages == 1


def test_japanese_heading_style_names_ids_and_outline_levels(tmp_path: Path) -> None:
    d = docx.Document()
    d.styles.add_style("見出し 2", WD_STYLE_TYPE.PARAGRAPH)
    d.add_paragraph("本文の前置き")  # ¶1
    d.add_paragraph("第２ 具体的施策", style="見出し 2")  # ¶2
    d.add_paragraph("見出しスタイルのない見出し")  # ¶3: outline level 3 set on the paragraph
    outline = OxmlElement("w:outlineLvl")
    outline.set(qn("w:val"), "2")
    d.paragraphs[2]._p.get_or_add_pPr().append(outline)
    d.add_heading("旧来の見出し", 1)  # ¶4: its style id renamed to "1", as Japanese Word saves it
    for st in d.styles.element.iter(qn("w:style")):
        if st.get(qn("w:styleId")) == "Heading1":
            st.set(qn("w:styleId"), "1")
    d.paragraphs[3]._p.pPr.pStyle.set(qn("w:val"), "1")
    ex = read(saved(d, tmp_path))
    assert lines_of(ex) == [
        ("本文の前置き", "¶1"),
        ("## 第２ 具体的施策", "¶2"),
        ("### 見出しスタイルのない見出し", "¶3"),
        ("# 旧来の見出し", "¶4"),
    ]
    assert ex.title == "旧来の見出し"  # the first Heading 1 when there is no Title


def test_minutes_speakers_are_kept_as_written(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("第２回　孤独・孤立対策推進会議　議事録")
    d.add_paragraph("")
    d.add_paragraph("○委員長　ただいまから第２回会議を開会いたします。")
    d.add_paragraph("〇田中委員　資料１について質問します。")
    p = d.add_paragraph("○事務局（山田室長）　お答えします。")
    p.add_run().add_break()
    p.add_run("続けて説明します。")
    d.add_paragraph("○委員長　以上で閉会します。")
    ex = read(saved(d, tmp_path))
    assert lines_of(ex) == [
        ("第２回　孤独・孤立対策推進会議　議事録", "¶1"),
        ("○委員長　ただいまから第２回会議を開会いたします。", "¶3"),
        ("〇田中委員　資料１について質問します。", "¶4"),
        ("○事務局（山田室長）　お答えします。", "¶5"),
        ("続けて説明します。", "¶5"),
        ("○委員長　以上で閉会します。", "¶6"),
    ]
    assert ex.title == "第２回　孤独・孤立対策推進会議　議事録"  # the first paragraph, no heading styles


def test_table_spans_name_and_section(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_heading("第1 施策", 1)
    d.add_heading("1 相談体制", 2)
    d.add_paragraph("表の前の段落")
    t = d.add_table(rows=4, cols=4)
    t.cell(0, 0).text = "区分"
    t.cell(0, 1).merge(t.cell(0, 2)).text = "基本情報"  # a header cell over two columns
    t.cell(0, 3).text = "備考"
    t.cell(1, 0).merge(t.cell(2, 0)).text = "A群"  # a group cell down two rows
    for (r, c), text in {(1, 1): "電話", (1, 2): "9時", (1, 3): "", (2, 1): "SNS", (2, 2): "24時間",
                         (2, 3): "毎日", (3, 0): "B群", (3, 1): "対面", (3, 2): "予約", (3, 3): "要予約"}.items():
        t.cell(r, c).text = text
    d.add_paragraph("表の後の段落")
    ex = read(saved(d, tmp_path))
    grids = [p.grid for p in ex.parts if p.grid is not None]
    assert len(grids) == 1
    g = grids[0]
    assert (g.nrows, g.ncols, g.name, g.section) == (4, 4, "表1", ["第1 施策", "1 相談体制"])
    assert g.cells == [
        GridCell(0, 0, "区分"), GridCell(0, 1, "基本情報", 1, 2), GridCell(0, 3, "備考"),
        GridCell(1, 0, "A群", 2, 1), GridCell(1, 1, "電話"), GridCell(1, 2, "9時"), GridCell(1, 3, ""),
        GridCell(2, 1, "SNS"), GridCell(2, 2, "24時間"), GridCell(2, 3, "毎日"),
        GridCell(3, 0, "B群"), GridCell(3, 1, "対面"), GridCell(3, 2, "予約"), GridCell(3, 3, "要予約"),
    ]
    # document order: the lines before the table, the table, the lines after it
    kinds = ["grid" if p.grid is not None else [ln.text for ln in p.lines] for p in ex.parts]
    assert kinds == [["# 第1 施策", "## 1 相談体制", "表の前の段落"], "grid", ["表の後の段落"]]
    assert ex.parts[2].lines == [Line("表の後の段落", "¶4")]  # table rows are not body paragraphs


def test_nested_table_text_is_flattened_into_its_cell(tmp_path: Path) -> None:
    d = docx.Document()
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text = "外側"
    inner = t.cell(0, 1).add_table(rows=2, cols=2)
    inner.cell(0, 0).text, inner.cell(0, 1).text = "内1", "内2"
    inner.cell(1, 0).text, inner.cell(1, 1).text = "内3", "内4"
    ex = read(saved(d, tmp_path))
    (g,) = [p.grid for p in ex.parts if p.grid is not None]
    assert [(c.row, c.col, c.text) for c in g.cells] == [(0, 0, "外側"), (0, 1, "内1 内2\n内3 内4")]
    assert g.section == []


def test_core_title_wins_over_headings(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_heading("本文の見出し", 1)
    d.core_properties.title = "文書のタイトル"
    assert read(saved(d, tmp_path)).title == "文書のタイトル"
    d.core_properties.title = "Microsoft Word - 資料1.docx"  # a converter's placeholder is not a title
    assert read(saved(d, tmp_path)).title == "本文の見出し"


def test_a_long_first_paragraph_gives_a_title_of_80_characters(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("あ" * 100)
    assert read(saved(d, tmp_path)).title == "あ" * 80


def test_unreadable_files_raise_format_error_with_the_reason(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("本文")
    good = saved(d, tmp_path)
    with pytest.raises(FormatError, match="corrupt .docx"):
        read(good[: len(good) // 2])  # truncated: the central directory is gone
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a word document")
    with pytest.raises(FormatError, match=r"not a \.docx file \(a zip without word/document.xml\)"):
        read(buf.getvalue())
    with pytest.raises(FormatError, match="password-protected"):
        read(CFB_MAGIC + b"\x00" * 504)
    with pytest.raises(FormatError, match="no zip header"):
        read(b"plain text, not a zip")


def test_a_document_without_text(tmp_path: Path) -> None:
    d = docx.Document()
    d.add_paragraph("")
    d.add_table(rows=2, cols=2)
    with pytest.raises(FormatError, match="no text in the document"):
        read(saved(d, tmp_path))


def test_sniff_needs_the_suffix_and_a_package_header() -> None:
    f = Docx()
    assert f.sniff(b"PK\x03\x04rest", ".docx")
    assert f.sniff(CFB_MAGIC + b"rest", ".docx")
    assert not f.sniff(b"PK\x03\x04rest", ".xlsx")
    assert not f.sniff(b"<html>", ".docx")


def test_table_of_contents_entries_are_not_indexed(tmp_path: Path) -> None:
    d = docx.Document()
    d.styles.add_style("toc 1", WD_STYLE_TYPE.PARAGRAPH)
    d.add_paragraph("目次")  # ¶1
    d.add_paragraph("1 はじめに\t4", style="toc 1")  # ¶2: the heading again, with its page number
    d.add_heading("はじめに", 1)  # ¶3
    d.add_paragraph("本書の目的を述べる。")  # ¶4
    assert lines_of(read(saved(d, tmp_path))) == [("目次", "¶1"), ("# はじめに", "¶3"), ("本書の目的を述べる。", "¶4")]


REAL = Path(__file__).parent / "data" / "realdocs" / "gif_431_person.docx"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def test_real_digital_agency_guidebook() -> None:
    """デジタル庁 DS-431, saved by Japanese Word: heading styles have the ids "1", "2", "3", Title is "a4"."""
    data = REAL.read_bytes()
    ex = read(data)
    # Independently of the reader: the body's own paragraphs and tables, straight from the XML.
    from lxml import etree

    body = etree.fromstring(zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml"))[0]
    paragraphs = ["".join(t.text or " " for t in p.iter(W + "t", W + "br", W + "tab")) for p in body if p.tag == W + "p"]
    written = [" ".join(t.split()) for t in paragraphs if t.strip()]
    assert (len(paragraphs), len(written)) == (36, 21)
    assert len([el for el in body if el.tag == W + "tbl"]) == 5
    got = [" ".join(ln.text.lstrip("#").split()) for part in ex.parts for ln in part.lines]
    assert got == written  # every written paragraph, in order, nothing else
    assert ex.metadata == {"paragraphs": 36, "tables": 5}
    assert [(t, loc) for t, loc in lines_of(ex) if t.startswith("#")] == [
        ("# コアデータモデル解説書 個人", "¶5"),
        ("# 個人のデータモデル", "¶16"),
        ("## 個人データモデルの項目", "¶19"),
        ("### 役割関与情報について", "¶25"),
        ("### 国の名称とコードの扱い", "¶27"),
        ("### 性別のコードの扱い", "¶29"),
        ("## 必須項目のパターン", "¶31"),
        ("# 変更履歴", "¶34"),
    ]
    assert ex.title == "コアデータモデル解説書 個人"
    grids = [p.grid for p in ex.parts if p.grid is not None]
    assert [(g.name, g.nrows, g.ncols) for g in grids] == [("表1", 1, 1), ("表2", 18, 2), ("表3", 28, 2),
                                                           ("表4", 18, 4), ("表5", 5, 3)]
    assert grids[1].section == ["個人のデータモデル", "個人データモデルの項目"]
    assert [c.text for c in grids[1].cells[:4]] == ["項目名", "説明", "ID群", "個人番号、教員番号など"]
    assert [c.text for c in grids[4].cells[:3]] == ["改定年月日", "改定箇所", "改定内容"]
