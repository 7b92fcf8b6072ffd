"""FAISS behind the DenseIndex interface: exact (flat), IVF-Flat and HNSW."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, ClassVar

import faiss as _faiss
import numpy as np

from ..cpus import usable_cpus
from .dense import DenseType

faiss: Any = _faiss  # the SWIG stubs lack the search-parameter classes and downcast attributes

FAISS_FILE = "faiss.index"
# A filtered search over at most this many rows scores them exactly: faster than asking an
# approximate index to skip most of its lists or graph, and it never misses.
EXACT_FILTER_UP_TO = 50_000


def set_threads(n: int) -> None:
    """FAISS OpenMP threads: all cores to build, one to answer a single query (faster on 2 cores)."""
    faiss.omp_set_num_threads(max(1, n))


def _empty() -> tuple[np.ndarray, np.ndarray]:
    return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.float32)


class FaissIndex:
    """Shared behaviour; subclasses say how to create, tune and read back vectors."""

    kind: ClassVar[str] = ""

    def __init__(self, index: Any, params: dict[str, Any]) -> None:
        self.index = index
        self.params = dict(params)
        self.apply_params()

    # -- engine side (class methods: the registry holds the classes) --------------------------
    @classmethod
    def default_params(cls, n: int) -> dict[str, Any]:
        return {}

    @classmethod
    def create(cls, dim: int, n: int, params: dict[str, Any]) -> Any:
        raise NotImplementedError

    @classmethod
    def build(cls, vectors: np.ndarray, params: dict[str, Any] | None = None) -> FaissIndex:
        n, dim = vectors.shape
        full = {**cls.default_params(n), **(params or {})}
        x = np.ascontiguousarray(vectors, dtype=np.float32)
        set_threads(usable_cpus())
        index = cls.create(dim, n, full)
        if not index.is_trained:
            sample = x if n <= 50 * full["nlist"] else x[np.random.default_rng(0).choice(n, 50 * full["nlist"], replace=False)]
            index.train(sample)
        if n:
            index.add(x)
        return cls(index, full)

    @classmethod
    def load(cls, directory: Path, params: dict[str, Any]) -> FaissIndex:
        # Mapped read-only in place: processes serving one index share its pages. A rebuild renames a
        # new file into place, so a mapped file is never written under a reader.
        return cls(faiss.read_index(str(directory / FAISS_FILE), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY),
                   params)

    # -- index side ----------------------------------------------------------------------------
    def apply_params(self) -> None:
        """Query-time parameters that FAISS does not persist."""

    def __len__(self) -> int:
        return int(self.index.ntotal)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        return np.asarray(self.index.reconstruct_batch(np.asarray(ids, dtype=np.int64)), dtype=np.float32)

    def score(self, query: np.ndarray, ids: np.ndarray) -> np.ndarray:
        if len(ids) == 0:
            return np.empty(0, dtype=np.float32)
        return self.vectors(ids) @ np.asarray(query, dtype=np.float32)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        q = np.ascontiguousarray(np.asarray(query, dtype=np.float32).reshape(1, -1))
        set_threads(1)
        if allowed is not None:
            if len(allowed) == 0:
                return _empty()
            if len(allowed) <= EXACT_FILTER_UP_TO:
                scores = self.score(q[0], allowed)
                top = np.argsort(-scores, kind="stable")[:k]
                return allowed[top].astype(np.int64), scores[top]
            mask = np.zeros(len(self), dtype=bool)
            mask[allowed] = True
            bits = np.packbits(mask, bitorder="little")
            sel = faiss.IDSelectorBitmap(len(self), faiss.swig_ptr(bits))
            scores, ids = self.index.search(q, min(k, len(allowed)), params=self.search_params(sel))
        else:
            if len(self) == 0:
                return _empty()
            scores, ids = self.index.search(q, min(k, len(self)))
        keep = ids[0] >= 0
        return ids[0][keep].astype(np.int64), scores[0][keep]

    def search_params(self, sel: Any) -> Any:
        return faiss.SearchParameters(sel=sel)

    def save(self, directory: Path) -> None:
        faiss.write_index(self.index, str(directory / FAISS_FILE))

    def describe(self) -> dict[str, Any]:
        return {"engine": "faiss", "type": self.kind, "params": self.params, "size": len(self),
                "dim": int(self.index.d)}


class FaissFlat(FaissIndex):
    """Exact inner-product search."""

    kind = "flat"

    @classmethod
    def create(cls, dim: int, n: int, params: dict[str, Any]) -> Any:
        return faiss.IndexFlatIP(dim)

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        # The stored vectors as a NumPy view: no copy, no reconstruct call.
        flat = faiss.rev_swig_ptr(faiss.downcast_index(self.index).get_xb(), len(self) * self.index.d)
        return np.asarray(flat).reshape(len(self), self.index.d)[np.asarray(ids, dtype=np.int64)]


class FaissIVF(FaissIndex):
    """IVF-Flat: nlist = sqrt(n) lists, nprobe of them searched (16 gave recall@10 >= 0.997)."""

    kind = "ivf"

    @classmethod
    def default_params(cls, n: int) -> dict[str, Any]:
        nlist = max(1, min(65536, round(math.sqrt(max(n, 1)))))
        return {"nlist": nlist, "nprobe": max(1, min(nlist, 16))}

    @classmethod
    def create(cls, dim: int, n: int, params: dict[str, Any]) -> Any:
        params["nlist"] = max(1, min(int(params["nlist"]), n)) if n else int(params["nlist"])
        return faiss.IndexIVFFlat(faiss.IndexFlatIP(dim), dim, int(params["nlist"]), faiss.METRIC_INNER_PRODUCT)

    def apply_params(self) -> None:
        ivf = faiss.extract_index_ivf(self.index)
        if "nprobe" in self.params:
            ivf.nprobe = int(self.params["nprobe"])
        ivf.make_direct_map()  # reconstruct by id: exact scoring of candidates without a second copy

    def search_params(self, sel: Any) -> Any:
        return faiss.SearchParametersIVF(sel=sel, nprobe=int(self.params.get("nprobe", 1)))


class FaissHNSW(FaissIndex):
    """HNSW graph over flat storage."""

    kind = "hnsw"

    @classmethod
    def default_params(cls, n: int) -> dict[str, Any]:
        return {"M": 32, "efConstruction": 80, "efSearch": 256}

    @classmethod
    def create(cls, dim: int, n: int, params: dict[str, Any]) -> Any:
        index = faiss.IndexHNSWFlat(dim, int(params["M"]), faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = int(params["efConstruction"])
        return index

    def apply_params(self) -> None:
        if "efSearch" in self.params:
            faiss.downcast_index(self.index).hnsw.efSearch = int(self.params["efSearch"])

    def search_params(self, sel: Any) -> Any:
        return faiss.SearchParametersHNSW(sel=sel, efSearch=int(self.params.get("efSearch", 16)))


DENSE_TYPES: dict[str, DenseType] = {cls.kind: cls for cls in (FaissFlat, FaissIVF, FaissHNSW)}
