"""Synthetic-scale part of eval/bench.py: corpora of 100k-1M passages and one worker per configuration.

Not a test and not part of CI. eval/bench.py drives it; each FAISS configuration is built in one
fresh subprocess and served (loaded from disk and queried) in another, so memory numbers never
mix: `python eval/bench_scale.py build|serve|lexical --workdir DIR ...` prints one JSON line.

Synthetic data (realistic structure, derived from the real seed index):

- vectors: a point on the segment between two random REAL passage vectors (uniform weight), plus
  Gaussian noise drawn from the real vectors' own covariance (so it stays in the embedding cone),
  with the residual norm kept and the result L2-normalized. NOISE_SCALE was set so that a random
  773-point synthetic sample has the real corpus's neighbour statistics (median top-1 and top-10
  neighbour cosine, mean and spread of pairwise cosine); bench.md prints both side by side.
  Queries are further points drawn the same way (never in the corpus).
- BM25 terms: passage lengths resampled from the real passages; tokens drawn from a
  Zipf-Mandelbrot rank distribution (a=1.0, q=2.7) whose head is the real Sudachi vocabulary in
  real frequency order and whose tail grows with the corpus by Heaps' law (beta=0.6, K fitted on
  the seed corpus), so common terms such as 支援 or 施策 keep their real document frequencies.
"""

from __future__ import annotations

import os

# Same policy as koritsu_search.embed.st: OpenMP threads wait passively on a shared 2-core box.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import gc
import json
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
SEED_INDEX = ROOT / "indexes" / "default"
THREADS = 2
NOISE_SCALE = 0.2  # calibrated: see module docstring and the "synthetic vs real" table in bench.md
HEAPS_BETA = 0.6
ZIPF_A = 1.0
ZIPF_Q = 2.7
K_SEARCH = 100  # koritsu_search.search.CANDIDATES: what search() asks FAISS for
K_RECALL = 10


# ----------------------------------------------------------------------------- memory

def proc_status() -> dict[str, int]:
    """VmRSS / VmHWM of this process, bytes (Linux /proc)."""
    out: dict[str, int] = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:")):
                key, val = line.split(":", 1)
                out[key] = int(val.split()[0]) * 1024
    return out


def rss() -> int:
    return proc_status()["VmRSS"]


def reset_hwm() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0: write 5 to clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


# ----------------------------------------------------------------------------- synthetic vectors

def load_real_vectors() -> np.ndarray:
    return np.load(SEED_INDEX / "vectors.npy").astype(np.float32)


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

    def write(self, path: Path, m: int, seed: int, chunk: int = 50_000) -> None:
        """Write m vectors to a .npy file chunk by chunk (never two copies in memory)."""
        rng = np.random.default_rng(seed)
        out = np.lib.format.open_memmap(path, mode="w+", dtype=np.float32, shape=(m, self.real.shape[1]))
        for a in range(0, m, chunk):
            out[a : a + chunk] = self.sample(min(chunk, m - a), rng)
        out.flush()
        del out


def neighbour_stats(x: np.ndarray) -> dict[str, float]:
    """Median top-1 / top-10 neighbour cosine and the mean / std of pairwise cosine."""
    s = x @ x.T
    np.fill_diagonal(s, -np.inf)
    top = -np.sort(-s, axis=1)
    iu = np.triu_indices(len(x), 1)
    return {
        "nn1_median": float(np.median(top[:, 0])),
        "nn10_median": float(np.median(top[:, 9])),
        "pair_mean": float(s[iu].mean()),
        "pair_std": float(s[iu].std()),
    }


def exact_topk(vectors: np.ndarray, queries: np.ndarray, k: int, chunk: int = 200_000) -> tuple[np.ndarray, np.ndarray]:
    """Exact inner-product top-k (ids, scores) of every query, chunked over the corpus."""
    best_s = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_i = np.zeros((len(queries), 0), dtype=np.int64)
    for a in range(0, len(vectors), chunk):
        s = queries @ np.asarray(vectors[a : a + chunk]).T
        kk = min(k, s.shape[1])
        part = np.argpartition(-s, kk - 1, axis=1)[:, :kk]
        cand_s = np.concatenate([best_s, np.take_along_axis(s, part, 1)], axis=1)
        cand_i = np.concatenate([best_i, part + a], axis=1)
        order = np.argsort(-cand_s, axis=1, kind="stable")[:, :k]
        best_s = np.take_along_axis(cand_s, order, 1)
        best_i = np.take_along_axis(cand_i, order, 1)
    return best_i, best_s


