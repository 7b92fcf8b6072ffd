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


def embed_queries(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Several queries' vectors, shape (len(texts), dim): in one pass where the embedder offers
    embed_query_batch (bit for bit the vectors of embed_query, faster), else one by one. Not the
    sentence-transformers embed_queries: padding a batch changes the vectors in their last bits."""
    many = getattr(embedder, "embed_query_batch", None)
    if callable(many):
        return np.asarray(many(texts), dtype=np.float32)
    return np.vstack([embedder.embed_query(t) for t in texts])


def is_embedder(obj: object) -> bool:
    """An embedder instance, as opposed to a factory (a class satisfies the protocol too)."""
    return isinstance(obj, Embedder) and not isinstance(obj, type)
