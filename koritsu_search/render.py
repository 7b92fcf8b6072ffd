"""Plain-text rendering of documents, hits and answers for people at a terminal."""

from __future__ import annotations

from .ingest.kinds import record_kind
from .linking import Measure
from .models import Answer, Document, Hit


def mark(text: str, spans: list[tuple[int, int]], color: bool = False) -> str:
    """The text with the spans emphasized: ANSI bold yellow on a terminal, **…** otherwise."""
    open_, close = ("\x1b[1;33m", "\x1b[0m") if color else ("**", "**")
    out, pos = [], 0
    for s, e in sorted(spans):
        if s < pos:
            continue
        out.append(text[pos:s])
        out.append(open_ + text[s:e] + close)
        pos = e
    out.append(text[pos:])
    return "".join(out)


def _pages(pages: list[int]) -> str:
    if not pages:
        return "?"
    return str(pages[0]) if len(pages) == 1 else f"{pages[0]}-{pages[-1]}"


def render_documents(documents: list[Document]) -> str:
    lines: list[str] = []
    for d in documents:
        lines.append(f"# {d.title}")
        lines.append(f"  id={d.doc_id} kind={d.kind} pages={d.pages} records={len(d.records)} source={d.source}")
        for w in d.warnings:
            lines.append(f"  warning: {w}")
        for key, value in d.metadata.items():
            if isinstance(value, (list, dict)):
                lines.append(f"  {key}: {len(value)}")
            else:
                lines.append(f"  {key}: {value}")
        for r in d.records:
            kind = record_kind(r.kind)
            where = f"p.{_pages(r.printed_pages or r.pages)}"
            ocr = f" OCR {r.ocr_confidence:.0f}" if r.ocr_confidence is not None else ""
            lines.append(f"- {kind.outline(r)} {where}{ocr}")
            if kind.columns:
                for col, text in kind.detail_fields(r):
                    lines.append(f"    {col}: {text[:80]}{'…' if len(text) > 80 else ''}")
                if r.urls:
                    lines.append(f"    URL: {' '.join(r.urls)}")
        lines.append("")
    return "\n".join(lines)


def cite_where(doc_title: str, page: int | None, printed: int | None = None, edition: str | None = None) -> str:
    """"Title 令和7年度, p.32 (PDF p.9)": the printed page first, the PDF page when it differs."""
    head = f"{doc_title} {edition}" if edition else doc_title
    if printed is not None and page is not None and printed != page:
        return f"{head}, p.{printed} (PDF p.{page})"
    return f"{head}, p.{page}"


def render_hits(hits: list[Hit]) -> str:
    if not hits:
        return "No results."
    lines = []
    for n, h in enumerate(hits, 1):
        where = cite_where(h.doc_title, h.page, h.printed_page) + (f" / {h.field}" if h.field else "") + (f" / {h.speaker}" if h.speaker else "")
        head = f"施策No.{h.measure_no} {h.measure_name}" if h.measure_no is not None else (h.speaker or h.doc_title)
        lines.append(f"{n:2d}. [{h.score:.3f}] {head} — {'・'.join(h.ministries)}")
        lines.append(f"    {where}")
        lines.append(f"    {h.text}")
        if h.url:
            lines.append(f"    {h.url}")
    return "\n".join(lines)


def render_answer(answer: Answer, color: bool = False) -> str:
    lines = [answer.summary, ""]
    for n, item in enumerate(answer.items, 1):
        lines.append(f"{n}. {item.title}" + (f" — {'・'.join(item.ministries)}" if item.ministries else ""))
        if item.url:
            lines.append(f"   {item.url}")
        for c in item.citations:
            where = cite_where(c.doc_title, c.page, c.printed_page, c.edition) + (f", {c.field}" if c.field else "") + (f", {c.speaker}" if c.speaker else "")
            if c.ocr_confidence is not None:
                where += f", OCR confidence {c.ocr_confidence:.0f}"
            lines.append(f"   > {mark(c.quote, c.highlights, color)}")
            lines.append(f"     ({where})")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def render_measure(m: Measure) -> str:
    """One measure across documents: each document's fields with their pages."""
    lines = [f"施策No.{m.no} {m.name}", f"  府省庁: {'・'.join(m.ministries)}"]
    for s in m.sections:
        lines.append(f"  区分: {s}")
    for e in m.entries:
        head = f"{e.doc_title} {e.edition}" if e.edition else e.doc_title
        lines.append("")
        lines.append(f"## {head} [{e.doc_kind}] ({e.source})")
        for col, text in e.fields.items():
            if col in ("施策No.", "施策名", "担当府省庁") or not text:
                continue
            pages = e.field_pages.get(col) or []
            printed = e.field_printed_pages.get(col) or pages
            where = f"p.{_pages(printed)}" + (f" (PDF p.{_pages(pages)})" if printed != pages else "")
            lines.append(f"- {col} [{where}]" if pages else f"- {col}")
            for para in text.split("\n"):
                lines.append(f"    {para}")
    return "\n".join(lines) + "\n"
