"""The embedded engine (the default): FAISS for the dense leg and bm25s for the lexical one, in the index folder."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ...errors import OptionError
from ..dense import DenseType, default_kind
from ..dense_faiss import DENSE_TYPES
from ..lexical import LexicalIndex
from ..manifest import Manifest
from ..passage_store import PassageStore
from ..retrieval import EmbeddedRetrieval, Retrieval
from .base import BuildInputs, BuiltEngine, EngineSpec


def dense_type(kind: str) -> DenseType:
    """The FAISS index type named kind (flat, ivf, hnsw): this engine's parameter."""
    found = DENSE_TYPES.get(kind)
    if found is None:
        raise OptionError(f"unknown dense index type '{kind}'; choose one of {', '.join(DENSE_TYPES)} "
                          "({dense_type})", {"dense_type": None})
    return found


class FaissEngine:
    """Everything in the index folder: nothing to reach, nothing to release."""

    name = "faiss"

    def preflight(self, spec: EngineSpec, recorded: Manifest | None) -> None:
        if spec.uri or spec.collection or spec.token:
            raise OptionError("{uri}, {collection} and {token} are options of the milvus engine ({engine})",
                              {"uri": None, "collection": None, "token": None, "engine": "milvus"})
        if spec.dense_type is not None:
            dense_type(spec.dense_type)

    def build(self, inputs: BuildInputs, spec: EngineSpec) -> BuiltEngine:
        prev = inputs.previous
        kept = prev.dense_type if prev is not None and prev.engine.get("name", "faiss") == "faiss" \
            and not spec.dense_params else None
        kind = spec.dense_type or kept or default_kind(len(inputs.passages))
        dense = dense_type(kind).build(inputs.vectors, spec.dense_params)
        return BuiltEngine(kind, dense.params, {"name": self.name}, dense.save)

    def open(self, directory: Path, manifest: Manifest, lexical: LexicalIndex,
             passages: PassageStore) -> Retrieval:
        dense = dense_type(manifest.dense_type).load(directory, manifest.dense_params)
        return EmbeddedRetrieval(dense, lexical)

    def describe(self, manifest: Manifest) -> dict[str, Any]:
        return {"name": self.name, "dense_type": manifest.dense_type, "dense_params": manifest.dense_params}


ENGINE = FaissEngine()
