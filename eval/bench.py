"""Benchmark koritsu-search on this machine; writes eval/results/bench.json (measurements only).

A script, not a test (not part of CI). eval/bench_report.py renders bench.md from the JSON
(this script calls it at the end). What it measures:

- seed index, warm: `search` / `ask` p50/p95 over the judged queries (eval/queries.jsonl), split
  by SearchTrace (segment / embed / faiss / bm25 / fusion), and the search that `ask` runs;
- cold start: the real CLI, `koritsu-search ask --index <seed> "<question>"`, in fresh processes
  (wall time and peak RSS of each, from wait4), plus one instrumented run that says where the
  time goes (imports, open, first answer) and whether torch was imported;
- indexing throughput: a --rebuild of the seed corpus into /tmp, and PDF parsing pages/s;
- scale (eval/bench_scale.py): synthetic index directories of 100k (IVF-Flat and flat) and 1M
  (IVF-Flat) passages built in one fresh process and served in another: search, filtered
  search and ask latency, total RSS, recall@10 of the dense leg, build time and size on disk.

    python eval/bench.py                  # everything (~12 min on 2 cores)
    python eval/bench.py --quick          # a few minutes: fewer queries, a 20k corpus
    python eval/bench.py --skip-scale
    python eval/bench.py --scales "100000=ivf,flat 1000000=ivf"
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # as the library sets it for its own threads

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_report
from bench_common import (
    GB,
    HERE,
    ROOT,
    add_parts,
    fmt_n,
    load_info,
    log,
    machine_info,
    parse_result,
    rss,
    summarize_ms,
    summarize_parts,
)
from provenance import changed_files, provenance

from bench_scale import bench_scale

TARGETS = {
    "seed_search_p50_ms": 40.0,
    "seed_ask_p50_ms": 80.0,
    "cold_cli_s": 2.5,
    "cold_cli_rss_mb": 600.0,
    "scale_search_p50_ms": 100.0,  # each of unfiltered and filtered, the seed's embed p50 added
    "scale_rss_gb": 3.0,
    "scale_recall": 0.95,
    "total_runtime_min": 30.0,
}
SCALES = "100000=ivf,flat 1000000=ivf"
QUICK_SCALES = "20000=ivf,flat"


def load_judged(quick: bool) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in (HERE / "queries.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return rows[::5] if quick else rows


def ensure_index(index_dir: Path) -> None:
    """Build (or update) the seed index when it is missing or not in the current format."""
    from koritsu_search import open_index
    from koritsu_search.errors import KoritsuError
    from koritsu_search.library import build

    try:
        open_index(index_dir)
        return
    except KoritsuError as exc:
        log(f"{index_dir} cannot be opened ({type(exc).__name__}): building it from corpus/")
    build([ROOT / "corpus"], index_dir)


# ----------------------------------------------------------------------------- seed: warm latency

def bench_warm(index_dir: Path, judged: list[dict[str, Any]]) -> tuple[dict[str, Any], np.ndarray]:
    """Warm search / ask on the seed index; also returns the judged queries' real vectors."""
    from koritsu_search import open_index
    from koritsu_search.answer import HITS
    from koritsu_search.search import SearchTrace, clean_query

    rss0 = rss()
    t = time.perf_counter()
    idx = open_index(index_dir)
    open_s = time.perf_counter() - t
    open_rss = rss() - rss0
    t = time.perf_counter()
    emb = idx.embedder
    model_s = time.perf_counter() - t
    texts = [clean_query(q["query"]) for q in judged]
    for q in texts[:3]:  # warm-up: Sudachi, the encoder's first calls
        idx.ask(q)
    search_s, ask_s, ask_search_s, assembly_s = [], [], [], []
    parts: dict[str, list[float]] = {}
    ask_parts: dict[str, list[float]] = {}
    for q in texts:
        tr = SearchTrace()
        t = time.perf_counter()
        idx.search(q, k=10, trace=tr)
        search_s.append(time.perf_counter() - t)
        add_parts(parts, tr.timings_ms, search_s[-1])
        t = time.perf_counter()
        idx.ask(q, k=10)
        ask_s.append(time.perf_counter() - t)
        # ask() = search(k=HITS) + grouping, calibration and citations: time the search alone.
        tr = SearchTrace()
        t = time.perf_counter()
        idx.search(q, k=HITS, trace=tr)
        ask_search_s.append(time.perf_counter() - t)
        assembly_s.append(max(0.0, ask_s[-1] - ask_search_s[-1]))
        add_parts(ask_parts, tr.timings_ms, ask_search_s[-1])
    vecs = np.stack([emb.embed_query(q) for q in texts]).astype(np.float32)
    result = {
        "queries": len(judged),
        "passages": len(idx.store.passages),
        "dense": idx.store.retrieval.describe(),
        "fusion": idx.searcher.config.to_dict(),
        "model_id": idx.manifest.model_id,
        "open_s": open_s,
        "open_rss_bytes": open_rss,
        "model_load_s": model_s,
        "process_rss_bytes": rss(),
        "torch_imported": "torch" in sys.modules,
        "search_ms": summarize_ms(search_s),
        "ask_ms": summarize_ms(ask_s),
        "search_parts_ms": summarize_parts(parts),
        "ask_search_k": HITS,
        "ask_search_ms": summarize_ms(ask_search_s),
        "ask_search_parts_ms": summarize_parts(ask_parts),
        "answer_assembly_ms": summarize_ms(assembly_s),
    }
    return result, vecs


