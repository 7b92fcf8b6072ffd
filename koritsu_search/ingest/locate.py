"""Line numbers of records in text sources, so a citation of a text file can point at its line.

A text export without page breaks is one "page": "p.1" for every measure tells nobody where to
look. Each record is found in the source by a short needle from its text (whitespace removed
and NFKC on both sides, so wrapped lines and full-width forms still match), searching forward
from the previous record, so records keep their order and repeated phrases match the right one.
"""

from __future__ import annotations

import unicodedata

from ..models import Record

NEEDLE_CHARS = 16


def _flat(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())


def locate_lines(text: str, records: list[Record]) -> None:
    """Set Record.line (1-based) for every record whose text is found in the source text."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    flat_lines = [_flat(line) for line in lines]
    # One flat string of the source, with the line each of its characters came from.
    flat = "".join(flat_lines)
    line_of: list[int] = []
    line_start: list[int] = []  # flat offset where each line starts
    for n, fl in enumerate(flat_lines, 1):
        line_start.append(len(line_of))
        line_of.extend([n] * len(fl))
    pos = 0
    for r in records:
        needle = _needle(r)
        if not needle:
            continue
        at = flat.find(needle, pos)
        if at < 0:
            at = flat.find(needle)
        if at < 0:
            continue
        r.line = line_of[at]
        # The next record starts on a later line (rows, turns and paragraphs do not share one).
        pos = line_start[r.line] if r.line < len(line_start) else len(flat)


def _needle(r: Record) -> str:
    # The longest field is the most distinctive (a row's 施策の概要, not a heading it shares);
    # records without fields (turns, paragraphs) start where their text starts.
    candidates = sorted((v for v in r.fields.values() if v), key=len, reverse=True) + [r.text]
    for c in candidates:
        f = _flat(c)
        if len(f) >= 4:
            return f[:NEEDLE_CHARS]
    return ""
