"""Public entry points: parse one file, or many files and folders into an IngestReport."""

from __future__ import annotations

import hashlib
import json
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import IngestError
from ..models import Document, Record, Skipped
from . import pdf as pdfroute
from .choose import parse_detected
from .formats import format_for, format_suffixes
from .kinds import RECORD_KINDS, DocKind, Parsed, ParseFailure, detect_pdf, detect_text, doc_kind
from .lines import decode_text, paginate, wide_encoding
from .locate import RECORD_COST, locate_lines
from .options import MAX_FILE_BYTES
from .progress import Meter, metered
from .sections import clean_path
from .structured import read_structured
from .textnorm import sanitize_id

SUPPORTED_SUFFIXES: tuple[str, ...] = (".pdf", ".txt", ".text", ".md", *format_suffixes())
_MB = 1024 * 1024
# Shares of a text file's progress: reading and splitting it, the kind's parser, locating records.
_PARSE_FROM, _LOCATE_FROM = 0.15, 0.65

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
        parts = [_plural(counts[k], *RECORD_KINDS[k].nouns) for k in RECORD_KINDS if counts[k]]
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


def parse_file(
    path: str | Path,
    kind: str | None = None,
    password: str | None = None,
    ocr: bool = True,
    *,
    max_bytes: int | None = MAX_FILE_BYTES,
    progress: Callable[[int, int], None] | None = None,
) -> Document:
    """Read one PDF, text, Excel, Word or HTML file into a Document; IngestError (naming the file) when unreadable.

    kind (a name from `kinds.kind_names()`) overrides detection, which looks at content only.
    ocr=False refuses pages without a text layer instead of reading them with Tesseract.
    A file over max_bytes is refused before it is read (None: no limit). progress, when given,
    is called with (done, total) as a text file's parse advances (in bytes of the file, at most
    a few hundred times, the last call with done == total); a PDF reports (pages, pages) once read.
    """
    p = Path(path)
    source = str(path)
    forced = doc_kind(kind) if kind is not None else None
    if not p.exists():
        raise IngestError(source, "no such file")
    if not p.is_file():
        raise IngestError(source, "not a regular file")
    try:
        size = p.stat().st_size
        if max_bytes is not None and size > max_bytes:
            raise IngestError(source, f"{_over_limit(size, max_bytes)} (raise it with {{max_bytes}})", {"max_bytes": None})
        data = p.read_bytes()
    except OSError as exc:
        raise IngestError(source, f"cannot read file: {exc.strerror or exc}") from exc
    if not data:
        raise IngestError(source, "empty file (0 bytes)")
    sidecar, sidecar_bytes, sidecar_warnings = read_sidecar(p)
    sha = hashlib.sha256(data + sidecar_bytes).hexdigest()
    doc_id = doc_id_for(p, hashlib.sha256(data).hexdigest())
    fmt = format_for(data[:1024], p.suffix.lower())
    try:
        if fmt is not None:
            chosen, parsed, pages = read_structured(fmt, data, source, forced, doc_id, max_bytes)
            if progress is not None:
                progress(pages, pages)
        elif pdfroute.looks_like_pdf(data[:1024]):
            chosen, parsed, pages = _read_pdf(p, source, forced, password, doc_id, ocr)
            if progress is not None:
                progress(pages, pages)
        else:
            if p.suffix.lower() == ".pdf":
                hint = "it looks like text" if _texty(data) else "unknown binary content"
                raise IngestError(source, f"not a PDF file (no %PDF header; {hint})")
            meter = Meter(progress, len(data)) if progress is not None else None
            chosen, parsed, pages = _read_text(data, source, forced, doc_id, meter)
            if meter is not None:
                meter.finish()
    except ParseFailure as exc:
        raise IngestError(source, str(exc)) from exc
    parsed.metadata.update(sidecar)
    for rec in parsed.records:
        rec.section = clean_path(rec.section)
    return Document(
        doc_id=doc_id,
        title=str(sidecar.get("title") or parsed.title or doc_id),
        source=source,
        kind=chosen.name,
        pages=pages,
        sha256=sha,
        records=parsed.records,
        metadata=parsed.metadata,
        warnings=sidecar_warnings + parsed.warnings,
    )


def _read_text(
    data: bytes, source: str, forced: DocKind | None, doc_id: str, meter: Meter | None
) -> tuple[DocKind, Parsed, int]:
    text = decode_text(data, source)
    raw, pages = paginate(text)
    if not any(line.strip() for _, line in raw):
        raise IngestError(source, "no text in file (only whitespace)")
    detected = detect_text(text)
    with metered(meter):
        if meter is not None:
            # Kinds read the lines once (to_src_lines) and then their paragraphs (paragraph_text).
            lines = sum(1 for _, line in raw if line.strip(" \t\u3000\u00a0"))
            meter.stage(_PARSE_FROM, _LOCATE_FROM, len(raw) + lines)
        chosen, parsed = parse_detected(forced, detected, source, lambda k: k.parse_text(raw, doc_id))
        if meter is not None:
            meter.stage(_LOCATE_FROM, 1.0, len(raw) + RECORD_COST * len(parsed.records))
        locate_lines(text, parsed.records)
    return chosen, parsed, pages


def _over_limit(size: int, limit: int) -> str:
    """E.g. "file is 64.0 MB, over the 20 MB limit per file"; in bytes where MB would not show it."""
    if limit >= _MB and round(size / _MB, 1) > limit / _MB:
        return f"file is {size / _MB:.1f} MB, over the {limit / _MB:g} MB limit per file"
    return f"file is {size:,} bytes, over the {limit:,}-byte limit per file"


