"""Engines by name: a new engine is one module under index/engines/ and one line in ENGINES.

Like txtai's ANN factory, a module is imported only when its engine is named, so Milvus's
client is never loaded by an index that does not use it. Each module exposes `ENGINE`, an
object that implements `base.Engine`; `tests/test_engines.py` runs the contract suite on each."""

from __future__ import annotations

import importlib

from ...errors import OptionError
from ..manifest import Manifest
from .base import BuildInputs, BuiltEngine, Engine, EngineSpec

ENGINES: dict[str, str] = {
    "faiss": f"{__name__}.faiss",
    "milvus": f"{__name__}.milvus",
}
DEFAULT = "faiss"

__all__ = ["DEFAULT", "ENGINES", "BuildInputs", "BuiltEngine", "Engine", "EngineSpec", "engine", "engine_for",
           "opened_engine"]


def engine(name: str) -> Engine:
    """The engine registered as name (its module is imported now)."""
    module = ENGINES.get(name)
    if module is None:
        raise OptionError(f"unknown engine '{name}'; choose one of {', '.join(ENGINES)} ({{engine}})",
                          {"engine": None})
    found: Engine = importlib.import_module(module).ENGINE
    return found


def engine_for(spec: EngineSpec, recorded: Manifest | None) -> Engine:
    """The engine a build uses: the one asked for, else the index in place's, else the default."""
    name = spec.name or (recorded.engine.get("name") if recorded is not None else None) or DEFAULT
    return engine(name)


def opened_engine(manifest: Manifest) -> Engine:
    """The engine that built an index (by its manifest)."""
    return engine(str(manifest.engine.get("name", DEFAULT)))
