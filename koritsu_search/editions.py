"""Editions of a measure's documents: which entries are editions of each other, newest first, and what changed."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Literal

from .intent import western_year
from .measures import Measure, MeasureEntry
from .segment import get_segmenter

Op = Literal["equal", "delete", "insert"]
DiffOps = list[tuple[Op, str]]
Date = tuple[int, int, int]  # (Western year, month or 0, day or 0)

# The fields whose changes are shown, by the name readers use, as each document kind calls them:
# a plan sheet (目標及び達成の期間, 現状, 今後の取組方針) and a status table row (目標及び達成の期間,
# 目標の達成状況, 達成状況を踏まえた施策の見直し方針: the year's result and the next year's course).
DIFF_FIELDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("目標", ("目標及び達成の期間",)),
    ("現状", ("現状", "目標の達成状況")),
    ("今後の取組方針", ("今後の取組方針", "達成状況を踏まえた施策の見直し方針")),
)
_ERA_DATE = re.compile(r"(令和|平成)\s*(元|\d{1,2})\s*年(度)?(?:\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?)?")
_WESTERN_DATE = re.compile(r"(?<!\d)((?:19|20)\d{2})\s*年(度)?(?:\s*(\d{1,2})\s*月(?:\s*(\d{1,2})\s*日)?)?")
_FISCAL = re.compile(r"\bFY\s*((?:19|20)\d{2})\b", re.IGNORECASE)
SHORT_EQUAL = 1  # an unchanged run this short between two changes is shown as part of the change


def edition_dates(text: str | None) -> list[Date]:
    """Every date a text names: 令和/平成 N年(度)(M月(D日)), 2024年(度)(M月(D日)), FY2024."""
    t = unicodedata.normalize("NFKC", text or "")
    found: list[Date] = []
    for m in _ERA_DATE.finditer(t):
        found.append((western_year(m.group(1), m.group(2)), int(m.group(4) or 0), int(m.group(5) or 0)))
    for m in _WESTERN_DATE.finditer(t):
        found.append((int(m.group(1)), int(m.group(3) or 0), int(m.group(4) or 0)))
    found += [(int(m.group(1)), 0, 0) for m in _FISCAL.finditer(t)]
    return found


@lru_cache(maxsize=1024)
def edition_date(text: str | None) -> Date | None:
    """The latest date an edition string names (「令和6年6月11日決定・令和7年5月27日一部改定」: the revision)."""
    dates = edition_dates(text)
    return max(dates) if dates else None


def edition_year(text: str | None) -> int | None:
    """The Western year of an edition (令和6年度 実施状況 → 2024)."""
    date = edition_date(text)
    return date[0] if date else None


def entry_date(e: MeasureEntry) -> Date | None:
    """When an entry's document was issued: its edition, else the dates in its title."""
    return edition_date(e.edition) or edition_date(e.doc_title)


def newest_first(entries: Iterable[MeasureEntry]) -> list[MeasureEntry]:
    """Entries newest first; undated ones last, in their given order."""
    dated = [(entry_date(e), n, e) for n, e in enumerate(entries)]
    return [e for _, _, e in sorted(dated, key=lambda x: (x[0] is None, tuple(-v for v in x[0] or ()), x[1]))]


def ordered_entries(m: Measure) -> list[MeasureEntry]:
    """A measure's entries, kinds in their given order (plans first), each kind's editions newest first."""
    kinds = list(dict.fromkeys(e.doc_kind for e in m.entries))
    return [e for k in kinds for e in newest_first(x for x in m.entries if x.doc_kind == k)]


def _tokens(text: str) -> list[str]:
    """The text as Sudachi words (whitespace and symbols included), nothing lost between them."""
    out, pos = [], 0
    for t in get_segmenter().tokens(text):
        if t.start > pos:
            out.append(text[pos:t.start])
        out.append(text[t.start:t.end])
        pos = t.end
    if pos < len(text):
        out.append(text[pos:])
    return out


def _merged(ops: Iterable[tuple[Op, str]]) -> DiffOps:
    """Adjacent ops of one kind as one; deletions before insertions within a change."""
    out: DiffOps = []
    for op, text in ops:
        if not text:
            continue
        if out and out[-1][0] == op:
            out[-1] = (op, out[-1][1] + text)
        elif op == "delete" and out and out[-1][0] == "insert":
            prev = out.pop()
            if out and out[-1][0] == "delete":
                out[-1] = ("delete", out[-1][1] + text)
            else:
                out.append(("delete", text))
            out.append(prev)
        else:
            out.append((op, text))
    return out


def _absorb_short_equals(ops: DiffOps, words: dict[int, int]) -> DiffOps:
    """An unchanged word or two between two changes becomes part of both (fewer, readable marks)."""
    out: list[tuple[Op, str]] = []
    for i, (op, text) in enumerate(ops):
        inside = 0 < i < len(ops) - 1 and ops[i - 1][0] != "equal" and ops[i + 1][0] != "equal"
        if op == "equal" and inside and words.get(i, 0) <= SHORT_EQUAL and not text.isspace():
            out += [("delete", text), ("insert", text)]
        else:
            out.append((op, text))
    return _merged(out)


