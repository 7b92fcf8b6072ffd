"""Data records shared by every layer: documents, records, passages, hits and answers."""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from typing import Any

from .errors import IngestError

# Record kinds (their behaviour lives in koritsu_search.ingest.kinds).
MEASURE = "measure"
SPEECH = "speech"
PARAGRAPH = "paragraph"
ROW = "row"

# Document kinds.
MEASURES_DOC = "measures"
PLAN_DOC = "plan"
MINUTES_DOC = "minutes"
TABLE_DOC = "table"
GENERIC_DOC = "generic"

# The eight columns of the measures table, in published order.
MEASURE_COLUMNS = (
    "施策No.",
    "施策名",
    "施策の概要",
    "目標及び達成の期間",
    "目標の達成状況",
    "達成状況を踏まえた施策の見直し方針",
    "関連URL",
    "担当府省庁",
)


@dataclass
class Record:
    """One answer unit: a measure row, a speaker turn, or a paragraph."""

    record_id: str
    kind: str
    text: str
    pages: list[int] = dataclasses.field(default_factory=list)
    measure_no: int | None = None
    measure_name: str | None = None
    section: list[str] = dataclasses.field(default_factory=list)
    ministries: list[str] = dataclasses.field(default_factory=list)
    fields: dict[str, str] = dataclasses.field(default_factory=dict)
    field_pages: dict[str, list[int]] = dataclasses.field(default_factory=dict)
    urls: list[str] = dataclasses.field(default_factory=list)
    speaker: str | None = None
    organization: str | None = None
    # [char offset in text, page] where a new page starts inside the text (speeches, paragraphs).
    page_offsets: list[list[int]] = dataclasses.field(default_factory=list)
    # Page numbers printed on the pages (footers), when they differ from the PDF page index.
    printed_pages: list[int] = dataclasses.field(default_factory=list)
    # The measure across documents ("<plan series>#<No.>"), set when documents are linked.
    measure_key: str | None = None
    # Mean Tesseract confidence (0-100) when the text was read by OCR.
    ocr_confidence: float | None = None
    # The 1-based line of a text source where the record starts (text sources only).
    line: int | None = None
    # Where the record is in a source without pages: "名簿!A5:H5" (a sheet's cells), "¶12" (a Word
    # paragraph), "#soudan" (an HTML heading's anchor).
    locator: str | None = None

    def page_at(self, offset: int) -> int | None:
        """The page on which the character at offset of `text` stands."""
        page = self.pages[0] if self.pages else None
        for start, p in self.page_offsets:
            if start > offset:
                break
            page = p
        return page

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Record:
        return cls(**data)


@dataclass
class Document:
    """A parsed source file and its records."""

    doc_id: str
    title: str
    source: str
    kind: str
    pages: int
    sha256: str
    records: list[Record] = dataclasses.field(default_factory=list)
    metadata: dict[str, Any] = dataclasses.field(default_factory=dict)
    warnings: list[str] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        data = dict(data)
        data["records"] = [Record.from_dict(r) for r in data.get("records", [])]
        return cls(**data)


@dataclass
class Skipped:
    """A file that could not be read, and why (`error`: the library's error, for a caller that names
    its options its own way, as the CLI does with flags)."""

    source: str
    reason: str
    error: IngestError | None = field(default=None, compare=False, repr=False)

    @classmethod
    def of(cls, error: IngestError, source: str | None = None) -> Skipped:
        return cls(source if source is not None else error.source, error.reason, error)

    def to_dict(self) -> dict[str, Any]:
        return {"source": self.source, "reason": self.reason}


@dataclass
class Passage:
    """A piece of a record small enough to embed, with everything needed to cite it."""

    passage_id: str
    record_id: str
    doc_id: str
    doc_title: str
    source: str
    kind: str
    page: int | None
    text: str
    embed_text: str
    measure_no: int | None = None
    measure_name: str | None = None
    measure_key: str | None = None
    printed_page: int | None = None
    ministries: list[str] = dataclasses.field(default_factory=list)
    section: list[str] = dataclasses.field(default_factory=list)
    field: str | None = None
    speaker: str | None = None
    url: str | None = None
    content_hash: str = ""
    # The needs (taxonomy labels) the passage's measure or record serves, tagged at index time.
    needs: list[str] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Passage:
        return cls(**data)


@dataclass
class Filters:
    """Restrictions applied identically to the dense and the lexical leg."""

    ministries: list[str] = dataclasses.field(default_factory=list)
    doc_ids: list[str] = dataclasses.field(default_factory=list)
    sections: list[str] = dataclasses.field(default_factory=list)
    fields: list[str] = dataclasses.field(default_factory=list)
    kinds: list[str] = dataclasses.field(default_factory=list)
    needs: list[str] = dataclasses.field(default_factory=list)  # taxonomy labels: records serving any of them

    def is_empty(self) -> bool:
        return not any(getattr(self, f.name) for f in dataclasses.fields(self))

    def accepts(self, p: Passage) -> bool:
        if self.ministries and not set(self.ministries) & set(p.ministries):
            return False
        if self.doc_ids and p.doc_id not in self.doc_ids:
            return False
        if self.sections and not any(s in sec for s in self.sections for sec in p.section):
            return False
        if self.fields and (p.field or "") not in self.fields:
            return False
        if self.kinds and p.kind not in self.kinds:
            return False
        if self.needs and not set(self.needs) & set(p.needs):
            return False
        return True


