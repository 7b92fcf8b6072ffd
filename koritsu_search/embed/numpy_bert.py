"""Torch-free query encoder for the materialized default model: its tokenizer pipeline and a numpy BERT forward pass."""

from __future__ import annotations

import json
import math
import mmap
import re
import struct
import threading
from array import array
from contextlib import nullcontext
from pathlib import Path
from typing import Any

import numpy as np

from .query_batch import QueryBatcher

# tokenizers scores a character no piece covers as the lowest piece score minus this (K_UNK_PENALTY).
_UNK_PENALTY = 10.0
_SAFETENSORS_DTYPES = {"F32": "<f4", "F16": "<f2"}


def _read_json(path: Path) -> Any:
    return json.loads(path.read_text(encoding="utf-8"))


class UnigramTokenizer:
    """tokenizer.json applied like tokenizers.Tokenizer.encode, with the Unigram search in Python.

    The library's Unigram model builds a byte trie of the 250k pieces that takes ~0.6 s and
    ~270 MB; a dict of the pieces takes a fifth of that. Normalization and pre-tokenization
    still run in tokenizers, from the same JSON.
    """

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        spec = json.loads(Path(path).read_bytes())
        model, post = spec["model"], spec.get("post_processor") or {}
        if model.get("type") != "Unigram" or model.get("byte_fallback") or model.get("unk_id") is None:
            raise ValueError("tokenizer.json: only a Unigram model with an unk id and no byte fallback is supported")
        vocab = model.pop("vocab")
        self._scores = array("d", (score for _, score in vocab))
        # Re-creating the pieces after the parsed JSON is freed packs them densely (~30 MB less RSS).
        joined = "\0".join([piece for piece, _ in vocab])
        del vocab
        pieces = joined.split("\0")
        if len(pieces) != len(self._scores):
            raise ValueError("tokenizer.json: a piece contains NUL")
        # Later duplicates win, as in tokenizers' token_to_ids.
        self._ids: dict[str, int] = dict(zip(pieces, range(len(pieces)), strict=True))
        self._unk = int(model["unk_id"])
        self._unk_score = min(self._scores) - _UNK_PENALTY
        self._longest = max(map(len, self._ids))
        added = spec.get("added_tokens") or []
        if any(t.get(flag) for t in added for flag in ("normalized", "lstrip", "rstrip", "single_word")):
            raise ValueError("tokenizer.json: added tokens with normalized/lstrip/rstrip/single_word are not supported")
        self._added = {t["content"]: int(t["id"]) for t in added}
        # Python's re takes the first alternative that matches: longest first gives aho-corasick's leftmost-longest.
        alternatives = sorted(self._added, key=len, reverse=True)
        self._added_re = re.compile("|".join(map(re.escape, alternatives))) if alternatives else None
        if post.get("type") != "TemplateProcessing":
            raise ValueError("tokenizer.json: only a TemplateProcessing post-processor is supported")
        template = post["single"]
        at = next(i for i, item in enumerate(template) if "Sequence" in item)
        specials = post["special_tokens"]
        self._prefix = [i for item in template[:at] for i in specials[item["SpecialToken"]["id"]]["ids"]]
        self._suffix = [i for item in template[at + 1 :] for i in specials[item["SpecialToken"]["id"]]["ids"]]
        # A one-piece shell of the same pipeline lends its normalizer and pre-tokenizer.
        tiny = {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0]], "byte_fallback": False}
        spec.update(model=tiny, added_tokens=[], post_processor=None, truncation=None, padding=None)
        shell = Tokenizer.from_str(json.dumps(spec))
        self._normalizer, self._pre_tokenizer = shell.normalizer, shell.pre_tokenizer

    def encode(self, text: str, max_length: int) -> list[int]:
        """Token ids with the template's special tokens, the text truncated on the right to fit max_length."""
        ids: list[int] = []
        start = 0
        # Special tokens are cut out of the raw text first; each stretch between them is normalized alone.
        for match in self._added_re.finditer(text) if self._added_re else ():
            ids += self._encode_stretch(text[start : match.start()])
            ids.append(self._added[match.group()])
            start = match.end()
        ids += self._encode_stretch(text[start:])
        room = max(0, max_length - len(self._prefix) - len(self._suffix))
        return self._prefix + ids[:room] + self._suffix

    def _encode_stretch(self, text: str) -> list[int]:
        normalized = self._normalizer.normalize_str(text) if self._normalizer and text else text
        if not normalized:
            return []
        words = self._pre_tokenizer.pre_tokenize_str(normalized) if self._pre_tokenizer else [(normalized, None)]
        return [i for word, _ in words for i in self._viterbi(word)]

    def _viterbi(self, text: str) -> list[int]:
        """tokenizers' Unigram encode_optimized: same visiting order and strict '>' ties, unknowns fused."""
        n, get, scores = len(text), self._ids.get, self._scores
        best = [0.0] + [-math.inf] * n
        start_of = [0] * (n + 1)
        id_of = [0] * (n + 1)
        for i in range(n):
            base, single = best[i], False
            for j in range(i + 1, min(n, i + self._longest) + 1):
                piece = get(text[i:j])
                if piece is None:
                    continue
                single = single or j == i + 1
                score = base + scores[piece]
                if score > best[j]:
                    best[j], start_of[j], id_of[j] = score, i, piece
            if not single and base + self._unk_score > best[i + 1]:
                best[i + 1], start_of[i + 1], id_of[i + 1] = base + self._unk_score, i, self._unk
        out: list[int] = []
        end, unk_end = n, -1
        while end > 0:
            begin = start_of[end]
            if id_of[end] == self._unk:
                unk_end = end if unk_end < 0 else unk_end
                if begin == 0 or id_of[begin] != self._unk:
                    out.append(get(text[begin:unk_end], self._unk))
                    unk_end = -1
            else:
                out.append(id_of[end])
            end = begin
        out.reverse()
        return out


