"""Score koritsu-search retrieval on the judged query set: nDCG@10, Recall@10 and MRR per mode."""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import defaultdict
from math import log2
from pathlib import Path
from typing import Any

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from provenance import markdown_line, provenance

MODES = ("lexical", "dense", "hybrid")
METRICS = ("ndcg", "recall", "recall_cap", "recall30", "mrr")
SPLITS = ("dev", "heldout", "heldout2", "situational")
K_FETCH = 200  # hits fetched per query, so that >= 10 distinct units are available (a measure has plan and status passages)
K_EVAL = 10
DIMENSIONS = ("split", "lang", "group", "type")
Unit = tuple[str, Any]  # ("m", 72) measure, ("s", "s018") speaker turn, ("p", record_id) unjudged paragraph


def load_queries(path: Path, split: str) -> list[dict[str, Any]]:
    """Read queries.jsonl and keep the requested split ("all" keeps every query)."""
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [q for q in rows if split == "all" or q["split"] == split]


def turn_id(record_id: str) -> str:
    """'...#s5' or '...#s005' -> 's005'."""
    digits = re.sub(r"\D", "", str(record_id).split("#s")[-1])
    return f"s{int(digits):03d}" if digits else str(record_id)


def hit_unit(hit: Any) -> Unit:
    """Map a Hit to its judged unit; paragraphs stay unjudged units that still take a rank."""
    if hit.kind == "measure" and hit.measure_no is not None:
        return ("m", int(hit.measure_no))
    if hit.kind == "speech":
        return ("s", turn_id(hit.record_id))
    return ("p", hit.record_id)


def rank_units(hits: list[Any]) -> list[Unit]:
    """Distinct units in order of their best (first) hit."""
    seen: dict[Unit, None] = {}
    for hit in hits:
        seen.setdefault(hit_unit(hit), None)
    return list(seen)


def gains(q: dict[str, Any]) -> dict[Unit, int]:
    """Graded judgements: core = 2, other relevant = 1."""
    g: dict[Unit, int] = {("m", int(m)): 1 for m in q["relevant_measures"]}
    g.update({("m", int(m)): 2 for m in q.get("core_measures", [])})
    g.update({("s", t): 1 for t in q.get("relevant_turns", [])})
    g.update({("s", t): 2 for t in q.get("core_turns", [])})
    return g


def score(ranked: list[Unit], g: dict[Unit, int], k: int = K_EVAL) -> dict[str, float]:
    """nDCG@k (ideal DCG over all judged units); Recall@k over all relevant units ("recall") and over at
    most k of them ("recall_cap": a query with 15 relevant units scores 1.0 with 10 of them in its top
    10, where "recall" cannot exceed 10/15); Recall@30; MRR over the fetched list."""
    dcg = sum(g.get(u, 0) / log2(i + 2) for i, u in enumerate(ranked[:k]))
    idcg = sum(v / log2(i + 2) for i, v in enumerate(sorted(g.values(), reverse=True)[:k]))
    found = sum(1 for u in ranked[:k] if u in g)
    found30 = sum(1 for u in ranked[:30] if u in g)
    first = next((i + 1 for i, u in enumerate(ranked) if u in g), None)
    return {"ndcg": dcg / idcg if idcg else 0.0, "recall": found / len(g) if g else 0.0,
            "recall_cap": found / min(len(g), k) if g else 0.0, "recall30": found30 / len(g) if g else 0.0,
            "mrr": 1.0 / first if first else 0.0}


def expected_speakers(minutes: Path) -> dict[str, str]:
    """Speaker label of each turn in the minutes file (turns = lines whose first non-blank char is ○)."""
    if not minutes.exists():
        return {}
    labels = [ln.strip()[1:].split()[0] for ln in minutes.read_text(encoding="utf-8").splitlines()
              if ln.strip().startswith("○") and ln.strip()[1:].split()]
    return {f"s{i:03d}": lab for i, lab in enumerate(labels, 1)}


def fmt_unit(u: Unit) -> str:
    return f"m{u[1]}" if u[0] == "m" else (u[1] if u[0] == "s" else "p")


