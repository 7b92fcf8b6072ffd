"""The library's entry point: open an index, then search it, ask it and look things up in it."""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path

from .answer import ask, calibration_for
from .embed.base import Embedder
from .fusion import FusionConfig
from .glossary import Glossary
from .index.manifest import Manifest
from .index.store import IndexStore
from .linking import Measure
from .models import Answer, Document, Filters, Hit, Record
from .search import Searcher, SearchTrace


class Index:
    """An opened index with its searcher: what the CLI, the app and the evaluation use."""

    def __init__(self, store: IndexStore, embedder: Embedder | Callable[[], Embedder] | None = None,
                 config: FusionConfig | None = None, glossary: Glossary | None = None) -> None:
        self.store = store
        self.searcher = Searcher(store, embedder, config, glossary)
        self._config = config
        self._glossary = glossary

    @classmethod
    def open(cls, path: str | Path = "indexes/default", embedder: Embedder | Callable[[], Embedder] | None = None,
             config: FusionConfig | None = None, glossary: Glossary | None = None) -> Index:
        """Open and check an index directory; the model is loaded on the first query that needs it.

        An explicit fusion config or glossary overrides the one the index was built with (for experiments)."""
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

    def search(self, query: object, k: object = 10, filters: Filters | None = None, mode: object = "hybrid",
               trace: SearchTrace | None = None) -> list[Hit]:
        """Top-k passages for the query (mode: hybrid, dense or lexical)."""
        return self.searcher.search(query, k=k, filters=filters, mode=mode, trace=trace)

    def ask(self, question: object, k: object = 10, filters: Filters | None = None, mode: object = "hybrid",
            complete: bool = False, ignore_needs: Collection[str] = (), include_low: bool = False) -> Answer:
        """The question's answer: items above the relevance cut (the first k, or all when complete:
        then only 高 and 中, unless include_low). `ignore_needs`: needs (ids or labels) not to read."""
        return ask(self.searcher, question, k=k, filters=filters, mode=mode, complete=complete,
                   ignore_needs=ignore_needs, include_low=include_low)

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


def open_index(path: str | Path = "indexes/default", embedder: Embedder | Callable[[], Embedder] | None = None,
               config: FusionConfig | None = None, glossary: Glossary | None = None) -> Index:
    """Load an index directory; the model is loaded on the first query that needs it."""
    return Index.open(path, embedder, config, glossary)
