"""Build or update an index directory in named phases: read → cut → segment → embed → tag → write.

Each phase is timed by `timing.timed` (as a search's legs are) into the report's `seconds`;
only what changed is parsed, segmented and embedded, and the directory is replaced atomically.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..embed.base import Embedder, is_embedder
from ..glossary import Glossary
from ..ingest import ParseOptions
from ..ingest.sections import canonicalize
from ..measures import link_measures
from ..models import Document, Passage
from ..need_tags import NeedVectors, embed_needs, tag_passages
from ..needs import Needs
from ..passages import make_passages
from ..procedural import is_procedural
from ..segment import get_segmenter
from ..timing import timed
from .build_report import BuildReport
from .contract import current_contract
from .engines import BuildInputs, BuiltEngine, EngineSpec, engine_for
from .glossary_file import choose_glossary, contract_entries, write_glossary
from .identity import check_unique, list_sources
from .lexical import LexicalIndex
from .manifest import Manifest, SourceEntry, now_iso
from .needs_file import choose_needs, previous_vectors, write_needs
from .needs_file import contract_entries as needs_contract
from .previous import Previous, load_previous, recorded_manifest
from .read_sources import read_sources
from .store import write_index_files
from .swap import build_lock, write_atomically
from .vector_files import load_vectors

EmbedderFactory = Callable[[], Embedder]
PHASES = ("read", "cut", "segment", "embed", "tag", "write")


@dataclass(frozen=True)
class BuildOptions:
    """Everything that shapes a build besides its sources and folder.

    `model`: the embedding model (None: the index's, else the offline default); `engine`: where the
    dense and sparse indexes live (default: as the index in place, else FAISS in the folder);
    `glossary` and `needs`: "default", "none" or a file (default: as the index in place, else the
    package's; the index keeps a copy); `vectors`: folders of `embed_only` output used instead of
    embedding; `rebuild`: ignore the index in place; `wait`: seconds to queue behind another build
    of the same folder; `progress`: bars on stderr."""

    parse: ParseOptions = field(default_factory=ParseOptions)
    engine: EngineSpec = field(default_factory=EngineSpec)
    model: str | None = None
    glossary: str | Path | None = None
    needs: str | Path | None = None
    vectors: tuple[Path, ...] = ()
    rebuild: bool = False
    wait: float = 0.0
    progress: bool = False


@dataclass
class _Build:
    """One build's state as it moves through the phases."""

    index_dir: Path
    options: BuildOptions
    embedder: Embedder | EmbedderFactory
    model_id: str | None
    report: BuildReport
    paths: list[str | Path] = field(default_factory=list)
    prev: Previous = field(default_factory=Previous)
    recorded: Manifest | None = None
    contract: dict[str, Any] = field(default_factory=dict)
    glossary: Glossary | None = None
    needs: Needs | None = None
    keyed: list[tuple[str, Document]] = field(default_factory=list)
    passages: list[Passage] = field(default_factory=list)
    doc_passages: dict[str, int] = field(default_factory=dict)
    links: list[dict[str, Any]] = field(default_factory=list)
    terms: list[list[str]] = field(default_factory=list)
    procedural: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))
    vectors: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=np.float32))
    need_vectors: NeedVectors | None = None
    _loaded: list[Embedder] = field(default_factory=list)

    @property
    def documents(self) -> list[Document]:
        return [doc for _, doc in self.keyed]

    def get_embedder(self) -> Embedder:
        """The model, loaded on first need: an unchanged corpus never loads it."""
        if not self._loaded:
            src = self.embedder
            self._loaded.append(src if is_embedder(src) else src())  # type: ignore[operator,arg-type]
        return self._loaded[0]


