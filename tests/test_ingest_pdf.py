"""PDF route: reportlab-built measures, minutes and generic PDFs read back with pdfplumber."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pdfplumber = pytest.importorskip("pdfplumber")
pytest.importorskip("reportlab")

from koritsu_search.ingest import parse_file, parse_paths  # noqa: E402
from koritsu_search.models import MEASURE_COLUMNS, Document  # noqa: E402

import pdf_factory as pf  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
MEASURES_TXT = CORPUS / "r7_kodoku_koritsu_measures_status.txt"
MINUTES_TXT = CORPUS / "r7_kodoku_koritsu_suishin_kaigi_02_minutes.txt"

pytestmark = pytest.mark.skipif(pf.japanese_font() is None, reason="no Japanese TTF font (fonts-ipaexfont)")


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


@pytest.fixture(scope="session")
def measures_text() -> Document:
    return parse_file(MEASURES_TXT)


@pytest.fixture(scope="session")
def minutes_text() -> Document:
    return parse_file(MINUTES_TXT)


@pytest.fixture(scope="session")
def measures_pdf(tmp_path_factory: pytest.TempPathFactory, measures_text: Document) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("pdfs")
    return pf.cached("measures.pdf", out, lambda p: pf.build_measures_pdf(p, measures_text))


@pytest.fixture(scope="session")
def measures_parsed(measures_pdf: tuple[Path, Any]) -> Document:
    return parse_file(measures_pdf[0])


@pytest.fixture(scope="session")
def minutes_pdf(tmp_path_factory: pytest.TempPathFactory, minutes_text: Document) -> tuple[Path, Any]:
    out = tmp_path_factory.mktemp("pdfs")
    return pf.cached("minutes.pdf", out, lambda p: pf.build_minutes_pdf(p, minutes_text))


@pytest.fixture(scope="session")
def minutes_parsed(minutes_pdf: tuple[Path, Any]) -> Document:
    return parse_file(minutes_pdf[0])


# --- measures table -------------------------------------------------------------------------


@pytest.mark.slow
def test_measures_pdf_is_detected_and_complete(measures_parsed: Document, measures_text: Document,
                                               measures_pdf: tuple[Path, Any]) -> None:
    doc = measures_parsed
    assert doc.kind == "measures"
    assert doc.title == measures_text.title
    with pdfplumber.open(measures_pdf[0]) as pdf:
        assert doc.pages == len(pdf.pages) > 20
    assert doc.warnings == []
    assert [r.measure_no for r in doc.records] == list(range(1, 144))


@pytest.mark.slow
def test_measures_pdf_fields_match_text_route(measures_parsed: Document, measures_text: Document) -> None:
    expected = {r.measure_no: r for r in measures_text.records}
    for rec in measures_parsed.records:
        want = expected[rec.measure_no]
        assert rec.record_id == f"{measures_parsed.doc_id}#m{rec.measure_no}"
        assert tuple(rec.fields) == MEASURE_COLUMNS
        for col in MEASURE_COLUMNS:
            assert _squash(rec.fields[col]) == _squash(want.fields[col]), (rec.measure_no, col)
        assert rec.ministries == want.ministries
        assert rec.urls == want.urls
        assert rec.section == want.section
        assert rec.measure_name and rec.ministries


@pytest.mark.slow
def test_measures_pdf_pages_match_where_reportlab_drew_them(measures_parsed: Document,
                                                           measures_pdf: tuple[Path, Any]) -> None:
    drawn: dict[Any, set[int]] = measures_pdf[1]  # {(measure no, column): pages}
    split = 0
    for rec in measures_parsed.records:
        want = {col: sorted(p) for (no, col), p in drawn.items() if no == rec.measure_no}
        assert rec.field_pages == want, rec.measure_no
        assert rec.pages == sorted({p for pages in want.values() for p in pages}), rec.measure_no
        if len(rec.pages) > 1:
            split += 1
            assert rec.pages == [rec.pages[0], rec.pages[0] + 1]
    assert split >= 5  # rows really did split over page breaks and were stitched back


def _plain_text_lines(path: Path) -> set[str]:
    """Every text line of the PDF as another extractor (pdfium) sees it."""
    import pypdfium2 as pdfium

    pdf = pdfium.PdfDocument(str(path))
    try:
        lines: set[str] = set()
        for page in pdf:
            text = page.get_textpage().get_text_range()
            lines.update(ln.strip() for ln in text.splitlines())
        return lines
    finally:
        pdf.close()


@pytest.mark.slow
def test_measures_pdf_rejoins_wrapped_urls(measures_parsed: Document, measures_text: Document,
                                           measures_pdf: tuple[Path, Any]) -> None:
    lines = _plain_text_lines(measures_pdf[0])
    urls = [u for rec in measures_parsed.records for u in rec.urls]
    wrapped = [u for u in urls if not any(u in ln for ln in lines)]
    assert len(wrapped) >= 5, "the fixture should wrap some URLs inside their cells"
    assert all(u.startswith("https://") and " " not in u for u in urls)
    assert urls == [u for rec in measures_text.records for u in rec.urls]


@pytest.mark.slow
def test_measures_pdf_detected_by_content(measures_text: Document, tmp_path: Path) -> None:
    small = Document(**{**measures_text.__dict__, "records": measures_text.records[:12]})
    blob = tmp_path / "download.bin"
    drawn = pf.build_measures_pdf(blob, small)
    report = parse_paths([blob])
    assert report.skipped == []
    doc = report.documents[0]
    assert doc.kind == "measures" and doc.doc_id == "download"
    assert [r.measure_no for r in doc.records] == list(range(1, 13))
    assert [r.pages for r in doc.records] == [
        sorted({p for (no, _), pages in drawn.items() if no == r.measure_no for p in pages}) for r in doc.records
    ]


# --- minutes --------------------------------------------------------------------------------


def test_minutes_pdf_matches_text_route(minutes_parsed: Document, minutes_text: Document) -> None:
    doc = minutes_parsed
    assert doc.kind == "minutes"
    assert doc.title == minutes_text.title
    assert doc.metadata == minutes_text.metadata
    assert doc.warnings == []
    assert len(doc.records) == len(minutes_text.records) == 37
    for got, want in zip(doc.records, minutes_text.records, strict=True):
        assert got.record_id.endswith(want.record_id.split("#")[1])
        assert (got.speaker, got.organization, got.ministries) == (want.speaker, want.organization, want.ministries)
        assert got.text == want.text, got.record_id


def test_minutes_pdf_pages(minutes_pdf: tuple[Path, Any], minutes_parsed: Document) -> None:
    path, drawn = minutes_pdf
    doc = minutes_parsed
    with pdfplumber.open(path) as pdf:
        assert doc.pages == len(pdf.pages) > 3
    for n, rec in enumerate(doc.records, start=1):
        assert rec.pages == sorted(drawn[n]), rec.record_id
    assert doc.records[0].pages[0] == 2  # the header block fills page 1
    assert any(len(r.pages) > 1 for r in doc.records)


# --- generic --------------------------------------------------------------------------------


def test_generic_pdf_with_an_empty_page(tmp_path: Path) -> None:
    paras = [f"第{i + 1}段落です。" + "孤独・孤立の問題は誰にでも起こり得るものです。" * 12 for i in range(12)]
    path = tmp_path / "report.pdf"
    drawn = pf.build_generic_pdf(path, paras, blank_after=1)
    report = parse_paths([tmp_path])
    assert report.skipped == []
    doc = report.documents[0]
    assert doc.kind == "generic" and doc.pages == 4
    assert doc.warnings == ["page 2 has no text"]
    assert [r.text for r in doc.records] == paras
    assert [r.pages for r in doc.records] == [sorted(drawn[i]) for i in range(12)]
    assert doc.records[5].pages == [3]
    assert doc.title and paras[0].startswith(doc.title) and len(doc.title) <= 80  # first line


def test_minutes_pdf_passages_cite_the_page_their_text_is_on(minutes_pdf: tuple[Path, Any],
                                                             minutes_parsed: Document) -> None:
    from koritsu_search.passages import make_passages

    path, _ = minutes_pdf
    with pdfplumber.open(path) as pdf:
        page_text = {i + 1: _squash(p.extract_text() or "") for i, p in enumerate(pdf.pages)}
    passages = [p for p in make_passages(minutes_parsed) if p.kind == "speech"]
    later = 0
    for p in passages:
        rec = next(r for r in minutes_parsed.records if r.record_id == p.record_id)
        assert p.page in rec.pages
        head = _squash(p.text)[:10]
        # Pages are tracked per paragraph: the passage starts on its page, or (when a paragraph
        # runs over a page break and the passage starts after it) on the next one.
        assert head in page_text[p.page] or head in page_text.get(p.page + 1, ""), p.passage_id
        later += p.page != rec.pages[0]
    assert later > 0, "no passage of a turn spanning pages cites a later page"
