"""The engine interface: what a build hands an engine, what the engine gives back, and how an index opens it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from ...models import Passage
from ..lexical import LexicalIndex
from ..manifest import Manifest
from ..passage_store import PassageStore
from ..retrieval import Retrieval


@dataclass(frozen=True)
class EngineSpec:
    """What the caller asked of the engine (None: keep what the index in place uses).

    `uri`, `token` and `collection` are for an external engine (Milvus); `dense_type` and
    `dense_params` choose the dense index (FAISS: flat, ivf or hnsw)."""

    name: str | None = None
    uri: str | None = None
    token: str | None = None
    collection: str | None = None
    dense_type: str | None = None
    dense_params: dict[str, Any] | None = None
    rebuild: bool = False


@dataclass
class BuildInputs:
    """A build's passages with their vectors and terms, and what the index in place recorded."""

    index_dir: Path
    passages: Sequence[Passage]
    vectors: np.ndarray
    terms: list[list[str]]
    lexical: LexicalIndex
    model_id: str
    previous: Manifest | None  # the index in place, when this build reuses it (None on a rebuild)
    progress: bool = False
    recorded: Manifest | None = None  # the index in place, even on a rebuild (its engine and URI)


@dataclass
class BuiltEngine:
    """An engine's part of a build: manifest entries, files for the new directory, and its commit.

    `carried`: paths inside the index directory that the engine keeps there (a Milvus Lite
    database) and that the directory swap moves from the old copy into the new one."""

    dense_type: str
    dense_params: dict[str, Any]
    info: dict[str, Any]
    save: Callable[[Path], None]
    commit: Callable[[], None] = lambda: None
    close: Callable[[], None] = lambda: None
    files: tuple[str, ...] = field(default_factory=tuple)
    carried: tuple[str, ...] = field(default_factory=tuple)


class Engine(Protocol):
    """Where an index's dense and sparse indexes live: one module under index/engines/ per engine."""

    name: str

    def preflight(self, spec: EngineSpec, recorded: Manifest | None) -> None:
        """Fail before any parsing or embedding when the spec is wrong or the engine cannot be reached."""
        ...

    def build(self, inputs: BuildInputs, spec: EngineSpec) -> BuiltEngine:
        """Write or sync the dense and sparse indexes for this build's passages."""
        ...

    def open(self, directory: Path, manifest: Manifest, lexical: LexicalIndex,
             passages: PassageStore) -> Retrieval:
        """The search side of an index built by this engine."""
        ...

    def describe(self, manifest: Manifest) -> dict[str, Any]:
        """Where an index's engine keeps its data, for `info`, reports and traces (no secrets)."""
        ...
