"""Which file is which across builds: source keys, document ids from the current path, safe reuse."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from ..errors import KoritsuError
from ..ingest.api import SIDECAR_SUFFIX, doc_id_for, list_source_files
from ..ingest.textnorm import sanitize_id
from ..models import Document, Passage, Skipped


@dataclass(frozen=True)
class SourceFile:
    """A file to index and its key: the path relative to the folder it was found in (the file
    name for a file named directly), so that any spelling of the same folder gives the same key."""

    path: Path
    key: str


def list_sources(paths: Iterable[str | Path]) -> tuple[list[SourceFile], list[Skipped]]:
    """Every file to index under the given files and folders, each once, with its key."""
    out: list[SourceFile] = []
    skipped: list[Skipped] = []
    seen_files: set[Path] = set()
    seen_keys: set[str] = set()
    for item in paths:
        root = Path(item)
        files, missing = list_source_files([root])
        skipped.extend(missing)
        for f in files:
            real = f.resolve()
            if real in seen_files:
                continue
            seen_files.add(real)
            key = f.relative_to(root).as_posix() if root.is_dir() else f.name
            if key in seen_keys:  # the same relative path under two folders given together
                key = real.as_posix()
            seen_keys.add(key)
            out.append(SourceFile(f, key))
    return out, skipped


def base_id(path: Path, sha256: str) -> str | None:
    """The document id a parse of this file would get, when it does not need the file's bytes."""
    has_sidecar = path.with_name(path.name + SIDECAR_SUFFIX).is_file()
    if sanitize_id(path.stem) or not has_sidecar:
        return doc_id_for(path, sha256)  # without a sidecar the source hash is the bytes' hash
    return None


def unique_id(doc_id: str, taken: set[str]) -> str:
    candidate, n = doc_id, 2
    while candidate in taken:
        candidate, n = f"{doc_id}-{n}", n + 1
    taken.add(candidate)
    return candidate


def rebind(doc: Document, source: str, parsed_id: str, doc_id: str) -> Document:
    """A copy of a document as if parsed from `source` under `doc_id` (the reused one is untouched).

    Record ids start with the id the parse used (`doc.doc_id`); a title that fell back to the
    parse's id follows the new one (`parsed_id`, before any suffix that keeps ids unique)."""
    old_base = sanitize_id(Path(doc.source).stem) or doc.doc_id
    title = parsed_id if doc.title in (doc.doc_id, old_base) else doc.title
    prefix = doc.doc_id
    records = [replace(r, record_id=doc_id + r.record_id[len(prefix):] if r.record_id.startswith(prefix) else r.record_id)
               for r in doc.records]
    return replace(doc, doc_id=doc_id, source=source, title=title, records=records)


def check_unique(passages: list[Passage]) -> None:
    """Refuse to write an index whose passage ids repeat (they key vectors, citations and links)."""
    dups = [pid for pid, n in Counter(p.passage_id for p in passages).items() if n > 1]
    if dups:
        raise KoritsuError(f"internal error: {len(dups)} passage ids repeat (first: {dups[0]}); nothing was written")
