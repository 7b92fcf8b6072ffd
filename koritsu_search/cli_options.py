"""The command line's options and help: shared option types, enums and readable --help placeholders."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Optional

import typer
from typer.core import TyperArgument, TyperCommand, TyperGroup, TyperOption

if TYPE_CHECKING:
    from typer._click import Context, Parameter


class _PlainArgument(TyperArgument):
    """An argument whose help shows only its name (QUESTION), not a type such as <str>."""

    def display_type_rich(self, ctx: Context) -> str | None:
        return None


class _PlainOption(TyperOption):
    """An option whose help shows its metavar (FILE, N), nothing for a flag, never <bool> or <path>."""

    def display_type_rich(self, ctx: Context) -> str | None:
        if self.is_flag:
            return None
        if self.metavar is not None:
            return self.metavar
        shown = super().display_type_rich(ctx) or ""
        return shown.strip("<>") or None


def _plain(params: list[Parameter]) -> list[Parameter]:
    for p in params:
        if type(p) is TyperArgument:
            p.__class__ = _PlainArgument
        elif type(p) is TyperOption:
            p.__class__ = _PlainOption
    return params


class PlainCommand(TyperCommand):
    """A command whose --help shows readable placeholders."""

    def get_params(self, ctx: Context) -> list[Parameter]:
        return _plain(super().get_params(ctx))


class PlainGroup(TyperGroup):
    """The command group, with readable placeholders in its --help too."""

    def get_params(self, ctx: Context) -> list[Parameter]:
        return _plain(super().get_params(ctx))


DEFAULT_INDEX = Path("indexes/default")
DEFAULT_CORPUS = Path("corpus")


class Format(str, Enum):
    text = "text"
    json = "json"


class OutFormat(str, Enum):
    text = "text"
    json = "json"
    csv = "csv"
    jsonl = "jsonl"
    xlsx = "xlsx"


class Mode(str, Enum):
    hybrid = "hybrid"
    dense = "dense"
    lexical = "lexical"


class Sort(str, Enum):
    relevance = "relevance"
    no = "no"
    ministry = "ministry"


class Group(str, Enum):
    ministry = "ministry"
    section = "section"


IndexOpt = Annotated[Path, typer.Option("--index", "-i", metavar="DIR", help="Index directory.")]
ModelOpt = Annotated[
    Optional[str],
    typer.Option("--model", metavar="NAME", help="Embedding model id or path (default: $KORITSU_MODEL or the bundled multilingual-e5-small)."),
]
FormatOpt = Annotated[Format, typer.Option("--format", "-f", metavar="text|json", help="Output format.")]
OutFormatOpt = Annotated[
    OutFormat,
    typer.Option("--format", "-f", metavar="text|json|csv|jsonl|xlsx",
                 help="Output format: text, JSON, or csv / jsonl / xlsx (ask only; redirect it to a file) for spreadsheets and scripts."),
]
QueriesOpt = Annotated[
    Optional[Path],
    typer.Option("--queries", metavar="FILE", help="Batch: one query per line, or JSON lines with id and query; one JSON line out per query."),
]
ModeOpt = Annotated[Mode, typer.Option("--mode", metavar="hybrid|dense|lexical", help="Retrieval: hybrid, dense or lexical.")]
MinistryOpt = Annotated[
    Optional[list[str]],
    typer.Option("--ministry", metavar="NAME", help="Only these ministries (repeatable; 厚労省 or MHLW work too)."),
]
DocOpt = Annotated[Optional[list[str]], typer.Option("--doc", metavar="DOC", help="Only these documents: id or title (repeatable).")]
SectionOpt = Annotated[Optional[list[str]], typer.Option("--section", metavar="TEXT", help="Only sections containing this text.")]
FieldOpt = Annotated[Optional[list[str]], typer.Option("--field", metavar="COLUMN", help="Only this column, e.g. 目標の達成状況.")]
KindOpt = Annotated[
    Optional[list[str]],
    typer.Option("--kind", metavar="KIND", help="Only this record kind: measure, speech, row, paragraph (or 施策, 発言…)."),
]
NeedOpt = Annotated[
    Optional[list[str]],
    typer.Option("--need", metavar="NEED", help="Only records serving this need (repeatable): a label or id of the "
                 "needs taxonomy, e.g. ひきこもり or dv."),
]
DocKindOpt = Annotated[
    Optional[str],
    typer.Option("--kind", metavar="KIND", help="Force the document kind: measures, plan, minutes, table, generic (default: detected from content)."),
]
PasswordOpt = Annotated[Optional[str], typer.Option("--password", metavar="TEXT", help="Password for encrypted PDFs.")]
NoOcrOpt = Annotated[bool, typer.Option("--no-ocr", help="Do not OCR pages without a text layer (skip scans).")]
MaxFileMbOpt = Annotated[float, typer.Option(
    "--max-file-mb", metavar="MB", min=0,
    help="Skip (and report) files larger than this many MB; 0: no limit.")]
DEFAULT_MAX_FILE_MB = 20.0


def max_file_bytes(mb: float) -> int | None:
    """--max-file-mb in bytes (None for 0: no limit)."""
    return int(mb * 1024 * 1024) if mb > 0 else None


# `index`'s own options.
FaissTypeOpt = Annotated[Optional[str], typer.Option(
    "--faiss-type", metavar="flat|hnsw|ivf", help="flat (exact), hnsw or ivf; default by corpus size.")]
RebuildOpt = Annotated[bool, typer.Option("--rebuild", help="Ignore the existing index and re-embed everything.")]
WaitOpt = Annotated[float, typer.Option("--wait", metavar="SECONDS", min=0,
                                        help="Wait this long for another build of the same index to finish.")]
EngineOpt = Annotated[Optional[str], typer.Option(
    "--engine", metavar="faiss|milvus",
    help="Where the dense and sparse indexes live: faiss (in the index folder, the default) or milvus.")]
UriOpt = Annotated[Optional[str], typer.Option(
    "--uri", metavar="URI", help="Milvus: a Milvus Lite file (./milvus.db, also inside the index folder) or a "
                                 "server (http://host:19530).")]
TokenOpt = Annotated[Optional[str], typer.Option(
    "--token", metavar="TOKEN", help="Milvus: user:password or API key (else $KORITSU_MILVUS_TOKEN); never stored.")]
CollectionOpt = Annotated[Optional[str], typer.Option(
    "--collection", metavar="NAME", help="Milvus: the collections' base name (default: the index folder's name).")]
EmbedOnlyOpt = Annotated[Optional[Path], typer.Option(
    "--embed-only", metavar="DIR",
    help="Only embed: write vector files into DIR (no index) for a later build with --vectors DIR.")]
ShardOpt = Annotated[str, typer.Option(
    "--shard", metavar="K/N", help="With --embed-only: embed only the passages of shard K of N.")]
VectorsOpt = Annotated[Optional[list[Path]], typer.Option(
    "--vectors", metavar="DIR", help="Use the vectors of --embed-only output in DIR instead of embedding (repeatable).")]
GlossaryOpt = Annotated[Optional[str], typer.Option(
    "--glossary", metavar="PATH|default|none",
    help="English → Japanese query glossary (TSV, see koritsu_search/data/README.md): a file, the package's "
         "(default) or none. The index keeps a copy; later runs keep it.")]
NeedsOpt = Annotated[Optional[str], typer.Option(
    "--needs", metavar="PATH|default|none",
    help="Needs taxonomy (TOML, see koritsu_search/data/README.md): callers' words bridged to the documents' "
         "words; a file, the package's (default) or none. The index keeps a copy; later runs keep it.")]

# The library names its options in its errors' fixes; the command line shows its own flags instead.
FLAGS = {
    "password": "--password", "max_bytes": "--max-file-mb", "kind": "--kind", "wait": "--wait",
    "engine": "--engine", "uri": "--uri", "token": "--token", "collection": "--collection",
    "dense_type": "--faiss-type", "model": "--model", "shard": "--shard", "vectors": "--vectors",
    "glossary": "--glossary", "needs": "--needs", "port": "--port", "series": "--series", "k": "--k",
    "include_low": "--include-low", "complete": "--all", "embed_only": "index --embed-only DIR",
    "allow_downloads": "koritsu-search --allow-download COMMAND …",
}


def flag_term(name: str, value: object) -> str:
    """How the command line spells a library option named in an error's fix."""
    if name == "build":
        return f"koritsu-search index --index {value} SOURCES"
    if name == "rebuild":
        return "--rebuild" if value is True else f"koritsu-search index --index {value} --rebuild SOURCES"
    if name == "ocr":
        return "drop --no-ocr" if value else "--no-ocr"
    if name.startswith("filter_"):
        return f"--{name[7:]}"
    flag = FLAGS.get(name, f"--{name.replace('_', '-')}")
    return f"{flag} {value}" if value is not None and flag.startswith("--") else flag
