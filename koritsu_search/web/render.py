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

from ..ingest.kinds import RECORD_KINDS, record_kind
from ..models import AnswerItem, Citation
from .sources import source_url

KIND_LABELS = {name: k.label for name, k in RECORD_KINDS.items()}
_URL_RE = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+")
_URL_TRAIL = ".,;:!?'"



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
    if c.locator:
        parts.append(c.locator)
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
    url = source_url(c.doc_id, line=c.line, locator=c.locator) if c.line is not None or c.locator else \
        source_url(c.doc_id, page=c.page)
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
