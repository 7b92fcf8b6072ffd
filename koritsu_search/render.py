"""Plain-text rendering of documents, hits and answers for people at a terminal."""

from __future__ import annotations

from .models import MEASURE_COLUMNS, Answer, Document, Hit


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
            if key == "attendees":
                lines.append(f"  attendees: {len(value)}")
            else:
                lines.append(f"  {key}: {value}")
        for r in d.records:
            if r.kind == "measure":
                lines.append(f"- 施策No.{r.measure_no} {r.measure_name} [{' '.join(r.ministries)}] p.{_pages(r.pages)}")
                for col in MEASURE_COLUMNS[2:6]:
                    text = r.fields.get(col, "")
                    lines.append(f"    {col}: {text[:80]}{'…' if len(text) > 80 else ''}")
                if r.urls:
                    lines.append(f"    URL: {' '.join(r.urls)}")
            elif r.kind == "speech":
                lines.append(f"- ○{r.speaker} ({r.organization or ''}) p.{_pages(r.pages)}: {r.text[:80]}…")
            else:
                lines.append(f"- p.{_pages(r.pages)}: {r.text[:80]}")
        lines.append("")
    return "\n".join(lines)


def render_hits(hits: list[Hit]) -> str:
    if not hits:
        return "No results."
    lines = []
    for n, h in enumerate(hits, 1):
        where = f"{h.doc_title} p.{h.page}" + (f" / {h.field}" if h.field else "") + (f" / {h.speaker}" if h.speaker else "")
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
            where = f"{c.doc_title}, p.{c.page}" + (f", {c.field}" if c.field else "") + (f", {c.speaker}" if c.speaker else "")
            lines.append(f"   > {mark(c.quote, c.highlights, color)}")
            lines.append(f"     ({where})")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
