"""Benchmark koritsu-search on this machine: warm latency, cold start, indexing throughput, scale.

A script, not a test (not part of CI). One run writes eval/results/bench.md and bench.json:

- warm `search` / `ask` p50/p95 over the judged queries (eval/queries.jsonl) on the seed index,
  split into segment / query embedding / FAISS / BM25 / fusion (SearchTrace) and answer assembly
  (build_answer, timed around it on the k=80 search that ask() runs);
- cold start: a fresh `python -c` that imports, opens the index and answers one question,
  timed from spawn, with the import / model-load / first-answer parts;
- indexing throughput: a --rebuild of the seed corpus into a temp dir (pages/s, passages/s), and
  PDF parsing pages/s on a measures PDF built with tests/pdf_factory.py;
- scale (eval/bench_scale.py): synthetic 100k and 1M passage corpora derived from the real seed
  vectors and terms; every FAISS configuration is built in one fresh subprocess and served in
  another (build time, RSS, size on disk, p50/p95 over 200 queries, recall@10 vs exact search);
  BM25 build / query time and search()/ask() end to end at each scale.

    HF_HUB_OFFLINE=1 python eval/bench.py                 # everything (< 30 min on 2 cores)
    python eval/bench.py --quick                          # a few minutes, smaller everything
    python eval/bench.py --skip-scale
    python eval/bench.py --scales 100000,1000000
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as koritsu_search.embed.st sets it
os.environ.setdefault("KORITSU_THREADS", "2")  # torch intra-op threads, = FAISS OpenMP threads

import argparse
import datetime as dt
import json
import math
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))

import bench_scale as bs

THREADS = bs.THREADS
GB = 1e9
BUDGET_S = 30 * 60
HNSW_1M_BUDGET_S = 300.0  # longest HNSW build allowed at the largest scale (extrapolated from the smaller one)
EF_SWEEP = [32, 64, 96, 128, 256, 512]
NPROBE_SWEEP = [4, 8, 16, 32, 64, 128]
RECALL_TARGET = 0.95
FASTEST = f"fastest with recall@10 >= {RECALL_TARGET}"
TARGETS = {
    "seed_search_p50_ms": 40.0,
    "seed_ask_p50_ms": 80.0,
    "scale_search_p50_ms": 100.0,
    "scale_recall": RECALL_TARGET,
    "scale_rss_gb": 3.0,
    "total_runtime_s": BUDGET_S,
}


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def ms_summary(values_s: list[float]) -> dict[str, float]:
    return bs.summarize_ms(values_s)


# ----------------------------------------------------------------------------- machine

def machine_info() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = int(line.split()[1]) * 1024
    except OSError:
        pass
    versions: dict[str, str] = {"python": platform.python_version()}
    for mod in ("numpy", "faiss", "bm25s", "torch", "sentence_transformers"):
        try:
            versions[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001
            versions[mod] = "?"
    return {
        "nproc": os.cpu_count(),
        "usable_cpus": len(os.sched_getaffinity(0)),
        "ram_bytes": mem,
        "cpu_model": cpu,
        "platform": platform.platform(),
        "versions": versions,
    }


def library_state() -> dict[str, Any]:
    """Which code was measured (read-only git queries)."""
    def git(*a: str) -> str:
        try:
            return subprocess.run(["git", *a], capture_output=True, text=True, cwd=ROOT, timeout=20, check=False).stdout
        except (OSError, subprocess.SubprocessError):
            return ""
    changed = [line[3:] for line in git("status", "--porcelain", "--", "koritsu_search").splitlines() if line.strip()]
    return {"head": git("rev-parse", "--short", "HEAD").strip(), "uncommitted_library_files": changed}


def load_info() -> dict[str, Any]:
    up = subprocess.run(["uptime"], capture_output=True, text=True, check=False).stdout.strip()
    return {"loadavg": list(os.getloadavg()), "uptime": up, "at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")}


# ----------------------------------------------------------------------------- seed: warm latency

def load_judged(quick: bool) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in (HERE / "queries.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[::5] if quick else rows


def ensure_index(index_dir: Path) -> None:
    if (index_dir / "manifest.json").exists():
        return
    from koritsu_search.pipeline import build_default_index

    log(f"no index at {index_dir}: building it from corpus/")
    build_default_index([ROOT / "corpus"], index_dir)


def bench_warm(index_dir: Path, judged: list[dict[str, Any]]) -> tuple[dict[str, Any], Any]:
    from koritsu_search import open_index
    from koritsu_search.answer import build_answer
    from koritsu_search.index.store import PASSAGES_FILE, read_jsonl
    from koritsu_search.models import Passage
    from koritsu_search.search import SearchTrace, clean_query

    rss0 = bs.rss()
    t = time.perf_counter()
    idx = open_index(index_dir)
    open_s = time.perf_counter() - t
    open_rss = bs.rss() - rss0
    rss0 = bs.rss()
    extra = [Passage.from_dict(p) for p in read_jsonl(index_dir / PASSAGES_FILE)]
    passage_memory = {"open_index_rss": open_rss, "bytes_per_passage": (bs.rss() - rss0) / max(1, len(extra))}
    del extra
    t = time.perf_counter()
    emb = idx.embedder
    model_s = time.perf_counter() - t
    import torch

    torch.set_num_threads(THREADS)
    for q in judged[:3]:  # warm-up: Sudachi, torch kernels, FAISS
        idx.ask(q["query"])
    search_s, ask_s, assembly_s, ask_search_s = [], [], [], []
    parts: dict[str, list[float]] = {}
    ask_parts: dict[str, list[float]] = {}
    for q in judged:
        text = q["query"]
        tr = SearchTrace()
        t = time.perf_counter()
        idx.search(text, k=10, trace=tr)
        search_s.append(time.perf_counter() - t)
        for k, v in tr.timings_ms.items():
            parts.setdefault(k, []).append(v / 1000)
        t = time.perf_counter()
        idx.ask(text, k=10)
        ask_s.append(time.perf_counter() - t)
        # ask() = clean_query + search(k=max(8k, 60)) + build_answer: time its two halves.
        cq = clean_query(text)
        tr = SearchTrace()
        t = time.perf_counter()
        hits = idx.search(cq, k=80, trace=tr)
        t1 = time.perf_counter()
        build_answer(idx, cq, hits, 10)
        assembly_s.append(time.perf_counter() - t1)
        ask_search_s.append(t1 - t)
        for k, v in tr.timings_ms.items():
            ask_parts.setdefault(k, []).append(v / 1000)
    # Diagnostic: query embedding alone with 1 vs 2 torch threads (the machine is shared).
    embed_threads: dict[str, Any] = {}
    for th in (THREADS, 1):
        torch.set_num_threads(th)
        lat = []
        for q in judged:
            cq = clean_query(q["query"])
            t = time.perf_counter()
            emb.embed_query(cq)
            lat.append(time.perf_counter() - t)
        embed_threads[str(th)] = ms_summary(lat)
    torch.set_num_threads(THREADS)
    result = {
        "embed_only_by_threads_ms": embed_threads,
        "passage_memory": passage_memory,
        "queries": len(judged),
        "passages": len(idx.passages),
        "faiss_type": idx.manifest.faiss_type,
        "open_s": open_s,
        "model_load_s": model_s,
        "torch_threads": torch.get_num_threads(),
        "search_ms": ms_summary(search_s),
        "ask_ms": ms_summary(ask_s),
        "search_parts_ms": {k: ms_summary(v) for k, v in parts.items()},
        "ask_search_k80_ms": ms_summary(ask_search_s),
        "ask_parts_ms": {k: ms_summary(v) for k, v in ask_parts.items()},
        "answer_assembly_ms": ms_summary(assembly_s),
    }
    p50 = result["search_ms"]["p50"]
    result["embed_share_of_search_p50"] = result["search_parts_ms"]["embed"]["p50"] / p50 if p50 else float("nan")
    return result, idx


def judged_vectors(idx: Any, judged: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], np.ndarray]:
    """The real model's query vectors and Sudachi terms, for search()/ask() on the synthetic corpora."""
    from koritsu_search.search import clean_query
    from koritsu_search.segment import get_segmenter

    seg = get_segmenter()
    rows, vecs = [], []
    for q in judged:
        cq = clean_query(q["query"])
        rows.append({"query": q["query"], "terms": seg.lexical_terms(cq)})
        vecs.append(idx.embedder.embed_query(cq))
    return rows, np.stack(vecs).astype(np.float32)


