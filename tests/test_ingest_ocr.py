"""OCR of pages without a text layer, with real Tesseract on real government PDFs."""

from __future__ import annotations

import difflib
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pdfplumber = pytest.importorskip("pdfplumber")
from PIL import Image  # noqa: E402  (Pillow comes with pdfplumber)

from koritsu_search.errors import IngestError  # noqa: E402
from koritsu_search.ingest import ocr, parse_file, parse_paths  # noqa: E402
from koritsu_search.ingest.pdf import OCR_OFF_HINT, PdfLine, lines_from_chars  # noqa: E402
from koritsu_search.ingest.textnorm import is_cjk  # noqa: E402
from koritsu_search.models import Document  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
REALDOCS = Path(__file__).resolve().parent / "data" / "realdocs"
HONBUN = CORPUS / "juten_keikaku_R7kaitei_honbun.pdf"
SCAN = REALDOCS / "mhlw_scanned_no_text_layer.pdf"
MINUTES_TXT = CORPUS / "r7_kodoku_koritsu_suishin_kaigi_02_minutes.txt"
HONBUN_PAGES = (5, 6)  # prose with headings, numbered items and footnotes
INSTALL = "sudo apt-get install tesseract-ocr tesseract-ocr-jpn"

needs_tesseract = pytest.mark.skipif(shutil.which("tesseract") is None,
                                     reason="tesseract is not installed (sudo apt-get install tesseract-ocr "
                                            "tesseract-ocr-jpn)")


def needs(path: Path) -> pytest.MarkDecorator:
    return pytest.mark.skipif(not path.exists(), reason=f"{path} is not here (the shared real PDFs)")


def squeeze(text: str) -> str:
    return "".join(text.split())


def similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, squeeze(a), squeeze(b), autojunk=False).ratio()


def cjk_spaces(text: str) -> list[str]:
    """Spaces left between two Japanese characters, with their surroundings."""
    return [text[max(0, m.start() - 3):m.end() + 3] for m in re.finditer(r"(?<=\S) +(?=\S)", text)
            if is_cjk(text[m.start() - 1]) and is_cjk(text[m.end()])]


def image_pdf(path: Path, images: list[Image.Image]) -> Path:
    """An image-only PDF (what a scanner makes): one 300 dpi raster per page, no text layer."""
    images = [im.convert("L") for im in images]
    images[0].save(path, "PDF", save_all=True, append_images=images[1:], resolution=300)
    return path


@pytest.fixture(scope="module")
def honbun_scan(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str], list[list[PdfLine]]]:
    """Pages of a real text PDF printed to images by pdftoppm: the scan, and the pages' own text layer."""
    if shutil.which("pdftoppm") is None:
        pytest.skip("pdftoppm is not installed (sudo apt-get install poppler-utils)")
    out = tmp_path_factory.mktemp("ocr")
    first, last = HONBUN_PAGES
    subprocess.run(["pdftoppm", "-r", "300", "-png", "-f", str(first), "-l", str(last), str(HONBUN), str(out / "p")],
                   check=True, capture_output=True)
    pngs = sorted(out.glob("p-*.png"))
    assert len(pngs) == last - first + 1
    scan = image_pdf(out / "honbun_scan.pdf", [Image.open(p) for p in pngs])
    with pdfplumber.open(str(HONBUN)) as pdf:
        pages = [pdf.pages[n - 1] for n in range(first, last + 1)]
        texts = [p.extract_text() for p in pages]
        lines = [lines_from_chars(p.chars) for p in pages]
    return scan, texts, lines


@pytest.fixture(scope="module")
def honbun_ocr(honbun_scan: tuple[Path, list[str], list[list[PdfLine]]]) -> tuple[Document, list[list[PdfLine]]]:
    """parse_file on the scan, keeping what ocr_page returned for each page."""
    seen: list[list[PdfLine]] = []
    real = ocr.ocr_page

    def spy(page: Any, source: str) -> tuple[list[PdfLine], float]:
        lines, conf = real(page, source)
        seen.append(lines)
        return lines, conf

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(ocr, "ocr_page", spy)
        doc = parse_file(honbun_scan[0])
    return doc, seen


@pytest.fixture(scope="module")
def scan_doc() -> Document:
    return parse_file(SCAN)


@pytest.fixture
def fresh_check() -> Iterator[None]:
    """Forget the cached Tesseract availability before and after the test."""
    ocr.ocr_unavailable.cache_clear()
    yield
    ocr.ocr_unavailable.cache_clear()


@pytest.mark.slow
@needs_tesseract
@needs(HONBUN)
def test_ocr_of_a_printed_real_pdf_matches_its_text_layer(
    honbun_scan: tuple[Path, list[str], list[list[PdfLine]]], honbun_ocr: tuple[Document, list[list[PdfLine]]]
) -> None:
    scan, truth, _ = honbun_scan
    doc, _ = honbun_ocr
    with pdfplumber.open(str(scan)) as pdf:
        assert not any(p.chars for p in pdf.pages) and all(p.images for p in pdf.pages)  # really image-only

    got = "".join(r.text for r in doc.records)
    ratio = similarity(got, "".join(truth))
    print(f"OCR similarity over pages {HONBUN_PAGES}: {ratio:.3f}", file=sys.stderr)
    assert ratio >= 0.90
    with pdfplumber.open(str(HONBUN)) as pdf:  # the measure tells pages apart
        assert similarity(got, pdf.pages[10].extract_text() + pdf.pages[11].extract_text()) < 0.4

    for rec in doc.records:
        assert cjk_spaces(rec.text) == [], rec.text
        assert rec.ocr_confidence is not None and 70 <= rec.ocr_confidence <= 100
    assert set(doc.metadata["ocr_pages"]) == {"1", "2"}
    assert all(70 <= c <= 100 for c in doc.metadata["ocr_pages"].values())
    assert any("read by OCR" in w for w in doc.warnings)
    assert {p for r in doc.records for p in r.pages} == {1, 2}


