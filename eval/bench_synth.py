"""Synthetic corpora of 100k-1M passages derived from the real seed index, for eval/bench_scale.py.

- passages and records: the real seed passages tiled (passage i is seed passage i mod m, copy
  i // m), each copy with its own passage, record and measure ids but the seed's documents,
  kinds, fields, ministries and sections, so filters select realistic shares of the corpus;
  records likewise (every record of every copy), procedural flags from the tiled passages.
- vectors: a point on the segment between two random REAL passage vectors (uniform weight), plus
  Gaussian noise drawn from the real vectors' own covariance (so it stays in the embedding cone),
  with the residual norm kept and the result L2-normalized. NOISE_SCALE was set so that a random
  seed-sized synthetic sample has the real corpus's neighbour statistics (median top-1 and top-10
  neighbour cosine, mean and spread of pairwise cosine); bench.md prints both side by side.
  Recall queries are further points drawn the same way (never in the corpus).
- BM25 terms: passage lengths resampled from the real passages; tokens drawn from a
  Zipf-Mandelbrot rank distribution (a=1.0, q=2.7) whose head is the real Sudachi vocabulary in
  real frequency order and whose tail grows with the corpus by Heaps' law (beta=0.6, K fitted on
  the seed corpus), so common terms such as 支援 or 施策 keep their real document frequencies.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from koritsu_search.index.store import VECTORS_FILE, IndexStore, load_documents
from koritsu_search.models import Document, Passage

NOISE_SCALE = 0.2  # calibrated: see the module docstring and the "synthetic vs real" table in bench.md
HEAPS_BETA = 0.6
ZIPF_A = 1.0
ZIPF_Q = 2.7


# ----------------------------------------------------------------------------- the seed

@dataclasses.dataclass
class Seed:
    """What the synthetic corpora are made of, read from the seed index through its public API."""

    path: Path
    store: IndexStore
    passages: list[Passage]
    procedural: np.ndarray
    documents: list[Document]  # with their records
    terms: list[list[str]]
    vectors: np.ndarray

    @classmethod
    def read(cls, path: Path) -> Seed:
        store = IndexStore.open(path)
        passages = list(store.passages)
        terms = [store.lexical.terms_of(i) for i in range(len(passages))]
        vectors = np.load(path / VECTORS_FILE).astype(np.float32)
        return cls(path, store, passages, np.asarray(store.passages.procedural, dtype=bool),
                   load_documents(path), terms, vectors)


def _suffix(value: str | None, copy: int) -> str | None:
    return value if value is None or copy == 0 else f"{value}~{copy}"


class TiledPassages(Sequence[Passage]):
    """n passages: passage i is seed passage i mod m with the ids of copy i // m (built on access)."""

    def __init__(self, seed: list[Passage], n: int) -> None:
        self.seed, self.n = seed, n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> Passage:  # type: ignore[override]
        if not 0 <= i < self.n:
            raise IndexError(i)
        copy, j = divmod(i, len(self.seed))
        p = self.seed[j]
        if copy == 0:
            return p
        return dataclasses.replace(p, passage_id=f"{p.passage_id}~{copy}", record_id=f"{p.record_id}~{copy}",
                                   measure_key=_suffix(p.measure_key, copy))

    def __iter__(self) -> Iterator[Passage]:
        return (self[i] for i in range(self.n))


def tiled_documents(seed: list[Document], copies: int) -> list[Document]:
    """The seed documents, each holding its records once per copy (ids suffixed as the passages')."""
    out = []
    for d in seed:
        records = [r if c == 0 else dataclasses.replace(r, record_id=f"{r.record_id}~{c}",
                                                        measure_key=_suffix(r.measure_key, c))
                   for c in range(copies) for r in d.records]
        out.append(dataclasses.replace(d, records=records))
    return out


def tiled_procedural(seed: np.ndarray, n: int) -> np.ndarray:
    return np.resize(np.asarray(seed, dtype=bool), n)


# ----------------------------------------------------------------------------- vectors

class VectorModel:
    """Generator of realistic synthetic passage vectors around the real seed vectors."""

    def __init__(self, real: np.ndarray, noise_scale: float = NOISE_SCALE) -> None:
        self.real = real
        self.center = real.mean(axis=0)
        self.resid = real - self.center
        self.resid_norm = np.linalg.norm(self.resid, axis=1)
        # Noise ~ N(0, Cov(real)): via the eigen-decomposition (dim-sized draws, not n-sized).
        cov = self.resid.T @ self.resid / len(real)
        evals, evecs = np.linalg.eigh(cov.astype(np.float64))
        self.noise_map = (evecs * np.sqrt(np.clip(evals, 0, None))).T.astype(np.float32)  # (dim, dim)
        self.noise_scale = noise_scale

    def sample(self, m: int, rng: np.random.Generator) -> np.ndarray:
        n, dim = self.real.shape
        i = rng.integers(0, n, m)
        j = rng.integers(0, n, m)
        w = rng.uniform(0.0, 1.0, (m, 1)).astype(np.float32)
        base = (1 - w) * self.resid[i] + w * self.resid[j]
        base_norm = ((1 - w[:, 0]) * self.resid_norm[i] + w[:, 0] * self.resid_norm[j])[:, None]
        noise = rng.standard_normal((m, dim), dtype=np.float32) @ self.noise_map
        scale = (self.noise_scale * rng.uniform(0.5, 1.5, (m, 1))).astype(np.float32)
        r = base / np.linalg.norm(base, axis=1, keepdims=True) + scale * noise / base_norm
        r *= base_norm / np.linalg.norm(r, axis=1, keepdims=True)
        y = self.center + r
        y /= np.linalg.norm(y, axis=1, keepdims=True)
        return y.astype(np.float32)

    def generate(self, m: int, seed: int, chunk: int = 50_000) -> np.ndarray:
        rng = np.random.default_rng(seed)
        out = np.empty((m, self.real.shape[1]), dtype=np.float32)
        for a in range(0, m, chunk):
            out[a : a + chunk] = self.sample(min(chunk, m - a), rng)
        return out


