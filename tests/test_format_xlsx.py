"""Excel sources: a status table by 施策No. reads like its text export, any other sheet gives
header-keyed rows cited by cell range, and broken workbooks are skipped with a reason.

Expected values come from the files themselves read another way (openpyxl cell by cell, the
text export), or are written here by hand from the printed headers.
"""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from koritsu_search.ingest.api import parse_file, parse_paths
from koritsu_search.measures import collect_measures
from koritsu_search.models import MEASURE, ROW
from koritsu_search.render import render_measure

from helpers import ROOT

REAL = ROOT / "tests" / "data" / "realdocs"
STATUS_TXT = ROOT / "corpus" / "r7_kodoku_koritsu_measures_status.txt"


def _status_xlsx(path: Path) -> Path:
    import runpy

    make = runpy.run_path(str(ROOT / "scripts" / "make_status_xlsx.py"))["write_status_xlsx"]
    make(STATUS_TXT, path)
    return path


def test_status_workbook_gives_the_same_measures_as_the_text_export(tmp_path: Path) -> None:
    text_doc = parse_file(STATUS_TXT)
    book = parse_file(_status_xlsx(tmp_path / "status.xlsx"))
    assert book.kind == text_doc.kind == "measures"
    assert book.title == text_doc.title
    want = {r.measure_no: r for r in text_doc.records if r.kind == MEASURE}
    got = {r.measure_no: r for r in book.records if r.kind == MEASURE}
    assert len(want) == 143 and set(got) == set(want)
    for no, rec in want.items():
        other = got[no]
        assert (other.fields, other.measure_name, other.section, other.ministries, other.urls) == (
            rec.fields, rec.measure_name, rec.section, rec.ministries, rec.urls), no
    # Cited by the sheet's cells: the text export's line N is the sheet's row N.
    assert got[12].locator == f"実施状況!A{want[12].line}:H{want[12].line}"
    # `measure 12` says the same, but where (line 26 / 実施状況!A26:H26) and the file name.
    def norm(text: str) -> str:
        return re.sub(r"\[(line \d+|実施状況![A-Z0-9:]+)\]", "[at]", text).replace("status.xlsx", "F").replace(
            STATUS_TXT.name, "F").replace(str(tmp_path / "F"), "F").replace(str(STATUS_TXT.parent / "F"), "F")
    m_text = collect_measures([text_doc])
    m_book = collect_measures([book])
    for no in (1, 12, 143):
        a = next(m for m in m_text.values() if m.no == no)
        b = next(m for m in m_book.values() if m.no == no)
        assert norm(render_measure(a)) == norm(render_measure(b))


def test_real_migration_table_with_a_title_and_a_three_row_header() -> None:
    path = REAL / "stat_migration_pref_2025.xlsx"
    ws = load_workbook(path, data_only=True).worksheets[0]
    doc = parse_file(path)
    rows = [r for r in doc.records if r.kind == ROW]
    assert doc.kind == "table"
    assert len(rows) == 48  # 全国 and the 47 prefectures (rows 7–54)
    hokkaido = next(r for r in rows if "北海道" in r.fields.values())
    assert hokkaido.locator == "社会増減数!B8:K8"
    assert hokkaido.fields["転入者数 / （国内） / (A)"] == str(ws["C8"].value)
    assert hokkaido.fields["転出者数 / （国内） / (B)"] == str(ws["D8"].value)
    assert hokkaido.section == ["都道府県別社会増減数(2025年)"]
    assert all("転入者数 / （国内） / (A)" in r.fields for r in rows)


def test_real_population_table_with_a_five_row_header_without_merged_cells() -> None:
    path = REAL / "soumu_juki_pop_municipal_2024.xlsx"
    ws = load_workbook(path, data_only=True, read_only=True).worksheets[0]
    sapporo_row = next(r for r in ws.iter_rows(min_row=7) if r[2].value == "札幌市")
    doc = parse_file(path)
    rows = [r for r in doc.records if r.kind == ROW]
    assert len(rows) == ws.max_row - 6  # every row from row 7 on (the data, then one note)
    rec = next(r for r in rows if r.fields.get("市区町村名") == "札幌市")
    assert rec.fields["令和6年 / 2024年 / 人口 / 男 / 人"] == str(sapporo_row[3].value)
    assert rec.fields["令和6年 / 2024年 / 世帯数 / 世帯"] == str(sapporo_row[6].value)
    assert rec.fields["団体コード"] == str(sapporo_row[0].value)


