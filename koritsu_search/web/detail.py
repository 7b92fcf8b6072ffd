"""The detail view: a measure's commitment (plan) beside its result (status report), or a record in full.

Each document of a linked measure is one side with its title, edition and per-column page
links that open the source at that page (or line, for text files); the spans the answer cited
are highlighted where they occur. Several editions of one document stand newest first, the
changes of 目標, 現状 and 今後の取組方針 against the edition before marked <ins>/<del>. Pure
functions; every text escaped.
"""

from __future__ import annotations

from collections.abc import Sequence

from ..editions import DiffOps, FieldChange, changes_by_doc, edition_sets, ordered_entries
from ..ingest.kinds import record_kind
from ..measures import Measure, MeasureEntry
from ..models import SPEECH, Citation, Record
from .render import esc, highlight, link, linkify, pages_label, render_message
from .sources import source_url

SKIP_COLUMNS = ("施策No.", "施策名", "関連URL", "担当府省庁")
DIFF_LEGEND = ('<p class="ks-diff-legend">版は新しい順。前の版からの変更: <ins>追加</ins> <del>削除</del>'
               ' / Editions newest first; changes from the previous edition marked.</p>')
BACK = '<button type="button" class="ks-back" data-back="1">← 回答に戻る / Back to the answer</button>'


def mark_cited(text: str, quotes: Sequence[str]) -> str:
    """Escaped text with every cited quote that occurs in it wrapped in <mark>."""
    spans: list[tuple[int, int]] = []
    for q in quotes:
        q = q.strip()
        at = text.find(q) if q else -1
        if at >= 0:
            spans.append((at, at + len(q)))
    return highlight(text, spans, cls="ks-cited")


def _page_links(doc_id: str, pdf_pages: list[int], printed: list[int], line: int | None) -> str:
    """"p.32（PDF p.9）" as links to the PDF pages; "57行目" for a text file (only they have lines)."""
    if line is not None:
        return f'<a class="ks-src" href="{esc(source_url(doc_id, line=line))}" target="_blank" rel="noopener">{line}行目</a>'
    if not pdf_pages:
        return ""
    shown = printed if printed and len(printed) == len(pdf_pages) else pdf_pages
    parts = []
    for pdf, label in zip(sorted(set(pdf_pages)), sorted(set(shown)), strict=False):
        text = f"p.{label}" + (f"（PDF p.{pdf}）" if label != pdf else "")
        parts.append(f'<a class="ks-src" href="{esc(source_url(doc_id, page=pdf))}" target="_blank" rel="noopener">{esc(text)}</a>')
    return " ".join(parts)


def diff_html(ops: DiffOps, quotes: Sequence[str] = ()) -> str:
    """Word-level changes as escaped HTML: deletions in <del>, insertions in <ins>, cited quotes marked
    in what the edition says (its unchanged and inserted words)."""
    out = []
    for op, text in ops:
        if op == "delete":
            out.append(f"<del>{esc(text)}</del>")
        else:
            body = mark_cited(text, quotes)
            out.append(body if op == "equal" else f"<ins>{body}</ins>")
    return "".join(out)


def _col(col: str, text: str, pages_html: str, quotes: Sequence[str], change: FieldChange | None = None,
         since: str = "") -> str:
    if change is not None and change.changed:
        body = diff_html(change.ops, quotes)
        col_head = f"{esc(col)}<span class=\"ks-since\">（{esc(since)}からの変更）</span>"
    else:
        body = mark_cited(text, quotes) if text else esc("（記載なし）")
        col_head = esc(col) + (f"<span class=\"ks-since\">（{esc(since)}から変更なし）</span>" if change else "")
    return (f'<section class="ks-col"><h4>{col_head}</h4><p>{body}</p>'
            + (f'<div class="ks-pages">{pages_html}</div>' if pages_html else "") + "</section>")


