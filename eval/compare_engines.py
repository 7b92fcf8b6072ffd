"""The same judged queries on the embedded FAISS engine and on Milvus (Lite): same top-10, same nDCG@10?

    python eval/compare_engines.py [--index indexes/default] [--uri DIR/milvus.db]

Copies the FAISS index, turns the copy into a Milvus-backed index with `koritsu-search index
--engine milvus` semantics (every vector reused: nothing is embedded), then runs every query of
eval/queries.jsonl in each mode on both and compares the ranked judged units (measures, speaker
turns, paragraphs) of the top 10. Two lists that differ only where the fused scores tie (within
TIE) count as the same. Writes eval/results/engines.md and engines.json.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate import K_EVAL, K_FETCH, gains, hit_unit, load_queries, rank_units, score
from provenance import markdown_line, provenance

from koritsu_search.library import BuildOptions

ROOT = Path(__file__).resolve().parent.parent
TIE = 1e-4  # fused scores closer than this are a tie (float32 sums in another order)
MODES = ("hybrid", "dense", "lexical")


def _units_with_scores(hits: list[Any]) -> list[tuple[Any, float]]:
    best: dict[Any, float] = {}
    for h in hits:
        best.setdefault(hit_unit(h), h.score)
    return list(best.items())


def same_allowing_ties(a: list[tuple[Any, float]], b: list[tuple[Any, float]], k: int = K_EVAL) -> bool:
    """Equal top-k units, where a unit may stand in for another that ties it (score within TIE) in a."""
    ua, ub = [u for u, _ in a[:k]], [u for u, _ in b[:k]]
    if len(ua) != len(ub):
        return False
    for i, (x, y) in enumerate(zip(ua, ub, strict=True)):
        if x != y and y not in {u for u, s in a if abs(s - a[i][1]) <= TIE}:
            return False
    return True


def compare(faiss_idx: Any, milvus_idx: Any, queries: list[dict[str, Any]], modes: tuple[str, ...] = MODES
            ) -> dict[str, Any]:
    """Per mode and split: nDCG@10 on each engine, top-10 agreement, query times."""
    out: dict[str, Any] = {}
    for mode in modes:
        rows = []
        for q in queries:
            g = gains(q)
            res = {}
            for name, idx in (("faiss", faiss_idx), ("milvus", milvus_idx)):
                t = time.perf_counter()
                hits = idx.search(q["query"], k=K_FETCH, mode=mode)
                ms = (time.perf_counter() - t) * 1000
                res[name] = (_units_with_scores(hits), ms, score(rank_units(hits), g)["ndcg"])
            rows.append({"id": q["id"], "split": q["split"], "lang": q["lang"],
                         "same_top10": same_allowing_ties(res["faiss"][0], res["milvus"][0]),
                         "ndcg_faiss": res["faiss"][2], "ndcg_milvus": res["milvus"][2],
                         "ms_faiss": res["faiss"][1], "ms_milvus": res["milvus"][1],
                         "top10_faiss": [str(u) for u, _ in res["faiss"][0][:K_EVAL]],
                         "top10_milvus": [str(u) for u, _ in res["milvus"][0][:K_EVAL]]})
        by_split: dict[str, Any] = {}
        for split in ("all", *sorted({r["split"] for r in rows})):
            rs = [r for r in rows if split == "all" or r["split"] == split]
            by_split[split] = {
                "n": len(rs), "same_top10": sum(r["same_top10"] for r in rs),
                "ndcg_faiss": statistics.fmean(r["ndcg_faiss"] for r in rs),
                "ndcg_milvus": statistics.fmean(r["ndcg_milvus"] for r in rs),
                "p50_ms_faiss": statistics.median(r["ms_faiss"] for r in rs),
                "p50_ms_milvus": statistics.median(r["ms_milvus"] for r in rs),
            }
        out[mode] = {"splits": by_split, "differences": [r for r in rows if not r["same_top10"]]}
    return out


def milvus_copy(faiss_dir: Path, work: Path, uri: str, corpus: Path) -> Path:
    """A copy of the FAISS index turned into a Milvus-backed one (vectors reused, nothing embedded)."""
    from koritsu_search.index.build import build_index
    from koritsu_search.library import EngineSpec, embedder_for

    target = work / "milvus-index"
    shutil.copytree(faiss_dir, target)
    manifest = json.loads((faiss_dir / "manifest.json").read_text(encoding="utf-8"))
    report = build_index([corpus], target, BuildOptions(engine=EngineSpec("milvus", uri=uri)), embedder=embedder_for(manifest["model_id"]), model_id=manifest["model_id"])
    if report.embedded:
        raise SystemExit(f"the Milvus copy embedded {report.embedded} passages: {faiss_dir} is not current with {corpus}")
    return target


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", type=Path, default=ROOT / "indexes/default")
    ap.add_argument("--corpus", type=Path, default=ROOT / "corpus")
    ap.add_argument("--uri", default=None, help="Milvus URI (default: a Milvus Lite file in a temporary folder)")
    ap.add_argument("--out", type=Path, default=ROOT / "eval/results/engines")
    args = ap.parse_args(argv)
    from koritsu_search import open_index

    with tempfile.TemporaryDirectory(prefix="koritsu-engines-") as tmp:
        work = Path(tmp)
        uri = args.uri or str(work / "milvus.db")
        t = time.perf_counter()
        mdir = milvus_copy(args.index, work, uri, args.corpus)
        build_s = time.perf_counter() - t
        a, b = open_index(args.index), open_index(mdir)
        queries = load_queries(ROOT / "eval/queries.jsonl", "all")
        result = {"build_s": build_s, "uri": "Milvus Lite (temporary file)" if args.uri is None else uri,
                  "faiss": a.store.retrieval.describe(), "milvus": b.store.retrieval.describe(),
                  "modes": compare(a, b, queries), "provenance": provenance(a.searcher.config)}
        result["milvus"].pop("uri", None)
    args.out.with_suffix(".json").write_text(json.dumps(result, ensure_ascii=False, indent=1, default=str) + "\n",
                                             encoding="utf-8")
    lines = ["# The same queries on both engines: embedded FAISS vs Milvus Lite", "",
             markdown_line(result["provenance"]), "",
             f"Command: `python eval/compare_engines.py` ({len(queries)} judged queries of eval/queries.jsonl, every "
             f"split; top {K_FETCH} hits fetched, judged units ranked, top {K_EVAL} compared; ties within {TIE}).",
             f"Milvus copy built from the FAISS index's vectors in {build_s:.1f} s (nothing embedded).", "",
             "| mode | split | queries | same top-10 | nDCG@10 FAISS | nDCG@10 Milvus | Δ | p50 ms FAISS | p50 ms Milvus |",
             "|---|---|---|---|---|---|---|---|---|"]
    for mode, r in result["modes"].items():
        for split, s in r["splits"].items():
            lines.append(f"| {mode} | {split} | {s['n']} | {s['same_top10']}/{s['n']} | {s['ndcg_faiss']:.4f} | "
                         f"{s['ndcg_milvus']:.4f} | {s['ndcg_milvus'] - s['ndcg_faiss']:+.4f} | "
                         f"{s['p50_ms_faiss']:.1f} | {s['p50_ms_milvus']:.1f} |")
    diffs = [(m, d) for m, r in result["modes"].items() for d in r["differences"]]
    lines += ["", f"Queries whose top 10 differ beyond ties: {len(diffs)}."]
    lines += [f"- {m} {d['id']}: FAISS {d['top10_faiss']} / Milvus {d['top10_milvus']}" for m, d in diffs[:20]]
    args.out.with_suffix(".md").write_text("\n".join(lines) + "\n", encoding="utf-8")
    print("\n".join(lines))
    return 0 if not diffs else 1


if __name__ == "__main__":
    sys.exit(main())
