"""Measures across documents: link a plan's sheets and its status reports by 施策No.

Two documents are linked only when they declare the same plan (the series named in their title,
first lines or sidecar metadata) and their measure names agree for the numbers they share, so
numbers of different programmes never collide.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any

from .ingest.kinds import doc_kind
from .models import MEASURE, Document, Record

# "重点計画", "基本計画", "行動計画": the two kanji before 計画 name the plan in long and short forms
# alike (孤独・孤立対策に関する施策の推進を図るための重点計画 / 孤独・孤立対策重点計画).
_PLAN = re.compile(r"([\u4e00-\u9fff]{2})計画")
_ERA_EDITION = re.compile(r"(令和|平成)[\s\u3000]*([元0-9０-９]{1,2})[\s\u3000]*年(?:度)?")
# A year or edition in a title: 令和7年度, 令和6年6月11日, 2024年度, FY2024, 第2版, 一部改定, 改訂版.
_YEAR_IN_TITLE = re.compile(
    r"(?:令和|平成)\s*[元0-9]{1,2}\s*年(?:度)?(?:\s*[0-9]{1,2}\s*月(?:\s*[0-9]{1,2}\s*日)?)?"
    r"|(?<![0-9])(?:19|20)[0-9]{2}\s*年(?:度)?(?:\s*[0-9]{1,2}\s*月(?:\s*[0-9]{1,2}\s*日)?)?"
    r"|\bFY\s*(?:19|20)[0-9]{2}\b|第\s*[0-9]+\s*版|(?:一部)?改[定訂](?:版)?|[0-9]+\s*年版", re.IGNORECASE)
NAME_AGREEMENT = 0.8  # share of shared numbers whose names must match
NAME_SIMILARITY = 0.6  # character similarity at which two measure names match


@dataclass
class MeasureEntry:
    """One document's record of a measure: its fields and where they are."""

    doc_id: str
    doc_title: str
    doc_kind: str
    edition: str | None
    source: str
    record_id: str
    fields: dict[str, str]
    field_pages: dict[str, list[int]]
    pages: list[int]
    printed_pages: list[int]
    urls: list[str]
    # The same pages as printed on them (footer numbers), where the document has them.
    field_printed_pages: dict[str, list[int]] = field(default_factory=dict)
    # The line of a text source where the record starts (text files have lines, not pages).
    line: int | None = None
    # Where it is in a source without pages (a sheet's cells, a Word paragraph, an HTML anchor).
    locator: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class Measure:
    """A measure across documents: plan commitments beside status results."""

    key: str
    no: int
    name: str
    ministries: list[str]
    sections: list[str]
    entries: list[MeasureEntry]

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["entries"] = [e.to_dict() for e in self.entries]
        return d


def _norm(text: str) -> str:
    return re.sub(r"[\s\u3000「」『』（）()【】・、。]", "", unicodedata.normalize("NFKC", text or ""))


def plan_series(doc: Document) -> str | None:
    """The plan a document declares (sidecar "series", else its title and first records)."""
    declared = doc.metadata.get("series")
    texts = [str(declared)] if declared else [doc.title, str(doc.metadata.get("title_note", ""))]
    if not declared:
        texts += [r.text[:200] for r in doc.records[:3] if r.kind != MEASURE]
    for text in texts:
        found = _PLAN.findall(unicodedata.normalize("NFKC", text))
        if found:
            return f"{found[-1]}計画"
    return _norm(str(declared)) if declared else None


def title_series(doc: Document) -> str | None:
    """A document's title without its year or edition (「…の実施状況(令和7年度)」 → 「…の実施状況」), when it
    names one: titles that differ only by year or edition are editions of one series."""
    title = unicodedata.normalize("NFKC", doc.title)
    stripped = _YEAR_IN_TITLE.sub("", title)
    return _norm(stripped) if stripped != title and _norm(stripped) else None