def build_index(paths: Iterable[str | Path], index_dir: str | Path, options: BuildOptions | None = None,
                embedder: Embedder | EmbedderFactory | None = None, model_id: str | None = None) -> BuildReport:
    """Index the given files and folders into index_dir, re-embedding only what changed.

    One build per directory: another one holding it raises IndexBusyError after `options.wait`
    seconds. `embedder` (an instance, or a factory so that an unchanged corpus never loads the
    model; default: `options.model`) with `model_id` lets stored vectors be reused unloaded."""
    options = options or BuildOptions()
    index_dir = Path(index_dir)
    if embedder is None:
        from ..embed import load_embedder, model_id_for

        model = options.model
        embedder, model_id = (lambda: load_embedder(model)), model_id or model_id_for(model)
    if model_id is None and is_embedder(embedder):
        model_id = embedder.model_id  # type: ignore[union-attr]
    state = _Build(index_dir, options, embedder, model_id, BuildReport(index_dir=str(index_dir)))
    with build_lock(index_dir, options.wait), timed(state.report.seconds, "total"):
        _prepare(state, list(paths) if not isinstance(paths, (str, Path)) else [paths])
        for phase, run in ((p, _PHASE_STEPS[p]) for p in PHASES):
            with timed(state.report.seconds, phase):
                run(state)
    state.report.size_bytes = _dir_size(index_dir)
    return state.report


def _prepare(b: _Build, paths: list[str | Path]) -> None:
    """What the index in place offers, its engine checked before any work, the glossary and needs chosen."""
    b.paths = paths
    b.contract = current_contract()
    b.prev = Previous() if b.options.rebuild else load_previous(b.index_dir, b.model_id, b.contract)
    b.report.previous_unusable = b.prev.unusable
    # The engine and URI of the index in place are kept even when it cannot be reused (rebuilt or damaged).
    b.recorded = b.prev.manifest or recorded_manifest(b.index_dir)
    engine_for(_spec(b), b.recorded).preflight(_spec(b), b.recorded)  # fails in seconds, not after embedding
    recorded_contract = b.recorded.contract if b.recorded else None
    b.glossary = choose_glossary(b.options.glossary, b.index_dir, recorded_contract)
    b.contract.update(contract_entries(b.glossary))
    b.needs = choose_needs(b.options.needs, b.index_dir, recorded_contract)
    b.contract.update(needs_contract(b.needs))
    if b.options.vectors:
        if b.model_id is None:
            b.model_id = b.get_embedder().model_id
        b.prev.vectors.update(load_vectors([Path(v) for v in b.options.vectors], b.model_id))


def _spec(b: _Build) -> EngineSpec:
    return dataclasses.replace(b.options.engine, rebuild=b.options.rebuild or b.options.engine.rebuild)


def _read(b: _Build) -> None:
    sources, missing = list_sources(b.paths)
    b.report.skipped.extend(missing)
    b.keyed = read_sources(sources, b.prev, b.report, b.options.parse, b.options.progress)
    if b.prev.manifest is not None:
        now_keys = {s.key for s in sources}
        b.report.removed_files = [s.source for s in b.prev.manifest.sources if s.key not in now_keys]


def _cut(b: _Build) -> None:
    """Sections spelled one way across documents, measures linked, records cut into passages."""
    documents = b.documents
    records = [rec for doc in documents for rec in doc.records]
    for rec, labels in zip(records, canonicalize([rec.section for rec in records]), strict=True):
        rec.section = labels
    b.links = link_measures(documents)
    for doc in documents:
        ps = make_passages(doc)
        b.doc_passages[doc.doc_id] = len(ps)
        b.passages.extend(ps)
    check_unique(b.passages)


def _segment(b: _Build) -> None:
    segmenter = get_segmenter()
    b.terms = [b.prev.terms.get(p.content_hash) or segmenter.lexical_terms(p.embed_text) for p in b.passages]
    b.report.segmented = sum(1 for p in b.passages if p.content_hash not in b.prev.terms)
    b.procedural = np.fromiter((p.kind == "speech" and is_procedural(p.text) for p in b.passages),
                               dtype=bool, count=len(b.passages))


