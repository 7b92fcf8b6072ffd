"""Fit the answer confidence model and its cut on the development split only.

Per dev query (judged queries plus the dev half of eval/nonsense.jsonl), every answer unit the
search reaches among its first TOP units is a training row: features from
koritsu_search.confidence, label 1 when the judgments call the unit relevant. The cut is the
highest probability that still keeps TARGET_RECALL of the judged-relevant units of the dev
queries; the high band starts where dev precision reaches HIGH_PRECISION.
Writes koritsu_search/data/confidence.json. Never run this on the held-out split.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from tqdm import tqdm

sys.path.insert(0, str(Path(__file__).resolve().parent))
from evaluate import gains, hit_unit, load_queries

ROOT = Path(__file__).resolve().parent.parent
TOP = 50
TARGET_RECALL = 0.93
HIGH_PRECISION = 0.7
MEDIUM_PRECISION = 0.25
MIN_RATIO = 0.0


def load_nonsense(path: Path, split: str) -> list[dict[str, Any]]:
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [dict(r, relevant_measures=[], core_measures=[], relevant_turns=[], core_turns=[])
            for r in rows if split == "all" or r["split"] == split]


def collect(idx: Any, queries: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[Any]]:
    """Feature rows, labels and query numbers for the first TOP units of each query, and per query
    (its scores, its best passage's share of the question) for the answer model."""
    from koritsu_search.answer import best_match, rank_groups

    xs, ys, qn, per_query = [], [], [], []
    for n, q in enumerate(tqdm(queries, desc="queries", file=sys.stderr)):
        groups, qs = rank_groups(idx.searcher, q["query"])
        per_query.append((qs, best_match(idx.searcher, q["query"], groups[0].hits[0].text) if groups else 0.0))
        g = gains(q)
        for grp in groups[:TOP]:
            xs.append(grp.features)
            ys.append(1.0 if g.get(hit_unit(grp.hits[0]), 0) > 0 else 0.0)
            qn.append(n)
    return np.asarray(xs), np.asarray(ys), np.asarray(qn), per_query


def fit_answer_model(cal: Any, x: np.ndarray, qn: np.ndarray, queries: list[dict[str, Any]], per_query: list[Any]) -> None:
    """Fit P(the question has an answer): judged dev questions (they do) against dev nonsense ones."""
    from koritsu_search.confidence import answer_features, fit_logistic

    p = cal.probability(x)
    rows, labels = [], []
    for n, q in enumerate(queries):
        if not (qn == n).any():
            continue
        qs, match = per_query[n]
        rows.append(answer_features(float(p[qn == n][0]), qs, match))
        labels.append(1.0 if (q.get("relevant_measures") or q.get("relevant_turns")) else 0.0)
    w, b, mean, scale = fit_logistic(np.asarray(rows), np.asarray(labels), balanced=True)
    cal.answer_weights, cal.answer_bias, cal.answer_mean, cal.answer_scale = w, b, mean, scale
    # The threshold: best balanced accuracy on dev, then the middle of the widest gap between questions.
    probs = sorted((cal.answer_probability(r), lab) for r, lab in zip(rows, labels, strict=True))
    pos = [a for a, lab in probs if lab]
    neg = [a for a, lab in probs if not lab]

    def score(i: int) -> tuple[float, float]:
        t = (probs[i][0] + probs[i + 1][0]) / 2
        return (np.mean([a >= t for a in pos]) + np.mean([a < t for a in neg]), probs[i + 1][0] - probs[i][0])

    i = max(range(len(probs) - 1), key=score)
    cal.answer = round((probs[i][0] + probs[i + 1][0]) / 2, 4)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--index", default=str(ROOT / "indexes/default"))
    ap.add_argument("--out", default=str(ROOT / "koritsu_search/data/confidence.json"))
    args = ap.parse_args(argv)

    from koritsu_search import open_index
    from koritsu_search.confidence import ANSWER_FEATURES, FEATURES, Calibration, fit_logistic

    idx = open_index(args.index)
    queries = load_queries(ROOT / "eval/queries.jsonl", "dev") + load_nonsense(ROOT / "eval/nonsense.jsonl", "dev")
    x, y, qn, per_query = collect(idx, queries)
    w, b, mean, scale = fit_logistic(x, y)
    cal = Calibration(weights=w, bias=b, mean=mean, scale=scale, min_ratio=MIN_RATIO)
    p = cal.probability(x)
    pos = np.sort(p[y == 1])
    cut = float(pos[int((1 - TARGET_RECALL) * len(pos))])  # keeps TARGET_RECALL of the relevant units
    high = cut
    for t in np.linspace(cut, 0.99, 200):
        kept = p >= t
        if kept.sum() and y[kept].mean() >= HIGH_PRECISION:
            high = float(t)
            break
    medium = cut
    for t in np.linspace(cut, high, 200):
        band = (p >= t) & (p < high)
        if band.sum() and y[band].mean() >= MEDIUM_PRECISION:
            medium = float(t)
            break
    cal.cut, cal.high, cal.medium = round(cut, 4), round(max(high, cut), 4), round(medium, 4)
    fit_answer_model(cal, x, qn, queries, per_query)
    cal.fitted_on = {
        "split": "dev", "queries": len(queries), "rows": int(len(y)), "relevant_rows": int(y.sum()),
        "model_id": idx.manifest.model_id, "index_passages": len(idx.store.passages), "top_units": TOP,
        "target_recall": TARGET_RECALL, "high_precision": HIGH_PRECISION, "features": list(FEATURES),
    }
    Path(args.out).write_text(json.dumps(cal.to_dict(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    kept = p >= cal.cut
    print(f"dev rows {len(y)} relevant {int(y.sum())}: cut {cal.cut:.3f} keeps {kept[y == 1].mean():.3f} of relevant, "
          f"drops {1 - kept[y == 0].mean():.3f} of non-relevant; bands high ≥ {cal.high:.3f}, medium ≥ {cal.medium:.3f}; "
          f"answered when the best item ≥ {cal.answer:.3f}", file=sys.stderr)
    for name, wt in zip(FEATURES, w, strict=True):
        print(f"  {name:12s} {wt:+.3f}", file=sys.stderr)
    for name, wt in zip(ANSWER_FEATURES, cal.answer_weights, strict=True):
        print(f"  answer {name:12s} {wt:+.3f}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