def edition_of(doc: Document) -> str | None:
    """The edition a document declares (sidecar "edition", else a 令和N年度 in its title)."""
    if doc.metadata.get("edition"):
        return str(doc.metadata["edition"])
    m = _ERA_EDITION.search(doc.title)
    if not m:
        return None
    return f"{m.group(0)} 実施状況" if "実施状況" in doc.title else m.group(0)


def _names_agree(a: dict[int, str], b: dict[int, str]) -> bool:
    shared = set(a) & set(b)
    if not shared:
        return False
    same = sum(
        1 for n in shared
        if difflib.SequenceMatcher(None, _norm(a[n]), _norm(b[n]), autojunk=False).ratio() >= NAME_SIMILARITY
    )
    return same >= NAME_AGREEMENT * len(shared)


def _names(doc: Document) -> dict[int, str]:
    return {r.measure_no: r.measure_name or "" for r in doc.records if r.kind == MEASURE and r.measure_no is not None}


def link_measures(documents: list[Document]) -> list[dict[str, Any]]:
    """Set `measure_key` on every measure record; return the groups of linked documents.

    A document with measures joins the first group of the same series whose names agree with
    its own; otherwise it starts a group of its own (keyed by its plan's name, else its doc_id).
    A document that declares no plan is in the series of its title without year or edition, so
    that the 令和6年度 and 令和7年度 editions of one table link (keyed by the first one's doc_id).
    """
    groups: list[dict[str, Any]] = []
    for doc in documents:
        names = _names(doc)
        if not names:
            continue
        plan = plan_series(doc)
        series = plan or title_series(doc)
        group = None
        if series:
            group = next((g for g in groups if g["series"] == series and _names_agree(g["names"], names)), None)
        if group is None:
            key = plan if plan and not any(g["key"] == plan for g in groups) else doc.doc_id
            group = {"key": key, "series": series, "names": {}, "documents": []}
            groups.append(group)
        for n, name in names.items():
            group["names"].setdefault(n, name)
        group["documents"].append(doc.doc_id)
        for r in doc.records:
            if r.kind == MEASURE and r.measure_no is not None:
                r.measure_key = f"{group['key']}#{r.measure_no}"
    return [{"key": g["key"], "series": g["series"], "documents": g["documents"]} for g in groups]


def _entry(doc: Document, rec: Record) -> MeasureEntry:
    labels = {int(k): v for k, v in doc.metadata.get("page_labels", {}).items()}
    printed = {f: [labels.get(p, p) for p in ps] for f, ps in rec.field_pages.items()} if labels else {}
    return MeasureEntry(
        doc_id=doc.doc_id, doc_title=doc.title, doc_kind=doc.kind, edition=edition_of(doc), source=doc.source,
        record_id=rec.record_id, fields=dict(rec.fields), field_pages=dict(rec.field_pages), pages=list(rec.pages),
        printed_pages=list(rec.printed_pages), urls=list(rec.urls), field_printed_pages=printed, line=rec.line,
        locator=rec.locator,
    )


def collect_measures(documents: list[Document]) -> dict[str, Measure]:
    """Every measure by key, its entries in document order (plans before status reports)."""
    out: dict[str, Measure] = {}
    order = sorted(documents, key=lambda d: doc_kind(d.kind).link_order)
    for doc in order:
        for rec in doc.records:
            if rec.kind != MEASURE or rec.measure_no is None:
                continue
            key = rec.measure_key or f"{doc.doc_id}#{rec.measure_no}"
            m = out.get(key)
            if m is None:
                m = out[key] = Measure(key, rec.measure_no, rec.measure_name or "", [], [], [])
            for x in rec.ministries:
                if x not in m.ministries:
                    m.ministries.append(x)
            known = {_norm(s) for s in m.sections}
            for s in rec.section:
                if _norm(s) not in known:
                    m.sections.append(s)
                    known.add(_norm(s))
            m.entries.append(_entry(doc, rec))
    return out
