"""The embedder interface every layer codes against."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import numpy as np


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into L2-normalized float32 vectors; queries and passages may use prompts."""

    model_id: str
    dim: int

    def embed_passages(self, texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray:
        """Return an array of shape (len(texts), dim), float32, rows L2-normalized."""
        ...

    def embed_query(self, text: str) -> np.ndarray:
        """Return a vector of shape (dim,), float32, L2-normalized."""
        ...


def is_embedder(obj: object) -> bool:
    """An embedder instance, as opposed to a factory (a class satisfies the protocol too)."""
    return isinstance(obj, Embedder) and not isinstance(obj, type)
