"""Complete lists as a researcher gets them: recall and precision of `ask --all` (高 and 中 shown, 低 folded).

For each judged question of a split (thematic by default: the "every measure on X" questions), the
shown list is `Index.ask(q, complete=True)`, the unfolded one `include_low=True`. Recall counts the
judged-relevant units in the list against every judged-relevant unit; precision the share of the
list that is judged relevant. Micro (pooled) and macro (per question) figures, and per split.
Usage: python eval/lists.py [--splits dev,heldout,heldout2] [--types thematic] [--out eval/results/lists]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate import gains, hit_unit, load_queries
from provenance import markdown_line, provenance

ROOT = Path(__file__).resolve().parent.parent


def measure(idx: Any, queries: list[dict[str, Any]], include_low: bool) -> dict[str, float]:
    """Pooled and per-question recall and precision of the complete lists."""
    rel = shown = judged = 0
    recalls, precisions = [], []
    for q in tqdm(queries, desc="lists", file=sys.stderr):
        g = gains(q)
        units = [hit_unit(i) for i in idx.ask(q["query"], complete=True, include_low=include_low).items]
        found = sum(1 for u in units if g.get(u, 0) > 0)
        rel, shown, judged = rel + found, shown + len(units), judged + len(g)
        recalls.append(found / len(g) if g else 0.0)
        precisions.append(found / len(units) if units else 0.0)
    n = max(len(queries), 1)
    return {"queries": len(queries), "recall": rel / judged if judged else 0.0,
            "precision": rel / shown if shown else 0.0, "items_per_question": shown / n,
            "macro_recall": sum(recalls) / n, "macro_precision": sum(precisions) / n}


def render(result: dict[str, Any]) -> str:
    lines = ["# Complete lists: recall and precision", "", markdown_line(result["provenance"]), "",
             f"Question types: {', '.join(result['types'])}. Shown = 高 and 中 (what `ask --all`, the exports and "
             "「すべて表示」 list); unfolded = every item above the relevance cut (`--include-low`).", "",
             "| split | questions | list | recall | precision | items per question | macro recall | macro precision |",
             "|---|---|---|---|---|---|---|---|"]
    for split, rows in result["splits"].items():
        for name, r in rows.items():
            lines.append(f"| {split} | {r['queries']} | {name} | {r['recall']:.3f} | {r['precision']:.3f} | "
                         f"{r['items_per_question']:.1f} | {r['macro_recall']:.3f} | {r['macro_precision']:.3f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    from koritsu_search import open_index

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", default=str(ROOT / "indexes/default"))
    ap.add_argument("--splits", default="dev")
    ap.add_argument("--types", default="thematic")
    ap.add_argument("--out", default=None, help="write OUT.json and OUT.md")
    args = ap.parse_args(argv)
    idx = open_index(args.index)
    types = args.types.split(",")
    result: dict[str, Any] = {"provenance": provenance(idx.searcher.config), "types": types, "splits": {}}
    for split in args.splits.split(","):
        qs = [q for q in load_queries(ROOT / "eval/queries.jsonl", split) if q["type"] in types]
        result["splits"][split] = {"shown": measure(idx, qs, False), "unfolded": measure(idx, qs, True)}
    text = render(result)
    if args.out:
        Path(args.out + ".json").write_text(json.dumps(result, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
        Path(args.out + ".md").write_text(text, encoding="utf-8")
    sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
