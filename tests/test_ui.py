"""The web app served by ui_server, driven in headless Chromium (one server and browser per module).

Rendering units (escaping, links, cards, detail) are in test_ui_render.py.
"""

from __future__ import annotations

import csv
import http.client
import io
import json
import re
import shutil
import socket
import threading
import time
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from koritsu_search import open_index
from koritsu_search.errors import KoritsuError
from koritsu_search.export import CSV_COLUMNS, CSV_RISKY
from koritsu_search.listing import BANDS_JA, group_heading, group_items, shared_counts
from koritsu_search.models import Filters
from koritsu_search.web.cards import DEFAULT_SHOWN, PAGE_SIZE
from koritsu_search.web.server import choose_port, start_in_thread

from helpers import CORPUS, FakeEmbedder

EVIL_IMG = "<img src=x onerror=alert(1)>"
EVIL_SCRIPT = "<script>alert(1)</script>"
NO10_TITLE = "施策No.10 在留外国人に対する情報提供等"
PLAN = "juten_keikaku_R7kaitei_gutaiteki_shisaku"
STATUS = "r7_kodoku_koritsu_measures_status"
PLAN_COLUMNS = ["施策の概要", "目標及び達成の期間", "現状", "課題", "今後の取組方針"]
STATUS_COLUMNS = ["施策の概要", "目標及び達成の期間", "目標の達成状況", "達成状況を踏まえた施策の見直し方針"]
Q_FOREIGN = "在留外国人 情報提供"  # 9 items in all three bands, 施策No.10 among them
Q_MANY = "地方公共団体への支援"  # far more than PAGE_SIZE items
Q_MINISTRIES = "外国人を対象とした施策は？"  # many items from ten ministries

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]


# ---------------------------------------------------------------- port choice (no browser)


def test_choose_port_names_a_taken_port_and_picks_a_free_one_for_0() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        taken = s.getsockname()[1]
        with pytest.raises(KoritsuError, match=rf"\b{taken}\b"):
            choose_port("127.0.0.1", taken)
    port = choose_port("127.0.0.1", 0)
    assert 0 < port < 65536
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))  # really free
    with pytest.raises(KoritsuError, match="70000"):
        choose_port("127.0.0.1", 70000)


# ---------------------------------------------------------------- fixtures and helpers


class SlowIndex:
    """Wraps an Index: optional delay in ask(), and how many asks ran at the same time."""

    def __init__(self, index) -> None:
        self._index = index
        self.delay = 0.0
        self.active = 0
        self.max_active = 0
        self._lock = threading.Lock()

    def __getattr__(self, name: str):
        return getattr(self._index, name)

    def ask(self, *args, **kwargs):
        with self._lock:
            self.active += 1
            self.max_active = max(self.max_active, self.active)
        try:
            time.sleep(self.delay)
            return self._index.ask(*args, **kwargs)
        finally:
            with self._lock:
                self.active -= 1