# ----------------------------------------------------------------------------- synthetic terms

def load_real_terms() -> list[list[str]]:
    with open(SEED_INDEX / "terms.jsonl", encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def synth_terms(real_terms: list[list[str]], n: int, seed: int) -> tuple[list[list[str]], dict[str, Any]]:
    """n synthetic token lists (see module docstring); the token strings are shared objects."""
    rng = np.random.default_rng(seed)
    counts = Counter(t for ts in real_terms for t in ts if t)
    head = [t for t, _ in counts.most_common()]
    lengths = np.array([len(ts) for ts in real_terms])
    real_tokens = int(lengths.sum())
    k_heaps = len(head) / real_tokens**HEAPS_BETA
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


# ----------------------------------------------------------------------------- helpers

def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if values else float("nan")


def summarize_ms(values_s: list[float]) -> dict[str, float]:
    ms = [v * 1000 for v in values_s]
    return {"p50": pct(ms, 50), "p95": pct(ms, 95), "mean": float(np.mean(ms)) if ms else float("nan"), "n": len(ms)}


def recall_at_k(found: np.ndarray, gt_ids: np.ndarray, gt_scores: np.ndarray, exact_scores: np.ndarray, k: int) -> float:
    """Share of the exact top-k found; a returned id whose exact score ties the k-th is a hit too."""
    kth = gt_scores[k - 1]
    gt = set(gt_ids[:k].tolist())
    hits = sum(1 for pid, s in zip(found[:k].tolist(), exact_scores[:k].tolist()) if pid in gt or s >= kth - 1e-6)
    return min(1.0, hits / k)


def setup_threads(threads: int = THREADS) -> None:
    import faiss

    faiss.omp_set_num_threads(threads)


def emit(result: dict[str, Any]) -> None:
    sys.stdout.write("RESULT " + json.dumps(result) + "\n")
    sys.stdout.flush()


# ----------------------------------------------------------------------------- workers

def worker_build(args: argparse.Namespace) -> None:
    """Load the vectors into RAM (as build_index holds them), build one FAISS index, write it."""
    import faiss

    from koritsu_search.index.vectors import build_faiss

    setup_threads()
    work = Path(args.workdir)
    params = json.loads(args.params)
    base = rss()
    vectors = np.load(work / "vectors.npy")
    after_vectors = rss()
    reset_hwm()
    t = time.perf_counter()
    index = build_faiss(vectors, args.type, params)
    build_s = time.perf_counter() - t
    after_build = proc_status()
    out = work / f"{args.name}.faiss"
    t = time.perf_counter()
    faiss.write_index(index, str(out))
    write_s = time.perf_counter() - t
    emit({
        "build_s": build_s,
        "write_s": write_s,
        "size_bytes": out.stat().st_size,
        "rss_vectors": after_vectors - base,
        "rss_index": after_build["VmRSS"] - after_vectors,
        "rss_vectors_plus_index": after_build["VmRSS"] - base,
        "peak_build": after_build["VmHWM"] - base,
        "ntotal": int(index.ntotal),
    })


def worker_serve(args: argparse.Namespace) -> None:
    """As the library serves: read the index from disk, vectors memory-mapped; sweep search params."""
    import faiss

    from koritsu_search.index.vectors import dense_search, set_search_params

    setup_threads()
    work = Path(args.workdir)
    queries = np.load(work / "queries.npy")
    gt_ids = np.load(work / "gt_ids.npy")
    gt_scores = np.load(work / "gt_scores.npy")
    base = rss()
    t = time.perf_counter()
    index = faiss.read_index(str(work / f"{args.name}.faiss"))
    vectors = np.load(work / "vectors.npy", mmap_mode="r")
    load_s = time.perf_counter() - t
    after_load = rss()
    settings = json.loads(args.sweep) or [{}]
    n_q = min(args.queries, len(queries))
    rows = []
    library_threads = None
    for setting in settings:
        # A setting without "threads" goes through the library (dense_search, which picks its own
        # OpenMP thread count); {"threads": T} calls index.search directly on T threads, to compare.
        direct = "threads" in setting
        params = {k: v for k, v in setting.items() if k != "threads"}
        if params:
            set_search_params(index, args.type, params)

        def one(q: np.ndarray, direct: bool = direct) -> np.ndarray:
            if direct:
                _, ids = index.search(q.reshape(1, -1), K_SEARCH)
                return ids[0][ids[0] >= 0]
            return dense_search(index, vectors, q, K_SEARCH)[0]

        if direct:
            faiss.omp_set_num_threads(int(setting["threads"]))
        for q in queries[:3]:  # warm caches / branch predictors
            one(q)
        if not direct:
            library_threads = faiss.omp_get_max_threads()
        lat, rec = [], []
        for qi in range(n_q):
            t = time.perf_counter()
            ids = one(queries[qi])
            lat.append(time.perf_counter() - t)
            exact = np.asarray(vectors[ids[:K_RECALL]], dtype=np.float32) @ queries[qi]
            rec.append(recall_at_k(ids, gt_ids[qi], gt_scores[qi], exact, K_RECALL))
        rows.append({"setting": setting, "latency_ms": summarize_ms(lat), "recall_at_10": float(np.mean(rec))})
        faiss.omp_set_num_threads(THREADS)
    after_queries = rss() - base
    # Worst case for "vectors + index": every page of the memory-mapped vectors.npy resident too.
    float(np.asarray(vectors).sum(dtype=np.float64))
    emit({
        "load_s": load_s,
        "rss_index_loaded": after_load - base,
        "rss_after_queries": after_queries,
        "rss_all_vectors_resident": rss() - base,
        "library_threads": library_threads,
        "sweep": rows,
    })


class _Passages:
    """len() = synthetic corpus size; passage i is a real seed passage (i mod 773), for hits and answers."""

    def __init__(self, real: list[Any], n: int) -> None:
        self.real, self.n = real, n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, i: int) -> Any:
        return self.real[int(i) % len(self.real)]

    def __iter__(self) -> Any:  # full scans: filters
        real, m = self.real, len(self.real)
        return (real[i % m] for i in range(self.n))


