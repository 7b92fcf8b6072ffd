"""What a structured source format (Excel, Word, HTML) gives the kinds: located lines and cell grids."""

from __future__ import annotations

from dataclasses import dataclass, field


class FormatError(Exception):
    """The file is not readable in this format; the message says why (the caller names the file)."""


@dataclass
class GridCell:
    """A table cell: its top-left slot, how many rows and columns it covers, its text."""

    row: int
    col: int
    text: str
    rspan: int = 1
    cspan: int = 1


@dataclass
class Grid:
    """A table as found in the source: cells on a row/column grid, and how to cite a block of rows.

    Rows are cited as the source names them (see `structured.grid_locator`): a sheet's cells
    ("名簿!A5:F5"), else the table's name and row ("表2 行3"); `section` is the heading path the
    table stands under.
    """

    nrows: int
    ncols: int
    cells: list[GridCell]
    section: list[str] = field(default_factory=list)
    name: str = ""  # the sheet or table name ("名簿", "表2")
    row_offset: int = 0  # the source's number of the grid's row 0 (an Excel row number minus 1)
    col_offset: int = 0
    cell_names: bool = False  # rows are cited by the source's cell names (a sheet's A5:H5)


@dataclass
class Line:
    """One line of a source's text: a Markdown heading ("## 見出し"), a paragraph, or a table row as
    tab-separated cells; `locator` says where it is in the source ("¶12", "#soudan", "名簿!A5:H5")."""

    text: str
    locator: str = ""


@dataclass
class Part:
    """A stretch of a source read one way: lines for the text kinds, or a grid of table rows."""

    lines: list[Line] = field(default_factory=list)
    grid: Grid | None = None
    name: str = ""  # a sheet's name: the record ids of a workbook's later sheets carry it
    paragraphs: bool = True  # each line is a paragraph (a blank line between them); False: rows of a sheet


@dataclass
class Extract:
    """Everything a format reader took from one file, in reading order."""

    title: str
    parts: list[Part]
    pages: int = 1  # what Document.pages counts for this format (sheets of a workbook, else 1)
    metadata: dict[str, object] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


class SourceFormat:
    """A file format read into an Extract; the registry picks it by magic bytes and suffix."""

    name: str = ""
    suffixes: tuple[str, ...] = ()
    description: str = ""

    def sniff(self, head: bytes, suffix: str) -> bool:
        """Is a file starting with head (its first 1 KB), named with suffix, in this format?"""
        return suffix in self.suffixes

    def read(self, data: bytes, max_bytes: int | None) -> Extract:
        """The file's text and tables; FormatError with a one-line reason when unreadable."""
        raise NotImplementedError
