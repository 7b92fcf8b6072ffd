"""Build or update an index directory: parse, cut passages, embed what changed, write atomically."""

from __future__ import annotations

import dataclasses
import functools
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..embed.base import Embedder, is_embedder
from ..errors import IngestError, KoritsuError
from ..ingest import MAX_FILE_BYTES, parse_file, source_sha256
from ..ingest.sections import canonicalize
from ..ingest.textnorm import sanitize_id
from ..linking import link_measures
from ..models import Document, Passage, Skipped
from ..need_tags import embed_needs, tag_passages
from ..passages import make_passages
from ..procedural import is_procedural
from ..segment import get_segmenter
from .backend import build_engine, check_reachable
from .columns import PassageStore
from .contract import TERM_KEYS, current_contract
from .engine_spec import BuildInputs, EngineSpec
from .glossary_file import choose_glossary, contract_entries, write_glossary
from .identity import SourceFile, base_id, check_unique, list_sources, rebind, unique_id
from .lexical import LexicalIndex
from .manifest import MANIFEST_NAME, Manifest, SourceEntry, now_iso
from .needs_file import choose_needs, previous_vectors, write_needs
from .needs_file import contract_entries as needs_contract
from .store import LOAD_ERRORS, VECTORS_FILE, load_documents, write_index_files
from .swap import build_lock, write_atomically
from .vector_files import load_vectors

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
    segmented: int = 0
    reused_files: int = 0
    removed_files: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    kept_previous: list[str] = field(default_factory=list)
    previous_unusable: str | None = None  # the index in place was damaged or of another format: rebuilt
    engine: dict[str, Any] = field(default_factory=dict)  # where the indexes went (Milvus: rows written)
    seconds: dict[str, float] = field(default_factory=dict)
    size_bytes: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["skipped"] = [s.to_dict() for s in self.skipped]
        return d

    def summary(self) -> str:
        parts = [f"the index in place could not be read ({self.previous_unusable}): rebuilt from the sources"] \
            if self.previous_unusable else []
        parts += [
            f"{self.documents} documents, {self.records} records, {self.passages} passages",
            f"embedded {self.embedded}, reused {self.reused_vectors}",
            f"{self.reparsed_files} files parsed, {self.reused_files} unchanged",
        ]
        if self.removed_files:
            parts.append(f"{len(self.removed_files)} removed")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        if self.engine.get("name") == "milvus":
            parts.append(f"Milvus {self.engine['alias']} -> {self.engine['collection']} at {self.engine['uri']}: "
                         f"{self.engine['rows_written']} rows written, {self.engine['rows_deleted']} deleted")
        total = self.seconds.get("total")
        if total is not None:
            parts.append(f"{total:.1f} s")
        return "; ".join(parts)


@dataclass
class _Previous:
    """What the last build left that this one may reuse (never modified: reuse goes through rebind)."""

    manifest: Manifest | None = None
    by_key: dict[str, Document] = field(default_factory=dict)  # last good version of each source key
    by_sha: dict[str, Document] = field(default_factory=dict)  # parsed documents, by source hash
    vectors: dict[str, np.ndarray] = field(default_factory=dict)  # by content hash
    terms: dict[str, list[str]] = field(default_factory=dict)  # by content hash
    unusable: str | None = None  # why an index in place could not be read (it is rebuilt)


@dataclass(frozen=True)
class ParseOptions:
    """How a build parses the files it must read."""

    kind: str | None = None
    password: str | None = None
    ocr: bool = True
    max_bytes: int | None = MAX_FILE_BYTES


LARGE_FILE = 4 * 1024 * 1024  # files from this size get their own progress bar


def _load_previous(index_dir: Path, model_id: str | None, contract: dict[str, Any]) -> _Previous:
    prev = _Previous()
    if not (index_dir / "manifest.json").exists():
        return prev
    try:
        manifest = Manifest.read(index_dir)
        docs = load_documents(index_dir)
        passages = PassageStore(index_dir, for_update=True)
        lexical = LexicalIndex.load(index_dir, len(passages), mmap=True)  # only its terms are reused
        vectors = np.load(index_dir / VECTORS_FILE, mmap_mode="r")
        if vectors.shape != (len(passages), manifest.dim):
            raise ValueError(f"vectors of shape {vectors.shape} for {len(passages)} passages of dim {manifest.dim}")
    except LOAD_ERRORS as exc:  # any damage means: build from the sources, then swap
        prev.unusable = str(exc) if isinstance(exc, KoritsuError) else f"{type(exc).__name__}: {exc}"
        return prev
    prev.manifest = manifest
    doc_by_id = {d.doc_id: d for d in docs}
    prev.by_key = {s.key: doc_by_id[s.doc_id] for s in manifest.sources if s.doc_id in doc_by_id}
    if manifest.contract.get("ingest_version") == contract["ingest_version"]:
        prev.by_sha = {d.sha256: d for d in docs}
    hashes = [h.decode("ascii") for h in passages.content_hashes]
    if all(manifest.contract.get(k) == contract[k] for k in TERM_KEYS):
        prev.terms = {h: lexical.terms_of(i) for i, h in enumerate(hashes)}
    if model_id is None or model_id == manifest.model_id:
        prev.vectors = {h: np.asarray(vectors[i], dtype=np.float32) for i, h in enumerate(hashes)}
    return prev