# ----------------------------------------------------------------------------- cold start

COLD_CHILD = r"""
import time, json, sys
t0 = time.time()
from koritsu_search import open_index
t1 = time.time()
import koritsu_search.embed.st  # sets OMP_WAIT_POLICY before torch, as the library does
import sentence_transformers, torch
t2 = time.time()
idx = open_index(sys.argv[1])
t3 = time.time()
idx.embedder
t4 = time.time()
ans = idx.ask(sys.argv[2])
t5 = time.time()
print("RESULT " + json.dumps({"t0": t0, "t1": t1, "t2": t2, "t3": t3, "t4": t4, "t5": t5,
                             "items": len(ans.items), "threads": torch.get_num_threads()}), flush=True)
"""


def bench_cold(index_dir: Path, question: str, runs: int) -> dict[str, Any]:
    rows = []
    for _ in range(runs):
        spawn = time.time()
        proc = subprocess.run([sys.executable, "-c", COLD_CHILD, str(index_dir), question],
                              capture_output=True, text=True, cwd=ROOT, env=dict(os.environ), check=False)
        end = time.time()
        line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
        if proc.returncode != 0 or line is None:
            raise RuntimeError(f"cold-start child failed: {proc.stderr[-2000:]}")
        r = json.loads(line[7:])
        rows.append({
            "interpreter_start_s": r["t0"] - spawn,
            "import_koritsu_s": r["t1"] - r["t0"],
            "import_torch_st_s": r["t2"] - r["t1"],
            "open_index_s": r["t3"] - r["t2"],
            "model_load_s": r["t4"] - r["t3"],
            "first_ask_s": r["t5"] - r["t4"],
            "to_first_answer_s": r["t5"] - spawn,
            "process_exit_s": end - spawn,
            "items": r["items"],
        })
    keys = rows[0].keys()
    median = {k: float(np.median([r[k] for r in rows])) for k in keys}
    return {"runs": rows, "median": median, "question": question}


# ----------------------------------------------------------------------------- indexing throughput