def word_diff(old: str, new: str) -> DiffOps:
    """The word-level changes from old to new: ("equal" | "delete" | "insert", text) in reading order.

    Words are Sudachi morphemes; joining the equal and delete texts gives old, the equal and
    insert texts give new.
    """
    if old == new:
        return [("equal", new)] if new else []
    a, b = _tokens(old), _tokens(new)
    raw: list[tuple[Op, str]] = []
    words: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            words[len(raw)] = i2 - i1
            raw.append(("equal", "".join(a[i1:i2])))
            continue
        raw += [("delete", "".join(a[i1:i2])), ("insert", "".join(b[j1:j2]))]
    merged = _merged(raw)
    # Re-count the words of each equal run after merging (merging never joins equal runs).
    counts = iter(words[k] for k in sorted(words))
    return _absorb_short_equals(merged, {i: next(counts) for i, (op, _) in enumerate(merged) if op == "equal"})


@dataclass
class FieldChange:
    """One field of an edition against the edition before it."""

    label: str  # 目標, 現状 or 今後の取組方針
    field: str  # the column as the documents name it
    ops: DiffOps

    @property
    def changed(self) -> bool:
        return any(op != "equal" for op, _ in self.ops)

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "field": self.field, "changed": self.changed,
                "ops": [list(op) for op in self.ops]}


@dataclass
class EditionSet:
    """The editions of one document kind holding a measure, newest first, each against the one before."""

    kind: str
    entries: list[MeasureEntry]
    # changes[i]: entries[i] against entries[i + 1] (the oldest has none).
    changes: list[list[FieldChange]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "editions": [{"doc_id": e.doc_id, "edition": e.edition, "record_id": e.record_id,
                          "date": list(d) if (d := entry_date(e)) else None} for e in self.entries],
            "changes": [{"doc_id": new.doc_id, "against": old.doc_id, "fields": [c.to_dict() for c in cs]}
                        for new, old, cs in zip(self.entries, self.entries[1:], self.changes, strict=False)],
        }


def field_changes(newer: MeasureEntry, older: MeasureEntry) -> list[FieldChange]:
    """The changes of 目標, 現状 and 今後の取組方針 from the older edition to the newer."""
    out = []
    for label, columns in DIFF_FIELDS:
        col = next((c for c in columns if c in newer.fields or c in older.fields), None)
        if col is not None:
            out.append(FieldChange(label, col, word_diff(older.fields.get(col, ""), newer.fields.get(col, ""))))
    return out


def edition_sets(m: Measure) -> list[EditionSet]:
    """The document kinds of which a measure has several editions (two status tables, two plans): entries
    of one kind with different dates. Undated entries are no edition of a set (their order is unknown)."""
    out = []
    for kind in dict.fromkeys(e.doc_kind for e in m.entries):
        entries = newest_first(e for e in m.entries if e.doc_kind == kind and entry_date(e) is not None)
        if len({entry_date(e) for e in entries}) > 1:
            out.append(EditionSet(kind, entries, [field_changes(a, b) for a, b in zip(entries, entries[1:], strict=False)]))
    return out


def changes_by_doc(sets: Sequence[EditionSet]) -> dict[str, tuple[MeasureEntry, list[FieldChange]]]:
    """For each edition that has an earlier one: that earlier edition and the changes since, by doc_id."""
    return {new.doc_id: (old, cs) for s in sets
            for new, old, cs in zip(s.entries, s.entries[1:], s.changes, strict=False)}


def measure_dict(m: Measure) -> dict[str, Any]:
    """A measure as JSON: its entries (each kind's editions newest first) and its editions with their changes."""
    data = m.to_dict()
    data["entries"] = [e.to_dict() for e in ordered_entries(m)]
    data["editions"] = [s.to_dict() for s in edition_sets(m)]
    return data


def preferred_docs(docs: Iterable[tuple[str, str | None, str | None]], year: int | None = None) -> set[str]:
    """Of (doc_id, kind, edition or title) of documents holding one measure, those to cite.

    Where one kind has several dated editions, only one is kept: the edition of the year asked for
    when there is one, else the newest. Undated documents and kinds of one edition are all kept.
    """
    by_kind: dict[str | None, list[tuple[str, Date | None]]] = {}
    for doc_id, kind, edition in docs:
        by_kind.setdefault(kind, []).append((doc_id, edition_date(edition)))
    keep: set[str] = set()
    for members in by_kind.values():
        dated = [(d, doc) for doc, d in members if d is not None]
        keep |= {doc for doc, d in members if d is None}
        if len({d for d, _ in dated}) < 2:
            keep |= {doc for _, doc in dated}
            continue
        asked = [doc for d, doc in dated if d[0] == year]
        keep |= set(asked) if asked else {max(dated)[1]}
    return keep
