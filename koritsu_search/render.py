"""Plain-text rendering of documents, hits and answers for people at a terminal."""

from __future__ import annotations

from .editions import DiffOps, FieldChange, changes_by_doc, edition_sets, ordered_entries
from .ingest.kinds import record_kind
from .listing import BANDS_JA, group_heading, group_items, shared_counts, sort_items
from .measures import Measure, MeasureEntry
from .models import Answer, AnswerItem, Citation, Document, Hit

NO_MATCH = "該当する施策は見つかりませんでした / No confident match."
NEAREST_HEADING = "最も近い項目（該当とは限りません） / Only the nearest items, not confident matches:"


def mark(text: str, spans: list[tuple[int, int]], color: bool = False, plain: bool = False) -> str:
    """The text with the spans emphasized: ANSI bold yellow on a terminal, **…** otherwise (plain: none)."""
    if plain and not color:
        return text
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
    return f"{head}, p.{page}" if page is not None else head


def render_hits(hits: list[Hit]) -> str:
    if not hits:
        return "No results."
    lines = []
    for n, h in enumerate(hits, 1):
        where = cite_where(h.doc_title, h.page, h.printed_page) + (f" / {h.field}" if h.field else "") + (f" / {h.speaker}" if h.speaker else "")
        head = f"施策No.{h.measure_no} {h.measure_name}" if h.measure_no is not None else (h.speaker or h.doc_title)
        lines.append(f"{n:2d}. [{h.score:.3f}] {head} — {'・'.join(h.ministries)}")
        lines.append(f"    {where}")
        lines.extend(f"    {line}".rstrip() for line in h.text.rstrip("\n").split("\n"))
        if h.url:
            lines.append(f"    {h.url}")
    return "\n".join(lines)


def band_tag(item: AnswerItem) -> str:
    """"[高 0.92] " from the item's band and calibrated confidence; "" when neither is set."""
    parts = []
    if item.band:
        parts.append(BANDS_JA.get(item.band, item.band))
    if item.confidence is not None:
        parts.append(f"{item.confidence:.2f}")
    return f"[{' '.join(parts)}] " if parts else ""


def quote_lines(quote: str, spans: list[tuple[int, int]], color: bool = False, indent: str = "   ") -> list[str]:
    """A quote under a '> ' marker; its later lines indented under the text, their own indentation kept.

    Highlights are ANSI colour when color is set, and not marked at all otherwise.
    """
    lines = mark(quote, spans, color, plain=True).rstrip("\n").split("\n")
    return [f"{indent}> {lines[0]}"] + [f"{indent}  {line}".rstrip() for line in lines[1:]]


def citation_where(c: Citation) -> str:
    """Where a citation is: document and edition, page, column or speaker, OCR confidence."""
    where = cite_where(c.doc_title, c.page, c.printed_page, c.edition)
    where += f", line {c.line}" if c.line is not None else ""
    where += f", {c.locator}" if c.locator else ""
    where += (f", {c.field}" if c.field else "") + (f", {c.speaker}" if c.speaker else "")
    if c.ocr_confidence is not None:
        where += f", OCR confidence {c.ocr_confidence:.0f}"
    return where


def render_item(rank: int, item: AnswerItem, color: bool = False) -> list[str]:
    """One numbered item: band, title and ministries, URL, then each citation's quote and place."""
    lines = [f"{rank}. {band_tag(item)}{item.title}" + (f" — {'・'.join(item.ministries)}" if item.ministries else "")]
    if item.url:
        lines.append(f"   {item.url}")
    for c in item.citations:
        lines.extend(quote_lines(c.quote, c.highlights, color))
        lines.append(f"     ({citation_where(c)})")
    lines.append("")
    return lines


