"""Prose: any other document as paragraphs with their pages (the fallback kind)."""

from __future__ import annotations

import re
import unicodedata

from ...models import PARAGRAPH, Document, Record
from ..lines import SrcLine, group_paragraphs, is_double_spaced, paragraph_text, to_src_lines
from ..pdf import PdfDocument
from ..textnorm import collapse_ws, ends_sentence, normalize_field
from .base import DocKind, Parsed, PassagePart, RecordKind, cut_text

TITLE_MAX = 80


def generic_title(lines: list[SrcLine]) -> str:
    """The first non-empty line, trimmed to 80 characters."""
    for ln in lines:
        text = collapse_ws(normalize_field(ln.text))
        if text:
            return text[:TITLE_MAX]
    return ""


def parse_generic(lines: list[SrcLine], doc_id: str) -> tuple[str, list[Record], dict, list[str]]:
    """Split PDF lines into paragraph records: (title, records, metadata, warnings)."""
    use_gaps = not is_double_spaced(lines)
    groups: list[tuple[list[str], list[SrcLine]]] = [([], g) for g in group_paragraphs(lines, use_gaps=use_gaps)]
    records = paragraph_records(groups, doc_id)
    warnings = [] if records else ["no text found"]
    return generic_title(lines), records, {}, warnings


def paragraph_records(groups: list[tuple[list[str], list[SrcLine]]], doc_id: str, start: int = 1) -> list[Record]:
    """One paragraph record per group of lines (with its section path); empty groups dropped."""
    records: list[Record] = []
    for section, group in groups:
        text = paragraph_text(group)
        if not text:
            continue
        records.append(
            Record(
                record_id=f"{doc_id}#p{start + len(records):04d}",
                kind=PARAGRAPH,
                text=text,
                pages=sorted({ln.page for ln in group}),
                section=list(section),
            )
        )
    return records


# "# Title ##": the heading text runs to its last character that is not a space or #. Found by
# that character, not by trying each end in turn, which went to the end of the line from each
# (quadratic on a long run of spaces inside the heading). The second branch keeps what a
# heading of spaces only ("#   ") matched: its last space.
_MD_HEADING = re.compile(
    r"^(#{1,6})(?:[ \t\u3000]++(?=.)|[ \t\u3000]+(?=[ \t\u3000]\n?$))(.*?[^ \t\u3000#\n]|.)[ \t\u3000#]*+$"
)
_ITEM = re.compile(r"^(?:[・･●○◯〇◆◇■□※\-*+]|[0-9０-９]{1,2}[.．)）]|[（(][0-9０-９一二三四五六七八九十]{1,3}[）)]|[①-⑳])")


UNWRAPPED_SHARE = 0.7


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def text_paragraphs(lines: list[SrcLine]) -> list[tuple[list[str], list[SrcLine]]]:
    """Paragraphs of a text file with their Markdown section path.

    A paragraph ends at a blank line, at a sentence end, at a line well short of the file's
    wrap width, before a list item, an indented line or a heading; in a file whose lines
    mostly end sentences (one paragraph per line), every line is a paragraph. Blank lines between the
    wrapped lines of one sentence are ignored when the whole file is double spaced.
    """
    body = [ln for ln in lines if not _MD_HEADING.match(ln.text)]
    widths = sorted(_width(ln.text) for ln in body) or [0]
    wrap = widths[int(0.9 * (len(widths) - 1))]
    double = is_double_spaced(lines)
    # Most lines end a sentence: the file is written one paragraph per line, never wrapped.
    unwrapped = len(body) >= 3 and sum(ends_sentence(ln.text) for ln in body) >= UNWRAPPED_SHARE * len(body)
    out: list[tuple[list[str], list[SrcLine]]] = []
    section: list[str] = []
    levels: list[int] = []
    prev: SrcLine | None = None
    for ln in lines:
        m = _MD_HEADING.match(ln.text)
        if m:
            level = len(m.group(1))
            while levels and levels[-1] >= level:
                levels.pop()
                section.pop()
            levels.append(level)
            section.append(collapse_ws(m.group(2)))
            prev = None
            continue
        if prev is not None and out:
            wrapped = not unwrapped and not ends_sentence(prev.text) and _width(prev.text) >= 0.6 * wrap
            starts = ln.indent or bool(_ITEM.match(ln.text)) or (ln.page != prev.page and ends_sentence(prev.text))
            if wrapped and not starts and (not ln.gap_before or double):
                out[-1][1].append(ln)
                prev = ln
                continue
        out.append((list(section), [ln]))
        prev = ln
    return out


def text_title(lines: list[SrcLine]) -> str:
    """The first Markdown heading, else the first line."""
    for ln in lines:
        m = _MD_HEADING.match(ln.text)
        if m:
            return collapse_ws(m.group(2))[:TITLE_MAX]
    return generic_title(lines)


def parse_prose_text(lines: list[SrcLine], doc_id: str) -> tuple[str, list[Record], dict, list[str]]:
    """Split a text file's lines into paragraph records: (title, records, metadata, warnings)."""
    records = paragraph_records(text_paragraphs(lines), doc_id)
    return text_title(lines), records, {}, [] if records else ["no text found"]


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
        return Parsed(*parse_prose_text(to_src_lines(raw), doc_id))

    def parse_pdf(self, pdf: PdfDocument, doc_id: str) -> Parsed:
        return Parsed(*parse_generic(pdf.text_lines(), doc_id))


class ParagraphRecord(RecordKind):
    """A paragraph of prose, cut at sentence ends and embedded with the document title."""

    name = PARAGRAPH
    label = "本文 / Passage"
    nouns = ("paragraph", "paragraphs")

    def passages(self, doc: Document, rec: Record) -> list[PassagePart]:
        head = " ".join([doc.title, *rec.section[-1:]]).strip()
        return cut_text(rec, f"{head}: ")

    def title(self, rec: Record, doc_title: str = "", page: int | None = None) -> str:
        return f"{doc_title} p.{page}" if page else doc_title

    def detail_fields(self, rec: Record) -> list[tuple[str, str]]:
        return [("本文", rec.text)]

    def outline(self, rec: Record) -> str:
        return rec.text[:80]
