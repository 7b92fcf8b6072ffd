"""Hybrid retrieval: dense (FAISS) and lexical (BM25 over Sudachi terms) legs, fused per query.

The fusion follows what was measured on this corpus (eval/results/retrieval.md):
- the dense score, min-max normalized over the candidates, is the backbone;
- the BM25 leg is added with a weight proportional to how much of the query the index
  vocabulary knows (idf-weighted coverage), so "#9999" or "8103" lean on it and an English
  question, whose words the Japanese index does not know, does not;
- English words are translated through a domain glossary (translate.py) into the corpus's
  Japanese terms, which get a BM25 leg weighted by the share of words translated;
- a pseudo-relevance-feedback BM25 query from the top dense passages' Sudachi terms;
- small priors: passages of a ministry the query names, speaker turns when the query asks
  what was said, and support from a record's second-best passage.
Every weight was set on the development split only; the held-out split is reported, not tuned.
"""

from __future__ import annotations

import re
import time
import unicodedata
import weakref
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import QueryError
from .index.vectors import dense_search
from .intent import Intent, read_intent
from .translate import translate
from .models import Filters, Hit
from .procedural import asks_proceedings, is_procedural
from .segment import get_segmenter

if TYPE_CHECKING:
    from .index.store import Index

MODES = ("hybrid", "dense", "lexical")
MAX_QUERY_CHARS = 2000

# Fusion weights, set on the development split only (eval/results/retrieval.md).
LEXICAL_WEIGHT = 0.8
PRF_WEIGHT = 0.2
PRF_DOCS = 3
PRF_TERMS = 12
CANDIDATES = 100
MINISTRY_BOOST = 0.4  # a passage of a ministry the query names
SPEECH_BOOST = 0.35  # a speaker turn, when the query asks what was said at the meeting
SIBLING_WEIGHT = 0.2  # share of a record's second-best passage added to its passages
PROCEDURAL_PENALTY = 0.5  # a chair's thanks and hand-over, unless the question asks about the proceedings
TRANSLATION_WEIGHT = 1.2  # BM25 over the glossary's Japanese terms for the query's English words


@dataclass
class SearchTrace:
    """Where the time went and how the legs were weighed, for benchmarks and debugging."""

    timings_ms: dict[str, float] = field(default_factory=dict)
    coverage: float = 0.0
    lexical_weight: float = 0.0
    query_terms: list[str] = field(default_factory=list)
    prf_terms: list[str] = field(default_factory=list)
    translated_terms: list[str] = field(default_factory=list)
    translation_weight: float = 0.0
    intent: Intent = field(default_factory=Intent)
    # The fused scores of every candidate (not only the k returned): the query's score distribution.
    fused_max: float = 0.0
    fused_mean: float = 0.0
    fused_std: float = 0.0
    dense_max: float = 0.0
    dense_mean: float = 0.0
    dense_std: float = 0.0


def clean_query(query: str) -> str:
    """Drop control characters and surrounding space; refuse what cannot be searched."""
    if not isinstance(query, str):
        raise QueryError("the query must be text")
    cleaned = "".join(" " if unicodedata.category(c) in ("Cc", "Cf", "Zl", "Zp") else c for c in query)
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise QueryError("the query is empty: type a word or a question")
    if len(cleaned) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is too long ({len(cleaned)} characters; at most {MAX_QUERY_CHARS}): "
            "shorten it to the words or question you are looking for"
        )
    return cleaned


def filter_mask(index: Index, filters: Filters | None) -> np.ndarray | None:
    """A 0/1 mask over passages, or None when nothing is filtered."""
    if filters is None or filters.is_empty():
        return None
    return np.fromiter((filters.accepts(p) for p in index.passages), dtype=np.float32, count=len(index.passages))


def _minmax(x: np.ndarray) -> np.ndarray:
    if x.size == 0:
        return x
    lo, hi = float(x.min()), float(x.max())
    return (x - lo) / (hi - lo) if hi > lo else np.ones_like(x)


