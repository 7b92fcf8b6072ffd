"""HTML and CSV rendering for the web app: pure functions, no Gradio.

Every piece of document text and every query is escaped with html.escape before it is put
into HTML; highlights are cut from the raw quote and each piece is escaped on its own, so a
passage holding ``<script>`` or ``<img onerror=...>`` shows as text.
"""

from __future__ import annotations

import csv
import html
import os
import re
import tempfile
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

from .ingest.kinds import RECORD_KINDS, record_kind
from .linking import Measure
from .answer import count_by_kind
from .models import SPEECH, Answer, AnswerItem, Citation, Record

KIND_LABELS = {name: k.label for name, k in RECORD_KINDS.items()}
CSV_COLUMNS = (
    "rank", "kind", "title", "measure_no", "measure_name", "speaker", "ministries",
    "url", "doc_title", "page", "field", "quote", "score",
)
_CSV_RISKY = ("=", "+", "-", "@", "\t", "\r")
_URL_RE = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+")
_URL_TRAIL = ".,;:!?'"

CSS = """
.ks-summary { font-size: 1.05rem; margin: 4px 0; }
.ks-summary .ks-en { color: var(--body-text-color-subdued); font-size: .85rem; margin-left: .5em; }
.ks-asked { font-size: .85rem; color: var(--body-text-color-subdued); overflow-wrap: anywhere; }
.ks-error { border: 1px solid #d93025; background: #fdecea; color: #8a1c13; padding: 10px 14px;
  border-radius: 8px; font-weight: 600; }
.ks-empty { color: var(--body-text-color-subdued); padding: 8px 0; }
.ks-card { border: 1px solid var(--border-color-primary); border-radius: 10px; padding: 12px 16px;
  margin: 0 0 12px 0; background: var(--block-background-fill); }
.ks-head { display: flex; align-items: baseline; gap: 8px; flex-wrap: wrap; }
.ks-rank { color: var(--body-text-color-subdued); font-weight: 600; }
.ks-kind { font-size: .75rem; border-radius: 999px; padding: 1px 8px; background: #e8f0fe; color: #1a4f9c; }
.ks-kind-speech { background: #fef3e0; color: #8a5300; }
.ks-kind-paragraph { background: #eeeeee; color: #444; }
.ks-title { font-size: 1.08rem; font-weight: 700; margin: 0; }
.ks-meta { margin: 6px 0 2px 0; font-size: .9rem; display: flex; gap: 6px; flex-wrap: wrap; align-items: center; }
.ks-ministry { background: #e6f4ea; color: #1e6b34; border-radius: 4px; padding: 1px 6px; font-weight: 600; }
.ks-section { color: var(--body-text-color-subdued); font-size: .8rem; }
.ks-links { font-size: .85rem; margin: 2px 0 6px 0; overflow-wrap: anywhere; }
.ks-links a { color: var(--link-text-color, #1a5fb4); text-decoration: underline; }
.ks-quote { margin: 6px 0 4px 0; padding: 6px 10px; border-left: 4px solid #9ab; white-space: pre-wrap;
  background: var(--background-fill-secondary); line-height: 1.6; overflow-wrap: anywhere; }
.ks-quote mark { background: #ffe066; color: #000; padding: 0 1px; border-radius: 2px; }
.ks-cite { font-size: .82rem; color: var(--body-text-color); margin-bottom: 4px; }
.ks-more summary { cursor: pointer; font-size: .85rem; color: var(--body-text-color-subdued); }
.ks-detail-btn { margin-top: 4px; font-size: .85rem; padding: 3px 10px; border-radius: 6px; cursor: pointer;
  border: 1px solid var(--border-color-primary); background: var(--button-secondary-background-fill); }
.ks-chart-row { display: grid; grid-template-columns: minmax(6em, 9em) 1fr 2em; gap: 6px; align-items: center;
  font-size: .85rem; margin: 3px 0; }
.ks-chart-name { overflow-wrap: anywhere; }
.ks-chart-bar { background: #4a7fd4; height: 14px; border-radius: 3px; min-width: 2px; }
.ks-chart-n { text-align: right; font-variant-numeric: tabular-nums; }
.ks-detail-head h3 { margin: 0 0 4px 0; font-size: 1.15rem; }
.ks-detail-grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 10px; margin-top: 10px; }
.ks-col { border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 10px;
  background: var(--block-background-fill); }
.ks-col h4 { margin: 0 0 6px 0; font-size: .95rem; border-bottom: 2px solid #4a7fd4; padding-bottom: 3px; }
.ks-col p { margin: 0; white-space: pre-wrap; line-height: 1.6; font-size: .9rem; overflow-wrap: anywhere; }
.ks-col .ks-pages { font-size: .75rem; color: var(--body-text-color-subdued); margin-top: 6px; }
.ks-fulltext { white-space: pre-wrap; line-height: 1.6; overflow-wrap: anywhere; }
.ks-header h1 { margin: 0; font-size: 1.5rem; }
.ks-header p { margin: 2px 0 0 0; color: var(--body-text-color-subdued); }
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


def highlight(quote: str, spans: list[tuple[int, int]] | list[list[int]]) -> str:
    """The quote as HTML with <mark> around the spans; every piece escaped separately."""
    parts: list[str] = []
    pos = 0
    for s, e in merge_spans(spans, len(quote)):
        parts.append(esc(quote[pos:s]))
        parts.append("<mark>" + esc(quote[s:e]) + "</mark>")
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
    if c.field:
        parts.append(c.field)
    if c.speaker:
        parts.append(f"発言者: {c.speaker}")
    if c.ocr_confidence is not None:
        parts.append(f"OCR（信頼度 {c.ocr_confidence:.0f}）")
    return " / ".join(p for p in parts if p)


def summary_ja(answer: Answer) -> str:
    """A Japanese summary line: counts of measures, ministries, statements, passages."""
    if not answer.items:
        return "該当する施策・発言は見つかりませんでした。言葉を変えるか、絞り込みを外してください。"
    parts = []
    for kind, group in count_by_kind(answer.items):
        if kind is None or kind.summary_ja is None:
            parts.append(f"その他の記述 {len(group)}件")
        elif kind.counts_ministries:
            parts.append(f"{kind.summary_ja} {len(group)}件（{len({m for i in group for m in i.ministries})}府省庁）")
        else:
            parts.append(f"{kind.summary_ja} {len(group)}件")
    return "、".join(parts)


def render_summary(answer: Answer) -> str:
    """The question as understood, then the summary line (Japanese, with the library's English)."""
    return (
        f'<div class="ks-asked">質問 / Question: <q>{esc(answer.question)}</q></div>'
        f'<div class="ks-summary"><b>{esc(summary_ja(answer))}</b>'
        f'<span class="ks-en">{esc(answer.summary)}</span></div>'
    )


def render_message(message: str, error: bool = True) -> str:
    cls = "ks-error" if error else "ks-empty"
    return f'<div class="{cls}" role="{"alert" if error else "status"}">{esc(message)}</div>'


def _quote_block(c: Citation) -> str:
    return (
        f'<blockquote class="ks-quote">{highlight(c.quote, c.highlights)}</blockquote>'
        f'<div class="ks-cite">出典 / Source: {esc(citation_label(c))}</div>'
    )


def render_card(item: AnswerItem, rank: int) -> str:
    """One answer item: title, ministries, links, best quote, citation, more evidence, details button."""
    kind_cls = f"ks-kind-{esc(item.kind)}"
    out = [f'<article class="ks-card" data-record="{esc(item.record_id)}">']
    out.append(
        f'<div class="ks-head"><span class="ks-rank">{rank}.</span>'
        f'<span class="ks-kind {kind_cls}">{esc(KIND_LABELS.get(item.kind, item.kind))}</span>'
        f'<h3 class="ks-title">{esc(item.title)}</h3></div>'
    )
    meta = "".join(f'<span class="ks-ministry">{esc(m)}</span>' for m in item.ministries)
    if item.section:
        meta += f'<span class="ks-section">{esc(" › ".join(item.section))}</span>'
    if meta:
        out.append(f'<div class="ks-meta">{meta}</div>')
    urls = item.urls or ([item.url] if item.url else [])
    if urls:
        out.append('<div class="ks-links">関連URL: ' + " ".join(link(u) for u in urls) + "</div>")
    if item.citations:
        out.append(_quote_block(item.citations[0]))
        rest = item.citations[1:]
        if rest:
            out.append(
                f'<details class="ks-more"><summary>他の根拠 / More evidence（{len(rest)}件）</summary>'
                + "".join(_quote_block(c) for c in rest)
                + "</details>"
            )
    out.append(
        f'<button type="button" class="ks-detail-btn" data-record="{esc(item.record_id)}">'
        "詳細を見る / Details</button>"
    )
    out.append("</article>")
    return "".join(out)


def render_cards(answer: Answer) -> str:
    if not answer.items:
        return render_message(summary_ja(answer), error=False)
    return '<div class="ks-cards">' + "".join(render_card(it, n) for n, it in enumerate(answer.items, 1)) + "</div>"


def ministry_counts(answer: Answer) -> list[tuple[str, int]]:
    """Measures per ministry in the answer, most first (a joint measure counts for each)."""
    c: Counter[str] = Counter()
    for it in answer.items:
        if record_kind(it.kind).counts_ministries:
            c.update(it.ministries or ["（府省庁不明）"])
    return sorted(c.items(), key=lambda kv: (-kv[1], kv[0]))


def render_chart(answer: Answer) -> str:
    """A horizontal HTML bar chart of the answer's measures per ministry."""
    counts = ministry_counts(answer)
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


def _col_pages(record: Record, col: str) -> str:
    pages = record.field_pages.get(col) or []
    if record.printed_pages and len(record.printed_pages) == len(record.pages):
        labels = dict(zip(record.pages, record.printed_pages, strict=True))
        pages = [labels.get(p, p) for p in pages]
    return pages_label(pages)


def render_detail(record: Record | None, doc_title: str | None = None, measure: Measure | None = None) -> str:
    """A record in full: its fields side by side (each document of a linked measure), or its text."""
    if record is None:
        return render_message("項目を選んでください / Pick an item from the answer.", error=False)
    kind = record_kind(record.kind)
    out = ['<div class="ks-detail">']
    title = kind.title(record, doc_title or "", record.pages[0] if record.pages else None)
    if record.kind == SPEECH and record.organization:
        title += f"（{record.organization}）"
    out.append(f'<div class="ks-detail-head"><h3>{esc(title)}</h3>')
    meta = "".join(f'<span class="ks-ministry">{esc(m)}</span>' for m in record.ministries)
    if record.section:
        meta += f'<span class="ks-section">{esc(" › ".join(record.section))}</span>'
    if doc_title and measure is None:
        meta += f'<span class="ks-section">{esc(doc_title)}</span>'
    if record.pages and measure is None:
        meta += f'<span class="ks-section">{esc(pages_label(record.printed_pages or record.pages))}</span>'
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
        for e in measure.entries:
            label = " ".join(x for x in (e.doc_title, e.edition or "") if x)
            out.append(f'<h4 class="ks-doc">{esc(label)}</h4><div class="ks-detail-grid">')
            for col, text in [(k, v) for k, v in e.fields.items() if k not in ("施策No.", "施策名", "関連URL", "担当府省庁")]:
                pg = pages_label(e.field_printed_pages.get(col) or e.field_pages.get(col) or [])
                out.append(_detail_col(col, text, pg))
            out.append("</div>")
    else:
        details = kind.detail_fields(record)
        if kind.columns:
            out.append('<div class="ks-detail-grid">')
            for col, text in details:
                out.append(_detail_col(col, text, _col_pages(record, col)))
            out.append("</div>")
        else:
            out.append(f'<div class="ks-fulltext">{esc(record.text)}</div>')
    out.append("</div>")
    return "".join(out)


def _detail_col(col: str, text: str, pages: str) -> str:
    return (
        f'<section class="ks-col"><h4>{esc(col)}</h4><p>{esc(text or "（記載なし）")}</p>'
        + (f'<div class="ks-pages">{esc(pages)}</div>' if pages else "")
        + "</section>"
    )


def answer_rows(answer: Answer) -> list[dict[str, object]]:
    """One row per answer item with its best citation: the CSV and table contents."""
    rows = []
    for n, it in enumerate(answer.items, 1):
        c = it.citations[0] if it.citations else None
        rows.append({
            "rank": n,
            "kind": it.kind,
            "title": it.title,
            "measure_no": it.measure_no if it.measure_no is not None else "",
            "measure_name": it.measure_name or "",
            "speaker": it.speaker or "",
            "ministries": "・".join(it.ministries),
            "url": it.url or "",
            "doc_title": c.doc_title if c else "",
            "page": c.page if c and c.page is not None else "",
            "field": (c.field or "") if c else "",
            "quote": c.quote if c else "",
            "score": round(it.score, 4),
        })
    return rows


def _csv_cell(v: object) -> object:
    """Neutralize spreadsheet formulas in text cells (OWASP CSV injection)."""
    if isinstance(v, str) and v.startswith(_CSV_RISKY):
        return "'" + v
    return v


def write_csv(answer: Answer, directory: str | Path | None = None) -> Path:
    """Write the answer list to a new temp file (UTF-8 with BOM, for Excel) and return its path."""
    d = Path(directory) if directory else Path(tempfile.mkdtemp(prefix="koritsu-csv-"))
    d.mkdir(parents=True, exist_ok=True)
    path = d / f"koritsu_answer_{time.strftime('%Y%m%d-%H%M%S')}.csv"
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        for row in answer_rows(answer):
            w.writerow([_csv_cell(row[c]) for c in CSV_COLUMNS])
    os.chmod(path, 0o644)
    return path
