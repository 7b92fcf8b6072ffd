"""BM25 as sparse vectors: stable term ids, per-passage weights, and exact scores of given rows.

An engine that stores the lexical leg as sparse vectors (Milvus) keeps the document side
(term frequency, saturated and length-normalized) in each passage's vector and puts the idf on
the query side, so that the inner product is the BM25 score bm25s computes (the Lucene variant:
idf = ln(1 + (N - df + 0.5) / (df + 0.5)), tf / (tf + k1 (1 - b + b dl / avgdl))). Term ids come
from an append-only map kept with the index, so a passage's vector changes only with its text.
"""

from __future__ import annotations

import json
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .lexical import LexicalIndex

K1 = 1.2  # as LexicalIndex.build
B = 0.75
TERM_IDS_FILE = "sparse_terms.json"
# An update keeps the average passage length its vectors were weighted with while the corpus's
# stays within this share of it: every vector changes when avgdl does, so a small drift would
# rewrite the whole collection for a change of one file.
AVGDL_TOLERANCE = 0.01


@dataclass
class TermIds:
    """Each term's sparse dimension; new terms get new ids, an id is never reused."""

    ids: dict[str, int] = field(default_factory=dict)
    uid: str = field(default_factory=lambda: uuid.uuid4().hex)  # changes when the map starts anew

    def extend(self, terms: list[str]) -> None:
        for t in terms:
            if t and t not in self.ids:
                self.ids[t] = len(self.ids)

    def get(self, term: str) -> int | None:
        return self.ids.get(term)

    def save(self, directory: Path) -> None:
        text = json.dumps({"uid": self.uid, "terms": list(self.ids)}, ensure_ascii=False)
        (directory / TERM_IDS_FILE).write_text(text, encoding="utf-8")

    @classmethod
    def load(cls, directory: Path) -> TermIds:
        data = json.loads((directory / TERM_IDS_FILE).read_text(encoding="utf-8"))
        if not isinstance(data, dict) or not isinstance(data.get("terms"), list):
            raise ValueError(f"{TERM_IDS_FILE} is not a term list")
        return cls({t: i for i, t in enumerate(data["terms"])}, str(data["uid"]))


def passage_lengths(lexical: LexicalIndex) -> np.ndarray:
    """Each passage's length in terms, as bm25s counts it (an empty passage holds one placeholder)."""
    return np.maximum(np.diff(lexical.term_ptr), 1)


def average_length(lexical: LexicalIndex) -> float:
    lengths = passage_lengths(lexical)
    return float(lengths.mean()) if lengths.size else 1.0


def kept_avgdl(previous: float | None, current: float) -> float:
    """The average length to weight with: the previous one while the corpus stays close to it."""
    if previous and abs(current / previous - 1.0) <= AVGDL_TOLERANCE:
        return previous
    return current


def document_weights(terms: list[str], avgdl: float, term_ids: TermIds) -> dict[int, float]:
    """A passage's sparse vector: each term's saturated, length-normalized frequency."""
    counts = Counter(t for t in terms if t)
    norm = K1 * ((1 - B) + B * max(len(terms), 1) / avgdl)
    out: dict[int, float] = {}
    for t, tf in counts.items():
        tid = term_ids.get(t)
        if tid is None:
            raise KeyError(f"term {t!r} has no sparse id")
        out[tid] = float(np.float32(tf / (norm + tf)))
    return out


def _idf_per_term(lexical: LexicalIndex, terms: list[str]) -> dict[str, float]:
    """idf per occurrence of each known query term (bm25s sums repeats too)."""
    out: dict[str, float] = {}
    for t in lexical.known(terms):
        out[t] = out.get(t, 0.0) + lexical.idf(t)
    return out


def query_weights(lexical: LexicalIndex, terms: list[str], term_ids: TermIds) -> dict[int, float]:
    """The query's sparse vector, in the collection's term dimensions."""
    return {tid: w for t, w in _idf_per_term(lexical, terms).items() if (tid := term_ids.get(t)) is not None}


def exact_scores(lexical: LexicalIndex, terms: list[str], rows: np.ndarray, avgdl: float) -> np.ndarray:
    """The BM25 score of each given row, from the stored term lists (the candidates of a query)."""
    rows = np.asarray(rows, dtype=np.int64)
    out = np.zeros(len(rows), dtype=np.float32)
    weights = {lexical.vocab[t]: w for t, w in _idf_per_term(lexical, terms).items()}
    if not weights or rows.size == 0:
        return out
    ptr = lexical.term_ptr
    starts, ends = ptr[rows], ptr[rows + 1]
    lengths = np.maximum(ends - starts, 1).astype(np.float64)
    norm = K1 * ((1 - B) + B * lengths / avgdl)
    wanted = np.array(sorted(weights), dtype=np.int64)
    idf = np.array([weights[int(t)] for t in wanted], dtype=np.float64)
    # Every candidate's term ids in one gather, then a (row, term) count of the query's terms.
    lens = ends - starts
    flat = np.arange(int(lens.sum()), dtype=np.int64) - np.repeat(np.cumsum(lens) - lens - starts, lens)
    ids = lexical.term_ids_at(flat)
    row_of = np.repeat(np.arange(len(rows), dtype=np.int64), lens)
    hit = np.isin(ids, wanted)
    if not hit.any():
        return out
    pair = row_of[hit] * len(wanted) + np.searchsorted(wanted, ids[hit])
    uniq, tf = np.unique(pair, return_counts=True)
    row, term = uniq // len(wanted), uniq % len(wanted)
    np.add.at(out, row, (idf[term] * (tf / (norm[row] + tf))).astype(np.float32))
    return out


def describe(avgdl: float, term_ids: TermIds) -> dict[str, Any]:
    return {"k1": K1, "b": B, "avgdl": avgdl, "terms": len(term_ids.ids), "term_ids_uid": term_ids.uid,
            "idf": "lucene (query side)"}
