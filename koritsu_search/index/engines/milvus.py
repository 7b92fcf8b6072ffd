"""The Milvus engine: the dense and sparse indexes in a Milvus collection pair (Lite file or server).

The work is in index/milvus/ (connection, collections, build and search); this module is its
entry in the registry, imported only when an index names it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..lexical import LexicalIndex
from ..manifest import Manifest
from ..passage_store import PassageStore
from ..retrieval import Retrieval
from .base import BuildInputs, BuiltEngine, EngineSpec


class MilvusEngine:
    """pymilvus's MilvusClient: a standby collection synced per build, an alias switched at commit."""

    name = "milvus"

    def preflight(self, spec: EngineSpec, recorded: Manifest | None) -> None:
        from ..milvus.build import preflight

        preflight(spec, recorded)

    def build(self, inputs: BuildInputs, spec: EngineSpec) -> BuiltEngine:
        from ..milvus.build import build_milvus

        return build_milvus(inputs, spec)

    def open(self, directory: Path, manifest: Manifest, lexical: LexicalIndex,
             passages: PassageStore) -> Retrieval:
        from ..milvus.search import open_milvus

        return open_milvus(directory, manifest, lexical, passages)

    def describe(self, manifest: Manifest) -> dict[str, Any]:
        info = manifest.engine
        return {"name": self.name, "uri": info.get("uri"), "collection": info.get("collection"),
                "alias": info.get("alias"), "dense_type": manifest.dense_type}


ENGINE = MilvusEngine()
