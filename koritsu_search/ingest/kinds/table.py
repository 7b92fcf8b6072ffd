"""Ruled tables in any PDF: one record per row, fields keyed by the header text.

Reading a page: pdfplumber finds the ruled tables (from the drawn lines); every cell's text is
rebuilt from the characters inside the cell's box (pdfplumber's own text may give a border
character to the wrong cell); the lines outside the tables stay prose and go through the prose
parser, so paragraphs and rows come out in reading order. The grids themselves are read by
`table_grid`; this module turns them into tables and records.

Rules, in the order they apply:

* A table is at least 2 rows by 2 columns. A one-cell layout box, a one-column box and a
  one-row strip are not tables: their text stays prose (a one-row strip at the top of a page
  that carries on the table of the previous page is the exception: it is that table's tail).
* Header (by evidence, see `table_header`): the first row when its cells read like column names
  (short, no sentence end) and none is shaped like its column's data below (a number over
  numbers, a value recurring down the column); the second row too when the first has a cell
  spanning several columns and the second names the children rather than holding data (the keys
  become ``parent / child``; a parent with no child labels numbers its columns ``parent / 1``,
  ``parent / 2``; a header cell spanning both rows gives its own text). Columns without a header
  text are ``列N``.
* No header (forms): a two-column table is read as label / value pairs (the first column is the
  key of the second); a wider table keys its columns ``列1``, ``列2`` ….
* A table at the top of a page with the same columns as the table that ended the previous page
  (no prose between) continues it: a repeat of the header is dropped (the first occurrence gave
  the keys), and its first row is appended to the last row when that row was cut by the page
  break (see `_continues`).
* A cell spanning several rows (a group label) gives its text to every row it spans; a cell
  spanning several columns gives its text to the first of them. Rows with no letters or digits
  (blank, ``・・・``) are dropped.
* Section: the short line right above a table (``表 ○○の一覧``), when there is one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ...models import ROW, Document, Record
from ..lines import SrcLine
from ..pdf import PageText, PdfDocument, PdfLine, PdfSample, page_chars, src_lines
from ..textnorm import ends_sentence, normalize_pdf_text
from .base import DocKind, Parsed, PassagePart, RecordKind
from .prose import generic_title, parse_generic
from .table_grid import Lines, _join, _Part, page_parts
from .table_header import SEP, has_content, header_keys, header_rows, value_shape

HEADING_MAX = 60  # characters: a longer line above a table is prose, not its caption
_COL_TOL = 3.0  # points: column lines of two table parts closer than this match


@dataclass
class _Row:
    """A table row being built: each column's lines and pages; own = not filled from a span."""

    cells: dict[int, Lines] = field(default_factory=dict)
    pages: dict[int, set[int]] = field(default_factory=dict)
    own: set[int] = field(default_factory=set)
    src: list[int] = field(default_factory=list)  # the grid rows it was read from

    def add(self, col: int, lines: Lines, page: int, own: bool) -> None:
        lines = [ln for ln in lines if ln[0]]
        if not lines:
            return
        self.cells.setdefault(col, []).extend(lines)
        self.pages.setdefault(col, set()).add(page)
        if own:
            self.own.add(col)

    def text(self, col: int) -> str:
        return _join(self.cells.get(col, []))

    def all_pages(self) -> list[int]:
        return sorted(set().union(*self.pages.values())) if self.pages else []


def _grid_row(part: _Part, r: int) -> _Row:
    row = _Row(src=[r])
    for j, cell in enumerate(part.grid[r]):
        if cell is None or cell.col != j:
            continue  # nothing here, or the text of a cell spanning from the left
        row.add(j, cell.lines, part.page, own=cell.row == r)
    return row


def _cut(row: _Row, col: int) -> bool:
    """True when the column's text in row stops mid-sentence at the right edge (a page break)."""
    lines = row.cells.get(col)
    return bool(lines and lines[-1][1] and not ends_sentence(lines[-1][0]))


def _continues(prev: _Row, row: _Row) -> bool:
    """Is row (first row of a table part after a page break) the rest of prev?

    Yes when the first column continues (its text in prev was cut mid-sentence at the cell's
    edge and both are text, not a number or code filling a narrow cell), or when the first cell is empty and the row is the tail of prev: some column of prev
    was cut and goes on here, or the row fills fewer columns than prev (the short cells of a
    split row were finished on the previous page). A row whose first cell is filled from a
    group label spanning rows is a new row.
    """
    if 0 in row.cells and 0 not in row.own:
        return False
    if 0 in row.cells:
        # A number, date or code that fills a narrow cell is whole: only text runs on.
        return _cut(prev, 0) and value_shape(prev.text(0)) == value_shape(row.text(0)) == "text"
    if any(_cut(prev, j) and j in row.own for j in row.cells):
        return True
    return len([j for j in row.own if j]) < len([j for j in prev.cells if j])


