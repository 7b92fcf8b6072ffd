"""Queries asked at the same time embedded in one pass: whoever finds the encoder free runs everything waiting."""

from __future__ import annotations

import threading
from collections.abc import Callable

import numpy as np

MAX_BATCH = 16  # sequences per pass; beyond ~8 short queries a pass gains little per token


class _Slot:
    __slots__ = ("error", "ids", "vector")

    def __init__(self, ids: list[int]) -> None:
        self.ids = ids
        self.vector: np.ndarray | None = None
        self.error: BaseException | None = None


class QueryBatcher:
    """Concurrent callers' token sequences through one `run(seqs) -> (len(seqs), dim)` call.

    Nobody waits for a batch to fill: a caller that finds the encoder free runs what is waiting at
    once (its own sequence among them); callers that arrive during a pass wait for the next one, which
    takes them all, oldest first. Alone, a caller runs its sequence immediately, as without batching.
    """

    def __init__(self, run: Callable[[list[list[int]]], np.ndarray], max_batch: int = MAX_BATCH) -> None:
        self._run = run
        self._max = max_batch
        self._cv = threading.Condition()
        self._pending: list[_Slot] = []
        self._busy = False
        self.passes = 0  # passes run, and sequences embedded, so far (the benchmark reports the batch size)
        self.sequences = 0

    def embed(self, ids: list[int]) -> np.ndarray:
        return self.embed_all([ids])[0]

    def embed_all(self, seqs: list[list[int]]) -> np.ndarray:
        """The vectors of several sequences, shape (len(seqs), dim), in as few passes as they fit."""
        slots = [_Slot(ids) for ids in seqs]
        with self._cv:
            self._pending.extend(slots)
            while any(s.vector is None and s.error is None for s in slots):
                if self._busy:
                    self._cv.wait()
                else:
                    self._lead()
        for s in slots:
            if s.error is not None:
                raise s.error
        return np.stack([s.vector for s in slots if s.vector is not None])

    def _lead(self) -> None:
        """Run the oldest waiting sequences (called holding the condition, which is released meanwhile)."""
        self._busy = True
        batch, self._pending = self._pending[:self._max], self._pending[self._max:]
        vectors: np.ndarray | None = None
        error: BaseException | None = None
        self._cv.release()
        try:
            vectors = self._run([s.ids for s in batch])
        except BaseException as exc:  # every caller of the pass gets the error, not only the one running it
            error = exc
        finally:
            self._cv.acquire()
        for i, s in enumerate(batch):
            if vectors is not None:
                s.vector = vectors[i]
            else:
                s.error = error
        self.passes += 1
        self.sequences += len(batch)
        self._busy = False
        self._cv.notify_all()
