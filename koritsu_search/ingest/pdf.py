"""PDF route: open safely, rebuild lines from characters, read ruled measures tables."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import IngestError
from .lines import PdfLine, SrcLine
from .textnorm import page_number_value

logging.getLogger("pdfminer").addHandler(logging.NullHandler())
logging.getLogger("pdfplumber").addHandler(logging.NullHandler())

PDF_MAGIC = b"%PDF-"
OCR_OFF_HINT = "no text layer (scanned image?) and OCR is off; turn it on ({ocr}) to read it with Tesseract"


def looks_like_pdf(head: bytes) -> bool:
    """True when the %PDF- signature is within the first KiB (as readers accept)."""
    return PDF_MAGIC in head[:1024]


def check_pdf_bytes(path: Path, source: str) -> None:
    """Reject files that are not PDFs or that were cut short, before the parser guesses."""
    try:
        with open(path, "rb") as fh:
            head = fh.read(1024)
            fh.seek(0, 2)
            size = fh.tell()
            fh.seek(max(0, size - 2048))
            tail = fh.read()
    except OSError as exc:
        raise IngestError(source, f"cannot read file: {exc.strerror or exc}") from exc
    if not looks_like_pdf(head):
        raise IngestError(source, "not a PDF file (no %PDF header); the content is something else")
    if b"%%EOF" not in tail:
        raise IngestError(source, "not a readable PDF (truncated or corrupt): no %%EOF end marker")


@contextmanager
def open_pdf(path: Path, password: str | None) -> Iterator[Any]:
    """pdfplumber.open with every failure turned into an IngestError naming the file."""
    import pdfplumber
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    source = str(path)
    check_pdf_bytes(path, source)
    try:
        pdf = pdfplumber.open(str(path), password=password or "")
        _ = pdf.pages  # forces reading the page tree
    except Exception as exc:  # pdfplumber wraps pdfminer's many exception types
        cause = _root_cause(exc)
        if isinstance(cause, PDFPasswordIncorrect):
            if password:
                raise IngestError(source, "PDF is password-protected and the password given is wrong; "
                                          "pass the right one with {password}", {"password": None}) from exc
            raise IngestError(source, "PDF is password-protected; pass its {password}", {"password": None}) from exc
        if isinstance(cause, PDFEncryptionError):
            raise IngestError(source, f"PDF uses an unsupported encryption: {cause}") from exc
        detail = str(cause) or type(cause).__name__
        raise IngestError(source, f"not a readable PDF (truncated or corrupt): {detail}") from exc
    try:
        yield pdf
    finally:
        pdf.close()


def _release(page: Any) -> None:
    """Drop a processed page's parsed objects so long PDFs do not pile up in memory."""
    close = getattr(page, "close", None)
    if callable(close):
        close()


def _root_cause(exc: BaseException) -> BaseException:
    """The pdfminer exception inside pdfplumber's PdfminerException wrapper."""
    seen = 0
    while seen < 5:
        seen += 1
        inner = exc.args[0] if exc.args and isinstance(exc.args[0], BaseException) else exc.__cause__ or exc.__context__
        if inner is None:
            return exc
        exc = inner
    return exc


def page_chars(page: Any, source: str) -> list[dict]:
    """The characters of a page; a page that cannot be decoded is an IngestError."""
    try:
        return [c for c in page.chars if c.get("text")]
    except Exception as exc:
        raise IngestError(source, f"not a readable PDF (truncated or corrupt): page {page.page_number}: {exc}") from exc


def lines_from_chars(chars: list[dict]) -> list[PdfLine]:
    """Group characters into lines (by top), left to right; a wide gap becomes a space."""
    out: list[PdfLine] = []
    cur: list[dict] = []
    for ch in sorted(chars, key=lambda c: (c["top"], c["x0"])):
        if cur and abs(ch["top"] - cur[0]["top"]) > max(1.0, 0.4 * float(cur[0].get("size", 10))):
            out.append(_make_line(cur))
            cur = []
        cur.append(ch)
    if cur:
        out.append(_make_line(cur))
    return [ln for ln in out if ln.text.strip(" \u3000")]


def _make_line(chars: list[dict]) -> PdfLine:
    chars = sorted(chars, key=lambda c: c["x0"])
    size = max(float(c.get("size", 10)) for c in chars)
    parts: list[str] = []
    prev: dict | None = None
    for ch in chars:
        if prev is not None and ch["x0"] - prev["x1"] > 0.35 * size and prev["text"] != " " and ch["text"] != " ":
            parts.append(" ")
        parts.append(ch["text"])
        prev = ch
    visible = [c for c in chars if c["text"].strip(" \u3000")] or chars
    return PdfLine("".join(parts), visible[0]["x0"], visible[-1]["x1"], min(c["top"] for c in chars),
                   max(c["bottom"] for c in chars), size)


def _is_page_number(line: PdfLine, page: Any) -> bool:
    edge = line.top > page.height * 0.88 or line.bottom < page.height * 0.1
    return edge and page_number_value(line.text) is not None


@dataclass
class PdfSample:
    """What kind detection sees of a PDF: its first pages' text and the ruled tables on them."""

    text: str
    pages: int
    ruled_tables: int = 0
    table_pages: int = 0  # how many of the sampled pages hold a ruled table
    sampled_pages: int = 0
    spread_text: str = ""  # text of the pages sampled after the first ones, spread over the document


