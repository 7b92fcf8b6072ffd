"""Named phases timed into a dict: one helper for a build's phases and a search's legs."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def timed(into: dict[str, float], phase: str, scale: float = 1.0) -> Iterator[None]:
    """Add the time spent in the block to into[phase] (seconds × scale: 1000 for milliseconds)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        into[phase] = into.get(phase, 0.0) + (time.perf_counter() - start) * scale
