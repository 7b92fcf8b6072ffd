"""A ruled table's header: how many rows at its top name its columns (by evidence), and each column's key.

A row is a header row only when it reads like column names and nothing in it is shaped like the
column's data below: a number or date over numbers or dates, a code over codes, a value that
recurs further down its column (a prefecture, an industry) all say "data". Shape alone (short
cells, no sentence end) is not enough: the first row of a list is short too.
"""

from __future__ import annotations

import re
import unicodedata

from .table_grid import _Part

HEADER_CELL_MAX = 40  # characters: a longer cell is content, not a column name
SEP = " / "
EVIDENCE_ROWS = 60  # rows below a candidate header that are compared with it
MAX_HEADER_ROWS = 6
CHILD_CELL_MAX = 80  # a child header under a parent may explain itself at length (連携する医療機関名（…）)
_LABEL_END = ("：", ":")
_MEANINGFUL = "○◯●◎△▲×✕"
_UNIT = "%％円人件個回歳万千億台戸世帯名箇所か所"
_NUMBER = re.compile(rf"[(（]?[+\-−△▲]?\d[\d,.]*\s*[{_UNIT}]?[)）]?")
_YEAR = re.compile(r"(?:(?:19|20)\d\d|(?:令和|平成|昭和|R|H)\s*(?:\d{1,2}|元))\s*年(?:度)?|(?:19|20)\d\d")
_DATE = re.compile(
    r"(?:(?:19|20)\d\d|(?:令和|平成|R|H)\s*(?:\d{1,2}|元))\s*[年/.\-]\s*\d{1,2}\s*[月/.\-]\s*(?:\d{1,2}\s*日?)?"
    r"|\d{1,2}\s*月\s*\d{1,2}\s*日"
)
_CODE = re.compile(r"[A-Za-z]{1,4}[-_]?\d[\d\-_]*|\d+[-_]\d[\d\-_]*")
_TEL = re.compile(r"\d{2,5}[-‐−ー]\d{1,4}[-‐−ー]\d{3,4}")


def has_content(text: str) -> bool:
    return any(ch.isalnum() or ch in _MEANINGFUL for ch in text)


def _header_like(texts: list[str], limit: int = HEADER_CELL_MAX) -> bool:
    filled = [t for t in texts if t]
    return bool(filled) and all(len(t) <= limit and not t.endswith("。") for t in filled)


def value_shape(text: str) -> str:
    """The shape of a cell value: "date", "year", "tel", "number", "code", "text" or "" (empty)."""
    t = unicodedata.normalize("NFKC", text).strip()
    if not t:
        return ""
    for name, pattern in (("date", _DATE), ("year", _YEAR), ("tel", _TEL), ("number", _NUMBER), ("code", _CODE)):
        if pattern.fullmatch(t):
            return name
    return "text"


def _typed_match(value: str, below: list[str]) -> bool:
    """A number, date, code or phone number over a column mostly of that shape."""
    filled = [b for b in below if b]
    shape = value_shape(value)
    return bool(filled) and shape not in ("", "text", "year") and sum(value_shape(b) == shape for b in filled) * 2 >= len(filled)


def _recurs(value: str, below: list[str]) -> bool:
    """The value comes again further down its column (not just in the row right under it, where a
    header written over two rows repeats its label): a prefecture, an industry."""
    return bool(value) and sum(1 for b in below if b) >= 2 and value in below[1:]


def looks_like_data(part: _Part, r: int) -> bool:
    """Does row r hold values shaped like the data of the rows below it (so it is not a header)?

    One number, date or code over a column of them is enough (a header names, it does not count);
    values recurring down their columns must be at least half of the row.
    """
    below = range(r + 1, min(part.nrows, r + 1 + EVIDENCE_ROWS))
    texts = part.texts(r)
    if any(part.texts(i) == texts for i in below):
        return False  # the whole row recurs: a header repeated down the table, not a record
    columns = [[part.texts(i)[j] for i in below] for j in range(part.ncols)]
    judged = [j for j, t in enumerate(texts) if t and any(columns[j])]
    if any(_typed_match(texts[j], columns[j]) for j in judged):
        return True
    recurring = sum(_recurs(texts[j], columns[j]) for j in judged)
    return recurring >= 1 and recurring * 2 >= len(judged)


