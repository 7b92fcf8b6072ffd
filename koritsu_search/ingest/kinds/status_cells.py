"""What a status table's cells and lines say: its header, a 施策No., headings, debris rows and the title above."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from ...models import MEASURE_COLUMNS
from ..textnorm import collapse_ws, drop_cjk_spaces, join_wrapped, normalize_field

NO, NAME, OVERVIEW, GOAL, STATUS, REVISION, URL, MINISTRY = MEASURE_COLUMNS

_PILLAR = re.compile(r"^[\s\u3000]*[(（][0-9０-９]{1,2}[)）]")
_SUB = re.compile(r"^[\s\u3000]*[①-⑳㉑-㉟]")
_DASHES = re.compile(r"^[\s\-－—―‐ー=＝_]*$")
# A note in brackets naming a decision: （令和７年６月決定）. The word is looked for ahead, then
# the bracket is run to its end once (rather than from each 決定 in a long unclosed bracket).
_TITLE_NOTE = re.compile(r"[(（](?=[^()（）]*(?:決定|改定|閣議))[^()（）]*+[)）]")
_LABEL_LINE = re.compile(r"^(?:参考)?資料[\s\u3000]*[0-9０-９\-－ー]*$|^別[紙添][\s\u3000]*[0-9０-９]*$")


def _key(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).rstrip(".")


_COLUMN_KEYS = {_key(c): c for c in MEASURE_COLUMNS}


def header_map(cells: Sequence[str | None]) -> dict[int, str] | None:
    """Column index → column name when cells are the table header (施策No. and 施策名), else None."""
    mapping: dict[int, str] = {}
    for i, cell in enumerate(cells):
        col = _COLUMN_KEYS.get(_key(cell or ""))
        if col:
            mapping[i] = col
    if NO in mapping.values() and NAME in mapping.values():
        return mapping
    return None


def measure_number(cell: str | None) -> int | None:
    """The measure number if the cell holds only digits (half- or full-width), else None."""
    text = unicodedata.normalize("NFKC", cell or "").strip()
    text = _strip_end_tags(text).strip()
    return int(text) if text.isdigit() and len(text) <= 4 else None


def _strip_end_tags(text: str) -> str:
    """text without a <…> tag at its start and one at its end: re.sub(r"^<[^>]+>|<[^>]+>$", "", text)
    without that search's scan from every "<" to the next ">" (quadratic on a run of "<")."""
    start = 0
    if text.startswith("<"):
        close = text.find(">", 1)
        if close >= 2:
            start = close + 1
    end = len(text) - 1 if text.endswith(">") else len(text) - 2 if text.endswith(">\n") else -1
    # The end tag: the first "<" after the last ">" before the final one, with text in between.
    if end - start >= 2:
        lo = max(start, text.rfind(">", start, end) + 1)
        tag = text.find("<", lo, end - 1)
        if tag != -1:
            return text[start:tag] + text[end + 1:]
    return text[start:]


def trailing_urls(text: str) -> int | None:
    r"""Where the URLs that end text start (each after a space, spaces may follow), or None.

    As searching r"((?:[\s\u3000]+https?://\S+)+)[\s\u3000]*$" for its start, but read backwards
    from the end: that search went from every space and URL to the end (quadratic).
    """
    end = pos = start = len(text.rstrip())
    while pos:
        word = pos
        while word and not text[word - 1].isspace():
            word -= 1
        if not word or not (
            (text.startswith("http://", word) and pos - word > 7) or (text.startswith("https://", word) and pos - word > 8)
        ):
            break
        while word and text[word - 1].isspace():
            word -= 1
        start = pos = word
    return start if start < end else None


def heading_level(text: str) -> int | None:
    """0 for a pillar heading "(1)…", 1 for a sub heading "①…", None otherwise."""
    if _PILLAR.match(text):
        return 0
    if _SUB.match(text):
        return 1
    return None


def is_debris_row(cells: Sequence[str | None]) -> bool:
    """True for rows that carry nothing: blanks and rows of dashes."""
    return all(_DASHES.match(c or "") for c in cells)


def measures_title(lines: list[str]) -> tuple[str, dict[str, str]]:
    """Title from the lines above the table: labels like 参考資料 dropped, decision notes moved out."""
    kept: list[str] = []
    label = ""
    for line in lines:
        line = collapse_ws(normalize_field(line))
        if _LABEL_LINE.match(line):
            label = label or line
        elif line:
            kept.append(line)
    text = join_wrapped(kept)  # a decision note may wrap over two lines
    notes = _TITLE_NOTE.findall(text)
    title = drop_cjk_spaces(_TITLE_NOTE.sub("", text)).strip()
    meta: dict[str, str] = {}
    if notes:
        meta["title_note"] = "".join(notes)
    if label:
        meta["label"] = label
    return title, meta