@dataclass
class _Table:
    """A table across its parts (pages): keys, section and rows."""

    keys: list[str]
    header: list[list[str]]  # texts of the header rows, to drop their repeats
    cols: list[float]
    pairs: bool  # no header, two columns: label / value
    section: list[str]
    rows: list[_Row] = field(default_factory=list)
    last_page: int = 0
    last_part: _Part | None = None

    def take(self, part: _Part, first_row: int, continued: bool) -> None:
        r = first_row
        while r < part.nrows and continued and part.texts(r) in self.header:
            r += 1  # the header repeated at the top of the page
        # No rule between the two parts: the page break cut the row in two.
        open_bottom = self.last_part is not None and self.last_part.open_bottom
        cut_open = continued and r == first_row and (part.open_top or open_bottom)
        for i in range(r, part.nrows):
            texts = part.texts(i)
            if texts in self.header:
                continue
            row = _grid_row(part, i)
            if continued and i == r and self.rows and (cut_open or _continues(self.rows[-1], row)):
                prev = self.rows[-1]
                for j, lines in row.cells.items():
                    prev.add(j, lines, part.page, own=j in row.own)
                prev.src.extend(row.src)
                continue
            if not any(has_content(row.text(j)) for j in row.cells):
                continue
            self.rows.append(row)
        self.last_page = part.page
        self.last_part = part

    def fields(self, row: _Row) -> dict[str, str]:
        if self.pairs:
            label, value = row.text(0).rstrip("：:").strip(), row.text(1)
            if label and value:
                return {label: value}
            return {"列1": label} if label else {"列2": value}
        out: dict[str, str] = {}
        for j, key in enumerate(self.keys):
            value = row.text(j)
            if key in out:
                out[key] = " ".join(v for v in (out[key], value) if v)
            else:
                out[key] = value
        return out

    def field_pages(self, row: _Row) -> dict[str, list[int]]:
        if self.pairs:
            pages = set().union(*row.pages.values()) if row.pages else set()
            return {k: sorted(pages) for k in self.fields(row)}
        out: dict[str, set[int]] = {}
        for j, pages in row.pages.items():
            if j < len(self.keys):
                out.setdefault(self.keys[j], set()).update(pages)
        return {k: sorted(v) for k, v in out.items()}


def _compatible(a: list[float], b: list[float]) -> bool:
    return len(a) == len(b) and all(abs(x - y) <= _COL_TOL for x, y in zip(a, b, strict=True))


def table_records(t: _Table, doc_id: str, start: int,
                  locate: Callable[[list[int]], str] | None = None) -> list[Record]:
    """One record per filled row of t, numbered from start; locate names a row's source rows."""
    records: list[Record] = []
    for row in t.rows:
        fields = t.fields(row)
        text = row_text(fields)
        if not text:
            continue
        records.append(Record(
            record_id=f"{doc_id}#t{start + len(records):04d}", kind=ROW, text=text, pages=row.all_pages(),
            section=list(t.section), fields=fields, field_pages=t.field_pages(row),
            locator=locate(row.src) if locate is not None else None,
        ))
    return records


def part_records(part: _Part, doc_id: str, start: int, section: list[str],
                 locate: Callable[[list[int]], str] | None = None) -> list[Record]:
    """The rows of a table found whole (a sheet, a Word or HTML table), keyed by its header."""
    nhead = header_rows(part)
    keys = header_keys(part, nhead)
    t = _Table(keys, [part.texts(r) for r in range(nhead)], part.cols, nhead == 0 and part.ncols == 2, section)
    t.take(part, nhead, continued=False)
    return table_records(t, doc_id, start, locate)


def row_text(fields: dict[str, str]) -> str:
    """'header: value / header: value' over the filled fields."""
    return SEP.join(f"{k}: {v}" for k, v in fields.items() if v)


# --------------------------------------------------------------------------- the document


def _heading(line: PdfLine | None, part: _Part) -> list[str]:
    """The short line right above a table (its caption), as a section."""
    if line is None or part.bbox[1] - line.bottom > 3 * line.size:
        return []
    text = normalize_pdf_text(line.text)
    # A closing bracket may end a caption (表 原材料規格（その１）); a full stop may not.
    if not text or len(text) > HEADING_MAX or text.endswith(("。", "．")) or text.startswith(("※", "＊", "*")):
        return []
    return [text]


