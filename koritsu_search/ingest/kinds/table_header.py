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


def _header_like(texts: list[str]) -> bool:
    filled = [t for t in texts if t]
    return bool(filled) and all(len(t) <= HEADER_CELL_MAX and not t.endswith("。") for t in filled)


def value_shape(text: str) -> str:
    """The shape of a cell value: "date", "year", "tel", "number", "code", "text" or "" (empty)."""
    t = unicodedata.normalize("NFKC", text).strip()
    if not t:
        return ""
    for name, pattern in (("date", _DATE), ("year", _YEAR), ("tel", _TEL), ("number", _NUMBER), ("code", _CODE)):
        if pattern.fullmatch(t):
            return name
    return "text"


def _data_like(value: str, below: list[str]) -> bool:
    """Is value shaped like the column's data below it (same non-text shape, or repeated there)?"""
    filled = [b for b in below if b]
    if not value or not filled:
        return False
    shape = value_shape(value)
    if shape not in ("text", "year") and sum(value_shape(b) == shape for b in filled) * 2 >= len(filled):
        return True
    return len(filled) >= 2 and value in filled


def looks_like_data(part: _Part, r: int) -> bool:
    """Does row r hold values shaped like the data of the rows below it (so it is not a header)?"""
    below = range(r + 1, min(part.nrows, r + 1 + EVIDENCE_ROWS))
    columns = [[part.texts(i)[j] for i in below] for j in range(part.ncols)]
    texts = part.texts(r)
    if any(part.texts(i) == texts for i in below):
        return False  # the whole row recurs: a header repeated down the table, not a record
    judged = [j for j, t in enumerate(texts) if t and any(columns[j])]
    data = sum(_data_like(texts[j], columns[j]) for j in judged)
    return data >= 1 and data * 2 >= len(judged) or data >= 2


def _spans(part: _Part, r: int) -> bool:
    return any(c is not None and c.row == r and c.cspan > 1 for c in part.grid[r])


def header_rows(part: _Part) -> int:
    """How many rows at the top of part are its header: 0, 1 or 2."""
    if part.nrows < 2:
        return 0
    first = part.texts(0)
    if not _header_like(first) or looks_like_data(part, 0):
        return 0
    spans = _spans(part, 0)
    if sum(1 for t in first if t) < 2 and not spans:
        return 0
    if part.ncols == 2 and not spans and first[0].endswith(_LABEL_END):
        return 0  # 氏名： | 山田 — a label / value form
    if spans and part.nrows >= 3:
        # A parent cell over child columns: the second row names the children, unless it is data.
        second = [c for c in part.grid[1] if c is not None and c.row == 1]
        if (second and _header_like([c.text for c in second]) and not looks_like_data(part, 1)
                and len({id(c) for c in part.grid[1]}) > len({id(c) for c in part.grid[0]})):
            return 2
    return 1


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