def bench_indexing(quick: bool) -> dict[str, Any]:
    from koritsu_search.ingest import parse_file
    from koritsu_search.pipeline import build_default_index

    out: dict[str, Any] = {}
    tmp = Path(tempfile.mkdtemp(prefix="koritsu-bench-idx-"))
    try:
        corpus = ROOT / "corpus"
        sources = [corpus / "r7_kodoku_koritsu_suishin_kaigi_02_minutes.txt"] if quick else [corpus]
        rep = build_default_index(sources, tmp / "index", rebuild=True)
        manifest = json.loads((tmp / "index" / "manifest.json").read_text(encoding="utf-8"))
        pages = sum(int(s["pages"]) for s in manifest["sources"])
        sec = rep.seconds
        out["seed_build"] = {
            "sources": [str(Path(s["source"]).name) for s in manifest["sources"]],
            "documents": rep.documents,
            "pages": pages,
            "passages": rep.passages,
            "embedded": rep.embedded,
            "seconds": sec,
            "pages_per_s": pages / sec["parse"] if sec.get("parse") else float("nan"),
            "passages_segmented_per_s": rep.passages / sec["segment"] if sec.get("segment") else float("nan"),
            "passages_embedded_per_s": rep.embedded / sec["embed"] if sec.get("embed") else float("nan"),
            "size_bytes": rep.size_bytes,
            "note": "model already loaded in this process (see cold start for the load time)",
        }
        # PDF parsing: the measures table as a landscape PDF (tests/pdf_factory.py).
        try:
            sys.path.insert(0, str(ROOT / "tests"))
            import pdf_factory

            doc = parse_file(corpus / "r7_kodoku_koritsu_measures_status.txt")
            if quick:
                doc.records = doc.records[:12]
            pdf = tmp / "measures.pdf"
            t = time.perf_counter()
            pdf_factory.build_measures_pdf(pdf, doc)
            gen_s = time.perf_counter() - t
            t = time.perf_counter()
            parsed = parse_file(pdf)
            parse_s = time.perf_counter() - t
            out["pdf_measures"] = {
                "pages": parsed.pages,
                "records_expected": len(doc.records),
                "records_parsed": len(parsed.records),
                "kind": parsed.kind,
                "generate_s": gen_s,
                "parse_s": parse_s,
                "pages_per_s": parsed.pages / parse_s,
                "bytes": pdf.stat().st_size,
            }
        except Exception as exc:  # noqa: BLE001 - reportlab or the font may be missing
            out["pdf_measures"] = {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


# ----------------------------------------------------------------------------- scale

def run_worker(args: list[str], timeout: float | None = None) -> dict[str, Any]:
    cmd = [sys.executable, str(HERE / "bench_scale.py"), *args]
    t = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=dict(os.environ), timeout=timeout, check=False)
    wall = time.perf_counter() - t
    line = next((l for l in proc.stdout.splitlines() if l.startswith("RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise RuntimeError(f"worker {' '.join(args[:3])} failed ({proc.returncode}): {proc.stderr[-3000:]}")
    res = json.loads(line[7:])
    res["wall_s"] = wall
    return res


def fmt_n(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else (f"{n // 1000}k" if n % 1000 == 0 else str(n))


def scale_configs(n: int, hnsw_choice: dict[str, int] | None, quick: bool) -> list[dict[str, Any]]:
    """The FAISS configurations measured at one scale.

    Sweep rows without "threads" go through the library's dense_search (its own thread policy);
    a {"threads": 2} row calls faiss directly on 2 OpenMP threads, for comparison.
    """
    from koritsu_search.index.vectors import default_params

    sqrt_n = round(math.sqrt(n))
    ivf_default = int(default_params("ivf", n)["nlist"])
    lib_hnsw = default_params("hnsw", n)
    flat_q = 200 if n <= 200_000 else 50  # exact search at 1M costs 0.1-0.2 s per query here
    if quick:
        flat_q = min(flat_q, 50)
    configs: list[dict[str, Any]] = [
        {"name": "flat", "type": "flat", "params": {}, "sweep": [{}, {"threads": THREADS}], "queries": flat_q},
    ]
    big = n > 300_000
    # nlist = 4*sqrt(n) trains k-means on 50*nlist = 200k samples x 4000 centroids at 1M: ~4 min
    # here, too slow for this run; at 1M the alternative is 2*sqrt(n).
    alt = 2 * sqrt_n if big else 4 * sqrt_n
    ivf_nlists = list(dict.fromkeys([ivf_default, sqrt_n, alt]))
    if big and ivf_default > alt:
        ivf_nlists = [sqrt_n, alt]
    for nl in ivf_nlists[:3]:
        label = " (library default)" if nl == ivf_default else ""
        configs.append({
            "name": f"ivf{nl}", "type": "ivf", "params": {"nlist": nl, "nprobe": 16},
            "sweep": [{"nprobe": p} for p in NPROBE_SWEEP if p <= nl] + [{"nprobe": 16, "threads": THREADS}],
            "label": f"IVF-Flat nlist={nl}{label}",
        })
    hnsw_list = [hnsw_choice] if hnsw_choice is not None else [{"M": 32, "efConstruction": 80}, {"M": 16, "efConstruction": 40}]
    ef_sweep = sorted(set(EF_SWEEP) | {int(lib_hnsw["efSearch"])})
    for h in hnsw_list:
        label = " (library default)" if (h["M"], h["efConstruction"]) == (lib_hnsw["M"], lib_hnsw["efConstruction"]) else ""
        configs.append({
            "name": f"hnsw{h['M']}_{h['efConstruction']}", "type": "hnsw",
            "params": {"M": h["M"], "efConstruction": h["efConstruction"], "efSearch": int(lib_hnsw["efSearch"])},
            "sweep": [{"efSearch": e} for e in ef_sweep] + [{"efSearch": int(lib_hnsw["efSearch"]), "threads": THREADS}],
            "label": f"HNSW M={h['M']} efC={h['efConstruction']}{label}",
        })
    for c in configs:
        c.setdefault("label", "Flat (exact)" if c["type"] == "flat" else c["name"])
        c.setdefault("queries", 200 if not quick else 100)
    return configs


def best_setting(cfg_result: dict[str, Any], recall_min: float = RECALL_TARGET) -> dict[str, Any] | None:
    """The fastest swept setting (through the library's dense_search) that reaches the recall target."""
    ok = [r for r in cfg_result["serve"]["sweep"] if r["recall_at_10"] >= recall_min and "threads" not in r["setting"]]
    return min(ok, key=lambda r: r["latency_ms"]["p50"]) if ok else None


def choose_hnsw_for(n_big: int, small: dict[str, Any]) -> tuple[dict[str, int], list[dict[str, Any]]]:
    """Extrapolate HNSW build time from the smaller scale (n log n) and pick what fits the budget."""
    n_small = small["n"]
    factor = (n_big / n_small) * (math.log(n_big) / math.log(n_small))
    cands = []
    for c in small["faiss"]:
        if c["type"] != "hnsw":
            continue
        pred = c["build"]["build_s"] * factor
        best = max(c["serve"]["sweep"], key=lambda r: r["recall_at_10"])
        cands.append({"M": c["params"]["M"], "efConstruction": c["params"]["efConstruction"],
                      "build_s_small": c["build"]["build_s"], "predicted_build_s": pred,
                      "best_recall_small": best["recall_at_10"]})
    fitting = [c for c in cands if c["predicted_build_s"] <= HNSW_1M_BUDGET_S]
    pick = max(fitting, key=lambda c: c["best_recall_small"]) if fitting else min(cands, key=lambda c: c["predicted_build_s"])
    return {"M": pick["M"], "efConstruction": pick["efConstruction"]}, cands


def bench_scale(n: int, judged: list[dict[str, Any]], qvecs: np.ndarray, real_vm: bs.VectorModel,
                hnsw_choice: dict[str, int] | None, quick: bool) -> dict[str, Any]:
    from koritsu_search.index.vectors import default_faiss_type, default_params

    work = Path(tempfile.mkdtemp(prefix=f"koritsu-bench-{fmt_n(n)}-"))
    res: dict[str, Any] = {"n": n, "faiss": []}
    try:
        t = time.perf_counter()
        real_vm.write(work / "vectors.npy", n, seed=1000 + n % 997)
        queries = real_vm.sample(200, np.random.default_rng(99))
        np.save(work / "queries.npy", queries)
        res["vectors_gen_s"] = time.perf_counter() - t
        vectors = np.load(work / "vectors.npy", mmap_mode="r")
        t = time.perf_counter()
        gt_ids, gt_scores = bs.exact_topk(vectors, queries, bs.K_RECALL)
        res["ground_truth_s"] = time.perf_counter() - t
        res["query_neighbour_cos"] = {"top1_median": float(np.median(gt_scores[:, 0])),
                                      "top10_median": float(np.median(gt_scores[:, 9]))}
        np.save(work / "gt_ids.npy", gt_ids)
        np.save(work / "gt_scores.npy", gt_scores)
        (work / "judged.json").write_text(json.dumps(judged, ensure_ascii=False), encoding="utf-8")
        np.save(work / "judged_vectors.npy", qvecs)
        del vectors
        log(f"{fmt_n(n)}: vectors {res['vectors_gen_s']:.0f} s, ground truth {res['ground_truth_s']:.0f} s")

        for cfg in scale_configs(n, hnsw_choice, quick):
            common = ["--workdir", str(work), "--name", cfg["name"], "--type", cfg["type"]]
            build = run_worker(["build", *common, "--params", json.dumps(cfg["params"])])
            log(f"{fmt_n(n)} {cfg['name']}: built in {build['build_s']:.1f} s, "
                f"RSS vectors+index {build['rss_vectors_plus_index'] / GB:.2f} GB")
            serve = run_worker(["serve", *common, "--sweep", json.dumps(cfg["sweep"]), "--queries", str(cfg["queries"])])
            for row in serve["sweep"]:
                log(f"   {row['setting']}: p50 {row['latency_ms']['p50']:.2f} ms recall {row['recall_at_10']:.3f}")
            res["faiss"].append({**cfg, "build": build, "serve": serve})

        # search()/ask() end to end: the library default type, and the fastest config meeting recall.
        e2e: list[dict[str, Any]] = []
        dtype = default_faiss_type(n)
        dparams = default_params(dtype, n)
        same_type = [c for c in res["faiss"] if c["type"] == dtype]
        keys = {"hnsw": ("M", "efConstruction"), "ivf": ("nlist",)}.get(dtype, ())
        exact = [c for c in same_type if all(c["params"].get(k) == dparams.get(k) for k in keys)]
        chosen = (exact or same_type or [None])[0]
        if chosen is not None:
            sp = {"efSearch": dparams["efSearch"]} if dtype == "hnsw" else ({"nprobe": dparams["nprobe"]} if dtype == "ivf" else {})
            e2e.append({"name": chosen["name"], "type": dtype, "search_params": sp, "role": "library default type",
                        "queries": len(judged) if (dtype != "flat" or n <= 200_000) else min(30, len(judged))})
        rec = recommend_at_scale(res)
        res["recommended"] = rec
        if rec is not None and not any(e["name"] == rec["name"] and e["search_params"] == rec["search_params"] for e in e2e):
            e2e.append({"name": rec["name"], "type": rec["type"], "search_params": rec["search_params"],
                        "role": FASTEST, "queries": len(judged)})
        lex = run_worker(["lexical", "--workdir", str(work), "--n", str(n), "--e2e", json.dumps(e2e)])
        for spec, row in zip(e2e, lex["end_to_end"]):
            row["role"] = spec["role"]
            row["type"] = spec["type"]
        res["lexical"] = lex
        log(f"{fmt_n(n)}: BM25 build {lex['build_s']:.1f} s, query p50 {lex['query_ms']['p50']:.1f} ms; "
            + "; ".join(f"{r['name']} search p50 {r['search_ms']['p50']:.1f} ms" for r in lex["end_to_end"]))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return res


def recommend_at_scale(res: dict[str, Any]) -> dict[str, Any] | None:
    """Fastest (p50) configuration + search setting with recall@10 >= target and RSS within 3 GB."""
    best = None
    for c in res["faiss"]:
        if c["serve"]["rss_after_queries"] > TARGETS["scale_rss_gb"] * GB:
            continue
        row = best_setting(c)
        if row is None:
            continue
        cand = {"name": c["name"], "type": c["type"], "label": c["label"], "params": c["params"],
                "search_params": {k: v for k, v in row["setting"].items() if k != "threads"},
                "p50_ms": row["latency_ms"]["p50"], "p95_ms": row["latency_ms"]["p95"],
                "recall_at_10": row["recall_at_10"], "build_s": c["build"]["build_s"]}
        if best is None or cand["p50_ms"] < best["p50_ms"] * 0.8 or (
                cand["p50_ms"] <= best["p50_ms"] * 1.25 and cand["build_s"] < best["build_s"]):
            best = cand
    return best


# ----------------------------------------------------------------------------- report

def verdict(value: float, target: float, lower_is_better: bool = True) -> tuple[str, str]:
    if math.isnan(value):
        return "n/a", ""
    ok = value <= target if lower_is_better else value >= target
    diff = (target - value) if lower_is_better else (value - target)
    rel = diff / target * 100 if target else 0.0
    return ("PASS" if ok else "MISS"), f"{'+' if diff >= 0 else ''}{rel:.0f}% {'headroom' if ok else 'over'}"


def f1(x: float, nd: int = 1) -> str:
    return "–" if x is None or math.isnan(x) else f"{x:.{nd}f}"


def build_targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []

    def add(name: str, measured: float, target: float, unit: str, lower: bool = True, note: str = "") -> None:
        v, margin = verdict(measured, target, lower)
        rows.append({"target": name, "measured": measured, "limit": target, "unit": unit, "verdict": v,
                     "margin": margin, "note": note, "cmp": "≤" if lower else "≥"})

    warm = report.get("warm")
    if warm:
        add("seed: warm search p50", warm["search_ms"]["p50"], TARGETS["seed_search_p50_ms"], "ms",
            note=f"query embedding p50 {warm['search_parts_ms']['embed']['p50']:.1f} ms "
                 f"= {warm['embed_share_of_search_p50'] * 100:.0f}% of it")
        add("seed: warm ask p50", warm["ask_ms"]["p50"], TARGETS["seed_ask_p50_ms"], "ms",
            note=f"answer assembly p50 {warm['answer_assembly_ms']['p50']:.1f} ms")
        rows.append({"target": "seed: latency dominated by query embedding", "measured": warm["embed_share_of_search_p50"] * 100,
                     "limit": 50.0, "unit": "% of search p50", "verdict": "PASS" if warm["embed_share_of_search_p50"] > 0.5 else "MISS",
                     "margin": "", "note": "embed p50 / search p50", "cmp": ">"})
    scales = report.get("scale") or []
    big = max(scales, key=lambda s: s["n"]) if scales else None
    if big is not None:
        label = fmt_n(big["n"])
        embed_p50 = warm["search_parts_ms"]["embed"]["p50"] if warm else 0.0
        e2e_rows = big["lexical"]["end_to_end"]
        # The library as it is (default type and parameters), then the recommended configuration.
        for role in ("library default type", FASTEST):
            e = next((r for r in e2e_rows if r["role"] == role), None)
            if e is None:
                continue
            cfg = next(c for c in big["faiss"] if c["name"] == e["name"])
            setting = {k: v for k, v in e["search_params"].items()}
            row = next((r for r in cfg["serve"]["sweep"] if r["setting"] == setting), None) or cfg["serve"]["sweep"][0]
            lt = cfg["serve"].get("library_threads")
            st = ", ".join(f"{k}={v}" for k, v in setting.items()) or "exact"
            who = f"{cfg['label']}, {st}"
            p = e["parts_ms"]
            add(f"{label}: search() p50 [{role}: {who}]", e["search_ms"]["p50"] + embed_p50, TARGETS["scale_search_p50_ms"], "ms",
                note=f"end to end {e['search_ms']['p50']:.1f} ms (FAISS {p.get('faiss', {}).get('p50', float('nan')):.1f}, "
                     f"BM25 {p.get('bm25', {}).get('p50', float('nan')):.1f}, fusion {p.get('fusion', {}).get('p50', float('nan')):.1f}; "
                     f"p95 {e['search_ms']['p95']:.0f}) + seed embed p50 {embed_p50:.1f} ms")
            add(f"{label}: dense search (FAISS) p50 [{role}: {who}]", row["latency_ms"]["p50"], TARGETS["scale_search_p50_ms"], "ms",
                note=f"p95 {row['latency_ms']['p95']:.2f} ms; through dense_search ({lt} OpenMP thread{'s' if lt != 1 else ''})")
            add(f"{label}: recall@10 vs exact [{role}: {who}]", row["recall_at_10"], TARGETS["scale_recall"], "", lower=False)
            add(f"{label}: RSS vectors + index [{role}: {cfg['label']}]", cfg["serve"]["rss_after_queries"] / GB,
                TARGETS["scale_rss_gb"], "GB",
                note=f"served as open_index does (index in RAM, vectors.npy mmapped); worst case with all of vectors.npy "
                     f"resident {cfg['serve']['rss_all_vectors_resident'] / GB:.2f} GB; build process (vectors array + "
                     f"index) {cfg['build']['rss_vectors_plus_index'] / GB:.2f} GB, peak {cfg['build']['peak_build'] / GB:.2f} GB")
        if big.get("recommended") is None:
            rows.append({"target": f"{label}: recall@10 >= {RECALL_TARGET}", "measured": float("nan"), "limit": RECALL_TARGET,
                         "unit": "", "verdict": "MISS", "margin": "", "note": "no configuration reached it"})
    if "total_runtime_s" in report:
        add("whole benchmark runtime", report["total_runtime_s"] / 60, BUDGET_S / 60, "min")
    return rows


def _nice_floor(x: float) -> int:
    steps = [10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000]
    fit = [v for v in steps if v <= x]
    return fit[-1] if fit else steps[0]


def _flat_costs(s: dict[str, Any]) -> tuple[float, float | None, int | None]:
    """Flat p50 through the library (ms), directly on 2 threads (ms), and the library's thread count."""
    fl = next(c for c in s["faiss"] if c["type"] == "flat")
    lib = next(r for r in fl["serve"]["sweep"] if "threads" not in r["setting"])
    two = next((r for r in fl["serve"]["sweep"] if r["setting"].get("threads") == THREADS), None)
    return lib["latency_ms"]["p50"], (two["latency_ms"]["p50"] if two else None), fl["serve"].get("library_threads")


def recommendation(report: dict[str, Any]) -> list[str]:
    """Data-driven default FAISS type and parameters per corpus size, compared with the library's."""
    from koritsu_search.index.vectors import (
        EXACT_UP_TO,
        default_faiss_type,
        default_params,
    )

    lines: list[str] = []
    scales = sorted(report.get("scale") or [], key=lambda s: s["n"])
    if not scales:
        return ["(scale part skipped: no recommendation)"]
    biggest = scales[-1]

    # 1. Exact search: linear in n; fit ms per passage at the largest scale.
    lib_ms, two_ms, lib_threads = _flat_costs(biggest)
    per_lib = lib_ms / biggest["n"]
    budget_ms = 10.0  # the dense leg should stay small next to the ~40-60 ms query embedding
    exact_lib = budget_ms / per_lib
    th = f"{lib_threads} OpenMP thread{'s' if lib_threads != 1 else ''}" if lib_threads else "the library's threads"
    lines.append(
        f"- **Exact (flat) search** costs {per_lib * 1e5:.1f} ms per 100k passages per query through `dense_search` "
        f"({th}, fit at {fmt_n(biggest['n'])})"
        + (f", {two_ms / biggest['n'] * 1e5:.1f} ms calling FAISS directly on {THREADS} threads" if two_ms else "")
        + f". At EXACT_UP_TO = {EXACT_UP_TO:,} (the library's current value) that is ~{per_lib * EXACT_UP_TO:.0f} ms per query; "
          f"a {budget_ms:.0f} ms dense-leg budget allows exact search up to ~{exact_lib / 1000:.0f}k passages.")
    for s in scales:
        a, b, _ = _flat_costs(s)
        if b is not None:
            lines.append(f"  - {fmt_n(s['n'])}: flat p50 {a:.1f} ms through dense_search vs {b:.1f} ms on {THREADS} threads"
                         + (": a single query does not gain from a second OpenMP thread on this shared 2-core box." if a < b else "."))

    # 2. Per scale: fastest configuration meeting the recall target; HNSW at the library's parameters.
    for s in scales:
        rec = s.get("recommended")
        if rec is None:
            lines.append(f"- {fmt_n(s['n'])}: no configuration reached recall@10 >= {RECALL_TARGET}.")
        else:
            lines.append(
                f"- {fmt_n(s['n'])}: fastest configuration with recall@10 >= {RECALL_TARGET}: **{rec['label']}**, "
                f"{', '.join(f'{k}={v}' for k, v in rec['search_params'].items()) or 'exact'}: p50 {rec['p50_ms']:.2f} ms, "
                f"recall@10 {rec['recall_at_10']:.3f}, build {rec['build_s']:.0f} s.")
        for c in s["faiss"]:
            if c["type"] != "hnsw":
                continue
            lib = default_params("hnsw", s["n"])
            row = next((r for r in c["serve"]["sweep"] if r["setting"] == {"efSearch": lib["efSearch"]}), None)
            top = max((r for r in c["serve"]["sweep"] if "threads" not in r["setting"]), key=lambda r: r["recall_at_10"])
            if row is not None:
                lines.append(f"  - {c['label']}: at the library's efSearch={lib['efSearch']} recall@10 {row['recall_at_10']:.3f} "
                             f"(p50 {row['latency_ms']['p50']:.2f} ms); best {top['recall_at_10']:.3f} at "
                             f"efSearch={top['setting']['efSearch']}; build {c['build']['build_s']:.0f} s.")

    # 3. IVF with nlist ~ sqrt(n): the smallest nprobe reaching recall 0.99 at every scale.
    needed = []
    for s in scales:
        sq = round(math.sqrt(s["n"]))
        c = next((c for c in s["faiss"] if c["type"] == "ivf" and c["params"]["nlist"] == sq), None)
        if c is None:
            continue
        lib_rows = [r for r in c["serve"]["sweep"] if "threads" not in r["setting"]]
        ok = [r for r in lib_rows if r["recall_at_10"] >= 0.99]
        first = min(ok, key=lambda r: r["setting"]["nprobe"]) if ok else None
        at16 = next((r for r in lib_rows if r["setting"] == {"nprobe": 16}), None)
        if first is not None:
            needed.append(first["setting"]["nprobe"])
        lines.append(
            f"- IVF-Flat nlist=sqrt(n)={sq} at {fmt_n(s['n'])}: build {c['build']['build_s']:.0f} s; "
            + (f"recall@10 >= 0.99 from nprobe={first['setting']['nprobe']} (p50 {first['latency_ms']['p50']:.2f} ms)"
               if first else "recall@10 < 0.99 at every nprobe")
            + (f"; nprobe=16: recall@10 {at16['recall_at_10']:.3f}, p50 {at16['latency_ms']['p50']:.2f} ms" if at16 else "") + ".")
    nprobe_rec = int(min(64, max(16, 2 * max(needed, default=8))))
    exact_rec = _nice_floor(exact_lib)

    lib_big = default_faiss_type(max(biggest["n"], EXACT_UP_TO + 1))
    lib_ivf = default_params("ivf", biggest["n"])
    matches = (EXACT_UP_TO == exact_rec and lib_big == "ivf" and lib_ivf.get("nlist") == round(math.sqrt(biggest["n"]))
               and lib_ivf.get("nprobe") == nprobe_rec)
    lines.append("")
    lines.append(
        f"**Defaults these numbers support**: `EXACT_UP_TO = {exact_rec:_}`; above it IVF-Flat with "
        f"`nlist = round(sqrt(n))`, `nprobe = {nprobe_rec}` (twice the smallest nprobe that gave recall@10 >= 0.99 at "
        f"every measured scale), searched on the library's thread policy. "
        + ("The library's current defaults are exactly these. " if matches else
           f"The library's current defaults: EXACT_UP_TO = {EXACT_UP_TO:_}, {lib_big} above it, "
           f"ivf params at {fmt_n(biggest['n'])} = {lib_ivf}. ")
        + hnsw_verdict(biggest))
    return lines


def hnsw_verdict(big: dict[str, Any]) -> str:
    from koritsu_search.index.vectors import default_params

    lib = default_params("hnsw", big["n"])
    hn = [c for c in big["faiss"] if c["type"] == "hnsw"]
    iv = [c for c in big["faiss"] if c["type"] == "ivf"]
    if not hn or not iv:
        return ""
    c = hn[0]
    row = next((r for r in c["serve"]["sweep"] if r["setting"] == {"efSearch": lib["efSearch"]}), None)
    ivf_build = min(x["build"]["build_s"] for x in iv)
    mem = c["serve"]["rss_after_queries"] / max(1, min(x["serve"]["rss_after_queries"] for x in iv))
    if row is None:
        return ""
    miss = row["recall_at_10"] < RECALL_TARGET
    return (f"{c['label']} with efSearch={lib['efSearch']} at {fmt_n(big['n'])}: recall@10 {row['recall_at_10']:.3f} "
            f"({'misses' if miss else 'meets'} {RECALL_TARGET}), build {c['build']['build_s']:.0f} s vs {ivf_build:.0f} s "
            f"for the cheapest IVF, served RSS x{mem:.2f} of IVF"
            + (": not recommended as a default." if miss or c["build"]["build_s"] > 2 * ivf_build else "."))


def md_table(header: list[str], rows: list[list[Any]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(x) for x in r) + " |" for r in rows]
    return "\n".join(out)


def render_md(report: dict[str, Any]) -> str:
    m = report["machine"]
    L: list[str] = []
    L.append("# koritsu-search benchmark (eval/bench.py)\n")
    L.append(f"- Date: {report['started_at']} (UTC); total runtime **{report['total_runtime_s'] / 60:.1f} min**; "
             f"mode: {'quick' if report['args']['quick'] else 'full'}; command: `{report['command']}`")
    L.append(f"- Machine: {m['nproc']} CPUs ({m['usable_cpus']} usable), {m['ram_bytes'] / 2**30:.1f} GiB RAM, "
             f"CPU model \"{m['cpu_model']}\", {m['platform']}")
    L.append(f"- Load average (1/5/15 min) at start: {', '.join(f'{x:.2f}' for x in report['load_start']['loadavg'])}; "
             f"at end: {', '.join(f'{x:.2f}' for x in report['load_end']['loadavg'])} "
             f"(`{report['load_end']['uptime']}`). The 2 cores are shared with other engineers' test runs, so "
             "latencies are noisy; query embedding is the most load-sensitive part (compare its 1- and 2-thread rows).")
    ls = report.get("library_state") or {}
    L.append(f"- Code measured: git HEAD {ls.get('head') or '?'}"
             + (f" plus uncommitted changes in {', '.join(ls['uncommitted_library_files'])}" if ls.get("uncommitted_library_files") else "")
             + (" (others were editing the library during the run)." if ls.get("uncommitted_library_files") else "."))
    v = m["versions"]
    L.append(f"- Versions: Python {v['python']}, numpy {v['numpy']}, faiss {v['faiss']}, bm25s {v['bm25s']}, "
             f"torch {v['torch']}, sentence-transformers {v['sentence_transformers']}")
    L.append(f"- Threads: torch {THREADS} (KORITSU_THREADS); FAISS OpenMP {THREADS} (faiss.omp_set_num_threads) for builds "
             "and direct comparisons, while searches through the library follow its own policy (`dense_search`); "
             "OMP_WAIT_POLICY=PASSIVE; HF_HUB_OFFLINE=1.\n")

    L.append("## Targets\n")
    L.append(md_table(["target", "measured", "limit", "verdict", "margin", "note"],
                      [[r["target"], f"{f1(r['measured'], 3 if r['unit'] == '' else 1)} {r['unit']}".strip(),
                        f"{r.get('cmp', '≤')} {r['limit']:g} {r['unit']}".strip(), f"**{r['verdict']}**",
                        r["margin"], r["note"]] for r in report["targets"]]))
    L.append("")

    warm = report.get("warm")
    if warm:
        L.append(f"## Seed index: warm latency ({warm['queries']} judged queries, {warm['passages']} passages, "
                 f"FAISS {warm['faiss_type']})\n")
        L.append(f"Index open {warm['open_s'] * 1000:.0f} ms; model load {warm['model_load_s']:.1f} s (before the timed queries); "
                 f"torch threads {warm['torch_threads']}. `search` is `Index.search(q, k=10)`; `ask` is `Index.ask(q, k=10)`, "
                 "which runs search with k=80 and then builds the cited answer.\n")
        rows = [["search (k=10)", f1(warm["search_ms"]["p50"]), f1(warm["search_ms"]["p95"]), f1(warm["search_ms"]["mean"])],
                ["ask (k=10)", f1(warm["ask_ms"]["p50"]), f1(warm["ask_ms"]["p95"]), f1(warm["ask_ms"]["mean"])]]
        L.append(md_table(["call", "p50 ms", "p95 ms", "mean ms"], rows))
        L.append("\nSplit (SearchTrace; answer assembly = `build_answer`, timed around it):\n")
        keys = ["segment", "embed", "faiss", "bm25", "fusion"]
        names = {"segment": "Sudachi query segmentation", "embed": "query embedding", "faiss": "FAISS",
                 "bm25": "BM25 (+ PRF query)", "fusion": "fusion + hits"}
        rows = []
        for k in keys:
            a, b = warm["search_parts_ms"].get(k), warm["ask_parts_ms"].get(k)
            if a:
                rows.append([names[k], f1(a["p50"], 2), f1(a["p95"], 2), f1(a["mean"], 2), f1(b["p50"], 2), f1(b["mean"], 2)])
        aa = warm["answer_assembly_ms"]
        rows.append(["answer assembly (build_answer)", "", "", "", f1(aa["p50"], 2), f1(aa["mean"], 2)])
        rows.append(["**total**", f1(warm["search_ms"]["p50"], 2), f1(warm["search_ms"]["p95"], 2), f1(warm["search_ms"]["mean"], 2),
                     f1(warm["ask_ms"]["p50"], 2), f1(warm["ask_ms"]["mean"], 2)])
        L.append(md_table(["stage", "search p50", "search p95", "search mean", "ask p50", "ask mean"], rows))
        et = warm.get("embed_only_by_threads_ms", {})
        if et:
            L.append("\nQuery embedding alone (`embed_query`, same queries, measured after the above): "
                     + ", ".join(f"{th} torch thread{'s' if th != '1' else ''} p50 {v['p50']:.1f} ms / p95 {v['p95']:.1f} ms"
                                 for th, v in et.items()) + ".")
        L.append("")

    cold = report.get("cold")
    if cold:
        med = cold["median"]
        L.append(f"## Cold start ({len(cold['runs'])} fresh `python -c` processes, median; question `{cold['question']}`)\n")
        rows = [["interpreter start", f1(med["interpreter_start_s"], 2)],
                ["import koritsu_search", f1(med["import_koritsu_s"], 2)],
                ["import torch + sentence-transformers", f1(med["import_torch_st_s"], 2)],
                ["open_index", f1(med["open_index_s"], 2)],
                ["model load (cached, converted e5-small)", f1(med["model_load_s"], 2)],
                ["first ask (Sudachi init, first forward pass)", f1(med["first_ask_s"], 2)],
                ["**spawn → first answer**", f"**{f1(med['to_first_answer_s'], 2)}**"],
                ["spawn → process exit", f1(med["process_exit_s"], 2)]]
        L.append(md_table(["part", "seconds"], rows))
        L.append("\nAll runs: " + ", ".join(f"{r['to_first_answer_s']:.1f} s" for r in cold["runs"]) + " to first answer.\n")

    idx = report.get("indexing")
    if idx:
        sb = idx["seed_build"]
        s = sb["seconds"]
        L.append("## Indexing throughput (seed corpus, `--rebuild` into a temp dir)\n")
        L.append(md_table(
            ["what", "count", "seconds", "throughput"],
            [["parse (text sources)", f"{sb['pages']} pages", f1(s["parse"], 2), f"{f1(sb['pages_per_s'])} pages/s"],
             ["segment (Sudachi)", f"{sb['passages']} passages", f1(s["segment"], 2), f"{f1(sb['passages_segmented_per_s'])} passages/s"],
             ["embed (e5-small, batch 16)", f"{sb['embedded']} passages", f1(s["embed"], 1), f"**{f1(sb['passages_embedded_per_s'], 2)} passages/s**"],
             ["FAISS + BM25 index", f"{sb['passages']} passages", f1(s["index"], 2), ""],
             ["total", "", f1(s["total"], 1), ""]]))
        L.append(f"\nSources: {', '.join(sb['sources'])}; index size {sb['size_bytes'] / 1e6:.1f} MB. {sb['note']}. "
                 "The seed corpus is text files whose \"pages\" are form feeds, so the text pages/s says little; "
                 "the PDF figure below is the one to plan with.\n")
        pdf = idx.get("pdf_measures", {})
        if "error" in pdf:
            L.append(f"PDF parsing: not measured ({pdf['error']}).\n")
        elif pdf:
            L.append(f"PDF parsing (measures table, landscape A4, built with tests/pdf_factory.build_measures_pdf): "
                     f"**{pdf['pages']} pages in {pdf['parse_s']:.1f} s = {pdf['pages_per_s']:.2f} pages/s** "
                     f"({pdf['records_parsed']}/{pdf['records_expected']} measures recovered, kind={pdf['kind']}; "
                     f"PDF generation {pdf['generate_s']:.1f} s not counted).\n")

    scales = report.get("scale") or []
    if scales:
        syn = report["synthetic"]
        L.append("## Scale: synthetic corpora\n")
        L.append("Vectors: points between two random real seed vectors plus Gaussian noise with the real vectors' "
                 f"covariance (scale {bs.NOISE_SCALE}), renormalized; queries are 200 further such points. "
                 "Neighbour statistics of a 773-point synthetic sample vs the real seed vectors:\n")
        L.append(md_table(["", "median top-1 neighbour cos", "median top-10 neighbour cos", "mean pairwise cos", "std pairwise cos"],
                          [[k, *(f"{syn[k][x]:.4f}" for x in ("nn1_median", "nn10_median", "pair_mean", "pair_std"))]
                           for k in ("real", "synthetic")]))
        L.append("")
        for s in scales:
            q = s["query_neighbour_cos"]
            t = s["lexical"]["terms"]
            L.append(f"- {fmt_n(s['n'])}: generated in {s['vectors_gen_s']:.0f} s, exact ground truth {s['ground_truth_s']:.0f} s; "
                     f"queries' top-1 / top-10 neighbour cos (median) {q['top1_median']:.4f} / {q['top10_median']:.4f}. "
                     f"BM25 terms: {t['tokens']:,} tokens, vocabulary {t['vocab']:,} (real head {t['real_vocab']:,}), "
                     f"{t['mean_len']:.1f} terms/passage.")
        L.append("")
        L.append("### FAISS (build in one fresh subprocess, serve in another)\n")
        L.append("Build RSS: the build process after `build_faiss`, vectors array + built index in RAM (as `build_index` holds "
                 "them; IVF inverted lists keep their growth slack until written). Served RSS: a fresh process that "
                 "`faiss.read_index`es the file and memory-maps vectors.npy, as `open_index` does, measured after the queries; "
                 "\"all vectors resident\" then reads every page of vectors.npy too (worst case). GB = 10^9 bytes. Latency: `dense_search(index, vectors, q, k=100)` (what `search()` asks for, with the library's thread policy), one query at a time; rows with "
                 f"threads={THREADS} call `index.search` directly on {THREADS} OpenMP threads instead; "
                 "recall@10 of its top 10 against exact search (ties at the 10th score count as hits).\n")
        rows = []
        for s in scales:
            for c in s["faiss"]:
                b, sv = c["build"], c["serve"]
                first = True
                for r in sv["sweep"]:
                    st = ", ".join(f"{k}={v}" for k, v in r["setting"].items()) or "(library path)"
                    rows.append([fmt_n(s["n"]) if first else "", c["label"] if first else "",
                                 f1(b["build_s"], 1) if first else "", f"{b['rss_vectors_plus_index'] / GB:.2f}" if first else "",
                                 f"{b['peak_build'] / GB:.2f}" if first else "", f"{sv['rss_after_queries'] / GB:.2f}" if first else "",
                                 f"{sv['rss_all_vectors_resident'] / GB:.2f}" if first else "",
                                 f"{b['size_bytes'] / 1e6:.0f}" if first else "", st, f1(r["latency_ms"]["p50"], 2),
                                 f1(r["latency_ms"]["p95"], 2), f"{r['recall_at_10']:.3f}", r["latency_ms"]["n"]])
                    first = False
        L.append(md_table(["n", "index", "build s", "build RSS vectors+index GB", "build peak GB", "served RSS GB",
                           "served, all vectors resident GB", "size MB",
                           "search setting", "p50 ms", "p95 ms", "recall@10", "queries"], rows))
        L.append("")
        hc = report.get("hnsw_choice")
        if hc:
            L.append(f"HNSW at {fmt_n(hc['n_big'])}: build times extrapolated from {fmt_n(hc['n_small'])} by n·log n "
                     f"(budget {HNSW_1M_BUDGET_S:.0f} s): "
                     + "; ".join(f"M={c['M']} efC={c['efConstruction']}: {c['build_s_small']:.0f} s → ~{c['predicted_build_s']:.0f} s"
                                 for c in hc["candidates"])
                     + f". Built: M={hc['chosen']['M']} efC={hc['chosen']['efConstruction']}.\n")
        L.append("### BM25 (bm25s via LexicalIndex) and search()/ask() end to end\n")
        rows = []
        for s in scales:
            lx = s["lexical"]
            rows.append([fmt_n(s["n"]), f1(lx["build_s"], 1), f"{lx['rss_bm25'] / GB:.2f}", f"{lx['peak_build'] / GB:.2f}",
                         f"{lx['rss_terms'] / GB:.2f}", f1(lx["query_ms"]["p50"], 2), f1(lx["query_ms"]["p95"], 2)])
        L.append(md_table(["n", "build s", "RSS BM25 GB", "build peak GB", "RSS term lists GB", "query p50 ms", "query p95 ms"], rows))
        L.append("\n`search()` / `ask()` of the library, unmodified, on an Index whose vectors, FAISS index, BM25 and "
                 "term lists are the synthetic corpus (passage i displays real passage i mod 773); the query embedding is "
                 "the real model's vector looked up from a table, so the times below exclude embedding — add the seed "
                 "embed p50 for the full figure. Every query is run once before the timed pass (\"first pass\": per-process "
                 "caches, e.g. the passages of a ministry the query names, are filled then).\n")
        embed_p50 = warm["search_parts_ms"]["embed"]["p50"] if warm else float("nan")
        rows = []
        for s in scales:
            for r in s["lexical"]["end_to_end"]:
                p = r["parts_ms"]
                rows.append([fmt_n(s["n"]), f"{r['name']} {', '.join(f'{k}={v}' for k, v in r['search_params'].items()) or 'exact'} ({r['role']})",
                             f1(r["search_ms"]["p50"]), f1(r["search_ms"]["p95"]),
                             *(f1(p.get(k, {}).get("p50", float("nan"))) for k in ("segment", "faiss", "bm25", "fusion")),
                             f1(p.get("fusion", {}).get("p95", float("nan"))),
                             f1(r["ask_ms"]["p50"]), f1(r["ask_ms"]["p95"]),
                             f"{r.get('gc_full_collections', 0)} / {r.get('gc_full_ms_total', 0.0):.0f} ms",
                             f"{f1(r['first_pass_search_ms']['p50'])} / {f1(r['first_pass_search_ms']['max'], 0)}",
                             f"**{f1(r['search_ms']['p50'] + embed_p50)}**", f1(r["ask_ms"]["p50"] + embed_p50)])
        L.append(md_table(["n", "FAISS index", "search p50", "search p95", "segment p50", "faiss p50", "bm25 p50",
                           "fusion p50", "fusion p95", "ask p50", "ask p95", "full GCs / time", "first pass p50 / max", "search p50 + embed",
                           "ask p50 + embed"], rows))
        pm = (report.get("warm") or {}).get("passage_memory")
        if pm:
            L.append(f"\nNot in these synthetic measurements: `Index.passages` (Passage objects) and the documents. On the seed "
                     f"index they take {pm['bytes_per_passage'] / 1024:.1f} KiB per passage in RAM, i.e. ~"
                     f"{pm['bytes_per_passage'] * 1e6 / GB:.1f} GB at 1M passages of the same kind, on top of the "
                     "vectors, FAISS, BM25 and term lists above; `open_index` of the seed adds "
                     f"{pm['open_index_rss'] / 1e6:.0f} MB in all.")
        L.append("")

    L.append("## Recommendation (from these measurements)\n")
    L.extend(report.get("recommendation", []))
    L.append("")
    if report.get("notes"):
        L.append("## Notes\n")
        L.extend(f"- {n}" for n in report["notes"])
        L.append("")
    return "\n".join(L)


# ----------------------------------------------------------------------------- main

def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="koritsu-search benchmark (writes eval/results/bench.md and bench.json)")
    ap.add_argument("--index", default=str(ROOT / "indexes" / "default"), help="seed index directory")
    ap.add_argument("--skip-scale", action="store_true", help="skip the synthetic 100k/1M part")
    ap.add_argument("--scales", default=None, help="comma-separated corpus sizes (default 100000,1000000; --quick: 20000)")
    ap.add_argument("--quick", action="store_true", help="fewer queries, one cold start, minutes-only rebuild, small scale")
    ap.add_argument("--out", default=None,
                    help="Markdown output, JSON next to it (default eval/results/bench.md; --quick: bench_quick.md)")
    ap.add_argument("--from-json", default=None, help="only re-render the Markdown (targets, recommendation) from a bench.json")
    args = ap.parse_args(argv)
    if args.out is None:
        args.out = str(HERE / "results" / ("bench_quick.md" if args.quick else "bench.md"))
    if args.from_json:
        report = json.loads(Path(args.from_json).read_text(encoding="utf-8"))
        finish(report, Path(args.out))
        return 0

    t_start = time.perf_counter()
    started = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    import faiss

    faiss.omp_set_num_threads(THREADS)
    report: dict[str, Any] = {
        "started_at": started,
        "command": "python eval/bench.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "args": vars(args),
        "machine": machine_info(),
        "library_state": library_state(),
        "load_start": load_info(),
        "notes": [],
    }
    log(f"load average at start: {report['load_start']['loadavg']}")
    index_dir = Path(args.index)
    ensure_index(index_dir)
    judged = load_judged(args.quick)

    log(f"warm latency over {len(judged)} judged queries")
    report["warm"], idx = bench_warm(index_dir, judged)
    w = report["warm"]
    log(f"search p50 {w['search_ms']['p50']:.1f} ms, ask p50 {w['ask_ms']['p50']:.1f} ms, embed p50 "
        f"{w['search_parts_ms']['embed']['p50']:.1f} ms")

    scales = [] if args.skip_scale else [int(x) for x in (args.scales or ("20000" if args.quick else "100000,1000000")).split(",") if x]
    qrows, qvecs = judged_vectors(idx, judged) if scales else ([], np.zeros((0, 384), np.float32))

    log("cold start")
    report["cold"] = bench_cold(index_dir, judged[0]["query"], 1 if args.quick else 3)
    log(f"spawn to first answer (median) {report['cold']['median']['to_first_answer_s']:.1f} s")

    log("indexing throughput (rebuild of the seed corpus into a temp dir + PDF parsing)")
    report["indexing"] = bench_indexing(args.quick)
    sb = report["indexing"]["seed_build"]
    log(f"embedded {sb['passages_embedded_per_s']:.1f} passages/s; PDF {report['indexing']['pdf_measures'].get('pages_per_s', float('nan')):.2f} pages/s")
    del idx

    if scales:
        real = bs.load_real_vectors()
        vm = bs.VectorModel(real)
        report["synthetic"] = {"real": bs.neighbour_stats(real),
                               "synthetic": bs.neighbour_stats(vm.sample(len(real), np.random.default_rng(5)))}
        report["scale"] = []
        hnsw_choice = None
        for n in sorted(scales):
            if report["scale"] and n > 300_000:
                hnsw, cands = choose_hnsw_for(n, report["scale"][-1])
                hnsw_choice = hnsw
                report["hnsw_choice"] = {"n_small": report["scale"][-1]["n"], "n_big": n, "candidates": cands, "chosen": hnsw}
            elif n > 300_000:
                hnsw_choice = {"M": 16, "efConstruction": 40}
            log(f"scale {fmt_n(n)} (elapsed {time.perf_counter() - t_start:.0f} s)")
            report["scale"].append(bench_scale(n, qrows, qvecs, vm, hnsw_choice, args.quick))

    report["load_end"] = load_info()
    report["total_runtime_s"] = time.perf_counter() - t_start
    finish(report, Path(args.out))
    return 0


def finish(report: dict[str, Any], out: Path) -> None:
    """Derive targets, recommendation and notes from the measurements; write Markdown and JSON."""
    report["recommendation"] = recommendation(report)
    report["targets"] = build_targets(report)
    report["notes"] = derived_notes(report)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_md(report), encoding="utf-8")
    out.with_suffix(".json").write_text(json.dumps(report, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    log(f"done in {report['total_runtime_s'] / 60:.1f} min: {out} and {out.with_suffix('.json')}")
    for r in report["targets"]:
        log(f"  {r['verdict']:4} {r['target']}: {f1(r['measured'], 3 if r['unit'] == '' else 1)} {r['unit']} (limit {r['limit']:g}) {r['margin']}")


def derived_notes(report: dict[str, Any]) -> list[str]:
    import inspect

    from koritsu_search import search as search_mod

    notes: list[str] = []
    scales = sorted(report.get("scale") or [], key=lambda s: s["n"])
    if any(s["n"] > 300_000 for s in scales):
        notes.append(
            "IVF nlist = 4*sqrt(n) (the library's default before ebb9f4a) is not built at 1M: its k-means on "
            "50*nlist = 200k samples plus the assignment of 1M vectors took ~240 s on this machine during "
            "development (train 177 s + add 62 s, load ~4), against ~46 s for nlist = 1000 in the same run; "
            "sqrt(n) and 2*sqrt(n) are measured instead.")
    src = inspect.getsource(search_mod)
    if len(scales) >= 2:
        small, big = scales[0], scales[-1]
        fs = [r["parts_ms"].get("fusion", {}).get("p50", float("nan")) for r in small["lexical"]["end_to_end"]]
        fb = [r["parts_ms"].get("fusion", {}).get("p50", float("nan")) for r in big["lexical"]["end_to_end"]]
        if fs and fb:
            line = (f"search() fusion p50: {min(fs):.1f}-{max(fs):.1f} ms at {fmt_n(small['n'])}, "
                    f"{min(fb):.1f}-{max(fb):.1f} ms at {fmt_n(big['n'])}, whatever the FAISS index.")
            if "argpartition" not in src:
                line += (" The largest part is `np.argsort` over every passage with a positive BM25 / PRF / translation "
                         "score (common terms match most passages); `np.argpartition` for the top `n_cand` would cut it.")
            else:
                line += (" search() already takes each lexical leg's top candidates with `np.argpartition`; what still "
                         "grows with n is work over the full per-passage score arrays (scoring, in the bm25 column; "
                         "thresholding and partitioning, in fusion; three legs for English queries).")
            notes.append(line)
        fp = max((r["first_pass_search_ms"]["max"] for r in big["lexical"]["end_to_end"]), default=float("nan"))
        if "_ministry_passages" in src:
            notes.append(
                f"First query naming a ministry at {fmt_n(big['n'])}: up to {fp:.0f} ms (first pass max), because "
                "`search._ministry_passages` scans every passage once per ministry and process; precomputing the "
                "ministry -> rows map at open_index (or at build time) would remove it. (Here the passages are a "
                "proxy sequence, a little slower to scan than the real list.)")
        bl = big["lexical"]
        notes.append(
            f"BM25 at {fmt_n(big['n'])}: bm25s indexing from token strings takes {bl['build_s']:.0f} s and peaks at "
            f"{bl['peak_build'] / GB:.1f} GB above the term lists; the term lists that `Index.terms` keeps for PRF "
            f"take {bl['rss_terms'] / GB:.2f} GB.")
    return notes


if __name__ == "__main__":
    raise SystemExit(main())
