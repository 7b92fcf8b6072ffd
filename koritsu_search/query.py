"""What a search is asked and what it leaves behind: the query's checks and the search trace."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

import numpy as np

from .errors import QueryError
from .intent import Intent
from .needs import DetectedNeed

MODES = ("hybrid", "dense", "lexical")
MAX_QUERY_CHARS = 2000
MAX_K = 10_000


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
    synonym_terms: list[str] = field(default_factory=list)
    synonym_weight: float = 0.0
    intent: Intent = field(default_factory=Intent)
    needs: list[DetectedNeed] = field(default_factory=list)  # read from the question (hybrid mode)
    need_terms: list[str] = field(default_factory=list)
    measure_no: int | None = None  # a measure the question names by number
    # The fused scores of every candidate (not only the k returned): the query's score distribution.
    fused_max: float = 0.0
    fused_mean: float = 0.0
    fused_std: float = 0.0
    dense_max: float = 0.0
    dense_mean: float = 0.0
    dense_std: float = 0.0


def clean_query(query: object) -> str:
    """Drop control characters, lone surrogates and surrounding space; refuse what cannot be searched."""
    if isinstance(query, bytes):
        query = query.decode("utf-8", errors="replace")
    if not isinstance(query, str):
        raise QueryError("the query must be text")
    cleaned = "".join(
        " " if unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") or c == "\ufffd" else c for c in query
    )
    cleaned = " ".join(cleaned.split())
    if not cleaned:
        raise QueryError("the query is empty: type a word or a question")
    if len(cleaned) > MAX_QUERY_CHARS:
        raise QueryError(
            f"the query is too long ({len(cleaned)} characters; at most {MAX_QUERY_CHARS}): "
            "shorten it to the words or question you are looking for"
        )
    return cleaned


def check_k(k: object) -> int:
    """The number of results asked for: a whole number from 1 to MAX_K (search and ask alike)."""
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or not 1 <= int(k) <= MAX_K:
        raise QueryError(f"k must be a whole number from 1 to {MAX_K} (got {k!r})")
    return int(k)


def check_mode(mode: object) -> str:
    if mode not in MODES:
        raise QueryError(f"unknown search mode '{mode}'; choose one of {', '.join(MODES)}")
    return str(mode)
