"""Office Open XML packages (.xlsx, .docx): the checks made before a zip is handed to its library."""

from __future__ import annotations

import io
import zipfile

from .base import FormatError, SourceFormat

CFB_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: encrypted OOXML, or .xls/.doc
ZIP_MAGIC = b"PK\x03\x04"
EXPANSION = 20  # an archive may expand to this many times the per-file limit, and no more


def looks_like_package(head: bytes) -> bool:
    """A zip or an OLE container (what an Office file with a password is saved as)."""
    return head.startswith(ZIP_MAGIC) or head.startswith(CFB_MAGIC)


def check_package(data: bytes, max_bytes: int | None, required: str, what: str) -> None:
    """FormatError unless data is an unencrypted OOXML zip holding `required`, of bounded size."""
    if data.startswith(CFB_MAGIC):
        raise FormatError(
            f"password-protected or encrypted {what} (or the old binary format); save it without a password as {what}")
    if not data.startswith(ZIP_MAGIC):
        raise FormatError(f"not a {what} file (no zip header)")
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = set(z.namelist())
            expanded = sum(i.file_size for i in z.infolist())
            bad = z.testzip()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError) as exc:
        raise FormatError(f"corrupt {what} file (not a readable zip: {exc})") from exc
    if bad is not None:
        raise FormatError(f"corrupt {what} file (damaged member {bad})")
    if required not in names:
        raise FormatError(f"not a {what} file (a zip without {required})")
    if max_bytes is not None and expanded > EXPANSION * max_bytes:
        raise FormatError(f"{what} expands to {expanded / 1024 / 1024:.0f} MB, over {EXPANSION}x the per-file limit")


class OfficePackage(SourceFormat):
    """An Office Open XML format: known by its suffix and a zip (or, with a password, OLE) header."""

    def sniff(self, head: bytes, suffix: str) -> bool:
        return suffix in self.suffixes and looks_like_package(head)

