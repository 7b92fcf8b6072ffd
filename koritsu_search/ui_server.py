"""The web server: the Gradio app mounted beside the read-only source route, on one port.

`serve` fails with a clear message when the port is taken (port 0 picks a free one), so a
second `serve` never silently ends up somewhere else.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import KoritsuError

if TYPE_CHECKING:
    from fastapi import FastAPI

    from .library import Index


def create_server_app(index: Index) -> FastAPI:
    """A FastAPI app: /source/{doc_id} for the indexed files, the Gradio app at /."""
    import gradio as gr
    from fastapi import FastAPI, HTTPException
    from fastapi.responses import FileResponse, HTMLResponse

    from .sources import ROUTE, is_pdf, render_text_source, source_path
    from .ui import build_app, launch_kwargs

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)

    @app.get(ROUTE + "/{doc_id}", include_in_schema=False)
    def source(doc_id: str) -> object:
        path = source_path(index, doc_id)
        if path is None:
            raise HTTPException(status_code=404, detail="no such indexed document")
        headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
        if is_pdf(path):
            return FileResponse(path, media_type="application/pdf", headers=headers,
                                content_disposition_type="inline", filename=path.name)
        title = index.doc_titles.get(doc_id, doc_id)
        return HTMLResponse(render_text_source(path, title), headers=headers)

    blocks = build_app(index).queue(default_concurrency_limit=2, max_size=64)
    return gr.mount_gradio_app(app, blocks, path="", **launch_kwargs())


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
        raise KoritsuError(f"--port {port} is not a port number (1-65535, or 0 for any free port)")
    if port_in_use(host, port):
        raise KoritsuError(
            f"port {port} on {host} is already in use (another koritsu-search serve?). "
            "Stop it, choose another port with --port N, or use --port 0 for any free port."
        )
    return port


@dataclass
class RunningServer:
    """A server started in a background thread (tests, embedding): its URL and how to stop it."""

    url: str
    server: object
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True  # type: ignore[attr-defined]
        self.thread.join(timeout=10)


def _server(index: Index, host: str, port: int) -> object:
    import uvicorn

    config = uvicorn.Config(create_server_app(index), host=host, port=port, log_level="warning",
                            server_header=False)
    return uvicorn.Server(config)


def serve(index: Index, host: str, port: int) -> None:
    """Serve until interrupted (blocking)."""
    _server(index, host, port).run()  # type: ignore[attr-defined]


def start_in_thread(index: Index, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Start the server in a daemon thread and wait until it accepts connections."""
    port = choose_port(host, port)
    server = _server(index, host, port)
    thread = threading.Thread(target=server.run, daemon=True)  # type: ignore[attr-defined]
    thread.start()
    deadline = time.time() + 60
    while not getattr(server, "started", False):
        if time.time() > deadline or not thread.is_alive():
            raise KoritsuError(f"the server on {host}:{port} did not start")
        time.sleep(0.05)
    return RunningServer(f"http://{host}:{port}", server, thread)
