"""The koritsu-search command line: a thin layer over the library that turns errors into messages."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any, Optional

import typer

from . import __version__, cli_serve
from . import cli_options as opt
from .cli_options import (
    DEFAULT_CORPUS,
    DEFAULT_INDEX,
    DEFAULT_MAX_FILE_MB,
    Format,
    Group,
    Mode,
    OutFormat,
    PlainCommand,
    PlainGroup,
    Sort,
    flag_term,
    max_file_bytes,
)
from .cli_output import dump, skipped_dicts, skipped_lines, write_answer, write_hits
from .cli_output import fail as _fail
from .cli_output import fail_with as _fail_with
from .cli_output import require_paths as _require_paths
from .library import (
    ALLOW_ENV,
    BuildOptions,
    EngineSpec,
    Filters,
    Index,
    KoritsuError,
    ParseOptions,
    allow_downloads,
    check_kind,
    filters_from,
    measure_dict,
    read_manifest,
    read_queries,
    stay_offline,
)
from .library import build as build_index
from .library import embed_only as run_embed_only
from .library import glossary_gaps as find_glossary_gaps
from .library import parse as parse_documents
from .render import render_documents, render_measure

app = typer.Typer(
    cls=PlainGroup,
    add_completion=False,
    no_args_is_help=True,
    help="Cited semantic search over 孤独・孤立対策 policy documents.",
)

def _filters(ministry: list[str] | None, doc: list[str] | None, section: list[str] | None,
             field: list[str] | None, kind: list[str] | None, need: list[str] | None = None) -> Filters:
    return filters_from({"ministry": ministry, "doc": doc, "section": section, "field": field, "kind": kind,
                         "need": need})


def _version_callback(value: bool) -> None:
    if value:
        typer.echo(f"koritsu-search {__version__}")
        raise typer.Exit()


@app.callback()
def main(
    version: Annotated[bool, typer.Option("--version", callback=_version_callback, is_eager=True, help="Show the version and exit.")] = False,
    allow_download: Annotated[bool, typer.Option(
        "--allow-download", help=f"Let a hub model that is not on disk be downloaded (also ${ALLOW_ENV}=1); offline otherwise.",
    )] = False,
) -> None:
    """Cited semantic search over 孤独・孤立対策 policy documents."""
    if allow_download:
        allow_downloads()
    stay_offline()


@app.command(cls=PlainCommand)
def parse(
    files: Annotated[list[Path], typer.Argument(metavar="FILE", help="PDF or text files, or folders.")],
    kind: opt.DocKindOpt = None,
    password: opt.PasswordOpt = None,
    no_ocr: opt.NoOcrOpt = False,
    max_file_mb: opt.MaxFileMbOpt = DEFAULT_MAX_FILE_MB,
    fmt: opt.FormatOpt = Format.text,
) -> None:
    """Show what ingestion recovers from documents (no index needed)."""
    options = ParseOptions(kind, password, not no_ocr, max_file_bytes(max_file_mb))
    try:
        check_kind(kind)  # an unknown kind is a usage error before any path is looked at
        _require_paths(files)
        report = parse_documents(files, options, progress=sys.stderr.isatty())
    except KoritsuError as exc:
        _fail_with(exc)
    if fmt == Format.json:
        dump({
            "documents": [d.to_dict() for d in report.documents],
            "skipped": skipped_dicts(report.skipped),
            "summary": report.summary(),
        })
    else:
        typer.echo(render_documents(report.documents))
        skipped_lines(report.skipped)
        typer.echo(report.summary(), err=True)
    if not report.documents and report.skipped:
        raise typer.Exit(1)


@app.command(cls=PlainCommand)
def index(
    paths: Annotated[Optional[list[Path]], typer.Argument(metavar="PATH", help="Files or folders to index (default: corpus/).")] = None,
    index_dir: opt.IndexOpt = DEFAULT_INDEX,
    model: opt.ModelOpt = None,
    faiss_type: opt.FaissTypeOpt = None,
    rebuild: opt.RebuildOpt = False,
    kind: opt.DocKindOpt = None,
    password: opt.PasswordOpt = None,
    no_ocr: opt.NoOcrOpt = False,
    max_file_mb: opt.MaxFileMbOpt = DEFAULT_MAX_FILE_MB,
    wait: opt.WaitOpt = 0.0,
    engine: opt.EngineOpt = None,
    uri: opt.UriOpt = None,
    token: opt.TokenOpt = None,
    collection: opt.CollectionOpt = None,
    embed_only: opt.EmbedOnlyOpt = None,
    shard: opt.ShardOpt = "0/1",
    vectors: opt.VectorsOpt = None,
    glossary: opt.GlossaryOpt = None,
    needs: opt.NeedsOpt = None,
    fmt: opt.FormatOpt = Format.text,
) -> None:
    """Build or update an index; unchanged text is never embedded twice."""
    sources = paths or [DEFAULT_CORPUS]
    parse_options = ParseOptions(kind, password, not no_ocr, max_file_bytes(max_file_mb))
    try:
        check_kind(kind)
        _require_paths(sources)
        if embed_only is not None:
            shard_report = run_embed_only(sources, embed_only, shard, parse_options, model, progress=True)
        else:
            options = BuildOptions(parse_options, EngineSpec(engine, uri, token, collection, dense_type=faiss_type),
                                   model, glossary, needs, tuple(vectors or ()), rebuild, wait, progress=True)
            report = build_index(sources, index_dir, options)
    except KoritsuError as exc:
        _fail_with(exc)
    if embed_only is not None:
        if fmt == Format.json:
            dump({**shard_report.__dict__, "skipped": skipped_dicts(shard_report.skipped)})
        else:
            skipped_lines(shard_report.skipped)
            typer.echo(shard_report.summary())
        return
    if fmt == Format.json:
        dump({**report.to_dict(), "skipped": skipped_dicts(report.skipped)})
    else:
        skipped_lines(report.skipped)
        for kept in report.kept_previous:
            typer.echo(f"kept the previously indexed version of {kept}", err=True)
        typer.echo(f"{index_dir}: {report.summary()}")
    if report.documents == 0:
        _fail("no document could be indexed")


def _open(index_dir: Path, model: str | None, filters: Filters) -> tuple[Index, Filters]:
    """The index, and the filters checked against it (a bad value exits 2 naming close matches)."""
    try:
        idx = Index.open(index_dir, model=model)
        return idx, idx.check_filters(filters)
    except KoritsuError as exc:
        _fail_with(exc)


def _batch(command: str, idx: Index, batch: list[tuple[str, str]], k: int, filters: Filters, mode: Mode,
           complete: bool, include_low: bool = False) -> None:
    for qid, q in batch:
        row: dict[str, Any] = {"id": qid, "query": q}
        try:
            if command == "search":
                row["hits"] = [h.to_dict() for h in idx.search(q, k=k, filters=filters, mode=mode.value)]
            else:
                row["answer"] = idx.ask(q, k=k, filters=filters, mode=mode.value, complete=complete,
                                        include_low=include_low).to_dict()
        except KoritsuError as exc:
            row["error"] = exc.render(flag_term)
        typer.echo(json.dumps(row, ensure_ascii=False))


def _check_output(query: str | None, queries: Path | None, command: str, fmt: OutFormat) -> None:
    """Exit 2 for a combination of query and format that cannot be written."""
    if (query is None) == (queries is None):
        _fail("give a query, or --queries FILE (not both)", 2)
    if queries is not None and fmt in (OutFormat.csv, OutFormat.xlsx):
        _fail(f"--queries writes one JSON line per query; --format {fmt.value} takes a single query", 2)
    if fmt == OutFormat.xlsx and command == "search":
        _fail("--format xlsx is for ask (a cited answer); search writes csv or jsonl", 2)
    if fmt == OutFormat.xlsx and sys.stdout.isatty():
        _fail("--format xlsx writes a binary workbook: redirect it to a file (> answer.xlsx)", 2)


def _run(command: str, query: str | None, queries: Path | None, index_dir: Path, model: str | None,
         k: int, filters: Filters, mode: Mode, fmt: OutFormat, complete: bool = False,
         sort: Sort = Sort.relevance, group: Group | None = None, include_low: bool = False) -> None:
    _check_output(query, queries, command, fmt)
    try:
        batch = read_queries(queries) if queries is not None else []
    except KoritsuError as exc:
        _fail_with(exc)
    idx, filters = _open(index_dir, model, filters)
    try:
        if queries is not None:
            _batch(command, idx, batch, k, filters, mode, complete, include_low)
        elif command == "search":
            assert query is not None
            write_hits(idx.search(query, k=k, filters=filters, mode=mode.value), fmt)
        else:
            assert query is not None
            answer = idx.ask(query, k=k, filters=filters, mode=mode.value, complete=complete, include_low=include_low)
            write_answer(answer, idx, fmt, sort, group)
    except KoritsuError as exc:
        _fail_with(exc)


@app.command(cls=PlainCommand)
def search(
    query: Annotated[Optional[str], typer.Argument(metavar="QUERY", help="What to look for.")] = None,
    queries: opt.QueriesOpt = None,
    index_dir: opt.IndexOpt = DEFAULT_INDEX,
    model: opt.ModelOpt = None,
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=1000, metavar="N", help="Number of passages.")] = 10,
    ministry: opt.MinistryOpt = None, doc: opt.DocOpt = None, section: opt.SectionOpt = None,
    field: opt.FieldOpt = None, kind: opt.KindOpt = None, need: opt.NeedOpt = None,
    mode: opt.ModeOpt = Mode.hybrid,
    fmt: opt.OutFormatOpt = OutFormat.text,
) -> None:
    """Ranked passages for a query."""
    _run("search", query, queries, index_dir, model, k, _filters(ministry, doc, section, field, kind, need), mode, fmt)


@app.command(cls=PlainCommand)
def ask(
    question: Annotated[Optional[str], typer.Argument(metavar="QUESTION", help="A question or keywords, Japanese or English.")] = None,
    queries: opt.QueriesOpt = None,
    index_dir: opt.IndexOpt = DEFAULT_INDEX,
    model: opt.ModelOpt = None,
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=200, metavar="N", help="Number of answer items (see --all).")] = 10,
    complete: Annotated[bool, typer.Option("--all", help="Every 高 and 中 item, not only the first N (see --include-low).")] = False,
    include_low: Annotated[bool, typer.Option("--include-low", help="With --all: the 低 items too (everything above the relevance cut).")] = False,
    sort: Annotated[
        Sort, typer.Option("--sort", metavar="relevance|no|ministry", help="Order: relevance, 施策No., or ministry (official order).")
    ] = Sort.relevance,
    group: Annotated[
        Optional[Group], typer.Option("--group", metavar="ministry|section", help="Group the items under ministry or section headings.")
    ] = None,
    ministry: opt.MinistryOpt = None, doc: opt.DocOpt = None, section: opt.SectionOpt = None,
    field: opt.FieldOpt = None, kind: opt.KindOpt = None, need: opt.NeedOpt = None,
    mode: opt.ModeOpt = Mode.hybrid,
    fmt: opt.OutFormatOpt = OutFormat.text,
) -> None:
    """Measures and statements that answer a question, with citations."""
    _run("ask", question, queries, index_dir, model, k, _filters(ministry, doc, section, field, kind, need), mode, fmt,
         complete=complete, sort=sort, group=group, include_low=include_low)


@app.command(cls=PlainCommand)
def measure(
    number: Annotated[int, typer.Argument(metavar="N", help="The 施策No.")],
    index_dir: opt.IndexOpt = DEFAULT_INDEX,
    series: Annotated[
        Optional[str], typer.Option("--series", metavar="NAME", help="The plan, when several plans number their measures.")
    ] = None,
    fmt: opt.FormatOpt = Format.text,
) -> None:
    """One measure across documents: the plan's commitment beside the status report's result, each
    document's editions newest first with what changed marked."""
    try:
        idx = Index.open(index_dir)
        found = idx.measure(number, series=series)
    except KoritsuError as exc:
        _fail_with(exc)
    if found is None:
        numbers = sorted({m.no for m in idx.measures.values()})
        span = f"{numbers[0]}–{numbers[-1]}" if numbers else "none"
        _fail(f"no measure 施策No.{number} in {index_dir} (measures in this index: {span})")
    if fmt == Format.json:
        dump(measure_dict(found))
    else:
        typer.echo(render_measure(found), nl=False)