# ----------------------------------------------------------------------------- cold start

COLD_CHILD = r"""
import json, resource, sys, time
t0 = time.perf_counter()
from koritsu_search import open_index
t1 = time.perf_counter()
idx = open_index(sys.argv[1])
t2 = time.perf_counter()
answer = idx.ask(sys.argv[2])
t3 = time.perf_counter()
mods = sys.modules
print("RESULT " + json.dumps({"import_s": t1 - t0, "open_s": t2 - t1, "first_ask_s": t3 - t2,
      "items": len(answer.items), "torch": "torch" in mods, "sentence_transformers": "sentence_transformers" in mods,
      "onnxruntime": "onnxruntime" in mods, "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024}))
"""


def _timed_child(cmd: list[str]) -> tuple[float, int, str]:
    """Wall time, peak RSS (this child alone, from wait4) and stdout of one fresh process."""
    with tempfile.TemporaryFile(mode="w+", encoding="utf-8") as out:
        t = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.DEVNULL, cwd=ROOT, env=dict(os.environ))
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        text = out.read()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} ... exited with {proc.returncode}")
    return wall, usage.ru_maxrss * 1024, text


def bench_cold(index_dir: Path, question: str, runs: int) -> dict[str, Any]:
    exe = shutil.which("koritsu-search") or str(Path(sys.executable).with_name("koritsu-search"))
    cmd = [exe, "ask", "--index", str(index_dir), question]
    rows = []
    for _ in range(runs):
        wall, peak, out = _timed_child(cmd)
        rows.append({"wall_s": wall, "peak_rss_bytes": peak, "output_lines": len(out.splitlines())})
    _, _, out = _timed_child([sys.executable, "-c", COLD_CHILD, str(index_dir), question])
    return {
        "command": ["koritsu-search", *cmd[1:]],
        "runs": rows,
        "median_wall_s": float(np.median([r["wall_s"] for r in rows])),
        "median_peak_rss_bytes": float(np.median([r["peak_rss_bytes"] for r in rows])),
        "breakdown": parse_result(out),
    }


# ----------------------------------------------------------------------------- indexing throughput

def bench_indexing(quick: bool) -> dict[str, Any]:
    from koritsu_search.embed import load_embedder
    from koritsu_search.ingest import parse_file
    from koritsu_search.library import BuildOptions, build

    # The query path does not load the passage encoder: load it first, so that the build's embed
    # time is embedding only.
    t = time.perf_counter()
    load_embedder().embed_passages(["孤独・孤立対策"])
    out: dict[str, Any] = {"passage_encoder_load_s": time.perf_counter() - t}
    tmp = Path(tempfile.mkdtemp(prefix="bench_idx_", dir="/tmp"))
    try:
        corpus = ROOT / "corpus"
        sources = [corpus / "r7_kodoku_koritsu_suishin_kaigi_02_minutes.txt"] if quick else [corpus]
        rep = build(sources, tmp / "index", BuildOptions(rebuild=True))
        manifest = json.loads((tmp / "index" / "manifest.json").read_text(encoding="utf-8"))
        pages = sum(int(s["pages"]) for s in manifest["sources"])
        sec = rep.seconds
        out["seed_build"] = {
            "sources": [Path(s["source"]).name for s in manifest["sources"]],
            "documents": rep.documents, "pages": pages, "passages": rep.passages, "embedded": rep.embedded,
            "seconds": sec, "size_bytes": rep.size_bytes,
            "pages_per_s": pages / sec["read"] if sec.get("read") else None,
            "passages_segmented_per_s": rep.passages / sec["segment"] if sec.get("segment") else None,
            "passages_embedded_per_s": rep.embedded / sec["embed"] if sec.get("embed") else None,
        }
        # PDF parsing: the measures table as a landscape PDF (tests/pdf_factory.py).
        sys.path.insert(0, str(ROOT / "tests"))
        try:
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
            out["pdf_measures"] = {"pages": parsed.pages, "records_expected": len(doc.records),
                                   "records_parsed": len(parsed.records), "kind": parsed.kind, "generate_s": gen_s,
                                   "parse_s": parse_s, "pages_per_s": parsed.pages / parse_s, "bytes": pdf.stat().st_size}
        except Exception as exc:
            out["pdf_measures"] = {"error": f"{type(exc).__name__}: {exc}"}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


