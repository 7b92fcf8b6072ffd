"""The koritsu-search command line: a thin layer over the library that turns errors into messages."""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from . import __version__
from .errors import KoritsuError
from .models import Filters

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Cited semantic search over 孤独・孤立対策 policy documents.",
)

DEFAULT_INDEX = Path("indexes/default")
DEFAULT_CORPUS = Path("corpus")


class Format(str, Enum):
    text = "text"
    json = "json"


class Mode(str, Enum):
    hybrid = "hybrid"
    dense = "dense"
    lexical = "lexical"


IndexOpt = Annotated[Path, typer.Option("--index", "-i", help="Index directory.")]
ModelOpt = Annotated[
    Optional[str],
    typer.Option("--model", help="Embedding model id or path (default: $KORITSU_MODEL or the bundled multilingual-e5-small)."),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", help="Output format.")]
MinistryOpt = Annotated[Optional[list[str]], typer.Option("--ministry", help="Only these ministries (repeatable).")]
DocOpt = Annotated[Optional[list[str]], typer.Option("--doc", help="Only these document ids (repeatable).")]
SectionOpt = Annotated[Optional[list[str]], typer.Option("--section", help="Only sections containing this text.")]
FieldOpt = Annotated[Optional[list[str]], typer.Option("--field", help="Only this column, e.g. 目標の達成状況.")]
KindOpt = Annotated[Optional[list[str]], typer.Option("--kind", help="Only this record kind: measure, speech, row, paragraph.")]
DocKindOpt = Annotated[
    Optional[str],
    typer.Option("--kind", help="Force the document kind: measures, plan, minutes, table, generic (default: detected from content)."),
]
NoOcrOpt = Annotated[bool, typer.Option("--no-ocr", help="Do not OCR pages without a text layer (skip scans).")]


def _fail(message: str, code: int = 1) -> None:
    typer.echo(f"Error: {message}", err=True)
    raise typer.Exit(code)


def _dump(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=2))


def _filters(ministry: list[str] | None, doc: list[str] | None, section: list[str] | None,
             field: list[str] | None, kind: list[str] | None) -> Filters:
    return Filters(
        ministries=list(ministry or []),
        doc_ids=list(doc or []),
        sections=list(section or []),
        fields=list(field or []),
        kinds=list(kind or []),
    )


def _check_kind(kind: str | None) -> None:
    from .ingest.kinds import doc_kind

    if kind is not None:
        try:
            doc_kind(kind)
        except ValueError as exc:
            _fail(f"--kind: {exc}", 2)


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"koritsu-search {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version.")] = False,
) -> None:
    """Cited semantic search over 孤独・孤立対策 policy documents."""


@app.command()
def parse(
    files: Annotated[list[Path], typer.Argument(help="PDF or text files, or folders.")],
    kind: DocKindOpt = None,
    password: Annotated[Optional[str], typer.Option("--password", help="Password for encrypted PDFs.")] = None,
    no_ocr: NoOcrOpt = False,
    fmt: FormatOpt = Format.text,
) -> None:
    """Show what ingestion recovers from documents (no index needed)."""
    from .ingest import parse_paths
    from .render import render_documents

    _check_kind(kind)
    try:
        report = parse_paths(files, kind=kind, password=password, progress=sys.stderr.isatty(), ocr=not no_ocr)
    except KoritsuError as exc:
        _fail(str(exc))
        return
    if fmt == Format.json:
        _dump({
            "documents": [d.to_dict() for d in report.documents],
            "skipped": [s.to_dict() for s in report.skipped],
            "summary": report.summary(),
        })
    else:
        typer.echo(render_documents(report.documents))
        for s in report.skipped:
            typer.echo(f"skipped {s.source}: {s.reason}", err=True)
        typer.echo(report.summary(), err=True)
    if not report.documents and report.skipped:
        raise typer.Exit(1)


@app.command()
def index(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Files or folders to index (default: corpus/).")] = None,
    index_dir: IndexOpt = DEFAULT_INDEX,
    model: ModelOpt = None,
    faiss_type: Annotated[Optional[str], typer.Option("--faiss-type", help="flat (exact), hnsw or ivf; default by corpus size.")] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Ignore the existing index and re-embed everything.")] = False,
    kind: DocKindOpt = None,
    password: Annotated[Optional[str], typer.Option("--password", help="Password for encrypted PDFs.")] = None,
    no_ocr: NoOcrOpt = False,
    fmt: FormatOpt = Format.text,
) -> None:
    """Build or update an index; unchanged text is never embedded twice."""
    from .pipeline import build_default_index

    _check_kind(kind)
    try:
        report = build_default_index(
            paths or [DEFAULT_CORPUS], index_dir, model=model, faiss_type=faiss_type,
            rebuild=rebuild, kind=kind, password=password, progress=True, ocr=not no_ocr,
        )
    except KoritsuError as exc:
        _fail(str(exc))
        return
    if fmt == Format.json:
        _dump(report.to_dict())
    else:
        for s in report.skipped:
            typer.echo(f"skipped {s.source}: {s.reason}", err=True)
        for s in report.kept_previous:
            typer.echo(f"kept the previously indexed version of {s}", err=True)
        typer.echo(f"{index_dir}: {report.summary()}")
    if report.documents == 0:
        _fail("no document could be indexed")


def _read_queries(path: Path) -> list[tuple[str, str]]:
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8-sig").splitlines(), 1):
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                obj = json.loads(line)
                out.append((str(obj.get("id", n)), str(obj["query"])))
            except (ValueError, KeyError) as exc:
                raise KoritsuError(f"{path}:{n}: not a JSON object with a 'query' ({exc})") from exc
        else:
            out.append((str(n), line.strip()))
    return out


