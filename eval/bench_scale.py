"""Synthetic-scale part of eval/bench.py: a real index directory of 100k-1M passages, built in one
fresh process and served in another.

    python eval/bench_scale.py build --workdir DIR --n 1000000 --kinds ivf   # prints one RESULT line
    python eval/bench_scale.py serve --workdir DIR --kind ivf

`build` makes the synthetic corpus (eval/bench_synth.py: the seed passages and records tiled,
vectors and BM25 terms synthesized), builds the dense index with the engine API and writes the
directory with `write_index_files`, as `koritsu-search index` would. `serve` opens it with
`Index.open(path, embedder=<stub>)` (the stub returns the real model's vectors of the judged
queries, computed by eval/bench.py) and measures search, filtered search and ask latency, the
whole process's memory, and the dense leg's recall@10 against exact search.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import argparse
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import (
    ROOT,
    SEED_INDEX,
    add_parts,
    dir_size,
    emit,
    fmt_n,
    log,
    proc_status,
    reset_hwm,
    rss_by_mapping,
    run_worker,
    summarize_ms,
    summarize_parts,
)

K = 10
RECALL_QUERIES = 200  # synthetic recall queries, besides the real judged ones
PROFILE_QUERIES = 40  # a call slower than --profile-over-ms is profiled over this many queries
# Filtered searches measured: a ministry, two kinds (a small and a large share), a section substring.
FILTERS: list[tuple[str, dict[str, list[str]]]] = [
    ("ministry 厚生労働省", {"ministries": ["厚生労働省"]}),
    ("kind speech", {"kinds": ["speech"]}),
    ("kind measure", {"kinds": ["measure"]}),
    ("section ∋ 相談支援", {"sections": ["相談支援"]}),
]


# ----------------------------------------------------------------------------- build

def worker_build(args: argparse.Namespace) -> None:
    from bench_synth import (
        Seed,
        TiledPassages,
        VectorModel,
        exact_topk,
        neighbour_stats,
        synth_terms,
        tiled_documents,
        tiled_procedural,
    )

    from koritsu_search.index.contract import current_contract
    from koritsu_search.index.engines import engine
    from koritsu_search.index.lexical import LexicalIndex
    from koritsu_search.index.manifest import Manifest
    from koritsu_search.index.store import write_index_files

    work, n = Path(args.workdir), int(args.n)
    seed = Seed.read(SEED_INDEX)
    m = len(seed.passages)
    res: dict[str, Any] = {"n": n, "seed_passages": m, "seconds": {}, "peak_rss": {}}
    sec, peak = res["seconds"], res["peak_rss"]

    def phase(name: str, t0: float) -> None:
        sec[name] = time.perf_counter() - t0
        peak[name] = proc_status()["VmHWM"]
        log(f"{fmt_n(n)} build: {name} {sec[name]:.1f} s, peak RSS {peak[name] / 1e9:.2f} GB")
        reset_hwm()

    reset_hwm()
    t = time.perf_counter()
    vm = VectorModel(seed.vectors)
    res["synthetic_vs_real"] = {"real": neighbour_stats(seed.vectors),
                                "synthetic": neighbour_stats(vm.sample(m, np.random.default_rng(5)))}
    vectors = vm.generate(n, seed=1000 + n % 997)
    phase("generate vectors", t)

    t = time.perf_counter()
    judged_vecs = np.load(work / "judged_vectors.npy")
    queries = np.concatenate([vm.sample(RECALL_QUERIES, np.random.default_rng(99)), judged_vecs]).astype(np.float32)
    gt_ids, gt_scores = exact_topk(vectors, queries, K)
    np.save(work / "recall_queries.npy", queries)
    np.save(work / "gt_ids.npy", gt_ids)
    np.save(work / "gt_scores.npy", gt_scores)
    res["recall_queries"] = {"synthetic": RECALL_QUERIES, "judged": len(judged_vecs),
                             "top1_cos_median": float(np.median(gt_scores[:, 0])),
                             "top10_cos_median": float(np.median(gt_scores[:, K - 1]))}
    phase("exact ground truth", t)

    t = time.perf_counter()
    terms, res["terms"] = synth_terms(seed.terms, n, seed=7)
    phase("generate terms", t)
    t = time.perf_counter()
    lexical = LexicalIndex.build(terms)
    del terms
    phase("BM25 build", t)

    t = time.perf_counter()
    copies = math.ceil(n / m)
    passages = TiledPassages(seed.passages, n)
    documents = tiled_documents(seed.documents, copies)
    procedural = tiled_procedural(seed.procedural, n)
    record_count = sum(len(d.records) for d in documents)
    phase("tile passages and records", t)
    res.update(copies=copies, records=record_count, documents=len(documents))

    res["indexes"] = {}
    for kind in args.kinds.split(","):
        eng = engine(kind)
        t = time.perf_counter()
        dense = eng.build(vectors, eng.default_params(n))
        phase(f"dense build ({kind})", t)
        manifest = Manifest(
            model_id=seed.store.manifest.model_id, dim=int(vectors.shape[1]), dense_type=kind,
            dense_params=dense.params, contract=current_contract(), passage_count=n, record_count=record_count,
            build={"synthetic": f"eval/bench_synth.py: {copies} copies of {seed.path.name} ({m} passages)"},
        )
        out = work / f"index-{kind}"
        out.mkdir()
        t = time.perf_counter()
        # passages: a lazy Sequence (write_index_files only iterates it; its annotation says list)
        write_index_files(out, manifest, documents, passages, procedural, vectors, dense.save, lexical)  # type: ignore[arg-type]
        phase(f"write index files ({kind})", t)
        res["indexes"][kind] = {"describe": dense.describe(), "size_bytes": dir_size(out),
                                "dense_build_s": sec[f"dense build ({kind})"],
                                "write_s": sec[f"write index files ({kind})"]}
        del dense
    emit(res)


# ----------------------------------------------------------------------------- serve

class StubEmbedder:
    """The real model's vector of each judged query, looked up by its cleaned text."""

    def __init__(self, table: dict[str, np.ndarray], model_id: str, dim: int) -> None:
        self.table, self.model_id, self.dim = table, model_id, dim

    def embed_passages(self, texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray:
        raise NotImplementedError("the benchmark's stub embeds queries only")

    def embed_query(self, text: str) -> np.ndarray:
        return self.table[text]


def _timed(fn: Any, queries: list[str]) -> tuple[list[float], dict[str, list[float]]]:
    """Each query once, timed, with the SearchTrace segments when fn takes a trace."""
    from koritsu_search.search import SearchTrace

    lat: list[float] = []
    parts: dict[str, list[float]] = {}
    for q in queries:
        tr = SearchTrace()
        t = time.perf_counter()
        fn(q, tr)
        lat.append(time.perf_counter() - t)
        if tr.timings_ms:  # fn took the trace
            add_parts(parts, tr.timings_ms, lat[-1])
    return lat, parts


def _profile(fn: Any, queries: list[str], top: int = 10) -> dict[str, Any]:
    """cProfile over the queries: the functions with the most own time, and the library's functions
    with the most cumulative time (milliseconds per query)."""
    import cProfile
    import pstats

    from koritsu_search.search import SearchTrace

    prof = cProfile.Profile()
    prof.enable()
    for q in queries:
        fn(q, SearchTrace())
    prof.disable()
    stats: dict[Any, Any] = pstats.Stats(prof).stats  # type: ignore[attr-defined]
    n = max(1, len(queries))

    def row(key: Any, val: Any) -> dict[str, Any]:
        filename, line, func = key
        short = filename
        for marker in ("site-packages/", f"{ROOT}/", "/lib/python3."):
            short = short.split(marker)[-1]
        if short != filename and filename.rfind("/lib/python3.") > filename.rfind("site-packages/"):
            short = short.split("/", 1)[-1]  # the standard library: drop "11/"
        return {"function": f"{short}:{line}({func})", "calls_per_query": val[1] / n,
                "own_ms": val[2] * 1000 / n, "cumulative_ms": val[3] * 1000 / n}

    items = list(stats.items())
    own = sorted(items, key=lambda kv: -kv[1][2])[:top]
    lib = sorted((kv for kv in items if "koritsu_search" in kv[0][0]), key=lambda kv: -kv[1][3])[:top]
    return {"queries": len(queries), "own_time": [row(*kv) for kv in own], "library_cumulative": [row(*kv) for kv in lib]}


def worker_serve(args: argparse.Namespace) -> None:
    work = Path(args.workdir)
    path = work / f"index-{args.kind}"
    judged = json.loads((work / "judged.json").read_text(encoding="utf-8"))
    qvecs = np.load(work / "judged_vectors.npy")
    mem: dict[str, dict[str, int]] = {"interpreter": proc_status()}

    from koritsu_search import Index
    from koritsu_search.index.manifest import Manifest
    from koritsu_search.models import Filters
    from koritsu_search.search import clean_query

    mem["imports"] = proc_status()
    manifest = Manifest.read(path)
    texts = [clean_query(q["query"]) for q in judged]
    stub = StubEmbedder(dict(zip(texts, qvecs, strict=True)), manifest.model_id, manifest.dim)
    t = time.perf_counter()
    idx = Index.open(path, embedder=stub)
    res: dict[str, Any] = {"kind": args.kind, "n": len(idx.store.passages), "open_s": time.perf_counter() - t,
                           "dense": idx.store.dense.describe(), "fusion": idx.searcher.config.to_dict()}
    mem["after open"] = proc_status()
    log(f"{fmt_n(res['n'])} {args.kind}: opened in {res['open_s']:.1f} s, RSS {mem['after open']['VmRSS'] / 1e9:.2f} GB")

    t = time.perf_counter()
    idx.search(texts[0], k=K)  # Sudachi's dictionary is loaded by the first query of a process
    res["first_query_s"] = time.perf_counter() - t

    cases: list[dict[str, Any]] = [{"name": "search", "filters": None}]
    cases += [{"name": f"search, {label}", "filters": f} for label, f in FILTERS]
    cases.append({"name": "ask", "filters": None})
    for case in cases:
        case["filter"] = case.pop("filters")
        filters = Filters(**case["filter"]) if case["filter"] else None
        t = time.perf_counter()
        allowed = idx.store.passages.select(filters)  # the first use of a column builds its row lists
        case["first_select_ms"] = (time.perf_counter() - t) * 1000
        case["rows"] = len(idx.store.passages) if allowed is None else len(allowed)

        def run(q: str, tr: Any, filters: Filters | None = filters, name: str = case["name"]) -> None:
            if name == "ask":
                idx.ask(q, k=K, filters=filters)
            else:
                idx.search(q, k=K, filters=filters, trace=tr)

        first, _ = _timed(run, texts)  # first pass: per-process caches (facet row lists, pages) fill here
        lat, parts = _timed(run, texts)
        case.update(first_pass_ms=summarize_ms(first), latency_ms=summarize_ms(lat), parts_ms=summarize_parts(parts))
        if case["latency_ms"]["p50"] >= args.profile_over_ms:
            case["profile"] = _profile(run, texts[:PROFILE_QUERIES])
        case["memory_after"] = proc_status()
        log(f"{fmt_n(res['n'])} {args.kind}: {case['name']} ({case['rows']:,} rows) p50 {case['latency_ms']['p50']:.1f} ms, "
            f"p95 {case['latency_ms']['p95']:.1f} ms, first pass max {case['first_pass_ms']['max']:.0f} ms")
    res["cases"] = cases

    # The dense leg alone, through the DenseIndex interface: latency at the candidate count search()
    # asks for, and recall@10 against exact search.
    from bench_synth import exact_topk, recall_at_k

    queries = np.load(work / "recall_queries.npy")
    gt_ids, gt_scores = np.load(work / "gt_ids.npy"), np.load(work / "gt_scores.npy")
    dense, n_cand = idx.store.dense, idx.searcher.config.candidate_count(K)
    lat_s, rec = [], []
    for qi, q in enumerate(queries):
        t = time.perf_counter()
        dense.search(q, n_cand)
        lat_s.append(time.perf_counter() - t)
        ids, scores = dense.search(q, K)
        rec.append(recall_at_k(ids, scores, gt_ids[qi], gt_scores[qi], K))
    n_syn = RECALL_QUERIES
    res["dense_leg"] = {"k": n_cand, "latency_ms": summarize_ms(lat_s), "recall_at_10": float(np.mean(rec)),
                        "recall_at_10_synthetic": float(np.mean(rec[:n_syn])),
                        "recall_at_10_judged": float(np.mean(rec[n_syn:])) if len(rec) > n_syn else None,
                        "recall_queries": len(rec), "recall_min": float(np.min(rec))}
    mem["after all queries"] = proc_status()
    res["memory"] = mem
    res["rss_by_mapping"] = rss_by_mapping()
    log(f"{fmt_n(res['n'])} {args.kind}: recall@10 {res['dense_leg']['recall_at_10']:.3f}; "
        f"RSS {mem['after all queries']['VmRSS'] / 1e9:.2f} GB, peak {mem['after all queries']['VmHWM'] / 1e9:.2f} GB")

    # Filtered recall (after the memory figures: the exact ground truth reads vectors.npy).
    from koritsu_search.index.store import VECTORS_FILE

    vectors = np.load(path / VECTORS_FILE, mmap_mode="r")
    res["filtered_recall"] = []
    for label, f in FILTERS:
        allowed = idx.store.passages.select(Filters(**f))
        assert allowed is not None
        g_ids, g_scores = exact_topk(vectors, queries, K, rows=allowed)
        rr = []
        for qi, q in enumerate(queries):
            ids, scores = dense.search(q, K, allowed)
            rr.append(recall_at_k(ids, scores, g_ids[qi], g_scores[qi], K))
        res["filtered_recall"].append({"filter": label, "rows": len(allowed), "recall_at_10": float(np.mean(rr)),
                                       "recall_min": float(np.min(rr))})
    emit(res)


# ----------------------------------------------------------------------------- memory per component

def worker_components(args: argparse.Namespace) -> None:
    """Anonymous memory each component takes when loaded alone through its public class, in a fresh
    process (what IndexStore.open adds beyond them is the records table, documents and checks)."""
    from koritsu_search.index.columns import PassageStore
    from koritsu_search.index.engines import engine
    from koritsu_search.index.lexical import LexicalIndex
    from koritsu_search.index.manifest import Manifest
    from koritsu_search.segment import get_segmenter

    path = Path(args.workdir) / f"index-{args.kind}"
    manifest = Manifest.read(path)
    kept: list[Any] = []
    rows = []
    for name, load in (
        ("passage store (columns, text mapped)", lambda: PassageStore(path)),
        (f"dense index ({manifest.dense_type})", lambda: engine(manifest.dense_type).load(path, manifest.dense_params)),
        ("lexical index (bm25s + feedback term ids)", lambda: LexicalIndex.load(path, manifest.passage_count)),
        ("Sudachi tokenizer (first use)", lambda: get_segmenter().lexical_terms("孤独・孤立対策の相談窓口")),
    ):
        before = proc_status()
        t = time.perf_counter()
        kept.append(load())
        after = proc_status()
        rows.append({"component": name, "seconds": time.perf_counter() - t,
                     "anon_bytes": after["RssAnon"] - before["RssAnon"], "file_bytes": after["RssFile"] - before["RssFile"]})
    emit({"kind": args.kind, "components": rows, "total": proc_status()})


# ----------------------------------------------------------------------------- driver (eval/bench.py)

def bench_scale(n: int, kinds: list[str], judged: list[dict[str, Any]], qvecs: np.ndarray) -> dict[str, Any]:
    """Build the synthetic index(es) of n passages in one process, serve each kind in another."""
    work = Path(tempfile.mkdtemp(prefix=f"bench_scale_{fmt_n(n)}_", dir="/tmp"))
    try:
        (work / "judged.json").write_text(json.dumps(judged, ensure_ascii=False), encoding="utf-8")
        np.save(work / "judged_vectors.npy", qvecs)
        build = run_worker("bench_scale.py", ["build", "--workdir", str(work), "--n", str(n), "--kinds", ",".join(kinds)])
        serve = []
        for kind in kinds:
            serve.append(run_worker("bench_scale.py", ["serve", "--workdir", str(work), "--kind", kind]))
            serve[-1]["components"] = run_worker("bench_scale.py", ["components", "--workdir", str(work), "--kind", kind])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return {"n": n, "build": build, "serve": serve}


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("worker", choices=("build", "serve", "components"))
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--n", type=int, default=0)
    ap.add_argument("--kinds", default="ivf")
    ap.add_argument("--kind", default="ivf")
    ap.add_argument("--profile-over-ms", type=float, default=25.0, help="profile calls whose p50 is at least this")
    args = ap.parse_args(argv)
    {"build": worker_build, "serve": worker_serve, "components": worker_components}[args.worker](args)


if __name__ == "__main__":
    main()
