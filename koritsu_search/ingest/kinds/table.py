"""Ruled tables in any PDF: one record per row, fields keyed by the header text."""

from __future__ import annotations

from ...models import ROW, Document, Record
from ..pdf import PdfDocument, PdfSample
from .base import DocKind, Parsed, PassagePart, RecordKind


class Table(DocKind):
    """A PDF whose content is (mostly) ruled tables; prose around the tables stays prose."""

    name = "table"
    description = "ruled tables (one record per row, keyed by the header)"

    def detect_pdf(self, sample: PdfSample) -> float:
        return 0.0  # TODO(table helper)

    def parse_pdf(self, pdf: PdfDocument, doc_id: str) -> Parsed:
        raise NotImplementedError


class RowRecord(RecordKind):
    """A table row: 'header: value / header: value' so it can be found and cited by its values."""

    name = ROW
    label = "表の行 / Table row"
    nouns = ("table row", "table rows")

    def passages(self, doc: Document, rec: Record) -> list[PassagePart]:
        page = rec.pages[0] if rec.pages else None
        return [PassagePart(None, page, rec.text, f"{doc.title}: {rec.text}")]

    def title(self, rec: Record, doc_title: str = "", page: int | None = None) -> str:
        first = next(iter(rec.fields.values()), "")
        return f"{doc_title} — {first}" if first else doc_title

    def outline(self, rec: Record) -> str:
        return rec.text[:100]
