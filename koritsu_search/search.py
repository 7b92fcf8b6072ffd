"""Hybrid retrieval: dense (FAISS) and lexical (BM25 over Sudachi terms) legs, fused per query.

The fusion follows what was measured on this corpus (eval/results/retrieval.md):
- the dense score is the backbone (it carries English questions over Japanese text);
- the BM25 leg is added with a weight proportional to how much of the query the index
  vocabulary knows (idf-weighted coverage), so "#9999" or "8103" lean on it and an English
  question, whose words the Japanese index does not know, is left to the dense leg;
- a pseudo-relevance-feedback BM25 query built from the top dense passages' Sudachi terms
  gives English questions lexical precision without matching their words.
"""

from __future__ import annotations

import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from .errors import QueryError
from .index.vectors import dense_search
from .models import Filters, Hit
from .segment import get_segmenter

if TYPE_CHECKING:
    from .index.store import Index

MODES = ("hybrid", "dense", "lexical")
MAX_QUERY_CHARS = 2000

# Fusion weights, set on the development split only (eval/results/retrieval.md).
LEXICAL_WEIGHT = 0.35
PRF_WEIGHT = 0.15
PRF_DOCS = 3
PRF_TERMS = 12
CANDIDATES = 100


@dataclass
class SearchTrace:
    """Where the time went and how the legs were weighed, for benchmarks and debugging."""

    timings_ms: dict[str, float] = field(default_factory=dict)
    coverage: float = 0.0
    lexical_weight: float = 0.0
    query_terms: list[str] = field(default_factory=list)
    prf_terms: list[str] = field(default_factory=list)


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
    if mode in ("hybrid", "lexical"):
        t = time.perf_counter()
        bm = index.lexical.scores(terms, mask)
        if mode == "hybrid" and dense_ids.size:
            trace.prf_terms = _prf_terms(index, dense_ids, terms)
            if trace.prf_terms:
                prf = index.lexical.scores(trace.prf_terms, mask)
        trace.timings_ms["bm25"] = (time.perf_counter() - t) * 1000

    t = time.perf_counter()
    if mode == "lexical":
        order = np.argsort(-bm, kind="stable")[:k]
        hits = [Hit.from_passage(index.passages[i], float(bm[i]), None, float(bm[i])) for i in order if bm[i] > 0]
        trace.timings_ms["fusion"] = (time.perf_counter() - t) * 1000
        return hits

    cand = set(dense_ids.tolist())
    if mode == "hybrid":
        for leg in (bm, prf):
            positive = np.flatnonzero(leg > 0)  # masked-out passages score 0 and never enter
            cand.update(positive[np.argsort(-leg[positive])[:n_cand]].tolist())
    ids = np.fromiter(cand, dtype=np.int64)
    assert qv is not None
    dense = np.asarray(index.vectors[np.sort(ids)], dtype=np.float32) @ qv
    ids = np.sort(ids)
    if mode == "dense":
        fused = dense
        trace.lexical_weight = 0.0
    else:
        trace.coverage = index.lexical.coverage(terms)
        trace.lexical_weight = LEXICAL_WEIGHT * trace.coverage
        fused = _minmax(dense) + trace.lexical_weight * _by_max(bm[ids]) + PRF_WEIGHT * _by_max(prf[ids])
    order = np.argsort(-fused, kind="stable")[:k]
    hits = [
        Hit.from_passage(index.passages[int(ids[i])], float(fused[i]), float(dense[i]), float(bm[ids[i]]))
        for i in order
    ]
    trace.timings_ms["fusion"] = (time.perf_counter() - t) * 1000
    return hits
