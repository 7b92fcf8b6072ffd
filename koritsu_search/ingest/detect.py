"""Detect a document's kind (measures, minutes, generic) from its content, never its name."""

from __future__ import annotations

import re

from ..models import GENERIC_DOC, MEASURES_DOC, MINUTES_DOC

_TURN_LINE = re.compile(r"^[\s\u3000]*[○◯][^\s\u3000]{1,30}[\s\u3000]+\S", re.MULTILINE)
_MINUTES_WORDS = ("議事", "出席者")


def _squash(text: str) -> str:
    return re.sub(r"[\s\u3000]+", "", text)


def detect_text_kind(text: str) -> str:
    """Kind of a text export: a 施策No./施策名 header → measures; ○ turns + 議事/出席者 → minutes."""
    head = text[:200_000]
    for line in head.splitlines()[:400]:
        cells = [_squash(c) for c in line.split("\t")]
        if any(c.startswith("施策No") for c in cells) and "施策名" in cells:
            return MEASURES_DOC
    return _minutes_or_generic(head)


def detect_pdf_kind(first_pages: str) -> str:
    """Kind of a PDF from the text of its first pages (header cells may wrap, so look loosely)."""
    flat = _squash(first_pages)
    if "施策名" in flat and ("担当府省庁" in flat or "施策の概要" in flat) and "施策N" in flat:
        return MEASURES_DOC
    return _minutes_or_generic(first_pages)


def _minutes_or_generic(text: str) -> str:
    if _TURN_LINE.search(text) and any(w in text for w in _MINUTES_WORDS):
        return MINUTES_DOC
    return GENERIC_DOC