def _by_max(x: np.ndarray) -> np.ndarray:
    hi = float(x.max()) if x.size else 0.0
    return x / hi if hi > 0 else np.zeros_like(x)


def _prf_terms(index: Index, top_ids: np.ndarray, query_terms: list[str]) -> list[str]:
    """The most distinctive Sudachi terms of the top dense passages."""
    counts: Counter[str] = Counter()
    for pid in top_ids[:PRF_DOCS]:
        for t in set(index.terms[int(pid)]):
            counts[t] += 1
    lex = index.lexical
    n = max(lex.n_docs, 1)
    scored = []
    for t, c in counts.items():
        df = lex.df(t)
        # Terms in a large share of passages (e.g. 孤独, 孤立, 施策) only add noise.
        if df == 0 or df > 0.2 * n or len(t) < 2:
            continue
        scored.append((c * lex.idf(t), t))
    scored.sort(reverse=True)
    return [t for _, t in scored[:PRF_TERMS] if t not in query_terms]


_PROCEDURAL: weakref.WeakKeyDictionary[Any, np.ndarray] = weakref.WeakKeyDictionary()


def procedural_rows(index: Index) -> np.ndarray:
    """Which passages are procedural speech (computed once per loaded index)."""
    rows = _PROCEDURAL.get(index)
    if rows is None:
        rows = np.fromiter((p.kind == "speech" and is_procedural(p.text) for p in index.passages),
                           dtype=bool, count=len(index.passages))
        _PROCEDURAL[index] = rows
    return rows


def _priors(index: Index, ids: np.ndarray, intent: Intent, question: str = "") -> np.ndarray:
    """Boosts for passages of a ministry the query names and for speeches when it asks about the
    meeting; a penalty for procedural lines unless it asks about the proceedings."""
    bonus = np.zeros(len(ids), dtype=np.float32)
    if PROCEDURAL_PENALTY and not asks_proceedings(question):
        bonus -= PROCEDURAL_PENALTY * procedural_rows(index)[ids]
    if not intent.ministries and not intent.wants_speech:
        return bonus
    wanted = set(intent.ministries)
    for j, i in enumerate(ids):
        p = index.passages[int(i)]
        if wanted and wanted & set(p.ministries):
            bonus[j] += MINISTRY_BOOST
        if intent.wants_speech and p.kind == "speech":
            bonus[j] += SPEECH_BOOST
    return bonus


def _add_sibling_support(index: Index, ids: np.ndarray, fused: np.ndarray) -> np.ndarray:
    """A record matched by several passages is a little more likely to be the answer."""
    if SIBLING_WEIGHT == 0:
        return fused
    best: dict[str, list[float]] = {}
    for j, i in enumerate(ids):
        best.setdefault(index.passages[int(i)].record_id, []).append(float(fused[j]))
    second = {r: sorted(v, reverse=True)[1] if len(v) > 1 else 0.0 for r, v in best.items()}
    support = np.array([second[index.passages[int(i)].record_id] for i in ids], dtype=np.float32)
    return fused + SIBLING_WEIGHT * support


