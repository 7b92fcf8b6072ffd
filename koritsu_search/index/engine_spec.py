"""What a build hands an engine and what the engine gives back (the data of index/backend.py)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import KoritsuError
from ..models import Passage
from .lexical import LexicalIndex
from .manifest import Manifest

ENGINES = ("faiss", "milvus")


@dataclass(frozen=True)
class EngineSpec:
    """What the user asked of the engine (None: keep what the index in place uses)."""

    name: str | None = None
    uri: str | None = None
    token: str | None = None
    collection: str | None = None
    dense_type: str | None = None
    dense_params: dict[str, Any] | None = None
    rebuild: bool = False

    def resolved_name(self, previous: Manifest | None) -> str:
        name = self.name or (previous.engine.get("name") if previous is not None else None) or "faiss"
        if name not in ENGINES:
            raise KoritsuError(f"unknown engine '{name}'; choose one of {', '.join(ENGINES)}")
        if name == "faiss" and (self.uri or self.collection):
            raise KoritsuError("--uri and --collection are for --engine milvus")
        return name


@dataclass
class BuildInputs:
    """A build's passages with their vectors and terms, and what the index in place recorded."""

    index_dir: Path
    passages: Sequence[Passage]
    vectors: np.ndarray
    terms: list[list[str]]
    lexical: LexicalIndex
    model_id: str
    previous: Manifest | None  # the index in place, when this build reuses it (None on --rebuild)
    progress: bool = False
    recorded: Manifest | None = None  # the index in place, even on --rebuild (its engine and URI)


@dataclass
class BuiltEngine:
    """An engine's part of a build: manifest entries, files for the new directory, and its commit."""

    dense_type: str
    dense_params: dict[str, Any]
    info: dict[str, Any]
    save: Callable[[Path], None]
    commit: Callable[[], None] = lambda: None
    close: Callable[[], None] = lambda: None
    files: tuple[str, ...] = field(default_factory=tuple)
