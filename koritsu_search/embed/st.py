"""An Embedder backed by sentence-transformers, loading a local model directory or a cached hub id offline."""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from koritsu_search.cpus import usable_cpus
from koritsu_search.errors import ModelError
from koritsu_search.offline import ALLOW_ENV, downloads_allowed, stay_offline

# OpenMP threads that spin while waiting collapse throughput when other processes share the
# cores (a 2-thread query went from ~60 ms to ~1.4 s on a busy 2-core machine); passive waiting
# costs little when idle. Only effective before torch is first imported, and never overrides.
if "torch" not in sys.modules:
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

_PASSAGE_PROMPTS = ("passage", "document")
_QUERY_PROMPTS = ("query",)
_threads_configured = False


def configure_torch_threads() -> None:
    """Once per process: one intra-op thread per usable core, never more (KORITSU_THREADS overrides).

    torch counts the host's cores, which oversubscribes a container limited by CPU affinity.
    """
    global _threads_configured
    if _threads_configured:
        return
    _threads_configured = True
    import torch

    wanted = os.environ.get("KORITSU_THREADS", "").strip()
    threads = int(wanted) if wanted.isdigit() and int(wanted) > 0 else min(torch.get_num_threads(), usable_cpus())
    if threads != torch.get_num_threads():
        torch.set_num_threads(threads)


def _looks_like_path(name: str) -> bool:
    """True for names that can only be a filesystem path, never a hub id like "org/model"."""
    return (
        name.startswith(("/", ".", "~"))
        or "\\" in name
        or name.count("/") > 1
        or (len(name) > 1 and name[1] == ":")
    )


@contextmanager
def _quiet_transformers() -> Iterator[None]:
    """Hide transformers' "Loading weights" progress bar while a model loads."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:  # pragma: no cover - transformers is a dependency
        yield
        return
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        yield
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


def _in_hub_cache(repo_id: str) -> bool:
    """Whether the local Hugging Face cache holds a model's config (no network)."""
    from huggingface_hub import try_to_load_from_cache

    try:
        return isinstance(try_to_load_from_cache(repo_id, "config.json"), str)
    except ValueError:  # not a valid repo id
        return False


def _fp32_kwargs() -> dict[str, Any]:
    """fp32 compute even when a checkpoint is stored in fp16 (transformers 5 defaults to "auto")."""
    import torch
    import transformers

    major_minor = tuple(int(x) for x in transformers.__version__.split(".")[:2] if x.isdigit())
    return {"dtype" if major_minor >= (4, 56) else "torch_dtype": torch.float32}


def load_sentence_transformer(model_name_or_path: str, device: str = "cpu") -> Any:
    """Load a SentenceTransformer from a directory or a hub id, raising ModelError with advice."""
    path = Path(model_name_or_path).expanduser()
    hint = (
        "Give {model} / KORITSU_MODEL a local directory holding a sentence-transformers model, "
        "or leave both unset to use the bundled default (multilingual-e5-small)."
    )
    if path.exists():
        if not path.is_dir():
            raise ModelError(f"embedding model {model_name_or_path!r} is a file, not a model directory. {hint}",
                             {"model": None})
        sources: list[tuple[str, dict[str, Any]]] = [(str(path), {"local_files_only": True})]
    elif _looks_like_path(model_name_or_path):
        raise ModelError(f"embedding model directory {model_name_or_path!r} does not exist. {hint}", {"model": None})
    else:
        # A hub id: the local cache first; the network only when the user allowed downloads.
        sources = [(model_name_or_path, {"local_files_only": True})]
        if downloads_allowed():
            sources.append((model_name_or_path, {}))
        elif not _in_hub_cache(model_name_or_path):
            sources = []  # fail now, before torch is imported
    stay_offline()
    error: Exception = FileNotFoundError("no copy on this machine")
    if sources:
        from sentence_transformers import SentenceTransformer

        model_kwargs = _fp32_kwargs()
        for name, kwargs in sources:
            try:
                with _quiet_transformers():
                    return SentenceTransformer(name, device=device, model_kwargs=model_kwargs, **kwargs)
            except Exception as exc:
                error = exc
    reason = (str(error).strip().splitlines() or [""])[0].rstrip(".")
    if path.exists():
        where, advice = "a local directory", hint
    else:
        where = "a hub id, not in the local Hugging Face cache"
        fetch = ("The download failed." if downloads_allowed() else
                 f"Downloads are off: allow them once with {{allow_downloads}} (or {ALLOW_ENV}=1), or")
        advice = (f"{hint} {fetch} download it with network access (`hf download {model_name_or_path}`) "
                  "and use it offline from then on.")
    raise ModelError(
        f"cannot load embedding model {model_name_or_path!r} ({where}): {type(error).__name__}: {reason}. {advice}",
        {"model": None, "allow_downloads": None}
    ) from error