@dataclass
class Hit:
    """A passage returned by search, with its fused score."""

    passage_id: str
    record_id: str
    doc_id: str
    doc_title: str
    source: str
    page: int | None
    kind: str
    measure_no: int | None
    measure_name: str | None
    ministries: list[str]
    section: list[str]
    field: str | None
    speaker: str | None
    url: str | None
    text: str
    score: float
    dense_score: float | None = None
    lexical_score: float | None = None
    measure_key: str | None = None
    printed_page: int | None = None
    needs: list[str] = dataclasses.field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_passage(
        cls,
        p: Passage,
        score: float,
        dense_score: float | None = None,
        lexical_score: float | None = None,
    ) -> Hit:
        return cls(
            passage_id=p.passage_id,
            record_id=p.record_id,
            doc_id=p.doc_id,
            doc_title=p.doc_title,
            source=p.source,
            page=p.page,
            kind=p.kind,
            measure_no=p.measure_no,
            measure_name=p.measure_name,
            ministries=list(p.ministries),
            section=list(p.section),
            field=p.field,
            speaker=p.speaker,
            url=p.url,
            text=p.text,
            score=score,
            dense_score=dense_score,
            lexical_score=lexical_score,
            measure_key=p.measure_key,
            printed_page=p.printed_page,
            needs=list(p.needs),
        )


@dataclass
class Citation:
    """A checkable source for an answer item: where it is and the quoted evidence."""

    passage_id: str
    doc_id: str
    doc_title: str
    source: str
    page: int | None
    field: str | None
    speaker: str | None
    quote: str
    highlights: list[tuple[int, int]] = dataclasses.field(default_factory=list)
    printed_page: int | None = None
    doc_kind: str | None = None
    edition: str | None = None
    ocr_confidence: float | None = None
    # A text source's line where the cited record starts (page is None when the file has no pages).
    line: int | None = None
    # A sheet's cells, a Word paragraph or an HTML anchor (sources without pages; see Record.locator).
    locator: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["highlights"] = [list(h) for h in self.highlights]
        return d


@dataclass
class AnswerItem:
    """One measure or one speaker turn in an answer, with its citations."""

    record_id: str
    kind: str
    title: str
    score: float
    measure_no: int | None = None
    measure_name: str | None = None
    speaker: str | None = None
    ministries: list[str] = dataclasses.field(default_factory=list)
    section: list[str] = dataclasses.field(default_factory=list)
    url: str | None = None
    urls: list[str] = dataclasses.field(default_factory=list)
    citations: list[Citation] = dataclasses.field(default_factory=list)
    measure_key: str | None = None
    # Calibrated probability (0-1) that the item is relevant, and its band: "high", "medium", "low".
    confidence: float | None = None
    band: str | None = None
    needs: list[str] = dataclasses.field(default_factory=list)  # the needs it serves (「対象」)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["citations"] = [c.to_dict() for c in self.citations]
        return d


@dataclass
class Answer:
    """The grouped, cited answer to a question."""

    question: str
    summary: str
    # The items above the relevance cut (all of them when asked for a complete list, else the first k).
    items: list[AnswerItem] = dataclasses.field(default_factory=list)
    # How many items are above the cut in all (len(items) unless the list was shortened to k).
    total: int = 0
    # False when nothing is above the cut; `nearest` then holds the closest items, shown as such.
    confident: bool = True
    nearest: list[AnswerItem] = dataclasses.field(default_factory=list)
    # Ministries the question names (厚労省 -> 厚生労働省): their passages are boosted, not filtered.
    implied_ministries: list[str] = dataclasses.field(default_factory=list)
    filters: Filters | None = None
    # What was understood of the question: the needs read from it (NeedRead.to_dict rows).
    needs: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    # A measure the question names by number (施策No.12, 12番): answered first.
    measure_no: int | None = None
    # Items of a complete list left out because they are 低 (ask's include_low shows them).
    folded_low: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "question": self.question,
            "summary": self.summary,
            "total": self.total,
            "folded_low": self.folded_low,
            "confident": self.confident,
            "implied_ministries": list(self.implied_ministries),
            "needs": list(self.needs),
            "measure_no": self.measure_no,
            "filters": asdict(self.filters) if self.filters is not None else None,
            "items": [i.to_dict() for i in self.items],
            "nearest": [i.to_dict() for i in self.nearest],
        }
