"""An index that follows its directory: a finished rebuild is opened in the background and swapped in between requests."""

from __future__ import annotations

import logging
import threading

from ..errors import KoritsuError
from ..index.manifest import manifest_signature
from ..library import Index

log = logging.getLogger(__name__)

WATCH_SECONDS = 1.0  # how often the server looks at the manifest (one stat call)


class LiveIndex:
    """The index being served. Each request takes `current` once and uses that one throughout, so a
    swap never mixes two indexes in one answer; the old one is released when its last request ends."""

    def __init__(self, index: Index) -> None:
        self._index = index
        # The build the index was opened from: one swapped in since is picked up by the first check.
        self._seen = index.store.signature
        self.generation = 0
        self.last_error: str | None = None
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def current(self) -> Index:
        return self._index

    def check(self) -> bool:
        """Open the index again if its directory holds a new build; True when it was swapped in.

        A new build that cannot be opened (damaged, another model) is reported in last_error and
        the one being served stays."""
        with self._lock:
            sig = manifest_signature(self._index.path)
            if sig is None or sig == self._seen:
                return False
            try:
                fresh = self._index.reopen()
            except KoritsuError as exc:
                self._seen = sig  # do not retry the same files every second; a new build changes sig
                self.last_error = str(exc)
                log.error("kept serving the previous index: %s", exc)
                return False
            self._index, self._seen = fresh, fresh.store.signature
            self.generation += 1
            self.last_error = None
            log.info("serving the rebuilt index %s (generation %d)", fresh.path, self.generation)
            return True

    def watch(self, interval: float = WATCH_SECONDS) -> None:
        """Check in a background thread every interval seconds until stop()."""
        if self._thread is not None:
            return

        def loop() -> None:
            while not self._stop.wait(interval):
                try:
                    self.check()
                except Exception:  # the watcher must outlive any one bad build
                    log.exception("checking %s for a new build failed", self._index.path)

        self._thread = threading.Thread(target=loop, name="koritsu-index-watch", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None