def render_answer(answer: Answer, color: bool = False, sort: str = "relevance", group: str | None = None) -> str:
    """The answer for a terminal: summary, how many of the total are shown, then the items.

    Items are numbered by their rank in the answer, whatever the sort; with group they stand
    under headings (a measure of several ministries under each). When the answer is not
    confident, the nearest items follow under a heading that says they are only the nearest.
    """
    if not answer.confident or not answer.items:
        lines = [NO_MATCH if not answer.confident else answer.summary, ""]
        if answer.nearest:
            lines += [NEAREST_HEADING, ""]
            for n, item in enumerate(answer.nearest, 1):
                lines += render_item(n, item, color)
        return "\n".join(lines).rstrip() + "\n"
    lines = [answer.summary]
    total = max(answer.total, len(answer.items))
    if answer.folded_low:
        lines.append(f"{len(answer.items)} items rated 高 or 中; {answer.folded_low} rated 低 not listed (--include-low)")
    elif total > len(answer.items):
        lines.append(f"{len(answer.items)} of {total} items above the cut; --all for all")
    if sort != "relevance":
        lines.append(f"sorted by {'施策No.' if sort == 'no' else 'ministry'}; numbers are relevance ranks")
    lines.append("")
    rank = {id(item): n for n, item in enumerate(answer.items, 1)}
    ordered = sort_items(answer.items, sort)
    if group is None:
        for item in ordered:
            lines += render_item(rank[id(item)], item, color)
    else:
        shared = shared_counts(answer.items) if group == "ministry" else {}
        for label, members in group_items(ordered, group):
            lines += [f"■ {group_heading(label, members, shared)}", ""]
            for item in members:
                lines += render_item(rank[id(item)], item, color)
    return "\n".join(lines).rstrip() + "\n"


DIFF_LEGEND = "変更の印 / change marks: [-前の版から削除-] {+前の版に追加+} (deleted from / added to the previous edition)"


def diff_text(ops: DiffOps) -> str:
    """Word-level changes marked in plain text: [-deleted-] and {+inserted+}."""
    return "".join(t if op == "equal" else f"[-{t}-]" if op == "delete" else f"{{+{t}+}}" for op, t in ops)


def _edition_label(e: MeasureEntry) -> str:
    return e.edition or e.doc_title


def _field_where(e: MeasureEntry, col: str) -> str | None:
    """"p.32 (PDF p.9)" or "line 57" for a field of an entry; None when nothing says where."""
    if e.line is not None:  # a text file: its line says where, its one "page" would not
        return f"line {e.line}"
    if e.locator:  # a sheet's cells, a Word paragraph, an HTML anchor
        return e.locator
    pages = e.field_pages.get(col) or []
    if not pages:
        return None
    printed = e.field_printed_pages.get(col) or pages
    return f"p.{_pages(printed)}" + (f" (PDF p.{_pages(pages)})" if printed != pages else "")


def _entry_lines(e: MeasureEntry, previous: tuple[MeasureEntry, list[FieldChange]] | None, role: str) -> list[str]:
    """One document's fields; with an earlier edition, the changed fields marked against it."""
    head = f"{e.doc_title} {e.edition}" if e.edition else e.doc_title
    lines = ["", f"## {head} [{e.doc_kind}] ({e.source}){role}"]
    changes = {c.field: c for c in previous[1]} if previous else {}
    for col, text in e.fields.items():
        if col in ("施策No.", "施策名", "担当府省庁") or not text:
            continue
        where = _field_where(e, col)
        head_line = f"- {col} [{where}]" if where else f"- {col}"
        change = changes.get(col)
        if change is not None and previous is not None:
            since = _edition_label(previous[0])
            head_line += f" — {since} からの変更 / changed" if change.changed else f" — {since} から変更なし / unchanged"
            text = diff_text(change.ops)
        lines.append(head_line)
        lines.extend(f"    {para}" for para in text.split("\n"))
    return lines


def render_measure(m: Measure) -> str:
    """One measure across documents: each document's fields with their pages; several editions of one
    kind newest first, each with its changes of 目標, 現状 and 今後の取組方針 marked against the one before."""
    lines = [f"施策No.{m.no} {m.name}", f"  府省庁: {'・'.join(m.ministries)}"]
    for s in m.sections:
        lines.append(f"  区分: {s}")
    sets = edition_sets(m)
    for es in sets:
        lines.append(f"  版 / editions [{es.kind}] (新しい順 / newest first): "
                     + " ← ".join(_edition_label(e) for e in es.entries))
    if sets:
        lines.append(f"  {DIFF_LEGEND}")
    previous = changes_by_doc(sets)
    roles = {e.doc_id: " — 最新版 / newest edition" if n == 0 else f" — 前の版 {n} / earlier edition {n}"
             for es in sets for n, e in enumerate(es.entries)}
    for e in ordered_entries(m):
        lines += _entry_lines(e, previous.get(e.doc_id), roles.get(e.doc_id, ""))
    return "\n".join(lines) + "\n"