@app.command(cls=PlainCommand)
def info(index_dir: opt.IndexOpt = DEFAULT_INDEX) -> None:
    """Show an index's manifest."""
    try:
        dump(read_manifest(index_dir))
    except KoritsuError as exc:
        _fail_with(exc)


@app.command("glossary-gaps", cls=PlainCommand)
def glossary_gaps(
    index_dir: opt.IndexOpt = DEFAULT_INDEX,
    glossary: Annotated[Optional[str], typer.Option(
        "--glossary", metavar="PATH|default|none", help="Check against this glossary (default: the index's own).")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="How many terms to list.")] = 200,
    min_passages: Annotated[int, typer.Option("--min-passages", min=1, help="Ignore terms in fewer passages.")] = 2,
    fmt: opt.FormatOpt = Format.text,
) -> None:
    """List frequent corpus terms that no glossary entry reaches (term, passages, example), to extend a glossary."""
    try:
        gaps = find_glossary_gaps(index_dir, glossary, top, min_passages)
    except KoritsuError as exc:
        _fail_with(exc)
    if fmt == Format.json:
        dump([g.__dict__ for g in gaps])
    else:
        for g in gaps:
            typer.echo(f"{g.term}\t{g.passages}\t{g.example}")


app.command(cls=PlainCommand)(cli_serve.serve)
app.command(cls=PlainCommand)(cli_serve.api)
app.command(cls=PlainCommand)(cli_serve.mcp)


if __name__ == "__main__":
    app()
