"""Answer cards for the web app: the summary bar, one card per item, groups, pages and the list table.

Pure functions over an Answer built with complete=True (every item above the cut): the view
decides how many are shown (the first DEFAULT_SHOWN, or all in pages), in which order and
grouping. Every text is escaped (ui_render.esc / highlight).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass

from ..listing import (
    BANDS_JA,
    group_heading,
    group_items,
    kind_label,
    shared_counts,
    sort_items,
    summarize_en,
    summarize_ja,
)
from ..models import Answer, AnswerItem, Citation
from .render import KIND_LABELS, citation_label, citation_link, copy_button, esc, highlight, link

DEFAULT_SHOWN = 10
PAGE_SIZE = 20
SORT_CHOICES = [("関連度順 / Relevance", "relevance"), ("施策No.順 / No.", "no"), ("府省庁順 / Ministry", "ministry")]
GROUP_CHOICES = [("なし / None", ""), ("府省庁別 / By ministry", "ministry"), ("節別 / By section", "section")]
NO_MATCH = "該当する施策は見つかりませんでした"
# Telephone numbers as printed in Japanese documents: 0120-279-338, 03-5253-2111, #9999, #8008
# (matched in the NFKC form of the quote, so ＃8103 and ０３－５２５３－２１１１ count too).
_PHONE = re.compile(r"(?<![\d-])(?:0\d{1,4}-\d{1,4}-\d{3,4}|0120-?\d{3}-?\d{3}|0570-?\d{3}-?\d{3})(?![\d-])|#\d{4}(?!\d)")


@dataclass(frozen=True)
class Chip:
    """An active filter value shown in the summary: its field name, its value and how it reads."""

    field: str
    value: str
    text: str


@dataclass(frozen=True)
class View:
    """How the answer is shown: all items or the first few, order, grouping and page (1-based)."""

    show_all: bool = False
    sort: str = "relevance"
    group: str = ""
    page: int = 1


def shown_items(answer: Answer, view: View) -> list[AnswerItem]:
    """The items on screen: sorted, then the first DEFAULT_SHOWN or the view's page of all."""
    ordered = sort_items(answer.items, view.sort or "relevance")
    if view.show_all and view.group:  # groups are counted and shown over the whole list
        return ordered
    if not view.show_all:
        return ordered[:DEFAULT_SHOWN]
    start = (max(view.page, 1) - 1) * PAGE_SIZE
    return ordered[start:start + PAGE_SIZE]


