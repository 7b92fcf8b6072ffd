"""Render eval/results/bench.md from bench.json alone (no measuring, no library imports).

    python eval/bench_report.py [eval/results/bench.json] [--out eval/results/bench.md]
"""

from __future__ import annotations

import argparse
import json
import math
import re
from pathlib import Path
from typing import Any

from bench_common import GB, fmt_n

MB = 1e6
PARTS = ("untraced", "segment", "embed", "faiss", "bm25", "fusion")
PART_NAMES = {"untraced": "outside the trace (checks, filter selection, mask)", "segment": "Sudachi segmentation",
              "embed": "query embedding", "faiss": "dense leg (FAISS)",
              "bm25": "BM25 legs (query, feedback, translation)", "fusion": "candidates, priors, fuse, hits"}


def f(x: float | None, nd: int = 1) -> str:
    return "–" if x is None or (isinstance(x, float) and math.isnan(x)) else f"{x:,.{nd}f}"


def table(header: list[str], rows: list[list[Any]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(str(x) for x in r) + " |" for r in rows]
    return "\n".join(out)


# ----------------------------------------------------------------------------- targets

def embed_p50(report: dict[str, Any]) -> float:
    warm = report.get("warm")
    return warm["search_parts_ms"]["embed"]["p50"] if warm and "embed" in warm["search_parts_ms"] else 0.0


def biggest(report: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The largest scale and its first served dense type (the library's default at that size)."""
    scales = report.get("scale") or []
    if not scales:
        return None
    s = max(scales, key=lambda x: x["n"])
    return s, s["serve"][0]


def dominant(parts: dict[str, Any]) -> str:
    present = [(parts[k]["p50"], k) for k in PARTS if k in parts and k != "embed"]
    if not present:
        return ""
    ms, k = max(present)
    return f"largest part: {PART_NAMES[k]} p50 {ms:.1f} ms"


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    lim = report["targets"]
    rows: list[dict[str, Any]] = []

    def add(name: str, measured: float | None, limit: float, unit: str, lower: bool = True, note: str = "") -> None:
        if measured is None or math.isnan(measured):
            verdict = "n/a"
        else:
            verdict = "PASS" if (measured <= limit if lower else measured >= limit) else "MISS"
        rows.append({"target": name, "measured": measured, "limit": limit, "unit": unit, "verdict": verdict,
                     "cmp": "≤" if lower else "≥", "note": note})

    warm = report.get("warm")
    if warm:
        add("seed: warm search p50", warm["search_ms"]["p50"], lim["seed_search_p50_ms"], "ms",
            note=f"query embedding p50 {embed_p50(report):.1f} ms")
        add("seed: warm ask p50", warm["ask_ms"]["p50"], lim["seed_ask_p50_ms"], "ms",
            note=f"search k={warm['ask_search_k']} p50 {warm['ask_search_ms']['p50']:.1f} ms")
    cold = report.get("cold")
    if cold:
        b = cold["breakdown"]
        add("seed: cold CLI `ask` wall (median)", cold["median_wall_s"], lim["cold_cli_s"], "s",
            note=f"{len(cold['runs'])} runs; torch imported: {'yes' if b['torch'] else 'no'}")
        add("seed: cold CLI `ask` peak RSS (median)", cold["median_peak_rss_bytes"] / MB, lim["cold_cli_rss_mb"], "MB")
    big = biggest(report)
    if big:
        s, sv = big
        label = f"{fmt_n(s['n'])} {sv['kind']}"
        emb = embed_p50(report)
        for c in sv["cases"]:
            if c["name"] == "ask":
                continue
            add(f"{label}: {c['name']} p50 + embed", c["latency_ms"]["p50"] + emb, lim["scale_search_p50_ms"], "ms",
                note=f"{c['latency_ms']['p50']:.1f} ms measured + seed embed p50 {emb:.1f} ms; {dominant(c['parts_ms'])}")
        mem = sv["memory"]["after all queries"]
        add(f"{label}: serving process RSS peak (VmHWM)", mem["VmHWM"] / GB, lim["scale_rss_gb"], "GB",
            note=f"VmRSS {mem['VmRSS'] / GB:.2f} GB after all queries; {sv['memory']['after open']['VmRSS'] / GB:.2f} GB after open")
        dl = sv["dense_leg"]
        add(f"{label}: dense leg recall@10 vs exact", dl["recall_at_10"], lim["scale_recall"], "", lower=False,
            note=f"{dl['recall_queries']} queries ({dl['recall_at_10_synthetic']:.3f} synthetic, "
                 f"{f(dl['recall_at_10_judged'], 3)} judged)")
    if "total_runtime_s" in report:
        add("whole benchmark runtime", report["total_runtime_s"] / 60, lim["total_runtime_min"], "min")
    return rows


# ----------------------------------------------------------------------------- sections

def header(report: dict[str, Any]) -> list[str]:
    p, m = report["provenance"], report["machine"]
    v = m["versions"]
    lines = ["# koritsu-search benchmark\n",
             "Measured by `eval/bench.py`, rendered from `bench.json` by `eval/bench_report.py`.\n",
             f"- Commit `{p['commit']}`" + (" **with uncommitted changes**" if p["dirty"] else "")
             + f"; started {p['date']}; total runtime **{report.get('total_runtime_s', float('nan')) / 60:.1f} min**; "
             f"{'quick' if report['quick'] else 'full'} run: `{report['command']}`"]
    if report.get("changed_files"):
        shown = report["changed_files"][:12]
        lines.append(f"- Uncommitted: {', '.join(shown)}" + (f" and {len(report['changed_files']) - 12} more" if len(report["changed_files"]) > 12 else ""))
    lines.append(f"- Fusion: {', '.join(f'{k}={x}' for k, x in p['fusion'].items())}")
    lines.append(f"- Machine: {m['nproc']} CPUs ({m['usable_cpus']} usable), {m['ram_bytes'] / 2**30:.1f} GiB RAM, "
                 f"{m['cpu_model']}; {m['platform']}; Python {v['python']}, numpy {v['numpy']}, faiss {v['faiss']}, "
                 f"bm25s {v['bm25s']}, sudachipy {v['sudachipy']}")
    la, lb = report["load_start"]["loadavg"], (report.get("load_end") or {}).get("loadavg", [float("nan")] * 3)
    lines.append(f"- Load average (1/5/15 min) at start {', '.join(f'{x:.2f}' for x in la)}, at end "
                 f"{', '.join(f'{x:.2f}' for x in lb)}: the 2 cores are shared with other work, so latencies are noisy.")
    lines.append("")
    return lines


def targets_section(rows: list[dict[str, Any]]) -> list[str]:
    return ["## Targets\n", table(
        ["target", "measured", "limit", "verdict", "note"],
        [[r["target"], f"{f(r['measured'], 3 if r['unit'] == '' else 2 if r['unit'] == 'GB' else 1)} {r['unit']}".strip(),
          f"{r['cmp']} {r['limit']:g} {r['unit']}".strip(), f"**{r['verdict']}**", r["note"]] for r in rows]), ""]


def scale_section(report: dict[str, Any]) -> list[str]:
    scales = sorted(report.get("scale") or [], key=lambda s: s["n"])
    if not scales:
        return []
    emb = embed_p50(report)
    L = ["## Scale: synthetic index directories\n",
         "Each corpus is a real index directory written with `write_index_files` (eval/bench_synth.py: the seed "
         "passages and records tiled with unique ids, vectors and BM25 terms synthesized), built in one fresh "
         "process and opened in another with `Index.open(path, embedder=stub)`; the stub returns the real model's "
         "vector of each judged query, so the latencies below exclude query embedding "
         f"(seed embed p50 {emb:.1f} ms; the targets add it). Every query runs once untimed first "
         "(\"first pass\": page cache, the intent and term caches), then timed; k=10. \"First select\": the "
         "filter's first `PassageStore.select` in the process, which builds the column's row lists.\n"]
    rows = []
    for s in scales:
        for sv in s["serve"]:
            for c in sv["cases"]:
                lt, fp = c["latency_ms"], c["first_pass_ms"]
                rows.append([fmt_n(s["n"]), sv["kind"], c["name"], f"{c['rows']:,}", f(lt["p50"]), f(lt["p95"]),
                             f(lt["p50"] + emb), f(fp["p50"]), f(fp["max"], 0),
                             f(c.get("first_select_ms"), 1) if c.get("filter") else "", lt["n"]])
    L += [table(["n", "dense", "call", "rows allowed", "p50 ms", "p95 ms", "p50 + embed", "first pass p50",
                 "first pass max", "first select ms", "queries"], rows), ""]

    L.append("Where the time goes (SearchTrace p50 per segment, ms; p95 in brackets):\n")
    rows = []
    for s in scales:
        for sv in s["serve"]:
            for c in sv["cases"]:
                p = c["parts_ms"]
                if p:
                    rows.append([fmt_n(s["n"]), sv["kind"], c["name"],
                                 *(f"{f(p[k]['p50'], 2)} ({f(p[k]['p95'], 1)})" if k in p else "–"
                                   for k in PARTS if k != "embed")])
    L += [table(["n", "dense", "call", *(PART_NAMES[k] for k in PARTS if k != "embed")], rows), ""]

    L.append("Memory of the serving process (whole process: Python, numpy, FAISS, bm25s, Sudachi, passage store, "
             "records, the stub's table), GB = 10^9 bytes; dense leg alone through `DenseIndex.search`; "
             "recall@10 against exact search (ties at the 10th score count as hits):\n")
    rows = []
    for s in scales:
        for sv in s["serve"]:
            mem, dl = sv["memory"], sv["dense_leg"]
            end = mem["after all queries"]
            rows.append([fmt_n(s["n"]), sv["kind"], ", ".join(f"{k}={x}" for k, x in sv["dense"]["params"].items()) or "exact",
                         f(sv["open_s"], 2), f(mem["imports"]["VmRSS"] / GB, 2), f(mem["after open"]["VmRSS"] / GB, 2),
                         f"{f(end['VmRSS'] / GB, 2)} ({f(end['RssAnon'] / GB, 2)} + {f(end['RssFile'] / GB, 2)})",
                         f(end["VmHWM"] / GB, 2),
                         f"{f(dl['latency_ms']['p50'], 2)} / {f(dl['latency_ms']['p95'], 2)}",
                         f"{dl['recall_at_10']:.3f} ({dl['recall_queries']} q, min {dl['recall_min']:.1f})"])
    L += [table(["n", "dense", "params", "open s", "RSS after imports", "RSS after open",
                 "RSS after queries (anonymous + file pages)", "peak (VmHWM)",
                 f"dense leg k={sv['dense_leg']['k']} p50 / p95 ms", "recall@10"], rows), ""]
    L += memory_detail(scales)
    rows = []
    for s in scales:
        for sv in s["serve"]:
            rows.append([fmt_n(s["n"]), sv["kind"], *(f"{r['recall_at_10']:.3f} ({r['rows']:,} rows)" for r in sv["filtered_recall"])])
    if rows:
        L.append("Filtered dense leg, recall@10 against exact search over the allowed rows:\n")
        L += [table(["n", "dense", *(r["filter"] for r in scales[0]["serve"][0]["filtered_recall"])], rows), ""]

    L.append("Build (one process; the synthetic generation stands in for parsing and embedding):\n")
    rows = []
    for s in scales:
        b = s["build"]
        for name, secs in b["seconds"].items():
            rows.append([fmt_n(s["n"]), name, f(secs, 1), f(b["peak_rss"][name] / GB, 2)])
    L += [table(["n", "phase", "seconds", "peak RSS GB"], rows), ""]
    rows = []
    for s in scales:
        b = s["build"]
        for kind, ix in b["indexes"].items():
            sz = ix["size_bytes"]
            build_s = b["seconds"]["BM25 build"] + ix["dense_build_s"] + ix["write_s"]
            top = sorted(((v, k) for k, v in sz.items() if k != "total"), reverse=True)[:5]
            rows.append([fmt_n(s["n"]), kind, f"{b['records']:,}", f(build_s, 0), f(sz["total"] / GB, 2),
                         ", ".join(f"{k} {v / GB:.2f}" for v, k in top)])
    L += [table(["n", "dense", "records", "index build s (BM25 + dense + write)", "size on disk GB", "largest files GB"], rows), ""]

    syn = scales[0]["build"]["synthetic_vs_real"]
    L.append("Synthetic vectors against the real seed vectors (a seed-sized sample):\n")
    L += [table(["", "median top-1 cos", "median top-10 cos", "mean pairwise cos", "std pairwise cos"],
                [[k, *(f"{syn[k][x]:.4f}" for x in ("nn1_median", "nn10_median", "pair_mean", "pair_std"))]
                 for k in ("real", "synthetic")]), ""]
    for s in scales:
        t, rq = s["build"]["terms"], s["build"]["recall_queries"]
        L.append(f"- {fmt_n(s['n'])}: {s['build']['copies']} copies of the seed; BM25 terms {t['tokens']:,} tokens, "
                 f"vocabulary {t['vocab']:,} (real head {t['real_vocab']:,}), {t['mean_len']:.1f} terms/passage; "
                 f"recall queries {rq['synthetic']} synthetic + {rq['judged']} judged, median top-1 / top-10 "
                 f"neighbour cos {rq['top1_cos_median']:.3f} / {rq['top10_cos_median']:.3f}.")
    L.append("")
    return L


def memory_detail(scales: list[dict[str, Any]]) -> list[str]:
    """Resident memory by mapping and by component, and how it grew call by call (largest scale)."""
    s = scales[-1]
    L: list[str] = []
    for sv in s["serve"]:
        label = f"{fmt_n(s['n'])} {sv['kind']}"
        L.append(f"{label}, resident memory after all queries by mapping (GB): "
                 + ", ".join(f"{r['mapping']} {r['rss_bytes'] / GB:.2f}" for r in sv.get("rss_by_mapping", [])) + ".")
        comp = (sv.get("components") or {}).get("components")
        if comp:
            after_open = sv["memory"]["after open"]["RssAnon"]
            rest = after_open - sum(c["anon_bytes"] for c in comp) - sv["memory"]["imports"]["RssAnon"]
            L.append(f"{label}, anonymous memory of each component loaded alone in a fresh process (GB): "
                     + ", ".join(f"{c['component']} {c['anon_bytes'] / GB:.2f}" for c in comp)
                     + f"; the rest of `Index.open` (records table, documents, checks) ~{rest / GB:.2f}.")
        growth = [f"{c['name']} {c['memory_after']['RssAnon'] / GB:.2f} + {c['memory_after']['RssFile'] / GB:.2f}"
                  for c in sv["cases"] if "memory_after" in c]
        if growth:
            L.append(f"{label}, anonymous + file-page RSS after each call's passes (GB): " + "; ".join(growth) + ".")
        L.append("")
    return L


def profile_section(report: dict[str, Any]) -> list[str]:
    """cProfile of the slow calls: own time per function, and the library functions' cumulative time."""
    L: list[str] = []
    for s in sorted(report.get("scale") or [], key=lambda x: x["n"]):
        for sv in s["serve"]:
            for c in sv["cases"]:
                prof = c.get("profile")
                if not prof:
                    continue
                if not L:
                    L.append("## Profiles of the slow calls (cProfile, ms per query)\n")
                L.append(f"**{fmt_n(s['n'])} {sv['kind']}, {c['name']}** (p50 {c['latency_ms']['p50']:.1f} ms; "
                         f"{prof['queries']} queries profiled):\n")
                own = [[r["function"], f(r["own_ms"], 2), f(r["cumulative_ms"], 2), f(r["calls_per_query"], 1)]
                       for r in prof["own_time"][:5]]
                lib = [[r["function"], f(r["own_ms"], 2), f(r["cumulative_ms"], 2), f(r["calls_per_query"], 1)]
                       for r in prof["library_cumulative"][:6]]
                L += [table(["most own time", "own", "cumulative", "calls"], own), "",
                      table(["library functions by cumulative time", "own", "cumulative", "calls"], lib), ""]
    return L


def seed_section(report: dict[str, Any]) -> list[str]:
    L: list[str] = []
    warm = report.get("warm")
    if warm:
        d = warm["dense"]
        L.append(f"## Seed index: warm latency ({warm['queries']} judged queries, {warm['passages']:,} passages, "
                 f"{d['type']})\n")
        L.append(f"Open {warm['open_s'] * 1000:.0f} ms (+{warm['open_rss_bytes'] / MB:.0f} MB); model load "
                 f"{warm['model_load_s']:.1f} s before the timed queries; process RSS after the queries "
                 f"{warm['process_rss_bytes'] / MB:.0f} MB; torch imported: {'yes' if warm['torch_imported'] else 'no'}. "
                 f"`ask` runs search with k={warm['ask_search_k']}, then groups, calibrates and cites; "
                 "\"assembly\" is ask minus that search, per query.\n")
        rows = [["search (k=10)", *(f(warm["search_ms"][k]) for k in ("p50", "p95", "mean"))],
                [f"search (k={warm['ask_search_k']}, inside ask)", *(f(warm["ask_search_ms"][k]) for k in ("p50", "p95", "mean"))],
                ["answer assembly", *(f(warm["answer_assembly_ms"][k]) for k in ("p50", "p95", "mean"))],
                ["ask (k=10)", *(f(warm["ask_ms"][k]) for k in ("p50", "p95", "mean"))]]
        L += [table(["call", "p50 ms", "p95 ms", "mean ms"], rows), ""]
        rows = [[PART_NAMES[k], f(warm["search_parts_ms"][k]["p50"], 2), f(warm["search_parts_ms"][k]["p95"], 2),
                 f(warm["ask_search_parts_ms"].get(k, {}).get("p50"), 2)] for k in PARTS if k in warm["search_parts_ms"]]
        L += [table(["segment", "search p50", "search p95", f"search k={warm['ask_search_k']} p50"], rows), ""]
    cold = report.get("cold")
    if cold:
        b = cold["breakdown"]
        L.append(f"## Cold start: `{' '.join(cold['command'][:-1])} \"{cold['command'][-1]}\"`\n")
        L.append(f"{len(cold['runs'])} fresh processes; wall time from spawn to exit and peak RSS of each (wait4): "
                 + ", ".join(f"{r['wall_s']:.2f} s / {r['peak_rss_bytes'] / MB:.0f} MB" for r in cold["runs"])
                 + f". **Median {cold['median_wall_s']:.2f} s, {cold['median_peak_rss_bytes'] / MB:.0f} MB.**\n")
        L.append(f"One instrumented run (`open_index` + `ask` in `python -c`): import koritsu_search {b['import_s']:.2f} s, "
                 f"open {b['open_s']:.2f} s, first ask (model load, Sudachi, the answer) {b['first_ask_s']:.2f} s, "
                 f"peak RSS {b['peak_rss_bytes'] / MB:.0f} MB; imported: torch {'yes' if b['torch'] else 'no'}, "
                 f"sentence-transformers {'yes' if b['sentence_transformers'] else 'no'}, "
                 f"onnxruntime {'yes' if b['onnxruntime'] else 'no'}.\n")
    idx = report.get("indexing")
    if idx:
        sb, s = idx["seed_build"], idx["seed_build"]["seconds"]
        L.append("## Indexing throughput (seed corpus, `--rebuild` into /tmp)\n")
        L += [table(["stage", "count", "seconds", "throughput"], [
            ["read (parse)", f"{sb['pages']} pages", f(s.get("read", s.get("parse")), 2), f"{f(sb['pages_per_s'])} pages/s"],
            ["segment (Sudachi)", f"{sb['passages']} passages", f(s.get("segment"), 2), f"{f(sb['passages_segmented_per_s'])} passages/s"],
            ["embed", f"{sb['embedded']} passages", f(s.get("embed"), 1), f"**{f(sb['passages_embedded_per_s'], 2)} passages/s**"],
            ["write (dense + BM25 index, files)", f"{sb['passages']} passages", f(s.get("write", s.get("index")), 2), ""],
            ["total", "", f(s.get("total"), 1), ""]]), ""]
        L.append(f"Sources: {', '.join(sb['sources'])}; index size {sb['size_bytes'] / MB:.1f} MB; the passage "
                 f"encoder was loaded before the build ({f(idx.get('passage_encoder_load_s'), 1)} s, not counted).\n")
        pdf = idx.get("pdf_measures") or {}
        if "error" in pdf:
            L.append(f"PDF parsing: not measured ({pdf['error']}).\n")
        elif pdf:
            L.append(f"PDF parsing (the measures table as a landscape PDF from tests/pdf_factory.py): "
                     f"**{pdf['pages']} pages in {pdf['parse_s']:.1f} s = {pdf['pages_per_s']:.2f} pages/s** "
                     f"({pdf['records_parsed']}/{pdf['records_expected']} measures, kind {pdf['kind']}).\n")
    return L


# The calls a query enters through (matched by name: their line numbers move with every edit).
ENTRY_POINTS = re.compile(r"library\.py|search\.py:\d+\(search\)|answer\.py:\d+\(ask\)")


def bottleneck(case: dict[str, Any]) -> str:
    """From the call's profile: the library function below the entry points with the most
    cumulative time, and the single most expensive function (own time)."""
    prof = case.get("profile")
    if not prof:
        return ""
    inner = [r for r in prof["library_cumulative"] if not ENTRY_POINTS.search(r["function"])]
    top = prof["own_time"][0]
    text = ""
    if inner:
        r = inner[0]
        text += f" Profile: `{r['function']}` takes {r['cumulative_ms']:.1f} ms per query"
    return text + f"; most own time in `{top['function']}` ({top['own_ms']:.1f} ms per query)."


def notes(report: dict[str, Any], rows: list[dict[str, Any]]) -> list[str]:
    """Observations derived from the measurements only."""
    out: list[str] = []
    big = biggest(report)
    if big:
        s, sv = big
        base = next(c for c in sv["cases"] if c["name"] == "search")
        for c in sv["cases"]:
            p, b = c["parts_ms"], base["parts_ms"]
            growth = sorted(((p[k]["p50"] - b[k]["p50"], k) for k in PARTS if k in p and k in b), reverse=True)
            if c["name"].startswith("search,") and growth and growth[0][0] > 2.0:
                d, k = growth[0]
                out.append(f"{fmt_n(s['n'])} {sv['kind']}, {c['name']} ({c['rows']:,} rows): p50 {c['latency_ms']['p50']:.1f} ms "
                           f"vs {base['latency_ms']['p50']:.1f} ms unfiltered; the segment that grows most is "
                           f"{PART_NAMES[k]} (+{d:.1f} ms p50).{bottleneck(c)}")
            elif c.get("profile"):
                out.append(f"{fmt_n(s['n'])} {sv['kind']}, {c['name']}: p50 {c['latency_ms']['p50']:.1f} ms.{bottleneck(c)}")
    missed = [r["target"] for r in rows if r["verdict"] == "MISS"]
    if missed:
        out.append("Missed: " + "; ".join(missed) + ".")
    return ["## Notes\n", *(f"- {n}" for n in out), ""] if out else []


def render(report: dict[str, Any]) -> str:
    rows = targets(report)
    parts = (header(report) + targets_section(rows) + scale_section(report) + profile_section(report)
             + seed_section(report) + notes(report, rows))
    return "\n".join(parts).rstrip() + "\n"


def write(json_path: Path, md_path: Path | None = None) -> Path:
    report = json.loads(Path(json_path).read_text(encoding="utf-8"))
    md_path = md_path or Path(json_path).with_suffix(".md")
    md_path.write_text(render(report), encoding="utf-8")
    return md_path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("json", nargs="?", default=str(Path(__file__).resolve().parent / "results" / "bench.json"))
    ap.add_argument("--out", default=None, help="Markdown output (default: next to the JSON)")
    args = ap.parse_args(argv)
    print(write(Path(args.json), Path(args.out) if args.out else None))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
