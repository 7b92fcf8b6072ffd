"""The library's front doors: `build` an index, `Index.open` it, then search it, ask it and look things up.

Everything the CLI, the app and the evaluation do goes through here; errors are `KoritsuError`s
whose fixes name these functions' options (`render(term)` names them another way).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .answer import ask, calibration_for
from .editions import measure_dict
from .embed.base import Embedder
from .errors import (
    EngineError,
    FilterError,
    IndexBusyError,
    IndexLoadError,
    IngestError,
    KoritsuError,
    OptionError,
    QueryError,
)
from .filter_spec import filters_from
from .fusion import FusionConfig
from .glossary import Glossary
from .index.build import BuildOptions, build_index
from .index.build_report import BuildReport
from .index.engines import EngineSpec
from .index.manifest import Manifest
from .index.store import IndexStore
from .ingest import IngestReport, ParseOptions
from .measures import Measure
from .models import Answer, Document, Filters, Hit, Record, Skipped
from .offline import ALLOW_ENV, allow_downloads, stay_offline
from .query import SearchTrace
from .query_file import read_queries
from .search import Searcher

if TYPE_CHECKING:
    from .glossary_gaps import Gap
    from .index.vector_files import EmbedReport

DEFAULT_INDEX = "indexes/default"

__all__ = [
    "Answer", "BuildOptions", "BuildReport", "EngineError", "EngineSpec", "FilterError", "Filters", "Hit", "Index",
    "IndexBusyError", "IndexLoadError", "IngestError", "KoritsuError", "Measure", "OptionError", "ParseOptions",
    "QueryError", "Record", "SearchTrace", "Skipped", "build", "check_kind", "embed_only", "embedder_for",
    "filters_from", "glossary_gaps", "measure_dict", "open_index", "parse", "read_manifest", "read_queries", "ALLOW_ENV",
    "allow_downloads", "stay_offline",
]


def embedder_for(model: str | None = None) -> Callable[[], Embedder]:
    """A factory that loads the model (None: the offline default) only when something must be embedded."""

    def load() -> Embedder:
        from .embed import load_embedder

        return load_embedder(model)

    return load


def build(paths: Iterable[str | Path] | str | Path, index_dir: str | Path = DEFAULT_INDEX,
          options: BuildOptions | None = None, embedder: Embedder | Callable[[], Embedder] | None = None) -> BuildReport:
    """Build or update the index in index_dir from files and folders; only changed text is embedded.

    `embedder` replaces `options.model` (an instance, or a factory called only when needed)."""
    options = options or BuildOptions()
    check_kind(options.parse.kind)
    sources = [paths] if isinstance(paths, (str, Path)) else list(paths)
    if embedder is None:
        from .embed import model_id_for

        return build_index(sources, index_dir, options, embedder_for(options.model), model_id_for(options.model))
    return build_index(sources, index_dir, options, embedder)


def parse(paths: Iterable[str | Path] | str | Path, options: ParseOptions | None = None,
          progress: bool = False) -> IngestReport:
    """What ingestion recovers from files and folders, without an index; one bad file never stops the rest."""
    from .ingest import parse_paths

    options = options or ParseOptions()
    check_kind(options.kind)
    return parse_paths([paths] if isinstance(paths, (str, Path)) else paths, kind=options.kind, password=options.password, progress=progress, ocr=options.ocr,
                       max_bytes=options.max_bytes)


def embed_only(paths: Iterable[str | Path], out_dir: str | Path, shard: str | tuple[int, int] = (0, 1),
               options: ParseOptions | None = None, model: str | None = None, progress: bool = False) -> EmbedReport:
    """Embed one shard ("K/N") of the sources' passages into vector files, for a later build's `vectors`."""
    from .index.vector_files import embed_only as run
    from .index.vector_files import parse_shard

    options = options or ParseOptions()
    check_kind(options.kind)
    part = parse_shard(shard) if isinstance(shard, str) else shard
    return run(paths, out_dir, embedder_for(model), part, kind=options.kind, password=options.password,
               ocr=options.ocr, max_file_bytes=options.max_bytes, progress=progress)


def check_kind(kind: str | None) -> None:
    """OptionError naming the document kinds when kind is not one of them."""
    from .ingest.kinds import doc_kind

    if kind is not None:
        try:
            doc_kind(kind)
        except ValueError as exc:
            raise OptionError(f"{{kind}}: {exc}", {"kind": None}) from None


def read_manifest(index_dir: str | Path = DEFAULT_INDEX) -> dict[str, Any]:
    """An index's manifest as a dict (what built it, with what, from which sources), without opening it."""
    return Manifest.read(Path(index_dir)).to_dict()