def neighbour_stats(x: np.ndarray) -> dict[str, float]:
    """Median top-1 / top-10 neighbour cosine and the mean / std of pairwise cosine."""
    s = x @ x.T
    np.fill_diagonal(s, -np.inf)
    top = -np.sort(-s, axis=1)
    iu = np.triu_indices(len(x), 1)
    return {"nn1_median": float(np.median(top[:, 0])), "nn10_median": float(np.median(top[:, 9])),
            "pair_mean": float(s[iu].mean()), "pair_std": float(s[iu].std())}


def exact_topk(vectors: np.ndarray, queries: np.ndarray, k: int, rows: np.ndarray | None = None,
               chunk: int = 100_000) -> tuple[np.ndarray, np.ndarray]:
    """Exact inner-product top-k (row ids, scores) of every query, over all rows or the given ones."""
    n = len(vectors) if rows is None else len(rows)
    best_s = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(queries), 0), dtype=np.int64)
    for a in range(0, n, chunk):
        if rows is None:
            ids = np.arange(a, min(n, a + chunk), dtype=np.int64)
            block = np.asarray(vectors[a : a + chunk], dtype=np.float32)
        else:
            ids = np.asarray(rows[a : a + chunk], dtype=np.int64)
            block = np.asarray(vectors[ids], dtype=np.float32)
        s = queries @ block.T
        kk = min(k, s.shape[1])
        part = np.argpartition(-s, kk - 1, axis=1)[:, :kk]
        cand_s = np.concatenate([best_s, np.take_along_axis(s, part, 1)], axis=1)
        cand_i = np.concatenate([best_i, ids[part]], axis=1)
        order = np.argsort(-cand_s, axis=1, kind="stable")[:, :k]
        best_s = np.take_along_axis(cand_s, order, 1)
        best_i = np.take_along_axis(cand_i, order, 1)
    return best_i, best_s


def recall_at_k(found: np.ndarray, found_scores: np.ndarray, gt_ids: np.ndarray, gt_scores: np.ndarray, k: int) -> float:
    """Share of the exact top-k found; a returned id whose exact score ties the k-th is a hit too."""
    if len(gt_ids) == 0:
        return 1.0
    kk = min(k, len(gt_ids))
    kth = gt_scores[kk - 1]
    gt = set(gt_ids[:kk].tolist())
    hits = sum(1 for pid, s in zip(found[:kk].tolist(), found_scores[:kk].tolist(), strict=True)
               if pid in gt or s >= kth - 1e-6)
    return min(1.0, hits / kk)


# ----------------------------------------------------------------------------- terms

def synth_terms(real_terms: list[list[str]], n: int, seed: int) -> tuple[list[list[str]], dict[str, Any]]:
    """n synthetic token lists (see the module docstring); the token strings are shared objects."""
    rng = np.random.default_rng(seed)
    counts = Counter(t for ts in real_terms for t in ts if t)
    head = [t for t, _ in counts.most_common()]
    lengths = np.array([len(ts) for ts in real_terms])
    k_heaps = len(head) / int(lengths.sum()) ** HEAPS_BETA
    doc_len = rng.choice(lengths, size=n)
    total = int(doc_len.sum())
    vocab_size = max(len(head), int(k_heaps * total**HEAPS_BETA))
    vocab = head + [f"{head[r % len(head)]}{r // len(head)}" for r in range(len(head), vocab_size)]
    ranks = np.arange(1, vocab_size + 1, dtype=np.float64)
    p = (ranks + ZIPF_Q) ** -ZIPF_A
    cdf = np.cumsum(p / p.sum())
    vocab_obj = np.array(vocab, dtype=object)
    offsets = np.concatenate([[0], np.cumsum(doc_len)])
    docs: list[list[str]] = []
    step = 100_000  # documents per chunk, to bound the temporary arrays
    for a in range(0, n, step):
        b = min(n, a + step)
        lo, hi = int(offsets[a]), int(offsets[b])
        ids = np.minimum(np.searchsorted(cdf, rng.random(hi - lo)), vocab_size - 1)
        toks = vocab_obj[ids]
        local = offsets[a : b + 1] - lo
        docs.extend(toks[local[d] : local[d + 1]].tolist() for d in range(b - a))
    info = {"tokens": total, "vocab": vocab_size, "mean_len": float(doc_len.mean()), "real_vocab": len(head)}
    return docs, info
