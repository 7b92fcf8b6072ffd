"""Progress through one file's parse: a meter the parse stages advance without passing it down every call."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Progress = Callable[[int, int], None]
TICK_EVERY = 1024  # lines (or records) between ticks of a long pass


class Meter:
    """Progress through one file, reported as (done, total) about STEPS times at most.

    The parse runs in stages (reading, the kind's parser, locating records): `stage` gives the
    next one its share of `total` and the number of units (lines) it will `advance` through.
    """

    STEPS = 200

    def __init__(self, report: Progress, total: int) -> None:
        self.report = report
        self.total = max(total, 1)
        self.step = -(-self.total // self.STEPS)
        self.done = 0
        self._start = self._span = 0.0
        self._units = 1
        self._count = 0

    def stage(self, start: float, end: float, units: int) -> None:
        """Start a stage covering the fractions start..end of total, counted in units."""
        self._reach(start)
        self._start, self._span, self._units, self._count = start, end - start, max(units, 1), 0

    def advance(self, n: int) -> None:
        self._count += n
        self._reach(self._start + self._span * min(1.0, self._count / self._units))

    def finish(self) -> None:
        if self.done < self.total:
            self.done = self.total
            self.report(self.total, self.total)

    def _reach(self, fraction: float) -> None:
        done = min(self.total, int(fraction * self.total))
        if done >= self.done + self.step or (done == self.total > self.done):
            self.done = done
            self.report(done, self.total)


_METER: ContextVar[Meter | None] = ContextVar("koritsu_ingest_meter", default=None)


@contextmanager
def metered(meter: Meter | None) -> Iterator[None]:
    """Make meter the one `tick` advances while the block runs."""
    token = _METER.set(meter)
    try:
        yield
    finally:
        _METER.reset(token)


def tick(n: int) -> None:
    """Advance the current file's meter (if any) by n units, e.g. lines read."""
    meter = _METER.get()
    if meter is not None:
        meter.advance(n)
