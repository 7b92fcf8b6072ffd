"""PDF route: open safely, rebuild lines from characters, read ruled measures tables."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import IngestError
from ..models import Record
from .lines import SrcLine
from .measures import NO, Cells, MeasureTable, header_map, is_debris_row, measure_number, measures_title
from .textnorm import page_number_value

logging.getLogger("pdfminer").addHandler(logging.NullHandler())
logging.getLogger("pdfplumber").addHandler(logging.NullHandler())

PDF_MAGIC = b"%PDF-"
OCR_HINT = "no text layer (scanned image?); OCR is not done — run OCR first (e.g. ocrmypdf)"


@dataclass
class PdfLine:
    """A line rebuilt from characters, with its geometry."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


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
                                          "pass the right one with --password") from exc
            raise IngestError(source, "PDF is password-protected; pass --password") from exc
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


def text_lines(pdf: Any, source: str, warnings: list[str]) -> list[SrcLine]:
    """All pages as SrcLines (page = PDF page index), footers dropped, indents and gaps marked."""
    out: list[SrcLine] = []
    for page in pdf.pages:
        lines = [ln for ln in lines_from_chars(page_chars(page, source)) if not _is_page_number(ln, page)]
        _release(page)
        if not lines:
            warnings.append(f"page {page.page_number} has no text")
            continue
        left = min(ln.x0 for ln in lines)
        right = max(ln.x1 for ln in lines)
        gaps = sorted(b.top - a.bottom for a, b in zip(lines, lines[1:], strict=False))
        usual = gaps[len(gaps) // 2] if gaps else 0.0
        prev: PdfLine | None = None
        for ln in lines:
            text = ln.text.strip(" ")
            indent = ln.x0 - left > 0.5 * ln.size or text.startswith("\u3000")
            gap = prev is not None and (ln.top - prev.bottom) > usual + 0.5 * ln.size
            full = right - ln.x1 < 1.5 * ln.size
            out.append(SrcLine(page.page_number, text.strip("\u3000 "), indent, gap, full))
            prev = ln
    return out


def first_pages_text(pdf: Any, source: str, n: int = 3) -> str:
    """Text of the first pages, for kind detection."""
    chunks = []
    for page in pdf.pages[:n]:
        chunks.append("\n".join(ln.text for ln in lines_from_chars(page_chars(page, source))))
    return "\n".join(chunks)


def _row_cells(row: Any, chars: list[dict]) -> list[list[tuple[str, bool]] | None]:
    """Lines of every cell of a table row: [(text, ran to the right edge)], None for spanned."""
    top, bottom = row.bbox[1], row.bbox[3]
    inside = [c for c in chars if top <= (c["top"] + c["bottom"]) / 2 <= bottom]
    cells: list[list[tuple[str, bool]] | None] = []
    for bbox in row.cells:
        if bbox is None:
            cells.append(None)
            continue
        # By left edge: punctuation may hang past the cell's right border (burasagari).
        x0, x1 = bbox[0], bbox[2]
        mine = [c for c in inside if x0 - 0.5 <= c["x0"] < x1 - 0.5]
        cells.append([(ln.text.strip(), x1 - ln.x1 < 2.2 * ln.size) for ln in lines_from_chars(mine)])
    return cells


def _table_settings(page: Any) -> dict[str, Any]:
    """Ruled-table settings; close the grid where a row split at the page end has no bottom rule."""
    edges = page.edges
    vertical = [e for e in edges if e["orientation"] == "v"]
    if not vertical:
        return {}
    horizontal = [e["top"] for e in edges if e["orientation"] == "h"]
    extra = [y for y in (max(e["bottom"] for e in vertical), min(e["top"] for e in vertical))
             if not any(abs(y - h) < 1.5 for h in horizontal)]
    return {"explicit_horizontal_lines": extra} if extra else {}


def _flat(cell: list[tuple[str, bool]] | None) -> str:
    return "".join(t for t, _ in cell or [])


def read_measures(pdf: Any, source: str, doc_id: str) -> tuple[str, list[Record], dict, list[str]]:
    """Measures from ruled tables: header per page, section rows, rows stitched over page breaks."""
    table = MeasureTable(doc_id, pdf=True)
    title_lines: list[str] = []
    mapping: dict[int, str] | None = None
    found_header = False
    for page in pdf.pages:
        chars = page_chars(page, source)
        if not chars:
            table.warnings.append(f"page {page.page_number} has no text")
            continue
        try:
            tables = sorted(page.find_tables(_table_settings(page)), key=lambda t: t.bbox[1])
        except Exception as exc:
            reason = f"not a readable PDF (truncated or corrupt): page {page.page_number}: {exc}"
            raise IngestError(source, reason) from exc
        if not found_header and tables:
            above = [c for c in chars if c["bottom"] <= tables[0].bbox[1]]
            title_lines += [ln.text for ln in lines_from_chars(above) if not _is_page_number(ln, page)]
        for tbl in tables:
            for row in tbl.rows:
                cells = _row_cells(row, chars)
                texts = [_flat(c) for c in cells]
                hm = header_map(texts)
                if hm:
                    mapping, found_header = hm, True
                    continue
                if mapping is None or is_debris_row(texts):
                    continue
                _take_row(table, mapping, cells, texts, page.page_number)
        _release(page)
    if not found_header:
        return "", [], {}, ["no measures table header (施策No. / 施策名) found"]
    title, meta = measures_title(title_lines)
    records = table.records()
    return title, records, meta, table.warnings


def _take_row(table: MeasureTable, mapping: dict[int, str], cells: list, texts: list[str], page: int) -> None:
    first = texts[0] if texts else ""
    rest = [t for t in texts[1:] if t.strip()]
    no = measure_number(first)
    if no is None and first.strip() and not rest:
        table.heading(first)
        return
    by_col: Cells = {}
    for i, cell in enumerate(cells):
        col = mapping.get(i)
        if col and col != NO and cell:
            by_col[col] = list(cell)
    if no is not None:
        by_col[NO] = [(first, False)]
        table.start(no, by_col, page)
    elif not first.strip():
        if not table.extend(by_col, page):
            table.warnings.append(f"page {page}: continuation row before any measure skipped")
    else:
        table.warnings.append(f"page {page}: unrecognized row skipped: {first[:30]}")
