"""Cited answers: hits grouped into one item per measure or speaker turn, with quoted evidence."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from .ingest.kinds import RECORD_KINDS, RecordKind, record_kind
from .models import Answer, AnswerItem, Citation, Filters, Hit
from .search import clean_query
from .segment import get_segmenter
from .translate import translate

if TYPE_CHECKING:
    from .index.store import Index

CITATIONS_PER_ITEM = 3
MAX_QUOTE_SENTENCES = 3
COMMON_TERM_SHARE = 0.15


def highlight_terms(index: Index, question: str) -> set[str]:
    """The question's Sudachi terms worth marking, plus the glossary's Japanese for its English words.

    Terms found in a large share of passages (孤独, 孤立, 施策 here) would mark every line, so
    they are dropped unless nothing else is left.
    """
    seg = get_segmenter()
    terms = seg.lexical_terms(question)
    if re.search(r"[A-Za-z]", question):
        terms += seg.lexical_terms(" ".join(translate(question).terms))
    n = max(index.lexical.n_docs, 1)
    distinctive = [t for t in terms if index.lexical.df(t) <= COMMON_TERM_SHARE * n]
    # Single characters split off a compound (人 of 外国人) would mark every other line.
    longer = [t for t in distinctive if len(t) > 1]
    return set(longer or distinctive or terms)


def quote_evidence(question: str, text: str, terms: set[str] | None = None) -> tuple[str, list[tuple[int, int]]]:
    """The sentences of a passage that hold the question's terms, and the spans to highlight.

    Nothing is rewritten: the quote is a verbatim slice of the passage. When no query term
    occurs, the whole passage is the quote.
    """
    seg = get_segmenter()
    spans = seg.highlight_spans(question, text, terms)
    if not spans:
        return text, []
    sentences = seg.sentences(text) or [(0, len(text))]
    hit_idx = [i for i, (s, e) in enumerate(sentences) if any(hs < e and he > s for hs, he in spans)]
    if not hit_idx:
        return text, []
    # The densest run of at most MAX_QUOTE_SENTENCES sentences.
    best = max(
        range(len(hit_idx)),
        key=lambda j: sum(1 for i in hit_idx[j:] if i - hit_idx[j] < MAX_QUOTE_SENTENCES),
    )
    first = hit_idx[best]
    last = max(i for i in hit_idx if first <= i < first + MAX_QUOTE_SENTENCES)
    start, end = sentences[first][0], sentences[last][1]
    quote = text[start:end]
    local = [(max(s, start) - start, min(e, end) - start) for s, e in spans if s < end and e > start]
    return quote, local


def _title(index: Index, hit: Hit) -> str:
    record = index.record(hit.record_id)
    if record is None:
        return hit.measure_name or hit.speaker or hit.doc_title
    return record_kind(hit.kind).title(record, hit.doc_title, hit.printed_page or hit.page)


def summarize(items: list[AnswerItem]) -> str:
    """One line: how many measures from how many ministries, statements and other passages."""
    if not items:
        return "No matching measures or statements."
    parts = []
    for kind, group in count_by_kind(items):
        if kind is None or kind.summary_en is None:
            parts.append(f"{len(group)} other passage{'s' if len(group) != 1 else ''}")
            continue
        text = f"{len(group)} {kind.summary_en[0] if len(group) == 1 else kind.summary_en[1]}"
        if kind.counts_ministries:
            n = len({m for i in group for m in i.ministries})
            text += f" from {n} ministr{'ies' if n != 1 else 'y'}"
        parts.append(text)
    return ", ".join(parts)


def count_by_kind(items: list[AnswerItem]) -> list[tuple[RecordKind | None, list[AnswerItem]]]:
    """Items grouped by record kind in registry order; kinds without a summary noun as one "other" group."""
    out: list[tuple[RecordKind | None, list[AnswerItem]]] = []
    for name, kind in RECORD_KINDS.items():
        group = [i for i in items if i.kind == name]
        if group and kind.summary_en is not None:
            out.append((kind, group))
    named = {name for name, k in RECORD_KINDS.items() if k.summary_en is not None}
    others = [i for i in items if i.kind not in named]
    if others:
        out.append((None, others))
    return out


def group_key(hit: Hit) -> str:
    """The answer unit of a hit: its measure across documents, else its own record."""
    return hit.measure_key or hit.record_id


def build_answer(index: Index, question: str, hits: list[Hit], k: int) -> Answer:
    """Group ranked hits into at most k items (a measure's plan and status together), cited."""
    groups: dict[str, list[Hit]] = {}
    for h in hits:
        key = group_key(h)
        if key not in groups and len(groups) >= k:
            continue
        groups.setdefault(key, []).append(h)
    items: list[AnswerItem] = []
    terms = highlight_terms(index, question)
    for group in groups.values():
        top = group[0]
        urls: list[str] = []
        for h in group:
            record = index.record(h.record_id)
            for u in (record.urls if record is not None else [h.url] if h.url else []):
                if u not in urls:
                    urls.append(u)
        items.append(
            AnswerItem(
                record_id=top.record_id,
                kind=top.kind,
                title=_title(index, top),
                score=top.score,
                measure_no=top.measure_no,
                measure_name=top.measure_name,
                speaker=top.speaker,
                ministries=list(top.ministries),
                section=list(top.section),
                url=urls[0] if urls else None,
                urls=urls,
                citations=[_cite(index, question, h, terms) for h in _citing(group)],
                measure_key=top.measure_key,
            )
        )
    return Answer(question=question, summary=summarize(items), items=items)


def _citing(group: list[Hit]) -> list[Hit]:
    """The best passages, at least one from each document when a measure spans several."""
    chosen = group[:CITATIONS_PER_ITEM]
    docs = {h.doc_id for h in chosen}
    for h in group[CITATIONS_PER_ITEM:]:
        if h.doc_id not in docs:
            chosen.append(h)
            docs.add(h.doc_id)
    return chosen


def _cite(index: Index, question: str, h: Hit, terms: set[str]) -> Citation:
    quote, spans = quote_evidence(question, h.text, terms)
    record = index.record(h.record_id)
    return Citation(
        passage_id=h.passage_id,
        doc_id=h.doc_id,
        doc_title=h.doc_title,
        source=h.source,
        page=h.page,
        field=h.field,
        speaker=h.speaker,
        quote=quote,
        highlights=spans,
        printed_page=h.printed_page,
        doc_kind=index.doc_kind(h.doc_id),
        edition=index.doc_edition(h.doc_id),
        ocr_confidence=record.ocr_confidence if record is not None else None,
    )


def ask(index: Index, question: str, k: int = 10, filters: Filters | None = None, mode: str = "hybrid") -> Answer:
    """Search, then group and cite; k is the number of answer items."""
    q = clean_query(question)
    hits = index.search(q, k=max(8 * k, 60), filters=filters, mode=mode)
    return build_answer(index, q, hits, k)