def run_mode(idx: Any, mode: str, queries: list[dict[str, Any]], speakers: dict[str, str]) -> list[dict[str, Any]]:
    """Run every query in one mode and return per-query rows."""
    rows, mismatches = [], set()
    for q in tqdm(queries, desc=mode, file=sys.stderr):
        t0 = time.perf_counter()
        hits = idx.search(q["query"], k=K_FETCH, mode=mode)
        ms = (time.perf_counter() - t0) * 1000
        for h in hits:  # guard against turn-numbering drift between the judgements and the parser
            if h.kind == "speech" and getattr(h, "speaker", None):
                exp = speakers.get(turn_id(h.record_id))
                if exp and exp not in h.speaker and h.speaker not in exp:
                    mismatches.add((turn_id(h.record_id), exp, h.speaker))
        ranked, g = rank_units(hits), gains(q)
        missing = [fmt_unit(u) for u, v in sorted(g.items(), key=lambda x: -x[1]) if v == 2 and u not in ranked[:K_EVAL]]
        rows.append({"id": q["id"], "mode": mode, **{d: q[d] for d in DIMENSIONS}, "query": q["query"],
                     **score(ranked, g), "ms": ms, "top10": [fmt_unit(u) for u in ranked[:K_EVAL]],
                     "missing_core": missing})
    if mismatches:
        shown = ", ".join(f"{t}: expected {e!r} got {g!r}" for t, e, g in sorted(mismatches)[:5])
        print(f"WARNING [{mode}]: {len(mismatches)} speech hits whose turn id does not match the judged "
              f"speaker (turn numbering drift? scores for turns are unreliable): {shown}", file=sys.stderr)
    return rows