def glossary_gaps(index_dir: str | Path = DEFAULT_INDEX, glossary: str | Path | None = None, top: int = 200,
                  min_passages: int = 2) -> list[Gap]:
    """Frequent corpus terms that no glossary entry reaches (term, passages, example), most frequent first."""
    from .glossary_gaps import index_gaps

    return index_gaps(index_dir, glossary, top, min_passages)


class Index:
    """An opened index with its searcher: what the CLI, the app and the evaluation use."""

    def __init__(self, store: IndexStore, embedder: Embedder | Callable[[], Embedder] | None = None,
                 config: FusionConfig | None = None, glossary: Glossary | None = None) -> None:
        self.store = store
        self.searcher = Searcher(store, embedder, config, glossary)
        self._config = config
        self._glossary = glossary

    @classmethod
    def open(cls, path: str | Path = DEFAULT_INDEX, embedder: Embedder | Callable[[], Embedder] | None = None,
             config: FusionConfig | None = None, glossary: Glossary | None = None, model: str | None = None) -> Index:
        """Open and check an index directory; the model is loaded on the first query that needs it.

        `model` names another model than the index's (it must be the one it was built with); an explicit
        fusion config or glossary overrides the one the index was built with (for experiments)."""
        if embedder is None and model is not None:
            embedder = embedder_for(model)
        return cls(IndexStore.open(path, check_fusion=config is None), embedder, config, glossary)

    def reopen(self) -> Index:
        """The same directory opened again (after a rebuild), sharing this index's model and fusion config."""
        return Index(IndexStore.open(self.path, check_fusion=self._config is None), self.searcher.embedder_source,
                     self._config, self._glossary)

    def close(self) -> None:
        """Let the engine go now instead of when the index is garbage collected."""
        self.store.close()

    @property
    def path(self) -> Path:
        return self.store.path

    @property
    def manifest(self) -> Manifest:
        return self.store.manifest

    @property
    def doc_titles(self) -> dict[str, str]:
        return self.store.doc_titles

    @property
    def documents(self) -> list[Document]:
        return self.store.documents

    @property
    def measures(self) -> dict[str, Measure]:
        return self.store.measures

    @property
    def embedder(self) -> Embedder:
        return self.searcher.embedder

    def search(self, query: str, k: int = 10, filters: Filters | None = None, mode: str = "hybrid",
               trace: SearchTrace | None = None) -> list[Hit]:
        """Top-k passages for the query (mode: hybrid, dense or lexical); QueryError for an unusable one."""
        return self.searcher.search(query, k=k, filters=filters, mode=mode, trace=trace)

    def ask(self, question: str, k: int = 10, filters: Filters | None = None, mode: str = "hybrid",
            complete: bool = False, ignore_needs: Collection[str] = (), include_low: bool = False) -> Answer:
        """The question's answer: items above the relevance cut (the first k, or all when complete:
        then only 高 and 中, unless include_low). `ignore_needs`: needs (ids or labels) not to read."""
        return ask(self.searcher, question, k=k, filters=filters, mode=mode, complete=complete,
                   ignore_needs=ignore_needs, include_low=include_low)

    def check_filters(self, filters: Filters) -> Filters:
        """A normalized copy whose every value exists in this index (厚労省 → 厚生労働省); FilterError
        naming close matches otherwise."""
        from .facets import check_filters

        return check_filters(self.store, filters)

    def bands(self) -> tuple[float, float]:
        """The confidence at or above which an item is 高, and 中 (the calibration this index uses)."""
        cal = calibration_for(self.searcher)
        return cal.high, cal.medium

    def warm_up(self) -> None:
        """Load the model and run one question, so that the first real question is as fast as the next."""
        self.ask("孤独・孤立対策の相談窓口", k=1)

    def record(self, record_id: str) -> Record | None:
        return self.store.record(record_id)

    def measure(self, measure_no: int, series: str | None = None) -> Measure | None:
        return self.store.measure(measure_no, series)

    def doc_kind(self, doc_id: str) -> str | None:
        return self.store.doc_kind(doc_id)

    def doc_edition(self, doc_id: str) -> str | None:
        return self.store.doc_edition(doc_id)

    def doc_source(self, doc_id: str) -> tuple[str, int] | None:
        return self.store.doc_source(doc_id)

    def facets(self) -> dict[str, list[str]]:
        return self.store.facets()


def open_index(path: str | Path = DEFAULT_INDEX, embedder: Embedder | Callable[[], Embedder] | None = None,
               config: FusionConfig | None = None, glossary: Glossary | None = None) -> Index:
    """Load an index directory; the model is loaded on the first query that needs it."""
    return Index.open(path, embedder, config, glossary)