class _Reader:
    """Walks the pages: prose lines collect into segments, tables into rows, in reading order."""

    def __init__(self, pdf: PdfDocument, doc_id: str) -> None:
        self.pdf = pdf
        self.doc_id = doc_id
        self.records: list[Record] = []
        self.prose: list[SrcLine] = []  # all prose lines, for the title
        self.segment: list[SrcLine] = []  # prose lines since the last table
        self.table: _Table | None = None  # the open table (no prose after it yet)
        self.tables = 0
        self.rows = 0
        self.paras = 0
        self.warnings: list[str] = []

    def run(self) -> Parsed:
        for page in self.pdf.pdf.pages:
            self.page(page)
        self.close_table()
        self.flush_prose()
        title = generic_title(self.prose)
        if not title and self.records:
            first = self.records[0]
            title = (first.section or [next((v for v in first.fields.values() if v), "")])[0]
        if not self.records:
            self.warnings.append("no text found")
        elif not self.tables:
            self.warnings.append("no ruled tables found; read as prose")
        meta = {"tables": self.tables, "table_rows": self.rows}
        return Parsed(title, self.records, meta, self.warnings)

    # -- one page

    def page(self, page: Any) -> None:
        chars = page_chars(page, self.pdf.source)
        parts = page_parts(page, chars, self.pdf.source) if chars else []
        pt = self.pdf.page_text(page)  # after the tables: it releases the page's objects
        if not pt.lines:
            src_lines(pt, self.pdf.warnings)  # records the "page N has no text" warning
            return
        kept: list[_Part] = []
        for n, part in enumerate(parts):
            # A one-row strip is a table only as the tail of the table of the previous page.
            if part.nrows >= 2 or (n == 0 and self._carries_on(part, pt)):
                kept.append(part)
        outside = [ln for ln in pt.lines if not any(p.contains(ln) for p in kept)]
        srcs = src_lines(PageText(pt.page, outside, pt.printed, pt.ocr_confidence, pt.width, pt.height),
                         self.pdf.warnings) if outside else []
        items: list[tuple[float, int, Any]] = [(p.bbox[1], 0, p) for p in kept]
        items += [(ln.top, 1, (ln, src)) for ln, src in zip(outside, srcs, strict=True)]
        above: PdfLine | None = None
        for _, kind, item in sorted(items, key=lambda it: (it[0], it[1])):
            if kind == 1:
                ln, src = item
                self.close_table()
                self.segment.append(src)
                self.prose.append(src)
                above = ln
            else:
                self.part(item, pt, above)
                above = None

    def _carries_on(self, part: _Part, pt: PageText) -> bool:
        """True when part, first on its page with no text above it, continues the open table."""
        t = self.table
        if t is None or t.last_page >= part.page or not _compatible(t.cols, part.cols):
            return False
        return not any(ln.bottom <= part.bbox[1] + 1 for ln in pt.lines)

    def part(self, part: _Part, pt: PageText, above: PdfLine | None) -> None:
        if self.table is not None and self._carries_on(part, pt):
            self.table.take(part, 0, continued=True)
            return
        self.close_table()
        self.flush_prose()
        nhead = header_rows(part)
        pairs = nhead == 0 and part.ncols == 2
        keys = header_keys(part, nhead)
        header = [part.texts(r) for r in range(nhead)]
        self.table = _Table(keys, header, part.cols, pairs, _heading(above, part))
        self.table.take(part, nhead, continued=False)

    # -- emitting records

    def close_table(self) -> None:
        t, self.table = self.table, None
        if t is None:
            return
        self.tables += 1
        records = table_records(t, self.doc_id, self.rows + 1)
        self.rows += len(records)
        self.records.extend(records)

    def flush_prose(self) -> None:
        lines, self.segment = self.segment, []
        if not lines:
            return
        _, records, _, _ = parse_generic(lines, self.doc_id)
        for rec in records:
            self.paras += 1
            rec.record_id = f"{self.doc_id}#p{self.paras:04d}"
            self.records.append(rec)


class Table(DocKind):
    """A PDF whose content is (mostly) ruled tables; prose around the tables stays prose."""

    name = "table"
    description = "ruled tables (one record per row, keyed by the header)"

    def detect_pdf(self, sample: PdfSample) -> float:
        # Below the specific kinds (measures 0.95, minutes 0.9), which may hold tables too.
        if not sample.ruled_tables or not sample.sampled_pages:
            return 0.0
        share = min(1.0, sample.table_pages / sample.sampled_pages)
        return round(0.5 + 0.3 * share, 3)

    def parse_pdf(self, pdf: PdfDocument, doc_id: str) -> Parsed:
        return _Reader(pdf, doc_id).run()


class RowRecord(RecordKind):
    """A table row: 'header: value / header: value' so it can be found and cited by its values."""

    name = ROW
    label = "表の行 / Table row"
    nouns = ("table row", "table rows")
    columns = True

    def passages(self, doc: Document, rec: Record) -> list[PassagePart]:
        page = rec.pages[0] if rec.pages else None
        head = " ".join([doc.title, *rec.section[-1:]]).strip()
        return [PassagePart(None, page, rec.text, f"{head}: {rec.text}")]

    def title(self, rec: Record, doc_title: str = "", page: int | None = None) -> str:
        first = next((v for v in rec.fields.values() if v), "")
        return f"{doc_title} — {first[:40]}" if first else doc_title

    def outline(self, rec: Record) -> str:
        return rec.text[:100]


__all__ = ["RowRecord", "Table", "header_keys", "header_rows", "page_parts", "part_records", "row_text", "table_records"]
