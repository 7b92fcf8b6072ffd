"""The serving commands: the web app (serve), the JSON HTTP API (api) and the MCP server (mcp)."""

from __future__ import annotations

import contextlib
import sys
import time
from pathlib import Path
from typing import Annotated, Optional

import typer

from . import cli_options as opt
from .cli_options import DEFAULT_CORPUS, DEFAULT_INDEX
from .cli_output import fail_with, require_paths
from .library import BuildOptions, Index, KoritsuError
from .library import build as build_index

HostOpt = Annotated[str, typer.Option("--host", metavar="HOST", help="Address to bind (loopback unless told otherwise).")]
AllowHostOpt = Annotated[Optional[list[str]], typer.Option(
    "--allow-host", metavar="NAME",
    help="Also answer to this Host name (repeatable); loopback names and --host are always allowed.")]


def serve(
    index_dir: opt.IndexOpt = DEFAULT_INDEX,
    corpus: Annotated[
        Path, typer.Option("--corpus", metavar="DIR", help="Corpus to index first if the index does not exist.")
    ] = DEFAULT_CORPUS,
    host: HostOpt = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="PORT", help="Port; a taken port is an error, 0 picks any free port.")] = 7860,
    model: opt.ModelOpt = None,
    allow_hosts: AllowHostOpt = None,
) -> None:
    """Start the web app (builds the index first if it does not exist)."""
    try:
        if not (index_dir / "manifest.json").exists():
            require_paths([corpus])
            typer.echo(f"No index at {index_dir}: building it from {corpus} first.", err=True)
            report = build_index([corpus], index_dir, BuildOptions(model=model, progress=True))
            typer.echo(f"{index_dir}: {report.summary()}", err=True)
        idx = Index.open(index_dir, model=model)
        from .web.server import choose_port
        from .web.server import serve as serve_app

        chosen = choose_port(host, port)
        typer.echo("Loading the embedding model and warming up…", err=True)
        t0 = time.perf_counter()
        idx.warm_up()
        typer.echo(f"Model ready in {time.perf_counter() - t0:.1f} s.", err=True)
        chosen = choose_port(host, chosen)  # the port may have been taken while the model loaded
    except KoritsuError as exc:
        fail_with(exc)
    typer.echo(f"Serving {index_dir} on http://{host}:{chosen} (Ctrl+C to stop; a rebuild of the index is "
               "picked up without a restart)", err=True)
    try:
        serve_app(idx, host, chosen, allow_hosts or ())
    except KeyboardInterrupt:
        typer.echo("Stopped.", err=True)


def api(
    index_dir: opt.IndexOpt = DEFAULT_INDEX,
    host: HostOpt = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="PORT", help="Port; a taken port is an error, 0 picks any free port.")] = 8000,
    workers: Annotated[int, typer.Option("--workers", metavar="N", help="Worker processes (each loads the model; 1-16).")] = 1,
    concurrency: Annotated[int, typer.Option(
        "--concurrency", metavar="N", min=1, max=64,
        help="Requests each worker answers at once (their query embeddings share a pass); the rest wait in order.")] = 4,
    model: opt.ModelOpt = None,
    allow_hosts: AllowHostOpt = None,
    cors_origins: Annotated[Optional[list[str]], typer.Option(
        "--cors-origin", metavar="ORIGIN",
        help="Let pages of this origin (https://intranet.example:8443) call the API from a browser (repeatable); none by default.")] = None,
) -> None:
    """Serve the JSON HTTP API (search, ask, measures, facets, sources; OpenAPI at /openapi.json), following rebuilds."""
    from .http_api.serve import check_settings, serve_api
    from .http_api.settings import ApiSettings
    from .web.server import choose_port

    try:
        Index.open(index_dir, model=model).close()  # a missing or damaged index is reported here, not by each worker
        settings = ApiSettings(str(index_dir.resolve()), model, host, port, workers, tuple(allow_hosts or ()),
                               tuple(o.rstrip("/") for o in cors_origins or ()), concurrency=concurrency)
        check_settings(settings)
        settings = ApiSettings(**{**settings.__dict__, "port": choose_port(host, port)})
    except KoritsuError as exc:
        fail_with(exc)
    typer.echo(f"Serving the API for {index_dir} on http://{host}:{settings.port} with {workers} worker(s) "
               f"(GET /v1/ask?q=…, /healthz, /openapi.json; Ctrl+C to stop; a rebuild is picked up without a restart)",
               err=True)
    try:
        serve_api(settings)
    except KeyboardInterrupt:
        pass
    typer.echo("Stopped.", err=True)


def mcp(index_dir: opt.IndexOpt = DEFAULT_INDEX, model: opt.ModelOpt = None) -> None:
    """Serve the tools search, ask, measure and facets to an assistant over MCP (stdio); messages go to stderr."""
    from .mcp_server import serve_mcp

    try:
        with contextlib.redirect_stdout(sys.stderr):  # stdout is the protocol's channel
            idx = Index.open(index_dir, model=model)
            idx.warm_up()
    except KoritsuError as exc:
        fail_with(exc)
    typer.echo(f"koritsu-search MCP server on stdio for {index_dir} (tools: search, ask, measure, facets)", err=True)
    serve_mcp(idx)
