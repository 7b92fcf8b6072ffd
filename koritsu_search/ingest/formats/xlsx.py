"""Excel workbooks (.xlsx): every sheet as a grid of cells (merged cells as spans) and as tab-separated lines."""

from __future__ import annotations

import datetime as dt
import io
import warnings
from typing import Any

from .base import Extract, FormatError, Grid, GridCell, Line, Part
from .ooxml import OfficePackage, check_package

TITLE_MAX = 80


def column_letter(n: int) -> str:
    """1 → A, 27 → AA."""
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def cell_text(value: Any) -> str:
    """A cell value as shown: whole numbers without .0, dates as ISO, text with its line breaks folded."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    text = str(value).replace("\r\n", "\n").replace("\r", "\n")
    return " ".join(part.strip() for part in text.split("\n") if part.strip())


def _sheet_part(ws: Any) -> Part | None:
    """A sheet's filled range as a grid and as tab-separated lines (None for an empty sheet)."""
    values: dict[tuple[int, int], str] = {}
    for row in ws.iter_rows():
        for c in row:
            text = cell_text(c.value)
            if text:
                values[(c.row, c.column)] = text
    if not values:
        return None
    spans: dict[tuple[int, int], tuple[int, int]] = {}
    covered: set[tuple[int, int]] = set()
    for rng in ws.merged_cells.ranges:
        spans[(rng.min_row, rng.min_col)] = (rng.max_row - rng.min_row + 1, rng.max_col - rng.min_col + 1)
        covered.update((r, c) for r in range(rng.min_row, rng.max_row + 1) for c in range(rng.min_col, rng.max_col + 1))
    top = min(r for r, _ in values)
    bottom = max(r for r, _ in values)
    left = min(c for _, c in values)
    right = max(c for _, c in values)
    for (r, c), (rs, cs) in spans.items():
        if (r, c) in values:
            bottom, right = max(bottom, r + rs - 1), max(right, c + cs - 1)
    name = ws.title
    # Rows at the top with one value (a title, a unit) caption the table: its grid starts below them.
    caption: list[str] = []
    start = top
    while start < bottom and sum(1 for c in range(left, right + 1) if (start, c) in values) <= 1:
        caption.extend(values[(start, c)] for c in range(left, right + 1) if (start, c) in values)
        start += 1
    lines = [Line("\t".join(values.get((r, c), "") for c in range(left, right + 1)).rstrip("\t"),
                  f"{name}!{column_letter(left)}{r}:{column_letter(right)}{r}")
             for r in range(top, bottom + 1)]
    cells = []
    for r in range(start, bottom + 1):
        for c in range(left, right + 1):
            if (r, c) in covered and (r, c) not in spans:
                continue
            rs, cs = spans.get((r, c), (1, 1))
            rs, cs = min(rs, bottom - r + 1), min(cs, right - c + 1)
            cells.append(GridCell(r - start, c - left, values.get((r, c), ""), rs, cs))
    grid = Grid(bottom - start + 1, right - left + 1, cells, section=caption[:1], name=name, row_offset=start - 1,
                col_offset=left - 1, cell_names=True)
    return Part(lines=[ln for ln in lines if ln.text], grid=grid, name=name, paragraphs=False)


class Xlsx(OfficePackage):
    """An Excel workbook: one part per sheet that holds anything (hidden sheets included, as Excel keeps them)."""

    name = "xlsx"
    suffixes = (".xlsx", ".xlsm")
    description = "Excel workbook (.xlsx): a status table by 施策No., or header-keyed rows per sheet"

    def read(self, data: bytes, max_bytes: int | None) -> Extract:
        check_package(data, max_bytes, "xl/workbook.xml", ".xlsx")
        from openpyxl import load_workbook

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl warns about unsupported extensions it skips
                wb = load_workbook(io.BytesIO(data), data_only=True)
        except Exception as exc:  # openpyxl raises many types on damaged workbooks
            raise FormatError(f"not a readable .xlsx workbook: {type(exc).__name__}: {exc}") from exc
        parts = [p for ws in wb.worksheets if (p := _sheet_part(ws)) is not None]
        if not parts:
            raise FormatError("no cell holds any value (an empty workbook)")
        title = str(wb.properties.title or "").strip()
        if not title:  # a title row above the table (one filled cell), else the sheet's name
            first = [t for t in parts[0].lines[0].text.split("\t") if t]
            title = first[0] if len(first) == 1 else parts[0].name
        return Extract(title[:TITLE_MAX], parts, pages=len(wb.worksheets), metadata={"sheets": [p.name for p in parts]})
