"""Engines by name: what a build hands an engine, what the engine gives back, and how an index opens it.

An engine is one module pair behind this interface: a build function (write or sync the dense
and sparse indexes, return files to save and a commit step that runs just before the directory
swap) and an open function (the search side, a Retrieval). The embedded FAISS engine is the
default; Milvus (index/milvus/) is imported only when named.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import KoritsuError
from .columns import PassageStore
from .dense import DenseIndex, default_kind
from .engine_spec import BuildInputs, BuiltEngine, EngineSpec
from .engines import engine as dense_engine
from .lexical import LexicalIndex
from .manifest import Manifest
from .retrieval import EmbeddedRetrieval, Retrieval


def build_engine(inputs: BuildInputs, spec: EngineSpec) -> BuiltEngine:
    if spec.resolved_name(inputs.recorded) == "milvus":
        from .milvus.build import build_milvus

        return build_milvus(inputs, spec)
    return _build_faiss(inputs, spec)


def check_reachable(spec: EngineSpec, recorded: Manifest | None) -> None:
    """Fail before any parsing or embedding when the engine cannot be reached (a server URI that is
    wrong should cost seconds, not the hours of an embedding run)."""
    if spec.resolved_name(recorded) == "milvus":
        from .milvus.build import preflight

        preflight(spec, recorded)


def _build_faiss(inputs: BuildInputs, spec: EngineSpec) -> BuiltEngine:
    prev = inputs.previous
    kept = prev.dense_type if prev is not None and prev.engine.get("name", "faiss") == "faiss" \
        and not spec.dense_params else None
    kind = spec.dense_type or kept or default_kind(len(inputs.passages))
    dense = dense_engine(kind).build(inputs.vectors, spec.dense_params)
    return BuiltEngine(kind, dense.params, {"name": "faiss"}, dense.save)


def open_retrieval(directory: Path, manifest: Manifest, lexical: LexicalIndex,
                   passages: PassageStore) -> tuple[Retrieval, DenseIndex | None]:
    """The search side of an index's engine (and, for the embedded engine, its dense index)."""
    name = manifest.engine.get("name", "faiss")
    if name == "milvus":
        from .milvus.search import open_milvus

        return open_milvus(directory, manifest, lexical, passages), None
    if name != "faiss":
        raise KoritsuError(f"{directory} uses the engine '{name}', which this koritsu-search does not know")
    dense = dense_engine(manifest.dense_type).load(directory, manifest.dense_params)
    return EmbeddedRetrieval(dense, lexical), dense
