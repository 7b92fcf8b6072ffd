"""Running the API: the app each worker process builds from the settings, and uvicorn starting the workers."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..cpus import usable_cpus
from ..errors import KoritsuError, OptionError
from ..web.guard import RequestGuard, allowed_hosts
from .limits import ReadOnlyLimits
from .routes import create_api
from .settings import ENV, MAX_WORKERS, ApiSettings
from .state import ApiState

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..library import Index

FACTORY = "koritsu_search.http_api.serve:app_from_env"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "KORITSU_THREADS")


def build_app(settings: ApiSettings, index: Index | None = None) -> FastAPI:
    """One worker's app: the routes over its own index (opened from the settings in the background,
    or the one given), behind the Host allow-list, the read-only limits and CORS when asked for."""
    from starlette.middleware.cors import CORSMiddleware

    state = ApiState(settings, index)

    @asynccontextmanager
    async def lifespan(app: Any) -> AsyncIterator[None]:
        import anyio.to_thread

        # Requests beyond this many wait their turn (first come, first served) instead of all sharing the
        # core: sharing stretches a long answer by every other one in flight (p95 = 3 x p50 measured).
        anyio.to_thread.current_default_thread_limiter().total_tokens = settings.concurrency
        state.start()
        try:
            yield
        finally:
            state.stop()

    app = create_api(state, lifespan)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(settings.cors_origins), allow_methods=["GET"],
                           allow_headers=[], max_age=600)
    app.add_middleware(ReadOnlyLimits)
    app.add_middleware(RequestGuard, hosts=allowed_hosts(settings.host, settings.allow_hosts),
                       origins=frozenset(settings.cors_origins))
    app.state.api = state
    return app


def app_from_env() -> FastAPI:
    """The factory uvicorn calls in each worker process (the settings come in the environment)."""
    return build_app(ApiSettings.from_env())


def check_settings(settings: ApiSettings) -> None:
    if not 1 <= settings.workers <= MAX_WORKERS:
        raise OptionError(f"{{workers}} is not a number of workers (1-{MAX_WORKERS})", {"workers": settings.workers})
    for origin in settings.cors_origins:
        if not origin.startswith(("http://", "https://")) or origin.count("/") != 2:
            raise OptionError("{cors_origin} is not an origin (scheme://host[:port], no path)", {"cors_origin": origin})


UVICORN: dict[str, Any] = {"log_level": "warning", "server_header": False, "timeout_graceful_shutdown": 3}


def serve_api(settings: ApiSettings) -> None:
    """Serve until interrupted (blocking), with settings.workers processes sharing one socket, each
    following rebuilds of the index."""
    import uvicorn

    check_settings(settings)
    os.environ[ENV] = settings.to_env()  # read by every worker (spawned processes inherit it)
    # The workers share the cores: native thread pools sized for the whole machine in each of them
    # would spin against each other (measured: 137 ms of CPU per request instead of ~50 with 2 workers).
    threads = str(max(1, usable_cpus() // settings.workers))
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, threads)
    uvicorn.run(FACTORY, factory=True, host=settings.host, port=settings.port, workers=settings.workers, **UVICORN)


@dataclass
class RunningApi:
    """An API started in a background thread of this process (tests, embedding): its URL and how to stop it."""

    url: str
    server: Any
    thread: threading.Thread
    state: ApiState

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def start_api_in_thread(settings: ApiSettings, index: Index | None = None, timeout: float = 120,
                        wait_ready: bool = True) -> RunningApi:
    """One worker in a daemon thread, serving the index given (or the settings'); returns once it
    accepts connections and, with wait_ready, once its model is loaded."""
    import uvicorn

    check_settings(settings)
    app = build_app(settings, index)
    server = uvicorn.Server(uvicorn.Config(app, host=settings.host, port=settings.port, **UVICORN))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.time() + timeout
    while not (server.started and (app.state.api.ready or not wait_ready)):
        if time.time() > deadline or not thread.is_alive():
            raise KoritsuError(f"the API on {settings.host}:{settings.port} did not start: {app.state.api.error}")
        time.sleep(0.05)
    return RunningApi(f"http://{settings.host}:{settings.port}", server, thread, app.state.api)
