"""Prose: any other document as paragraphs with their pages (the fallback kind)."""

from __future__ import annotations

from ...chunking import split_text
from ...models import PARAGRAPH, Document, Record
from ..lines import SrcLine, group_paragraphs, is_double_spaced, paragraph_text, to_src_lines
from ..pdf import PdfDocument
from ..textnorm import collapse_ws, normalize_field
from .base import DocKind, Parsed, PassagePart, RecordKind

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


class Prose(DocKind):
    """Any document read as paragraphs: the fallback when no other kind recognises it."""

    name = "generic"
    aliases = ("prose",)
    description = "prose paragraphs (any other document)"

    def detect_text(self, text: str) -> float:
        return 0.1

    def detect_pdf(self, sample: object) -> float:
        return 0.1

    def parse_text(self, raw: list[tuple[int, str]], doc_id: str) -> Parsed:
        return Parsed(*parse_generic(to_src_lines(raw), doc_id))

    def parse_pdf(self, pdf: PdfDocument, doc_id: str) -> Parsed:
        title, records, meta, warnings = parse_generic(pdf.text_lines(), doc_id)
        return Parsed(title, records, meta, pdf.warnings + warnings)


class ParagraphRecord(RecordKind):
    """A paragraph of prose, cut at sentence ends and embedded with the document title."""

    name = PARAGRAPH
    label = "本文 / Passage"
    nouns = ("paragraph", "paragraphs")

    def passages(self, doc: Document, rec: Record) -> list[PassagePart]:
        head = " ".join([doc.title, *rec.section[-1:]]).strip()
        return [PassagePart(None, rec.page_at(off), chunk, f"{head}: {chunk}") for off, chunk in split_text(rec.text)]

    def title(self, rec: Record, doc_title: str = "", page: int | None = None) -> str:
        return f"{doc_title} p.{page}" if page else doc_title

    def detail_fields(self, rec: Record) -> list[tuple[str, str]]:
        return [("本文", rec.text)]

    def outline(self, rec: Record) -> str:
        return rec.text[:80]
