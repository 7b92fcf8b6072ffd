"""Cited answers: hits grouped into one item per measure or speaker turn, with quoted evidence."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from .confidence import FEATURES, Calibration, QueryScores, item_features, load_calibration
from .editions import preferred_docs
from .evidence import evidence_quote, question_marks, question_terms
from .ingest.kinds import record_kind
from .intent import read_edition_year, read_intent
from .listing import summarize_en
from .models import Answer, AnswerItem, Citation, Filters, Hit, Record
from .query import SearchTrace, check_k, check_mode, clean_query
from .search import Searcher
from .segment import get_segmenter

HITS = 300  # passages fetched per question: enough distinct units for a complete list
NEAREST = 3  # items shown as "nearest" when nothing is above the cut
NEED_SERVICES = 20  # ranked units searched for services of a need read from the question
CITATIONS_PER_ITEM = 3
COMMON_TERM_SHARE = 0.15


def highlight_terms(searcher: Searcher, question: str) -> set[str]:
    """The question's terms worth marking (question_marks).

    Terms found in a large share of passages (孤独, 孤立, 施策 here) would mark every line, so
    they are dropped unless nothing else is left.
    """
    terms = list(question_marks(question, searcher.glossary))
    n = max(searcher.store.lexical.n_docs, 1)
    distinctive = [t for t in terms if searcher.store.lexical.df(t) <= COMMON_TERM_SHARE * n]
    # Single characters split off a compound (人 of 外国人) would mark every other line.
    longer = [t for t in distinctive if len(t) > 1]
    return set(longer or distinctive or terms)


def _title(searcher: Searcher, hit: Hit) -> str:
    record = searcher.store.record(hit.record_id)
    if record is None:
        return hit.measure_name or hit.speaker or hit.doc_title
    return record_kind(hit.kind).title(record, hit.doc_title, hit.printed_page or hit.page)


def group_key(hit: Hit) -> str:
    """The answer unit of a hit: its measure across documents, else its own record."""
    return hit.measure_key or hit.record_id


@dataclass
class RankedGroup:
    """The hits of one answer unit, in rank order, with the unit's features and confidence."""

    hits: list[Hit]
    features: list[float]
    confidence: float | None = None


def rank_groups(
    searcher: Searcher, question: str, filters: Filters | None = None, mode: str = "hybrid",
    trace: SearchTrace | None = None, ignore_needs: Collection[str] = (),
) -> tuple[list[RankedGroup], QueryScores]:
    """Every answer unit the search reaches, best first, with its calibration features."""
    trace = trace if trace is not None else SearchTrace()
    hits = searcher.search(question, k=HITS, filters=filters, mode=mode, trace=trace, ignore_needs=ignore_needs)
    qs = QueryScores(trace.fused_max, trace.fused_mean, trace.fused_std, trace.dense_max,
                     trace.dense_mean, trace.dense_std,
                     trace.coverage, trace.translation_weight)
    grouped: dict[str, list[Hit]] = {}
    for h in hits:
        grouped.setdefault(group_key(h), []).append(h)
    groups = []
    year = read_edition_year(question)
    for rank, all_editions in enumerate(grouped.values()):
        group = one_edition(searcher, all_editions, year)
        top = group[0]
        dense = max((h.dense_score for h in group if h.dense_score is not None), default=None)
        lexical = max((h.lexical_score or 0.0) for h in group)
        groups.append(RankedGroup(group, item_features(top.score, dense, lexical, rank, qs)))
    return groups, qs


def one_edition(searcher: Searcher, hits: list[Hit], year: int | None = None) -> list[Hit]:
    """A unit's hits from one edition of each document kind: of the year the question asks for
    (read_edition_year), else the newest. A measure held by the 令和6年度 and the 令和7年度 status
    tables cites one of them; a unit of one edition per kind keeps every hit (and its scores)."""
    docs = {h.doc_id: h.doc_title for h in hits}
    if len(docs) < 2:
        return hits
    store = searcher.store
    keep = preferred_docs(((d, store.doc_kind(d), store.doc_edition(d) or title) for d, title in docs.items()), year)
    return [h for h in hits if h.doc_id in keep] if len(keep) < len(docs) else hits


