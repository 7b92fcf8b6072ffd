"""Warm search (or ask) latency: every judged query, hybrid, k=10, after a warm-up; p50 and p95 in ms.

    python eval/bench_warm.py --index indexes/default [--call ask] [--rounds 3] [--out eval/results/warm_search.jsonl]

Query embedding is included (it is most of a warm search). Run one measurement at a time: two
processes share the 2 cores' thread pools and slow each other down.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--index", default="indexes/default")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--label", default="")
    ap.add_argument("--call", choices=("search", "ask"), default="search", help="time idx.search or idx.ask (k=10)")
    ap.add_argument("--out", default=None, help="append a JSON line with the result")
    args = ap.parse_args(argv)
    from koritsu_search import open_index

    queries = [json.loads(line)["query"] for line in Path(__file__).with_name("queries.jsonl").read_text(
        encoding="utf-8").splitlines() if line.strip()]
    idx = open_index(args.index)
    call = idx.search if args.call == "search" else idx.ask
    for q in queries[:20]:  # warm-up: model, caches, synonym and unit tables
        call(q, k=10)
    times = []
    for _ in range(args.rounds):
        for q in queries:
            t = time.perf_counter()
            call(q, k=10)
            times.append((time.perf_counter() - t) * 1000)
    a = np.asarray(times)
    result = {"label": args.label, "call": args.call, "index": args.index, "queries": len(queries), "searches": len(times),
              "p50_ms": round(float(np.percentile(a, 50)), 2), "p95_ms": round(float(np.percentile(a, 95)), 2),
              "mean_ms": round(float(a.mean()), 2), "date": time.strftime("%Y-%m-%d %H:%M")}
    print(json.dumps(result))
    if args.out:
        with open(args.out, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
