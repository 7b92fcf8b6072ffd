"""The measure record kind (one 施策 of a plan or of a status report): passages and presentation."""

from __future__ import annotations

from ...chunking import split_text
from ...models import Document, Record
from .base import PassagePart, RecordKind

# Fields that are context (in every passage's embedding text), not passages of their own.
CONTEXT_FIELDS = ("施策No.", "施策名", "関連URL", "担当府省庁")


def measure_context(rec: Record) -> str:
    """施策12 名前（府省庁・…）: what every passage of a measure is embedded with."""
    ministries = "・".join(rec.ministries)
    name = rec.measure_name or ""
    return f"施策{rec.measure_no} {name}（{ministries}）" if ministries else f"施策{rec.measure_no} {name}"


def page_for(rec: Record, field: str | None) -> int | None:
    """The first page of a field (or of the record)."""
    if field and rec.field_pages.get(field):
        return rec.field_pages[field][0]
    return rec.pages[0] if rec.pages else None


class MeasureRecord(RecordKind):
    """A measure: a name passage, then each text field cut into passages."""

    name = "measure"
    label = "施策 / Measure"
    nouns = ("measure", "measures")
    summary_en = ("measure", "measures")
    summary_ja = "施策"
    counts_ministries = True
    columns = True
    title_field = "施策名"
    evidence_fields = ("施策の概要", "今後の取組方針", "目標及び達成の期間", "目標の達成状況")

    def text_fields(self, rec: Record) -> list[str]:
        return [k for k in rec.fields if k not in CONTEXT_FIELDS]

    def passages(self, doc: Document, rec: Record) -> list[PassagePart]:
        context = measure_context(rec)
        out: list[PassagePart] = []
        # The name passage: what a call-center agent types is often just the program name.
        name = rec.fields.get("施策名") or rec.measure_name or ""
        if name:
            out.append(PassagePart("施策名", page_for(rec, "施策名"), name, f"{context} {' '.join(rec.section[-1:])}"))
        for col in self.text_fields(rec):
            for _, chunk in split_text(rec.fields.get(col, "")):
                out.append(PassagePart(col, page_for(rec, col), chunk, f"{context} {col}: {chunk}"))
        return out

    def title(self, rec: Record, doc_title: str = "", page: int | None = None) -> str:
        return f"施策No.{rec.measure_no} {rec.measure_name or ''}".strip()

    def detail_fields(self, rec: Record) -> list[tuple[str, str]]:
        return [(k, rec.fields[k]) for k in self.text_fields(rec) if rec.fields.get(k)]

    def outline(self, rec: Record) -> str:
        return f"施策No.{rec.measure_no} {rec.measure_name} [{' '.join(rec.ministries)}]"