def page_count(answer: Answer, view: View) -> int:
    if not view.show_all or view.group:
        return 1
    return max(1, -(-len(answer.items) // PAGE_SIZE))


def render_summary(answer: Answer, view: View, chips: Sequence[Chip] = (), bands: tuple[float, float] | None = None) -> str:
    """The sticky bar: the question, counts, what is on screen, active filters (removable), needs, the bands' legend."""
    out = ['<div class="ks-summary-bar">', f'<div class="ks-asked">質問 / Question: <q>{esc(answer.question)}</q></div>']
    if not answer.confident:
        out.append(f'<div class="ks-summary" role="status"><b>{esc(NO_MATCH)}</b>'
                   '<span class="ks-en">No confident match.</span></div>')
    else:
        out.append(f'<div class="ks-summary" role="status"><b>{esc(summarize_ja(answer.items))}</b>'
                   f'<span class="ks-en">{esc(summarize_en(answer.items))}</span></div>')
        out.append(_shown_line(answer, view))
    if chips:
        out.append(render_chips(chips))
    if answer.needs:
        needs = "".join(f'<button type="button" class="ks-need-x" data-need="{esc(n["id"])}" '
                        f'aria-label="「{esc(n["label"])}」を外して検索し直す / search again without it">'
                        f'{esc(n["label"])} ×</button>' for n in answer.needs)
        out.append(f'<div class="ks-needs" role="note">ご相談の内容 / Understood as: {needs}</div>')
    if answer.measure_no is not None:
        out.append(f'<div class="ks-needs">施策No.{answer.measure_no} を表示 / measure No.{answer.measure_no}</div>')
    if answer.implied_ministries:
        names = "・".join(answer.implied_ministries)
        out.append(f'<div><span class="ks-implied">質問から: {esc(names)}を優先表示（絞り込みではありません）'
                   f" / from the question: {esc(names)} (boosted, not filtered)</span></div>")
    if bands is not None and (answer.items or answer.nearest):
        out.append(render_legend(*bands))
    out.append("</div>")
    return "".join(out)


def _shown_line(answer: Answer, view: View) -> str:
    """What is on screen of the list, and how many 低 items are folded."""
    total = len(answer.items)
    if view.show_all:
        pages = page_count(answer, view)
        ja = f"全{total}件を表示中" + (f"（{view.page}/{pages}ページ）" if pages > 1 else "")
        en = f"showing all {total}"
    else:
        n = min(total, DEFAULT_SHOWN)
        ja = f"上位{n}件を表示中（全{total}件）" + ("。「すべて表示」で全件" if total > n else "")
        en = f"top {n} of {total}"
    if answer.folded_low:
        ja += f"。関連の低い候補 {answer.folded_low}件は折りたたみ"
        en += f"; {answer.folded_low} low-relevance items folded"
    return f'<div class="ks-shown">{esc(ja)}<span class="ks-en"> / {esc(en)}</span></div>'


def render_chips(chips: Sequence[Chip]) -> str:
    """The active filters, each a button that removes it (the summary script handles .ks-filter-x)."""
    buttons = "".join(
        f'<button type="button" class="ks-filter-x" data-field="{esc(c.field)}" data-value="{esc(c.value)}" '
        f'aria-label="絞り込み「{esc(c.text)}」を外す / remove this filter">{esc(c.text)} ×</button>' for c in chips)
    return f'<div class="ks-chips" role="note">絞り込み中 / Filtered by: {buttons}</div>'


def render_legend(high: float, medium: float) -> str:
    """One line saying what 高, 中 and 低 mean (the calibrated probability that an item is relevant)."""
    h, m = f"{high:.0%}", f"{medium:.0%}"
    return (f'<div class="ks-legend">関連度（質問に合う見込み）: <b>高</b> {h}以上・<b>中</b> {m}〜{h}・<b>低</b> {m}未満'
            '<span class="ks-en"> / estimated chance that an item answers the question</span></div>')


def band_badge(item: AnswerItem) -> str:
    if item.band is None:
        return ""
    pct = f" {item.confidence:.0%}" if item.confidence is not None else ""
    return (f'<span class="ks-band ks-band-{esc(item.band)}" title="関連度の推定 / estimated relevance">'
            f"関連度 {esc(BANDS_JA.get(item.band, item.band))}{esc(pct)}</span>")


def phones(item: AnswerItem) -> list[str]:
    """Telephone numbers quoted in the item's evidence (half-width), in order, once each."""
    found: dict[str, None] = {}
    for c in item.citations:
        for m in _PHONE.finditer(unicodedata.normalize("NFKC", c.quote)):  # as dialled: ＃8103 -> #8103
            found[m.group(0)] = None
    return list(found)


def citation_text(item: AnswerItem, c: Citation) -> str:
    """The citation as plain text to paste: title, source and the quote."""
    return f"{item.title}\n{citation_label(c)}\n「{c.quote}」"


def _quote_block(item: AnswerItem, c: Citation) -> str:
    return (
        f'<blockquote class="ks-quote">{highlight(c.quote, c.highlights)}</blockquote>'
        f'<div class="ks-cite">出典 / Source: {citation_link(c)}{copy_button(citation_text(item, c), "引用をコピー")}</div>'
    )


def render_card(item: AnswerItem, rank: int, nearest: bool = False) -> str:
    """One item: rank, kind, band, title, ministries, links and phones (copyable), best quote, more evidence."""
    kind_cls = f"ks-kind-{esc(item.kind)}"
    out = [f'<article class="ks-card{" ks-nearest" if nearest else ""}" data-record="{esc(item.record_id)}">']
    out.append(
        f'<div class="ks-head"><span class="ks-rank">{rank}.</span>'
        f'<span class="ks-kind {kind_cls}">{esc(KIND_LABELS.get(item.kind, item.kind))}</span>'
        f'{band_badge(item)}<h3 class="ks-title">{esc(item.title)}</h3></div>'
    )
    meta = "".join(f'<span class="ks-ministry">{esc(m)}</span>' for m in item.ministries)
    if item.section:
        meta += f'<span class="ks-section">{esc(" › ".join(item.section))}</span>'
    if item.needs:
        meta += f'<span class="ks-serves">対象: {esc("・".join(item.needs))}</span>'
    if meta:
        out.append(f'<div class="ks-meta">{meta}</div>')
    urls = item.urls or ([item.url] if item.url else [])
    if urls:
        out.append('<div class="ks-links">関連URL: '
                   + " ".join(link(u) + copy_button(u, "URLをコピー") for u in urls) + "</div>")
    tel = phones(item)
    if tel:
        out.append('<div class="ks-links">電話 / Phone: '
                   + " ".join(f"<span>{esc(t)}</span>{copy_button(t, '番号をコピー')}" for t in tel) + "</div>")
    if item.citations:
        out.append(_quote_block(item, item.citations[0]))
        rest = item.citations[1:]
        if rest:
            out.append(
                f'<details class="ks-more"><summary>他の根拠 / More evidence（{len(rest)}件）</summary>'
                + "".join(_quote_block(item, c) for c in rest)
                + "</details>"
            )
    out.append(
        f'<button type="button" class="ks-detail-btn" data-record="{esc(item.record_id)}">'
        "詳細を見る / Details</button>"
    )
    out.append("</article>")
    return "".join(out)


def render_cards(answer: Answer, view: View) -> str:
    """The cards on screen; the nearest items, marked as such, when nothing is above the cut."""
    if not answer.confident:
        head = (f'<div class="ks-notice" role="status"><b>{esc(NO_MATCH)}</b>。'
                "言葉を変えるか、絞り込みを外してください。以下は参考として最も近い項目です（関連度は低い）。"
                " / No confident match; the nearest items follow, for reference only.</div>")
        if not answer.nearest:
            return head
        return head + '<div class="ks-cards">' + "".join(
            render_card(it, n, nearest=True) for n, it in enumerate(answer.nearest, 1)) + "</div>"
    items = shown_items(answer, view)
    rank = {id(it): n for n, it in enumerate(answer.items, 1)}
    if not view.group:
        return '<div class="ks-cards">' + "".join(render_card(it, rank[id(it)]) for it in items) + "</div>"
    # Headings count the whole list, whatever part of it is on screen.
    whole = dict(group_items(answer.items, view.group))
    shared = shared_counts(answer.items) if view.group == "ministry" else {}
    out = ['<div class="ks-cards">']
    for label, group in group_items(items, view.group):
        head = group_heading(label, whole.get(label, group), shared)
        if len(group) < len(whole.get(label, group)):
            head += f"（うち{len(group)}件を表示）"
        out.append(f'<h3 class="ks-group-head">{esc(head)}</h3>')
        out.extend(render_card(it, rank[id(it)]) for it in group)
    out.append("</div>")
    return "".join(out)


TABLE_COLUMNS = ["順位", "関連度", "種類", "施策No.・タイトル", "府省庁", "出典", "引用"]
TABLE_WIDTHS: list[str | int] = ["52px", "64px", "64px", "26%", "120px", "22%", "34%"]


def table_rows(answer: Answer, items: Sequence[AnswerItem] | None = None) -> list[list[object]]:
    """The List tab: one row per item (all items above the cut), Japanese headers (TABLE_COLUMNS)."""
    rank = {id(it): n for n, it in enumerate(answer.items, 1)}
    rows: list[list[object]] = []
    for it in items if items is not None else answer.items:
        c = it.citations[0] if it.citations else None
        quote = c.quote if c else ""
        rows.append([
            rank.get(id(it), ""),
            BANDS_JA.get(it.band or "", ""),
            kind_label(it.kind),
            it.title,
            "・".join(it.ministries),
            citation_label(c) if c else "",
            quote if len(quote) <= 160 else quote[:159] + "…",
        ])
    return rows
