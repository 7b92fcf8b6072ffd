"""Ruled-table grids from pdfplumber pages: cells, spans, cell text, grids left open by a page break."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ...errors import IngestError
from ..pdf import PdfLine, lines_from_chars
from ..textnorm import join_wrapped, normalize_pdf_text

_TOL = 1.0  # points: cell edges closer than this are the same grid line
Lines = list[tuple[str, bool]]  # a cell's lines: (text, ran to the cell's right edge)


@dataclass
class _Cell:
    """A cell of a table part: its grid position, span and text lines."""

    row: int
    col: int
    rspan: int
    cspan: int
    lines: Lines
    text: str


@dataclass
class _Part:
    """One ruled table as found on one page."""

    page: int
    bbox: tuple[float, float, float, float]
    cols: list[float]  # the x of every column line, left to right (the right border last)
    grid: list[list[_Cell | None]]  # grid[row][col] = the cell covering that slot
    open_top: bool = False  # no rule at the top: the page break cut it
    open_bottom: bool = False

    @property
    def nrows(self) -> int:
        return len(self.grid)

    @property
    def ncols(self) -> int:
        return len(self.cols) - 1

    def texts(self, r: int) -> list[str]:
        """The text of each column in row r ('' for a slot spanned from the left or above)."""
        return [c.text if c is not None and c.row == r and c.col == j else "" for j, c in enumerate(self.grid[r])]

    def contains(self, ln: PdfLine) -> bool:
        x0, top, x1, bottom = self.bbox
        mid = (ln.top + ln.bottom) / 2
        return top - 1 <= mid <= bottom + 1 and ln.x0 < x1 and ln.x1 > x0


def _cluster(values: list[float]) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if not out or v - out[-1] > _TOL:
            out.append(v)
    return out


def _index(lines: list[float], v: float) -> int:
    return min(range(len(lines)), key=lambda i: abs(lines[i] - v))


def _cell_lines(bbox: tuple[float, float, float, float], chars: list[dict]) -> Lines:
    """Lines of the characters inside a cell: by their middle vertically, by their left edge
    horizontally (punctuation may hang past the right border)."""
    x0, top, x1, bottom = bbox
    mine = [c for c in chars if top <= (c["top"] + c["bottom"]) / 2 <= bottom and x0 - 0.5 <= c["x0"] < x1 - 0.5]
    lines = lines_from_chars(mine)
    if not lines:
        return []
    # A line ran to the edge when it ends within the cell padding (the smallest left gap) plus
    # about one character, and fills most of the cell: a short or centred value does not.
    pad = max(0.0, min(ln.x0 for ln in lines) - x0)
    inner = max(1.0, x1 - x0 - 2 * pad)
    return [(ln.text.strip(), x1 - ln.x1 < pad + 1.2 * ln.size and ln.x1 - ln.x0 >= 0.6 * inner) for ln in lines]


def _join(lines: Lines) -> str:
    return normalize_pdf_text(join_wrapped([t for t, _ in lines], [g for _, g in lines]))


def _part(table: Any, chars: list[dict], page: int, added: list[dict]) -> _Part | None:
    """A pdfplumber table as a grid of cells, or None when it has no cells."""
    boxes: list[tuple[float, float, float, float]] = [(float(c[0]), float(c[1]), float(c[2]), float(c[3])) for c in table.cells]
    if not boxes:
        return None
    xs = _cluster([b[0] for b in boxes])
    ys = _cluster([b[1] for b in boxes])
    x0, top, x1, bottom = (float(v) for v in table.bbox)
    cols = [*xs, x1]
    grid: list[list[_Cell | None]] = [[None] * len(xs) for _ in ys]
    inside = [c for c in chars if top - 1 <= (c["top"] + c["bottom"]) / 2 <= bottom + 1 and x0 - 1 <= c["x0"] <= x1]
    for box in sorted(boxes, key=lambda b: (b[1], b[0])):
        r, c = _index(ys, box[1]), _index(xs, box[0])
        rspan = max(1, sum(1 for y in ys if box[1] - _TOL <= y < box[3] - _TOL))
        cspan = max(1, sum(1 for x in xs if box[0] - _TOL <= x < box[2] - _TOL))
        lines = _cell_lines(box, inside)
        cell = _Cell(r, c, rspan, cspan, lines, _join(lines))
        for i in range(r, min(r + rspan, len(ys))):
            for j in range(c, min(c + cspan, len(xs))):
                if grid[i][j] is None:
                    grid[i][j] = cell
    part = _Part(page, (x0, top, x1, bottom), cols, grid)
    for line in added:
        near_x = line["x0"] - 2 <= x0 and line["x1"] + 2 >= x1
        part.open_top = part.open_top or (near_x and abs(line["top"] - top) < 1.5)
        part.open_bottom = part.open_bottom or (near_x and abs(line["top"] - bottom) < 1.5)
    return part


def _closing_lines(page: Any) -> list[dict]:
    """Rules to add where a grid cut by a page break has no top or bottom rule.

    When two or more vertical rules end at the lowest (or start at the highest) point of the
    page's rules and no horizontal rule closes them, a row runs over the page break; without
    a closing rule pdfplumber would drop that row (its text would read as prose).
    """
    edges = page.edges
    vertical = [e for e in edges if e["orientation"] == "v"]
    if len(vertical) < 2:
        return []
    horizontal = [e for e in edges if e["orientation"] == "h"]
    added: list[dict] = []
    for end, key in ((max(e["bottom"] for e in vertical), "bottom"), (min(e["top"] for e in vertical), "top")):
        ending = [e for e in vertical if abs(e[key] - end) < 1.5]
        if len(ending) < 2:
            continue
        x0, x1 = min(e["x0"] for e in ending), max(e["x1"] for e in ending)
        covered = sum(max(0.0, min(h["x1"], x1) - max(h["x0"], x0)) for h in horizontal if abs(h["top"] - end) < 1.5)
        if covered < 0.9 * (x1 - x0):
            added.append({"object_type": "line", "x0": x0, "x1": x1, "top": end, "bottom": end,
                          "width": x1 - x0, "height": 0.0})
    return added


def page_parts(page: Any, chars: list[dict], source: str) -> list[_Part]:
    """The ruled tables of a page (2+ columns; one-row strips kept, the caller decides), top first."""
    try:
        if not page.edges:
            return []
        added = _closing_lines(page)
        found = page.find_tables({"explicit_horizontal_lines": added} if added else {})
    except Exception as exc:  # pdfplumber/pdfminer raise many types on damaged pages
        raise IngestError(source, f"not a readable PDF (truncated or corrupt): page {page.page_number}: {exc}") from exc
    parts = [p for t in found if (p := _part(t, chars, page.page_number, added)) is not None]
    parts = [p for p in parts if p.ncols >= 2 and any(p.texts(r)[j] for r in range(p.nrows) for j in range(p.ncols))]
    return sorted(parts, key=lambda p: (p.bbox[1], p.bbox[0]))


__all__ = ["Lines", "page_parts"]
