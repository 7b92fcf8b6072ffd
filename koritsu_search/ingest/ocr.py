"""OCR for PDF pages without a text layer: Tesseract (through pytesseract) on a 300 dpi render."""

from __future__ import annotations

import functools
import os
import statistics
from typing import Any

from ..errors import IngestError
from .lines import PdfLine
from .textnorm import is_cjk, normalize_pdf_text

RESOLUTION = 300  # dpi; lower loses small kanji strokes, higher is slower for no gain
MAX_SIDE_PX = 7200  # posters are rendered smaller so Tesseract gets a sane image
LANG = "jpn"  # the jpn model reads the Latin letters and digits in Japanese documents too
CONFIG = "--psm 3"  # automatic page segmentation: right-aligned headers, boxes, footnotes
TIMEOUT_S = 300
INSTALL_HINT = ("OCR needs Tesseract with Japanese data: install it with "
                "`sudo apt-get install tesseract-ocr tesseract-ocr-jpn` and `pip install pytesseract`")

Word = tuple[str, float, float, float, float]  # text, x0, x1, top, bottom (PDF points)


@functools.cache
def ocr_unavailable() -> str | None:
    """Why OCR cannot run (pytesseract, the tesseract program or its jpn data missing), else None."""
    try:
        import pytesseract
    except ImportError:
        return f"pytesseract is not installed; {INSTALL_HINT}"
    try:
        langs = pytesseract.get_languages()
    except Exception as exc:  # TesseractNotFoundError, or a program that does not run
        return f"the tesseract program was not found ({type(exc).__name__}); {INSTALL_HINT}"
    if "jpn" not in langs:
        return f"Tesseract has no Japanese language data (jpn); {INSTALL_HINT}"
    return None


def ocr_page(page: Any, source: str) -> tuple[list[PdfLine], float]:
    """A pdfplumber page read by OCR: its lines (PDF points, top-down) and mean word confidence."""
    reason = ocr_unavailable()
    if reason:
        raise IngestError(source, reason)
    width, height = float(page.width), float(page.height)
    try:
        image = page.to_image(resolution=min(RESOLUTION, MAX_SIDE_PX * 72 / max(width, height))).original
        data = _tesseract(image.convert("L"))
    except Exception as exc:  # a page pdfium cannot render, or Tesseract failing on it
        raise IngestError(source, f"OCR failed on page {page.page_number}: {exc}") from exc
    x0, top = float(page.bbox[0]), float(page.bbox[1])
    sx, sy = image.width / width, image.height / height
    rows: dict[tuple[int, int, int], list[Word]] = {}
    confs: list[float] = []
    for i, text in enumerate(data["text"]):
        conf = float(data["conf"][i])
        if conf < 0 or not str(text).strip():
            continue
        confs.append(conf)
        left, up = x0 + data["left"][i] / sx, top + data["top"][i] / sy
        word = (str(text).strip(), left, left + data["width"][i] / sx, up, up + data["height"][i] / sy)
        rows.setdefault((data["block_num"][i], data["par_num"][i], data["line_num"][i]), []).append(word)
    lines = _merge_rows([_line(words) for words in rows.values()])
    return [ln for ln in lines if ln.text], (sum(confs) / len(confs) if confs else 0.0)


def _tesseract(image: Any) -> dict[str, list[Any]]:
    """image_to_data with Tesseract on one thread: on 2 shared cores its OpenMP threads spin and
    make a page ~3x slower. Only Tesseract's environment changes (torch must keep its threads)."""
    import pytesseract

    mod = pytesseract.pytesseract
    saved = getattr(mod, "environ", os.environ)
    mod.environ = {**os.environ, "OMP_THREAD_LIMIT": os.environ.get("OMP_THREAD_LIMIT", "1")}
    try:
        return pytesseract.image_to_data(image, lang=LANG, config=CONFIG, timeout=TIMEOUT_S,
                                         output_type=pytesseract.Output.DICT)
    finally:
        mod.environ = saved


def _line(words: list[Word]) -> PdfLine:
    """One Tesseract line; a space only at a wide gap, and none left between Japanese characters."""
    words = sorted(words, key=lambda w: w[1])
    size = statistics.median(w[4] - w[3] for w in words)  # about the font size; brackets stick out
    text = words[0][0]
    for prev, word in zip(words, words[1:], strict=False):
        text += (" " if word[1] - prev[2] > _space_gap(prev[0][-1], word[0][0]) * size else "") + word[0]
    return PdfLine(normalize_pdf_text(text), words[0][1], words[-1][2], min(w[3] for w in words),
                   max(w[4] for w in words), size)


def _space_gap(a: str, b: str) -> float:
    """The gap (in font sizes) between two words that is a space: full-width glyphs (kanji, and
    digits OCR'd from full-width ones) have wide margins, Latin words narrow spaces."""
    if is_cjk(a) or is_cjk(b):
        return 1.0
    return 0.25 if (a + b).isascii() and (a + b).isalpha() else 0.6


def _merge_rows(lines: list[PdfLine]) -> list[PdfLine]:
    """Lines top-down; lines Tesseract put in separate blocks but on one row are joined."""
    out: list[PdfLine] = []
    for ln in sorted(lines, key=lambda ln: (ln.top, ln.x0)):
        prev = out[-1] if out else None
        overlap = min(ln.bottom, prev.bottom) - max(ln.top, prev.top) if prev else 0.0
        if prev is None or overlap <= 0.6 * min(ln.bottom - ln.top, prev.bottom - prev.top):
            out.append(ln)
            continue
        a, b = (prev, ln) if prev.x0 <= ln.x0 else (ln, prev)
        out[-1] = PdfLine(normalize_pdf_text(f"{a.text} {b.text}"), a.x0, max(a.x1, b.x1), min(a.top, b.top),
                          max(a.bottom, b.bottom), max(a.size, b.size))
    return out
