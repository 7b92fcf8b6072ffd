"""Concurrent queries share an encoder pass: each caller gets its own vector, errors reach every caller of the pass."""

from __future__ import annotations

import threading
import time

import numpy as np
import pytest

from koritsu_search.embed.query_batch import QueryBatcher


class Recorder:
    """A run function that takes 50 ms per pass and encodes a sequence as [sum, length]."""

    def __init__(self, fail_on: int | None = None) -> None:
        self.batches: list[list[list[int]]] = []
        self.fail_on = fail_on

    def __call__(self, seqs: list[list[int]]) -> np.ndarray:
        self.batches.append(seqs)
        time.sleep(0.05)
        if self.fail_on is not None and any(self.fail_on in s for s in seqs):
            raise RuntimeError("encoder failed")
        return np.array([[sum(s), len(s)] for s in seqs], dtype=np.float32)


def _concurrently(batcher: QueryBatcher, seqs: list[list[int]]) -> list[object]:
    out: list[object] = [None] * len(seqs)

    def call(i: int) -> None:
        try:
            out[i] = batcher.embed(seqs[i])
        except RuntimeError as exc:
            out[i] = exc

    threads = [threading.Thread(target=call, args=(i,)) for i in range(len(seqs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    return out


def test_alone_a_query_runs_at_once_in_its_own_pass() -> None:
    run = Recorder()
    vector = QueryBatcher(run).embed([1, 2, 3])
    assert vector.tolist() == [6, 3] and run.batches == [[[1, 2, 3]]]


def test_concurrent_callers_share_passes_and_each_gets_its_own_vector() -> None:
    run = Recorder()
    batcher = QueryBatcher(run, max_batch=16)
    seqs = [[i] * (i % 5 + 1) for i in range(12)]
    out = _concurrently(batcher, seqs)
    assert [np.asarray(v).tolist() for v in out] == [[sum(s), len(s)] for s in seqs]
    assert len(run.batches) < len(seqs)  # callers arriving during a pass were taken together
    assert sorted(map(str, (s for b in run.batches for s in b))) == sorted(map(str, seqs))
    assert batcher.sequences == 12 and batcher.passes == len(run.batches)


def test_a_pass_never_exceeds_max_batch() -> None:
    run = Recorder()
    batcher = QueryBatcher(run, max_batch=3)
    out = _concurrently(batcher, [[i] for i in range(10)])
    assert [np.asarray(v).tolist() for v in out] == [[i, 1] for i in range(10)]
    assert max(len(b) for b in run.batches) <= 3


def test_embed_all_returns_rows_in_order() -> None:
    assert QueryBatcher(Recorder()).embed_all([[1], [2, 2], [3, 3, 3]]).tolist() == [[1, 1], [4, 2], [9, 3]]


def test_an_error_reaches_every_caller_of_its_pass_and_the_batcher_goes_on() -> None:
    run = Recorder(fail_on=99)
    batcher = QueryBatcher(run)
    with pytest.raises(RuntimeError, match="encoder failed"):
        batcher.embed([99])
    assert batcher.embed([1]).tolist() == [1, 1]  # not stuck busy after a failure
