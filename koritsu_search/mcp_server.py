"""The MCP server: search, ask, measure and facets as tools over stdio for assistants, every result carrying its citations."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from . import __version__
from .citing import Linker, answer_json, hits_json, measure_json
from .errors import KoritsuError, library_term
from .filter_spec import filter_values, filters_from
from .models import Filters
from .web.sources import source_path

if TYPE_CHECKING:
    from mcp.server.mcpserver import MCPServer

    from .library import Index

INSTRUCTIONS = (
    "Search and cited answers over Japanese government documents on 孤独・孤立対策 (loneliness and isolation "
    "countermeasures): the 重点計画's measures (施策No.), their status reports, and meeting minutes. Quote an answer "
    "with its citation: document title, edition, printed page and the link."
)
MAX_K = 200


def file_linker(index: Index) -> Linker:
    """Links to the indexed file on this machine (file://…#page=N), where the file still exists."""
    def link(doc_id: str, page: int | None, line: int | None, locator: str | None) -> str | None:
        path = source_path(index, doc_id)
        if path is None:
            return None
        uri = Path(path).resolve().as_uri()
        return f"{uri}#page={page}" if page is not None else uri

    return link


def _filters(index: Index, ministry: list[str] | None, doc: list[str] | None, kind: list[str] | None) -> Filters:
    return index.check_filters(filters_from({"ministry": ministry or [], "doc": doc or [], "kind": kind or []}))


def _tool_error(exc: KoritsuError) -> Exception:
    from mcp.server.mcpserver.exceptions import ToolError

    return ToolError(exc.render(lambda name, value: f"the {name[7:]} argument" if name.startswith("filter_") else library_term(name, value)))


def create_mcp(index: Index) -> MCPServer:
    """The server's tools over one opened index (read-only)."""
    from mcp.server.mcpserver import MCPServer
    from mcp_types import ToolAnnotations

    server: MCPServer = MCPServer("koritsu-search", version=__version__, instructions=INSTRUCTIONS, log_level="WARNING")
    read_only = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False)
    link = file_linker(index)

    @server.tool(annotations=read_only)
    def ask(question: str, all: bool = False, k: int = 10, ministry: list[str] | None = None,
            doc: list[str] | None = None, kind: list[str] | None = None,
            sort: Literal["relevance", "no", "ministry"] = "relevance") -> dict[str, Any]:
        """Answer a question (Japanese or English, everyday words or 施策No.) with the measures and statements
        that serve it, each cited: document, edition, page, printed page, 施策No. and name, ministry, speaker,
        the quoted evidence and a link. all=true lists every 高 and 中 item (a complete list) instead of the
        first k. Filters: ministry (府省庁), doc (document id), kind (measure, speech, ...)."""
        try:
            answer = index.ask(question, k=min(max(k, 1), MAX_K), filters=_filters(index, ministry, doc, kind),
                               complete=all)
        except KoritsuError as exc:
            raise _tool_error(exc) from exc
        return answer_json(answer, link, index.bands(), sort)

    @server.tool(annotations=read_only)
    def search(query: str, k: int = 10, ministry: list[str] | None = None, doc: list[str] | None = None,
               kind: list[str] | None = None) -> dict[str, Any]:
        """Ranked passages for a query (hybrid lexical and semantic search), each with its document, page and link."""
        try:
            filters = _filters(index, ministry, doc, kind)
            hits = index.search(query, k=min(max(k, 1), 1000), filters=filters)
        except KoritsuError as exc:
            raise _tool_error(exc) from exc
        return {"query": query, "filters": filter_values(filters), "hits": hits_json(hits, link)}

    @server.tool(annotations=read_only)
    def measure(no: int, series: str | None = None) -> dict[str, Any]:
        """One measure of the plan by its 施策No.: every document's fields (目標, 現状, 課題, 今後の取組方針,
        達成状況) with their pages and links, and every edition with what changed."""
        from mcp.server.mcpserver.exceptions import ToolError

        found = index.measure(no, series=series)
        if found is None:
            numbers = sorted({m.no for m in index.measures.values()})
            span = f"{numbers[0]}–{numbers[-1]}" if numbers else "none"
            raise ToolError(f"no measure 施策No.{no} in this index (measures in this index: {span})")
        return measure_json(found, link)

    @server.tool(annotations=read_only)
    def facets() -> dict[str, Any]:
        """The values each filter can take: ministries, documents (id, title, kind, edition), sections, fields, kinds, needs."""
        f = index.facets()
        docs = [{"doc_id": d, "title": index.doc_titles.get(d, d), "kind": index.doc_kind(d),
                 "edition": index.doc_edition(d)} for d in f["documents"]]
        return {**f, "documents": docs}

    return server


def serve_mcp(index: Index) -> None:
    """Answer MCP requests on stdin/stdout until stdin closes (blocking)."""
    create_mcp(index).run("stdio")
