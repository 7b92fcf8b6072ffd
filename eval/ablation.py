"""Each change of the fusion, one at a time: hybrid nDCG@10 / Recall@10 per split and language.

    python eval/ablation.py --splits dev                       # while tuning (dev only)
    python eval/ablation.py --splits dev heldout heldout2 --out eval/results/ablation.md   # to report

A variant is the library's FusionConfig with some fields changed (`--variant name:field=value,...`);
the default variants switch off, one at a time, what issue 13 added.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate import load_queries, run_mode
from provenance import markdown_line, provenance

DEFAULT_VARIANTS = (
    "all:",
    "no synonyms:synonym_share=0",
    "record-level evidence only:measure_evidence=false",
    "no sibling support:sibling_weight=0",
    "no procedural penalty:procedural_penalty=0",
)


def parse_variant(text: str, base: Any) -> tuple[str, Any]:
    """'name:field=value,field=value' -> (name, FusionConfig)."""
    name, _, body = text.partition(":")
    changes: dict[str, Any] = {}
    for part in filter(None, body.split(",")):
        key, _, raw = part.partition("=")
        current = getattr(base, key)
        changes[key] = raw.lower() == "true" if isinstance(current, bool) else type(current)(raw)
    return name, dataclasses.replace(base, **changes)


def summarize(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    out: dict[str, dict[str, float]] = {}
    for split in dict.fromkeys(r["split"] for r in rows):
        for lang in ("all", "ja", "en"):
            rs = [r for r in rows if r["split"] == split and (lang == "all" or r["lang"] == lang)]
            if rs:
                out[f"{split}/{lang}"] = {m: sum(r[m] for r in rs) / len(rs) for m in ("ndcg", "recall", "recall_cap")}
                out[f"{split}/{lang}"]["n"] = len(rs)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", default="indexes/default")
    ap.add_argument("--splits", nargs="+", default=["dev"])
    ap.add_argument("--variant", action="append", help="name:field=value,... (repeatable; default: the ablations)")
    ap.add_argument("--mode", default="hybrid")
    ap.add_argument("--glossary", default=None, help="a glossary file, default or none (default: the index's)")
    ap.add_argument("--out", default=None, help="Markdown report (JSON beside it)")
    args = ap.parse_args(argv)
    root = str(Path(__file__).resolve().parents[1])
    if root not in sys.path:
        sys.path.append(root)
    from koritsu_search import open_index
    from koritsu_search.fusion import FusionConfig
    from koritsu_search.glossary import load_glossary

    queries = [q for s in args.splits for q in load_queries(Path(__file__).with_name("queries.jsonl"), s)]
    base = FusionConfig()
    glossary = None if args.glossary is None else load_glossary(args.glossary)
    results: dict[str, Any] = {}
    embedder = None
    for text in args.variant or DEFAULT_VARIANTS:
        name, config = parse_variant(text, base)
        idx = open_index(args.index, embedder=embedder, config=config, glossary=glossary)
        embedder = idx.searcher.embedder
        rows = run_mode(idx, args.mode, queries, {})
        results[name] = {"config": config.to_dict(), "summary": summarize(rows),
                         "per_query": [{k: r[k] for k in ("id", "ndcg", "recall", "recall_cap", "top10")} for r in rows]}
        idx.close()
    cols = list(next(iter(results.values()))["summary"])
    lines = ["| variant | " + " | ".join(f"{c} (n={results[next(iter(results))]['summary'][c]['n']:.0f})" for c in cols) + " |",
             "|---|" + "---|" * len(cols)]
    for name, res in results.items():
        lines.append(f"| {name} | " + " | ".join(
            f"{res['summary'][c]['ndcg']:.3f} / {res['summary'][c]['recall']:.3f} / {res['summary'][c]['recall_cap']:.3f}"
            for c in cols) + " |")
    table = "\n".join(lines)
    print(table)
    if args.out:
        prov = provenance(base)
        out = Path(args.out)
        out.write_text(f"# Fusion ablation ({args.mode})\n\nindex `{args.index}` · glossary "
                       f"`{args.glossary or 'the index’s'}` · cells: nDCG@10 / Recall@10 / Recall@10 capped at 10 "
                       f"units\n\n{markdown_line(prov)}\n\n{table}\n", encoding="utf-8")
        out.with_suffix(".json").write_text(json.dumps({"provenance": prov, "results": results}, ensure_ascii=False,
                                                       indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
