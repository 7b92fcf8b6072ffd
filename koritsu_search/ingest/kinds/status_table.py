"""Status tables of measures (施策No., 施策名, … 担当府省庁): rows, headings and merged cells, from text or ruled PDF tables."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ...errors import IngestError
from ...models import MEASURE, MEASURE_COLUMNS, Record
from ..ministries import split_ministries, split_trailing
from ..pdf import PdfDocument, PdfSample, _is_page_number, _release, lines_from_chars, page_chars
from ..textnorm import collapse_ws, find_urls, join_wrapped, normalize_field, normalize_pdf_text
from .base import DocKind, Parsed, ParseFailure
from .status_cells import header_map, heading_level, is_debris_row, measure_number, measures_title, trailing_urls

NO, NAME, OVERVIEW, GOAL, STATUS, REVISION, URL, MINISTRY = MEASURE_COLUMNS
TEXT_COLUMNS = (NAME, OVERVIEW, GOAL, STATUS, REVISION)

Cells = dict[str, list[tuple[str, bool | None]]]  # column → [(line, ran to the right edge)]


def _join(lines: list[tuple[str, bool | None]]) -> str:
    return join_wrapped([t for t, _ in lines], [bool(g) if g is not None else None for _, g in lines])


@dataclass
class _Row:
    no: int
    section: list[str]
    lines: dict[str, list[tuple[str, bool | None]]] = field(default_factory=dict)
    field_pages: dict[str, set[int]] = field(default_factory=dict)
    pages: set[int] = field(default_factory=set)
    merged_tail: bool = False  # text route: URL and ministry merged into the last cell


class MeasureTable:
    """Accumulates headings and (possibly page-split) rows, then builds measure records."""

    def __init__(self, doc_id: str, pdf: bool) -> None:
        self.doc_id = doc_id
        self.pdf = pdf
        self.section: list[str] = []
        self.rows: list[_Row] = []
        self.warnings: list[str] = []

    def heading(self, text: str) -> bool:
        """Take a section row; False when it is not a (1)… or ①… heading."""
        text = normalize_pdf_text(text) if self.pdf else normalize_field(text)
        level = heading_level(text)
        if level == 0:
            self.section = [text]
        elif level == 1:
            self.section = [*self.section[:1], text]
        return level is not None

    def start(self, no: int, cells: Cells, page: int, merged_tail: bool = False) -> None:
        """Begin measure `no`; the same number right after itself is a repeated-number continuation."""
        if self.rows and self.rows[-1].no == no:
            cells = {col: lines for col, lines in cells.items() if col != NO}
            self.extend(cells, page)
            return
        row = _Row(no, list(self.section), merged_tail=merged_tail)
        self.rows.append(row)
        self.extend(cells, page)

    def extend(self, cells: Cells, page: int) -> bool:
        """Append a continuation (empty 施策No.) cell by cell onto the last row."""
        if not self.rows:
            return False
        row = self.rows[-1]
        for col, lines in cells.items():
            lines = [ln for ln in lines if ln[0].strip()]
            if not lines:
                continue
            row.lines.setdefault(col, []).extend(lines)
            row.field_pages.setdefault(col, set()).add(page)
            row.pages.add(page)
        return True

    def records(self) -> list[Record]:
        out: list[Record] = []
        seen: set[int] = set()
        for row in self.rows:
            if row.no in seen:
                self.warnings.append(f"measure {row.no} appears twice; the later row was dropped")
                continue
            seen.add(row.no)
            out.append(self._record(row))
        return out

    def _record(self, row: _Row) -> Record:
        norm = normalize_pdf_text if self.pdf else normalize_field
        fields = {col: norm(_join(row.lines.get(col, []))) for col in MEASURE_COLUMNS}
        fields[NO] = str(row.no)
        pages = {col: set(p) for col, p in row.field_pages.items()}
        _recover_merged(fields, pages, row.merged_tail)
        ministries = split_ministries(fields[MINISTRY])
        urls = find_urls(fields[URL])
        urls += [u for u in find_urls(fields[MINISTRY]) if u not in urls]
        if not fields[NAME]:
            self.warnings.append(f"measure {row.no} has no 施策名")
        if not ministries:
            self.warnings.append(f"measure {row.no} has no 担当府省庁")
        text = "\n".join(fields[c] for c in TEXT_COLUMNS if fields[c])
        return Record(
            record_id=f"{self.doc_id}#m{row.no}",
            kind=MEASURE,
            text=text,
            pages=sorted(row.pages),
            measure_no=row.no,
            measure_name=fields[NAME],
            section=list(row.section),
            ministries=ministries,
            fields=fields,
            field_pages={c: sorted(pages[c]) for c in MEASURE_COLUMNS if pages.get(c)},
            urls=urls,
        )


def _recover_merged(fields: dict[str, str], pages: dict[str, set[int]], merged_tail: bool) -> None:
    """Put URL and ministry text back in their own columns after a merged or shifted cell."""
    if merged_tail:
        # 7-cell row: the last cell (read as 担当府省庁) holds URL text + ministry names, and a URL
        # may have slipped onto the end of the revision cell.
        before, names = split_trailing(fields[MINISTRY])
        extra = [before] if before else []
        at = trailing_urls(fields[REVISION])
        if at is not None:
            extra.insert(0, fields[REVISION][at:].strip())
            fields[REVISION] = fields[REVISION][:at].rstrip()
        fields[URL] = " ".join([*filter(None, [fields[URL]]), *extra])
        fields[MINISTRY] = names if names else fields[MINISTRY]
        if extra:
            pages.setdefault(URL, set()).update(pages.get(MINISTRY, set()))
        return
    if not fields[MINISTRY] and fields[URL]:
        # The ministry slipped into the URL column (rows 9, 13, 137, 138 of the seed).
        before, names = split_trailing(fields[URL])
        if names:
            fields[URL] = before
            fields[MINISTRY] = names
            pages[MINISTRY] = set(pages.get(URL, set()))
            if not before:
                pages.pop(URL, None)
        return
    if "://" in fields[MINISTRY]:
        # URL and ministry merged into the ministry column.
        before, names = split_trailing(fields[MINISTRY])
        if names and before:
            fields[URL] = " ".join(filter(None, [fields[URL], before]))
            fields[MINISTRY] = names
            pages.setdefault(URL, set()).update(pages.get(MINISTRY, set()))


def parse_measures_text(raw: list[tuple[int, str]], doc_id: str) -> tuple[str, list[Record], dict, list[str]]:
    """Parse a tab-separated measures export: (title, records, metadata, warnings)."""
    table = MeasureTable(doc_id, pdf=False)
    title_lines: list[str] = []
    mapping: dict[int, str] | None = None
    for page, line in raw:
        if not line.strip():
            continue
        cells = line.rstrip("\r\n").split("\t")
        if mapping is None:
            mapping = header_map(cells)
            if mapping is None:
                title_lines.append(line)
            continue
        if header_map(cells) or is_debris_row(cells):
            continue
        no = measure_number(cells[0])
        rest = [c for c in cells[1:] if normalize_field(c)]
        if no is None and normalize_field(cells[0]) and not rest:
            if not table.heading(cells[0]):
                table.warnings.append(f"page {page}: unrecognized line skipped: {collapse_ws(line)[:40]}")
            continue
        merged = len(cells) == len(MEASURE_COLUMNS) - 1
        if len(cells) > len(MEASURE_COLUMNS):
            cells = [*cells[:7], " ".join(cells[7:])]
        if merged:
            cols = [c for c in MEASURE_COLUMNS if c != URL]
            by_col: Cells = {col: [(cells[i], None)] for i, col in enumerate(cols)}
        else:
            by_col = {mapping.get(i, MEASURE_COLUMNS[i]): [(c, None)] for i, c in enumerate(cells)}
        if no is not None:
            table.start(no, by_col, page, merged_tail=merged)
        elif not normalize_field(cells[0]) and table.rows:
            table.extend(by_col, page)
        else:
            table.warnings.append(f"page {page}: unrecognized row skipped: {collapse_ws(line)[:40]}")
    if mapping is None:
        return "", [], {}, ["no measures table header (施策No. / 施策名) found"]
    title, meta = measures_title(title_lines)
    records = table.records()
    return title, records, meta, table.warnings


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


def read_measures(pdfdoc: PdfDocument, doc_id: str) -> tuple[str, list[Record], dict, list[str]]:
    """Measures from ruled tables: header per page, section rows, rows stitched over page breaks."""
    table = MeasureTable(doc_id, pdf=True)
    title_lines: list[str] = []
    mapping: dict[int, str] | None = None
    found_header = False
    source = pdfdoc.source
    for page in pdfdoc.pdf.pages:
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


_TAB_HEADER = re.compile(r"[\s\u3000]+")


def _squash(text: str) -> str:
    return _TAB_HEADER.sub("", text)


class StatusTable(DocKind):
    """A table of measures with their status (施策No., 施策名, … 目標の達成状況, 担当府省庁)."""

    name = "measures"
    aliases = ("status_table",)
    description = "measures status table (施策No. / 施策名 columns)"

    def detect_text(self, text: str) -> float:
        for line in text[:200_000].splitlines()[:400]:
            cells = [_squash(c) for c in line.split("\t")]
            if any(c.startswith("施策No") for c in cells) and "施策名" in cells:
                return 1.0
        return 0.0

    def detect_pdf(self, sample: PdfSample) -> float:
        # Header cells may wrap inside their cell, so look at the text with spaces removed.
        flat = _squash(sample.text)
        if "施策名" in flat and ("担当府省庁" in flat or "施策の概要" in flat) and "施策N" in flat:
            return 0.95 if sample.ruled_tables else 0.6
        return 0.0

    def parse_text(self, raw: list[tuple[int, str]], doc_id: str) -> Parsed:
        title, records, meta, warnings = parse_measures_text(raw, doc_id)
        if not records and not title:
            raise ParseFailure("no measures table found (header row with 施策No. and 施策名)")
        return Parsed(title, records, meta, warnings)

    def parse_pdf(self, pdf: PdfDocument, doc_id: str) -> Parsed:
        title, records, meta, warnings = read_measures(pdf, doc_id)
        if not records and not title:
            raise ParseFailure("no measures table found (header row with 施策No. and 施策名)")
        return Parsed(title, records, meta, warnings)