def _canonical_sections(documents: list[Document]) -> None:
    """One spelling per heading across every document (ingest/sections.canonicalize), in place."""
    records = [rec for doc in documents for rec in doc.records]
    for rec, labels in zip(records, canonicalize([rec.section for rec in records]), strict=True):
        rec.section = labels


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
    wait: float = 0.0,
    max_file_bytes: int | None = MAX_FILE_BYTES,
    engine: EngineSpec | None = None,
    vectors_from: Iterable[str | Path] = (),
    glossary: str | Path | None = None,
    needs: str | Path | None = None,
) -> BuildReport:
    """Index the given files and folders into index_dir, re-embedding only what changed.

    One build per directory: another one holding it raises IndexBusyError after `wait` seconds.
    A file over max_file_bytes is skipped and reported (None: no limit). `engine` says where the
    dense and sparse indexes live (default: as the index in place, else the embedded FAISS engine);
    `vectors_from` names folders of `embed_only` output whose vectors are used instead of embedding.
    `glossary` and `needs` are each "default", "none" or a file (default: as the index in place, else
    the package's); the index keeps a copy of each.

    `embedder` may be a factory so that an unchanged corpus never loads the model; then pass
    `model_id` so stored vectors can be reused without loading it.
    """
    index_dir = Path(index_dir)
    spec = dataclasses.replace(engine or EngineSpec(), rebuild=rebuild,
                               dense_type=(engine.dense_type if engine else None) or faiss_type,
                               dense_params=(engine.dense_params if engine else None) or faiss_params)
    with build_lock(index_dir, wait):
        return _build(paths, index_dir, embedder, model_id, spec, progress,
                      ParseOptions(kind, password, ocr, max_file_bytes), [Path(v) for v in vectors_from],
                      glossary, needs)


def _build(
    paths: Iterable[str | Path], index_dir: Path, embedder: Embedder | EmbedderFactory, model_id: str | None,
    spec: EngineSpec, progress: bool, options: ParseOptions, vectors_from: list[Path],
    glossary_spec: str | Path | None = None, needs_spec: str | Path | None = None,
) -> BuildReport:
    t0 = time.perf_counter()
    report = BuildReport(index_dir=str(index_dir))
    loaded: list[Embedder] = []
    is_instance = is_embedder(embedder)

    def get_embedder() -> Embedder:
        if not loaded:
            loaded.append(embedder if is_instance else embedder())  # type: ignore[operator,arg-type]
        return loaded[0]

    if model_id is None and is_instance:
        model_id = embedder.model_id  # type: ignore[union-attr]
    contract = current_contract()
    prev = _Previous() if spec.rebuild else _load_previous(index_dir, model_id, contract)
    report.previous_unusable = prev.unusable
    # The engine and URI of the index in place are kept even when it cannot be reused (rebuilt or damaged).
    recorded = prev.manifest or _recorded_manifest(index_dir)
    check_reachable(spec, recorded)  # an unknown engine, a misplaced option or a bad URI fail before any work
    glossary = choose_glossary(glossary_spec, index_dir, recorded.contract if recorded else None)
    contract.update(contract_entries(glossary))
    needs = choose_needs(needs_spec, index_dir, recorded.contract if recorded else None)
    contract.update(needs_contract(needs))
    if vectors_from:
        if model_id is None:
            model_id = get_embedder().model_id
        prev.vectors.update(load_vectors(vectors_from, model_id))

    sources, missing = list_sources(paths)
    report.skipped.extend(missing)
    keyed = _read_sources(sources, prev, report, options, progress)
    documents = [doc for _, doc in keyed]
    report.seconds["parse"] = time.perf_counter() - t0
    if prev.manifest is not None:
        now_keys = {s.key for s in sources}
        report.removed_files = [s.source for s in prev.manifest.sources if s.key not in now_keys]

    _canonical_sections(documents)
    links = link_measures(documents)
    passages: list[Passage] = []
    doc_passages: dict[str, int] = {}
    for doc in documents:
        ps = make_passages(doc)
        doc_passages[doc.doc_id] = len(ps)
        passages.extend(ps)
    check_unique(passages)

    t1 = time.perf_counter()
    segmenter = get_segmenter()
    terms = [prev.terms.get(p.content_hash) or segmenter.lexical_terms(p.embed_text) for p in passages]
    report.segmented = sum(1 for p in passages if p.content_hash not in prev.terms)
    procedural = np.fromiter((p.kind == "speech" and is_procedural(p.text) for p in passages),
                             dtype=bool, count=len(passages))
    report.seconds["segment"] = time.perf_counter() - t1

    t2 = time.perf_counter()
    todo = [i for i, p in enumerate(passages) if p.content_hash not in prev.vectors]
    dim = 0
    if not todo:
        dim = len(next(iter(prev.vectors.values()))) if prev.vectors else (prev.manifest.dim if prev.manifest else 0)
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

    need_vectors = previous_vectors(index_dir, needs, model_id, prev.manifest.contract if prev.manifest else None,
                                    prev.manifest.model_id if prev.manifest else None)
    if need_vectors is None:
        need_vectors = embed_needs(needs, get_embedder())
    tag_passages(passages, terms, vectors, needs, need_vectors)
    report.seconds["needs"] = time.perf_counter() - t2 - report.seconds["embed"]

    t3 = time.perf_counter()
    lexical = LexicalIndex.build(terms)
    built = build_engine(BuildInputs(index_dir, passages, vectors, terms, lexical, str(model_id), prev.manifest,
                                     progress, recorded), spec)
    try:  # the engine's connection is let go however the rest ends
        report.seconds["index"] = time.perf_counter() - t3
        created = prev.manifest.created_at if prev.manifest is not None else now_iso()
        manifest = Manifest(
            model_id=str(model_id),
            dim=int(dim),
            dense_type=built.dense_type,
            dense_params=built.dense_params,
            contract=contract,
            passage_count=len(passages),
            record_count=sum(len(d.records) for d in documents),
            sources=[
                SourceEntry(d.doc_id, d.source, key, d.sha256, d.kind, d.pages, len(d.records), doc_passages[d.doc_id])
                for key, d in keyed
            ],
            skipped=[s.to_dict() for s in report.skipped],
            created_at=created,
            links=links,
            engine=built.info,
        )
        report.documents = len(documents)
        report.records = manifest.record_count
        report.passages = len(passages)
        report.seconds["total"] = time.perf_counter() - t0
        manifest.build = {k: v for k, v in report.to_dict().items() if k in ("embedded", "reused_vectors", "seconds")}

        def write(tmp: Path) -> None:
            write_glossary(tmp, glossary)
            write_needs(tmp, needs, need_vectors)
            write_index_files(tmp, manifest, documents, passages, procedural, vectors, built.save, lexical)
            built.commit()  # an external engine's switch (Milvus: the alias), just before the directory's

        write_atomically(index_dir, write)
    finally:
        built.close()
    report.engine = {k: v for k, v in built.info.items() if k in ("name", "uri", "collection", "alias",
                                                                  "rows_written", "rows_deleted")}
    report.size_bytes = _dir_size(index_dir)
    return report


