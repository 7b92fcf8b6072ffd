"""The koritsu-search command line: a thin layer over the library that turns errors into messages."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn, Optional

import typer

from . import __version__
from .cli_options import (
    DEFAULT_CORPUS,
    DEFAULT_INDEX,
    DEFAULT_MAX_FILE_MB,
    DocKindOpt,
    DocOpt,
    FieldOpt,
    Format,
    FormatOpt,
    Group,
    IndexOpt,
    KindOpt,
    MaxFileMbOpt,
    MinistryOpt,
    Mode,
    ModelOpt,
    ModeOpt,
    NeedOpt,
    NoOcrOpt,
    OutFormat,
    OutFormatOpt,
    PasswordOpt,
    PlainCommand,
    PlainGroup,
    QueriesOpt,
    SectionOpt,
    Sort,
    max_file_bytes,
)
from .errors import KoritsuError, QueryError
from .filter_spec import filters_from
from .models import Filters
from .offline import ALLOW_ENV, allow_downloads, stay_offline

if TYPE_CHECKING:
    from .library import Index
    from .models import Answer


app = typer.Typer(
    cls=PlainGroup,
    add_completion=False,
    no_args_is_help=True,
    help="Cited semantic search over 孤独・孤立対策 policy documents.",
)

def _fail(message: str, code: int = 1) -> NoReturn:
    for line in message.splitlines() or [""]:
        typer.echo(f"Error: {line}", err=True)
    raise typer.Exit(code)


def _fail_with(exc: KoritsuError) -> NoReturn:
    """The library's error as a message; a bad query or filter is a usage error (exit 2)."""
    _fail(str(exc), 2 if isinstance(exc, QueryError) else 1)


def _require_paths(paths: list[Path]) -> None:
    """Exit 2 with one line when a path given on the command line is missing or unreadable."""
    for p in paths:
        if not p.exists():
            _fail(f"{p}: no such file", 2)
        if not os.access(p, os.R_OK):
            _fail(f"{p}: not readable (permission denied)", 2)


def _dump(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=2))


def _filters(ministry: list[str] | None, doc: list[str] | None, section: list[str] | None,
             field: list[str] | None, kind: list[str] | None, need: list[str] | None = None) -> Filters:
    return filters_from({"ministry": ministry, "doc": doc, "section": section, "field": field, "kind": kind,
                         "need": need})


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
    kind: DocKindOpt = None,
    password: PasswordOpt = None,
    no_ocr: NoOcrOpt = False,
    max_file_mb: MaxFileMbOpt = DEFAULT_MAX_FILE_MB,
    fmt: FormatOpt = Format.text,
) -> None:
    """Show what ingestion recovers from documents (no index needed)."""
    from .ingest import parse_paths
    from .render import render_documents

    _check_kind(kind)
    _require_paths(files)
    try:
        report = parse_paths(files, kind=kind, password=password, progress=sys.stderr.isatty(), ocr=not no_ocr,
                             max_bytes=max_file_bytes(max_file_mb))
    except KoritsuError as exc:
        _fail_with(exc)
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


