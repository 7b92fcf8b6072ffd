"""How files are parsed: one options object for `parse`, a build and `embed_only`."""

from __future__ import annotations

from dataclasses import dataclass

MAX_FILE_BYTES = 20 * 1024 * 1024  # a larger file is skipped unless the limit is raised


@dataclass(frozen=True)
class ParseOptions:
    """`kind` forces a document kind (else detected); `password` opens encrypted PDFs; `ocr` reads
    scanned pages with Tesseract; a file over `max_bytes` is skipped unread (None: no limit)."""

    kind: str | None = None
    password: str | None = None
    ocr: bool = True
    max_bytes: int | None = MAX_FILE_BYTES