def search(
    index: Index,
    query: str,
    k: int = 10,
    filters: Filters | None = None,
    mode: str = "hybrid",
    trace: SearchTrace | None = None,
) -> list[Hit]:
    """Top-k passages for the query; filters restrict both legs identically."""
    if mode not in MODES:
        raise QueryError(f"unknown search mode '{mode}'; choose one of {', '.join(MODES)}")
    if k < 1:
        raise QueryError("k must be at least 1")
    q = clean_query(query)
    trace = trace if trace is not None else SearchTrace()
    n = len(index.passages)
    if n == 0:
        return []
    mask = filter_mask(index, filters)
    allowed = np.flatnonzero(mask) if mask is not None else None
    if allowed is not None and allowed.size == 0:
        return []
    n_cand = max(CANDIDATES, 3 * k)

    t = time.perf_counter()
    terms = get_segmenter().lexical_terms(q)
    trace.query_terms = terms
    trace.timings_ms["segment"] = (time.perf_counter() - t) * 1000

    dense_ids = np.empty(0, dtype=np.int64)
    qv: np.ndarray | None = None
    if mode in ("hybrid", "dense"):
        t = time.perf_counter()
        qv = index.embedder.embed_query(q)
        trace.timings_ms["embed"] = (time.perf_counter() - t) * 1000
        t = time.perf_counter()
        dense_ids, _ = dense_search(index.faiss, index.vectors, qv, n_cand, allowed)
        trace.timings_ms["faiss"] = (time.perf_counter() - t) * 1000

    bm = np.zeros(n, dtype=np.float32)
    prf = np.zeros(n, dtype=np.float32)
    trans = np.zeros(n, dtype=np.float32)
    if mode in ("hybrid", "lexical"):
        t = time.perf_counter()
        bm = index.lexical.scores(terms, mask)
        if mode == "hybrid" and dense_ids.size:
            trace.prf_terms = _prf_terms(index, dense_ids, terms)
            if trace.prf_terms:
                prf = index.lexical.scores(trace.prf_terms, mask)
        if mode == "hybrid" and re.search(r"[A-Za-z]", q):
            tr = translate(q)
            if tr.terms:
                trace.translated_terms = get_segmenter().lexical_terms(" ".join(tr.terms))
                trace.translation_weight = TRANSLATION_WEIGHT * tr.coverage
                trans = index.lexical.scores(trace.translated_terms, mask)
        trace.timings_ms["bm25"] = (time.perf_counter() - t) * 1000

    t = time.perf_counter()
    if mode == "lexical":
        order = np.argsort(-bm, kind="stable")[:k]
        hits = [Hit.from_passage(index.passages[i], float(bm[i]), None, float(bm[i])) for i in order if bm[i] > 0]
        trace.timings_ms["fusion"] = (time.perf_counter() - t) * 1000
        return hits

    cand = set(dense_ids.tolist())
    if mode == "hybrid":
        for leg in (bm, prf, trans):
            positive = np.flatnonzero(leg > 0)  # masked-out passages score 0 and never enter
            if positive.size > n_cand:
                positive = positive[np.argpartition(-leg[positive], n_cand)[:n_cand]]
            cand.update(positive.tolist())
    if mode == "hybrid":
        trace.intent = read_intent(q)
        for m in trace.intent.ministries:
            named = index.ministry_rows.get(m, np.empty(0, dtype=np.int64))
            if mask is not None:
                named = named[mask[named] > 0]
            cand.update(named[:2000].tolist())
    ids = np.sort(np.fromiter(cand, dtype=np.int64))
    assert qv is not None
    dense = np.asarray(index.vectors[ids], dtype=np.float32) @ qv
    if mode == "dense":
        fused = dense
        trace.lexical_weight = 0.0
    else:
        trace.coverage = index.lexical.coverage(terms)
        trace.lexical_weight = LEXICAL_WEIGHT * trace.coverage
        fused = (
            _minmax(dense)
            + trace.lexical_weight * _by_max(bm[ids])
            + PRF_WEIGHT * _by_max(prf[ids])
            + trace.translation_weight * _by_max(trans[ids])
        )
        fused = fused + _priors(index, ids, trace.intent, q)
        fused = _add_sibling_support(index, ids, fused)
    if fused.size:
        trace.fused_max, trace.fused_mean, trace.fused_std = float(fused.max()), float(fused.mean()), float(fused.std())
        trace.dense_max, trace.dense_mean, trace.dense_std = float(dense.max()), float(dense.mean()), float(dense.std())
    order = np.argsort(-fused, kind="stable")[:k]
    hits = [
        Hit.from_passage(index.passages[int(ids[i])], float(fused[i]), float(dense[i]), float(bm[ids[i]]))
        for i in order
    ]
    trace.timings_ms["fusion"] = (time.perf_counter() - t) * 1000
    return hits
