"""A build's first phase: each source file parsed when it changed, reused when not, kept when it turned bad."""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable

from ..errors import IngestError
from ..ingest import ParseOptions, parse_file, source_sha256
from ..ingest.textnorm import sanitize_id
from ..models import Document, Skipped
from .build_report import BuildReport
from .identity import SourceFile, base_id, rebind, unique_id
from .previous import Previous

LARGE_FILE = 4 * 1024 * 1024  # files from this size get their own progress bar


def parse_source(src: SourceFile, options: ParseOptions, progress: bool) -> Document:
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


def read_sources(
    sources: list[SourceFile], prev: Previous, report: BuildReport, options: ParseOptions, progress: bool,
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
            documents.append((src.key, rebind(old, str(src.path), parsed_id, unique_id(parsed_id, taken))))
            report.reused_files += 1
            continue
        try:
            fresh = parse_source(src, options, progress)
        except IngestError as exc:
            report.skipped.append(Skipped.of(exc, str(src.path)))
            stale = prev.by_key.get(src.key)
            if stale is not None:
                # Never lose what was indexed: keep the last good version of this file.
                report.kept_previous.append(str(src.path))
                stale_id = sanitize_id(src.path.stem) or stale.doc_id
                documents.append((src.key, rebind(stale, str(src.path), stale_id, unique_id(stale_id, taken))))
            continue
        documents.append((src.key, rebind(fresh, fresh.source, fresh.doc_id, unique_id(fresh.doc_id, taken))))
        report.reparsed_files += 1
    return documents
