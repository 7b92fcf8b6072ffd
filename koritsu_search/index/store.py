"""An index directory on disk: write its files, open and check them, and look up what they hold."""

from __future__ import annotations

import dataclasses
import functools
import json
import threading
import zipfile
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from ..editions import ordered_entries
from ..errors import IndexLoadError, KoritsuError, QueryError
from ..glossary import NO_GLOSSARY, Glossary
from ..measures import Measure, collect_measures, edition_of
from ..models import Document, Passage, Record
from ..need_tags import NO_VECTORS, NeedVectors
from ..needs import NO_NEEDS, Needs
from .columns import RowFile, write_rows, write_store
from .contract import current_contract
from .engines import opened_engine
from .glossary_file import open_glossary
from .lexical import LexicalIndex
from .manifest import Manifest, Signature, manifest_signature, rebuild_hint, rebuild_options
from .needs_file import open_needs
from .passage_store import PassageStore
from .retrieval import Retrieval
from .swap import recover_swap

DOCUMENTS_FILE = "documents.jsonl"  # one document per line, without its records
RECORDS_FILE = "records.jsonl"  # one record per line, in document order
RECORD_IDS_FILE = "records.ids.json"  # each record's id and byte offset in records.jsonl
OPEN_ATTEMPTS = 3
# How reading damaged index files fails: numpy (EOFError, ValueError), faiss (RuntimeError), zip
# archives, JSON, missing keys or fields; anything else is a bug, not damage.
LOAD_ERRORS = (KoritsuError, OSError, EOFError, ValueError, KeyError, TypeError, AttributeError, RuntimeError,
               zipfile.BadZipFile)
CACHED_RECORDS = 4096  # parsed records kept per open index
VECTORS_FILE = "vectors.npy"  # every passage's vector, kept so that updates reuse them


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


def write_index_files(
    directory: Path, manifest: Manifest, documents: list[Document], passages: list[Passage],
    procedural: np.ndarray, vectors: np.ndarray, save_engine: Callable[[Path], None], lexical: LexicalIndex,
) -> None:
    """Write every file of an index into directory; the manifest last, so that a directory
    without one is never taken for an index."""
    write_jsonl(directory / DOCUMENTS_FILE, ({**d.to_dict(), "records": []} for d in documents))
    ids = [r.record_id for d in documents for r in d.records]
    with open(directory / RECORDS_FILE, "wb") as fh:
        offsets = list(write_rows(fh, ({"doc_id": d.doc_id, **r.to_dict()} for d in documents for r in d.records)))
    (directory / RECORD_IDS_FILE).write_text(json.dumps({"ids": ids, "offsets": offsets}), encoding="utf-8")
    write_store(directory, passages, procedural)
    np.save(directory / VECTORS_FILE, vectors)
    save_engine(directory)
    lexical.save(directory)
    manifest.write(directory)


def load_documents(directory: Path) -> list[Document]:
    """Every document with its records (for updates)."""
    docs = [Document.from_dict(d) for d in read_jsonl(directory / DOCUMENTS_FILE)]
    return with_records(docs, RowFile(directory / RECORDS_FILE))


def with_records(documents: Iterable[Document], records: RowFile) -> list[Document]:
    """Copies of the documents holding their records, read from a records file (rows tagged with doc_id)."""
    grouped: dict[str, list[Record]] = {}
    try:
        for row in records.rows():
            grouped.setdefault(row.pop("doc_id"), []).append(Record.from_dict(row))
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        raise IndexLoadError(f"{records.path} is damaged ({exc}). {rebuild_hint(records.path.parent)}", rebuild_options(records.path.parent)) from exc
    return [dataclasses.replace(d, records=grouped.get(d.doc_id, [])) for d in documents]


def _read_record(rows: RowFile, start: int, end: int) -> Record:
    try:
        row = rows.read(start, end)
        row.pop("doc_id", None)
        return Record.from_dict(row)
    except (ValueError, TypeError, AttributeError) as exc:  # rows are parsed on demand: damage shows up here
        raise IndexLoadError(f"{rows.path} at byte {start} is damaged ({exc}). {rebuild_hint(rows.path.parent)}", rebuild_options(rows.path.parent)) from exc


