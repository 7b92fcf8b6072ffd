"""Plan measure sheets: the real 重点計画 PDF checked against poppler's text, and small fixtures."""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest

from koritsu_search.ingest import parse_file
from koritsu_search.ingest.kinds.plan_sheets import PLAN_FIELDS

PLAN_PDF = Path(__file__).resolve().parent.parent / "corpus" / "juten_keikaku_R7kaitei_gutaiteki_shisaku.pdf"
HEADINGS = {  # how the sheets spell each heading, as read off the PDF by a person
    "施策の概要": ("＜施策の概要＞",),
    "目標及び達成の期間": ("【目標及び達成の期間】", "【目標及びその達成の期間】"),
    "現状": ("＜現状＞",),
    "課題": ("＜課題＞",),
    "今後の取組方針": ("＜今後の取組方針＞", "＜今後の取組状況＞"),
}


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


@pytest.fixture(scope="module")
def plan_doc():
    return parse_file(PLAN_PDF)


@pytest.fixture(scope="module")
def poppler_sheets() -> dict[int, tuple[int, dict[str, str]]]:
    """Each sheet's first PDF page and its five fields, cut from `pdftotext` output by hand rules."""
    if not shutil.which("pdftotext"):
        pytest.skip("pdftotext (poppler-utils) is not installed")
    text = subprocess.run(["pdftotext", str(PLAN_PDF), "-"], capture_output=True, text=True, check=True).stdout
    pages = text.split("\f")
    sheets: dict[int, tuple[int, list[str]]] = {}
    current: int | None = None
    for page_no, page in enumerate(pages, 1):
        lines = page.splitlines()
        # The printed page number is the page's last non-empty line: not sheet text.
        while lines and not lines[-1].strip():
            lines.pop()
        if lines and lines[-1].strip().isdigit():
            lines.pop()
        for line in lines:
            m = re.match(r"^施策\s*No\.(\S+)\s*$", line.strip())
            if m:
                current = int(unicodedata.normalize("NFKC", m.group(1)))
                sheets[current] = (page_no, [])
            elif current is not None:
                sheets[current][1].append(line)
    out: dict[int, tuple[int, dict[str, str]]] = {}
    all_headings = {h: f for f, hs in HEADINGS.items() for h in hs}
    for no, (page_no, lines) in sheets.items():
        fields: dict[str, list[str]] = {}
        cur = None
        for line in lines:
            if line.strip() in all_headings:
                cur = all_headings[line.strip()]
                fields[cur] = []
            elif cur:
                fields[cur].append(line)
        out[no] = (page_no, {f: "".join(v) for f, v in fields.items()})
    return out


@pytest.mark.slow
def test_real_plan_gives_143_sheets_with_name_ministries_and_five_fields(plan_doc) -> None:
    assert plan_doc.kind == "plan"
    nos = [r.measure_no for r in plan_doc.records]
    assert nos == list(range(1, 144))  # the contents and (再掲) entries are not measures
    for r in plan_doc.records:
        assert r.kind == "measure" and r.measure_name and r.ministries, r.measure_no
        assert all(r.fields.get(f) for f in PLAN_FIELDS), (r.measure_no, [f for f in PLAN_FIELDS if not r.fields.get(f)])
        assert "【" not in r.measure_name and "●" not in r.measure_name
    by_no = {r.measure_no: r for r in plan_doc.records}
    assert by_no[1].measure_name == "孤独・孤立の実態把握" and by_no[1].ministries == ["内閣府"]
    assert by_no[143].ministries[:3] == ["内閣官房", "内閣府", "金融庁"] and len(by_no[143].ministries) == 10
    assert by_no[12].fields["目標及び達成の期間"].startswith("令和６年度以降の本格実施において")
    assert by_no[97].fields["今後の取組方針"]  # its heading reads ＜今後の取組状況＞


@pytest.mark.slow
def test_real_plan_fields_match_poppler_text(plan_doc, poppler_sheets) -> None:
    assert sorted(poppler_sheets) == list(range(1, 144))
    ratios = []
    for r in plan_doc.records:
        _, fields = poppler_sheets[r.measure_no]
        for f in PLAN_FIELDS:
            ours, theirs = _squash(r.fields[f]), _squash(fields.get(f, ""))
            ratios.append((difflib.SequenceMatcher(None, ours, theirs, autojunk=False).ratio(), r.measure_no, f))
    good = [x for x in ratios if x[0] >= 0.95]
    assert len(ratios) == 143 * 5
    assert len(good) >= 0.98 * len(ratios), sorted(ratios)[:10]


@pytest.mark.slow
def test_real_plan_first_page_and_printed_page(plan_doc, poppler_sheets) -> None:
    for r in plan_doc.records:
        first_pdf_page, _ = poppler_sheets[r.measure_no]
        assert r.pages[0] == first_pdf_page, r.measure_no
        # This file prints page numbers 23 above the PDF page index (read off the footers).
        assert r.printed_pages[0] == first_pdf_page + 23, r.measure_no
    spanning = [r for r in plan_doc.records if len(r.pages) > 1]
    assert len(spanning) >= 10  # sheets run over page breaks


