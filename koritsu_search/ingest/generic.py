"""Generic documents: paragraphs with their pages, split on blank lines or paragraph gaps."""

from __future__ import annotations

from ..models import PARAGRAPH, Record
from .lines import SrcLine, group_paragraphs, is_double_spaced, paragraph_text
from .textnorm import collapse_ws, normalize_field

TITLE_MAX = 80


def generic_title(lines: list[SrcLine]) -> str:
    """The first non-empty line, trimmed to 80 characters."""
    for ln in lines:
        text = collapse_ws(normalize_field(ln.text))
        if text:
            return text[:TITLE_MAX]
    return ""


def parse_generic(lines: list[SrcLine], doc_id: str) -> tuple[str, list[Record], dict, list[str]]:
    """Split lines into paragraph records: (title, records, metadata, warnings)."""
    use_gaps = not is_double_spaced(lines)
    records: list[Record] = []
    for group in group_paragraphs(lines, use_gaps=use_gaps):
        text = paragraph_text(group)
        if not text:
            continue
        records.append(
            Record(
                record_id=f"{doc_id}#p{len(records) + 1:04d}",
                kind=PARAGRAPH,
                text=text,
                pages=sorted({ln.page for ln in group}),
            )
        )
    warnings = [] if records else ["no text found"]
    return generic_title(lines), records, {}, warnings
