"""The API's endpoints: GET only, JSON answers with linked citations, errors as JSON with the library's messages."""

from __future__ import annotations

import logging
from typing import Annotated, Any, Literal

import orjson
from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from .. import __version__
from ..citing import answer_json, hits_json, measure_json
from ..errors import KoritsuError
from ..filter_spec import filter_values, filters_from
from ..library import Index
from ..models import Filters
from ..web.sources import ROUTE as APP_SOURCES
from ..web.sources import source_response, source_url
from .problems import Problem, problem_of
from .schema import AskResult, ErrorResult, Facets, SearchResult
from .state import ApiState

log = logging.getLogger(__name__)

SOURCES = "/v1/sources"
MAX_SEARCH_K = 1000
MAX_ASK_K = 200
Mode = Literal["hybrid", "dense", "lexical"]
FilterParam = Annotated[list[str], Query(description="Filter value (repeatable; several values of one filter: any of them)")]
ERRORS: dict[int | str, dict[str, Any]] = {code: {"model": ErrorResult, "description": text} for code, text in (
    (400, "A bad parameter (an unknown filter value names its close matches)"),
    (503, "The index or the model is loading, or cannot be served"))}


def json_response(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json",
                    headers={"Cache-Control": "no-store", **(headers or {})})


def linker(request: Request) -> Any:
    """Links to this server's copy of each cited document, at the cited page, line or place."""
    base = str(request.base_url).rstrip("/") + SOURCES

    def link(doc_id: str, page: int | None, line: int | None, locator: str | None) -> str:
        return base + source_url(doc_id, page, line, locator)[len(APP_SOURCES):]

    return link


def _filters(index: Index, ministry: list[str], doc: list[str], section: list[str], field: list[str],
             kind: list[str], need: list[str]) -> Filters:
    picked = {"ministry": ministry, "doc": doc, "section": section, "field": field, "kind": kind, "need": need}
    return index.check_filters(filters_from(picked))


def add_error_handlers(app: FastAPI) -> None:
    """Every error as {"error": {"status", "message", …}}: library errors, bad parameters, unknown paths, crashes."""

    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> Response:
        return json_response(exc.body(), exc.status, exc.headers)

    @app.exception_handler(KoritsuError)
    async def on_library_error(request: Request, exc: KoritsuError) -> Response:
        p = problem_of(exc)
        return json_response(p.body(), p.status)

    @app.exception_handler(RequestValidationError)
    async def on_bad_parameter(request: Request, exc: RequestValidationError) -> Response:
        parts = [f"{'.'.join(str(x) for x in e.get('loc', ())[1:]) or 'request'}: {e.get('msg', 'invalid')}"
                 for e in exc.errors()]
        return json_response(Problem(400, "; ".join(parts), {"type": "ParameterError"}).body(), 400)

    @app.exception_handler(StarletteHTTPException)
    async def on_http_error(request: Request, exc: StarletteHTTPException) -> Response:
        return json_response(Problem(exc.status_code, str(exc.detail)).body(), exc.status_code,
                             dict(exc.headers or {}))

    @app.exception_handler(Exception)
    async def on_crash(request: Request, exc: Exception) -> Response:
        log.exception("%s failed", request.url.path)
        return json_response(Problem(500, "internal error; the server log has the details").body(), 500)


