"""Turn records into passages small enough to embed, each carrying its citation metadata."""

from __future__ import annotations

import hashlib
import re

from .models import MEASURE, SPEECH, Document, Passage, Record

# Characters per passage; e5-small handles 512 tokens, Japanese runs ~1 token per 1-1.5 chars,
# and the measured sweet spot on this corpus was around 350 characters.
MAX_CHARS = 350

# Measure columns that become passages of their own (the name, URL and ministry go into context).
MEASURE_TEXT_FIELDS = (
    "施策の概要",
    "目標及び達成の期間",
    "目標の達成状況",
    "達成状況を踏まえた施策の見直し方針",
)

_SENTENCE_END = re.compile(r"(?<=[。．！？!?])|\n")


def split_text(text: str, max_chars: int = MAX_CHARS) -> list[tuple[int, str]]:
    """Split text at sentence ends into chunks of at most max_chars; return (offset, chunk)."""
    text = text.rstrip()
    if len(text) <= max_chars:
        stripped = text.strip()
        return [(text.find(stripped), stripped)] if stripped else []
    pieces: list[tuple[int, int]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        end = m.end() if m.group(0) == "\n" else m.start()
        if end > start:
            pieces.append((start, end))
            start = end
    if start < len(text):
        pieces.append((start, len(text)))
    # Sentences longer than max_chars are cut hard at max_chars.
    sentences: list[tuple[int, int]] = []
    for s, e in pieces:
        while e - s > max_chars:
            sentences.append((s, s + max_chars))
            s += max_chars
        sentences.append((s, e))
    chunks: list[tuple[int, str]] = []
    cur_s, cur_e = None, None
    for s, e in sentences:
        if cur_s is None:
            cur_s, cur_e = s, e
        elif e - cur_s <= max_chars:
            cur_e = e
        else:
            chunks.append((cur_s, cur_e))
            cur_s, cur_e = s, e
    if cur_s is not None:
        chunks.append((cur_s, cur_e))
    out: list[tuple[int, str]] = []
    for s, e in chunks:
        raw = text[s:e]
        stripped = raw.strip()
        if stripped:
            out.append((s + raw.find(stripped), stripped))
    return out


def content_hash(text: str) -> str:
    """The key under which an embedding is cached: what was embedded, not where it came from."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def _measure_context(rec: Record) -> str:
    ministries = "・".join(rec.ministries)
    name = rec.measure_name or ""
    return f"施策{rec.measure_no} {name}（{ministries}）" if ministries else f"施策{rec.measure_no} {name}"


def _page_for(rec: Record, field: str | None) -> int | None:
    if field and rec.field_pages.get(field):
        return rec.field_pages[field][0]
    return rec.pages[0] if rec.pages else None


def _measure_passages(rec: Record) -> list[tuple[str | None, int | None, str, str]]:
    context = _measure_context(rec)
    out: list[tuple[str | None, int | None, str, str]] = []
    # The name passage: what a call-center agent types is often just the program name.
    name = rec.fields.get("施策名") or rec.measure_name or ""
    if name:
        out.append(("施策名", _page_for(rec, "施策名"), name, f"{context} {' '.join(rec.section[-1:])}"))
    for col in MEASURE_TEXT_FIELDS:
        body = rec.fields.get(col, "")
        for _, chunk in split_text(body):
            out.append((col, _page_for(rec, col), chunk, f"{context} {col}: {chunk}"))
    return out


def _speech_passages(rec: Record) -> list[tuple[str | None, int | None, str, str]]:
    who = rec.speaker or ""
    if rec.organization and rec.organization not in who:
        who = f"{who}（{rec.organization}）"
    return [(None, rec.page_at(off), chunk, f"{who}の発言: {chunk}") for off, chunk in split_text(rec.text)]


def _paragraph_passages(doc: Document, rec: Record) -> list[tuple[str | None, int | None, str, str]]:
    return [(None, rec.page_at(off), chunk, f"{doc.title}: {chunk}") for off, chunk in split_text(rec.text)]


def make_passages(doc: Document) -> list[Passage]:
    """All passages of a document, in record order, with stable ids."""
    passages: list[Passage] = []
    for rec in doc.records:
        if rec.kind == MEASURE:
            parts = _measure_passages(rec)
        elif rec.kind == SPEECH:
            parts = _speech_passages(rec)
        else:
            parts = _paragraph_passages(doc, rec)
        for i, (field, page, text, embed_text) in enumerate(parts):
            passages.append(
                Passage(
                    passage_id=f"{rec.record_id}/{i}",
                    record_id=rec.record_id,
                    doc_id=doc.doc_id,
                    doc_title=doc.title,
                    source=doc.source,
                    kind=rec.kind,
                    page=page,
                    text=text,
                    embed_text=embed_text,
                    measure_no=rec.measure_no,
                    measure_name=rec.measure_name,
                    ministries=list(rec.ministries),
                    section=list(rec.section),
                    field=field,
                    speaker=rec.speaker,
                    url=rec.urls[0] if rec.urls else None,
                    content_hash=content_hash(embed_text),
                )
            )
    return passages
