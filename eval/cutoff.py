"""Report the relevance cut: what it keeps and drops on dev and held-out, nonsense answered with nothing, ask latency.

For each judged query, the units among the ranking's first TOP are split by the default cut
(Index.ask with complete=True, the path the CLI and app use): recall = judged-relevant units
kept / judged-relevant units in the top TOP; drop = non-relevant units dropped / non-relevant
units in the top TOP; precision = relevant kept / kept. Nonsense queries (eval/nonsense.jsonl)
count as answered with nothing when the answer is not confident. Latency is warm `ask` (k=10)
over every judged query. Writes eval/results/cutoff.md and cutoff.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from calibrate import TOP, load_nonsense
from evaluate import gains, hit_unit, load_queries
from provenance import markdown_line, provenance

ROOT = Path(__file__).resolve().parent.parent


def judge(idx: Any, queries: list[dict[str, Any]]) -> dict[str, Any]:
    from koritsu_search.answer import rank_groups

    rel_top = rel_kept = non_top = non_dropped = kept_n = 0
    per_band: dict[str, list[int]] = {"high": [0, 0], "medium": [0, 0], "low": [0, 0]}
    none_answered = 0
    for q in tqdm(queries, desc="judged", file=sys.stderr):
        g = gains(q)
        groups, _ = rank_groups(idx.searcher, q["query"])
        top_units = [hit_unit(gr.hits[0]) for gr in groups[:TOP]]
        answer = idx.ask(q["query"], complete=True, include_low=True)
        kept = {hit_unit(it) for it in answer.items}
        none_answered += not answer.confident
        for it in answer.items:
            band = per_band[it.band or "low"]
            band[0] += 1
            band[1] += g.get(hit_unit(it), 0) > 0
        for u in top_units:
            if g.get(u, 0) > 0:
                rel_top += 1
                rel_kept += u in kept
            else:
                non_top += 1
                non_dropped += u not in kept
        kept_n += len([u for u in kept if u in top_units])
    return {
        "queries": len(queries),
        "relevant_in_top": rel_top,
        "recall_kept": rel_kept / rel_top if rel_top else 0.0,
        "nonrelevant_dropped": non_dropped / non_top if non_top else 0.0,
        "precision_kept": rel_kept / kept_n if kept_n else 0.0,
        "queries_without_confident_answer": none_answered,
        "band_precision": {b: (v[1] / v[0] if v[0] else None, v[0]) for b, v in per_band.items()},
    }


def nonsense(idx: Any, rows: list[dict[str, Any]]) -> dict[str, Any]:
    misses = []
    for r in rows:
        a = idx.ask(r["query"], complete=True, include_low=True)
        if a.confident:
            misses.append({"id": r["id"], "query": r["query"], "kept": a.total,
                           "top": a.items[0].title if a.items else ""})
    return {"queries": len(rows), "no_confident_match": (len(rows) - len(misses)) / len(rows), "misses": misses}


def latency(idx: Any, queries: list[dict[str, Any]], complete: bool = False) -> dict[str, float]:
    for q in queries[:5]:
        idx.ask(q["query"])
    ms = []
    for q in queries:
        t = time.perf_counter()
        idx.ask(q["query"], k=10, complete=complete)
        ms.append((time.perf_counter() - t) * 1000)
    ms.sort()
    return {"p50_ms": statistics.median(ms), "p95_ms": ms[int(0.95 * (len(ms) - 1))], "n": len(ms)}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", default=str(ROOT / "indexes/default"))
    ap.add_argument("--out", default=str(ROOT / "eval/results/cutoff"))
    args = ap.parse_args(argv)
    from koritsu_search import open_index
    from koritsu_search.answer import default_calibration

    idx = open_index(args.index)
    cal = default_calibration()
    result: dict[str, Any] = {"provenance": provenance(idx.searcher.config),
                              "calibration": {"cut": cal.cut, "high": cal.high, "fitted_on": cal.fitted_on}}
    for split in ("dev", "heldout"):
        result[split] = judge(idx, load_queries(ROOT / "eval/queries.jsonl", split))
        result[f"nonsense_{split}"] = nonsense(idx, load_nonsense(ROOT / "eval/nonsense.jsonl", split))
    result["nonsense_heldout2"] = nonsense(idx, load_nonsense(ROOT / "eval/nonsense.jsonl", "heldout2"))
    allq = load_nonsense(ROOT / "eval/nonsense.jsonl", "all")
    result["nonsense_all"] = nonsense(idx, allq)
    result["latency_ask_k10"] = latency(idx, load_queries(ROOT / "eval/queries.jsonl", "all"))
    result["latency_ask_complete"] = latency(idx, load_queries(ROOT / "eval/queries.jsonl", "all"), complete=True)
    Path(args.out + ".json").write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    Path(args.out + ".md").write_text(render(result), encoding="utf-8")
    print(render(result))
    return 0


def render(r: dict[str, Any]) -> str:
    lines = [
        "# The relevance cut-off: dev and held-out",
        "",
        f"Calibration fitted on the dev split only ({r['calibration']['fitted_on'].get('queries')} queries); "
        f"cut at P(relevant) ≥ {r['calibration']['cut']}, 高 band from {r['calibration']['high']}. "
        f"Units counted among each query's first {TOP}. Produced by `python eval/cutoff.py`.",
        "",
        *([markdown_line(r["provenance"]), ""] if "provenance" in r else []),
        "| split | queries | relevant in top | relevant kept | non-relevant dropped | precision of kept | no confident answer |",
        "|---|---|---|---|---|---|---|",
    ]
    for s in ("dev", "heldout"):
        d = r[s]
        lines.append(f"| {s} | {d['queries']} | {d['relevant_in_top']} | {d['recall_kept']:.3f} | "
                     f"{d['nonrelevant_dropped']:.3f} | {d['precision_kept']:.3f} | {d['queries_without_confident_answer']} |")
    lines += ["", "Precision per band (relevant / items shown in that band):", "",
              "| split | 高 | 中 | 低 |", "|---|---|---|---|"]
    for s in ("dev", "heldout"):
        bp = r[s]["band_precision"]
        cells = [f"{v[0]:.2f} ({v[1]})" if v[0] is not None else f"– ({v[1]})" for v in (bp["high"], bp["medium"], bp["low"])]
        lines.append(f"| {s} | " + " | ".join(cells) + " |")
    lines += ["", "Nonsense and off-topic queries (eval/nonsense.jsonl) answered 「該当する施策は見つかりませんでした」:", ""]
    for s in ("dev", "heldout", "heldout2", "all"):
        n = r[f"nonsense_{s}"]
        lines.append(f"- {s}: {n['no_confident_match']:.0%} of {n['queries']}"
                     + ("; answered: " + "; ".join(f"{m['id']} {m['query']} → {m['top']}" for m in n["misses"]) if n["misses"] else ""))
    lat = r["latency_ask_k10"]
    full = r["latency_ask_complete"]
    lines += ["", f"Warm `ask` (k=10, cut applied) over {lat['n']} queries: p50 {lat['p50_ms']:.1f} ms, "
              f"p95 {lat['p95_ms']:.1f} ms. With every item above the cut cited (`complete=True`, what the app "
              f"and `--all` ask for): p50 {full['p50_ms']:.1f} ms, p95 {full['p95_ms']:.1f} ms.", ""]
    lines += [
        "## Reading these figures",
        "",
        "- The cut aims at recall (≥ 90% of the judged-relevant units the ranking reaches), so the kept list is",
        "  long and its precision against the judgments is low; the 高 band is where precision is (0.7–0.8).",
        "- `nonsense.jsonl` splits: `dev` (40, fitted on), `heldout` (16, written with dev before any fit),",
        "  `heldout2` (16, written after the held-out misses of a first model were seen, never looked at",
        "  before this report). The dev set was enlarged with kana gibberish after that first model let",
        "  held-out kana gibberish through, so `heldout` is not fully independent of the fitting; `heldout2` is.",
        "- Questions with no confident answer are situational paraphrases (a caller's words the documents",
        "  never use); for them the nearest items are still shown, marked as such.",
        "",
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