def best_match(searcher: Searcher, question: str, text: str) -> float:
    """Share of the question (idf-weighted, English through the glossary) that one passage holds."""
    terms = question_terms(question, searcher.glossary)
    if not terms:
        return 0.0
    have = set(get_segmenter().lexical_terms(text))
    lex = searcher.store.lexical
    weights = {t: lex.idf(t) for t in terms}
    total = sum(weights.values())
    return sum(w for t, w in weights.items() if t in have) / total if total else 0.0


def build_item(searcher: Searcher, question: str, group: list[Hit], terms: set[str]) -> AnswerItem:
    """One answer item for a unit's hits: its title, every URL and the best citations."""
    top = group[0]
    urls: list[str] = []
    for h in group:
        record = searcher.store.record(h.record_id)
        for u in (record.urls if record is not None else [h.url] if h.url else []):
            if u not in urls:
                urls.append(u)
    return AnswerItem(
        record_id=top.record_id,
        kind=top.kind,
        title=_title(searcher, top),
        score=top.score,
        measure_no=top.measure_no,
        measure_name=top.measure_name,
        speaker=top.speaker,
        ministries=list(top.ministries),
        section=list(top.section),
        url=urls[0] if urls else None,
        urls=urls,
        citations=[_cite(searcher, question, h, terms) for h in _citing(_with_evidence(searcher, group))],
        measure_key=top.measure_key,
        needs=list(top.needs),
    )


def build_answer(searcher: Searcher, question: str, hits: list[Hit], k: int) -> Answer:
    """Group ranked hits into at most k items (a measure's plan and status together), cited; no cut."""
    groups: dict[str, list[Hit]] = {}
    for h in hits:
        key = group_key(h)
        if key not in groups and len(groups) >= k:
            continue
        groups.setdefault(key, []).append(h)
    terms = highlight_terms(searcher, question)
    year = read_edition_year(question)
    items = [build_item(searcher, question, one_edition(searcher, g, year), terms) for g in groups.values()]
    return Answer(question=question, summary=summarize_en(items), items=items, total=len(items))


def _title_only(h: Hit) -> bool:
    """A passage that only repeats the item's name: no evidence beyond the title."""
    text = h.text.strip()
    kind = record_kind(h.kind)
    return (kind.title_field is not None and h.field == kind.title_field) or (
        h.measure_name is not None and text == h.measure_name.strip())


def _with_evidence(searcher: Searcher, group: list[Hit]) -> list[Hit]:
    """The group with title-only passages last; a summary passage from the record when it has nothing else."""
    body = [h for h in group if not _title_only(h)]
    if body:
        return body + [h for h in group if _title_only(h)]
    top = group[0]
    record = searcher.store.record(top.record_id)
    if record is None:
        return group
    for col in record_kind(top.kind).evidence_fields:
        text = record.fields.get(col, "").strip()
        if text:
            pages = record.field_pages.get(col) or record.pages
            page = pages[0] if pages else top.page
            printed = None
            if page is not None and record.printed_pages and len(record.printed_pages) == len(record.pages):
                printed = dict(zip(record.pages, record.printed_pages, strict=True)).get(page)
            return [replace(top, text=text, field=col, page=page, printed_page=printed)] + group
    return group


def _citing(group: list[Hit]) -> list[Hit]:
    """The best passages, at least one from each document when a measure spans several."""
    chosen = group[:CITATIONS_PER_ITEM]
    docs = {h.doc_id for h in chosen}
    for h in group[CITATIONS_PER_ITEM:]:
        if h.doc_id not in docs:
            chosen.append(h)
            docs.add(h.doc_id)
    return chosen