def aggregate(rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Mean metrics overall and per slice of every dimension, per mode."""
    out: dict[str, Any] = {}
    for mode in dict.fromkeys(r["mode"] for r in rows):
        mr = [r for r in rows if r["mode"] == mode]
        groups: dict[str, dict[str, list[dict[str, Any]]]] = {"overall": {"all": mr}}
        for d in DIMENSIONS:
            groups[d] = defaultdict(list)
            for r in mr:
                groups[d][r[d]].append(r)
        out[mode] = {d: {s: {"n": len(rs), **{m: sum(r[m] for r in rs) / len(rs) for m in METRICS + ("ms",)}}
                         for s, rs in sorted(sl.items())} for d, sl in groups.items()}
    return out


def md_table(summary: dict[str, Any], dim: str) -> str:
    """One Markdown table: a row per slice, nDCG@10 / R@10 / MRR columns per mode."""
    modes = list(summary)
    head = "| " + dim + " | n | " + " | ".join(
        f"{m} nDCG@10 | {m} R@10 | {m} R@10 capped | {m} R@30 | {m} MRR" for m in modes) + " |"
    lines = [head, "|" + "---|" * (2 + len(METRICS) * len(modes))]
    for s in summary[modes[0]][dim]:
        cells = [f"{summary[m][dim][s][k]:.3f}" for m in modes for k in METRICS]
        lines.append(f"| {s} | {summary[modes[0]][dim][s]['n']} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_markdown(path: Path, summary: dict[str, Any], rows: list[dict[str, Any]], meta: dict[str, Any]) -> None:
    parts = [f"# Retrieval evaluation\n\nindex `{meta['index']}` · split `{meta['split']}` · {meta['n_queries']} queries · "
             f"k_fetch={K_FETCH}, cutoff={K_EVAL} · gains core=2, relevant=1 · glossary `{meta['glossary']}` · "
             f"{meta['date']}\n",
             "## Timing\n\n| mode | mean ms/query |\n|---|---|\n" + "\n".join(
                 f"| {m} | {summary[m]['overall']['all']['ms']:.1f} |" for m in summary)
             + f"\n\nIndex open: {meta['open_s']:.1f} s\n",
             markdown_line(meta["provenance"]) + "\n"]
    for dim in ("overall",) + DIMENSIONS:
        parts.append(f"## {'Overall' if dim == 'overall' else 'By ' + dim}\n\n{md_table(summary, dim)}\n")
    fails = [r for r in rows if r["ndcg"] < 0.5]
    parts.append(f"## Failures (nDCG@10 < 0.5): {len(fails)} query×mode rows\n\n"
                 "| id | mode | split | lang | type | query | nDCG@10 | R@10 | MRR | top-10 units | core missing from top-10 |\n"
                 "|---|---|---|---|---|---|---|---|---|---|---|")
    for r in sorted(fails, key=lambda r: (r["id"], r["mode"])):
        parts.append(f"| {r['id']} | {r['mode']} | {r['split']} | {r['lang']} | {r['type']} | {r['query'].replace('|', '/')} | "
                     f"{r['ndcg']:.2f} | {r['recall']:.2f} | {r['mrr']:.2f} | {' '.join(r['top10'])} | {' '.join(r['missing_core'])} |")
    path.write_text("\n".join(parts) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--index", default="indexes/default", help="index directory for koritsu_search.open_index")
    ap.add_argument("--split", choices=(*SPLITS, "all"), default="dev")
    ap.add_argument("--glossary", default=None,
                    help="search with this glossary instead of the index's: a file, default or none (glossary off)")
    ap.add_argument("--out", default="eval/results/retrieval.md", help="Markdown report; JSON goes next to it")
    ap.add_argument("--queries", default=str(Path(__file__).with_name("queries.jsonl")))
    ap.add_argument("--minutes", default="corpus/r7_kodoku_koritsu_suishin_kaigi_02_minutes.txt",
                    help="minutes file, used only to check that turn ids match the index's speakers")
    ap.add_argument("--modes", nargs="+", choices=MODES, default=list(MODES))
    args = ap.parse_args(argv)

    root = str(Path(__file__).resolve().parents[1])  # run from a checkout without installing the package
    if root not in sys.path:
        sys.path.append(root)
    from koritsu_search import open_index  # imported late so --help works without the package

    queries = load_queries(Path(args.queries), args.split)
    if not queries:
        ap.error(f"no queries in split {args.split!r}")
    t0 = time.perf_counter()
    from koritsu_search.glossary import load_glossary

    idx = open_index(args.index, glossary=None if args.glossary is None else load_glossary(args.glossary))
    open_s = time.perf_counter() - t0
    speakers = expected_speakers(Path(args.minutes))
    rows: list[dict[str, Any]] = []
    for mode in args.modes:
        try:
            rows += run_mode(idx, mode, queries, speakers)
        except Exception as exc:  # a mode the index cannot serve is reported, not fatal
            print(f"ERROR: mode {mode} failed: {type(exc).__name__}: {exc}", file=sys.stderr)
    if not rows:
        return 1
    summary = aggregate(rows)
    meta = {"index": args.index, "split": args.split, "n_queries": len(queries), "open_s": open_s,
            "date": time.strftime("%Y-%m-%d %H:%M"), "k_fetch": K_FETCH, "cutoff": K_EVAL,
            "provenance": provenance(idx.searcher.config), "glossary": idx.searcher.glossary.source,
            "glossary_sha256": idx.searcher.glossary.sha256}
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    write_markdown(out, summary, rows, meta)
    out.with_suffix(".json").write_text(json.dumps({"meta": meta, "summary": summary, "per_query": rows},
                                                   ensure_ascii=False, indent=1), encoding="utf-8")
    print(f"split={args.split} n={len(queries)} glossary={meta['glossary']}\n"
          "| mode | nDCG@10 | R@10 | R@10 capped | R@30 | MRR | ms/query |\n|---|---|---|---|---|---|---|")
    for m, s in summary.items():
        a = s["overall"]["all"]
        print(f"| {m} | {a['ndcg']:.3f} | {a['recall']:.3f} | {a['recall_cap']:.3f} | {a['recall30']:.3f} | "
              f"{a['mrr']:.3f} | {a['ms']:.1f} |")
    print(f"wrote {out} and {out.with_suffix('.json')}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