class _StubEmbedder:
    """Returns the real model's vector for each judged query (embedding is timed on the seed index)."""

    def __init__(self, table: dict[str, np.ndarray], dim: int) -> None:
        self.table, self.dim, self.model_id = table, dim, "stub"

    def embed_passages(self, texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray:
        raise NotImplementedError

    def embed_query(self, text: str) -> np.ndarray:
        return self.table[text]


def _synthetic_index(n: int, vectors: np.ndarray, findex: Any, lexical: Any, terms: list[list[str]],
                     embedder: _StubEmbedder) -> Any:
    """A koritsu_search Index over the synthetic corpus, so search() and ask() run unmodified."""
    from koritsu_search.index.store import Index, open_index

    seed = open_index(SEED_INDEX)
    idx = Index.__new__(Index)
    idx.path = Path("synthetic")
    idx.manifest = seed.manifest
    idx.documents = seed.documents
    idx.passages = _Passages(seed.passages, n)  # type: ignore[assignment]
    idx.terms = terms
    idx.vectors = vectors
    idx.faiss = findex
    idx.lexical = lexical
    idx.records = seed.records
    idx.doc_titles = seed.doc_titles
    idx._embedder_source = embedder
    idx._embedder = embedder
    idx._lock = threading.Lock()
    # What open_index precomputes: each ministry's passage rows (passage i is real passage i mod m).
    m = len(seed.passages)
    idx.ministry_rows = {}
    for name, real_rows in seed.ministry_rows.items():
        tiled = (real_rows[None, :] + m * np.arange((n + m - 1) // m)[:, None]).ravel()
        idx.ministry_rows[name] = np.sort(tiled[tiled < n])
    return idx


def worker_lexical(args: argparse.Namespace) -> None:
    """BM25 build and query time at this scale, then search()/ask() end to end per FAISS index."""
    import faiss

    from koritsu_search.index.lexical import LexicalIndex
    from koritsu_search.index.vectors import set_search_params
    from koritsu_search.search import SearchTrace, clean_query

    setup_threads()
    work = Path(args.workdir)
    n = int(args.n)
    judged = json.loads((work / "judged.json").read_text(encoding="utf-8"))
    qvecs = np.load(work / "judged_vectors.npy")
    base = rss()
    t = time.perf_counter()
    terms, info = synth_terms(load_real_terms(), n, seed=7)
    gen_s = time.perf_counter() - t
    after_terms = rss()
    reset_hwm()
    t = time.perf_counter()
    lexical = LexicalIndex.build(terms)
    build_s = time.perf_counter() - t
    st = proc_status()
    bm_lat = []
    for q in judged:
        lexical.scores(q["terms"])  # warm
    for q in judged:
        t = time.perf_counter()
        lexical.scores(q["terms"])
        bm_lat.append(time.perf_counter() - t)
    result: dict[str, Any] = {
        "terms": info,
        "terms_gen_s": gen_s,
        "rss_terms": after_terms - base,
        "build_s": build_s,
        "rss_bm25": st["VmRSS"] - after_terms,
        "peak_build": st["VmHWM"] - after_terms,
        "query_ms": summarize_ms(bm_lat),
        "end_to_end": [],
    }
    vectors = np.load(work / "vectors.npy", mmap_mode="r")
    table = {clean_query(q["query"]): qvecs[i] for i, q in enumerate(judged)}
    embedder = _StubEmbedder(table, vectors.shape[1])
    gc_acc = {"count": 0, "s": 0.0, "t0": 0.0}

    def on_gc(phase: str, info: dict[str, Any]) -> None:
        if info.get("generation") != 2:
            return
        if phase == "start":
            gc_acc["t0"] = time.perf_counter()
        else:
            gc_acc["count"] += 1
            gc_acc["s"] += time.perf_counter() - gc_acc["t0"]

    gc.callbacks.append(on_gc)
    for spec in json.loads(args.e2e):
        findex = faiss.read_index(str(work / f"{spec['name']}.faiss"))
        if spec.get("search_params"):
            set_search_params(findex, spec["type"], spec["search_params"])
        idx = _synthetic_index(n, vectors, findex, lexical, terms, embedder)
        n_q = min(len(judged), int(spec.get("queries", len(judged))))
        # First pass (not in the warm figures): per-process caches and first-touch page faults.
        first = []
        for q in judged[:n_q]:
            t = time.perf_counter()
            idx.search(q["query"], k=10)
            first.append(time.perf_counter() - t)
        s_lat, a_lat, parts = [], [], {}
        gc_acc.update(count=0, s=0.0)
        for q in judged[:n_q]:
            tr = SearchTrace()
            t = time.perf_counter()
            idx.search(q["query"], k=10, trace=tr)
            s_lat.append(time.perf_counter() - t)
            for key, v in tr.timings_ms.items():
                parts.setdefault(key, []).append(v / 1000)
            t = time.perf_counter()
            idx.ask(q["query"], k=10)
            a_lat.append(time.perf_counter() - t)
        result["end_to_end"].append({
            "name": spec["name"],
            "search_params": spec.get("search_params", {}),
            "first_pass_search_ms": {**summarize_ms(first), "max": max(first) * 1000 if first else float("nan")},
            "search_ms": summarize_ms(s_lat),
            "ask_ms": summarize_ms(a_lat),
            "parts_ms": {k: summarize_ms(v) for k, v in parts.items()},
            "gc_full_collections": gc_acc["count"],
            "gc_full_ms_total": gc_acc["s"] * 1000,
        })
        del idx, findex
    emit(result)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("worker", choices=("build", "serve", "lexical"))
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--name", default="")
    ap.add_argument("--type", default="flat")
    ap.add_argument("--params", default="{}")
    ap.add_argument("--sweep", default="[]")
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--n", type=int, default=0)
    ap.add_argument("--e2e", default="[]")
    args = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    {"build": worker_build, "serve": worker_serve, "lexical": worker_lexical}[args.worker](args)


if __name__ == "__main__":
    main()