class _RecordFile:
    """Records read one at a time by id from records.jsonl."""

    def __init__(self, directory: Path) -> None:
        table = json.loads((directory / RECORD_IDS_FILE).read_text(encoding="utf-8"))
        ids, offsets = table["ids"], table["offsets"]
        if len(offsets) != len(ids) + 1:
            raise ValueError(f"{RECORD_IDS_FILE} has {len(ids)} ids and {len(offsets)} offsets")
        self._spans = {rid: (offsets[i], offsets[i + 1]) for i, rid in enumerate(ids)}
        self.file = RowFile(directory / RECORDS_FILE)
        # An answer reads each of its records several times (title, evidence, each citation).
        # Over a function of the file, not a method: see PassageStore.
        self._parse = functools.lru_cache(maxsize=CACHED_RECORDS)(functools.partial(_read_record, self.file))

    def probe(self) -> None:
        """Parse the first and the last record (IndexLoadError when they are damaged)."""
        spans = list(self._spans.values())
        for span in {spans[0], spans[-1]} if spans else ():
            _read_record(self.file, *span)

    def get(self, record_id: str) -> Record | None:
        span = self._spans.get(record_id)
        return None if span is None else self._parse(*span)

    def __len__(self) -> int:
        return len(self._spans)


class IndexStore:
    """What an opened index holds: manifest, passages, dense and lexical indexes, documents."""

    def __init__(self, path: Path, manifest: Manifest, passages: PassageStore, retrieval: Retrieval,
                 lexical: LexicalIndex, records: _RecordFile, documents: list[Document],
                 glossary: Glossary = NO_GLOSSARY, needs: Needs = NO_NEEDS,
                 need_vectors: NeedVectors = NO_VECTORS) -> None:
        self.path = path
        self.manifest = manifest
        self.glossary = glossary  # the English → Japanese glossary the index was built with
        self.needs = needs  # the needs taxonomy the index was built with, and its vectors
        self.need_vectors = need_vectors
        self.passages = passages
        self.retrieval = retrieval  # the engine's search side (embedded FAISS + bm25s, or Milvus)
        self.lexical = lexical
        self._records = records
        self._documents = {d.doc_id: d for d in documents}
        self.doc_titles = {d.doc_id: d.title for d in documents}
        self._editions = {d.doc_id: edition_of(d) for d in documents}
        self._measures: dict[str, Measure] | None = None
        self._by_number: dict[int, list[Measure]] = {}
        self._lock = threading.Lock()
        self.signature: Signature | None = None  # the manifest's identity when the files were opened

    @classmethod
    def open(cls, path: str | Path, check_fusion: bool = True) -> IndexStore:
        """Open and check an index directory; IndexLoadError (with the rebuild command) when it is
        missing, damaged or built under another contract. A build swapped in while the files were
        being opened would mix two builds: then they are opened again."""
        p = Path(path)
        for _ in range(OPEN_ATTEMPTS):
            recover_swap(p)
            before = manifest_signature(p)
            store = cls._open(p, check_fusion)
            if manifest_signature(p) == before:
                store.signature = before
                return store
            store.close()
        raise IndexLoadError(f"{p} was replaced {OPEN_ATTEMPTS} times while it was being opened; try again")

    @classmethod
    def _open(cls, p: Path, check_fusion: bool) -> IndexStore:
        if not p.exists():
            raise IndexLoadError(f"no index at {p}. Build it with: {{build}}", {"build": str(p)})
        manifest = Manifest.read(p)
        manifest.check(p, current_contract(), ignore=() if check_fusion else ("fusion",))
        glossary = open_glossary(p, manifest.contract)
        needs, need_vectors = open_needs(p, manifest.contract)
        retrieval: Retrieval | None = None
        try:
            passages = PassageStore(p)
            # The bm25s score matrix is mapped, not copied: processes serving one index share its pages.
            lexical = LexicalIndex.load(p, len(passages), mmap=True)
            retrieval = opened_engine(manifest).open(p, manifest, lexical, passages)
            records = _RecordFile(p)
            documents = [Document.from_dict(d) for d in read_jsonl(p / DOCUMENTS_FILE)]
            vectors = np.load(p / VECTORS_FILE, mmap_mode="r")  # reads the header only
            if vectors.shape != (manifest.passage_count, manifest.dim):
                raise ValueError(f"{VECTORS_FILE} holds {vectors.shape}, the manifest says "
                                 f"{(manifest.passage_count, manifest.dim)}")
            del vectors
            # Rows are parsed when asked for; the first and the last show a file of another schema now.
            passages.probe()
            records.probe()
        except BaseException as exc:
            if retrieval is not None:
                retrieval.close()
            if isinstance(exc, KoritsuError) or not isinstance(exc, LOAD_ERRORS):
                raise
            raise IndexLoadError(f"{p} is incomplete or damaged ({type(exc).__name__}: {exc}). "
                                 f"{rebuild_hint(p)}", rebuild_options(p)) from exc
        counts = (len(passages), len(retrieval), lexical.n_docs)
        if any(c != manifest.passage_count for c in counts) or len(records) != manifest.record_count:
            retrieval.close()
            raise IndexLoadError(
                f"{p} is inconsistent: the manifest says {manifest.passage_count} passages and "
                f"{manifest.record_count} records; found {counts[0]} passages, {counts[1]} vectors and "
                f"{len(records)} records. {rebuild_hint(p)}"
            , rebuild_options(p))
        return cls(p, manifest, passages, retrieval, lexical, records, documents, glossary, needs,
                   need_vectors)

    def close(self) -> None:
        """Let the engine go now (a Milvus connection; a Milvus Lite file for other processes)."""
        self.retrieval.close()

    def check_model(self, model_id: str) -> None:
        self.manifest.check_model(self.path, model_id)

    def record(self, record_id: str) -> Record | None:
        return self._records.get(record_id)

    @property
    def documents(self) -> list[Document]:
        """The documents without their records (titles, sources, kinds, metadata)."""
        return list(self._documents.values())

    @property
    def measures(self) -> dict[str, Measure]:
        """Every measure by key, each with its documents' entries (plan beside status, editions newest first)."""
        with self._lock:
            if self._measures is None:
                # From the files opened with this index, never by path: a rebuild may have replaced them.
                self._measures = collect_measures(with_records(self._documents.values(), self._records.file))
                for m in self._measures.values():
                    m.entries = ordered_entries(m)
                    self._by_number.setdefault(m.no, []).append(m)
            return self._measures

    def measure(self, measure_no: int, series: str | None = None) -> Measure | None:
        """The measure numbered measure_no (in the plan series given when several share it)."""
        _ = self.measures
        found = [m for m in self._by_number.get(measure_no, []) if series is None or m.key.startswith(f"{series}#")]
        if len(found) > 1:
            keys = ", ".join(m.key.rsplit("#", 1)[0] for m in found)
            raise QueryError(f"施策No.{measure_no} exists in several plans ({keys}); name one with series=")
        return found[0] if found else None

    def doc_kind(self, doc_id: str) -> str | None:
        d = self._documents.get(doc_id)
        return d.kind if d is not None else None

    def doc_edition(self, doc_id: str) -> str | None:
        return self._editions.get(doc_id)

    def doc_source(self, doc_id: str) -> tuple[str, int] | None:
        """The indexed file of a document (its source path as indexed) and its page count."""
        d = self._documents.get(doc_id)
        return (d.source, d.pages) if d is not None else None

    def facets(self) -> dict[str, list[str]]:
        """The values each filter can take, for menus."""
        values = self.passages.facet_values()
        return {"ministries": values["ministries"], "documents": list(self._documents),
                "sections": values["sections"], "fields": values["fields"], "kinds": values["kinds"],
                "needs": [n.label for n in self.needs if n.label in set(values["needs"])]}
