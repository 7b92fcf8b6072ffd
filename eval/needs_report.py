"""Issue 22's report: each needs leg and change, switched on one at a time, on every split.

    python eval/needs_report.py --index indexes/default --out eval/results/issue22.json
    python eval/needs_report.py render eval/results/issue22.json > eval/results/issue22_tables.md

Every variant is the shipped FusionConfig with some needs settings reset to "off"; the first row
is everything off (what the search did before the needs taxonomy), the last is the shipped one.
Also: how many questions of each split `ask` answers 「該当する施策は見つかりませんでした」, with the
shipped settings and with the needs off. Settings were chosen on `dev` only; the other splits are
reported, never tuned on.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate import gains, load_queries, rank_units, score

ROOT = Path(__file__).resolve().parent.parent
SPLITS = ("dev", "heldout", "heldout2", "situational")
OFF: dict[str, Any] = {
    "need_similarity": 1.0, "need_weight": 0.0, "need_boost": 0.0, "need_exclusive_penalty": 0.0,
    "need_speech_penalty": 0.0, "need_speech_penalty_ja": 0.0, "needs_skip_official": False,
    "need_list_off": False,
}
# Each row switches on what the rows before it did, plus one more thing.
STEPS: list[tuple[str, list[str]]] = [
    ("needs off (before this issue)", []),
    ("+ needs read from words, expansion leg (BM25 over their terms)", ["need_weight"]),
    ("+ needs read by meaning (question and each sentence against every expression)", ["need_similarity"]),
    ("+ prior on records tagged with a read need", ["need_boost"]),
    ("+ official's questions read no needs; no prior and a lighter expansion for questions about measures",
     ["needs_skip_official", "need_list_off"]),
    ("+ exclusive needs (公務員, 医療観察) ranked lower for other callers", ["need_exclusive_penalty"]),
    ("+ situations rank measures before minutes statements (en, ja)", ["need_speech_penalty", "need_speech_penalty_ja"]),
]


def variant(shipped: Any, on: set[str]) -> Any:
    return dataclasses.replace(shipped, **{k: v for k, v in OFF.items() if k not in on})


def run(idx: Any, queries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = []
    for q in queries:
        ranked = rank_units(idx.search(q["query"], k=200))
        rows.append({"id": q["id"], "type": q["type"], "lang": q["lang"], "group": q["group"],
                     **score(ranked, gains(q))})
    return rows


def mean(rows: list[dict[str, Any]], key: str) -> float:
    return round(sum(r[key] for r in rows) / len(rows), 3) if rows else float("nan")


def summarize(rows: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {"all": {m: mean(rows, m) for m in ("ndcg", "recall", "mrr")}, "n": len(rows)}
    for dim in ("type", "lang", "group"):
        for v in sorted({r[dim] for r in rows}):
            part = [r for r in rows if r[dim] == v]
            out[f"{dim}={v}"] = {"ndcg": mean(part, "ndcg"), "n": len(part)}
    return out


def no_match(idx: Any, queries: list[dict[str, Any]]) -> list[str]:
    return [q["id"] for q in queries if not idx.ask(q["query"], k=10).confident]


def render(path: Path) -> str:
    """Markdown tables of a result file: nDCG@10 per step and split, then per type for the first and last step."""
    r = json.loads(path.read_text(encoding="utf-8"))
    out = [f"Commit `{r['commit']}`, {r['date']}, index `{r['index']}`, model {r['model_id']}, needs sha256 "
           f"`{r['needs_sha256']}`.", "", "FusionConfig (shipped): " + ", ".join(f"{k}={v}" for k, v in r["fusion"].items()),
           "", "| step | " + " | ".join(SPLITS) + " |", "|---|" + "---|" * len(SPLITS)]
    for s in r["steps"]:
        cells = [f"{s['splits'][sp]['all']['ndcg']:.3f}" for sp in SPLITS]
        out.append(f"| {s['step']} | " + " | ".join(cells) + " |")
    first, last = r["steps"][0]["splits"], r["steps"][-1]["splits"]
    out += ["", "Recall@10 / MRR, needs off → shipped:", "", "| split | R@10 | MRR |", "|---|---|---|"]
    for sp in SPLITS:
        out.append(f"| {sp} | {first[sp]['all']['recall']:.3f} → {last[sp]['all']['recall']:.3f} | "
                   f"{first[sp]['all']['mrr']:.3f} → {last[sp]['all']['mrr']:.3f} |")
    out += ["", "nDCG@10 per type, language and group, needs off → shipped (n):", "",
            "| split | slice | off | shipped | n |", "|---|---|---|---|---|"]
    for sp in SPLITS:
        for key, v in last[sp].items():
            if "=" in key:
                out.append(f"| {sp} | {key} | {first[sp][key]['ndcg']:.3f} | {v['ndcg']:.3f} | {v['n']} |")
    out += ["", "Questions `ask` answers 「該当する施策は見つかりませんでした」:", "", "| split | needs off | shipped |",
            "|---|---|---|"]
    for sp, u in r["unanswered"].items():
        out.append(f"| {sp} | {len(u['needs_off'])} | {len(u['shipped'])} |")
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    if argv is None:
        argv = sys.argv[1:]
    if argv[:1] == ["render"]:
        sys.stdout.write(render(Path(argv[1])))
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", default="indexes/default")
    ap.add_argument("--out", default="eval/results/issue22.json")
    args = ap.parse_args(argv)
    from koritsu_search import open_index
    from koritsu_search.fusion import FusionConfig

    shipped = FusionConfig()
    base = open_index(args.index)
    emb = base.searcher.embedder
    queries = {s: load_queries(ROOT / "eval" / "queries.jsonl", s) for s in SPLITS}
    on: set[str] = set()
    steps = []
    for label, keys in STEPS:
        on |= set(keys)
        idx = open_index(args.index, embedder=emb, config=variant(shipped, on))
        steps.append({"step": label, "on": sorted(on),
                      "splits": {s: summarize(run(idx, qs)) for s, qs in queries.items()}})
        print(label, {s: v["all"]["ndcg"] for s, v in steps[-1]["splits"].items()}, file=sys.stderr)
    off = open_index(args.index, embedder=emb, config=variant(shipped, set()))
    unanswered = {s: {"shipped": no_match(base, qs), "needs_off": no_match(off, qs)} for s, qs in queries.items()}
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = bool(subprocess.run(["git", "status", "--porcelain", "koritsu_search"], cwd=ROOT, capture_output=True,
                                text=True).stdout.strip())
    result = {"commit": commit + ("+uncommitted" if dirty else ""), "date": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
              "index": args.index, "model_id": base.manifest.model_id, "fusion": shipped.to_dict(),
              "needs_sha256": base.manifest.contract.get("needs_sha256"), "steps": steps, "unanswered": unanswered}
    Path(args.out).write_text(json.dumps(result, ensure_ascii=False, indent=1), encoding="utf-8")
    print(json.dumps({s["step"][:40]: {k: v["all"]["ndcg"] for k, v in s["splits"].items()} for s in steps},
                     ensure_ascii=False, indent=1))
    print(json.dumps({k: {m: len(v) for m, v in u.items()} for k, u in unanswered.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