_Dense = tuple[np.ndarray, np.ndarray]  # (weight, bias), also LayerNorm's


def _dense(x: np.ndarray, layer: _Dense) -> np.ndarray:
    return x @ layer[0].T + layer[1]


def _open_safetensors(path: Path) -> tuple[mmap.mmap, dict[str, np.ndarray]]:
    """Memory-map a safetensors file; return the map and zero-copy views of its tensors."""
    with open(path, "rb") as fh:
        buf = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
    (header_len,) = struct.unpack_from("<Q", buf, 0)
    header = json.loads(buf[8 : 8 + header_len])
    base = 8 + header_len
    views: dict[str, np.ndarray] = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        dtype = np.dtype(_SAFETENSORS_DTYPES[info["dtype"]])
        begin, end = info["data_offsets"]
        shape = tuple(info["shape"])
        if end - begin != dtype.itemsize * math.prod(shape) or base + end > len(buf):
            raise ValueError(f"{path}: tensor {name} does not fit its data offsets")
        views[name] = np.frombuffer(buf, dtype, math.prod(shape), base + begin).reshape(shape)
    return buf, views


def _numpy_blas() -> Any | None:
    """threadpoolctl's handle on the BLAS library bundled with numpy, or None."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        return None
    controller = ThreadpoolController()
    paths = [lib["filepath"] for lib in controller.info() if lib["user_api"] == "blas" and "numpy" in lib["filepath"]]
    return controller.select(filepath=paths) if paths else None


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    x = x - x.mean(-1, keepdims=True)
    x *= 1.0 / np.sqrt(np.mean(x * x, -1, keepdims=True) + np.float32(eps))
    x *= weight
    x += bias
    return x


def _gelu(x: np.ndarray) -> np.ndarray:
    """Exact (erf) GELU, x * Phi(x), to ~5e-7 in float32.

    numpy has no erf; this is the Chebyshev erfc of Numerical Recipes (fractional error < 1.2e-7),
    used on |x| so the tail x < 0 keeps its relative accuracy.
    """
    z = np.abs(x) * np.float32(1 / math.sqrt(2))
    t = 1.0 / (1.0 + np.float32(0.5) * z)
    poly = np.float32(0.17087277)
    for c in (-0.82215223, 1.48851587, -1.13520398, 0.27886807, -0.18628806, 0.09678418, 0.37409196, 1.00002368):
        poly = poly * t + np.float32(c)
    half_erfc = np.float32(0.5) * t * np.exp(-z * z - np.float32(1.26551223) + poly * t)
    return x * np.where(x >= 0, 1.0 - half_erfc, half_erfc)


class NumpyQueryEncoder:
    """Query embeddings of a materialized BERT sentence-transformers directory (mean pooling, L2), numpy only.

    Safe to call from several threads (one forward pass at a time). The word-embedding table
    stays memory-mapped (only the looked-up rows are read); the other weights are converted
    to float32 once.
    """

    def __init__(self, model_dir: str | Path) -> None:
        root = Path(model_dir)
        config, pooling = _read_json(root / "config.json"), _read_json(root / "1_Pooling" / "config.json")
        modules = [m.get("type", "").rsplit(".", 1)[-1] for m in _read_json(root / "modules.json")]
        modes = [k for k, v in pooling.items() if k.startswith("pooling_mode_") and v]
        kind = (config.get("model_type"), config.get("hidden_act"), config.get("position_embedding_type", "absolute"))
        if kind != ("bert", "gelu", "absolute") or modules != ["Transformer", "Pooling", "Normalize"] or (
            modes != ["pooling_mode_mean_tokens"] or pooling.get("include_prompt") is False
        ):
            raise ValueError(f"{root}: not a BERT (exact GELU, absolute positions), mean pooling, normalize model")
        self.dim: int = int(config["hidden_size"])
        self._heads = int(config["num_attention_heads"])
        self._eps = float(config.get("layer_norm_eps", 1e-12))
        prompts = _read_json(root / "config_sentence_transformers.json").get("prompts") or {}
        self._prompt: str = prompts.get("query", "")
        max_seq = _read_json(root / "sentence_bert_config.json").get("max_seq_length") or 512
        self.max_length: int = min(int(max_seq), int(config["max_position_embeddings"]))
        self._tokenizer = UnigramTokenizer(root / "tokenizer.json")
        self._map, views = _open_safetensors(root / "model.safetensors")
        try:
            self._load_weights(views, int(config["num_hidden_layers"]))
        except KeyError as exc:
            raise ValueError(f"{root}: model.safetensors lacks tensor {exc}") from exc
        if hasattr(self._map, "madvise") and hasattr(mmap, "MADV_DONTNEED"):
            self._map.madvise(mmap.MADV_DONTNEED)  # the converted weights are copies: give back their pages
        # One BLAS thread per forward pass: OpenBLAS's threads stall when other processes share the cores
        # (loaded 2-core machine: 150 ms instead of 50 for 6 tokens, 7 s instead of 1.1 for 512); idle, two
        # threads only help long queries (~1.4x). The lock keeps limit-and-restore windows from overlapping.
        self._lock = threading.Lock()
        self._blas = _numpy_blas()
        self._batcher = QueryBatcher(self.embed_many_ids)

    def _load_weights(self, views: dict[str, np.ndarray], layers: int) -> None:
        def f32(name: str) -> np.ndarray:
            return np.array(views[name], dtype=np.float32)

        def dense(name: str) -> _Dense:
            return f32(name + ".weight"), f32(name + ".bias")

        self._word = views["embeddings.word_embeddings.weight"]
        self._position = f32("embeddings.position_embeddings.weight")
        # No token_type_ids are passed, so BertModel adds row 0 to every token.
        self._token_type = f32("embeddings.token_type_embeddings.weight")[0]
        self._emb_ln = dense("embeddings.LayerNorm")
        self._layers: list[tuple[_Dense, ...]] = []
        for i in range(layers):
            p = f"encoder.layer.{i}."
            q, k, v = (dense(p + "attention.self." + part) for part in ("query", "key", "value"))
            qkv = (np.concatenate([q[0], k[0], v[0]]), np.concatenate([q[1], k[1], v[1]]))  # one matmul for all three
            self._layers.append((
                qkv, dense(p + "attention.output.dense"), dense(p + "attention.output.LayerNorm"),
                dense(p + "intermediate.dense"), dense(p + "output.dense"), dense(p + "output.LayerNorm"),
            ))

    def token_ids(self, text: str) -> list[int]:
        """The ids the model sees for a query: stripped, prompted, truncated to max_length."""
        return self._tokenizer.encode(self._prompt + text.strip(), self.max_length)

    def embed_query(self, text: str) -> np.ndarray:
        """Return a vector of shape (dim,), float32, L2-normalized; queries of several threads at once share a pass."""
        return self._batcher.embed(self.token_ids(text))

    def embed_query_batch(self, texts: list[str]) -> np.ndarray:
        """embed_query of each text, shape (len(texts), dim), in one pass."""
        return self._batcher.embed_all([self.token_ids(t) for t in texts])

    def embed_ids(self, ids: list[int]) -> np.ndarray:
        """Mean-pooled, L2-normalized last hidden state for one sequence of token ids."""
        return self.embed_many_ids([ids])[0]

    def embed_many_ids(self, seqs: list[list[int]]) -> np.ndarray:
        """embed_ids of several sequences in one pass, shape (len(seqs), dim): their tokens share each
        matrix product (several times faster per token than one short query alone)."""
        with self._lock, (self._blas.limit(limits=1) if self._blas is not None else nullcontext()):
            return self._forward(seqs)

    def _forward(self, seqs: list[list[int]]) -> np.ndarray:
        """The sequences' tokens packed into one matrix: every layer but attention works token by token, so
        packing changes nothing but speed; attention and pooling run on each sequence's own rows."""
        heads, eps, dim = self._heads, self._eps, self.dim
        size = dim // heads
        bounds = np.cumsum([0, *(len(s) for s in seqs)])
        spans = list(zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True))
        x = self._word[np.concatenate([np.asarray(s, dtype=np.intp) for s in seqs])].astype(np.float32)
        x += self._position[np.concatenate([np.arange(len(s)) for s in seqs])]
        x += self._token_type
        x = _layer_norm(x, *self._emb_ln, eps)
        scale = np.float32(1 / math.sqrt(size))
        for qkv, out, out_ln, ff, ff_out, ff_ln in self._layers:
            h = _dense(x, qkv)
            context = np.empty_like(x)
            for a, b in spans:
                q, k, v = h[a:b].reshape(b - a, 3, heads, size).transpose(1, 2, 0, 3)
                scores = (q * scale) @ k.transpose(0, 2, 1)
                scores -= scores.max(-1, keepdims=True)
                np.exp(scores, out=scores)
                scores /= scores.sum(-1, keepdims=True)
                context[a:b] = (scores @ v).transpose(1, 0, 2).reshape(b - a, dim)
            x = _layer_norm(_dense(context, out) + x, *out_ln, eps)
            x = _layer_norm(_dense(_gelu(_dense(x, ff)), ff_out) + x, *ff_ln, eps)
        pooled = np.stack([x[a:b].mean(0) for a, b in spans])
        norms = np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return (pooled / norms).astype(np.float32)
