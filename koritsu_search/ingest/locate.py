"""Line numbers of records in text sources, so a citation of a text file can point at its line.

A text export without page breaks is one "page": "p.1" for every measure tells nobody where to
look. Each record is found in the source by a short needle from its text (whitespace removed
and NFKC on both sides, so wrapped lines and full-width forms still match), searching forward
from the previous record, so records keep their order and repeated phrases match the right one.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right

from ..models import Record
from .progress import TICK_EVERY, tick

NEEDLE_CHARS = 16
# A needle not found ahead costs a scan of the rest of the source, and then of its start. Past
# this many sources' worth of such scans, a record is looked for only in the stretch after the
# previous one: a file where records are not found must not take quadratic time.
SCAN_BUDGET = 32
NEAR_CHARS = 1 << 14
RECORD_COST = 16  # progress units per record located (a line flattened is one)


def _flat(s: str) -> str:
    return "".join(unicodedata.normalize("NFKC", s).split())


def locate_lines(text: str, records: list[Record]) -> None:
    """Set Record.line (1-based) for every record whose text is found in the source text."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    flat_lines: list[str] = []
    line_start: list[int] = []  # flat offset where each line starts
    size = 0
    for i in range(0, len(lines), TICK_EVERY):
        for line in lines[i:i + TICK_EVERY]:
            fl = _flat(line)
            line_start.append(size)
            flat_lines.append(fl)
            size += len(fl)
        tick(min(TICK_EVERY, len(lines) - i))
    # One flat string of the source; offset k is on line bisect_right(line_start, k).
    flat = "".join(flat_lines)
    del flat_lines
    budget = SCAN_BUDGET * max(len(flat), 1)
    pos = 0
    for n, r in enumerate(records, 1):
        if not n % TICK_EVERY:
            tick(TICK_EVERY * RECORD_COST)
        needle = _needle(r)
        if not needle:
            continue
        if budget > 0:
            at = flat.find(needle, pos)
            if at < 0:
                at = flat.find(needle)
                budget -= len(flat) - pos + (len(flat) if at < 0 else at)
        else:
            at = flat.find(needle, pos, pos + NEAR_CHARS)
        if at < 0:
            continue
        r.line = bisect_right(line_start, at)
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