def create_api(state: ApiState, lifespan: Any = None) -> FastAPI:
    """The API's FastAPI app over one worker's state (the hardening middleware is added by serve.py)."""
    app = FastAPI(title="koritsu-search API", version=__version__, docs_url=None, redoc_url=None,
                  openapi_url="/openapi.json", lifespan=lifespan,
                  description="Cited search and answers over 孤独・孤立対策 policy documents. Read-only, GET only.")
    add_error_handlers(app)

    @app.get("/healthz", summary="Ready or loading; this worker, its index generation and build",
             responses={503: {"description": "Still loading, or the index cannot be served"}})
    def healthz() -> Response:
        health = state.health()
        return json_response(health, 200 if health["model_ready"] else 503)

    @app.get("/v1/search", response_model=SearchResult, responses=ERRORS, summary="Ranked passages for a query")
    def search(request: Request, q: Annotated[str, Query(description="What to look for")],
               k: Annotated[int, Query(ge=1, le=MAX_SEARCH_K)] = 10, mode: Mode = "hybrid",
               ministry: FilterParam = [], doc: FilterParam = [], section: FilterParam = [],  # noqa: B006
               field: FilterParam = [], kind: FilterParam = [], need: FilterParam = []) -> Response:  # noqa: B006
        index, generation = _current(state)
        filters = _filters(index, ministry, doc, section, field, kind, need)
        hits = index.search(q, k=k, filters=filters, mode=mode)
        return json_response({"query": q, "mode": mode, "filters": _plain(filters), "generation": generation,
                              "hits": hits_json(hits, linker(request))})

    @app.get("/v1/ask", response_model=AskResult, responses=ERRORS,
             summary="A cited answer: the app's cut, bands, needs and complete lists")
    def ask(request: Request, q: Annotated[str, Query(description="A question or keywords, Japanese or English")],
            k: Annotated[int, Query(ge=1, le=MAX_ASK_K, description="Items (unless all=true)")] = 10,
            all: Annotated[bool, Query(description="Every 高 and 中 item, as the app lists them")] = False,
            include_low: Annotated[bool, Query(description="With all=true: the 低 items too")] = False,
            sort: Literal["relevance", "no", "ministry"] = "relevance",
            group: Literal["ministry", "section"] | None = None, mode: Mode = "hybrid",
            ignore_need: Annotated[list[str], Query(description="A need read from the question not to use (id or label)")] = [],  # noqa: B006
            ministry: FilterParam = [], doc: FilterParam = [], section: FilterParam = [],  # noqa: B006
            field: FilterParam = [], kind: FilterParam = [], need: FilterParam = []) -> Response:  # noqa: B006
        index, generation = _current(state)
        filters = _filters(index, ministry, doc, section, field, kind, need)
        answer = index.ask(q, k=k, filters=filters, mode=mode, complete=all, ignore_needs=ignore_need,
                           include_low=include_low)
        data = answer_json(answer, linker(request), index.bands(), sort, group)
        data["generation"] = generation
        return json_response(data)

    @app.get("/v1/measures/{no}", responses={**ERRORS, 404: {"model": ErrorResult, "description": "No such measure"}},
             summary="One measure: every document's fields and pages, every edition with what changed")
    def measure(request: Request, no: int, series: str | None = None) -> Response:
        index, generation = _current(state)
        found = index.measure(no, series=series)
        if found is None:
            numbers = sorted({m.no for m in index.measures.values()})
            span = f"{numbers[0]}–{numbers[-1]}" if numbers else "none"
            raise Problem(404, f"no measure 施策No.{no} in this index (measures in this index: {span})")
        return json_response(measure_json(found, linker(request)) | {"generation": generation})

    @app.get("/v1/facets", response_model=Facets, responses=ERRORS, summary="The values each filter can take")
    def facets() -> Response:
        index, generation = _current(state)
        f = index.facets()
        docs = [{"doc_id": d, "title": index.doc_titles.get(d, d), "kind": index.doc_kind(d),
                 "edition": index.doc_edition(d)} for d in f["documents"]]
        return json_response({**f, "documents": docs, "generation": generation})

    @app.get(SOURCES + "/{doc_id}", responses={404: {"model": ErrorResult, "description": "No such indexed document"}},
             summary="The cited file, as the app serves it (a PDF as it is; other files as escaped, addressable lines)")
    def source(doc_id: str) -> Response:
        index, _ = _current(state)
        found = source_response(index, doc_id)
        if found is None:
            raise Problem(404, f"no indexed document {doc_id!r} (or its file is gone); /v1/facets lists the documents")
        return found

    return app


def _current(state: ApiState) -> tuple[Index, int]:
    """The index for this request, taken once, and its generation (503 while loading)."""
    live = state.live
    generation = live.generation if live is not None else 0  # read first: a swap in between is the newer one
    return state.index(), generation


def _plain(filters: Filters) -> dict[str, list[str]]:
    return filter_values(filters)

