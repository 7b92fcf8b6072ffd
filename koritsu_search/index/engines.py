"""The dense index engines by name: a new engine is one module and one entry here."""

from __future__ import annotations

from ..errors import KoritsuError
from .dense import DenseEngine
from .dense_faiss import FAISS_ENGINES


def engines() -> dict[str, DenseEngine]:
    """Every dense index type by name."""
    return dict(FAISS_ENGINES)


def engine(kind: str) -> DenseEngine:
    found = engines().get(kind)
    if found is None:
        raise KoritsuError(f"unknown dense index type '{kind}'; choose one of {', '.join(engines())}")
    return found
