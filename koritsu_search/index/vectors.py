"""The dense leg: FAISS indexes over L2-normalized vectors, searched by inner product."""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from ..errors import KoritsuError

FAISS_TYPES = ("flat", "hnsw", "ivf")
FAISS_FILE = "faiss.index"

# Exact search costs ~13-18 ms per 100k passages per query on 2 cores (eval/results/bench.md):
# up to here it fits a 10 ms dense-leg budget; beyond, IVF-Flat is the default.
EXACT_UP_TO = 50_000


def default_faiss_type(n: int) -> str:
    """Exact search for small corpora, IVF-Flat beyond (measured in eval/results/bench.md).

    HNSW (M=32, efConstruction=80) reached only 0.89 recall@10 at 1M passages with efSearch=96
    and took 150 s to build, against 17-31 s and 0.97-1.00 recall for IVF-Flat.
    """
    return "flat" if n <= EXACT_UP_TO else "ivf"


def default_params(faiss_type: str, n: int) -> dict[str, Any]:
    if faiss_type == "hnsw":
        return {"M": 32, "efConstruction": 80, "efSearch": 256}
    if faiss_type == "ivf":
        # nlist = sqrt(n); nprobe 16 gave recall@10 >= 0.997 at 100k and 1M in the benchmark.
        nlist = max(1, min(65536, round(math.sqrt(max(n, 1)))))
        return {"nlist": nlist, "nprobe": max(1, min(nlist, 16))}
    return {}


def build_faiss(vectors: np.ndarray, faiss_type: str, params: dict[str, Any] | None = None) -> faiss.Index:
    """Build a FAISS index of the given type over the rows of vectors (ids = row numbers)."""
    if faiss_type not in FAISS_TYPES:
        raise KoritsuError(f"unknown FAISS index type '{faiss_type}'; choose one of {', '.join(FAISS_TYPES)}")
    n, dim = vectors.shape if vectors.ndim == 2 else (0, 0)
    params = {**default_params(faiss_type, n), **(params or {})}
    x = np.ascontiguousarray(vectors, dtype=np.float32)
    set_threads(len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1))
    if faiss_type == "flat":
        index: faiss.Index = faiss.IndexFlatIP(dim)
    elif faiss_type == "hnsw":
        index = faiss.IndexHNSWFlat(dim, int(params["M"]), faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = int(params["efConstruction"])
        index.hnsw.efSearch = int(params["efSearch"])
    else:
        nlist = int(params["nlist"])
        if n < nlist:
            nlist = max(1, n)
            params["nlist"] = nlist
        quantizer = faiss.IndexFlatIP(dim)
        index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
        sample = x if n <= 50 * nlist else x[np.random.default_rng(0).choice(n, 50 * nlist, replace=False)]
        index.train(sample)
        index.nprobe = int(params["nprobe"])
    if n:
        index.add(x)
    return index


def set_threads(n: int) -> None:
    """FAISS OpenMP threads: all cores to build, one to answer a single query (faster on 2 cores)."""
    faiss.omp_set_num_threads(max(1, n))


def set_search_params(index: faiss.Index, faiss_type: str, params: dict[str, Any]) -> None:
    """Apply query-time parameters that FAISS does not persist (or that the caller overrides)."""
    if faiss_type == "hnsw" and "efSearch" in params:
        faiss.downcast_index(index).hnsw.efSearch = int(params["efSearch"])
    elif faiss_type == "ivf" and "nprobe" in params:
        faiss.extract_index_ivf(index).nprobe = int(params["nprobe"])


def save_faiss(index: faiss.Index, directory: Path) -> None:
    faiss.write_index(index, str(directory / FAISS_FILE))


def load_faiss(directory: Path) -> faiss.Index:
    return faiss.read_index(str(directory / FAISS_FILE))


def dense_search(
    index: faiss.Index,
    vectors: np.ndarray,
    query: np.ndarray,
    k: int,
    allowed: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Top-k (ids, scores) by inner product; `allowed` restricts to those row ids.

    A filtered search over a small subset is done exactly on the stored vectors: it is faster
    than asking an approximate index to skip most of its graph, and it never misses.
    """
    q = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
    set_threads(1)
    if allowed is not None:
        if len(allowed) == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        if len(allowed) <= 50_000 or index.ntotal <= EXACT_UP_TO:
            scores = np.asarray(vectors[allowed], dtype=np.float32) @ q[0]
            top = np.argsort(-scores, kind="stable")[:k]
            return allowed[top].astype(np.int64), scores[top]
        sel = faiss.IDSelectorBatch(allowed.astype(np.int64))
        params = faiss.SearchParameters(sel=sel)
        scores, ids = index.search(q, min(k, len(allowed)), params=params)
    else:
        if index.ntotal == 0:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)
        scores, ids = index.search(q, min(k, index.ntotal))
    keep = ids[0] >= 0
    return ids[0][keep].astype(np.int64), scores[0][keep]