@app.command(cls=PlainCommand)
def index(
    paths: Annotated[Optional[list[Path]], typer.Argument(metavar="PATH", help="Files or folders to index (default: corpus/).")] = None,
    index_dir: IndexOpt = DEFAULT_INDEX,
    model: ModelOpt = None,
    faiss_type: Annotated[
        Optional[str],
        typer.Option("--faiss-type", metavar="flat|hnsw|ivf", help="flat (exact), hnsw or ivf; default by corpus size."),
    ] = None,
    rebuild: Annotated[bool, typer.Option("--rebuild", help="Ignore the existing index and re-embed everything.")] = False,
    kind: DocKindOpt = None,
    password: PasswordOpt = None,
    no_ocr: NoOcrOpt = False,
    max_file_mb: MaxFileMbOpt = DEFAULT_MAX_FILE_MB,
    wait: Annotated[float, typer.Option("--wait", metavar="SECONDS", min=0,
                                        help="Wait this long for another build of the same index to finish.")] = 0.0,
    engine: Annotated[Optional[str], typer.Option(
        "--engine", metavar="faiss|milvus",
        help="Where the dense and sparse indexes live: faiss (in the index folder, the default) or milvus.")] = None,
    uri: Annotated[Optional[str], typer.Option(
        "--uri", metavar="URI", help="Milvus: a Milvus Lite file (./milvus.db) or a server (http://host:19530).")] = None,
    token: Annotated[Optional[str], typer.Option(
        "--token", metavar="TOKEN", help="Milvus: user:password or API key (else $KORITSU_MILVUS_TOKEN); never stored.")] = None,
    collection: Annotated[Optional[str], typer.Option(
        "--collection", metavar="NAME", help="Milvus: the collections' base name (default: the index folder's name).")] = None,
    embed_only: Annotated[Optional[Path], typer.Option(
        "--embed-only", metavar="DIR",
        help="Only embed: write vector files into DIR (no index) for a later build with --vectors DIR.")] = None,
    shard: Annotated[str, typer.Option(
        "--shard", metavar="K/N", help="With --embed-only: embed only the passages of shard K of N.")] = "0/1",
    vectors: Annotated[Optional[list[Path]], typer.Option(
        "--vectors", metavar="DIR", help="Use the vectors of --embed-only output in DIR instead of embedding (repeatable).")] = None,
    glossary: Annotated[Optional[str], typer.Option(
        "--glossary", metavar="PATH|default|none",
        help="English → Japanese query glossary (TSV, see koritsu_search/data/README.md): a file, the package's "
             "(default) or none. The index keeps a copy; later runs keep it.")] = None,
    needs: Annotated[Optional[str], typer.Option(
        "--needs", metavar="PATH|default|none",
        help="Needs taxonomy (TOML, see koritsu_search/data/README.md): callers' words bridged to the documents' "
             "words; a file, the package's (default) or none. The index keeps a copy; later runs keep it.")] = None,
    fmt: FormatOpt = Format.text,
) -> None:
    """Build or update an index; unchanged text is never embedded twice."""
    from .index.engine_spec import EngineSpec
    from .pipeline import build_default_index

    _check_kind(kind)
    _require_paths(paths or [DEFAULT_CORPUS])
    if embed_only is not None:
        _embed_only(paths or [DEFAULT_CORPUS], embed_only, model, shard, kind, password, no_ocr, max_file_mb, fmt)
        return
    spec = EngineSpec(engine, uri, token, collection)
    try:
        report = build_default_index(
            paths or [DEFAULT_CORPUS], index_dir, model=model, faiss_type=faiss_type,
            rebuild=rebuild, kind=kind, password=password, progress=True, ocr=not no_ocr, wait=wait,
            max_file_bytes=max_file_bytes(max_file_mb), engine=spec, vectors_from=vectors or (),
            glossary=glossary, needs=needs,
        )
    except KoritsuError as exc:
        _fail_with(exc)
    if fmt == Format.json:
        _dump(report.to_dict())
    else:
        for s in report.skipped:
            typer.echo(f"skipped {s.source}: {s.reason}", err=True)
        for kept in report.kept_previous:
            typer.echo(f"kept the previously indexed version of {kept}", err=True)
        typer.echo(f"{index_dir}: {report.summary()}")
    if report.documents == 0:
        _fail("no document could be indexed")


def _embed_only(paths: list[Path], out: Path, model: str | None, shard: str, kind: str | None,
                password: str | None, no_ocr: bool, max_file_mb: float, fmt: Format) -> None:
    from .index.vector_files import embed_only, parse_shard
    from .pipeline import embedder_for

    try:
        report = embed_only(paths, out, embedder_for(model), parse_shard(shard), kind=kind, password=password,
                            ocr=not no_ocr, max_file_bytes=max_file_bytes(max_file_mb), progress=True)
    except KoritsuError as exc:
        _fail_with(exc)
    if fmt == Format.json:
        _dump({**report.__dict__, "skipped": [s.to_dict() for s in report.skipped]})
    else:
        for s in report.skipped:
            typer.echo(f"skipped {s.source}: {s.reason}", err=True)
        typer.echo(report.summary())


