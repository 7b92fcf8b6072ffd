"""One worker's index: opened, warmed up and then followed in the background; a request before that is told to wait."""

from __future__ import annotations

import logging
import os
import threading
from typing import Any

from ..errors import KoritsuError
from ..library import Index
from ..web.live import LiveIndex
from .problems import Problem, api_message
from .settings import ApiSettings

log = logging.getLogger(__name__)

RETRY_SECONDS = 2


class ApiState:
    """The index a worker serves. Loading runs in a thread so that the worker answers /healthz (and
    503 elsewhere) while the model loads; a rebuilt index is then swapped in as the app does (live.py)."""

    def __init__(self, settings: ApiSettings, index: Index | None = None) -> None:
        self.settings = settings
        self._given = index
        self.live: LiveIndex | None = None
        self.error: str | None = None
        self._ready = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self.load, name="koritsu-api-load", daemon=True)
        self._thread.start()

    def load(self) -> None:
        """Open the index and load the model; the error is kept for /healthz and 503 answers."""
        try:
            index = self._given or Index.open(self.settings.index_dir, model=self.settings.model)
            index.warm_up()
            live = LiveIndex(index)
            live.watch(self.settings.watch_seconds)
            self.live = live
            self._ready.set()
        except KoritsuError as exc:
            self.error = api_message(exc)
            log.error("the API cannot serve %s: %s", self.settings.index_dir, self.error)
        except Exception as exc:  # a worker must say why it cannot answer, not die silently
            self.error = f"{type(exc).__name__}: {exc}"
            log.exception("loading %s failed", self.settings.index_dir)

    def wait(self, timeout: float | None = None) -> bool:
        return self._ready.wait(timeout)

    @property
    def ready(self) -> bool:
        return self._ready.is_set()

    def index(self) -> Index:
        """The index to answer from now (take it once per request); 503 while loading or when it failed."""
        if self.live is None:
            if self.error is not None:
                raise Problem(503, f"the index cannot be served: {self.error}")
            raise Problem(503, "the index and the model are still loading; try again in a few seconds",
                          headers={"Retry-After": str(RETRY_SECONDS)})
        return self.live.current

    def health(self) -> dict[str, Any]:
        """What /healthz reports: ready or not, this worker, the generation and the build it serves."""
        live = self.live
        out: dict[str, Any] = {"status": "ok" if live is not None else ("failed" if self.error else "loading"),
                               "model_ready": live is not None, "worker": os.getpid(), "error": self.error}
        if live is not None:
            index = live.current
            out |= {"generation": live.generation, "last_reload_error": live.last_error,
                    "index": {"path": index.path.name, "updated_at": index.manifest.updated_at,
                              "model": index.manifest.model_id, "documents": len(index.documents),
                              "passages": index.manifest.passage_count}}
        return out

    def stop(self) -> None:
        if self.live is not None:
            self.live.stop()
