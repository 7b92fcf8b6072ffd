"""The registry of structured source formats (Excel, Word, HTML): picked by magic bytes and suffix."""

from __future__ import annotations

from .base import Extract, FormatError, Grid, GridCell, Line, Part, SourceFormat
from .docx import Docx
from .html import Html
from .xlsx import Xlsx

FORMATS: dict[str, SourceFormat] = {f.name: f for f in (Xlsx(), Docx(), Html())}


def format_for(head: bytes, suffix: str) -> SourceFormat | None:
    """The format of a file starting with head and named with suffix (lower case, with its dot)."""
    return next((f for f in FORMATS.values() if f.sniff(head, suffix)), None)


def format_suffixes() -> tuple[str, ...]:
    return tuple(s for f in FORMATS.values() for s in f.suffixes)


__all__ = ["FORMATS", "Extract", "FormatError", "Grid", "GridCell", "Line", "Part", "SourceFormat", "format_for",
           "format_suffixes"]
