"""Public entry points: parse one file, or many files and folders into an IngestReport."""

from __future__ import annotations

import hashlib
import sys
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import IngestError
from ..models import (
    DOC_KINDS,
    MEASURE,
    MEASURES_DOC,
    MINUTES_DOC,
    PARAGRAPH,
    SPEECH,
    Document,
    Record,
    Skipped,
)
from . import pdf as pdfroute
from .detect import detect_pdf_kind, detect_text_kind
from .generic import parse_generic
from .lines import decode_text, paginate, to_src_lines
from .measures import parse_measures_text
from .minutes import parse_minutes
from .textnorm import sanitize_id

SUPPORTED_SUFFIXES: tuple[str, ...] = (".pdf", ".txt", ".text", ".md")

Parsed = tuple[str, list[Record], dict[str, Any], list[str]]


@dataclass
class IngestReport:
    """What parse_paths read and what it skipped (with reasons)."""

    documents: list[Document] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def records(self) -> list[Record]:
        return [r for d in self.documents for r in d.records]

    def summary(self) -> str:
        """E.g. "2 documents read, 181 records (143 measures, 38 speeches), 1 file skipped"."""
        counts = Counter(r.kind for r in self.records)
        names = {MEASURE: ("measure", "measures"), SPEECH: ("speech", "speeches"),
                 PARAGRAPH: ("paragraph", "paragraphs")}
        parts = [_plural(counts[k], *names[k]) for k in (MEASURE, SPEECH, PARAGRAPH) if counts[k]]
        total = sum(counts.values())
        text = f"{_plural(len(self.documents), 'document', 'documents')} read, {_plural(total, 'record', 'records')}"
        if parts:
            text += f" ({', '.join(parts)})"
        text += f", {_plural(len(self.skipped), 'file', 'files')} skipped"
        warnings = sum(len(d.warnings) for d in self.documents)
        if warnings:
            text += f", {_plural(warnings, 'warning', 'warnings')}"
        return text


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


def doc_id_for(path: Path, sha256: str) -> str:
    """The file stem reduced to [A-Za-z0-9_.-]; a hash-based id when nothing is left."""
    return sanitize_id(path.stem) or f"doc_{sha256[:12]}"


def parse_file(path: str | Path, kind: str | None = None, password: str | None = None) -> Document:
    """Read one PDF or text file into a Document; IngestError (naming the file) when unreadable.

    kind ("measures", "minutes", "generic") overrides detection, which looks at content only.
    """
    p = Path(path)
    source = str(path)
    if kind is not None and kind not in DOC_KINDS:
        raise ValueError(f"kind must be one of {', '.join(DOC_KINDS)}, not {kind!r}")
    if not p.exists():
        raise IngestError(source, "no such file")
    if not p.is_file():
        raise IngestError(source, "not a regular file")
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise IngestError(source, f"cannot read file: {exc.strerror or exc}") from exc
    if not data:
        raise IngestError(source, "empty file (0 bytes)")
    sha = hashlib.sha256(data).hexdigest()
    doc_id = doc_id_for(p, sha)
    if pdfroute.looks_like_pdf(data[:1024]):
        kind, (title, records, meta, warnings), pages = _read_pdf(p, source, kind, password, doc_id)
    else:
        if p.suffix.lower() == ".pdf":
            hint = "it looks like text" if _texty(data) else "unknown binary content"
            raise IngestError(source, f"not a PDF file (no %PDF header; {hint})")
        text = decode_text(data, source)
        raw, pages = paginate(text)
        kind = kind or detect_text_kind(text)
        if kind == MEASURES_DOC:
            title, records, meta, warnings = parse_measures_text(raw, doc_id)
            if not records and not title:
                raise IngestError(source, "no measures table found (header row with 施策No. and 施策名)")
        elif kind == MINUTES_DOC:
            title, records, meta, warnings = parse_minutes(to_src_lines(raw), doc_id)
        else:
            title, records, meta, warnings = parse_generic(to_src_lines(raw), doc_id)
        if not any(line.strip() for _, line in raw):
            raise IngestError(source, "no text in file (only whitespace)")
    return Document(
        doc_id=doc_id,
        title=title or doc_id,
        source=source,
        kind=kind,
        pages=pages,
        sha256=sha,
        records=records,
        metadata=meta,
        warnings=warnings,
    )


def _texty(data: bytes) -> bool:
    chunk = data[:4096]
    return b"\x00" not in chunk and chunk.decode("utf-8", "replace").count("\ufffd") <= 2


def _read_pdf(p: Path, source: str, kind: str | None, password: str | None, doc_id: str) -> tuple[str, Parsed, int]:
    warnings: list[str] = []
    with pdfroute.open_pdf(p, password) as pdf:
        pages = len(pdf.pages)
        if pages == 0:
            raise IngestError(source, "PDF has no pages")
        if not any(pdfroute.page_chars(pg, source) for pg in pdf.pages):
            raise IngestError(source, pdfroute.OCR_HINT)
        kind = kind or detect_pdf_kind(pdfroute.first_pages_text(pdf, source))
        if kind == MEASURES_DOC:
            parsed = pdfroute.read_measures(pdf, source, doc_id)
            if not parsed[1] and not parsed[0]:
                raise IngestError(source, "no measures table found (header row with 施策No. and 施策名)")
            return kind, parsed, pages
        lines = pdfroute.text_lines(pdf, source, warnings)
    if kind == MINUTES_DOC:
        title, records, meta, more = parse_minutes(lines, doc_id)
    else:
        title, records, meta, more = parse_generic(lines, doc_id)
    return kind, (title, records, meta, warnings + more), pages


def _expand(paths: Iterable[str | Path], skipped: list[Skipped]) -> list[Path]:
    files: list[Path] = []
    seen: set[Path] = set()

    def add(f: Path) -> None:
        key = f.resolve()
        if key not in seen:
            seen.add(key)
            files.append(f)

    for item in paths:
        p = Path(item)
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES and not any(x.startswith(".") for x in rel):
                    add(f)
        elif p.exists():
            add(p)
        else:
            skipped.append(Skipped(str(item), "no such file or directory"))
    return files


def parse_paths(
    paths: Iterable[str | Path],
    kind: str | None = None,
    password: str | None = None,
    progress: bool = False,
) -> IngestReport:
    """Parse files and folders (walked recursively, sorted); one bad file never stops the rest."""
    report = IngestReport()
    files = _expand([paths] if isinstance(paths, (str, Path)) else paths, report.skipped)
    iterator: Iterable[Path] = files
    if progress:
        from tqdm import tqdm

        iterator = tqdm(files, desc="ingest", unit="file", file=sys.stderr)
    for f in iterator:
        try:
            report.documents.append(parse_file(f, kind=kind, password=password))
        except IngestError as exc:
            report.skipped.append(Skipped(str(f), exc.reason))
        except Exception as exc:  # a bug or an exotic file must not stop the batch
            report.skipped.append(Skipped(str(f), f"unexpected error: {type(exc).__name__}: {exc}"))
    return report


__all__ = ["IngestReport", "SUPPORTED_SUFFIXES", "doc_id_for", "parse_file", "parse_paths"]
