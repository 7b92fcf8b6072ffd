"""Open an index directory: check its manifest and load passages, vectors, FAISS and BM25."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from ..embed.base import Embedder, is_embedder
from ..errors import IndexLoadError, QueryError
from ..linking import Measure, collect_measures, edition_of
from ..models import Answer, Document, Filters, Hit, Passage, Record
from .lexical import LexicalIndex
from .manifest import Manifest
from .vectors import load_faiss, set_search_params

if TYPE_CHECKING:
    from ..search import SearchTrace

DOCUMENTS_FILE = "documents.jsonl"
PASSAGES_FILE = "passages.jsonl"
TERMS_FILE = "terms.jsonl"
VECTORS_FILE = "vectors.npy"


def write_jsonl(path: Path, rows: Iterable[Any]) -> None:
    with open(path, "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False))
            fh.write("\n")


def read_jsonl(path: Path) -> Iterator[Any]:
    with open(path, encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                yield json.loads(line)


def recover_swap(index_dir: Path) -> None:
    """If a crash fell between the two renames of a swap, put the previous index back."""
    if index_dir.exists() or not index_dir.parent.exists():
        return
    olds = sorted(index_dir.parent.glob(f".{index_dir.name}.old-*"))
    if olds:
        os.replace(olds[-1], index_dir)


class Index:
    """A loaded index: the object the CLI, the UI and the evaluation use."""

    def __init__(self, path: Path, embedder: Embedder | Callable[[], Embedder] | None = None) -> None:
        self.path = path
        self.manifest = Manifest.read(path)
        self.manifest.check(path)
        try:
            self.documents = [Document.from_dict(d) for d in read_jsonl(path / DOCUMENTS_FILE)]
            self.passages = [Passage.from_dict(p) for p in read_jsonl(path / PASSAGES_FILE)]
            self.terms: list[list[str]] = list(read_jsonl(path / TERMS_FILE))
            self.vectors = np.load(path / VECTORS_FILE, mmap_mode="r")
            self.faiss = load_faiss(path)
            self.lexical = LexicalIndex.load(path, len(self.passages))
        except (OSError, ValueError, RuntimeError) as exc:
            raise IndexLoadError(
                f"{path} is incomplete or damaged ({exc}). "
                f"Rebuild it with: koritsu-search index --index {path} --rebuild"
            ) from exc
        if len(self.passages) != self.manifest.passage_count or self.vectors.shape[0] != len(self.passages):
            raise IndexLoadError(
                f"{path} is inconsistent: manifest says {self.manifest.passage_count} passages, found "
                f"{len(self.passages)} passages and {self.vectors.shape[0]} vectors. "
                f"Rebuild it with: koritsu-search index --index {path} --rebuild"
            )
        set_search_params(self.faiss, self.manifest.faiss_type, self.manifest.faiss_params)
        self.records: dict[str, Record] = {r.record_id: r for d in self.documents for r in d.records}
        rows: dict[str, list[int]] = {}
        for i, p in enumerate(self.passages):
            for m in p.ministries:
                rows.setdefault(m, []).append(i)
        # Row ids of each ministry's passages, for queries that name a ministry.
        self.ministry_rows: dict[str, np.ndarray] = {m: np.array(r, dtype=np.int64) for m, r in rows.items()}
        self.doc_titles = {d.doc_id: d.title for d in self.documents}
        self._doc_kinds = {d.doc_id: d.kind for d in self.documents}
        self._editions = {d.doc_id: edition_of(d) for d in self.documents}
        self._sources = {d.doc_id: (d.source, d.pages) for d in self.documents}
        self._measures: dict[str, Measure] | None = None
        self._embedder_source = embedder
        is_instance = is_embedder(embedder)
        self._embedder: Embedder | None = embedder if is_instance else None  # type: ignore[assignment]
        self._lock = threading.Lock()
        if self._embedder is not None:
            self._check_model(self._embedder)

    def _check_model(self, embedder: Embedder) -> None:
        self.manifest.check(self.path, model_id=embedder.model_id)

    @property
    def embedder(self) -> Embedder:
        """The query embedder, loaded on first use and checked against the manifest."""
        with self._lock:
            if self._embedder is None:
                src = self._embedder_source
                if src is None:
                    from ..embed import load_embedder

                    emb = load_embedder(self.manifest.model_id)
                else:
                    emb = src()  # type: ignore[operator]
                self._check_model(emb)
                self._embedder = emb
            return self._embedder

    def search(
        self,
        query: str,
        k: int = 10,
        filters: Filters | None = None,
        mode: str = "hybrid",
        trace: SearchTrace | None = None,
    ) -> list[Hit]:
        """Top-k passages for the query (mode: hybrid, dense or lexical)."""
        from ..search import search

        return search(self, query, k=k, filters=filters, mode=mode, trace=trace)

    def ask(
        self, question: str, k: int = 10, filters: Filters | None = None, mode: str = "hybrid",
        complete: bool = False,
    ) -> Answer:
        """The question's answer: items above the relevance cut (the first k, or all when complete)."""
        from ..answer import ask

        return ask(self, question, k=k, filters=filters, mode=mode, complete=complete)

    def warm_up(self) -> None:
        """Load the model and run one question, so that the first real question is as fast as the next."""
        self.ask("孤独・孤立対策の相談窓口", k=1)

    def record(self, record_id: str) -> Record | None:
        return self.records.get(record_id)

    @property
    def measures(self) -> dict[str, Measure]:
        """Every measure by key, each with its documents' entries (plan beside status)."""
        if self._measures is None:
            self._measures = collect_measures(self.documents)
        return self._measures

    def measure(self, measure_no: int, series: str | None = None) -> Measure | None:
        """The measure numbered measure_no (in the plan series given when several share it)."""
        found = [m for m in self.measures.values() if m.no == measure_no
                 and (series is None or m.key.startswith(f"{series}#"))]
        if len(found) > 1:
            keys = ", ".join(m.key.rsplit("#", 1)[0] for m in found)
            raise QueryError(f"施策No.{measure_no} exists in several plans ({keys}); name one with series=")
        return found[0] if found else None

    def doc_kind(self, doc_id: str) -> str | None:
        return self._doc_kinds.get(doc_id)

    def doc_edition(self, doc_id: str) -> str | None:
        return self._editions.get(doc_id)

    def doc_source(self, doc_id: str) -> tuple[str, int] | None:
        """The indexed file of a document (its source path as indexed) and its page count."""
        return self._sources.get(doc_id)

    def facets(self) -> dict[str, list[str]]:
        """The values each filter can take, for menus."""
        ministries: dict[str, None] = {}
        sections: dict[str, None] = {}
        fields: dict[str, None] = {}
        kinds: dict[str, None] = {}
        for p in self.passages:
            for m in p.ministries:
                ministries[m] = None
            for s in p.section:
                sections[s] = None
            if p.field:
                fields[p.field] = None
            kinds[p.kind] = None
        return {
            "ministries": sorted(ministries),
            "documents": [d.doc_id for d in self.documents],
            "sections": list(sections),
            "fields": list(fields),
            "kinds": list(kinds),
        }


def open_index(path: str | Path = "indexes/default", embedder: Embedder | Callable[[], Embedder] | None = None) -> Index:
    """Load an index directory; the model is loaded on the first query that needs it."""
    p = Path(path)
    recover_swap(p)
    if not p.exists():
        raise IndexLoadError(f"no index at {p}. Build it with: koritsu-search index --index {p}")
    return Index(p, embedder)
