"""Turn records into passages small enough to embed, each carrying its citation metadata."""

from __future__ import annotations

import hashlib

from .chunking import MAX_CHARS, split_text
from .ingest.kinds import record_kind
from .models import Document, Passage


def content_hash(text: str) -> str:
    """The key under which an embedding is cached: what was embedded, not where it came from."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


def make_passages(doc: Document) -> list[Passage]:
    """All passages of a document, in record order, with stable ids; the record kind cuts them."""
    labels = {int(k): v for k, v in doc.metadata.get("page_labels", {}).items()}
    passages: list[Passage] = []
    for rec in doc.records:
        for i, part in enumerate(record_kind(rec.kind).passages(doc, rec)):
            passages.append(
                Passage(
                    passage_id=f"{rec.record_id}/{i}",
                    record_id=rec.record_id,
                    doc_id=doc.doc_id,
                    doc_title=doc.title,
                    source=doc.source,
                    kind=rec.kind,
                    page=part.page,
                    printed_page=labels.get(part.page) if part.page is not None else None,
                    text=part.text,
                    embed_text=part.embed_text,
                    measure_no=rec.measure_no,
                    measure_name=rec.measure_name,
                    measure_key=rec.measure_key,
                    ministries=list(rec.ministries),
                    section=list(rec.section),
                    field=part.field,
                    speaker=rec.speaker,
                    url=rec.urls[0] if rec.urls else None,
                    content_hash=content_hash(part.embed_text),
                )
            )
    return passages


__all__ = ["MAX_CHARS", "content_hash", "make_passages", "split_text"]
