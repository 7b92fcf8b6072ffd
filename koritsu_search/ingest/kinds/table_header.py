"""A ruled table's header: how many rows at its top name its columns, and each column's key."""

from __future__ import annotations

from .table_grid import _Part

HEADER_CELL_MAX = 40  # characters: a longer cell is content, not a column name
SEP = " / "
_LABEL_END = ("：", ":")
_MEANINGFUL = "○◯●◎△▲×✕"


def has_content(text: str) -> bool:
    return any(ch.isalnum() or ch in _MEANINGFUL for ch in text)


def _header_like(texts: list[str]) -> bool:
    filled = [t for t in texts if t]
    return bool(filled) and all(len(t) <= HEADER_CELL_MAX and not t.endswith("。") for t in filled)


def header_rows(part: _Part) -> int:
    """How many rows at the top of part are its header: 0, 1 or 2."""
    if part.nrows < 2:
        return 0
    first = part.texts(0)
    if not _header_like(first):
        return 0
    spans = any(c is not None and c.row == 0 and c.cspan > 1 for c in part.grid[0])
    if sum(1 for t in first if t) < 2 and not spans:
        return 0
    if part.ncols == 2 and not spans and first[0].endswith(_LABEL_END):
        return 0  # 氏名： | 山田 — a label / value form
    if spans and part.nrows >= 3:
        # A parent cell over child columns: the second row names the children.
        second = [c for c in part.grid[1] if c is not None and c.row == 1]
        if second and _header_like([c.text for c in second]) and len({id(c) for c in part.grid[1]}) > len(
            {id(c) for c in part.grid[0]}
        ):
            return 2
    return 1


def header_keys(part: _Part, nhead: int) -> list[str]:
    """The key of every column: the header cells above it joined 'parent / child', else 列N."""
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
    # Columns under one header cell share its key; different cells with the same text do not.
    seen: dict[str, tuple[int, ...]] = {}
    for j, key in enumerate(keys):
        if key in seen and seen[key] != owners[j]:
            n = 2
            while f"{key} ({n})" in seen:
                n += 1
            key = keys[j] = f"{key} ({n})"
        seen.setdefault(key, owners[j])
    return keys