def _cite(searcher: Searcher, question: str, h: Hit, terms: set[str]) -> Citation:
    record = searcher.store.record(h.record_id)
    source, at = _source_text(record, h)
    quote, spans, start = evidence_quote(question, source, terms, (at, at + len(h.text)))
    page, printed = _quote_page(searcher, record, h, start)
    line = record.line if record is not None else None
    src = searcher.store.doc_source(h.doc_id)
    # A text file without page breaks has no pages: its line says where to look, "p.1" would not.
    page = None if line is not None and src is not None and src[1] <= 1 else page
    locator = record.locator if record is not None else None
    page = None if locator else page  # a sheet, Word paragraph or HTML anchor says where; it has no pages
    return Citation(
        passage_id=h.passage_id,
        doc_id=h.doc_id,
        doc_title=h.doc_title,
        source=h.source,
        page=page,
        line=line,
        locator=locator,
        field=h.field,
        speaker=h.speaker,
        quote=quote,
        highlights=spans,
        printed_page=printed,
        doc_kind=searcher.store.doc_kind(h.doc_id),
        edition=searcher.store.doc_edition(h.doc_id),
        ocr_confidence=record.ocr_confidence if record is not None else None,
    )


def _source_text(record: Record | None, h: Hit) -> tuple[str, int]:
    """The field (or record text, for a passage without a field) the passage was cut from, and
    where the passage starts in it; the passage itself when it is not found there verbatim."""
    if record is not None:
        full = record.fields.get(h.field, "") if h.field else record.text
        at = full.find(h.text) if h.text else -1
        if at >= 0:
            return full, at
    return h.text, 0


def _quote_page(searcher: Searcher, record: Record | None, h: Hit, start: int) -> tuple[int | None, int | None]:
    """The page (and printed page) the quote starts on: the passage's, unless the quote reaches back
    to an earlier page of a record text with page breaks (a speech running over a page)."""
    if record is None or h.field is not None or not record.page_offsets:
        return h.page, h.printed_page
    page = record.page_at(start)
    if page == h.page or page is None:
        return h.page, h.printed_page
    return page, _printed_page(searcher, record, h.doc_id, page)


def _printed_page(searcher: Searcher, record: Record, doc_id: str, page: int) -> int | None:
    """The number printed on a page, from the record's pages or its document's page labels."""
    if record.printed_pages and len(record.printed_pages) == len(record.pages):
        return dict(zip(record.pages, record.printed_pages, strict=True)).get(page)
    doc = next((d for d in searcher.store.documents if d.doc_id == doc_id), None)
    label = doc.metadata.get("page_labels", {}).get(str(page)) if doc is not None else None
    return int(label) if label is not None else None


def ask(
    searcher: Searcher, question: object, k: object = 10, filters: Filters | None = None, mode: object = "hybrid",
    complete: bool = False, calibration: Calibration | None = None, ignore_needs: Collection[str] = (),
    include_low: bool = False,
) -> Answer:
    """Search, group, calibrate and cite: the items above the cut (the first k, or all when complete).

    A complete list holds the 高 and 中 items; its 低 ones are counted in `folded_low` and left out
    unless include_low (a list of everything above the recall-minded cut is mostly noise). When no
    item reaches 中 nothing is folded.

    When nothing is above the cut the answer is not confident and `nearest` holds the closest
    items, so that a caller can show them as such. The cut applies to hybrid search, the mode
    it was fitted for; the other modes return the first k units as ranked.
    """
    k, mode, q = check_k(k), check_mode(mode), clean_query(question)
    trace = SearchTrace()
    groups, qs = rank_groups(searcher, q, filters=filters, mode=mode, trace=trace, ignore_needs=ignore_needs)
    terms = highlight_terms(searcher, q)
    implied = read_intent(q).ministries if mode == "hybrid" else []
    understood = [d.to_dict() for d in trace.needs]
    if mode != "hybrid":
        shown = groups[:k]
        items = [build_item(searcher, q, g.hits, terms) for g in shown]
        return Answer(question=q, summary=summarize_en(items), items=items, total=len(items),
                      filters=filters, implied_ministries=implied)
    cal = calibration or calibration_for(searcher)
    best = groups[0].hits[0].score if groups else 0.0
    kept: list[RankedGroup] = []
    answered = 0.0
    if groups:
        probs = cal.probability(np.asarray([g.features for g in groups]))
        for g, pr in zip(groups, probs, strict=True):
            g.confidence = float(pr)
        match = best_match(searcher, q, groups[0].hits[0].text)
        answered = cal.answered(float(probs[0]), qs, match)
        _raise_known(groups, trace, cal)
        if answered >= cal.answer or trace.needs or trace.measure_no is not None:
            kept = [g for g in groups if float(g.confidence or 0) >= cal.cut and g.hits[0].score >= best * cal.min_ratio]
    shown = kept if complete else kept[:k]
    folded = 0
    if complete and not include_low:
        strong = [g for g in kept if cal.band(float(g.confidence or 0)) != "low"]
        if strong:
            folded, shown = len(kept) - len(strong), strong
    items = [_with_confidence(build_item(searcher, q, g.hits, terms), g, cal) for g in shown]
    nearest = [] if kept else [_as_nearest(build_item(searcher, q, g.hits, terms), g, cal, answered)
                               for g in groups[:NEAREST]]
    return Answer(
        question=q, summary=summarize_en(_stubs(kept)) if kept else "No confident match.",
        items=items, total=len(kept), confident=bool(kept),
        nearest=nearest, implied_ministries=implied, filters=filters, needs=understood,
        measure_no=trace.measure_no, folded_low=folded,
    )