def _embed(b: _Build) -> None:
    """Vectors of the passages whose text is new; the rest reused by content hash."""
    prev, passages = b.prev, b.passages
    todo = [i for i, p in enumerate(passages) if p.content_hash not in prev.vectors]
    dim = 0
    if not todo:
        dim = len(next(iter(prev.vectors.values()))) if prev.vectors else (prev.manifest.dim if prev.manifest else 0)
    if todo or b.model_id is None:
        emb = b.get_embedder()
        b.model_id, dim = emb.model_id, emb.dim
    b.vectors = np.zeros((len(passages), dim), dtype=np.float32)
    for i, p in enumerate(passages):
        if p.content_hash in prev.vectors:
            b.vectors[i] = prev.vectors[p.content_hash]
    if todo:
        b.vectors[todo] = b.get_embedder().embed_passages([passages[i].embed_text for i in todo],
                                                          progress=b.options.progress)
    b.report.embedded = len(todo)
    b.report.reused_vectors = len(passages) - len(todo)


def _tag(b: _Build) -> None:
    """Each unit tagged with the needs it serves (the needs' own vectors reused when unchanged)."""
    assert b.needs is not None
    prev = b.prev.manifest
    b.need_vectors = previous_vectors(b.index_dir, b.needs, b.model_id, prev.contract if prev else None,
                                      prev.model_id if prev else None)
    if b.need_vectors is None:
        b.need_vectors = embed_needs(b.needs, b.get_embedder())
    tag_passages(b.passages, b.terms, b.vectors, b.needs, b.need_vectors)


def _write(b: _Build) -> None:
    """The engine's indexes, then every file into a temporary folder swapped into place."""
    spec = _spec(b)
    lexical = LexicalIndex.build(b.terms)
    built = engine_for(spec, b.recorded).build(
        BuildInputs(b.index_dir, b.passages, b.vectors, b.terms, lexical, str(b.model_id), b.prev.manifest,
                    b.options.progress, b.recorded), spec)
    try:  # the engine's connection is let go however the rest ends
        manifest = _manifest(b, built)

        def write(tmp: Path) -> None:
            assert b.glossary is not None and b.needs is not None and b.need_vectors is not None
            write_glossary(tmp, b.glossary)
            write_needs(tmp, b.needs, b.need_vectors)
            write_index_files(tmp, manifest, b.documents, b.passages, b.procedural, b.vectors, built.save, lexical)
            built.commit()  # an external engine's switch (Milvus: the alias), just before the directory's
            if built.carried:
                built.close()  # what the swap carries is let go first (a Milvus Lite database)

        write_atomically(b.index_dir, write, carry=built.carried)
    finally:
        built.close()
    b.report.engine = {k: v for k, v in built.info.items() if k in ("name", "uri", "collection", "alias",
                                                                    "rows_written", "rows_deleted")}


def _manifest(b: _Build, built: BuiltEngine) -> Manifest:
    report, documents = b.report, b.documents
    report.documents = len(documents)
    report.records = sum(len(d.records) for d in documents)
    report.passages = len(b.passages)
    manifest = Manifest(
        model_id=str(b.model_id),
        dim=int(b.vectors.shape[1]),
        dense_type=built.dense_type,
        dense_params=built.dense_params,
        contract=b.contract,
        passage_count=len(b.passages),
        record_count=report.records,
        sources=[SourceEntry(d.doc_id, d.source, key, d.sha256, d.kind, d.pages, len(d.records),
                             b.doc_passages[d.doc_id]) for key, d in b.keyed],
        skipped=[s.to_dict() for s in report.skipped],
        created_at=b.prev.manifest.created_at if b.prev.manifest is not None else now_iso(),
        links=b.links,
        engine=built.info,
    )
    manifest.build = {"embedded": report.embedded, "reused_vectors": report.reused_vectors,
                      "seconds": dict(report.seconds)}
    return manifest


_PHASE_STEPS: dict[str, Callable[[_Build], None]] = {
    "read": _read, "cut": _cut, "segment": _segment, "embed": _embed, "tag": _tag, "write": _write,
}


def _dir_size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())
