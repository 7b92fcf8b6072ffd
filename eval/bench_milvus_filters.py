"""Spot check of filtered search on a Milvus-backed synthetic index (after eval/bench_scale.py build).

    python eval/bench_scale.py build --workdir W --n 100000 --kinds flat --engine milvus
    python eval/bench_milvus_filters.py --workdir W --kind flat [--queries 20]

Opens W/index-milvus-<kind> with the stub embedder of bench_scale (the judged queries' real vectors)
and times search (k=10) for each filter case of bench_scale, on the first --queries judged queries
(one untimed pass, one timed), under the engine's scope rule (a filter leaving at most
EXACT_FILTER_UP_TO rows is scored in the project; a larger one is a Milvus expression). Prints one
JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_scale import FILTERS, StubEmbedder


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--kind", default="flat")
    ap.add_argument("--queries", type=int, default=20)
    args = ap.parse_args()
    import koritsu_search.index.milvus.search as milvus_search
    from koritsu_search import Index
    from koritsu_search.index.manifest import Manifest
    from koritsu_search.models import Filters
    from koritsu_search.search import clean_query

    work = Path(args.workdir)
    path = work / f"index-milvus-{args.kind}"
    judged = json.loads((work / "judged.json").read_text(encoding="utf-8"))[: args.queries]
    qvecs = np.load(work / "judged_vectors.npy")
    texts = [clean_query(q["query"]) for q in judged]
    manifest = Manifest.read(path)
    idx = Index.open(path, embedder=StubEmbedder(dict(zip(texts, qvecs, strict=False)), manifest.model_id,
                                                  manifest.dim))
    out = {"n": manifest.passage_count, "kind": args.kind, "queries": len(texts),
           "exact_filter_up_to": milvus_search.EXACT_FILTER_UP_TO, "cases": []}
    for label, f in [("unfiltered", {}), *FILTERS]:
        filters = Filters(**f) if f else None
        rows = len(idx.store.passages) if filters is None else int(idx.store.passages.select_mask(filters).sum())
        for q in texts:  # untimed pass
            idx.search(q, k=10, filters=filters)
        lat = []
        for q in texts:
            t = time.perf_counter()
            idx.search(q, k=10, filters=filters)
            lat.append((time.perf_counter() - t) * 1000)
        out["cases"].append({"filter": label, "rows": rows, "p50_ms": statistics.median(lat), "max_ms": max(lat)})
        print(f"{label} ({rows:,} rows) | p50 {statistics.median(lat):.1f} ms | max {max(lat):.1f} ms",
              file=sys.stderr, flush=True)
    idx.close()
    print(json.dumps(out, ensure_ascii=False))


if __name__ == "__main__":
    main()