@dataclass
class PageText:
    """The lines of one PDF page (from its text layer, or OCR), footer page number apart."""

    page: int  # PDF page index, 1-based
    lines: list[PdfLine]
    printed: int | None = None  # the page number printed in the footer or header
    ocr_confidence: float | None = None  # mean Tesseract word confidence (0-100) when OCR'd
    width: float = 0.0
    height: float = 0.0


@dataclass
class PdfDocument:
    """An open PDF with its source name and OCR setting; each page's lines are computed once."""

    pdf: Any
    source: str
    ocr: bool = True
    warnings: list[str] = field(default_factory=list)
    _texts: dict[int, PageText] = field(default_factory=dict)

    @property
    def pages(self) -> list[Any]:
        return list(self.pdf.pages)

    def page_text(self, page: Any) -> PageText:
        """Lines of a page; a page without a text layer is OCR'd (when OCR is on)."""
        cached = self._texts.get(page.page_number)
        if cached is not None:
            return cached
        chars = page_chars(page, self.source)
        conf: float | None = None
        if chars:
            lines = lines_from_chars(chars)
        elif self.ocr and _has_image(page):
            from .ocr import ocr_page

            lines, conf = ocr_page(page, self.source)
        else:
            lines = []
        printed = None
        kept: list[PdfLine] = []
        for ln in lines:
            if _is_page_number(ln, page):
                printed = page_number_value(ln.text)
            else:
                kept.append(ln)
        pt = PageText(page.page_number, kept, printed, conf, float(page.width), float(page.height))
        self._texts[page.page_number] = pt
        _release(page)
        return pt

    def page_texts(self) -> list[PageText]:
        return [self.page_text(p) for p in self.pdf.pages]

    def has_text(self) -> bool:
        """True when some page has a text layer (or, with OCR on, an image to read)."""
        for page in self.pdf.pages:
            if page_chars(page, self.source):
                return True
        if self.ocr:
            return any(_has_image(p) for p in self.pdf.pages)
        return False

    @property
    def page_labels(self) -> dict[int, int]:
        """PDF page index → printed page number, for pages whose number was found."""
        return {n: t.printed for n, t in sorted(self._texts.items()) if t.printed is not None}

    @property
    def ocr_pages(self) -> dict[int, float]:
        return {n: t.ocr_confidence for n, t in sorted(self._texts.items()) if t.ocr_confidence is not None}

    def text_lines(self, pages: list[int] | None = None) -> list[SrcLine]:
        """Pages as SrcLines (page = PDF page index), footers dropped, indents and gaps marked."""
        out: list[SrcLine] = []
        for page in self.pdf.pages:
            if pages is not None and page.page_number not in pages:
                continue
            out.extend(src_lines(self.page_text(page), self.warnings))
        return out

    def sample(self, n: int = 3, table_pages: int = 12) -> PdfSample:
        """What kind detection looks at: the first n pages' text, and ruled tables on up to
        `table_pages` pages spread over the whole document (tables often start late)."""
        pages = self.pdf.pages
        idx = list(range(min(n, len(pages))))
        extra = table_pages - len(idx)
        if len(pages) > len(idx) and extra > 0:
            step = (len(pages) - len(idx)) / extra
            idx += sorted({len(idx) + int(i * step) for i in range(extra)} - set(idx))
        chunks: list[str] = []
        spread: list[str] = []
        tables = with_tables = 0
        for i in idx:
            page = pages[i]
            found = count_ruled_tables(page)
            tables += found
            with_tables += 1 if found else 0
            (chunks if i < n else spread).append("\n".join(ln.text for ln in self.page_text(page).lines))
        return PdfSample("\n".join(chunks), len(pages), tables, with_tables, len(idx), "\n".join(spread))


def src_lines(pt: PageText, warnings: list[str]) -> list[SrcLine]:
    """One page's lines as SrcLines, with indent, vertical-gap and ran-to-the-margin hints."""
    lines = pt.lines
    if not lines:
        warnings.append(f"page {pt.page} has no text")
        return []
    left = min(ln.x0 for ln in lines)
    right = max(ln.x1 for ln in lines)
    gaps = sorted(b.top - a.bottom for a, b in zip(lines, lines[1:], strict=False))
    usual = gaps[len(gaps) // 2] if gaps else 0.0
    out: list[SrcLine] = []
    prev: PdfLine | None = None
    for ln in lines:
        text = ln.text.strip(" ")
        indent = ln.x0 - left > 0.5 * ln.size or text.startswith("\u3000")
        gap = prev is not None and (ln.top - prev.bottom) > usual + 0.5 * ln.size
        full = right - ln.x1 < 1.5 * ln.size
        out.append(SrcLine(pt.page, text.strip("\u3000 "), indent, gap, full))
        prev = ln
    return out


def _has_image(page: Any) -> bool:
    try:
        return bool(page.images)
    except Exception:
        return False


def count_ruled_tables(page: Any) -> int:
    """Ruled tables (at least 2 rows and 2 columns) on a page, found from its drawn lines."""
    try:
        if not page.edges:
            return 0
        return sum(1 for t in page.find_tables() if len(t.rows) >= 2 and max(len(r.cells) for r in t.rows) >= 2)
    except Exception:
        return 0