def _is_plain_mean_pooling(pooling: Any) -> bool:
    """Mean pooling over all tokens, prompt included (sentence-transformers 6 and older layouts)."""
    if getattr(pooling, "include_prompt", True) is False:
        return False
    mode = getattr(pooling, "pooling_mode", None)
    if isinstance(mode, str):
        return mode == "mean"
    others = ("cls_token", "max_tokens", "mean_sqrt_len_tokens", "weightedmean_tokens", "lasttoken")
    return bool(getattr(pooling, "pooling_mode_mean_tokens", False)) and not any(
        getattr(pooling, f"pooling_mode_{m}", False) for m in others
    )


class SentenceTransformerEmbedder:
    """Embedder over a SentenceTransformer; uses the model's "query"/"passage" prompts when it has them."""

    def __init__(self, model_name_or_path: str, model_id: str | None = None, device: str = "cpu") -> None:
        self._model = load_sentence_transformer(model_name_or_path, device=device)
        configure_torch_threads()
        # A fast tokenizer is not reentrant ("Already borrowed"): the UI embeds from several threads.
        self._lock = threading.Lock()
        self._fast: bool | None = None
        self.model_id: str = model_id or model_name_or_path
        getter = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        dim = getter()
        if not dim:
            dim = int(self._encode(["dimension probe"], None, 1, False).shape[1])
        self.dim: int = int(dim)
        prompts: dict[str, str] = dict(getattr(self._model, "prompts", None) or {})
        self._passage_prompt = next((p for p in _PASSAGE_PROMPTS if prompts.get(p)), None)
        self._query_prompt = next((p for p in _QUERY_PROMPTS if prompts.get(p)), None)

    @property
    def max_seq_length(self) -> int:
        """Tokens per text the model sees; longer texts are truncated."""
        return int(self._model.max_seq_length)

    def token_count(self, text: str, role: str = "passage") -> int:
        """Tokens (with prompt and specials) the model would see for text before truncation."""
        prompt_name = self._query_prompt if role == "query" else self._passage_prompt
        prompt = self._model.prompts.get(prompt_name, "") if prompt_name else ""
        with self._lock:
            return len(self._model.tokenizer(prompt + text.strip())["input_ids"])

    def _encode(self, texts: list[str], prompt_name: str | None, batch_size: int, progress: bool) -> np.ndarray:
        with self._lock:
            vectors = self._model.encode(
                [t.strip() for t in texts],  # sentence-transformers 6 no longer strips
                prompt_name=prompt_name,
                batch_size=max(1, int(batch_size)),
                show_progress_bar=progress,
                normalize_embeddings=True,
                convert_to_numpy=True,
            )
        return np.ascontiguousarray(vectors, dtype=np.float32)

    def embed_passages(self, texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray:
        """Return an array of shape (len(texts), dim), float32, rows L2-normalized."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(list(texts), self._passage_prompt, batch_size, progress)

    def embed_queries(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Several queries at once (batched): shape (len(texts), dim), rows L2-normalized."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._encode(list(texts), self._query_prompt, batch_size, False)

    def embed_query(self, text: str) -> np.ndarray:
        """Return a vector of shape (dim,), float32, L2-normalized."""
        if self._fast_query_ok():
            return self._fast_query(text)
        return self._encode([text], self._query_prompt, 1, False)[0]

    def _fast_query_ok(self) -> bool:
        """True for the plain Transformer → mean Pooling → Normalize stack that _fast_query reproduces."""
        if self._fast is None:
            mods = list(self._model)
            names = [type(m).__name__ for m in mods]
            self._fast = (
                len(mods) == 3
                and names[1:] == ["Pooling", "Normalize"]
                and hasattr(mods[0], "auto_model")
                and _is_plain_mean_pooling(mods[1])
            )
        return bool(self._fast)

    def _fast_query(self, text: str) -> np.ndarray:
        """One query without sentence-transformers' batching machinery (saves ~4 ms a query)."""
        import torch

        prompt = self._model.prompts.get(self._query_prompt, "") if self._query_prompt else ""
        transformer = self._model[0]
        with self._lock, torch.inference_mode():
            enc = self._model.tokenizer(
                [prompt + text.strip()], return_tensors="pt", truncation=True, max_length=self.max_seq_length
            )
            out = transformer.auto_model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(out.dtype)
            vec = torch.nn.functional.normalize((out * mask).sum(1) / mask.sum(1), dim=-1)
        return np.ascontiguousarray(vec[0].float().numpy(), dtype=np.float32)

    def __repr__(self) -> str:
        return f"SentenceTransformerEmbedder(model_id={self.model_id!r}, dim={self.dim})"
