"""Synthetic-scale part of eval/bench.py: a real index directory of 100k-1M passages, built in one
fresh process and served in another.

    python eval/bench_scale.py build --workdir DIR --n 1000000 --kinds ivf   # prints one RESULT line
    python eval/bench_scale.py serve --workdir DIR --kind ivf
    python eval/bench_scale.py compare --n 100000 --kinds flat,ivf          # FAISS vs Milvus Lite
    python eval/bench_scale.py render                                        # its .md again from its .json

`build` makes the synthetic corpus (eval/bench_synth.py: the seed passages and records tiled,
vectors and BM25 terms synthesized), builds the dense index with the engine API and writes the
directory with `write_index_files`, as `koritsu-search index` would; with `--engine milvus` (or
`faiss,milvus`) it also syncs a Milvus collection per kind (`--uri`, default DIR/milvus.db) and
writes a Milvus-backed directory `index-milvus-<kind>` of the same data. `serve` opens a directory
with `Index.open(path, embedder=<stub>)` (the stub returns the real model's vectors of the judged
queries, computed by eval/bench.py) and measures search, filtered search and ask latency, the
whole process's memory, and the dense leg's recall@10 against exact search (through the engine's
Retrieval interface, so the same code measures both engines). `compare` runs all of it for both
engines in one run and writes eval/results/scale_engines.md and .json.
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
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import (
    HERE,
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
# --case-budget-s: a loop whose first PROBES calls show that it would run longer than the budget
# measures as many queries as fit (at least MIN_BUDGET_QUERIES), evenly spaced over its list.
PROBES = 3
MIN_BUDGET_QUERIES = 10
COMPARE_CASE_BUDGET_S = 150.0  # compare's default: seconds per measured pass of one case
# Filtered searches measured: a ministry, two kinds (a small and a large share), a section substring.
FILTERS: list[tuple[str, dict[str, list[str]]]] = [
    ("ministry 厚生労働省", {"ministries": ["厚生労働省"]}),
    ("kind speech", {"kinds": ["speech"]}),
    ("kind measure", {"kinds": ["measure"]}),
    ("section ∋ 相談支援", {"sections": ["相談支援"]}),
]


# ----------------------------------------------------------------------------- build

ENGINES = ("faiss", "milvus")


def library_fingerprint() -> dict[str, Any]:
    """Which koritsu_search this process imports (found as `import` finds it, without importing it)
    and a sha256 of its .py files: the driver compares every worker's, so that a run whose library
    changed underneath it (another checkout, a commit mid-run) says so."""
    import hashlib
    import importlib.util
    import subprocess

    spec = importlib.util.find_spec("koritsu_search")
    root = Path(spec.origin).parent if spec is not None and spec.origin else ROOT / "koritsu_search"
    h = hashlib.sha256()
    for f in sorted(root.rglob("*.py")):
        h.update(str(f.relative_to(root)).encode() + b"\0" + f.read_bytes())
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=root,
                          check=False).stdout.strip()
    return {"path": str(root), "sha256": h.hexdigest()[:16], "commit": head or None}


def engines_of(value: str) -> list[str]:
    """--engine: "faiss", "milvus" or both ("faiss,milvus")."""
    names = [e.strip() for e in value.split(",") if e.strip()]
    bad = [e for e in names if e not in ENGINES]
    if bad or not names:
        raise SystemExit(f"--engine {value}: choose faiss, milvus or faiss,milvus")
    return list(dict.fromkeys(names))


def index_dir(work: Path, engine: str, kind: str) -> Path:
    """The index directory of one engine and dense index kind in a work directory."""
    return work / (f"index-{kind}" if engine == "faiss" else f"index-milvus-{kind}")


def label(engine: str, kind: str) -> str:
    return kind if engine == "faiss" else f"milvus-{kind}"


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
    from koritsu_search.index.engines.faiss import dense_type as engine
    from koritsu_search.index.lexical import LexicalIndex
    from koritsu_search.index.manifest import Manifest
    from koritsu_search.index.store import write_index_files

    work, n = Path(args.workdir), int(args.n)
    engines = engines_of(args.engine)
    seed = Seed.read(SEED_INDEX)
    m = len(seed.passages)
    res: dict[str, Any] = {"n": n, "seed_passages": m, "engines": engines, "library": library_fingerprint(),
                           "seconds": {}, "peak_rss": {}}
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
    # Milvus computes its sparse vectors from the term lists: they are kept for it only.
    kept_terms = terms if "milvus" in engines else None
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
    synthetic = f"eval/bench_synth.py: {copies} copies of {seed.path.name} ({m} passages)"

    res["indexes"] = {}
    kinds = args.kinds.split(",")
    for kind in kinds if "faiss" in engines else []:
        eng = engine(kind)
        t = time.perf_counter()
        dense = eng.build(vectors, eng.default_params(n))
        phase(f"dense build ({kind})", t)
        manifest = Manifest(
            model_id=seed.store.manifest.model_id, dim=int(vectors.shape[1]), dense_type=kind,
            dense_params=dense.params, contract=current_contract(), passage_count=n, record_count=record_count,
            build={"synthetic": synthetic},
        )
        out = index_dir(work, "faiss", kind)
        out.mkdir()
        t = time.perf_counter()
        # passages: a lazy Sequence (write_index_files only iterates it; its annotation says list)
        write_index_files(out, manifest, documents, passages, procedural, vectors, dense.save, lexical)  # type: ignore[arg-type]
        phase(f"write index files ({kind})", t)
        res["indexes"][kind] = {"engine": "faiss", "describe": dense.describe(), "size_bytes": dir_size(out),
                                "dense_build_s": sec[f"dense build ({kind})"],
                                "write_s": sec[f"write index files ({kind})"]}
        del dense

    if "milvus" in engines:
        from koritsu_search.index.engines import BuildInputs, EngineSpec
        from koritsu_search.index.milvus.build import build_milvus

        assert kept_terms is not None
        uri = str(Path(args.uri or work / "milvus.db").resolve())
        res["milvus_uri"] = uri
        for kind in kinds:
            out = index_dir(work, "milvus", kind)
            out.mkdir()
            spec = EngineSpec("milvus", uri=uri, dense_type=kind)
            inputs = BuildInputs(index_dir=out, passages=passages, vectors=vectors, terms=kept_terms, lexical=lexical,
                                 model_id=seed.store.manifest.model_id, previous=None, progress=False, recorded=None)
            t = time.perf_counter()
            # Connect (the in-process Lite server starts), create the collection and its indexes,
            # upsert every row (dense vector, sparse BM25 weights, filter fields), flush, count.
            built = build_milvus(inputs, spec)
            phase(f"milvus sync ({kind})", t)
            try:
                manifest = Manifest(
                    model_id=seed.store.manifest.model_id, dim=int(vectors.shape[1]), dense_type=built.dense_type,
                    dense_params=built.dense_params, contract=current_contract(), passage_count=n,
                    record_count=record_count, build={"synthetic": synthetic}, engine=built.info,
                )
                t = time.perf_counter()
                write_index_files(out, manifest, documents, passages, procedural, vectors, built.save, lexical)  # type: ignore[arg-type]
                phase(f"write index files (milvus {kind})", t)
                t = time.perf_counter()
                built.commit()
                phase(f"milvus commit ({kind})", t)
            finally:
                built.close()  # the last client of the Lite file: its server stops, the file is let go
            collection = built.info["collection"]
            stored = [d for d in Path(uri).rglob(collection) if d.is_dir()]
            res["indexes"][label("milvus", kind)] = {
                "engine": "milvus", "kind": kind, "dense_type": built.dense_type, "dense_params": built.dense_params,
                "info": built.info, "size_bytes": dir_size(out),
                "collection_bytes": sum(f.stat().st_size for d in stored for f in d.rglob("*") if f.is_file()),
                "sync_s": sec[f"milvus sync ({kind})"], "write_s": sec[f"write index files (milvus {kind})"],
                "commit_s": sec[f"milvus commit ({kind})"],
            }
        res["milvus_db_bytes"] = sum(f.stat().st_size for f in Path(uri).rglob("*") if f.is_file())
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


def _chosen(count: int, budget_s: float, probe: Callable[[int], object]) -> list[int]:
    """The indices a measured loop runs over: all `count`, or, when a time budget is set and the
    first PROBES calls (warm-up, not measured) show that all would not fit in it, as many as fit
    (at least MIN_BUDGET_QUERIES), evenly spaced over the list."""
    if not math.isfinite(budget_s) or count == 0:
        return list(range(count))
    took = []
    for i in range(min(PROBES, count)):
        t = time.perf_counter()
        probe(i)
        took.append(time.perf_counter() - t)
    fit = int(budget_s / max(float(np.median(took)), 1e-9))
    if fit >= count:
        return list(range(count))
    return sorted(set(np.linspace(0, count - 1, max(MIN_BUDGET_QUERIES, fit)).round().astype(int).tolist()))


def worker_serve(args: argparse.Namespace) -> None:
    library = library_fingerprint()
    work = Path(args.workdir)
    eng = engines_of(args.engine)[0]
    path = index_dir(work, eng, args.kind)
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
    res: dict[str, Any] = {"kind": args.kind, "engine": eng, "n": len(idx.store.passages),
                           "open_s": time.perf_counter() - t, "dense": idx.store.retrieval.describe(),
                           "fusion": idx.searcher.config.to_dict(), "library": library}
    mem["after open"] = proc_status()
    tag = label(eng, args.kind)
    budget = math.inf if args.case_budget_s is None else float(args.case_budget_s)
    res["case_budget_s"] = None if math.isinf(budget) else budget
    log(f"{fmt_n(res['n'])} {tag}: opened in {res['open_s']:.1f} s, RSS {mem['after open']['VmRSS'] / 1e9:.2f} GB")

    t = time.perf_counter()
    idx.search(texts[0], k=K)  # Sudachi's dictionary is loaded by the first query of a process
    res["first_query_s"] = time.perf_counter() - t

    cases: list[dict[str, Any]] = [{"name": "search", "filters": None}]
    cases += [{"name": f"search, {flabel}", "filters": f} for flabel, f in FILTERS]
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

        def probe(i: int, run: Callable[[str, Any], None] = run) -> None:
            run(texts[i], None)

        chosen = [texts[i] for i in _chosen(len(texts), budget, probe)]
        first, _ = _timed(run, chosen)  # first pass: per-process caches (facet row lists, pages) fill here
        lat, parts = _timed(run, chosen)
        case.update(queries=len(chosen), first_pass_ms=summarize_ms(first), latency_ms=summarize_ms(lat),
                    parts_ms=summarize_parts(parts))
        if case["latency_ms"]["p50"] >= args.profile_over_ms:
            case["profile"] = _profile(run, chosen[:PROFILE_QUERIES])
        case["memory_after"] = proc_status()
        log(f"{fmt_n(res['n'])} {tag}: {case['name']} ({case['rows']:,} rows) p50 {case['latency_ms']['p50']:.1f} ms, "
            f"p95 {case['latency_ms']['p95']:.1f} ms, first pass max {case['first_pass_ms']['max']:.0f} ms"
            + (f" ({len(chosen)} of {len(texts)} queries: --case-budget-s {budget:g})" if len(chosen) < len(texts) else ""))
    res["cases"] = cases

    # The dense leg alone, through the engine's Retrieval interface (FAISS in this process, or the
    # Milvus collection): latency at the candidate count search() asks for, and recall@10 of the
    # top 10 (scored exactly: Retrieval.dense_score) against exact search.
    from bench_synth import exact_topk, recall_at_k

    from koritsu_search.index.retrieval import Scope

    queries = np.load(work / "recall_queries.npy")
    gt_ids, gt_scores = np.load(work / "gt_ids.npy"), np.load(work / "gt_scores.npy")
    retrieval, n_cand = idx.store.retrieval, idx.searcher.config.candidate_count(K)
    everything = Scope()
    lat_s, lat_k, rec = [], [], []
    chosen_q = _chosen(len(queries), budget, lambda i: retrieval.dense_top(queries[i], n_cand, everything))
    for qi in chosen_q:
        q = queries[qi]
        t = time.perf_counter()
        retrieval.dense_top(q, n_cand, everything)
        lat_s.append(time.perf_counter() - t)
        t = time.perf_counter()
        ids = retrieval.dense_top(q, K, everything)
        lat_k.append(time.perf_counter() - t)
        rec.append(recall_at_k(ids, retrieval.dense_score(q, ids), gt_ids[qi], gt_scores[qi], K))
    res["dense_leg"] = {"k": n_cand, "latency_ms": summarize_ms(lat_s), "top10_latency_ms": summarize_ms(lat_k),
                        **_recall_summary(rec, chosen_q)}
    mem["after all queries"] = proc_status()
    res["memory"] = mem
    res["rss_by_mapping"] = rss_by_mapping()
    log(f"{fmt_n(res['n'])} {tag}: recall@10 {res['dense_leg']['recall_at_10']:.3f}, dense leg k={n_cand} p50 "
        f"{res['dense_leg']['latency_ms']['p50']:.1f} ms; RSS {mem['after all queries']['VmRSS'] / 1e9:.2f} GB, "
        f"peak {mem['after all queries']['VmHWM'] / 1e9:.2f} GB")

    # Filtered recall (after the memory figures: the exact ground truth reads vectors.npy).
    from koritsu_search.index.store import VECTORS_FILE

    vectors = np.load(path / VECTORS_FILE, mmap_mode="r")
    res["filtered_recall"] = []
    for flabel, f in FILTERS:
        filters = Filters(**f)
        scope = Scope(filters, idx.store.passages.select_mask(filters))
        allowed = scope.allowed
        assert allowed is not None
        g_ids, g_scores = exact_topk(vectors, queries, K, rows=allowed)
        def probe_top(i: int, scope: Scope = scope) -> None:
            retrieval.dense_top(queries[i], K, scope)

        rr: list[float] = []
        lat_f: list[float] = []
        outside = short = 0
        mask = scope.mask
        assert mask is not None
        chosen_q = _chosen(len(queries), budget, probe_top)
        for qi in chosen_q:
            q = queries[qi]
            t = time.perf_counter()
            ids = retrieval.dense_top(q, K, scope)
            lat_f.append(time.perf_counter() - t)
            # recall_at_k counts a row scoring at least the 10th exact score as a hit: a row outside
            # the scope would pass that test, so rows outside it are dropped first (they are misses).
            inside = mask[ids]
            outside += int((~inside).sum())
            ids = ids[inside]
            short += int(len(ids) < min(K, len(allowed)))
            rr.append(recall_at_k(ids, retrieval.dense_score(q, ids), g_ids[qi], g_scores[qi], K))
        fr = {"filter": flabel, "rows": len(allowed), **_recall_summary(rr, chosen_q),
              "rows_outside_scope": outside, "queries_short_of_k": short, "top10_latency_ms": summarize_ms(lat_f)}
        res["filtered_recall"].append(fr)
        log(f"{fmt_n(res['n'])} {tag}: {flabel} recall@10 {fr['recall_at_10']:.3f} over {len(rr)} queries, "
            f"top-10 p50 {fr['top10_latency_ms']['p50']:.1f} ms")
    idx.close()
    emit(res)


def _recall_summary(rec: list[float], chosen: list[int]) -> dict[str, Any]:
    """Mean recall over the measured queries, and over the synthetic and the judged ones apart
    (the first RECALL_QUERIES of recall_queries.npy are synthetic, the rest judged)."""
    syn = [r for r, i in zip(rec, chosen, strict=True) if i < RECALL_QUERIES]
    judged = [r for r, i in zip(rec, chosen, strict=True) if i >= RECALL_QUERIES]
    return {"recall_at_10": float(np.mean(rec)), "recall_at_10_synthetic": float(np.mean(syn)) if syn else None,
            "recall_at_10_judged": float(np.mean(judged)) if judged else None, "recall_queries": len(rec),
            "recall_queries_synthetic": len(syn), "recall_queries_judged": len(judged), "recall_min": float(np.min(rec))}


# ----------------------------------------------------------------------------- memory per component

def worker_components(args: argparse.Namespace) -> None:
    """Anonymous memory each component takes when loaded alone through its public class, in a fresh
    process (what IndexStore.open adds beyond them is the records table, documents and checks).
    For a Milvus-backed index the dense component is the engine's search side: the client, the
    in-process Milvus Lite server and its loaded collection (which needs the passage store and the
    lexical terms, loaded as IndexStore.open loads them for an external engine: score matrix mapped)."""
    from koritsu_search.index.engines.faiss import dense_type as engine
    from koritsu_search.index.lexical import LexicalIndex
    from koritsu_search.index.manifest import Manifest
    from koritsu_search.index.passage_store import PassageStore
    from koritsu_search.segment import get_segmenter

    eng = engines_of(args.engine)[0]
    path = index_dir(Path(args.workdir), eng, args.kind)
    manifest = Manifest.read(path)
    kept: list[Any] = []
    rows = []
    loads: list[tuple[str, Any]]
    if eng == "faiss":
        loads = [
            ("passage store (columns, text mapped)", lambda: PassageStore(path)),
            (f"dense index ({manifest.dense_type})", lambda: engine(manifest.dense_type).load(path, manifest.dense_params)),
            ("lexical index (bm25s + feedback term ids)", lambda: LexicalIndex.load(path, manifest.passage_count)),
        ]
    else:
        from koritsu_search.index.milvus.search import open_milvus

        loads = [
            ("passage store (columns, text mapped)", lambda: PassageStore(path)),
            ("lexical index (terms; bm25s matrix mapped)", lambda: LexicalIndex.load(path, manifest.passage_count, mmap=True)),
            (f"Milvus Lite engine ({manifest.dense_type}: client, in-process server, loaded collection)",
             lambda: open_milvus(path, manifest, kept[1], kept[0])),
        ]
    loads.append(("Sudachi tokenizer (first use)", lambda: get_segmenter().lexical_terms("孤独・孤立対策の相談窓口")))
    for name, load in loads:
        before = proc_status()
        t = time.perf_counter()
        kept.append(load())
        after = proc_status()
        rows.append({"component": name, "seconds": time.perf_counter() - t,
                     "anon_bytes": after["RssAnon"] - before["RssAnon"], "file_bytes": after["RssFile"] - before["RssFile"]})
    emit({"kind": args.kind, "engine": eng, "components": rows, "total": proc_status(),
          "library": library_fingerprint()})
    if eng == "milvus":
        kept[2].close()


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


# ----------------------------------------------------------------------------- compare: FAISS vs Milvus Lite

def compare(args: argparse.Namespace, argv: list[str]) -> dict[str, Any]:
    """One run: the judged queries embedded with the real default model, the synthetic FAISS and
    Milvus Lite indexes of the same data built in one worker, each served in its own fresh worker;
    writes <out>.json and <out>.md."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from bench_common import load_info, machine_info
    from provenance import provenance

    from koritsu_search.embed import load_embedder
    from koritsu_search.search import clean_query

    t_start = time.perf_counter()
    n, kinds = int(args.n), [k for k in args.kinds.split(",") if k]
    budget = COMPARE_CASE_BUDGET_S if args.case_budget_s is None else float(args.case_budget_s)
    # Profiles only when asked: a Milvus call's time is spent in the server's threads, which
    # cProfile (this thread only) does not see, and profiling a slow case would cost minutes.
    profile_over = args.profile_over_ms if "--profile-over-ms" in argv else math.inf
    report: dict[str, Any] = {
        "provenance": provenance(),
        "command": "python eval/bench_scale.py " + " ".join(argv),
        "machine": machine_info(),
        "versions": _engine_versions(),
        "load_start": load_info(),
        "env": {k: os.environ.get(k) for k in ("OMP_WAIT_POLICY", "KORITSU_THREADS", "OMP_NUM_THREADS")},
        "n": n, "kinds": kinds, "case_budget_s": budget, "library": {"start": library_fingerprint()},
    }
    rows = [json.loads(line) for line in (HERE / "queries.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    log(f"embedding the {len(rows)} judged queries with the default model")
    t = time.perf_counter()
    embedder = load_embedder(None)
    qvecs = np.stack([embedder.embed_query(clean_query(q["query"])) for q in rows]).astype(np.float32)
    report["judged"] = {"queries": len(rows), "model_id": embedder.model_id, "embed_s": time.perf_counter() - t}
    del embedder

    work = Path(tempfile.mkdtemp(prefix=f"bench_scale_{fmt_n(n)}_engines_", dir="/tmp"))
    try:
        (work / "judged.json").write_text(json.dumps([{"query": q["query"]} for q in rows], ensure_ascii=False),
                                          encoding="utf-8")
        np.save(work / "judged_vectors.npy", qvecs)
        uri = str(Path(args.uri).resolve()) if args.uri else str(work / "milvus.db")
        log(f"{fmt_n(n)}: building FAISS ({', '.join(kinds)}) and Milvus Lite ({uri}) indexes of the same data")
        report["build"] = run_worker("bench_scale.py", ["build", "--workdir", str(work), "--n", str(n), "--kinds",
                                                        ",".join(kinds), "--engine", "faiss,milvus", "--uri", uri])
        report["serve"] = []
        for eng in ENGINES:
            for kind in kinds:
                log(f"{fmt_n(n)}: serving {label(eng, kind)}; elapsed {time.perf_counter() - t_start:.0f} s")
                common = ["--workdir", str(work), "--kind", kind, "--engine", eng]
                sv = run_worker("bench_scale.py", ["serve", *common, "--profile-over-ms", str(profile_over),
                                                   "--case-budget-s", str(budget)])
                sv["components"] = run_worker("bench_scale.py", ["components", *common])
                report["serve"].append(sv)
    finally:
        shutil.rmtree(work, ignore_errors=True)  # the Milvus Lite database too, unless --uri put it elsewhere
    report["load_end"] = load_info()
    report["total_runtime_s"] = time.perf_counter() - t_start
    lib = report["library"]
    lib["end"] = library_fingerprint()
    seen = [lib["start"], lib["end"], report["build"]["library"],
            *(x for sv in report["serve"] for x in (sv["library"], sv["components"]["library"]))]
    lib["consistent"] = len({(x["path"], x["sha256"]) for x in seen}) == 1
    if not lib["consistent"]:
        log("WARNING: koritsu_search changed during the run (or workers imported another copy): "
            + ", ".join(sorted({f"{x['path']} {x['sha256']}" for x in seen})))
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.with_suffix(".json").write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    out.with_suffix(".md").write_text(compare_markdown(report), encoding="utf-8")
    log(f"done in {report['total_runtime_s'] / 60:.1f} min: {out.with_suffix('.md')} and .json")
    return report


def _engine_versions() -> dict[str, str]:
    from importlib import metadata

    out = {}
    for dist in ("pymilvus", "milvus-lite", "faiss-cpu", "bm25s", "grpcio"):
        try:
            out[dist] = metadata.version(dist)
        except metadata.PackageNotFoundError:
            out[dist] = "?"
    return out


def _ms(d: dict[str, float], of: int = 0) -> str:
    """p50 / p95, with the number of queries when it is fewer than `of`."""
    return f"{d['p50']:.1f} / {d['p95']:.1f}" + (f" (n={d['n']})" if d["n"] < of else "")


def _gb(b: float) -> str:
    return f"{b / 1e9:.2f}"


def _table(head: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def _index_name(sv: dict[str, Any]) -> str:
    d = sv["dense"]
    params = ", ".join(f"{k}={v}" for k, v in {**(d.get("params") or {}), **(d.get("search_params") or {})}.items())
    engine = "Milvus Lite" if sv["engine"] == "milvus" else "FAISS"
    return f"{engine} {d.get('type', sv['kind'])}" + (f" ({params})" if params else "")


def compare_markdown(report: dict[str, Any]) -> str:
    from provenance import markdown_line

    from koritsu_search.index.dense_faiss import EXACT_FILTER_UP_TO as exact_up_to

    b, serve = report["build"], report["serve"]
    lib = report["library"]
    n, m = report["n"], report["machine"]
    names = [_index_name(sv) for sv in serve]
    L = [f"# Scale: embedded FAISS vs Milvus Lite at {fmt_n(n)} synthetic passages", "",
         markdown_line(report["provenance"]), "",
         f"Command: `{report['command']}` (one run, {report['total_runtime_s'] / 60:.1f} min wall).", "",
         (f"Library measured: koritsu_search at commit `{lib['start']['commit']}` (its .py files' sha256 "
          f"`{lib['start']['sha256']}`), the same in the driver at start and end and in every worker process."
          if lib["consistent"] else
          "**Warning: koritsu_search changed during this run** (or a worker imported another copy): the workers "
          "measured different code; see `library` in the JSON."), "",
         f"Machine: {m['cpu_model']}, {m['usable_cpus']} usable CPUs of {m['nproc']}, {m['ram_bytes'] / 1e9:.0f} GB RAM, "
         f"{m['platform']}; " + ", ".join(f"{k} {v}" for k, v in {**m["versions"], **report["versions"]}.items())
         + f". Load average at start {', '.join(f'{x:.2f}' for x in report['load_start']['loadavg'])}, "
         f"at end {', '.join(f'{x:.2f}' for x in report['load_end']['loadavg'])}.", "",
         "**Milvus Lite 3.x is a pure-Python, in-process server**: pymilvus starts it in a thread of the "
         "calling process and talks to it over gRPC on loopback (127.0.0.1), so every search pays protobuf "
         "serialisation, a loopback round trip and Python-level query execution, and the server's memory is "
         "counted in the serving process's RSS. These latencies and sizes are **not those of Milvus "
         "Standalone or Distributed** (a C++/Go server in its own process, with its own segments and index "
         "build); they say what the `--engine milvus --uri x.db` setup costs on this machine.", "",
         f"Data: the same {n:,} synthetic passages, vectors and BM25 terms for both engines, built in one "
         f"worker process ({b['copies']} copies of the {b['seed_passages']:,}-passage seed index; vectors and "
         "terms from eval/bench_synth.py; the FAISS directories and the Milvus-backed ones share every file "
         "but the engine's). Each index is then opened in its own fresh process with "
         "`Index.open(path, embedder=<stub>)`: the stub returns the real default model's vectors of the "
         f"{report['judged']['queries']} judged queries (eval/queries.jsonl, embedded with "
         f"`{report['judged']['model_id']}` in this run), so the latencies below **exclude query embedding**. "
         "Every case runs each judged query twice; the second pass is measured. "
         "Recall@10 of the dense leg is `Retrieval.dense_top(q, 10, scope)` against exact inner-product "
         f"search over the same vectors, for {b['recall_queries']['synthetic']} synthetic + "
         f"{b['recall_queries']['judged']} judged query vectors (a returned row whose exact score ties the "
         "10th counts as a hit).", "",
         f"Time budget (`--case-budget-s {report['case_budget_s']:g}`, the same for both engines): a loop (one "
         f"pass of a search case, or a recall loop) whose first {PROBES} calls show that it would take longer "
         f"than {report['case_budget_s']:g} s measures only as many queries as fit, at least {MIN_BUDGET_QUERIES}, "
         "evenly spaced over its list; the tables give the count (`n=`) wherever a figure covers fewer "
         f"queries than all {report['judged']['queries']} (search) or "
         f"{b['recall_queries']['synthetic'] + b['recall_queries']['judged']} (recall).", ""]
    L += [f"Filtered scopes of at most {exact_up_to:,} rows (marked † below) are scored exactly in the serving "
          "process on both engines, without asking the index: FAISS for its dense leg (`dense_faiss."
          "EXACT_FILTER_UP_TO`; BM25 is in-process anyway), the Milvus engine for its dense and sparse legs "
          "(index/milvus/search.py, every index type). So for the ministry, `kind speech` and section cases the "
          "Milvus engine sends no search to Milvus Lite; only unfiltered calls and the `kind measure` scope "
          "(a `kind in [...]` expression) reach it. The threshold matters most for Milvus Lite: a filter on an "
          "ARRAY field (`ministries`, `section`, sent as `array_contains_any(...)`) has no scalar index in "
          "milvus-lite 3.x and is evaluated by its row-wise Python backend (`milvus_lite/search/filter/"
          "semantic.py` sets `requires_python` for `ArrayContainsOp`; `eval/python_backend.py: evaluate_python` "
          "calls `table.to_pylist()` on the whole segment, vectors included) on every call: 5-6 s per dense "
          "call and 11-15 s per filtered search at 100k passages while they were sent to Milvus Lite (this "
          "file as committed in 297f010, measured before that commit's change). Scalar filters "
          "(`kind in [...]`) take pyarrow's vectorised path.", ""]
    if any(c["queries"] < report["judged"]["queries"] for sv in serve for c in sv["cases"]):
        L += ["Some cases hit the time budget: their `n=` says over how many queries they were measured.", ""]
    L += ["## Summary", ""]
    rows = []
    for sv, name in zip(serve, names, strict=True):
        kind = sv["kind"]
        if sv["engine"] == "faiss":
            ix = b["indexes"][kind]
            build = f"{ix['dense_build_s']:.1f} (FAISS train + add)"
            peak = b["peak_rss"][f"dense build ({kind})"]
            size = ix["size_bytes"]["total"]
        else:
            ix = b["indexes"][label("milvus", kind)]
            build = f"{ix['sync_s']:.1f} (Milvus sync incl. index)"
            peak = b["peak_rss"][f"milvus sync ({kind})"]
            size = ix["size_bytes"]["total"] + ix["collection_bytes"]
        mem = sv["memory"]
        cases = {c["name"]: c for c in sv["cases"]}
        dl = sv["dense_leg"]
        rows.append([name, build, f"{ix['write_s']:.1f}", _gb(peak), _gb(size), f"{sv['open_s']:.1f}",
                     _gb(mem["after open"]["VmRSS"]), f"{_gb(mem['after all queries']['VmRSS'])} / "
                     f"{_gb(mem['after all queries']['VmHWM'])}",
                     _ms(cases["search"]["latency_ms"], report["judged"]["queries"]),
                     f"{cases['ask']['latency_ms']['p50']:.1f}",
                     f"{dl['latency_ms']['p50']:.1f}", f"{dl['recall_at_10']:.3f}"])
    L += [_table(["index", "build s", "write files s", "build peak RSS GB", "on disk GB", "open s",
                  "RSS after open GB", "RSS after queries / peak GB", "search p50 / p95 ms", "ask p50 ms",
                  f"dense leg k={serve[0]['dense_leg']['k']} p50 ms", "dense recall@10"], rows), ""]
    L += ["- build s: FAISS: the dense index alone (`engine(kind).build`: IVF training and adding the "
          "vectors); Milvus: `build_milvus` (connect and start the Lite server, create the collection with its "
          "FLAT/IVF_FLAT and sparse inverted indexes, upsert every row in batches with its vector, sparse BM25 "
          "weights and filter fields, flush, count). Both before that: the shared BM25 build "
          f"({b['seconds']['BM25 build']:.1f} s), not counted. write files s: `write_index_files` (both write the "
          "passages, records, vectors and BM25 files; Milvus writes its key and term-id maps instead of "
          f"faiss.index); the Milvus alias switch (commit) took "
          + ", ".join(f"{b['indexes'][label('milvus', k)]['commit_s'] * 1000:.0f} ms ({k})" for k in report["kinds"])
          + ".",
          "- on disk: the index directory; for Milvus plus its collection's folder in the Lite database "
          f"(the whole database, both collections: {_gb(b.get('milvus_db_bytes', 0))} GB).",
          "- RSS: the whole serving process (for Milvus Lite: the client, the in-process server and its loaded "
          "collection too).",
          "- ask: `Index.ask` with its search of more hits, grouping and citations.", ""]

    L += ["## Search latency per case (p50 / p95 ms, second pass)", ""]
    case_names = [c["name"] for c in serve[0]["cases"]]
    rows = []
    for cname in case_names:
        per = [next(c for c in sv["cases"] if c["name"] == cname) for sv in serve]
        dagger = " †" if per[0]["filter"] and per[0]["rows"] <= exact_up_to else ""
        rows.append([cname, f"{per[0]['rows']:,}{dagger}",
                     *(_ms(c["latency_ms"], report["judged"]["queries"]) for c in per)])
    L += [_table(["case", "rows allowed", *names], rows), ""]

    L += ["## Dense leg alone: recall@10 against exact search, and latency", "",
          "`Retrieval.dense_top` (FAISS in this process; Milvus: a search call to the collection, with a filter "
          "expression when filtered). Latency of the top-10 call, p50 / p95 ms; the unfiltered row also gives "
          f"the call at the {serve[0]['dense_leg']['k']} candidates that search() asks for. Scopes marked † "
          "are scored exactly in this process on both engines (see above): their recall is 1 by construction "
          "and their latency is numpy's, not the index's. Rows returned outside the filter count as misses.", ""]
    total = b["recall_queries"]["synthetic"] + b["recall_queries"]["judged"]

    def rec(r: dict[str, Any]) -> str:
        notes = [f"min {r['recall_min']:.1f}"]
        if r["recall_queries"] < total:
            notes.append(f"n={r['recall_queries']}")
        if r.get("rows_outside_scope"):
            notes.append(f"{r['rows_outside_scope']} rows outside the filter")
        if r.get("queries_short_of_k"):
            notes.append(f"{r['queries_short_of_k']} queries with fewer than {K} rows")
        return f"**{r['recall_at_10']:.3f}** ({', '.join(notes)})"

    rows = [["unfiltered", f"{n:,}", *(f"{rec(sv['dense_leg'])}; {_ms(sv['dense_leg']['top10_latency_ms'])}; "
                                        f"k={sv['dense_leg']['k']}: {_ms(sv['dense_leg']['latency_ms'])}"
                                        for sv in serve)]]
    for i, (flabel, _) in enumerate(FILTERS):
        per = [sv["filtered_recall"][i] for sv in serve]
        dagger = " †" if per[0]["rows"] <= exact_up_to else ""
        rows.append([flabel, f"{per[0]['rows']:,}{dagger}", *(f"{rec(r)}; {_ms(r['top10_latency_ms'])}" for r in per)])
    L += [_table(["filter", "rows allowed", *names], rows), ""]

    def split(r: dict[str, Any]) -> str:
        return " / ".join("–" if r[k] is None else f"{r[k]:.3f}"
                          for k in ("recall_at_10_synthetic", "recall_at_10_judged"))

    L += ["Unfiltered recall@10, synthetic / judged query vectors: " + "; ".join(
        f"{name} {split(sv['dense_leg'])}" for sv, name in zip(serve, names, strict=True)) + ".", ""]

    L += ["## Build phases (one worker process)", ""]
    L += [_table(["phase", "seconds", "peak RSS GB"],
                 [[k, f"{v:.1f}", _gb(b["peak_rss"][k])] for k, v in b["seconds"].items()]), ""]

    L += ["## Memory by component (each loaded alone in a fresh process; anonymous / file-backed MB)", ""]
    rows = []
    for sv, name in zip(serve, names, strict=True):
        for c in sv["components"]["components"]:
            rows.append([name, c["component"], f"{c['seconds']:.2f}", f"{c['anon_bytes'] / 1e6:.0f}",
                         f"{c['file_bytes'] / 1e6:.0f}"])
    L += [_table(["index", "component", "load s", "anon MB", "file MB"], rows), ""]
    return "\n".join(L) + "\n"


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("worker", choices=("build", "serve", "components", "compare", "render"))
    ap.add_argument("--workdir", default=None, help="the work directory (build, serve, components)")
    ap.add_argument("--n", type=int, default=0)
    ap.add_argument("--kinds", default="ivf")
    ap.add_argument("--kind", default="ivf")
    ap.add_argument("--engine", default="faiss", help="faiss, milvus (build: or faiss,milvus)")
    ap.add_argument("--uri", default=None, help="Milvus Lite file (default: WORKDIR/milvus.db)")
    ap.add_argument("--out", default=str(HERE / "results" / "scale_engines"), help="compare: <out>.json and <out>.md")
    ap.add_argument("--profile-over-ms", type=float, default=25.0, help="profile calls whose p50 is at least this")
    ap.add_argument("--case-budget-s", type=float, default=None,
                    help=f"serve: seconds per measured pass of one case, beyond which it measures fewer queries "
                         f"(default: none; compare: {COMPARE_CASE_BUDGET_S:g})")
    args = ap.parse_args(argv)
    if args.worker == "render":  # the Markdown again from a compare run's JSON
        out = Path(args.out)
        report = json.loads(out.with_suffix(".json").read_text(encoding="utf-8"))
        out.with_suffix(".md").write_text(compare_markdown(report), encoding="utf-8")
        return
    if args.worker == "compare":
        if args.n <= 0:
            ap.error("compare needs --n")
        compare(args, argv)
        return
    if args.workdir is None:
        ap.error(f"{args.worker} needs --workdir")
    {"build": worker_build, "serve": worker_serve, "components": worker_components}[args.worker](args)


if __name__ == "__main__":
    main()