def unlike_data(part: _Part, r: int) -> bool:
    """Is row r positively unlike the data below: text (or years) over columns of numbers, dates or codes?

    A header written over several rows (転入者数 / （国内） / (A)) shows itself this way; in a table
    of text only, nothing can tell a second header row from a first record, so this says no.
    """
    below = range(r + 1, min(part.nrows, r + 1 + EVIDENCE_ROWS))
    texts = part.texts(r)
    typed = unlike = 0
    for j, text in enumerate(texts):
        if not text:
            continue
        shapes = [value_shape(part.texts(i)[j]) for i in below]
        filled = [x for x in shapes if x]
        common = max(set(filled), key=filled.count) if filled else "text"
        if common in ("text", "year") or filled.count(common) * 2 < len(filled):
            continue
        typed += 1
        unlike += value_shape(text) in ("text", "year")
    filled_cells = sum(1 for t in texts if t)
    return typed >= 2 and unlike == typed and typed * 2 >= filled_cells


def _runs(part: _Part, r: int) -> list[int]:
    """The widths of row r's column groups: a cell spanning columns, or one text repeated side by side."""
    texts = part.texts(r)
    widths: list[int] = []
    prev: object = None
    for j, cell in enumerate(part.grid[r]):
        key: object = None
        if cell is not None and (cell.row != r or cell.cspan > 1):
            key = id(cell)
        elif texts[j]:
            key = texts[j]
        if key is not None and key == prev:
            widths[-1] += 1
        else:
            widths.append(1)
        prev = key
    return widths


def _groups(part: _Part, r: int) -> bool:
    """Does row r hold a parent over several columns?"""
    return any(w > 1 for w in _runs(part, r))


def header_rows(part: _Part) -> int:
    """How many rows at the top of part are its header (0 to MAX_HEADER_ROWS).

    The first row is a header when it reads like column names and holds no data; each further
    row is one too when it holds no data and either splits the groups of the row above (a parent
    over its children) or is text over columns of numbers, dates or codes (a label written over
    several rows).
    """
    if part.nrows < 2:
        return 0
    first = part.texts(0)
    if not _header_like(first) or looks_like_data(part, 0):
        return 0
    spans = _groups(part, 0)
    if sum(1 for t in first if t) < 2 and not spans:
        return 0
    if part.ncols == 2 and not spans and first[0].endswith(_LABEL_END):
        return 0  # 氏名： | 山田 — a label / value form
    n = 1
    while n < min(MAX_HEADER_ROWS, part.nrows - 1):
        own = [c.text for c in part.grid[n] if c is not None and c.row == n]
        if not own or not _header_like(own, CHILD_CELL_MAX) or looks_like_data(part, n):
            break
        children = _groups(part, n - 1) and len(_runs(part, n)) > len(_runs(part, n - 1))
        if not children and not unlike_data(part, n):
            break
        n += 1
    return n


def header_keys(part: _Part, nhead: int) -> list[str]:
    """The key of every column: the header cells above it joined 'parent / child', else 列N.

    Columns under one header cell with no child label of their own are numbered under it
    (`業種 / 1`, `業種 / 2`) when the data keeps them apart (see `_number_shared`).
    """
    keys: list[str] = []
    owners: list[tuple[int, ...]] = []
    for j in range(part.ncols):
        parts: list[str] = []
        ids: list[int] = []
        for r in range(nhead):
            cell = part.grid[r][j]
            if cell is None or id(cell) in ids:
                continue
            ids.append(id(cell))
            if cell.text and cell.text not in parts:
                parts.append(cell.text)
        keys.append(SEP.join(parts) if parts else f"列{j + 1}")
        owners.append(tuple(ids))
    _number_shared(part, nhead, keys, owners)
    # Different cells with the same text are different columns: the later ones get (2), (3) ….
    seen: dict[str, tuple[int, ...]] = {}
    for j, key in enumerate(keys):
        if key in seen and seen[key] != owners[j]:
            n = 2
            while f"{key} ({n})" in seen:
                n += 1
            key = keys[j] = f"{key} ({n})"
        seen.setdefault(key, owners[j])
    return keys


def _number_shared(part: _Part, nhead: int, keys: list[str], owners: list[tuple[int, ...]]) -> None:
    """Number the columns under one header cell that have no child labels (`業種 / 1`, `業種 / 2`).

    Only when the data keeps them apart: if some data cell spans the group's columns, they are
    one field written as a hierarchy (a group label, then the item) and keep the one key, their
    texts joined.
    """
    j = 0
    while j < len(keys):
        k = j
        while k + 1 < len(keys) and owners[j] and owners[k + 1] == owners[j]:
            k += 1
        spanned = any(c is not None and c.row >= nhead and c.cspan > 1
                      for row in part.grid[nhead:] for c in row[j:k + 1])
        if k > j and not spanned and not re.fullmatch(r"列\d+", keys[j]):
            for n, col in enumerate(range(j, k + 1), 1):
                keys[col] = f"{keys[col]}{SEP}{n}"
        j = k + 1
