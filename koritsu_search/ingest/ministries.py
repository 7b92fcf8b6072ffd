"""The known set of 府省庁 names: splitting ministry cells and finding ministries in labels."""

from __future__ import annotations

import re

# Ministries and agencies that appear as 担当府省庁 or speaker labels.
MINISTRIES: tuple[str, ...] = (
    "内閣官房",
    "内閣府",
    "内閣法制局",
    "宮内庁",
    "公正取引委員会",
    "国家公安委員会",
    "個人情報保護委員会",
    "カジノ管理委員会",
    "金融庁",
    "消費者庁",
    "こども家庭庁",
    "子ども家庭庁",
    "デジタル庁",
    "復興庁",
    "総務省",
    "消防庁",
    "法務省",
    "出入国在留管理庁",
    "公安調査庁",
    "外務省",
    "財務省",
    "国税庁",
    "文部科学省",
    "文化庁",
    "スポーツ庁",
    "厚生労働省",
    "農林水産省",
    "林野庁",
    "水産庁",
    "経済産業省",
    "資源エネルギー庁",
    "特許庁",
    "中小企業庁",
    "国土交通省",
    "観光庁",
    "気象庁",
    "海上保安庁",
    "運輸安全委員会",
    "環境省",
    "原子力規制委員会",
    "防衛省",
    "防衛装備庁",
    "警察庁",
    "人事院",
    "会計検査院",
)

# Published variants mapped to the current official name (in ministry lists only).
VARIANTS = {"子ども家庭庁": "こども家庭庁"}

_BY_LENGTH = sorted(MINISTRIES, key=len, reverse=True)
_ALT = "|".join(re.escape(m) for m in _BY_LENGTH)
_SEP = r"[\s\u3000、,，・/／]"
_SEP_CHARS = "、,，・/／\u3000"  # and whitespace
# The run of names that ends a cell; not searched: _trailing_start() reads it backwards.
_TRAILING = re.compile(rf"((?:(?:{_ALT}){_SEP}*)+)$")
# A run of separators with at least one that is not ・, matched from the run's start only and
# possessively: a long run of ・ was otherwise rescanned from each of its characters (quadratic).
_SPLIT = re.compile(rf"(?<!・)・*+[、,，/／\s\u3000]{_SEP}*+")


def canonical(name: str) -> str:
    """The official spelling of a ministry name (子ども家庭庁 → こども家庭庁)."""
    return VARIANTS.get(name, name)


def leading_ministry(label: str) -> str | None:
    """The known ministry a label starts with (内閣府男女共同参画局 → 内閣府), or None."""
    for m in _BY_LENGTH:
        if label.startswith(m):
            return m
    return None


def _decompose(piece: str) -> list[str] | None:
    """Split a separator-free piece into known names (・ allowed between them), or None."""
    out: list[str] = []
    i = 0
    while i < len(piece):
        if piece[i] == "・" and out:
            i += 1
            continue
        for m in _BY_LENGTH:
            if piece.startswith(m, i):
                out.append(m)
                i += len(m)
                break
        else:
            return None
    return out


def split_ministries(cell: str) -> list[str]:
    """Ministry list from a 担当府省庁 cell: split on spaces/、/, and between glued known names.

    Unknown pieces are kept as published; known variants are canonicalized; duplicates dropped.
    """
    names: list[str] = []
    for piece in _SPLIT.split(cell.strip(" \u3000")):
        piece = piece.strip(" \u3000・")
        if not piece:
            continue
        parts = _decompose(piece)
        if parts is None:
            found = [m for m in _BY_LENGTH if piece.startswith(m)]
            parts = found[:1] if found else [piece]
        names.extend(canonical(p) for p in parts)
    return list(dict.fromkeys(names))


def _is_sep(ch: str) -> bool:
    return ch in _SEP_CHARS or ch.isspace()


def _trailing_start(text: str) -> int | None:
    """Where the run of known names (separators between and after them) that ends text starts,
    or None: as _TRAILING.search(text).start(), but read backwards from the end, as that
    search went from every name to the end (quadratic on a long list followed by other text).
    No name ends another, so at most one name ends at any point."""
    pos = len(text)
    start = None
    while True:
        while pos and _is_sep(text[pos - 1]):
            pos -= 1
        name = next((m for m in _BY_LENGTH if text.endswith(m, 0, pos)), None)
        if name is None:
            return start
        pos = start = pos - len(name)


def split_trailing(cell: str) -> tuple[str, str]:
    """Split a merged cell into (text before, ministry names at the end), e.g. a URL + 法務省."""
    cell = cell.strip(" \u3000")
    start = _trailing_start(cell)
    if start is None:
        return cell, ""
    # The ministry run must start the cell or follow a separator / non-name character.
    return cell[:start].rstrip(" \u3000、,，"), cell[start:].strip(" \u3000、,，・")