def _run(command: str, query: str | None, queries: Path | None, index_dir: Path, model: str | None,
         k: int, filters: Filters, mode: Mode, fmt: Format) -> None:
    from .index.store import open_index
    from .pipeline import embedder_for
    from .render import render_answer, render_hits

    if (query is None) == (queries is None):
        _fail("give a query, or --queries FILE (not both)", 2)
    try:
        idx = open_index(index_dir, embedder=embedder_for(model) if model else None)
        if queries is not None:
            batch = _read_queries(queries)
            for qid, q in batch:
                row: dict[str, Any] = {"id": qid, "query": q}
                try:
                    if command == "search":
                        row["hits"] = [h.to_dict() for h in idx.search(q, k=k, filters=filters, mode=mode.value)]
                    else:
                        row["answer"] = idx.ask(q, k=k, filters=filters, mode=mode.value).to_dict()
                except KoritsuError as exc:
                    row["error"] = str(exc)
                typer.echo(json.dumps(row, ensure_ascii=False))
            return
        assert query is not None
        if command == "search":
            hits = idx.search(query, k=k, filters=filters, mode=mode.value)
            if fmt == Format.json:
                _dump([h.to_dict() for h in hits])
            else:
                typer.echo(render_hits(hits))
        else:
            answer = idx.ask(query, k=k, filters=filters, mode=mode.value)
            if fmt == Format.json:
                _dump(answer.to_dict())
            else:
                typer.echo(render_answer(answer, color=sys.stdout.isatty()))
    except KoritsuError as exc:
        _fail(str(exc))


@app.command()
def search(
    query: Annotated[Optional[str], typer.Argument(help="What to look for.")] = None,
    queries: Annotated[Optional[Path], typer.Option("--queries", help="Batch: one query per line, or JSON lines with id and query.")] = None,
    index_dir: IndexOpt = DEFAULT_INDEX,
    model: ModelOpt = None,
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=1000, help="Number of passages.")] = 10,
    ministry: MinistryOpt = None, doc: DocOpt = None, section: SectionOpt = None,
    field: FieldOpt = None, kind: KindOpt = None,
    mode: Annotated[Mode, typer.Option("--mode", help="hybrid, dense or lexical.")] = Mode.hybrid,
    fmt: FormatOpt = Format.text,
) -> None:
    """Ranked passages for a query."""
    _run("search", query, queries, index_dir, model, k, _filters(ministry, doc, section, field, kind), mode, fmt)


@app.command()
def ask(
    question: Annotated[Optional[str], typer.Argument(help="A question or keywords, Japanese or English.")] = None,
    queries: Annotated[Optional[Path], typer.Option("--queries", help="Batch: one question per line, or JSON lines with id and query.")] = None,
    index_dir: IndexOpt = DEFAULT_INDEX,
    model: ModelOpt = None,
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=200, help="Number of answer items.")] = 10,
    ministry: MinistryOpt = None, doc: DocOpt = None, section: SectionOpt = None,
    field: FieldOpt = None, kind: KindOpt = None,
    mode: Annotated[Mode, typer.Option("--mode", help="hybrid, dense or lexical.")] = Mode.hybrid,
    fmt: FormatOpt = Format.text,
) -> None:
    """Measures and statements that answer a question, with citations."""
    _run("ask", question, queries, index_dir, model, k, _filters(ministry, doc, section, field, kind), mode, fmt)


@app.command()
def measure(
    number: Annotated[int, typer.Argument(help="The 施策No.")],
    index_dir: IndexOpt = DEFAULT_INDEX,
    series: Annotated[Optional[str], typer.Option("--series", help="The plan, when several plans number their measures.")] = None,
    fmt: FormatOpt = Format.text,
) -> None:
    """One measure across documents: the plan's commitment beside the status report's result."""
    from .index.store import open_index
    from .render import render_measure

    try:
        idx = open_index(index_dir)
        found = idx.measure(number, series=series)
    except KoritsuError as exc:
        _fail(str(exc))
        return
    if found is None:
        numbers = sorted({m.no for m in idx.measures.values()})
        span = f"{numbers[0]}–{numbers[-1]}" if numbers else "none"
        _fail(f"no measure 施策No.{number} in {index_dir} (measures in this index: {span})")
        return
    if fmt == Format.json:
        _dump(found.to_dict())
    else:
        typer.echo(render_measure(found), nl=False)


@app.command()
def info(index_dir: IndexOpt = DEFAULT_INDEX) -> None:
    """Show an index's manifest."""
    from .index.manifest import Manifest

    try:
        _dump(Manifest.read(index_dir).to_dict())
    except KoritsuError as exc:
        _fail(str(exc))


@app.command()
def serve(
    index_dir: IndexOpt = DEFAULT_INDEX,
    corpus: Annotated[Path, typer.Option("--corpus", help="Corpus to index first if the index does not exist.")] = DEFAULT_CORPUS,
    host: Annotated[str, typer.Option("--host", help="Address to bind (loopback unless told otherwise).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="Port (default: 7860 or the next free one).")] = 7860,
    model: ModelOpt = None,
) -> None:
    """Start the web app (builds the index first if it does not exist)."""
    from .index.store import open_index
    from .pipeline import build_default_index, embedder_for

    try:
        if not (index_dir / "manifest.json").exists():
            typer.echo(f"No index at {index_dir}: building it from {corpus} first.", err=True)
            report = build_default_index([corpus], index_dir, model=model, progress=True)
            typer.echo(f"{index_dir}: {report.summary()}", err=True)
        idx = open_index(index_dir, embedder=embedder_for(model) if model else None)
    except KoritsuError as exc:
        _fail(str(exc))
        return
    from .ui import launch

    launch(idx, host=host, port=port)


if __name__ == "__main__":
    app()
