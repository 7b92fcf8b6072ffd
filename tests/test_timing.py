"""Named phases: one helper times a build's phases and a search's legs."""

from __future__ import annotations

import time
from pathlib import Path

from koritsu_search.index.build import PHASES
from koritsu_search.library import Index, SearchTrace, build
from koritsu_search.timing import timed

from helpers import MINUTES_TXT, FakeEmbedder


def test_timed_adds_the_block_s_time_to_its_phase_even_when_it_raises() -> None:
    into: dict[str, float] = {"a": 1.0}
    with timed(into, "a", 1000):
        time.sleep(0.02)
    assert 1.0 + 15 <= into["a"] < 1.0 + 1000  # added to what was there, in milliseconds
    try:
        with timed(into, "b"):
            raise ValueError("boom")
    except ValueError:
        pass
    assert 0 <= into["b"] < 1


def test_a_build_reports_each_named_phase_and_a_search_each_leg(tmp_path: Path) -> None:
    report = build([MINUTES_TXT], tmp_path / "idx", embedder=FakeEmbedder())
    assert set(report.seconds) == {"total", *PHASES}
    assert sum(report.seconds[p] for p in PHASES) <= report.seconds["total"]
    idx = Index.open(tmp_path / "idx", embedder=FakeEmbedder())
    assert set(idx.manifest.build["seconds"]) == {"read", "cut", "segment", "embed", "tag"}  # written in "write"
    trace = SearchTrace()
    idx.search("孤独・孤立対策について", k=3, trace=trace)
    assert {"filter", "segment", "embed", "dense", "bm25", "fusion"} <= set(trace.timings_ms)
    assert "faiss" not in trace.timings_ms  # the legs are named for what they do, not for one engine
