"""HTML building blocks for the web app: escaping, highlights, links, citations, the chart, the CSS.

Pure functions, no Gradio. Every piece of document text and every query is escaped with
html.escape before it is put into HTML; highlights are cut from the raw quote and each piece
is escaped on its own, so a passage holding ``<script>`` or ``<img onerror=...>`` shows as text.
Cards live in ui_cards, the measure detail in ui_detail.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Sequence
from urllib.parse import urlsplit

from .ingest.kinds import RECORD_KINDS, record_kind
from .models import AnswerItem, Citation
from .sources import source_url

KIND_LABELS = {name: k.label for name, k in RECORD_KINDS.items()}
_URL_RE = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+")
_URL_TRAIL = ".,;:!?'"

CSS = """
.ks-summary-bar { position: sticky; top: 0; z-index: 20; background: var(--background-fill-primary, #fff);
  padding: 6px 0 4px 0; border-bottom: 1px solid var(--border-color-primary); margin-bottom: 8px; }
.ks-summary { font-size: 1.05rem; margin: 2px 0; }
.ks-muted, .ks-summary .ks-en, .ks-asked, .ks-empty, .ks-rank, .ks-section, .ks-more summary,
.ks-col .ks-pages, .ks-header p, .ks-shown { color: #4a4a4a; }
.dark .ks-muted, .dark .ks-summary .ks-en, .dark .ks-asked, .dark .ks-empty, .dark .ks-rank, .dark .ks-section,
.dark .ks-more summary, .dark .ks-col .ks-pages, .dark .ks-header p, .dark .ks-shown { color: #d0d0d0; }
.ks-summary .ks-en { font-size: .85rem; margin-left: .5em; }
.ks-asked { font-size: .85rem; overflow-wrap: anywhere; }
.ks-shown { font-size: .85rem; }
.ks-needs { margin: 0; font-size: .85rem; line-height: 1.5; }
.ks-need-x { background: #e8eefc; color: #1d3b8a; border: 1px solid #9fb3e6; border-radius: 10px; padding: 0 6px;
  margin: 0 3px 0 0; cursor: pointer; font-size: .85rem; line-height: 1.4; }
.ks-need-x:hover, .ks-need-x:focus { background: #d3def8; }
.ks-serves { background: #eef2fb; color: #1d3b8a; border-radius: 4px; padding: 1px 6px; }
.ks-implied { font-size: .85rem; color: #5a3e00; background: #fff4d6; border-radius: 4px; padding: 1px 6px; }
.ks-error { border: 1px solid #d93025; background: #fdecea; color: #8a1c13; padding: 10px 14px;
  border-radius: 8px; font-weight: 600; }
.ks-notice { border: 1px solid #b88a00; background: #fff8e1; color: #4a3500; padding: 8px 12px; border-radius: 8px; }
.ks-empty { padding: 8px 0; }
.ks-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 12px 16px;
  margin: 0 0 12px 0; background: var(--block-background-fill); }
.ks-card.ks-nearest { border-style: dashed; }
.ks-head { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; }
.ks-rank { font-weight: 600; }
.ks-kind { font-size: .75rem; border-radius: 999px; padding: 1px 8px; background: #e8f0fe; color: #1a4f9c; }
.ks-kind-speech { background: #fef3e0; color: #7a4a00; }
.ks-kind-paragraph { background: #eeeeee; color: #333; }
.ks-band { font-size: .75rem; border-radius: 4px; padding: 1px 7px; font-weight: 700; border: 1px solid; }
.ks-band-high { background: #e3f4e8; color: #135c2b; border-color: #8cc9a0; }
.ks-band-medium { background: #fff4d6; color: #5a3e00; border-color: #e0c070; }
.ks-band-low { background: #f1f1f1; color: #3d3d3d; border-color: #bbb; }
.ks-title { font-size: 1.08rem; font-weight: 700; margin: 0; }
.ks-meta { margin: 6px 0 2px 0; font-size: .9rem; display: flex; gap: 6px; flex-wrap: wrap; align-items: center; }
.ks-ministry { background: #e6f4ea; color: #1a5c2e; border-radius: 4px; padding: 1px 6px; font-weight: 600; }
.ks-section { font-size: .8rem; }
.ks-links { font-size: .85rem; margin: 2px 0 6px 0; overflow-wrap: anywhere; }
.ks-links a, a.ks-src { color: #1a56a8; text-decoration: underline; }
.dark .ks-links a, .dark a.ks-src { color: #9cc3ff; }
.ks-quote { margin: 6px 0 4px 0; padding: 6px 10px; border-left: 4px solid #9ab; white-space: pre-wrap;
  background: var(--background-fill-secondary); line-height: 1.6; overflow-wrap: anywhere; }
.ks-quote mark, .ks-col mark { background: #ffe066; color: #000; padding: 0 1px; border-radius: 2px; }
.ks-cite { font-size: .82rem; color: var(--body-text-color); margin-bottom: 4px; overflow-wrap: anywhere; }
.ks-more summary { cursor: pointer; font-size: .85rem; }
.ks-copy, .ks-detail-btn, .ks-back { font-size: .8rem; padding: 2px 8px; border-radius: 6px; cursor: pointer; margin-left: 4px;
  border: 1px solid var(--border-color-primary); background: var(--button-secondary-background-fill); color: var(--body-text-color); }
.ks-detail-btn { margin-top: 4px; margin-left: 0; font-size: .85rem; padding: 3px 10px; }
.ks-copy.ks-done::after { content: " ✓"; }
.ks-group-head { font-size: 1rem; margin: 14px 0 6px 0; padding-bottom: 2px; border-bottom: 2px solid #4a7fd4; }
.ks-chart-title { margin-bottom: 4px; }
.ks-chart-row { display: grid; grid-template-columns: minmax(6em, 9em) 1fr 2em; gap: 6px; align-items: center;
  font-size: .85rem; margin: 3px 0; }
.ks-chart-name { overflow-wrap: anywhere; }
.ks-chart-bar { background: #4a7fd4; height: 14px; border-radius: 3px; min-width: 2px; }
.ks-chart-n { text-align: right; font-variant-numeric: tabular-nums; }
.ks-detail-head h3 { margin: 0 0 4px 0; font-size: 1.15rem; }
.ks-detail-head h3:focus { outline: 2px solid #1a56a8; outline-offset: 2px; }
.ks-doc { margin: 14px 0 4px 0; font-size: 1rem; }
.ks-detail-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 10px; margin-top: 6px; }
.ks-sides { display: grid; grid-template-columns: repeat(auto-fit, minmax(300px, 1fr)); gap: 14px; }
.ks-side .ks-detail-grid { grid-template-columns: 1fr; }
.ks-col { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
  background: var(--block-background-fill); }
.ks-col h4 { margin: 0 0 6px 0; font-size: .95rem; border-bottom: 2px solid #4a7fd4; padding-bottom: 3px; }
.ks-col p { margin: 0; white-space: pre-wrap; line-height: 1.6; font-size: .9rem; overflow-wrap: anywhere; }
.ks-col .ks-pages { font-size: .78rem; margin-top: 6px; }
.ks-fulltext { white-space: pre-wrap; line-height: 1.6; overflow-wrap: anywhere; }
.ks-header h1 { margin: 0; font-size: 1.4rem; }
.ks-header p { margin: 2px 0 0 0; font-size: .9rem; }
@media (max-width: 640px) {
  .ks-header h1 { font-size: 1.05rem; }
  .ks-header p { display: none; }
  .ks-card { padding: 10px 10px; }
}
"""


def esc(text: object) -> str:
    """HTML-escape anything (None becomes empty)."""
    return html.escape("" if text is None else str(text), quote=True)


def merge_spans(spans: list[tuple[int, int]] | list[list[int]], length: int) -> list[tuple[int, int]]:
    """Clamp spans to [0, length], drop empty ones and merge overlaps, in order."""
    out: list[tuple[int, int]] = []
    for s, e in sorted((max(0, int(a)), min(length, int(b))) for a, b in spans):
        if e <= s:
            continue
        if out and s <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], e))
        else:
            out.append((s, e))
    return out


def highlight(quote: str, spans: list[tuple[int, int]] | list[list[int]], cls: str | None = None) -> str:
    """The quote as HTML with <mark> (of class cls) around the spans; every piece escaped separately."""
    parts: list[str] = []
    pos = 0
    mark = f'<mark class="{cls}">' if cls else "<mark>"
    for s, e in merge_spans(spans, len(quote)):  # overlapping spans: one mark over both
        parts.append(esc(quote[pos:s]))
        parts.append(mark + esc(quote[s:e]) + "</mark>")
        pos = e
    parts.append(esc(quote[pos:]))
    return "".join(parts)


def linkify(text: str) -> str:
    """Escaped text with its http(s) URLs made into links (e.g. a measure's 関連URL cell)."""
    out: list[str] = []
    pos = 0
    for m in _URL_RE.finditer(text):
        url = m.group(0).rstrip(_URL_TRAIL)
        out.append(esc(text[pos:m.start()]))
        out.append(link(url))
        pos = m.start() + len(url)
    out.append(esc(text[pos:]))
    return "".join(out)


def safe_url(url: str | None) -> str | None:
    """The URL if it is a plain http(s) link, else None (no javascript:, data:, ...)."""
    if not url:
        return None
    u = url.strip()
    try:
        parts = urlsplit(u)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return u


def link(url: str | None, label: str | None = None) -> str:
    """A clickable external link opening in a new tab, or the escaped text if not http(s)."""
    u = safe_url(url)
    if u is None:
        return esc(url) if url else ""
    return f'<a href="{esc(u)}" target="_blank" rel="noopener noreferrer">{esc(label or u)}</a>'


def pages_label(pages: list[int] | None) -> str:
    if not pages:
        return ""
    ps = sorted(set(pages))
    return f"p.{ps[0]}" if len(ps) == 1 else f"pp.{ps[0]}–{ps[-1]}"


def citation_label(c: Citation) -> str:
    """Plain text: document title, page, column or speaker."""
    parts = [c.doc_title or c.doc_id]
    if c.edition:
        parts.append(c.edition)
    if c.printed_page is not None and c.page is not None and c.printed_page != c.page:
        parts.append(f"p.{c.printed_page}（PDF p.{c.page}）")
    elif c.page is not None:
        parts.append(f"p.{c.page}")
    if c.line is not None:
        parts.append(f"{c.line}行目")
    if c.field:
        parts.append(c.field)
    if c.speaker:
        parts.append(f"発言者: {c.speaker}")
    if c.ocr_confidence is not None:
        parts.append(f"OCR（信頼度 {c.ocr_confidence:.0f}）")
    return " / ".join(p for p in parts if p)


def render_message(message: str, error: bool = True) -> str:
    cls = "ks-error" if error else "ks-empty"
    return f'<div class="{cls}" role="{"alert" if error else "status"}">{esc(message)}</div>'


def citation_link(c: Citation) -> str:
    """The citation label as a link that opens the source at the cited page or line (new tab)."""
    url = source_url(c.doc_id, line=c.line) if c.line is not None else source_url(c.doc_id, page=c.page)
    return f'<a class="ks-src" href="{esc(url)}" target="_blank" rel="noopener">{esc(citation_label(c))}</a>'


def copy_button(text: str, label: str = "コピー") -> str:
    """A button that copies text to the clipboard (the page script handles .ks-copy clicks)."""
    return (f'<button type="button" class="ks-copy" data-copy="{esc(text)}" '
            f'aria-label="{esc(label)}: {esc(text[:40])}">{esc(label)}</button>')


def ministry_counts(items: Sequence[AnswerItem]) -> list[tuple[str, int]]:
    """Measures per ministry in the answer, most first (a joint measure counts for each)."""
    c: Counter[str] = Counter()
    for it in items:
        if record_kind(it.kind).counts_ministries:
            c.update(it.ministries or ["（府省庁不明）"])
    return sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))


def render_chart(items: Sequence[AnswerItem]) -> str:
    """A horizontal HTML bar chart of the answer's measures per ministry."""
    counts = ministry_counts(items)
    head = '<div class="ks-chart"><div class="ks-chart-title"><b>府省庁別の施策数 / Measures per ministry</b></div>'
    if not counts:
        return head + '<div class="ks-empty">施策はありません / No measures</div></div>'
    top = counts[0][1]
    rows = []
    for name, n in counts:
        pct = 100.0 * n / top
        rows.append(
            f'<div class="ks-chart-row" title="{esc(name)}: {n}"><span class="ks-chart-name">{esc(name)}</span>'
            f'<div class="ks-chart-bar" style="width:{pct:.0f}%"></div><span class="ks-chart-n">{n}</span></div>'
        )
    return head + "".join(rows) + "</div>"
