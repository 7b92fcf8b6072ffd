"""The web app's HTML, unit by unit (pure functions, no Gradio, no browser).

Every document text and query must come out as text (escaped), links must be safe, copy buttons
must carry the exact text, citation links must open the cited page or line, and the view must
page, sort and group every item of a complete answer.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from koritsu_search import open_index
from koritsu_search.measures import Measure, MeasureEntry
from koritsu_search.models import Answer, AnswerItem, Citation, Record
from koritsu_search.web.cards import (
    DEFAULT_SHOWN,
    NO_MATCH,
    PAGE_SIZE,
    View,
    band_badge,
    citation_text,
    page_count,
    phones,
    render_card,
    render_cards,
    render_summary,
    shown_items,
    table_rows,
)
from koritsu_search.web.detail import mark_cited, render_detail
from koritsu_search.web.render import (
    citation_label,
    citation_link,
    copy_button,
    esc,
    highlight,
    link,
    linkify,
    ministry_counts,
    render_chart,
    render_message,
    safe_url,
)
from koritsu_search.web.sources import render_text_source, source_url

from helpers import FakeEmbedder

EVIL_IMG = "<img src=x onerror=alert(1)>"
EVIL_SCRIPT = "<script>alert(1)</script>"
EVIL_ATTR = '" onmouseover="alert(3)" x="'
EVIL = EVIL_IMG + EVIL_SCRIPT + EVIL_ATTR
NO10_TITLE = "施策No.10 在留外国人に対する情報提供等"
PLAN = "juten_keikaku_R7kaitei_gutaiteki_shisaku"
STATUS = "r7_kodoku_koritsu_measures_status"
ALLOWED_TAGS = {"div", "span", "h3", "h4", "a", "button", "article", "blockquote", "mark", "details", "summary",
                "q", "b", "section", "p", "ins", "del"}


class _Tags(HTMLParser):
    """Start tags (name, attributes unescaped) and the text, as a browser would see them."""

    def __init__(self, source: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []
        self.feed(source)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def handle_data(self, data):
        self.text.append(data)

    def find(self, tag: str | None = None, cls: str | None = None) -> list[dict[str, str]]:
        return [a for t, a in self.tags
                if (tag is None or t == tag) and (cls is None or cls in a.get("class", "").split())]

    @property
    def all_text(self) -> str:
        return "".join(self.text)


def assert_inert(rendered: str) -> _Tags:
    """No element or attribute in the HTML that could run script; returns the parsed page."""
    parsed = _Tags(rendered)
    for tag, attrs in parsed.tags:
        assert tag in ALLOWED_TAGS, (tag, attrs)
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name)
            if name == "href":
                assert value.startswith(("https://", "http://", "/source/")), value
    return parsed


# ---------------------------------------------------------------- escaping and highlights


def _marks(rendered: str, cls: str = "") -> list[str]:
    return [html.unescape(m) for m in re.findall(rf"<mark{cls}>(.*?)</mark>", rendered)]


def _text(rendered: str) -> str:
    return html.unescape(re.sub(r"</?mark[^>]*>", "", rendered))


def test_esc_escapes_markup_quotes_and_none() -> None:
    assert esc(EVIL) == html.escape(EVIL, quote=True)
    assert "<" not in esc(EVIL) and '"' not in esc(EVIL) and "'" not in esc("'")
    assert esc(None) == "" and esc(3) == "3"


def test_highlight_escapes_each_piece_and_marks_the_right_characters() -> None:
    quote = 'a<b>c&d"e<script>'
    out = highlight(quote, [(1, 4)])
    assert out == 'a<mark>&lt;b&gt;</mark>c&amp;d&quot;e&lt;script&gt;'
    # unsorted, overlapping, out-of-range and empty spans
    out = highlight("0123456789", [(7, 20), (2, 4), (3, 5), (6, 6), (-3, 1)])
    assert _marks(out) == ["0", "234", "789"]
    assert _text(out) == "0123456789"
    assert highlight("", [(0, 3)]) == ""
    # a span cutting through markup still yields text only
    out = highlight(EVIL_IMG, [(0, 4), (10, 12)])
    assert_inert(out)
    assert _text(out) == EVIL_IMG


@pytest.fixture(scope="module")
def index(seed_index_dir: Path):
    return open_index(seed_index_dir, embedder=FakeEmbedder())


@pytest.fixture(scope="module")
def foreign(index) -> Answer:
    return index.ask("在留外国人 情報提供", complete=True, include_low=True)


def test_highlight_spans_land_on_the_cited_words(foreign: Answer) -> None:
    checked = 0
    for item in foreign.items:
        for c in item.citations:
            out = highlight(c.quote, c.highlights)
            assert _text(out) == c.quote
            assert "".join(_marks(out)) == "".join(c.quote[s:e] for s, e in sorted(c.highlights))
            checked += len(c.highlights)
    assert checked > 0
    no10 = next(i for i in foreign.items if i.title == NO10_TITLE)
    assert {"在留外国人", "情報提供"} & set(_marks(render_card(no10, 1)))


# ---------------------------------------------------------------- links


def test_links_are_http_only_and_open_safely() -> None:
    a = link('https://example.go.jp/a?b=1&c="x"')
    assert a.startswith('<a href="https://example.go.jp/a?b=1&amp;c=&quot;x&quot;"')
    assert 'target="_blank"' in a and 'rel="noopener noreferrer"' in a
    assert _Tags(a).find("a")[0]["href"] == 'https://example.go.jp/a?b=1&c="x"'
    for bad in ("javascript:alert(1)", " JavaScript:alert(1)", "data:text/html,<b>x</b>", "//evil.example/x",
                "ftp://x/y", "vbscript:x", "https:///nohost", "http://[::1"):
        assert safe_url(bad) is None, bad
        out = link(bad)
        assert "<a " not in out and "<b>" not in out
        assert_inert(out)
    assert link(None) == "" and link("") == ""
    assert safe_url(" https://ok.example/p ") == "https://ok.example/p"


def test_linkify_keeps_the_text_escaped_and_trims_trailing_punctuation() -> None:
    out = linkify("ポータル (https://www.moj.go.jp/isa/index.html)。<b>x</b> https://a.example/b.")
    assert '>https://www.moj.go.jp/isa/index.html</a>)。&lt;b&gt;x&lt;/b&gt; ' in out
    assert 'href="https://a.example/b"' in out and out.endswith("</a>.")
    assert_inert(out)
    assert linkify(EVIL) == esc(EVIL)


def test_source_urls_open_the_cited_pdf_page_or_text_line() -> None:
    assert source_url("plan") == "/source/plan"
    assert source_url("plan", page=19) == "/source/plan#page=19"
    assert source_url("status", line=23) == "/source/status#L23"
    # a document id is one path segment, whatever it holds
    assert source_url("a b/../c?d#e", page=1) == "/source/a%20b%2F..%2Fc%3Fd%23e#page=1"

    pdf = Citation("p1", "plan", "計画", "plan.pdf", 19, "課題", None, "引用", printed_page=42)
    txt = Citation("p2", "status", "実施状況", "status.txt", None, "施策の概要", None, "引用", line=23)
    for c, href in ((pdf, "/source/plan#page=19"), (txt, "/source/status#L23")):
        a = _Tags(citation_link(c)).find("a", "ks-src")[0]
        assert a["href"] == href and a["target"] == "_blank" and "noopener" in a["rel"]
    assert citation_label(pdf) == "計画 / p.42（PDF p.19） / 課題"
    assert citation_label(txt) == "実施状況 / 23行目 / 施策の概要"


def test_card_citation_links_match_the_library_answer(foreign: Answer) -> None:
    item = next(i for i in foreign.items if i.title == NO10_TITLE)
    hrefs = [a["href"] for a in _Tags(render_card(item, 1)).find("a", "ks-src")]
    expected = [f"/source/{c.doc_id}#L{c.line}" if c.line is not None else f"/source/{c.doc_id}#page={c.page}"
                for c in item.citations]
    assert hrefs == expected
    assert any(h.startswith(f"/source/{PLAN}#page=") for h in hrefs)
    assert any(re.fullmatch(rf"/source/{STATUS}#L\d+", h) for h in hrefs)


def test_text_source_page_has_an_escaped_anchor_per_line(tmp_path: Path) -> None:
    f = tmp_path / "s.txt"
    f.write_text(f"一行目\n{EVIL}\n三行目", encoding="utf-8")
    out = render_text_source(f, f"題{EVIL_SCRIPT}")
    assert "<script>alert" not in out and "<img" not in out
    rows = re.findall(r'<li id="L(\d+)"><a href="#L\d+">\d+</a><span>(.*?)</span></li>', out)
    assert [(int(n), html.unescape(t)) for n, t in rows] == [(1, "一行目"), (2, EVIL), (3, "三行目")]


# ---------------------------------------------------------------- cards, summary, chart, table


def _evil_item(record_id: str = "d#m1", band: str | None = "medium") -> AnswerItem:
    c1 = Citation("p1", "d", f"文書{EVIL}", "x.txt", 3, f"施策の概要{EVIL_SCRIPT}", f"発言者{EVIL_IMG}",
                  f"前{EVIL}後 0120-279-338", [(0, 1), (1, 4), (5, 30)], edition=f"版{EVIL_ATTR}")
    c2 = Citation("p2", "d", f"文書{EVIL}", "x.txt", None, None, None, f"別の{EVIL_SCRIPT}引用", line=7)
    return AnswerItem(record_id, "measure", f"施策No.1 {EVIL}", 0.5, 1, EVIL_SCRIPT, None,
                      [f"省{EVIL_IMG}"], [f"節{EVIL_SCRIPT}", f"項{EVIL_ATTR}"], "javascript:alert(1)",
                      ["javascript:alert(1)", f"https://ok.example/p?a=1&b={EVIL_ATTR}"], [c1, c2],
                      confidence=0.61, band=band)


def _evil_answer() -> Answer:
    return Answer(f"質問{EVIL}", f"summary{EVIL_IMG}", [_evil_item()], total=1,
                  implied_ministries=[f"省{EVIL_SCRIPT}"])


def test_cards_summary_and_chart_escape_every_text() -> None:
    ans = _evil_answer()
    cards = render_cards(ans, View())
    parsed = assert_inert(cards)
    text = parsed.all_text
    for piece in (f"施策No.1 {EVIL}", f"省{EVIL_IMG}", f"節{EVIL_SCRIPT}", f"前{EVIL}後", f"別の{EVIL_SCRIPT}引用",
                  f"文書{EVIL}", f"版{EVIL_ATTR}", f"発言者{EVIL_IMG}", f"施策の概要{EVIL_SCRIPT}"):
        assert piece in text, piece
    # only the http(s) URL became a link; javascript: stays text
    links = [a["href"] for a in parsed.find("a") if "ks-src" not in a.get("class", "")]
    assert links == [f"https://ok.example/p?a=1&b={EVIL_ATTR}"]
    assert "javascript:alert(1)" in text
    assert parsed.find("article", "ks-card")[0]["data-record"] == "d#m1"

    summary = render_summary(ans, View())
    parsed = assert_inert(summary)
    assert f"質問{EVIL}" in parsed.all_text and f"省{EVIL_SCRIPT}" in parsed.all_text

    chart = render_chart(ans.items)
    parsed = assert_inert(chart)
    assert f"省{EVIL_IMG}" in parsed.all_text
    assert parsed.find("div", "ks-chart-row")[0]["title"] == f"省{EVIL_IMG}: 1"
    assert ministry_counts(ans.items) == [(f"省{EVIL_IMG}", 1)]

    msg = render_message(f"失敗{EVIL}")
    assert _Tags(msg).all_text == f"失敗{EVIL}" and assert_inert(msg)


def test_nearest_cards_when_nothing_is_confident_escape_too() -> None:
    ans = Answer(f"質問{EVIL}", "No confident match.", [], total=0, confident=False,
                 nearest=[_evil_item("d#a", "low"), _evil_item("d#b", "low")])
    cards = render_cards(ans, View())
    parsed = assert_inert(cards)
    assert NO_MATCH in parsed.all_text
    assert len(parsed.find("article", "ks-nearest")) == 2
    assert NO_MATCH in render_summary(ans, View()) and "件を表示中" not in render_summary(ans, View())
    empty = Answer("q", "No confident match.", confident=False)
    assert "ks-card" not in render_cards(empty, View()) and NO_MATCH in render_cards(empty, View())


def test_table_rows_hold_plain_text_for_every_item() -> None:
    items = [_evil_item(f"d#m{n}") for n in range(1, 13)]
    items[1].citations[0].quote = "長" * 200
    ans = Answer("q", "s", items, total=len(items))
    rows = table_rows(ans)
    assert len(rows) == 12  # every item, not only the shown cards
    first = rows[0]
    assert first[0] == 1 and first[1] == "中" and first[2] == "施策"
    assert first[3] == f"施策No.1 {EVIL}"  # the Dataframe shows it as text; no double escaping
    assert first[4] == f"省{EVIL_IMG}"
    assert first[5] == citation_label(items[0].citations[0])
    assert first[6] == items[0].citations[0].quote
    assert rows[1][6] == "長" * 159 + "…"
    assert [r[0] for r in rows] == list(range(1, 13))


def test_band_badge_shows_the_band_and_its_percentage_on_the_card() -> None:
    for band, ja in (("high", "高"), ("medium", "中"), ("low", "低")):
        item = AnswerItem("r", "measure", "t", 0.5, confidence=0.734, band=band)
        badge = band_badge(item)
        parsed = _Tags(badge)
        span = parsed.find("span", "ks-band")[0]
        assert f"ks-band-{band}" in span["class"].split()
        assert parsed.all_text == f"関連度 {ja} 73%"  # visible, not only in a tooltip
        assert f"関連度 {ja}" in _Tags(render_card(item, 1)).all_text
    assert band_badge(AnswerItem("r", "measure", "t", 0.5)) == ""
    assert "ks-band" not in render_card(AnswerItem("r", "measure", "t", 0.5), 1)


def test_cards_show_the_library_bands(foreign: Answer) -> None:
    parsed = _Tags(render_cards(foreign, View()))
    badges = [a["class"] for a in parsed.find("span", "ks-band")]
    assert badges == [f"ks-band ks-band-{it.band}" for it in foreign.items[:DEFAULT_SHOWN]]
    assert len({it.band for it in foreign.items}) == 3


def test_copy_buttons_carry_the_exact_text() -> None:
    item = _evil_item()
    buttons = _Tags(render_card(item, 1)).find("button", "ks-copy")
    copies = [b["data-copy"] for b in buttons]
    url = f"https://ok.example/p?a=1&b={EVIL_ATTR}"
    assert copies == [
        "javascript:alert(1)", url, "0120-279-338",
        citation_text(item, item.citations[0]), citation_text(item, item.citations[1]),
    ]
    c = item.citations[0]
    assert citation_text(item, c) == f"{item.title}\n{citation_label(c)}\n「{c.quote}」"
    b = _Tags(copy_button("a\nb\"<c>&", "コピー")).find("button", "ks-copy")[0]
    assert b["data-copy"] == "a\nb\"<c>&" and b["type"] == "button"


def test_phone_numbers_are_found_in_the_quotes() -> None:
    quotes = [
        "相談は 0120-279-338（24時間）または 03-5253-2111 へ。#9999 も。",
        "全角の ＃8103 と ０５７０－０６４－５５６、重複 0120-279-338。",
        "番号でないもの: 2024-01-01、12-345-6789、#99999、090-1234-5678-9、No.0120。",
    ]
    cites = [Citation(f"p{n}", "d", "t", "s", 1, None, None, q) for n, q in enumerate(quotes)]
    item = AnswerItem("r", "measure", "t", 0.5, citations=cites)
    assert phones(item) == ["0120-279-338", "03-5253-2111", "#9999", "#8103", "0570-064-556"]
    card = _Tags(render_card(item, 1))
    assert "電話 / Phone" in card.all_text
    assert [b["data-copy"] for b in card.find("button", "ks-copy")][:5] == phones(item)
    assert phones(AnswerItem("r", "measure", "t", 0.5)) == []
    assert "電話" not in render_card(AnswerItem("r", "measure", "t", 0.5), 1)


def test_corpus_phone_numbers_reach_the_cards(index) -> None:
    for q, number in (("＃8103 犯罪被害者", "#8103"), ("#9999 相談窓口", "#9999")):
        answer = index.ask(q, complete=True, include_low=True)
        assert any(number in phones(it) for it in answer.items), (q, [phones(it) for it in answer.items])


# ---------------------------------------------------------------- the view: first few, pages, order, groups


def _many(n: int) -> Answer:
    ministries = ["厚生労働省", "法務省", "内閣府"]
    items = [AnswerItem(f"d#m{i}", "measure", f"施策No.{100 - i} 名前{i}", 1.0 - i / 100, measure_no=100 - i,
                        ministries=[ministries[i % 3]], section=[f"（{i % 2 + 1}）節"], band="high")
             for i in range(n)]
    return Answer("質問", "s", items, total=n)


def _ids(rendered: str) -> list[str]:
    return [a["data-record"] for a in _Tags(rendered).find("article", "ks-card")]


def _ranks(rendered: str) -> list[int]:
    return [int(r) for r in re.findall(r'<span class="ks-rank">(\d+)\.</span>', rendered)]


def test_view_shows_the_first_ten_or_every_item_in_pages() -> None:
    ans = _many(45)
    assert [i.record_id for i in shown_items(ans, View())] == [f"d#m{i}" for i in range(DEFAULT_SHOWN)]
    assert page_count(ans, View()) == 1
    assert page_count(ans, View(show_all=True)) == 3
    seen = []
    for p in (1, 2, 3):
        rendered = render_cards(ans, View(show_all=True, page=p))
        seen += _ids(rendered)
        assert len(_ids(rendered)) == (PAGE_SIZE if p < 3 else 5)
        assert f"全45件を表示中（{p}/3ページ）" in render_summary(ans, View(show_all=True, page=p))
    assert seen == [f"d#m{i}" for i in range(45)]
    assert _ranks(render_cards(ans, View(show_all=True, page=2))) == list(range(21, 41))
    summary = render_summary(ans, View())
    assert f"上位{DEFAULT_SHOWN}件を表示中（全45件）" in summary and "すべて表示" in summary
    assert render_cards(ans, View(show_all=True, page=9)) == '<div class="ks-cards"></div>'
    # a short answer: everything on one page, no hint to show more
    small = _many(4)
    assert "上位4件を表示中（全4件）" in render_summary(small, View()) and "すべて表示" not in render_summary(small, View())
    assert "ページ" not in render_summary(small, View(show_all=True))


def test_view_sorts_by_number_and_keeps_the_relevance_rank() -> None:
    ans = _many(30)
    rendered = render_cards(ans, View(show_all=True, sort="no"))
    ids = _ids(rendered)
    assert ids == [f"d#m{i}" for i in range(29, 9, -1)]  # 施策No.71 … first
    assert _ranks(rendered) == list(range(30, 10, -1))  # the rank stays the item's place by relevance
    # the first ten of the sorted list, not the ten best sorted
    assert _ids(render_cards(ans, View(sort="no"))) == [f"d#m{i}" for i in range(29, 19, -1)]
    by_ministry = _ids(render_cards(ans, View(show_all=True, sort="ministry")))
    assert len(by_ministry) == PAGE_SIZE and set(by_ministry) <= {f"d#m{i}" for i in range(30)}


def test_view_groups_by_ministry_with_counts() -> None:
    ans = _many(9)
    rendered = render_cards(ans, View(group="ministry"))
    heads = re.findall(r'<h3 class="ks-group-head">(.*?)（(\d+)件）</h3>', rendered)
    assert sorted(h for h, _ in heads) == ["内閣府", "厚生労働省", "法務省"]
    assert all(n == "3" for _, n in heads)
    assert sorted(_ids(rendered)) == sorted(f"d#m{i}" for i in range(9))
    sections = re.findall(r'<h3 class="ks-group-head">(.*?)（\d+件）</h3>', render_cards(ans, View(group="section")))
    assert len(sections) == 2
    evil = Answer("q", "s", [_evil_item()], total=1)
    assert_inert(render_cards(evil, View(group="ministry")))
    assert_inert(render_cards(evil, View(group="section")))


# ---------------------------------------------------------------- the detail view


def test_mark_cited_escapes_and_marks_each_quote_once() -> None:
    text = f"前置き。{EVIL}を含む文。そして後書き。"
    out = mark_cited(text, [f"{EVIL}を含む文。", "後書き", "", "ない引用", "後書"])
    assert_inert(out)
    assert _marks(out, ' class="ks-cited"') == [f"{EVIL}を含む文。", "後書き"]
    assert _text(out) == text
    # overlapping quotes become one mark over both
    assert _marks(mark_cited("0123456789", ["234", "456", "89"]), ' class="ks-cited"') == ["23456", "89"]


def _evil_entry(doc_id: str, title: str, fields: dict[str, str], line: int | None = None) -> MeasureEntry:
    return MeasureEntry(doc_id, title, "plan", f"版{EVIL_ATTR}", f"{doc_id}.pdf", f"{doc_id}#m1", fields,
                        {k: [4] for k in fields}, [4], [30], [], {k: [30] for k in fields}, line)


def test_detail_escapes_every_text_of_both_sides() -> None:
    plan_fields = {"施策名": "名前", "施策の概要": f"概要{EVIL}", "現状": f"現状{EVIL_SCRIPT}"}
    status_fields = {"施策名": "名前", "目標の達成状況": f"達成{EVIL_IMG}", "関連URL": "https://ok.example/x"}
    rec = Record("s#m1", "measure", "t", pages=[1], measure_no=1, measure_name=f"名前{EVIL}",
                 section=[f"節{EVIL_SCRIPT}"], ministries=[f"省{EVIL_IMG}"], fields=status_fields, line=9,
                 urls=["https://ok.example/x"])
    measure = Measure("K#1", 1, "名前", [], [], [
        _evil_entry("p", f"計画{EVIL}", plan_fields), _evil_entry("s", f"状況{EVIL}", status_fields, line=9)])
    cite = Citation("c1", "p", "計画", "p.pdf", 4, "現状", None, EVIL_SCRIPT)
    out = render_detail(rec, f"状況{EVIL}", measure, [cite])
    parsed = assert_inert(out)
    text = parsed.all_text
    for piece in (f"名前{EVIL}", f"計画{EVIL}", f"状況{EVIL}", f"概要{EVIL}", f"現状{EVIL_SCRIPT}", f"達成{EVIL_IMG}",
                  f"節{EVIL_SCRIPT}", f"省{EVIL_IMG}", f"版{EVIL_ATTR}"):
        assert piece in text, piece
    assert _marks(out, ' class="ks-cited"') == [EVIL_SCRIPT]
    hrefs = [a["href"] for a in parsed.find("a", "ks-src")]
    assert "/source/p#page=4" in hrefs and "/source/s#L9" in hrefs
    assert "p.30（PDF p.4）" in text
    assert len(parsed.find("div", "ks-side")) == 2
    assert parsed.find("h3")[0]["tabindex"] == "-1"
    assert len(parsed.find("button", "ks-back")) == 1

    speech = Record("m#s1", "speech", f"発言{EVIL_IMG}", pages=[2], speaker=f"大臣{EVIL_ATTR}",
                    organization=f"外務省{EVIL_SCRIPT}")
    out = render_detail(speech, "議事要旨", citations=[Citation("c", "m", "議", "m.txt", 2, None, None, "発言")])
    parsed = assert_inert(out)
    assert f"発言{EVIL_IMG}" in parsed.all_text and f"大臣{EVIL_ATTR}の発言（外務省{EVIL_SCRIPT}）" in parsed.all_text
    assert _marks(out, ' class="ks-cited"') == ["発言"]
    assert "項目を選んでください" in render_detail(None)


def test_detail_of_measure_10_shows_plan_and_status_with_the_cited_quote(index, foreign: Answer) -> None:
    item = next(i for i in foreign.items if i.title == NO10_TITLE)
    rec = index.record(item.record_id)
    measure = index.measures[rec.measure_key]
    out = render_detail(rec, index.doc_titles[rec.record_id.split("#")[0]], measure, item.citations)
    parsed = assert_inert(out)
    sides = re.findall(r'<div class="ks-side">(.*?)</div></div>', out, re.S)
    assert len(sides) == 2
    plan_side, status_side = sides
    assert index.doc_titles[PLAN] in html.unescape(plan_side)
    assert index.doc_titles[STATUS] in html.unescape(status_side)
    assert re.findall(r"<h4>(.*?)</h4>", plan_side) == ["施策の概要", "目標及び達成の期間", "現状", "課題", "今後の取組方針"]
    assert re.findall(r"<h4>(.*?)</h4>", status_side) == [
        "施策の概要", "目標及び達成の期間", "目標の達成状況", "達成状況を踏まえた施策の見直し方針"]
    assert re.search(rf'href="/source/{PLAN}#page=\d+"', plan_side)
    assert f'href="/source/{STATUS}#L{index.record(f"{STATUS}#m10").line}"' in status_side
    cited = _marks(out, ' class="ks-cited"')
    assert cited and all(any(m == c.quote.strip() for c in item.citations) for m in cited)
    for c in item.citations:  # every cited quote of a shown column is marked on its own side
        side = plan_side if c.doc_id == PLAN else status_side
        if f"<h4>{c.field}</h4>" in side:
            assert f'<mark class="ks-cited">{esc(c.quote.strip())}</mark>' in side, (c.doc_id, c.field)
    assert parsed.find("h3")[0]["tabindex"] == "-1"
    assert NO10_TITLE in parsed.all_text
