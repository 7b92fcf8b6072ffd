"""Structured sources (Excel, Word, HTML) through the same kinds as text and PDF: lines to the text
kinds, tables to header-keyed rows, every record located the way its source names places."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import IngestError
from ..models import Record
from .choose import parse_detected
from .formats import Extract, FormatError, Grid, Line, Part, SourceFormat
from .formats.xlsx import column_letter
from .kinds import DOC_KINDS, FALLBACK, DocKind, Parsed, detect_text
from .kinds.table import part_records
from .kinds.table_grid import _Cell, _Part
from .lines import paginate
from .locate import locate_lines

TABLE = "table"


@dataclass
class _Collected:
    records: list[Record] = field(default_factory=list)
    kinds: list[DocKind] = field(default_factory=list)
    titles: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    metadata: dict[str, object] = field(default_factory=dict)
    rows: int = 0


def read_structured(
    fmt: SourceFormat, data: bytes, source: str, forced: DocKind | None, doc_id: str, max_bytes: int | None
) -> tuple[DocKind, Parsed, int]:
    """Read data in fmt into the kinds' records; IngestError naming the source when unreadable."""
    try:
        extract = fmt.read(data, max_bytes)
    except FormatError as exc:
        raise IngestError(source, str(exc)) from exc
    out = _Collected(warnings=list(extract.warnings), metadata={"format": fmt.name, **extract.metadata})
    pending: list[Line] = []  # paragraphs up to the next table: parsed together, so sections run on
    for n, part in enumerate(extract.parts):
        if part.grid is None:
            pending.extend(part.lines)
            continue
        if not part.paragraphs:  # a sheet: read as text when a text kind recognises its rows (a status table)
            kind = forced if forced is not None and forced.name != TABLE else detect_text(_join(part.lines, False)[0])
            if kind is not DOC_KINDS[FALLBACK]:
                _lines(out, part.lines, False, kind, source, _sheet_id(doc_id, n))
                continue
        _grid(out, part.grid, doc_id)
    if pending:
        _lines(out, pending, True, forced, source, doc_id)
    if not out.records:
        raise IngestError(source, "no text found in the document")
    chosen = _chosen(out.kinds)
    title = next((t for t in out.titles if t), "") if chosen.name != TABLE else ""
    return chosen, Parsed(title or extract.title, out.records, out.metadata, out.warnings), extract.pages


def _sheet_id(doc_id: str, n: int) -> str:
    return doc_id if n == 0 else f"{doc_id}.{n + 1}"


def _chosen(kinds: list[DocKind]) -> DocKind:
    """The document's kind: the most specific kind any part was read as (a status sheet makes a workbook one)."""
    order = list(DOC_KINDS.values())
    return min(kinds, key=order.index) if kinds else DOC_KINDS[FALLBACK]


def _join(lines: list[Line], paragraphs: bool) -> tuple[str, list[str]]:
    """The lines as one text, and the locator of each of its 1-based lines (index 0 unused)."""
    texts: list[str] = []
    where: list[str] = [""]
    for ln in lines:
        if paragraphs and texts:
            texts.append("")
            where.append(where[-1])
        texts.append(ln.text.replace("\n", " "))
        where.append(ln.locator)
    return "\n".join(texts) + "\n", where


def _lines(out: _Collected, lines: list[Line], paragraphs: bool, forced: DocKind | None, source: str,
           doc_id: str) -> None:
    text, where = _join(lines, paragraphs)
    if not text.strip():
        return
    raw, _ = paginate(text)
    kind, parsed = parse_detected(forced, detect_text(text), source, lambda k: k.parse_text(raw, doc_id))
    locate_lines(text, parsed.records)
    for rec in parsed.records:
        if rec.line is not None and rec.line < len(where):
            rec.locator = where[rec.line] or None
        rec.line = None  # a line of this rendering, not of the file: the locator says where
        rec.pages = []
        rec.page_offsets = []
        rec.field_pages = {}
    out.records.extend(parsed.records)
    out.kinds.append(kind)
    out.titles.append(parsed.title)
    out.warnings.extend(parsed.warnings)
    for key, value in parsed.metadata.items():
        out.metadata.setdefault(key, value)


def _grid(out: _Collected, grid: Grid, doc_id: str) -> None:
    part = grid_part(grid)
    records = part_records(part, doc_id, out.rows + 1, list(grid.section), lambda rows: grid_locator(grid, rows))
    for rec in records:
        rec.pages = []
        rec.field_pages = {}
    out.rows += len(records)
    out.records.extend(records)
    out.kinds.append(DOC_KINDS[TABLE])


def grid_locator(grid: Grid, rows: list[int]) -> str:
    """"名簿!A5:H7" for a sheet (Excel's own row and column names), "表2 行3–4" for a Word or HTML table."""
    first, last = min(rows), max(rows)
    if grid.cell_names:
        left, right = column_letter(grid.col_offset + 1), column_letter(grid.col_offset + grid.ncols)
        return f"{grid.name}!{left}{first + grid.row_offset + 1}:{right}{last + grid.row_offset + 1}"
    rows_text = f"{first + 1}" if first == last else f"{first + 1}–{last + 1}"
    return f"{grid.name} 行{rows_text}".strip()


def grid_part(grid: Grid) -> _Part:
    """A source's table as the grid the table kind reads (one column line per column, no geometry)."""
    matrix: list[list[_Cell | None]] = [[None] * grid.ncols for _ in range(grid.nrows)]
    for gc in grid.cells:
        cell = _Cell(gc.row, gc.col, gc.rspan, gc.cspan, [(gc.text, False)] if gc.text else [], gc.text)
        for r in range(gc.row, min(gc.row + gc.rspan, grid.nrows)):
            for c in range(gc.col, min(gc.col + gc.cspan, grid.ncols)):
                if matrix[r][c] is None:
                    matrix[r][c] = cell
    return _Part(1, (0.0, 0.0, float(grid.ncols), float(grid.nrows)), [float(c) for c in range(grid.ncols + 1)], matrix)


__all__ = ["Extract", "Part", "grid_locator", "grid_part", "read_structured"]