def _entry(e: MeasureEntry, citations: Sequence[Citation],
           previous: tuple[MeasureEntry, list[FieldChange]] | None = None, role: str = "") -> str:
    label = " ".join(x for x in (e.doc_title, e.edition or "") if x)
    role_html = f'<span class="ks-edition">{esc(role)}</span>' if role else ""
    out = [f'<div class="ks-side"><h4 class="ks-doc">{esc(label)}{role_html}</h4><div class="ks-detail-grid">']
    changes = {c.field: c for c in previous[1]} if previous else {}
    since = (previous[0].edition or previous[0].doc_title) if previous else ""
    for col, text in e.fields.items():
        if col in SKIP_COLUMNS:
            continue
        quotes = [c.quote for c in citations if c.doc_id == e.doc_id and c.field == col]
        pages = _page_links(e.doc_id, e.field_pages.get(col) or [], e.field_printed_pages.get(col) or [],
                            e.line)
        out.append(_col(col, text, pages, quotes, changes.get(col), since))
    out.append("</div></div>")
    return "".join(out)


def render_detail(
    record: Record | None,
    doc_title: str | None = None,
    measure: Measure | None = None,
    citations: Sequence[Citation] = (),
) -> str:
    """A record in full: a linked measure's documents side by side, a measure's columns, or a turn's text."""
    if record is None:
        return render_message("項目を選んでください / Pick an item from the answer.", error=False)
    kind = record_kind(record.kind)
    doc_id = record.record_id.split("#", 1)[0]
    out = ['<div class="ks-detail">', BACK]
    title = kind.title(record, doc_title or "", record.pages[0] if record.pages else None)
    if record.kind == SPEECH and record.organization:
        title += f"（{record.organization}）"
    out.append(f'<div class="ks-detail-head"><h3 tabindex="-1">{esc(title)}</h3>')
    meta = "".join(f'<span class="ks-ministry">{esc(m)}</span>' for m in record.ministries)
    if record.section:
        meta += f'<span class="ks-section">{esc(" › ".join(record.section))}</span>'
    if doc_title and (measure is None or len(measure.entries) <= 1):
        where = _page_links(doc_id, record.pages, record.printed_pages, record.line)
        meta += f'<span class="ks-section">{esc(doc_title)} {where}</span>'
    if record.ocr_confidence is not None:
        meta += f'<span class="ks-section">OCR（信頼度 {record.ocr_confidence:.0f}）</span>'
    out.append(f'<div class="ks-meta">{meta}</div>')
    url_cell = record.fields.get("関連URL", "")
    if url_cell and any(u in url_cell for u in record.urls):
        out.append(f'<div class="ks-links">関連URL: {linkify(url_cell)}</div>')
    elif record.urls:
        out.append('<div class="ks-links">関連URL: ' + " ".join(link(u) for u in record.urls) + "</div>")
    out.append("</div>")
    if measure is not None and len(measure.entries) > 1:
        out.append(_sides(measure, citations))
    elif kind.columns:
        out.append('<div class="ks-detail-grid">')
        for col, text in kind.detail_fields(record):
            quotes = [c.quote for c in citations if c.field == col]
            pages = _page_links(doc_id, record.field_pages.get(col) or [], _printed(record, col), record.line)
            out.append(_col(col, text, pages, quotes))
        out.append("</div>")
    else:
        out.append(f'<div class="ks-fulltext">{mark_cited(record.text, [c.quote for c in citations])}</div>')
    out.append("</div>")
    return "".join(out)


def _sides(measure: Measure, citations: Sequence[Citation]) -> str:
    """Each document of a measure side by side; a document's editions newest first, changes marked."""
    sets = edition_sets(measure)
    previous = changes_by_doc(sets)
    roles = {e.doc_id: "最新版" if n == 0 else "前の版" for es in sets for n, e in enumerate(es.entries)}
    sides = "".join(_entry(e, citations, previous.get(e.doc_id), roles.get(e.doc_id, "")) for e in ordered_entries(measure))
    return (DIFF_LEGEND if sets else "") + f'<div class="ks-sides">{sides}</div>'


def _printed(record: Record, col: str) -> list[int]:
    pages = record.field_pages.get(col) or []
    if record.printed_pages and len(record.printed_pages) == len(record.pages):
        labels = dict(zip(record.pages, record.printed_pages, strict=True))
        return [labels.get(p, p) for p in pages]
    return []


__all__ = ["diff_html", "render_detail", "mark_cited", "pages_label"]
