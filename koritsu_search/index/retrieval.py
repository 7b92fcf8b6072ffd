"""Where a query's candidates come from: the interface every engine implements, and the embedded one.

The searcher asks an engine for the dense top-N and each lexical leg's top-N within the query's
scope, then for the exact scores of the union of candidates on every leg; fusion stays in the
project (fusion.fuse), so two engines that agree on these answers rank alike.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any, Protocol

import numpy as np

from ..models import Filters
from .dense import DenseIndex
from .lexical import LexicalIndex


@dataclass(frozen=True)
class Scope:
    """The passages a query may return: its filters, and the rows they select (None: all rows)."""

    filters: Filters | None = None
    mask: np.ndarray | None = None

    @cached_property
    def allowed(self) -> np.ndarray | None:
        return None if self.mask is None else np.flatnonzero(self.mask)

    @property
    def empty(self) -> bool:
        return self.mask is not None and not self.mask.any()


class LexicalLeg(Protocol):
    """One BM25 query within a scope."""

    def top(self, n: int) -> np.ndarray:
        """Up to n rows with a positive score, best first (ties by row)."""
        ...

    def at(self, rows: np.ndarray) -> np.ndarray:
        """The exact score of each given row (0 outside the scope)."""
        ...


class Retrieval(Protocol):
    """An engine's search side over one index's passages (ids are passage row numbers)."""

    def __len__(self) -> int: ...

    def dense_top(self, query: np.ndarray, n: int, scope: Scope) -> np.ndarray:
        """The n rows nearest the query vector within the scope, best first."""
        ...

    def dense_score(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        """The exact inner product of the query with each given row."""
        ...

    def dense_vectors(self, rows: np.ndarray) -> np.ndarray:
        """The stored passage vectors of the given rows (for query feedback)."""
        ...

    def lexical(self, terms: list[str], scope: Scope) -> LexicalLeg: ...

    def describe(self) -> dict[str, Any]:
        """Engine, index type, parameters and size, for `info` and benchmarks."""
        ...

    def close(self) -> None: ...


def top_positive(scores: np.ndarray, n: int) -> np.ndarray:
    """Rows of the n best positive scores, best first, ties broken by row (lowest first)."""
    positive = np.flatnonzero(scores > 0)
    if n <= 0:
        return np.empty(0, dtype=np.int64)
    if positive.size > n:
        # Every row scoring at least the n-th best, so that a tie at the cut keeps the lowest rows.
        nth = -np.partition(-scores[positive], n - 1)[n - 1]
        positive = positive[scores[positive] >= nth]
    order = np.lexsort((positive, -scores[positive]))[:n]
    return positive[order].astype(np.int64, copy=False)


class _FullLeg:
    """A BM25 leg scored over every passage at once (bm25s): top-N and lookups read one array."""

    def __init__(self, scores: np.ndarray) -> None:
        self.scores = scores

    def top(self, n: int) -> np.ndarray:
        return top_positive(self.scores, n)

    def at(self, rows: np.ndarray) -> np.ndarray:
        return self.scores[rows]


class _NoLeg:
    """A leg that was not asked (no feedback terms, no English words): scores nothing."""

    def top(self, n: int) -> np.ndarray:
        return np.empty(0, dtype=np.int64)

    def at(self, rows: np.ndarray) -> np.ndarray:
        return np.zeros(len(rows), dtype=np.float32)


NO_LEG: LexicalLeg = _NoLeg()


class EmbeddedRetrieval:
    """The default engine, in this process: FAISS for the dense leg, bm25s for the lexical one."""

    name = "faiss"

    def __init__(self, dense: DenseIndex, lexical: LexicalIndex) -> None:
        self.dense = dense
        self.lexical_index = lexical

    def __len__(self) -> int:
        return len(self.dense)

    def dense_top(self, query: np.ndarray, n: int, scope: Scope) -> np.ndarray:
        ids, _ = self.dense.search(query, n, scope.allowed)
        return ids

    def dense_score(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        return self.dense.score(query, rows)

    def dense_vectors(self, rows: np.ndarray) -> np.ndarray:
        return self.dense.vectors(rows)

    def lexical(self, terms: list[str], scope: Scope) -> LexicalLeg:
        return _FullLeg(self.lexical_index.scores(terms, scope.mask))

    def describe(self) -> dict[str, Any]:
        return self.dense.describe()

    def close(self) -> None:
        """Nothing to release: the files are closed with the store."""