@pytest.fixture(scope="module")
def browser():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        pytest.skip("Chromium is not installed (scripts/install.sh --test installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def slow_index(seed_index_dir: Path) -> SlowIndex:
    return SlowIndex(open_index(seed_index_dir, embedder=FakeEmbedder()))


@pytest.fixture(scope="module")
def lib(slow_index: SlowIndex):
    """The library behind the app (same index files), for comparing the page with ask()."""
    return slow_index._index


@pytest.fixture(scope="module")
def server(slow_index: SlowIndex) -> Iterator[str]:
    srv = start_in_thread(slow_index, port=0)
    try:
        slow_index.ask(Q_FOREIGN, complete=True)  # warm up the segmenter before the first page
        yield srv.url
    finally:
        srv.stop()


@pytest.fixture
def open_page(browser, server: str) -> Iterator[Callable]:
    """Opens pages of the app (own context each); afterwards no page may have left the server."""
    contexts = []
    external: list[str] = []

    def opener(path: str = "/", width: int = 1400, height: int = 1000, **ctx_kw):
        ctx = browser.new_context(viewport={"width": width, "height": height}, accept_downloads=True, **ctx_kw)
        contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(20_000)
        page.on("request", lambda r: None if _local(r.url, server) else external.append(r.url))
        page.goto(server + path)
        _ready(page)
        return page

    yield opener
    for ctx in contexts:
        ctx.close()
    assert external == [], f"the page tried to reach the network: {external}"


def _local(url: str, origin: str) -> bool:
    return url.startswith(origin + "/") or url == origin or url.startswith(("data:", "blob:", "about:"))


def _ready(page) -> None:
    """The app is mounted and its page script ran (it adds #ks-busy)."""
    page.locator("#ks-question textarea").wait_for()
    page.locator("#ks-busy").wait_for(state="attached")


def _ask(page, question: str, wait: bool = True) -> None:
    box = page.locator("#ks-question textarea")
    box.fill(question)
    box.press("Enter")
    if wait:
        _wait_answer(page, question)


def _wait_answer(page, question: str) -> None:
    """Until the summary names this question and the busy note is gone."""
    page.locator("#ks-summary .ks-asked", has_text=question).wait_for(state="attached")  # hidden on a phone
    page.locator("#ks-busy").wait_for(state="hidden")


def _titles(page) -> list[str]:
    return page.locator("#ks-cards .ks-card .ks-title").all_inner_texts()


def _records(page) -> list[str]:
    return [r for r in page.locator("#ks-cards .ks-card").evaluate_all("els => els.map(e => e.dataset.record)")]


def _card(page, title: str):
    return page.locator("#ks-cards .ks-card", has=page.locator(".ks-title", has_text=title))


# ---------------------------------------------------------------- results, bands, all items


@pytest.mark.slow
@pytest.mark.parametrize("size", [(1366, 900), (400, 800)], ids=["desktop", "phone"])
def test_first_result_is_visible_without_scrolling(open_page, size) -> None:
    page = open_page(width=size[0], height=size[1])
    _ask(page, Q_FOREIGN)
    title = page.locator("#ks-cards .ks-card .ks-title").first
    title.wait_for()
    page.wait_for_timeout(300)  # let the folding accordions settle
    box = title.bounding_box()
    assert box is not None
    assert page.evaluate("window.scrollY") == 0
    assert box["x"] >= 0 and box["y"] >= 0, box
    assert box["x"] + box["width"] <= size[0] and box["y"] + box["height"] <= size[1], (box, size)


@pytest.mark.slow
def test_cards_show_the_confidence_bands_of_the_library(open_page, lib) -> None:
    page = open_page("/?low=1&q=" + quote(Q_FOREIGN))  # 低 items listed too: all three bands on screen
    _wait_answer(page, Q_FOREIGN)
    answer = lib.ask(Q_FOREIGN, complete=True, include_low=True)
    expected = [f"関連度 {BANDS_JA[it.band]} {it.confidence:.0%}" for it in answer.items[:DEFAULT_SHOWN]]
    assert len({it.band for it in answer.items[:DEFAULT_SHOWN]}) == 3, "precondition: items in all three bands"
    cards = page.locator("#ks-cards .ks-card")
    bands = [cards.nth(i).locator(".ks-band").inner_text() for i in range(cards.count())]
    assert bands == expected  # the band and the percentage, on the card (not only in a tooltip)
    assert _titles(page) == [it.title for it in answer.items[:DEFAULT_SHOWN]]
    classes = cards.nth(0).locator(".ks-band").get_attribute("class")
    assert f"ks-band-{answer.items[0].band}" in classes


@pytest.mark.slow
def test_show_all_pages_through_every_item(open_page, lib) -> None:
    answer = lib.ask(Q_MANY, complete=True)
    total = len(answer.items)
    assert total > PAGE_SIZE, "precondition: several pages"
    pages = -(-total // PAGE_SIZE)
    page = open_page()
    _ask(page, Q_MANY)
    assert len(_titles(page)) == DEFAULT_SHOWN
    assert f"上位{DEFAULT_SHOWN}件を表示中（全{total}件）" in page.locator("#ks-summary").inner_text()
    assert page.locator("#ks-pager").is_hidden()

    page.locator("#ks-all input[type=checkbox]").check()
    page.locator("#ks-summary .ks-shown", has_text=f"全{total}件を表示中（1/{pages}ページ）").wait_for()
    page.locator("#ks-pager").wait_for()
    seen = _records(page)
    assert len(seen) == PAGE_SIZE
    for n in range(2, pages + 1):
        page.locator("#ks-pager label", has_text=re.compile(rf"^\s*{n}\s*$")).click()
        page.locator("#ks-summary .ks-shown", has_text=f"（{n}/{pages}ページ）").wait_for()
        seen += _records(page)
    assert len(seen) == total
    assert seen == [it.record_id for it in answer.items]
    assert "all=1" in page.url

    page.locator("#ks-all input[type=checkbox]").uncheck()
    page.locator("#ks-summary .ks-shown", has_text=f"上位{DEFAULT_SHOWN}件").wait_for()
    assert len(_titles(page)) == DEFAULT_SHOWN and page.locator("#ks-pager").is_hidden()


def _download(page, elem: str) -> bytes:
    with page.expect_download() as dl:
        page.locator(elem).click()
    return Path(dl.value.path()).read_bytes()


@pytest.mark.slow
def test_exports_hold_every_item_url_and_quote(open_page, lib) -> None:
    answer = lib.ask(Q_MANY, complete=True)
    page = open_page()
    _ask(page, Q_MANY)
    assert len(_titles(page)) == DEFAULT_SHOWN < len(answer.items)

    data = _download(page, "#ks-csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))  # the header is the first row
    header, body = rows[0], rows[1:]
    assert header == list(CSV_COLUMNS) and "関連URL" in header and "引用" in header
    assert len(body) == sum(max(1, len(it.citations)) for it in answer.items)
    col = {name: n for n, name in enumerate(header)}
    urls = {u for r in body for u in r[col["関連URL"]].split()}
    quotes = {r[col["引用"]] for r in body}
    for it in answer.items:
        for u in it.urls + ([it.url] if it.url else []):
            assert u in urls, (it.title, u)
        for c in it.citations:
            assert ("'" + c.quote if c.quote.startswith(CSV_RISKY) else c.quote) in quotes, (it.title, c.quote[:30])

    lines = _download(page, "#ks-jsonl").decode("utf-8").splitlines()
    meta = json.loads(lines[0])["meta"]
    assert meta["query"] == Q_MANY and meta["total"] == answer.total and meta["complete"] is True
    assert meta["folded_low"] == answer.folded_low > 0  # the export holds what is shown: 高 and 中
    items = [json.loads(line) for line in lines[1:]]
    assert [i["record_id"] for i in items] == [it.record_id for it in answer.items]
    assert [i["rank"] for i in items] == list(range(1, len(answer.items) + 1))


# ---------------------------------------------------------------- detail, citations, copy


@pytest.mark.slow
def test_details_show_plan_and_status_and_back_restores_the_place(open_page, lib) -> None:
    page = open_page()
    _ask(page, Q_FOREIGN)
    card = _card(page, NO10_TITLE)
    btn = card.locator(".ks-detail-btn")
    btn.scroll_into_view_if_needed()
    page.evaluate("() => window.scrollBy(0, 300)")
    assert btn.is_visible()
    y = page.evaluate("window.scrollY")
    assert y > 0
    record_id = btn.get_attribute("data-record")
    assert record_id is not None and record_id.endswith("#m10")
    btn.click()
    # The app remembers where the reader was (reading scrollY here would race the tab switch).
    assert page.evaluate("window.__ksScroll") == y

    detail = page.locator("#ks-detail")
    detail.locator("h3", has_text=NO10_TITLE).wait_for()
    page.wait_for_function("() => document.activeElement === document.querySelector('#ks-detail h3')")
    sides = detail.locator(".ks-side")
    assert sides.count() == 2
    titles = sides.locator("h4.ks-doc").all_inner_texts()
    assert lib.doc_titles[PLAN] in titles[0] and lib.doc_titles[STATUS] in titles[1]
    assert sides.nth(0).locator(".ks-col h4").all_inner_texts() == PLAN_COLUMNS
    assert sides.nth(1).locator(".ks-col h4").all_inner_texts() == STATUS_COLUMNS
    plan = lib.record(f"{PLAN}#m10")
    status = lib.record(f"{STATUS}#m10")
    body = detail.inner_text()
    assert plan.fields["現状"][:20] in body and status.fields["目標の達成状況"][:20] in body
    plan_links = sides.nth(0).locator("a.ks-src").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    status_links = sides.nth(1).locator("a.ks-src").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert plan_links and all(re.fullmatch(rf"/source/{PLAN}#page=\d+", h) for h in plan_links), plan_links
    assert f"/source/{PLAN}#page={plan.pages[0]}" in plan_links
    assert status_links and set(status_links) == {f"/source/{STATUS}#L{status.line}"}
    assert detail.locator("mark.ks-cited").count() > 0  # the quotes the card cited

    page.evaluate("() => window.scrollTo(0, 0)")  # the reader scrolls back up to the back button
    detail.locator(".ks-back").click()
    page.locator("#ks-cards .ks-card").first.wait_for()
    page.wait_for_function(f"() => Math.abs(window.scrollY - {y}) <= 2", timeout=5000)
    page.wait_for_function(
        "(id) => { const a = document.activeElement;"
        " return a && a.classList.contains('ks-detail-btn') && a.dataset.record === id; }",
        arg=record_id, timeout=5000,
    )


@pytest.mark.slow
def test_citation_links_open_the_cited_page_or_line(open_page, lib, server: str) -> None:
    answer = lib.ask(Q_FOREIGN, complete=True)
    item = next(it for it in answer.items if it.title == NO10_TITLE)
    pdf_cite = next(c for c in item.citations if c.page is not None and c.line is None)
    txt_cite = next(c for c in item.citations if c.line is not None)
    page = open_page()
    _ask(page, Q_FOREIGN)
    hrefs = _card(page, NO10_TITLE).locator("a.ks-src").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    pdf_href = f"/source/{pdf_cite.doc_id}#page={pdf_cite.page}"
    txt_href = f"/source/{txt_cite.doc_id}#L{txt_cite.line}"
    assert pdf_href in hrefs and txt_href in hrefs, hrefs

    r = page.request.get(server + pdf_href)
    assert r.status == 200 and r.headers["content-type"].startswith("application/pdf")
    body = r.body()
    assert body.startswith(b"%PDF") and body == (CORPUS / f"{pdf_cite.doc_id}.pdf").read_bytes()

    r = page.request.get(server + txt_href)
    assert r.status == 200 and r.headers["content-type"].startswith("text/html")
    src = page.context.new_page()
    src.goto(server + txt_href)
    record = lib.record(f"{txt_cite.doc_id}#m10")
    first_line = record.text.split("\n", 1)[0]
    assert first_line in src.locator(f"#L{txt_cite.line}").inner_text()
    assert src.evaluate("location.hash") == f"#L{txt_cite.line}"
    src.close()

    corpus_file = (CORPUS / f"{pdf_cite.doc_id}.pdf").resolve()
    for path in (
        "/source/../../etc/passwd", "/source/%2e%2e%2fetc%2fpasswd", "/source/..%2F..%2Fetc%2Fpasswd",
        "/source/nonexistent", "/gradio_api/file=/etc/passwd", f"/gradio_api/file={corpus_file}",
        f"/gradio_api/file={quote(str(corpus_file))}", "/file=/etc/passwd",
    ):
        r = page.request.get(server + path)
        assert r.status in (403, 404), (path, r.status)
        assert b"root:" not in r.body() and not r.body().startswith(b"%PDF")
    # the same paths sent as they are (an HTTP client would normalize the dots)
    host, port = urlsplit(server).hostname, urlsplit(server).port
    for path in ("/source/../../etc/passwd", "/source/..%2f..%2fetc%2fpasswd", f"/source/..%2f..{corpus_file}"):
        conn = http.client.HTTPConnection(host, port, timeout=10)
        try:
            conn.request("GET", path)
            resp = conn.getresponse()
            data = resp.read()
        finally:
            conn.close()
        assert resp.status in (403, 404), (path, resp.status)
        assert b"root:" not in data and not data.startswith(b"%PDF")


@pytest.mark.slow
def test_copy_buttons_put_the_exact_text_on_the_clipboard(open_page, lib) -> None:
    page = open_page(permissions=["clipboard-read", "clipboard-write"])
    _ask(page, Q_FOREIGN)
    item = next(it for it in lib.ask(Q_FOREIGN, complete=True).items if it.title == NO10_TITLE)
    card = _card(page, NO10_TITLE)
    button = card.locator(".ks-links .ks-copy").first
    assert button.get_attribute("data-copy") == item.urls[0]
    button.click()
    page.wait_for_function("() => document.querySelector('.ks-copy.ks-done') !== null")
    assert page.evaluate("() => navigator.clipboard.readText()") == item.urls[0]

    cite = card.locator(".ks-cite .ks-copy").first
    cite.click()
    c = item.citations[0]
    expected = page.evaluate("() => navigator.clipboard.readText()")
    assert expected == cite.get_attribute("data-copy")
    assert expected.startswith(item.title + "\n") and expected.endswith(f"「{c.quote}」")


CONTRAST_JS = """
(sels) => {
  const parse = (s) => { const m = s.match(/rgba?\\(([^)]+)\\)/); if (!m) throw new Error('colour ' + s);
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const over = (top, under) => { const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]); };
  const background = (el) => { const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = parse(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let bg = [255, 255, 255, 1];
    for (const l of layers.reverse()) bg = over(l, bg);
    return bg; };
  const lum = (c) => {
    const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); };
  const out = [];
  for (const sel of sels) {
    for (const el of document.querySelectorAll(sel)) {
      if (!el.checkVisibility() || !el.textContent.trim()) continue;
      const bg = background(el);
      const fg = over(parse(getComputedStyle(el).color), bg);
      const [a, b] = [lum(fg), lum(bg)];
      out.push([sel, el.textContent.trim().slice(0, 30), (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)]);
    }
  }
  return out;
}
"""
CONTRAST_SELECTORS = [
    "#ks-cards .ks-card:first-child .ks-title", "#ks-cards .ks-card:first-child .ks-rank",
    "#ks-cards .ks-card:first-child .ks-section", "#ks-cards .ks-card:first-child .ks-cite",
    "#ks-cards .ks-card:first-child .ks-band", "#ks-cards .ks-card:first-child .ks-ministry",
    "#ks-cards .ks-card:first-child .ks-kind", "#ks-cards .ks-card:first-child a.ks-src",
    "#ks-summary .ks-asked", "#ks-summary .ks-shown",
]


@pytest.mark.slow
def test_card_and_summary_text_has_enough_contrast(open_page) -> None:
    page = open_page()
    _ask(page, Q_FOREIGN)
    measured = page.evaluate(CONTRAST_JS, CONTRAST_SELECTORS)
    found = {sel for sel, _, _ in measured}
    assert found == set(CONTRAST_SELECTORS), set(CONTRAST_SELECTORS) - found
    low = [(sel, text, round(ratio, 2)) for sel, text, ratio in measured if ratio < 4.5]
    assert low == [], low


# ---------------------------------------------------------------- URL, submits, filters, examples


@pytest.mark.slow
def test_the_question_lives_in_the_url(open_page, lib, server: str) -> None:
    page = open_page()
    _ask(page, Q_FOREIGN)
    page.wait_for_function("(q) => new URLSearchParams(location.search).get('q') === q", arg=Q_FOREIGN)
    assert parse_qs(urlsplit(page.url).query)["q"] == [Q_FOREIGN]

    page = open_page("/?q=" + quote("フードドライブ") + "&ministry=" + quote("環境省"))
    _wait_answer(page, "フードドライブ")
    expected = lib.ask("フードドライブ", complete=True, filters=Filters(ministries=["環境省"]))
    assert _titles(page) == [it.title for it in expected.items[:DEFAULT_SHOWN]]
    assert page.locator("#ks-question textarea").input_value() == "フードドライブ"
    page.locator("#ks-filters").get_by_text("絞り込み・並べ替え").click()
    assert "環境省" in page.locator("#ks-f-ministry").inner_text()
    # the filter really applies: a question with many ministries, filtered by the URL to one
    page2 = open_page("/?q=" + quote(Q_MINISTRIES) + "&ministry=" + quote("法務省"))
    _wait_answer(page2, Q_MINISTRIES)
    cards = page2.locator("#ks-cards .ks-card")
    assert cards.count() > 0
    for i in range(cards.count()):
        assert "法務省" in cards.nth(i).locator(".ks-ministry").all_inner_texts()
    filtered = lib.ask(Q_MINISTRIES, complete=True, filters=Filters(ministries=["法務省"]))
    assert f"（全{len(filtered.items)}件）" in page2.locator("#ks-summary").inner_text()

    # a second question, then the browser's back button: the first question's answer again
    _ask(page, "認知症カフェ")
    page.wait_for_function("() => new URLSearchParams(location.search).get('q') === '認知症カフェ'")
    page.go_back()
    _ready(page)
    _wait_answer(page, "フードドライブ")
    assert _titles(page) == [it.title for it in expected.items[:DEFAULT_SHOWN]]
    assert page.locator("#ks-question textarea").input_value() == "フードドライブ"

    # ... scrolled to where the reader left it, with 「すべて表示」 as it was
    long = open_page("/?q=" + quote(Q_MANY) + "&all=1")
    _wait_answer(long, Q_MANY)
    long.wait_for_function("() => document.documentElement.scrollHeight > window.innerHeight + 600")
    # The reader types the next question at the top, goes back down to their place and submits
    # from there (a script click: Playwright's own click would scroll the button into view).
    long.locator("#ks-question textarea").fill("認知症カフェ")
    assert long.evaluate("() => { window.scrollTo({top: 500, behavior: 'instant'}); return window.scrollY; }") == 500
    long.wait_for_function("() => (history.state || {}).ksY === 500")  # the place is saved with the entry
    long.locator("#ks-ask").evaluate("b => b.click()")
    long.wait_for_function("() => new URLSearchParams(location.search).get('q') === '認知症カフェ'")
    _wait_answer(long, "認知症カフェ")
    long.go_back()
    _ready(long)
    _wait_answer(long, Q_MANY)
    assert long.locator("#ks-all input").is_checked()
    long.wait_for_function("() => Math.abs(window.scrollY - 500) <= 2")

@pytest.mark.slow
def test_a_question_typed_while_the_page_loads_is_kept(browser, server: str, lib) -> None:
    """The page's load event (reading ?q=) must not wipe what the reader already typed."""
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = ctx.new_page()
        page.set_default_timeout(20_000)
        page.goto(server + "/")
        box = page.locator("#ks-question textarea")
        box.fill("認知症カフェ")  # at once, before the app has finished loading
        box.press("Enter")
        _wait_answer(page, "認知症カフェ")
        page.wait_for_timeout(500)
        assert box.input_value() == "認知症カフェ"
        page.wait_for_function("() => new URLSearchParams(location.search).get('q') === '認知症カフェ'")
    finally:
        ctx.close()


@pytest.mark.slow
def test_a_second_submit_while_busy_is_not_lost(open_page, lib, slow_index: SlowIndex) -> None:
    page = open_page()
    slow_index.delay = 1.5
    try:
        _ask(page, Q_FOREIGN, wait=False)
        _ask(page, "認知症カフェ", wait=False)
        page.locator("#ks-summary .ks-asked", has_text="認知症カフェ").wait_for()
        page.wait_for_timeout(2000)  # nothing else arrives afterwards
    finally:
        slow_index.delay = 0.0
    assert "認知症カフェ" in page.locator("#ks-summary .ks-asked").inner_text()
    assert _titles(page) == [it.title for it in lib.ask("認知症カフェ", complete=True).items[:DEFAULT_SHOWN]]
    assert page.locator("#ks-question textarea").input_value() == "認知症カフェ"
    assert parse_qs(urlsplit(page.url).query)["q"] == ["認知症カフェ"]


@pytest.mark.slow
def test_an_empty_submit_keeps_the_results(open_page) -> None:
    page = open_page()
    _ask(page, Q_FOREIGN)
    before = page.locator("#ks-cards").inner_html()
    box = page.locator("#ks-question textarea")
    box.fill("")
    box.press("Enter")
    page.locator("#ks-status", has_text="質問を入力してください").wait_for()
    assert page.locator("#ks-cards").inner_html() == before
    assert Q_FOREIGN in page.locator("#ks-summary").inner_text()
    # the same with the button, after a new answer cleared the message
    _ask(page, "認知症カフェ")
    assert page.locator("#ks-status").inner_text().strip() == ""
    before = page.locator("#ks-cards").inner_html()
    box.fill("   ")
    page.locator("#ks-ask").click()
    page.locator("#ks-status", has_text="質問を入力してください").wait_for()
    page.wait_for_timeout(300)
    assert page.locator("#ks-cards").inner_html() == before
    assert "認知症カフェ" in page.locator("#ks-summary").inner_text()


@pytest.mark.slow
def test_filter_re_asks_and_examples_run(open_page, lib) -> None:
    page = open_page()
    _ask(page, Q_MINISTRIES)
    unfiltered = [it.record_id for it in lib.ask(Q_MINISTRIES, complete=True).items]
    assert page.locator("#ks-f-ministry").is_hidden()  # folded away after a search
    page.locator("#ks-filters").get_by_text("絞り込み・並べ替え").click()
    box = page.locator("#ks-f-ministry input")
    box.click()
    box.fill("厚生労働省")
    page.locator("[role=option]", has_text="厚生労働省").first.click()
    page.keyboard.press("Escape")
    filtered = lib.ask(Q_MINISTRIES, complete=True, filters=Filters(ministries=["厚生労働省"]))
    assert filtered.items and [it.record_id for it in filtered.items] != unfiltered
    page.locator("#ks-summary .ks-shown", has_text=f"全{len(filtered.items)}件").wait_for()
    assert _titles(page) == [it.title for it in filtered.items[:DEFAULT_SHOWN]]
    cards = page.locator("#ks-cards .ks-card")
    for i in range(cards.count()):
        assert "厚生労働省" in cards.nth(i).locator(".ks-ministry").all_inner_texts()
    assert parse_qs(urlsplit(page.url).query)["ministry"] == ["厚生労働省"]

    page = open_page()
    page.locator("#ks-examples button", has_text="認知症カフェ").first.click()
    _wait_answer(page, "認知症カフェ")
    page.locator(".ks-title", has_text="認知症カフェの普及・促進").wait_for()
    assert page.locator("#ks-question textarea").input_value() == "認知症カフェ"
    # examples fold away after a search and open again with one click
    page.locator("#ks-examples").get_by_text("質問の例 / Example questions").click()
    page.locator("#ks-examples button", has_text="フードドライブ").first.click()
    _wait_answer(page, "フードドライブ")
    assert page.locator("#ks-question textarea").input_value() == "フードドライブ"


@pytest.mark.slow
def test_two_browsers_asking_at_once_get_their_own_answers(open_page, slow_index: SlowIndex) -> None:
    p1 = open_page()
    p2 = open_page()
    slow_index.delay = 1.0
    slow_index.max_active = 0
    try:
        _ask(p1, Q_FOREIGN, wait=False)
        _ask(p2, "認知症カフェ", wait=False)
        _wait_answer(p1, Q_FOREIGN)
        _wait_answer(p2, "認知症カフェ")
    finally:
        slow_index.delay = 0.0
    assert slow_index.max_active == 2, "the two questions were not answered at the same time"
    assert "認知症カフェ" not in p1.locator("#ks-summary").inner_text()
    assert Q_FOREIGN not in p2.locator("#ks-summary").inner_text()
    assert NO10_TITLE in _titles(p1) and NO10_TITLE not in _titles(p2)
    assert "施策No.72 認知症カフェの普及・促進" in _titles(p2)


@pytest.mark.slow
def test_no_request_leaves_the_server(browser, server: str) -> None:
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    seen: list[str] = []
    try:
        page = ctx.new_page()
        page.set_default_timeout(20_000)
        page.on("request", lambda r: seen.append(r.url))
        page.goto(server + "/")
        _ready(page)
        _ask(page, Q_FOREIGN)
        _card(page, NO10_TITLE).locator(".ks-detail-btn").click()
        page.locator("#ks-detail h3", has_text=NO10_TITLE).wait_for()
        page.get_by_role("tab", name="一覧 / List").click()
        page.locator("#ks-table", has_text=NO10_TITLE).first.wait_for()
        page.wait_for_timeout(500)
    finally:
        ctx.close()
    assert seen and any(u.startswith(server) for u in seen)
    assert [u for u in seen if not _local(u, server)] == []


# ---------------------------------------------------------------- markup in documents and queries


@pytest.mark.slow
def test_markup_in_documents_and_queries_shows_as_text(browser, tmp_path: Path) -> None:
    from koritsu_search.index.build import build_index

    src = tmp_path / "docs"
    src.mkdir()
    # The text reader strips tags and then unescapes entities, so the entities become the literal markup.
    (src / "notes.txt").write_text(
        "地域のつながりメモ &lt;img src=x onerror=alert(1)&gt;\n\n"
        "居場所づくりの注意書き &lt;img src=x onerror=alert(1)&gt; と &lt;script&gt;alert(2)&lt;/script&gt; を含む段落です。\n\n"
        "フードドライブの取組は食品ロス削減と孤独・孤立対策の両面で効果がある。\n",
        encoding="utf-8",
    )
    build_index([src], tmp_path / "index", embedder=FakeEmbedder())
    index = open_index(tmp_path / "index", embedder=FakeEmbedder())
    assert any(EVIL_IMG in p.text for p in index.store.passages), "precondition: a passage holds the literal markup"

    srv = start_in_thread(index, port=0)
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000})
    dialogs: list[str] = []
    try:
        page = ctx.new_page()
        page.set_default_timeout(20_000)
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(srv.url + "/")
        _ready(page)
        _ask(page, "居場所づくりの注意書き")
        cards = page.locator("#ks-cards")
        cards.get_by_text(EVIL_IMG).first.wait_for()
        assert "alert(2)" in cards.inner_text()
        quoted = page.locator(".ks-card", has=page.locator(".ks-quote", has_text=EVIL_IMG)).first
        assert "alert(2)" in quoted.inner_text()
        quoted.locator(".ks-detail-btn").click()
        page.locator("#ks-detail .ks-fulltext", has_text="alert(2)").wait_for()
        assert EVIL_IMG in page.locator("#ks-detail .ks-fulltext").inner_text()
        assert EVIL_IMG in page.locator("#ks-detail h3").inner_text()  # the document title
        page.get_by_role("tab", name="一覧 / List").click()
        page.locator("#ks-table", has_text=EVIL_IMG).first.wait_for()
        assert page.locator("img[src='x']").count() == 0

        page.get_by_role("tab", name="回答 / Answer").click()
        _ask(page, f"{EVIL_SCRIPT} {EVIL_IMG} 居場所")
        page.locator("#ks-summary .ks-asked", has_text=EVIL_SCRIPT).wait_for()
        page.wait_for_timeout(300)  # give any injected handler a chance to fire
        assert page.locator("img[src='x']").count() == 0
        assert page.locator("#ks-status script, #ks-summary script, #ks-cards script, #ks-detail script").count() == 0
        assert page.evaluate("() => document.querySelectorAll('mark img, .ks-quote img').length") == 0
        # the query in the URL is data too
        page.goto(srv.url + "/?q=" + quote(EVIL_SCRIPT + " 居場所") + "&ministry=" + quote(EVIL_IMG))
        _ready(page)
        page.locator("#ks-summary .ks-asked", has_text=EVIL_SCRIPT).wait_for()
        page.wait_for_timeout(300)
        assert page.locator("img[src='x']").count() == 0
        assert dialogs == []
    finally:
        ctx.close()
        srv.stop()


# ---------------------------------------------------------------- what was understood (needs)

Q_DV = "夫に殴られていて子どもを連れて家を出たい"


@pytest.mark.slow
def test_the_app_shows_the_needs_it_read_and_a_removed_one_is_searched_without(open_page, lib) -> None:
    page = open_page()
    _ask(page, Q_DV)
    chips = page.locator("#ks-summary button.ks-need-x")
    read = [n["label"] for n in lib.ask(Q_DV, complete=True).needs]
    assert "DV・配偶者からの暴力" in read
    assert [c.strip(" ×") for c in chips.all_inner_texts()] == read
    assert "該当する施策は見つかりませんでした" not in page.locator("#ks-summary").inner_text()
    # The cards say whom each item serves.
    assert any("DV・配偶者からの暴力" in t for t in page.locator("#ks-cards .ks-serves").all_inner_texts())
    # Removing the chip asks the same question again without that need, and the URL says so.
    chips.filter(has_text="DV・配偶者からの暴力").click()
    page.wait_for_function("() => new URL(location.href).searchParams.getAll('drop').includes('dv')", timeout=15000)
    remaining = [c.strip(" ×") for c in page.locator("#ks-summary button.ks-need-x").all_inner_texts()]
    assert remaining == [n for n in read if n != "DV・配偶者からの暴力"]
    assert remaining == [n["label"] for n in lib.ask(Q_DV, complete=True, ignore_needs=["dv"]).needs]
    # The removal survives a reload (it is in the URL); a new question reads every need again.
    page.reload()
    _wait_answer(page, Q_DV)
    assert [c.strip(" ×") for c in page.locator("#ks-summary button.ks-need-x").all_inner_texts()] == remaining
    _ask(page, "旦那に殴られている")
    assert "DV・配偶者からの暴力" in page.locator("#ks-summary .ks-needs").inner_text()
    assert "drop" not in page.url


@pytest.mark.slow
def test_the_need_filter_keeps_only_records_serving_it(open_page, lib) -> None:
    page = open_page("/?q=%E6%94%AF%E6%8F%B4&need=%E3%81%B2%E3%81%8D%E3%81%93%E3%82%82%E3%82%8A")  # 支援, ひきこもり
    _wait_answer(page, "支援")
    serves = page.locator("#ks-cards .ks-serves").all_inner_texts()
    assert serves and all("ひきこもり" in s for s in serves)
    expected = lib.ask("支援", complete=True, filters=Filters(needs=["ひきこもり"]))
    assert _titles(page) == [it.title for it in expected.items[:DEFAULT_SHOWN]]


# ---------------------------------------------------------------- issue 23: what new users ran into

CONTRAST_ALL_JS = (Path(__file__).parent / "data" / "contrast.js").read_text(encoding="utf-8")


def _chips(page) -> list[str]:
    return [c.strip(" ×") for c in page.locator("#ks-summary button.ks-filter-x").all_inner_texts()]


def _pick(page, field: str, value: str) -> None:
    page.locator("#ks-header").click()  # as a reader does: away from the menu, then into it again
    box = page.locator(f"#ks-f-{field} input")
    box.click()
    box.fill(value)
    page.locator("[role=option]", has_text=value).first.click()
    page.keyboard.press("Escape")


@pytest.mark.slow
def test_an_active_filter_is_a_removable_chip_kept_in_the_url_and_the_panel_stays_open(open_page, lib) -> None:
    page = open_page("/?q=" + quote(Q_MINISTRIES) + "&ministry=" + quote("法務省"))
    _wait_answer(page, Q_MINISTRIES)
    assert _chips(page) == ["府省庁: 法務省"]  # the filter from the URL is said on the page
    page.locator("#ks-filters").get_by_text("絞り込み・並べ替え").click()
    _pick(page, "ministry", "厚生労働省")
    page.locator("#ks-summary button.ks-filter-x", has_text="厚生労働省").wait_for()
    assert page.locator("#ks-f-ministry").is_visible()  # the panel did not fold: a third value is one click away
    _pick(page, "ministry", "文部科学省")
    page.locator("#ks-summary button.ks-filter-x", has_text="文部科学省").wait_for()
    assert _chips(page) == ["府省庁: 法務省", "府省庁: 厚生労働省", "府省庁: 文部科学省"]
    page.wait_for_function("() => new URL(location.href).searchParams.getAll('ministry').length === 3")
    three = lib.ask(Q_MINISTRIES, complete=True, filters=Filters(ministries=["法務省", "厚生労働省", "文部科学省"]))
    assert f"（全{len(three.items)}件）" in page.locator("#ks-summary").inner_text()
    # Removing a chip asks again without that value, in the menu and in the URL too.
    page.locator("#ks-summary button.ks-filter-x", has_text="厚生労働省").click()
    page.wait_for_function("() => new URL(location.href).searchParams.getAll('ministry').length === 2")
    assert _chips(page) == ["府省庁: 法務省", "府省庁: 文部科学省"]
    assert "厚生労働省" not in page.locator("#ks-f-ministry").inner_text()
    two = lib.ask(Q_MINISTRIES, complete=True, filters=Filters(ministries=["法務省", "文部科学省"]))
    assert f"（全{len(two.items)}件）" in page.locator("#ks-summary").inner_text()
    assert _titles(page) == [it.title for it in two.items[:DEFAULT_SHOWN]]


@pytest.mark.slow
def test_the_section_menu_offers_each_section_once_and_no_page_reference_fragments(open_page) -> None:
    page = open_page()
    page.locator("#ks-filters").get_by_text("絞り込み・並べ替え").click()
    page.locator("#ks-f-section input").click()
    options = [o.strip() for o in page.locator("[role=option]").all_inner_texts()]
    assert len(options) >= 10, options  # the plan's and the status report's sections
    assert not [o for o in options if re.search(r"P\s*\.\s*\d", o) or o.endswith(("）", ")")) and "：" in o], options
    folded = [re.sub(r"\s", "", unicodedata.normalize("NFKC", o)) for o in options]
    assert len(set(folded)) == len(folded), [o for o in options if folded.count(re.sub(r"\s", "", unicodedata.normalize("NFKC", o))) > 1]


@pytest.mark.slow
def test_groups_are_counted_over_the_whole_list_and_a_shared_measure_is_listed_once(open_page, lib) -> None:
    answer = lib.ask(Q_MANY, complete=True)
    shared = shared_counts(answer.items)
    assert shared, "precondition: the answer holds a measure of several ministries"
    page = open_page("/?all=1&group=ministry&q=" + quote(Q_MANY))
    _wait_answer(page, Q_MANY)
    heads = page.locator("#ks-cards .ks-group-head").all_inner_texts()
    assert heads == [group_heading(label, members, shared) for label, members in group_items(answer.items, "ministry")]
    records = _records(page)
    assert sorted(records) == sorted(it.record_id for it in answer.items)  # every item once, no page cut
    ranks = page.locator("#ks-cards .ks-rank").all_inner_texts()
    assert len(ranks) == len(set(ranks)) == len(answer.items)
    assert page.locator("#ks-pager").is_hidden()


@pytest.mark.slow
def test_the_detail_view_is_in_the_url_and_survives_a_reload(open_page, lib) -> None:
    page = open_page()
    _ask(page, Q_FOREIGN)
    _card(page, NO10_TITLE).locator(".ks-detail-btn").click()
    page.wait_for_function("() => new URL(location.href).searchParams.get('measure') === '10'")
    page.reload()
    _ready(page)
    page.locator("#ks-detail h3", has_text="施策No.10").wait_for()
    assert page.locator("#ks-detail").is_visible()
    # The back button of the detail view takes it out of the URL again.
    page.locator("#ks-detail button.ks-back").click()
    page.wait_for_function("() => !new URL(location.href).searchParams.has('measure')")
    # A shared link to a measure alone opens its detail.
    alone = open_page("/?measure=12")
    alone.locator("#ks-detail h3", has_text="施策No.12").wait_for()
    assert lib.measure(12) is not None and lib.measure(12).name in alone.locator("#ks-detail h3").inner_text()


@pytest.mark.slow
def test_the_bands_are_explained_and_low_items_are_folded_behind_one_control(open_page, lib) -> None:
    page = open_page()
    _ask(page, Q_MINISTRIES)
    high, medium = lib.bands()
    legend = page.locator("#ks-summary .ks-legend").inner_text()
    assert f"高 {high:.0%}以上" in legend and f"中 {medium:.0%}〜{high:.0%}" in legend and f"低 {medium:.0%}未満" in legend
    folded = lib.ask(Q_MINISTRIES, complete=True)
    assert folded.folded_low > 0, "precondition: some items are 低"
    page.locator("#ks-all input[type=checkbox]").check()
    page.locator("#ks-summary .ks-shown", has_text=f"全{len(folded.items)}件を表示中").wait_for()
    assert {b.split()[1] for b in page.locator("#ks-cards .ks-band").all_inner_texts()} <= {"高", "中"}
    toggle = page.locator("#ks-low")
    assert f"関連の低い候補 {folded.folded_low}件を表示" in toggle.inner_text()
    toggle.locator("input[type=checkbox]").check()
    everything = lib.ask(Q_MINISTRIES, complete=True, include_low=True)
    page.locator("#ks-summary .ks-shown", has_text=f"全{len(everything.items)}件を表示中").wait_for()
    page.wait_for_function("() => new URL(location.href).searchParams.get('low') === '1'")
    assert len(everything.items) == len(folded.items) + folded.folded_low


@pytest.mark.slow
def test_the_page_is_japanese_without_gradio_chrome_and_exports_excel(open_page, lib) -> None:
    page = open_page()
    assert page.evaluate("document.documentElement.lang") == "ja"
    text = page.locator("body").inner_text()
    assert "Built with Gradio" not in text and "Use via API" not in text
    _ask(page, Q_FOREIGN)
    from openpyxl import load_workbook

    data = _download(page, "#ks-xlsx")
    book = load_workbook(io.BytesIO(data))
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    assert list(rows[0]) == list(CSV_COLUMNS)  # the header is the first row
    answer = lib.ask(Q_FOREIGN, complete=True)
    assert len(rows) - 1 == sum(max(1, len(it.citations)) for it in answer.items)
    assert len(book.worksheets) == 2  # the metadata on its own sheet


@pytest.mark.slow
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("size", [(1366, 900), (400, 800)], ids=["desktop", "phone"])
def test_every_text_has_a_contrast_of_at_least_4_5(open_page, theme: str, size: tuple[int, int]) -> None:
    page = open_page(f"/?__theme={theme}&q=" + quote(Q_MINISTRIES), width=size[0], height=size[1])
    _wait_answer(page, Q_MINISTRIES)
    page.locator("#ks-cards .ks-card").first.wait_for()
    page.wait_for_timeout(300)
    result = page.evaluate(CONTRAST_ALL_JS, 4.5)
    assert result["checked"] > 100  # the page's texts were measured, not skipped
    assert result["bad"] == []


@pytest.mark.slow
def test_on_a_phone_the_description_and_the_exports_come_before_the_list(open_page) -> None:
    page = open_page(width=400, height=800)
    _ask(page, Q_MANY)
    page.wait_for_timeout(300)
    description = page.locator("#ks-header p")
    assert description.is_visible()
    first_card = page.locator("#ks-cards .ks-card").first.bounding_box()
    for button in ("#ks-csv", "#ks-xlsx"):
        box = page.locator(button).bounding_box()
        assert box is not None and page.locator(button).is_visible()
        assert box["y"] + box["height"] <= first_card["y"], (button, box, first_card)
    page_height = page.evaluate("document.documentElement.scrollHeight")
    assert page.locator("#ks-csv").bounding_box()["y"] < 800 < page_height  # reachable without scrolling the list


@pytest.mark.slow
def test_a_status_row_is_shown_with_its_column_names_below_the_sticky_header(open_page, lib, server: str) -> None:
    page = open_page()
    _ask(page, Q_FOREIGN)
    link = page.locator("#ks-cards a.ks-src", has_text="行目").first
    href = link.get_attribute("href")
    assert href and "#L" in href
    src = page.context.new_page()
    src.goto(server + "/" + href.lstrip("/"))
    line = src.locator(f"li#{href.split('#')[1]}")
    line.wait_for()
    labels = line.locator("dt").all_inner_texts()
    assert "施策名" in labels and "担当府省庁" in labels  # the file's own header, not a tab-separated blob
    header = src.locator("header").bounding_box()
    top = line.bounding_box()
    assert top["y"] >= header["y"] + header["height"] - 1, (top, header)  # the cited line is not under the header
