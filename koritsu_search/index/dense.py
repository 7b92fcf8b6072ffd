"""The dense-index interface every engine implements, and which type suits a corpus size."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Protocol

import numpy as np


class DenseIndex(Protocol):
    """Inner-product search over L2-normalized vectors; ids are passage row numbers."""

    params: dict[str, Any]

    @property
    def kind(self) -> str: ...

    def __len__(self) -> int: ...

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, scores), best first; allowed (sorted row ids) restricts the search to those rows."""
        ...

    def score(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        """The exact inner product of the query with each given row."""
        ...

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of the given rows."""
        ...

    def save(self, directory: Path) -> None: ...

    def describe(self) -> dict[str, Any]:
        """Engine, type, parameters and size, for the manifest and benchmarks."""
        ...


class DenseType(Protocol):
    """One kind of dense index (flat, ivf, hnsw): how it is built and opened (a class implementing DenseIndex)."""

    def build(self, vectors: np.ndarray, params: dict[str, Any] | None = None) -> DenseIndex: ...

    def load(self, directory: Path, params: dict[str, Any]) -> DenseIndex: ...

    def default_params(self, n: int) -> dict[str, Any]: ...


# Exact search costs ~13-18 ms per 100k passages per query on 2 cores (eval/results/bench.md):
# up to here it fits a 10 ms dense-leg budget; beyond, IVF-Flat is the default.
EXACT_UP_TO = 50_000


def default_kind(n: int) -> str:
    """Exact search for small corpora, IVF-Flat beyond (measured in eval/results/bench.md).

    HNSW (M=32, efConstruction=80) reached only 0.89 recall@10 at 1M passages with efSearch=96
    and took 150 s to build, against 17-31 s and 0.97-1.00 recall for IVF-Flat.
    """
    return "flat" if n <= EXACT_UP_TO else "ivf"