@pytest.mark.slow
@needs_tesseract
@needs(HONBUN)
def test_ocr_lines_sit_where_the_text_layer_lines_are(
    honbun_scan: tuple[Path, list[str], list[list[PdfLine]]], honbun_ocr: tuple[Document, list[list[PdfLine]]]
) -> None:
    """Pixel boxes become PDF points: OCR'd lines land on the original lines' positions."""
    _, _, truth = honbun_scan
    _, seen = honbun_ocr
    assert len(seen) == len(truth)
    for want_lines, got_lines in zip(truth, seen, strict=True):
        assert [g.top for g in got_lines] == sorted(g.top for g in got_lines)  # top-down
        matched = 0
        for want in want_lines:
            best = max(got_lines, key=lambda g: similarity(g.text, want.text))
            if similarity(best.text, want.text) >= 0.9:
                matched += 1
                # OCR boxes hug the ink; the text layer's boxes are the glyph cells (full-width 。 is half empty)
                assert abs((best.top + best.bottom) - (want.top + want.bottom)) / 2 < 3, (want, best)
                assert abs(best.x0 - want.x0) < 4 and abs(best.x1 - want.x1) < 10, (want, best)
                assert 0.7 * want.size < best.size < 1.4 * want.size, (want, best)
        assert matched >= 0.7 * len(want_lines)


@pytest.mark.slow
@needs_tesseract
@needs(SCAN)
def test_real_scan_is_read(scan_doc: Document) -> None:
    doc = scan_doc
    assert doc.pages == 8
    assert set(doc.metadata["ocr_pages"]) == {str(n) for n in range(1, 9)}
    assert {p for r in doc.records for p in r.pages} == set(range(1, 9))  # every page gave text
    assert all(r.ocr_confidence is not None for r in doc.records)
    text = "\n".join(r.text for r in doc.records)
    for word in ("質疑応答集", "事務連絡", "独立行政法人医薬品医療機器総合機構", "厚生労働省医薬食品局審査管理課",
                 "MF登録申請", "原薬等登録原簿", "精製工程", "バリデーション", "日本薬局方", "製剤原料"):
        assert word in text, word
    assert cjk_spaces(text) == []


@needs_tesseract
def test_blank_page_gives_no_lines(tmp_path: Path) -> None:
    blank = image_pdf(tmp_path / "blank.pdf", [Image.new("L", (2480, 3508), 255)])
    with pdfplumber.open(str(blank)) as pdf:
        assert ocr.ocr_page(pdf.pages[0], str(blank)) == ([], 0.0)


@needs(SCAN)
def test_ocr_off_skips_the_scan_with_the_hint(tmp_path: Path) -> None:
    with pytest.raises(IngestError) as info:
        parse_file(SCAN, ocr=False)
    assert info.value.reason == OCR_OFF_HINT.replace("{ocr}", "ocr=True") and info.value.source == str(SCAN)
    report = parse_paths([SCAN, MINUTES_TXT], ocr=False)
    assert [(s.source, s.reason) for s in report.skipped] == [(str(SCAN), OCR_OFF_HINT.replace("{ocr}", "ocr=True"))]
    assert len(report.documents) == 1 and len(report.documents[0].records) == 37


def _no_binary(mp: pytest.MonkeyPatch) -> None:
    import pytesseract

    mp.setattr(pytesseract.pytesseract, "tesseract_cmd", "/nonexistent/tesseract")


def _no_jpn(mp: pytest.MonkeyPatch) -> None:
    import pytesseract

    mp.setattr(pytesseract, "get_languages", lambda *a, **k: ["eng", "osd"])


def _no_module(mp: pytest.MonkeyPatch) -> None:
    mp.setitem(sys.modules, "pytesseract", None)  # import pytesseract raises ImportError


@pytest.mark.parametrize(("breakage", "says"), [
    (_no_binary, "the tesseract program was not found"),
    (_no_jpn, "no Japanese language data (jpn)"),
    (_no_module, "pytesseract is not installed"),
], ids=["no-binary", "no-jpn", "no-pytesseract"])
def test_missing_tesseract_skips_the_scan_with_install_help(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, fresh_check: None, breakage: Any, says: str
) -> None:
    breakage(monkeypatch)
    scan = image_pdf(tmp_path / "scan.pdf", [Image.new("L", (600, 850), 255)])
    shutil.copy(MINUTES_TXT, tmp_path / "good.txt")

    report = parse_paths([tmp_path])

    assert [s.source for s in report.skipped] == [str(scan)]
    reason = report.skipped[0].reason
    assert says in reason and INSTALL in reason and "pip install pytesseract" in reason
    assert [d.doc_id for d in report.documents] == ["good"] and len(report.documents[0].records) == 37
    with pytest.raises(IngestError) as info:
        parse_file(scan)
    assert info.value.source == str(scan) and says in info.value.reason