@pytest.mark.slow
def test_real_plan_sections_and_reprints(plan_doc) -> None:
    by_no = {r.measure_no: r for r in plan_doc.records}
    # No.1 is listed under (1)① and, on its sheet, also under (3)②.
    assert "①孤独・孤立の実態把握" in by_no[1].section and "②アウトリーチ型支援体制の構築" in by_no[1].section
    # A heading wrapped over two lines is rejoined.
    assert any(s.endswith("地域づくりを行う") for s in by_no[1].section)
    toc = plan_doc.metadata["toc"]
    reprints = [e for e in toc if e["reprint"]]
    assert reprints and all(e["no"] in by_no for e in reprints)
    # A (再掲) entry adds the section it is listed under to its measure: 142 is reprinted under ④.
    assert "④行政における孤独・孤立対策の推進体制の整備" in by_no[142].section


# Small fixtures: the conventions the parser claims, built as PDFs with their own page numbers.

def _sheet_pdf(path: Path, pages: list[list[str]], first_number: int) -> None:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    from tests.pdf_factory import register_font

    font = register_font()
    c = canvas.Canvas(str(path), pagesize=A4)
    for n, lines in enumerate(pages):
        y = 800
        for line in lines:
            c.setFont(font, 10.5)
            c.drawString(60, y, line)
            y -= 16
        c.setFont(font, 9)
        c.drawCentredString(A4[0] / 2, 30, str(first_number + n))
        c.showPage()
    c.save()


def test_plan_fixture_conventions(tmp_path: Path) -> None:
    pdf = tmp_path / "plan.pdf"
    _sheet_pdf(pdf, [
        ["具体的施策", "（１）第一の柱", "①項目甲",
         "No.001:最初の施策【内閣府】 ........ 101",
         "No.002:次の施策【厚生労働省、こども家庭庁】 ........ 102",
         "②項目乙",
         "No.001:(再掲)最初の施策【内閣府】（前出（１）①：P.101）"],
        ["施策 No.１", "（１）第一の柱", "①項目甲", "● 最初の施策【内閣府】",
         "＜施策の概要＞", "概要の一行目であり、", "二行目で終わる。",
         "【目標及びその達成の期間】", "目標は令和８年度までに達成する。",
         "＜現状＞", "現状の説明。", "＜課題＞", "課題の説明。"],
        ["＜今後の取組方針＞", "次のページに続く方針。",
         "施策 No.2", "（１）第一の柱", "①項目甲", "（２）第二の柱", "③項目丙",
         "● 次の施策【厚生労働省、こども家", "庭庁】",
         "＜施策の概要＞", "概要。", "【目標及び達成の期間】", "目標。", "＜現状＞", "現状。",
         "＜課題＞", "【参考事業】", "課題。", "＜今後の取組方針＞", "方針。"],
    ], first_number=100)
    doc = parse_file(pdf)
    assert doc.kind == "plan"
    assert [r.measure_no for r in doc.records] == [1, 2]
    one, two = doc.records
    assert one.measure_name == "最初の施策" and one.ministries == ["内閣府"]
    assert one.fields["施策の概要"] == "概要の一行目であり、二行目で終わる。"
    assert one.fields["目標及び達成の期間"] == "目標は令和８年度までに達成する。"
    assert one.fields["今後の取組方針"] == "次のページに続く方針。"
    assert one.pages == [2, 3] and one.printed_pages == [101, 102]
    assert one.field_pages["今後の取組方針"] == [3]
    assert "②項目乙" in one.section  # from the (再掲) contents entry
    assert two.measure_name == "次の施策" and two.ministries == ["厚生労働省", "こども家庭庁"]
    assert two.section == ["(1)第一の柱", "①項目甲", "(2)第二の柱", "③項目丙"]  # folded to one width (NFKC)
    assert two.fields["課題"] == "【参考事業】\n課題。"  # an unknown bracket line is body text
    assert not doc.warnings


def test_plan_from_text_export(tmp_path: Path) -> None:
    txt = tmp_path / "sheets.txt"
    txt.write_text(
        "施策 No.7\n（３）柱\n①項目\n● 施策の名前【総務省】\n＜施策の概要＞\n概要。\n"
        "【目標及び達成の期間】\n目標。\n＜現状＞\n現状。\n＜課題＞\n課題。\n＜今後の取組方針＞\n方針。\n",
        encoding="utf-8",
    )
    doc = parse_file(txt)
    assert doc.kind == "plan" and [r.measure_no for r in doc.records] == [7]
    assert doc.records[0].fields["現状"] == "現状。" and doc.records[0].ministries == ["総務省"]
