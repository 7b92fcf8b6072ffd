"""Build or update an index directory: parse, cut passages, embed what changed, write atomically."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..embed.base import Embedder, is_embedder
from ..errors import IngestError, KoritsuError
from ..ingest import INGEST_VERSION, parse_file, source_sha256
from ..ingest.api import list_source_files
from ..linking import link_measures
from ..models import Document, Passage, Skipped
from ..passages import make_passages
from ..segment import get_segmenter
from .lexical import LexicalIndex
from .manifest import Manifest, SourceEntry, now_iso
from .store import DOCUMENTS_FILE, PASSAGES_FILE, TERMS_FILE, VECTORS_FILE, read_jsonl, recover_swap, write_jsonl
from .vectors import build_faiss, default_faiss_type, default_params, save_faiss

EmbedderFactory = Callable[[], Embedder]


@dataclass
class BuildReport:
    """What a build did: counts, reuse, skipped files and timings."""

    index_dir: str
    documents: int = 0
    records: int = 0
    passages: int = 0
    embedded: int = 0
    reused_vectors: int = 0
    reparsed_files: int = 0
    reused_files: int = 0
    removed_files: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    kept_previous: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    size_bytes: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["skipped"] = [s.to_dict() for s in self.skipped]
        return d

    def summary(self) -> str:
        parts = [
            f"{self.documents} documents, {self.records} records, {self.passages} passages",
            f"embedded {self.embedded}, reused {self.reused_vectors}",
            f"{self.reparsed_files} files parsed, {self.reused_files} unchanged",
        ]
        if self.removed_files:
            parts.append(f"{len(self.removed_files)} removed")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        total = self.seconds.get("total")
        if total is not None:
            parts.append(f"{total:.1f} s")
        return "; ".join(parts)


@dataclass
class _Previous:
    manifest: Manifest | None = None
    documents: dict[str, Document] = field(default_factory=dict)  # by sha256, reusable as parsed
    by_source: dict[str, Document] = field(default_factory=dict)  # last good version of each file
    vectors: dict[str, np.ndarray] = field(default_factory=dict)  # by content hash
    terms: dict[str, list[str]] = field(default_factory=dict)  # by content hash


def _load_previous(index_dir: Path, model_id: str | None) -> _Previous:
    prev = _Previous()
    if not (index_dir / "manifest.json").exists():
        return prev
    try:
        manifest = Manifest.read(index_dir)
        manifest.check(index_dir)
        docs = [Document.from_dict(d) for d in read_jsonl(index_dir / DOCUMENTS_FILE)]
        passages = [Passage.from_dict(p) for p in read_jsonl(index_dir / PASSAGES_FILE)]
        terms = list(read_jsonl(index_dir / TERMS_FILE))
        vectors = np.load(index_dir / VECTORS_FILE, mmap_mode="r")
    except (KoritsuError, OSError, ValueError):
        return prev  # unusable: build from scratch, the old directory is replaced atomically
    prev.manifest = manifest
    prev.by_source = {str(Path(d.source)): d for d in docs}
    if manifest.ingest_version == INGEST_VERSION:
        prev.documents = {d.sha256: d for d in docs}
    for i, p in enumerate(passages):
        if i < len(terms):
            prev.terms[p.content_hash] = terms[i]
    if model_id is None or model_id == manifest.model_id:
        for i, p in enumerate(passages):
            prev.vectors[p.content_hash] = np.asarray(vectors[i], dtype=np.float32)
    return prev


def _unique_doc_id(doc_id: str, taken: set[str]) -> str:
    candidate, n = doc_id, 2
    while candidate in taken:
        candidate, n = f"{doc_id}-{n}", n + 1
    taken.add(candidate)
    return candidate


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def build_index(
    paths: Iterable[str | Path],
    index_dir: str | Path,
    embedder: Embedder | EmbedderFactory,
    model_id: str | None = None,
    faiss_type: str | None = None,
    faiss_params: dict[str, Any] | None = None,
    kind: str | None = None,
    password: str | None = None,
    rebuild: bool = False,
    progress: bool = False,
    ocr: bool = True,
) -> BuildReport:
    """Index the given files and folders into index_dir, re-embedding only what changed.

    `embedder` may be a factory so that an unchanged corpus never loads the model; then pass
    `model_id` so stored vectors can be reused without loading it.
    """
    t0 = time.perf_counter()
    index_dir = Path(index_dir)
    recover_swap(index_dir)
    report = BuildReport(index_dir=str(index_dir))
    loaded: list[Embedder] = []
    is_instance = is_embedder(embedder)

    def get_embedder() -> Embedder:
        if not loaded:
            loaded.append(embedder if is_instance else embedder())  # type: ignore[operator,arg-type]
        return loaded[0]

    if model_id is None and is_instance:
        model_id = embedder.model_id  # type: ignore[union-attr]
    prev = _Previous() if rebuild else _load_previous(index_dir, model_id)

    files, missing = list_source_files(paths)
    report.skipped.extend(missing)
    documents: list[Document] = []
    taken: set[str] = set()
    iterator: Iterable[Path] = files
    if progress:
        from tqdm import tqdm

        iterator = tqdm(files, desc="parsing", unit="file", file=sys.stderr)
    for path in iterator:
        sha = source_sha256(path)
        old = prev.documents.get(sha)
        if old is not None and (kind is None or old.kind == kind):
            doc = old
            doc.source = str(path)
            report.reused_files += 1
        else:
            try:
                doc = parse_file(path, kind=kind, password=password, ocr=ocr)
            except IngestError as exc:
                report.skipped.append(Skipped(str(path), exc.reason))
                stale = prev.by_source.get(str(path))
                if stale is not None:
                    # Never lose what was indexed: keep the last good version of this file.
                    report.kept_previous.append(str(path))
                    stale.doc_id = _unique_doc_id(stale.doc_id, taken)
                    documents.append(stale)
                continue
            report.reparsed_files += 1
        doc.doc_id = _unique_doc_id(doc.doc_id, taken)
        documents.append(doc)
    report.seconds["parse"] = time.perf_counter() - t0
    if prev.manifest is not None:
        now_sources = {str(Path(d.source)) for d in documents}
        report.removed_files = [s.source for s in prev.manifest.sources if s.source not in now_sources]

    links = link_measures(documents)
    passages: list[Passage] = []
    doc_passages: dict[str, int] = {}
    for doc in documents:
        ps = make_passages(doc)
        doc_passages[doc.doc_id] = len(ps)
        passages.extend(ps)

    t1 = time.perf_counter()
    segmenter = get_segmenter()
    terms = [prev.terms.get(p.content_hash) or segmenter.lexical_terms(p.embed_text) for p in passages]
    report.seconds["segment"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    todo = [i for i, p in enumerate(passages) if p.content_hash not in prev.vectors]
    dim = prev.manifest.dim if prev.manifest is not None and not todo else 0
    if todo or model_id is None:
        emb = get_embedder()
        model_id, dim = emb.model_id, emb.dim
    vectors = np.zeros((len(passages), dim), dtype=np.float32)
    for i, p in enumerate(passages):
        if p.content_hash in prev.vectors:
            vectors[i] = prev.vectors[p.content_hash]
    if todo:
        new = get_embedder().embed_passages([passages[i].embed_text for i in todo], progress=progress)
        vectors[todo] = new
    report.embedded = len(todo)
    report.reused_vectors = len(passages) - len(todo)
    report.seconds["embed"] = time.perf_counter() - t2

    t3 = time.perf_counter()
    ftype = faiss_type or (prev.manifest.faiss_type if prev.manifest and not faiss_params else None) or default_faiss_type(len(passages))
    fparams = {**default_params(ftype, len(passages)), **(faiss_params or {})}
    findex = build_faiss(vectors, ftype, fparams)
    lexical = LexicalIndex.build(terms)
    report.seconds["index"] = time.perf_counter() - t3

    created = prev.manifest.created_at if prev.manifest is not None else now_iso()
    manifest = Manifest(
        model_id=str(model_id),
        dim=int(dim),
        sudachi_dictionary=segmenter.dictionary,
        sudachi_modes=["C", "A"],
        faiss_type=ftype,
        faiss_params=fparams,
        passage_count=len(passages),
        record_count=sum(len(d.records) for d in documents),
        sources=[
            SourceEntry(d.doc_id, d.source, d.sha256, d.kind, d.pages, len(d.records), doc_passages[d.doc_id])
            for d in documents
        ],
        skipped=[s.to_dict() for s in report.skipped],
        created_at=created,
        ingest_version=INGEST_VERSION,
        links=links,
    )
    report.documents = len(documents)
    report.records = manifest.record_count
    report.passages = len(passages)
    report.seconds["total"] = time.perf_counter() - t0
    manifest.build = {k: v for k, v in report.to_dict().items() if k in ("embedded", "reused_vectors", "seconds")}

    def write(tmp: Path) -> None:
        write_jsonl(tmp / DOCUMENTS_FILE, (d.to_dict() for d in documents))
        write_jsonl(tmp / PASSAGES_FILE, (p.to_dict() for p in passages))
        write_jsonl(tmp / TERMS_FILE, terms)
        np.save(tmp / VECTORS_FILE, vectors)
        save_faiss(findex, tmp)
        lexical.save(tmp)
        manifest.write(tmp)  # last: a directory without a manifest is never taken for an index

    write_atomically(index_dir, write)
    report.size_bytes = _dir_size(index_dir)
    return report


def _current_umask() -> int:
    """The process umask, read without changing it where the OS allows (threads may be running)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _apply_umask(root: Path) -> None:
    """Give root and everything below it the modes a plain mkdir/open would have given them.

    tempfile.mkdtemp creates the directory owner-only (0700), which the rename into place would
    otherwise keep: an index must be as readable as any other output of the process.
    """
    mask = _current_umask()
    dir_mode, file_mode = 0o777 & ~mask, 0o666 & ~mask
    for path in root.rglob("*"):
        if not path.is_symlink():
            path.chmod(dir_mode if path.is_dir() else file_mode)
    root.chmod(dir_mode)


def write_atomically(index_dir: Path, write: Callable[[Path], None]) -> None:
    """Write into a sibling temporary directory, then swap it into place."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.tmp-", dir=index_dir.parent))
    try:
        write(tmp)
        _apply_umask(tmp)
        old = None
        if index_dir.exists():
            old = index_dir.parent / f".{index_dir.name}.old-{os.getpid()}"
            if old.exists():
                shutil.rmtree(old)
            os.replace(index_dir, old)
        os.replace(tmp, index_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
