"""What the index in place offers a build: parsed documents, vectors and terms by content hash."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import KoritsuError
from ..models import Document
from .contract import TERM_KEYS
from .lexical import LexicalIndex
from .manifest import MANIFEST_NAME, Manifest
from .passage_store import PassageStore
from .store import LOAD_ERRORS, VECTORS_FILE, load_documents


@dataclass
class Previous:
    """What the last build left that this one may reuse (never modified: reuse goes through rebind)."""

    manifest: Manifest | None = None
    by_key: dict[str, Document] = field(default_factory=dict)  # last good version of each source key
    by_sha: dict[str, Document] = field(default_factory=dict)  # parsed documents, by source hash
    vectors: dict[str, np.ndarray] = field(default_factory=dict)  # by content hash
    terms: dict[str, list[str]] = field(default_factory=dict)  # by content hash
    unusable: str | None = None  # why an index in place could not be read (it is rebuilt)


def load_previous(index_dir: Path, model_id: str | None, contract: dict[str, Any]) -> Previous:
    """The reusable parts of the index in place; damage of any kind means: build from the sources."""
    prev = Previous()
    if not (index_dir / MANIFEST_NAME).exists():
        return prev
    try:
        manifest = Manifest.read(index_dir)
        docs = load_documents(index_dir)
        passages = PassageStore(index_dir, for_update=True)
        lexical = LexicalIndex.load(index_dir, len(passages), mmap=True)  # only its terms are reused
        vectors = np.load(index_dir / VECTORS_FILE, mmap_mode="r")
        if vectors.shape != (len(passages), manifest.dim):
            raise ValueError(f"vectors of shape {vectors.shape} for {len(passages)} passages of dim {manifest.dim}")
    except LOAD_ERRORS as exc:
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


def recorded_manifest(index_dir: Path) -> Manifest | None:
    """The manifest in place, if it can be read, for what a rebuild keeps (its engine and URI)."""
    try:
        return Manifest.read(index_dir) if (index_dir / MANIFEST_NAME).exists() else None
    except KoritsuError:
        return None