# ----------------------------------------------------------------------------- main

def parse_scales(spec: str) -> list[tuple[int, list[str]]]:
    """ "100000=ivf,flat 1000000=ivf" -> [(100000, ["ivf", "flat"]), (1000000, ["ivf"])]."""
    plan = []
    for part in spec.split():
        n, _, kinds = part.partition("=")
        plan.append((int(n), [k for k in (kinds or "ivf").split(",") if k]))
    return sorted(plan)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="koritsu-search benchmark: writes bench.json, renders bench.md")
    ap.add_argument("--index", default=str(ROOT / "indexes" / "default"), help="seed index directory")
    ap.add_argument("--quick", action="store_true", help="fewer queries and runs, one source, a 20k corpus")
    ap.add_argument("--skip-scale", action="store_true", help="skip the synthetic corpora")
    ap.add_argument("--scales", default=None, help=f'corpus sizes and dense types (default "{SCALES}")')
    ap.add_argument("--cold-runs", type=int, default=None, help="CLI cold starts (default 5; --quick 2)")
    ap.add_argument("--out", default=None, help="JSON output (default eval/results/bench.json; --quick: bench_quick.json)")
    args = ap.parse_args(argv)
    out = Path(args.out or HERE / "results" / ("bench_quick.json" if args.quick else "bench.json"))

    t_start = time.perf_counter()
    report: dict[str, Any] = {
        "provenance": provenance(),
        "changed_files": changed_files(),
        "command": "python eval/bench.py " + " ".join(sys.argv[1:] if argv is None else argv),
        "quick": args.quick,
        "machine": machine_info(),
        "load_start": load_info(),
        "targets": TARGETS,
        "env": {k: os.environ.get(k) for k in ("OMP_WAIT_POLICY", "KORITSU_THREADS", "OMP_NUM_THREADS")},
    }
    log(f"load average at start: {report['load_start']['loadavg']}")
    index_dir = Path(args.index)
    ensure_index(index_dir)
    judged = load_judged(args.quick)

    log(f"warm latency over {len(judged)} judged queries")
    report["warm"], qvecs = bench_warm(index_dir, judged)
    w = report["warm"]
    log(f"search p50 {w['search_ms']['p50']:.1f} ms, ask p50 {w['ask_ms']['p50']:.1f} ms")

    runs = args.cold_runs or (2 if args.quick else 5)
    log(f"cold start: {runs} CLI runs")
    report["cold"] = bench_cold(index_dir, judged[0]["query"], runs)
    log(f"cold CLI ask: median {report['cold']['median_wall_s']:.2f} s, "
        f"{report['cold']['median_peak_rss_bytes'] / 1e6:.0f} MB")

    log("indexing throughput (rebuild of the seed corpus + PDF parsing)")
    report["indexing"] = bench_indexing(args.quick)

    if not args.skip_scale:
        report["scale"] = []
        for n, kinds in parse_scales(args.scales or (QUICK_SCALES if args.quick else SCALES)):
            log(f"scale {fmt_n(n)} ({', '.join(kinds)}); elapsed {time.perf_counter() - t_start:.0f} s")
            report["scale"].append(bench_scale(n, kinds, [{"query": q["query"]} for q in judged], qvecs))

    report["load_end"] = load_info()
    report["total_runtime_s"] = time.perf_counter() - t_start
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    md = bench_report.write(out)
    log(f"done in {report['total_runtime_s'] / 60:.1f} min: {out} and {md} "
        f"(seed RSS {w['process_rss_bytes'] / GB:.2f} GB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