def _book(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "名簿"
    ws["A1"] = "相談窓口一覧（令和7年4月1日現在）"
    ws.merge_cells("A1:D1")
    ws.append([])
    ws.append(["名称", "連絡先", None, "対象"])
    ws.merge_cells("B3:C3")
    ws.append(["こころの相談", "0120-000-111", "平日9時～17時", "どなたでも"])
    ws.append(["こども相談", "0120-000-222", "24時間", "18歳未満"])
    ws.append(["ひとり親相談", "0120-000-333", "平日10時～16時", "ひとり親家庭"])
    other = wb.create_sheet("補足")
    other.append(["区分", "件数"])
    other.append(["電話", 120])
    other.append(["来所", 45])
    wb.save(path)
    return path


def test_several_sheets_merged_header_and_header_not_on_row_one(tmp_path: Path) -> None:
    doc = parse_file(_book(tmp_path / "madoguchi.xlsx"))
    rows = [r for r in doc.records if r.kind == ROW]
    assert doc.title == "相談窓口一覧（令和7年4月1日現在）"
    assert doc.pages == 2  # sheets
    first = rows[0]
    assert first.fields == {"名称": "こころの相談", "連絡先 / 1": "0120-000-111", "連絡先 / 2": "平日9時～17時",
                            "対象": "どなたでも"}
    assert first.locator == "名簿!A4:D4"
    assert first.section == ["相談窓口一覧(令和7年4月1日現在)"]  # folded like every section (NFKC)
    assert [r.fields for r in rows[3:]] == [{"区分": "電話", "件数": "120"}, {"区分": "来所", "件数": "45"}]
    assert rows[4].locator == "補足!A3:B3"
    assert len({r.record_id for r in rows}) == len(rows)


def test_broken_workbooks_are_skipped_with_a_reason_and_the_rest_read(tmp_path: Path) -> None:
    good = _book(tmp_path / "good.xlsx")
    (tmp_path / "locked.xlsx").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 2048)
    (tmp_path / "cut.xlsx").write_bytes(good.read_bytes()[:3000])
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("hello.txt", "not a workbook")
    (tmp_path / "plain.xlsx").write_bytes(buf.getvalue())
    report = parse_paths([tmp_path])
    assert [Path(d.source).name for d in report.documents] == ["good.xlsx"]
    reasons = {Path(s.source).name: s.reason for s in report.skipped}
    assert "password-protected" in reasons["locked.xlsx"]
    assert "corrupt .xlsx" in reasons["cut.xlsx"]
    assert "not a .xlsx file" in reasons["plain.xlsx"]
    assert all("\n" not in r for r in reasons.values())


def test_a_workbook_over_the_size_limit_is_skipped_unread(tmp_path: Path) -> None:
    big = _book(tmp_path / "big.xlsx")
    report = parse_paths([big], max_bytes=1000)
    assert not report.documents
    assert "over the 1,000-byte limit" in report.skipped[0].reason


@pytest.mark.parametrize(("name", "rows", "key"), [
    ("mhlw_ec_clinics_aomori.pdf", 37, "基本情報 / 施設名"),
    ("mhlw_online_clinics_kyoto.pdf", 15, "事務連絡に基づく対応について / 対応診療科"),
    ("mhlw_online_clinics_tochigi.pdf", 10, "基本情報 / 電話番号"),
])
def test_real_pdf_tables_with_a_parent_header_over_child_columns(name: str, rows: int, key: str) -> None:
    doc = parse_file(REAL / name)
    found = [r for r in doc.records if r.kind == ROW]
    assert len(found) == rows
    assert all(key in r.fields for r in found)
    assert not any(v in ("施設名", "郵便番号", "電話番号") for r in found for v in r.fields.values())


def test_answers_from_a_workbook_cite_its_cells(tmp_path: Path) -> None:
    from koritsu_search import open_index
    from koritsu_search.index.build import build_index
    from koritsu_search.render import citation_where

    from helpers import FakeEmbedder

    docs = tmp_path / "docs"
    docs.mkdir()
    _book(docs / "madoguchi.xlsx")
    build_index([docs], tmp_path / "index", embedder=FakeEmbedder())
    idx = open_index(tmp_path / "index", embedder=FakeEmbedder())
    item = next(i for i in idx.ask("こども相談 24時間", include_low=True).items if "こども相談" in i.title)
    cite = item.citations[0]
    assert cite.locator == "名簿!A5:D5"
    assert cite.page is None  # a sheet has no pages: its cells say where
    assert citation_where(cite).endswith("名簿!A5:D5")


def test_the_cited_place_of_a_workbook_opens_as_escaped_addressable_lines(tmp_path: Path) -> None:
    from koritsu_search.web.sources import render_structured_source, source_url

    path = _book(tmp_path / "madoguchi.xlsx")
    page = render_structured_source(path, "相談窓口<一覧>")
    assert '<li id="名簿!A5:D5"><small>名簿!A5:D5</small> <span>こども相談  0120-000-222  24時間  18歳未満</span></li>' in page
    assert "<title>相談窓口&lt;一覧&gt;</title>" in page
    assert source_url("madoguchi", locator="名簿!A5:D5").endswith("#%E5%90%8D%E7%B0%BF%21A5%3AD5")