def _recorded_manifest(index_dir: Path) -> Manifest | None:
    """The manifest in place, if it can be read, for what a rebuild keeps (its engine and URI)."""
    try:
        return Manifest.read(index_dir) if (index_dir / MANIFEST_NAME).exists() else None
    except KoritsuError:
        return None


def _parse(src: SourceFile, options: ParseOptions, progress: bool) -> Document:
    """Parse one file; a large one shows its progress (bytes) under the files' bar."""
    parse = functools.partial(parse_file, src.path, kind=options.kind, password=options.password, ocr=options.ocr,
                              max_bytes=options.max_bytes)
    try:
        size = src.path.stat().st_size
    except OSError:
        size = 0  # gone or unreadable: parse_file says which
    if not progress or size < LARGE_FILE:
        return parse()
    from tqdm import tqdm

    with tqdm(total=size, desc=src.path.name, unit="B", unit_scale=True, leave=False, position=1,
              file=sys.stderr) as bar:
        def advance(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        return parse(progress=advance)


def _read_sources(
    sources: list[SourceFile], prev: _Previous, report: BuildReport, options: ParseOptions, progress: bool,
) -> list[tuple[str, Document]]:
    """Each source's key and document: parsed when it changed, reused when not; a file that turned
    bad keeps its last good version."""
    documents: list[tuple[str, Document]] = []
    taken: set[str] = set()
    iterator: Iterable[SourceFile] = sources
    if progress:
        from tqdm import tqdm

        iterator = tqdm(sources, desc="parsing", unit="file", file=sys.stderr)
    for src in iterator:
        sha = source_sha256(src.path)
        same = prev.by_key.get(src.key)
        old = same if same is not None and same.sha256 == sha and sha in prev.by_sha else prev.by_sha.get(sha)
        parsed_id = base_id(src.path, sha) if old is not None else None
        if old is not None and parsed_id is not None and (options.kind is None or old.kind == options.kind):
            doc = rebind(old, str(src.path), parsed_id, unique_id(parsed_id, taken))
            report.reused_files += 1
        else:
            try:
                fresh = _parse(src, options, progress)
            except IngestError as exc:
                report.skipped.append(Skipped(str(src.path), exc.reason))
                stale = prev.by_key.get(src.key)
                if stale is not None:
                    # Never lose what was indexed: keep the last good version of this file.
                    report.kept_previous.append(str(src.path))
                    stale_id = sanitize_id(src.path.stem) or stale.doc_id
                    documents.append((src.key, rebind(stale, str(src.path), stale_id, unique_id(stale_id, taken))))
                continue
            doc = rebind(fresh, fresh.source, fresh.doc_id, unique_id(fresh.doc_id, taken))
            report.reparsed_files += 1
        documents.append((src.key, doc))
    return documents