def _read_queries(path: Path) -> list[tuple[str, str]]:
    """(id, query) pairs from a batch file (UTF-8, or UTF-16/32 with a BOM); a missing, unreadable,
    binary or malformed file exits 2. Undecodable bytes and lone surrogates become U+FFFD, so one
    bad row never stops the batch."""
    from .ingest.lines import wide_encoding

    try:
        data = path.read_bytes()
    except FileNotFoundError:
        _fail(f"{path}: no such file", 2)
    except IsADirectoryError:
        _fail(f"{path}: is a directory, not a file of queries", 2)
    except OSError as exc:
        _fail(f"{path}: cannot read ({exc.strerror or exc})", 2)
    wide = wide_encoding(data)
    if wide is not None:
        text = data.decode(wide[0], "replace")
    else:
        text = _whole(data.decode("utf-8-sig", "surrogateescape"))
    if "\x00" in text or text.count("\ufffd") > max(8, len(text) // 10):
        _fail(f"{path}: not a text file of queries (UTF-8, or UTF-16 with a BOM)", 2)
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                obj = json.loads(line)
                out.append((_whole(str(obj.get("id", n))), _whole(str(obj["query"]))))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                _fail(f"{path}:{n}: not a JSON object with a 'query' ({exc})", 2)
        else:
            out.append((str(n), line.strip()))
    return out


def _whole(text: str) -> str:
    """text with surrogate pairs joined and every lone surrogate replaced by U+FFFD (printable as UTF-8)."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")


def _open(index_dir: Path, model: str | None, filters: Filters) -> tuple[Index, Filters]:
    """The index, and the filters checked against it (a bad value exits 2 naming close matches)."""
    from .facets import check_filters
    from .library import open_index
    from .pipeline import embedder_for

    try:
        idx = open_index(index_dir, embedder=embedder_for(model) if model else None)
        return idx, check_filters(idx, filters)
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
            row["error"] = str(exc)
        typer.echo(json.dumps(row, ensure_ascii=False))


def _color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _answer_out(answer: Answer, idx: Index, fmt: OutFormat, sort: Sort, group: Group | None) -> None:
    from .export import export_meta, meta_line, write_csv, write_jsonl, write_xlsx
    from .listing import group_items, sort_items
    from .render import render_answer

    if answer.needs and fmt != OutFormat.json:
        read = " / ".join(n["label"] for n in answer.needs)
        typer.echo(f"ご相談の内容 (needs read from the question): {read}", err=True)
    if answer.measure_no is not None and fmt != OutFormat.json:
        typer.echo(f"施策No.{answer.measure_no} (named in the question) first", err=True)
    if answer.implied_ministries and fmt != OutFormat.json:
        typer.echo(f"filters from the question: {'・'.join(answer.implied_ministries)} (boosted, not filtered)", err=True)
    if answer.folded_low and fmt != OutFormat.json:
        typer.echo(f"関連の低い候補 {answer.folded_low}件 not listed (--include-low lists them)", err=True)
    order = sort_items(answer.items, sort.value)
    if fmt == OutFormat.json:
        data = answer.to_dict()
        data["items"] = [i.to_dict() for i in order]
        data["sort"] = sort.value
        if group is not None:
            data["groups"] = [{"label": label, "record_ids": [i.record_id for i in members]}
                              for label, members in group_items(order, group.value)]
        _dump(data)
    elif fmt in (OutFormat.csv, OutFormat.jsonl, OutFormat.xlsx):
        if not answer.confident:
            typer.echo("no confident match: the export has no items (--format text shows the nearest)", err=True)
        meta = export_meta(answer, idx.path, idx.manifest.model_id)
        meta["sort"] = sort.value
        if fmt == OutFormat.csv:
            typer.echo(meta_line(meta), err=True)  # the CSV's first row is its header
            write_csv(answer, sys.stdout, order)
        elif fmt == OutFormat.jsonl:
            write_jsonl(answer, sys.stdout, meta, order)
        else:
            sys.stdout.flush()
            write_xlsx(answer, sys.stdout.buffer, meta, order)
            sys.stdout.buffer.flush()
        sys.stdout.flush()
    else:
        typer.echo(render_answer(answer, color=_color(), sort=sort.value, group=group.value if group else None), nl=False)


def _run(command: str, query: str | None, queries: Path | None, index_dir: Path, model: str | None,
         k: int, filters: Filters, mode: Mode, fmt: OutFormat, complete: bool = False,
         sort: Sort = Sort.relevance, group: Group | None = None, include_low: bool = False) -> None:
    from .export import write_hits_csv, write_hits_jsonl
    from .render import render_hits

    if (query is None) == (queries is None):
        _fail("give a query, or --queries FILE (not both)", 2)
    if queries is not None and fmt in (OutFormat.csv, OutFormat.xlsx):
        _fail(f"--queries writes one JSON line per query; --format {fmt.value} takes a single query", 2)
    if fmt == OutFormat.xlsx and command == "search":
        _fail("--format xlsx is for ask (a cited answer); search writes csv or jsonl", 2)
    if fmt == OutFormat.xlsx and sys.stdout.isatty():
        _fail("--format xlsx writes a binary workbook: redirect it to a file (> answer.xlsx)", 2)
    batch = _read_queries(queries) if queries is not None else []
    idx, filters = _open(index_dir, model, filters)
    try:
        if queries is not None:
            _batch(command, idx, batch, k, filters, mode, complete, include_low)
        elif command == "search":
            assert query is not None
            hits = idx.search(query, k=k, filters=filters, mode=mode.value)
            if fmt == OutFormat.json:
                _dump([h.to_dict() for h in hits])
            elif fmt == OutFormat.csv:
                write_hits_csv(hits, sys.stdout)
            elif fmt == OutFormat.jsonl:
                write_hits_jsonl(hits, sys.stdout)
            else:
                typer.echo(render_hits(hits))
        else:
            assert query is not None
            answer = idx.ask(query, k=k, filters=filters, mode=mode.value, complete=complete, include_low=include_low)
            _answer_out(answer, idx, fmt, sort, group)
    except KoritsuError as exc:
        _fail_with(exc)


@app.command(cls=PlainCommand)
def search(
    query: Annotated[Optional[str], typer.Argument(metavar="QUERY", help="What to look for.")] = None,
    queries: QueriesOpt = None,
    index_dir: IndexOpt = DEFAULT_INDEX,
    model: ModelOpt = None,
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=1000, metavar="N", help="Number of passages.")] = 10,
    ministry: MinistryOpt = None, doc: DocOpt = None, section: SectionOpt = None,
    field: FieldOpt = None, kind: KindOpt = None, need: NeedOpt = None,
    mode: ModeOpt = Mode.hybrid,
    fmt: OutFormatOpt = OutFormat.text,
) -> None:
    """Ranked passages for a query."""
    _run("search", query, queries, index_dir, model, k, _filters(ministry, doc, section, field, kind, need), mode, fmt)


@app.command(cls=PlainCommand)
def ask(
    question: Annotated[Optional[str], typer.Argument(metavar="QUESTION", help="A question or keywords, Japanese or English.")] = None,
    queries: QueriesOpt = None,
    index_dir: IndexOpt = DEFAULT_INDEX,
    model: ModelOpt = None,
    k: Annotated[int, typer.Option("--k", "-k", min=1, max=200, metavar="N", help="Number of answer items (see --all).")] = 10,
    complete: Annotated[bool, typer.Option("--all", help="Every 高 and 中 item, not only the first N (see --include-low).")] = False,
    include_low: Annotated[bool, typer.Option("--include-low", help="With --all: the 低 items too (everything above the relevance cut).")] = False,
    sort: Annotated[
        Sort, typer.Option("--sort", metavar="relevance|no|ministry", help="Order: relevance, 施策No., or ministry (official order).")
    ] = Sort.relevance,
    group: Annotated[
        Optional[Group], typer.Option("--group", metavar="ministry|section", help="Group the items under ministry or section headings.")
    ] = None,
    ministry: MinistryOpt = None, doc: DocOpt = None, section: SectionOpt = None,
    field: FieldOpt = None, kind: KindOpt = None, need: NeedOpt = None,
    mode: ModeOpt = Mode.hybrid,
    fmt: OutFormatOpt = OutFormat.text,
) -> None:
    """Measures and statements that answer a question, with citations."""
    _run("ask", question, queries, index_dir, model, k, _filters(ministry, doc, section, field, kind, need), mode, fmt,
         complete=complete, sort=sort, group=group, include_low=include_low)


@app.command(cls=PlainCommand)
def measure(
    number: Annotated[int, typer.Argument(metavar="N", help="The 施策No.")],
    index_dir: IndexOpt = DEFAULT_INDEX,
    series: Annotated[
        Optional[str], typer.Option("--series", metavar="NAME", help="The plan, when several plans number their measures.")
    ] = None,
    fmt: FormatOpt = Format.text,
) -> None:
    """One measure across documents: the plan's commitment beside the status report's result."""
    from .library import open_index
    from .render import render_measure

    try:
        idx = open_index(index_dir)
        found = idx.measure(number, series=series)
    except KoritsuError as exc:
        _fail_with(exc)
    if found is None:
        numbers = sorted({m.no for m in idx.measures.values()})
        span = f"{numbers[0]}–{numbers[-1]}" if numbers else "none"
        _fail(f"no measure 施策No.{number} in {index_dir} (measures in this index: {span})")
    if fmt == Format.json:
        _dump(found.to_dict())
    else:
        typer.echo(render_measure(found), nl=False)


@app.command(cls=PlainCommand)
def info(index_dir: IndexOpt = DEFAULT_INDEX) -> None:
    """Show an index's manifest."""
    from .index.manifest import Manifest

    try:
        _dump(Manifest.read(index_dir).to_dict())
    except KoritsuError as exc:
        _fail_with(exc)


@app.command("glossary-gaps", cls=PlainCommand)
def glossary_gaps(
    index_dir: IndexOpt = DEFAULT_INDEX,
    glossary: Annotated[Optional[str], typer.Option(
        "--glossary", metavar="PATH|default|none", help="Check against this glossary (default: the index's own).")] = None,
    top: Annotated[int, typer.Option("--top", min=1, help="How many terms to list.")] = 200,
    min_passages: Annotated[int, typer.Option("--min-passages", min=1, help="Ignore terms in fewer passages.")] = 2,
    fmt: FormatOpt = Format.text,
) -> None:
    """List frequent corpus terms that no glossary entry reaches (term, passages, example), to extend a glossary."""
    from .glossary_gaps import index_gaps

    try:
        gaps = index_gaps(index_dir, glossary, top, min_passages)
    except KoritsuError as exc:
        _fail_with(exc)
    if fmt == Format.json:
        _dump([g.__dict__ for g in gaps])
    else:
        for g in gaps:
            typer.echo(f"{g.term}\t{g.passages}\t{g.example}")


@app.command(cls=PlainCommand)
def serve(
    index_dir: IndexOpt = DEFAULT_INDEX,
    corpus: Annotated[
        Path, typer.Option("--corpus", metavar="DIR", help="Corpus to index first if the index does not exist.")
    ] = DEFAULT_CORPUS,
    host: Annotated[str, typer.Option("--host", metavar="HOST", help="Address to bind (loopback unless told otherwise).")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", metavar="PORT", help="Port; a taken port is an error, 0 picks any free port.")] = 7860,
    model: ModelOpt = None,
    allow_hosts: Annotated[Optional[list[str]], typer.Option(
        "--allow-host", metavar="NAME",
        help="Also answer to this Host name (repeatable); loopback names and --host are always allowed.")] = None,
) -> None:
    """Start the web app (builds the index first if it does not exist)."""
    from .library import open_index
    from .pipeline import build_default_index, embedder_for

    try:
        if not (index_dir / "manifest.json").exists():
            _require_paths([corpus])
            typer.echo(f"No index at {index_dir}: building it from {corpus} first.", err=True)
            report = build_default_index([corpus], index_dir, model=model, progress=True)
            typer.echo(f"{index_dir}: {report.summary()}", err=True)
        idx = open_index(index_dir, embedder=embedder_for(model) if model else None)
        from .web.server import choose_port
        from .web.server import serve as serve_app

        chosen = choose_port(host, port)
        typer.echo("Loading the embedding model and warming up…", err=True)
        t0 = time.perf_counter()
        idx.warm_up()
        typer.echo(f"Model ready in {time.perf_counter() - t0:.1f} s.", err=True)
        chosen = choose_port(host, chosen)  # the port may have been taken while the model loaded
    except KoritsuError as exc:
        _fail_with(exc)
        return
    typer.echo(f"Serving {index_dir} on http://{host}:{chosen} (Ctrl+C to stop; a rebuild of the index is "
               "picked up without a restart)", err=True)
    try:
        serve_app(idx, host, chosen, allow_hosts or ())
    except KeyboardInterrupt:
        typer.echo("Stopped.", err=True)


if __name__ == "__main__":
    app()