def _raise_known(groups: list[RankedGroup], trace: SearchTrace, cal: Calibration) -> None:
    """What the question makes certain, whatever the scores say: the measure it names by number is
    high (an exact lookup), and the services of a need read from it are at least medium, so that a
    caller in need is never told there is nothing."""
    for g in groups:
        if trace.measure_no is not None and g.hits[0].measure_no == trace.measure_no:
            g.confidence = max(float(g.confidence or 0), cal.high)
    if not trace.needs:
        return
    labels = {d.need.label for d in trace.needs}
    for g in groups[:NEED_SERVICES]:
        if labels & set(g.hits[0].needs) and g.hits[0].kind != "speech":
            g.confidence = max(float(g.confidence or 0), cal.medium)


def _as_nearest(item: AnswerItem, group: RankedGroup, cal: Calibration, answered: float) -> AnswerItem:
    """A nearest item of an unanswered question: its confidence is at most the question's (the same
    calibration says there is no confident answer), and its band is low whatever its own score."""
    item.confidence = round(min(float(group.confidence or 0), answered), 4)
    item.band = "low"
    return item


def _stubs(groups: list[RankedGroup]) -> list[AnswerItem]:
    """Uncited items for counting every unit above the cut (the summary), not only those built."""
    return [AnswerItem(record_id=g.hits[0].record_id, kind=g.hits[0].kind, title="", score=g.hits[0].score,
                       ministries=list(g.hits[0].ministries)) for g in groups]


def _with_confidence(item: AnswerItem, group: RankedGroup, cal: Calibration) -> AnswerItem:
    item.confidence = round(group.confidence, 4) if group.confidence is not None else None
    item.band = cal.band(group.confidence) if group.confidence is not None else None
    return item


@lru_cache(maxsize=1)
def default_calibration() -> Calibration:
    return load_calibration()


def calibration_for(searcher: Searcher) -> Calibration:
    """The shipped calibration when the index uses the model it was fitted for; otherwise a
    model-agnostic one (bands and cut from the ratio to the best item only, every question
    answered), because raw cosine scales differ between models."""
    cal = default_calibration()
    if cal.fitted_on.get("model_id") == searcher.store.manifest.model_id:
        return cal
    return relative_calibration()


@lru_cache(maxsize=1)
def relative_calibration() -> Calibration:
    weights = [0.0] * len(FEATURES)
    weights[FEATURES.index("rel_best")] = 1.0
    # P = sigmoid(12 * (rel_best - 0.6)): 0.5 at 60% of the best score.
    return Calibration(weights=[12.0 * w for w in weights], bias=-7.2, mean=[0.0] * len(FEATURES),
                       scale=[1.0] * len(FEATURES), high=0.9, medium=0.5, cut=0.12, answer=0.0,
                       fitted_on={"model_id": None, "note": "relative to the best item; no fitted model"})
