"""The web server: the Gradio app mounted beside the read-only source route, on one port, behind the request guard.

`serve` fails with a clear message when the port is taken (port 0 picks a free one), so a
second `serve` never silently ends up somewhere else. The index is followed: a rebuild is
swapped in without a restart (live.py).
"""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import FrameType
from typing import TYPE_CHECKING

from ..errors import KoritsuError, OptionError
from .guard import ASGIApp, Message, Receive, RequestGuard, Scope, Send, allowed_hosts
from .live import LiveIndex

if TYPE_CHECKING:
    from fastapi import FastAPI

    from ..library import Index


def create_server_app(live: LiveIndex, hosts: frozenset[str]) -> FastAPI:
    """A FastAPI app: /source/{doc_id} for the indexed files, the Gradio app at /, answering to hosts only."""
    import gradio as gr
    from fastapi import FastAPI, HTTPException

    from .layout import build_app, launch_kwargs
    from .sources import ROUTE, source_response

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get(ROUTE + "/{doc_id}", include_in_schema=False)
    def source(doc_id: str) -> object:
        found = source_response(live.current, doc_id)
        if found is None:
            raise HTTPException(status_code=404, detail="no such indexed document")
        return found

    blocks = build_app(live).queue(default_concurrency_limit=2, max_size=64)
    app = gr.mount_gradio_app(app, blocks, path="", **launch_kwargs())
    app.add_middleware(JapanesePage)
    app.add_middleware(RequestGuard, hosts=hosts)
    return app


class JapanesePage:
    """ASGI middleware: the app's HTML page says it is Japanese (Gradio's template says lang="en").
    The attribute is rewritten in place, same length, so Content-Length stays right."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        html = False

        async def send_ja(message: Message) -> None:
            nonlocal html
            if message["type"] == "http.response.start":
                types = [v for k, v in message.get("headers", []) if k.lower() == b"content-type"]
                html = any(t.startswith(b"text/html") for t in types)
            elif html and message["type"] == "http.response.body" and b'lang="en"' in message.get("body", b""):
                message["body"] = message["body"].replace(b'lang="en"', b'lang="ja"', 1)
                html = False
            await send(message)

        await self.app(scope, receive, send_ja)


def port_in_use(host: str, port: int) -> bool:
    """True when something listens on the port. SO_REUSEADDR as the server itself sets it, so a
    port left in TIME_WAIT by a server just stopped is free (a restart must not be refused)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError:
            return True
    return False


def free_port(host: str) -> int:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return int(s.getsockname()[1])


def choose_port(host: str, port: int) -> int:
    """The port to serve on: the one asked for, or any free one for 0; a taken port is an error."""
    if port == 0:
        return free_port(host)
    if not 0 < port < 65536:
        raise OptionError("{port} is not a port number (1-65535, or 0 for any free port)", {"port": port})
    if port_in_use(host, port):
        raise KoritsuError(
            f"port {port} on {host} is already in use (another koritsu-search serve?). "
            "Stop it, or choose another port ({port}; 0 picks any free port).", {"port": None}
        )
    return port


@dataclass
class RunningServer:
    """A server started in a background thread (tests, embedding): its URL, its index and how to stop it."""

    url: str
    server: object
    thread: threading.Thread
    live: LiveIndex

    def stop(self) -> None:
        self.live.stop()
        self.server.should_exit = True  # type: ignore[attr-defined]
        self.thread.join(timeout=10)


def _server(live: LiveIndex, host: str, port: int, allow_hosts: Iterable[str]) -> object:
    import uvicorn

    # Open event streams (every browser tab keeps one) must not hold a shutdown forever.
    config = uvicorn.Config(create_server_app(live, allowed_hosts(host, allow_hosts)), host=host, port=port,
                            log_level="warning", server_header=False, timeout_graceful_shutdown=3)
    return uvicorn.Server(config)


@contextmanager
def _sigterm_as_interrupt() -> Iterator[None]:
    """Stop on SIGTERM as on Ctrl+C. uvicorn shuts down on either and then raises the signal again;
    SIGTERM's default action would end the process without removing its temporary files."""
    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(index: Index, host: str, port: int, allow_hosts: Iterable[str] = ()) -> None:
    """Serve until interrupted (blocking; KeyboardInterrupt on SIGINT or SIGTERM), following rebuilds."""
    live = LiveIndex(index)
    live.watch()
    try:
        with _sigterm_as_interrupt():
            _server(live, host, port, allow_hosts).run()  # type: ignore[attr-defined]
    finally:
        live.stop()


def start_in_thread(index: Index, host: str = "127.0.0.1", port: int = 0, allow_hosts: Iterable[str] = (),
                    watch_seconds: float | None = None) -> RunningServer:
    """Start the server in a daemon thread and wait until it accepts connections."""
    port = choose_port(host, port)
    live = LiveIndex(index)
    if watch_seconds is not None:
        live.watch(watch_seconds)
    server = _server(live, host, port, allow_hosts)
    thread = threading.Thread(target=server.run, daemon=True)  # type: ignore[attr-defined]
    thread.start()
    deadline = time.time() + 60
    while not getattr(server, "started", False):
        if time.time() > deadline or not thread.is_alive():
            raise KoritsuError(f"the server on {host}:{port} did not start")
        time.sleep(0.05)
    return RunningServer(f"http://{host}:{port}", server, thread, live)