SIDECAR_SUFFIX = ".meta.json"
SIDECAR_KEYS = ("title", "series", "edition", "publisher", "url", "licence", "published")


def source_sha256(path: Path) -> str:
    """The identity of a source as parsed: its bytes plus its sidecar's (Document.sha256)."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    side = path.with_name(path.name + SIDECAR_SUFFIX)
    if side.is_file():
        try:
            h.update(side.read_bytes())
        except OSError:
            pass
    return h.hexdigest()


def read_sidecar(path: Path) -> tuple[dict[str, str], bytes, list[str]]:
    """Metadata a user declares for a file in `<file name>.meta.json` (title, series, edition, …).

    A document cannot always say what it is (a plan's sheets do not print the plan's edition);
    the sidecar says it. A broken sidecar is a warning, never a lost document.
    """
    side = path.with_name(path.name + SIDECAR_SUFFIX)
    if not side.is_file():
        return {}, b"", []
    try:
        raw = side.read_bytes()
        data = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        return {}, b"", [f"{side.name} ignored: not readable JSON ({exc})"]
    if not isinstance(data, dict):
        return {}, b"", [f"{side.name} ignored: expected a JSON object"]
    unknown = sorted(set(data) - set(SIDECAR_KEYS))
    warnings = [f"{side.name}: unknown keys ignored: {', '.join(unknown)}"] if unknown else []
    meta = {k: str(v) for k, v in data.items() if k in SIDECAR_KEYS and v is not None}
    return meta, raw, warnings


def _texty(data: bytes) -> bool:
    if wide_encoding(data) is not None:
        return True
    chunk = data[:4096]
    return b"\x00" not in chunk and chunk.decode("utf-8", "replace").count("\ufffd") <= 2


def _read_pdf(
    p: Path, source: str, forced: DocKind | None, password: str | None, doc_id: str, ocr: bool
) -> tuple[DocKind, Parsed, int]:
    with pdfroute.open_pdf(p, password) as pdf:
        pages = len(pdf.pages)
        if pages == 0:
            raise IngestError(source, "PDF has no pages")
        doc = pdfroute.PdfDocument(pdf, source, ocr=ocr)
        if not doc.has_text():
            raise IngestError(source, pdfroute.OCR_OFF_HINT if not ocr else "no text layer and no images: nothing to read",
                              {"ocr": True})
        chosen, parsed = parse_detected(forced, forced or detect_pdf(doc.sample()), source,
                                         lambda k: k.parse_pdf(doc, doc_id))
        parsed.warnings[:0] = [w for w in doc.warnings if w not in parsed.warnings]
        _mark_pages(doc, parsed)
    return chosen, parsed, pages


def _mark_pages(doc: pdfroute.PdfDocument, parsed: Parsed) -> None:
    """Record printed page numbers and OCR confidence on the document and its records."""
    labels = doc.page_labels
    if labels and any(k != v for k, v in labels.items()):
        parsed.metadata.setdefault("page_labels", {str(k): v for k, v in labels.items()})
    ocr = doc.ocr_pages
    if not ocr:
        return
    parsed.metadata["ocr_pages"] = {str(k): round(v, 1) for k, v in ocr.items()}
    for rec in parsed.records:
        confs = [ocr[p] for p in rec.pages if p in ocr]
        if confs:
            rec.ocr_confidence = round(sum(confs) / len(confs), 1)
    parsed.warnings.append(f"{len(ocr)} page(s) read by OCR (mean confidence {sum(ocr.values()) / len(ocr):.0f})")


# A folder's README describes the folder; it is indexed only when named on its own.
FOLDER_NOTES = ("readme.md", "readme.txt", "readme")


def list_source_files(paths: Iterable[str | Path]) -> tuple[list[Path], list[Skipped]]:
    """Files named directly, plus supported files below folders (sorted; hidden files and a
    folder's README skipped); each file once, whatever its spelling."""
    files: list[Path] = []
    skipped: list[Skipped] = []
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
                if (f.is_file() and f.suffix.lower() in SUPPORTED_SUFFIXES and f.name.lower() not in FOLDER_NOTES
                        and not any(x.startswith(".") for x in rel)):
                    add(f)
        elif p.exists():
            add(p)
        else:
            skipped.append(Skipped(str(item), "no such file or directory"))
    return files, skipped


def parse_paths(
    paths: Iterable[str | Path],
    kind: str | None = None,
    password: str | None = None,
    progress: bool = False,
    ocr: bool = True,
    max_bytes: int | None = MAX_FILE_BYTES,
) -> IngestReport:
    """Parse files and folders (walked recursively, sorted); one bad file never stops the rest.

    A file over max_bytes is skipped unread (None: no limit)."""
    report = IngestReport()
    files, missing = list_source_files([paths] if isinstance(paths, (str, Path)) else paths)
    report.skipped.extend(missing)
    iterator: Iterable[Path] = files
    if progress:
        from tqdm import tqdm

        iterator = tqdm(files, desc="ingest", unit="file", file=sys.stderr)
    for f in iterator:
        try:
            report.documents.append(parse_file(f, kind=kind, password=password, ocr=ocr, max_bytes=max_bytes))
        except IngestError as exc:
            report.skipped.append(Skipped.of(exc, str(f)))
        except Exception as exc:  # a bug or an exotic file must not stop the batch
            report.skipped.append(Skipped(str(f), f"unexpected error: {type(exc).__name__}: {exc}"))
    return report


__all__ = ["MAX_FILE_BYTES", "IngestReport", "SUPPORTED_SUFFIXES", "doc_id_for", "list_source_files", "parse_file", "parse_paths"]
