"""The interfaces every document kind and record kind implements."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...chunking import split_text
from ...models import Record

if TYPE_CHECKING:
    from ...models import Document
    from ..pdf import PdfDocument, PdfSample


class ParseFailure(Exception):
    """The file is not readable as this kind; the message says why (the caller names the file)."""


@dataclass
class Parsed:
    """What a parser recovered from one file."""

    title: str
    records: list[Record]
    metadata: dict[str, Any] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)


@dataclass
class PassagePart:
    """One passage cut from a record, before ids and citation fields are attached."""

    field: str | None
    page: int | None
    text: str
    embed_text: str


def cut_text(rec: Record, head: str) -> list[PassagePart]:
    """A record's text cut at sentence ends, each piece citing the page it is on, embedded after head."""
    return [PassagePart(None, rec.page_at(off), chunk, f"{head}{chunk}") for off, chunk in split_text(rec.text)]


class DocKind:
    """A kind of document: detection from content, parsing from text lines or PDF pages.

    Subclasses set `name` (the value of `--kind` and of `Document.kind`) and override what
    they support. Detection returns a confidence in [0, 1]; the highest wins, ties go to the
    kind listed first in the registry, and prose is the fallback.
    """

    name: str = ""
    aliases: tuple[str, ...] = ()
    description: str = ""
    link_order: int = 1  # where its entries stand in a linked measure (commitments, 0, come first)

    def detect_text(self, text: str) -> float:
        return 0.0

    def detect_pdf(self, sample: PdfSample) -> float:
        return 0.0

    def parse_text(self, raw: list[tuple[int, str]], doc_id: str) -> Parsed:
        raise NotImplementedError(f"{self.name} documents cannot be read from text")

    def parse_pdf(self, pdf: PdfDocument, doc_id: str) -> Parsed:
        raise NotImplementedError(f"{self.name} documents cannot be read from PDF")


class RecordKind:
    """A kind of record (answer unit): its passages and how people see it."""

    name: str = ""
    label: str = ""  # shown on cards: "施策 / Measure"
    nouns: tuple[str, str] = ("record", "records")
    # How answer summaries count this kind ("3 meeting statements", "会議での発言 3件"); None: "other".
    summary_en: tuple[str, str] | None = None
    summary_ja: str | None = None
    counts_ministries: bool = False  # summaries say how many ministries these items come from
    columns: bool = False  # the detail view shows detail_fields side by side
    # A field that only repeats the item's name (no evidence), and the fields to quote instead
    # when an item matched by its name alone.
    title_field: str | None = None
    evidence_fields: tuple[str, ...] = ()

    def passages(self, doc: Document, rec: Record) -> list[PassagePart]:
        raise NotImplementedError

    def title(self, rec: Record, doc_title: str = "", page: int | None = None) -> str:
        return doc_title or rec.record_id

    def detail_fields(self, rec: Record) -> list[tuple[str, str]]:
        """(label, text) pairs shown in a detail view, in order."""
        return [(k, v) for k, v in rec.fields.items() if v]

    def outline(self, rec: Record) -> str:
        """One line for `koritsu-search parse` text output."""
        return f"{rec.text[:80]}"
