"""The registry of document kinds and record kinds: lookups instead of if/elif chains."""

from __future__ import annotations

from .base import DocKind, Parsed, ParseFailure, PassagePart, RecordKind
from .measure import MeasureRecord
from .minutes import Minutes, SpeechRecord
from .plan_sheets import PlanSheets
from .prose import ParagraphRecord, Prose
from .status_table import StatusTable
from .table import RowRecord, Table

# Detection order breaks ties: the more specific kinds first, prose (the fallback) last.
DOC_KINDS: dict[str, DocKind] = {k.name: k for k in (StatusTable(), PlanSheets(), Minutes(), Table(), Prose())}
RECORD_KINDS: dict[str, RecordKind] = {k.name: k for k in (MeasureRecord(), SpeechRecord(), RowRecord(), ParagraphRecord())}
FALLBACK = "generic"
_ALIASES = {alias: k.name for k in DOC_KINDS.values() for alias in k.aliases}


def kind_names() -> list[str]:
    """The values `--kind` accepts."""
    return list(DOC_KINDS)


def doc_kind(name: str) -> DocKind:
    """The document kind called name (or one of its aliases); ValueError naming the choices."""
    key = _ALIASES.get(name, name)
    if key not in DOC_KINDS:
        raise ValueError(f"kind must be one of {', '.join(DOC_KINDS)}, not {name!r}")
    return DOC_KINDS[key]


def record_kind(name: str) -> RecordKind:
    """The record kind called name; unknown kinds are presented as paragraphs."""
    return RECORD_KINDS.get(name) or RECORD_KINDS["paragraph"]


def detect_text(text: str) -> DocKind:
    """The kind of a text file, by the highest confidence."""
    return _best({k: k.detect_text(text) for k in DOC_KINDS.values()})


def detect_pdf(sample: object) -> DocKind:
    """The kind of a PDF, by the highest confidence on a sample of its pages."""
    return _best({k: k.detect_pdf(sample) for k in DOC_KINDS.values()})  # type: ignore[arg-type]


def _best(scores: dict[DocKind, float]) -> DocKind:
    best = max(scores.values())
    if best <= 0:
        return DOC_KINDS[FALLBACK]
    return next(k for k, s in scores.items() if s == best)


__all__ = [
    "DOC_KINDS", "RECORD_KINDS", "DocKind", "ParseFailure", "Parsed", "PassagePart", "RecordKind",
    "detect_pdf", "detect_text", "doc_kind", "kind_names", "record_kind",
]
