"""The web app: HTML rendering units, then the real app driven in headless Chromium."""

from __future__ import annotations

import csv
import html
import io
import os
import re
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import FakeEmbedder

from koritsu_search import open_index
from koritsu_search.models import MEASURE_COLUMNS, Answer, AnswerItem, Citation, Record
from koritsu_search.ui_render import (
    CSV_COLUMNS,
    highlight,
    link,
    linkify,
    ministry_counts,
    render_card,
    render_cards,
    render_chart,
    render_detail,
    render_summary,
    write_csv,
)

EVIL_IMG = "<img src=x onerror=alert(1)>"
EVIL_SCRIPT = "<script>alert(1)</script>"
NO10_TITLE = "施策No.10 在留外国人に対する情報提供等"
FOUR_COLUMNS = list(MEASURE_COLUMNS[2:6])


# ---------------------------------------------------------------- rendering units


def _marks(rendered: str) -> list[str]:
    return [html.unescape(m) for m in re.findall(r"<mark>(.*?)</mark>", rendered)]


def _text(rendered: str) -> str:
    return html.unescape(re.sub(r"</?mark>", "", rendered))


def test_highlight_escapes_each_piece_and_marks_the_right_characters() -> None:
    quote = 'a<b>c&d"e<script>'
    out = highlight(quote, [(1, 4)])
    assert out == 'a<mark>&lt;b&gt;</mark>c&amp;d&quot;e&lt;script&gt;'
    # unsorted, overlapping, out of range and empty spans
    out = highlight("0123456789", [(7, 20), (2, 4), (3, 5), (6, 6), (-3, 1)])
    assert _marks(out) == ["0", "234", "789"]
    assert _text(out) == "0123456789"
    assert highlight("", [(0, 3)]) == ""


def test_highlight_spans_land_on_the_cited_words(seed_index) -> None:
    answer = seed_index.ask("在留外国人 情報提供")
    checked = 0
    for item in answer.items:
        for c in item.citations:
            out = highlight(c.quote, c.highlights)
            assert _text(out) == c.quote
            expected = [c.quote[s:e] for s, e in sorted(c.highlights)]
            assert "".join(_marks(out)) == "".join(expected)
            checked += len(c.highlights)
    assert checked > 0
    no10 = next(i for i in answer.items if i.title == NO10_TITLE)
    assert {"在留外国人", "情報提供"} & set(_marks(render_card(no10, 1)))


def test_links_are_http_only_and_open_safely() -> None:
    a = link('https://example.go.jp/a?b=1&c="x"')
    assert a.startswith('<a href="https://example.go.jp/a?b=1&amp;c=&quot;x&quot;"')
    assert 'target="_blank"' in a and 'rel="noopener noreferrer"' in a
    for bad in ("javascript:alert(1)", "data:text/html,<b>x</b>", "//evil.example/x", "ftp://x/y"):
        out = link(bad)
        assert "<a " not in out and "<b>" not in out
    out = linkify("ポータル (https://www.moj.go.jp/isa/index.html)。<b>x</b>")
    assert '>https://www.moj.go.jp/isa/index.html</a>)。&lt;b&gt;x&lt;/b&gt;' in out


def _evil_answer() -> Answer:
    c = Citation("p1", "d", f"文書{EVIL_SCRIPT}", "x.txt", 3, "施策の概要", f"発言者{EVIL_IMG}",
                 f"前{EVIL_IMG}後", [(0, 1), (1, 4)])
    item = AnswerItem("d#m1", "measure", f"施策No.1 {EVIL_SCRIPT}", 0.5, 1, EVIL_SCRIPT, None,
                      [f"省{EVIL_IMG}"], [f"節{EVIL_SCRIPT}"], "javascript:alert(1)",
                      ["javascript:alert(1)", "https://ok.example/p"], [c, c])
    return Answer(f"質問{EVIL_SCRIPT}", f"summary{EVIL_IMG}", [item])


def test_cards_summary_and_chart_escape_everything() -> None:
    ans = _evil_answer()
    for out in (render_cards(ans), render_summary(ans), render_chart(ans)):
        assert "<script" not in out and "<img" not in out
    cards = render_cards(ans)
    assert html.escape(EVIL_IMG, quote=True)[3:] in cards  # the '<' may be inside a <mark>
    assert "文書&lt;script&gt;" in cards and "p.3" in cards and "施策の概要" in cards
    assert cards.count('<a href="https://ok.example/p" target="_blank" rel="noopener noreferrer">') == 1
    assert "質問&lt;script&gt;" in render_summary(ans)
    assert ministry_counts(ans) == [(f"省{EVIL_IMG}", 1)]


def test_detail_shows_the_four_columns_side_by_side_escaped() -> None:
    fields = {col: f"{col}の本文{EVIL_SCRIPT}" for col in FOUR_COLUMNS}
    fields["関連URL"] = "サイト (https://www.moj.go.jp/x)"
    rec = Record("d#m10", "measure", "t", pages=[4, 5], measure_no=10, measure_name="名前<b>",
                 section=["(1)節"], ministries=["法務省"], fields=fields,
                 field_pages={FOUR_COLUMNS[0]: [4], FOUR_COLUMNS[3]: [5]}, urls=["https://www.moj.go.jp/x"])
    out = render_detail(rec, "文書")
    assert "<script" not in out and "名前&lt;b&gt;" in out
    assert re.findall(r"<h4>(.*?)</h4>", out) == FOUR_COLUMNS
    assert "pp.4–5" in out and "法務省" in out and 'href="https://www.moj.go.jp/x"' in out
    speech = Record("d#s1", "speech", f"発言{EVIL_IMG}", pages=[2], speaker="大臣", organization="外務省")
    out = render_detail(speech, "議事要旨")
    assert "<img" not in out and "発言&lt;img" in out and "大臣の発言（外務省）" in out


def test_csv_has_bom_header_rows_and_no_formulas(tmp_path: Path, seed_index) -> None:
    answer = seed_index.ask("在留外国人 情報提供")
    answer.items[0].citations[0].quote = "=HYPERLINK(\"http://evil\")"
    path = write_csv(answer, tmp_path)
    data = path.read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert list(rows[0].keys()) == list(CSV_COLUMNS)
    assert len(rows) == len(answer.items)
    assert rows[0]["quote"].startswith("'=")
    no10 = next(r for r in rows if r["title"] == NO10_TITLE)
    assert no10["measure_no"] == "10" and no10["ministries"] == "法務省" and no10["page"] == "1"
    assert no10["doc_title"] and no10["url"].startswith("https://www.moj.go.jp/")


def test_launch_moves_to_the_next_free_port(monkeypatch, seed_index) -> None:
    import gradio as gr

    from koritsu_search import ui

    seen: dict[str, object] = {}
    monkeypatch.setattr(gr.Blocks, "launch", lambda self, **kw: seen.update(kw))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        ui.launch(seed_index, host="127.0.0.1", port=port)
    assert seen["server_name"] == "127.0.0.1"
    assert seen["server_port"] != port and int(seen["server_port"]) > port  # type: ignore[arg-type]


# ---------------------------------------------------------------- the app in a real browser

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run",
]


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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(index) -> Iterator[str]:
    from koritsu_search.ui import build_app

    app = build_app(index).queue()
    port = _free_port()
    app.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        yield f"http://127.0.0.1:{port}/"
    finally:
        app.close()


@pytest.fixture(scope="module")
def browser():
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if exe is None:
        msg = "Chromium is not installed (scripts/install.sh --test installs it)"
        pytest.fail(msg) if os.environ.get("CI") else pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def slow_index(seed_index_dir: Path) -> SlowIndex:
    return SlowIndex(open_index(seed_index_dir, embedder=FakeEmbedder()))


@pytest.fixture(scope="module")
def app_url(slow_index: SlowIndex) -> Iterator[str]:
    with serve(slow_index) as url:
        yield url


def _page(browser, url: str, external: list[str] | None = None):
    ctx = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
    page = ctx.new_page()
    page.set_default_timeout(20_000)
    if external is not None:
        page.on("request", lambda r: None if r.url.startswith(url) or r.url.startswith("data:") else external.append(r.url))
    page.goto(url)
    page.locator("#ks-question textarea").wait_for()
    return ctx, page


def _ask(page, question: str) -> None:
    box = page.locator("#ks-question textarea")
    box.fill(question)
    box.press("Enter")


def _card_titles(page) -> list[str]:
    return page.locator("#ks-cards .ks-card .ks-title").all_inner_texts()


def test_end_to_end_question_filter_detail_csv(browser, app_url: str, seed_index, tmp_path: Path) -> None:
    external: list[str] = []
    ctx, page = _page(browser, app_url, external)
    try:
        # errors show as a message, never a traceback
        page.locator("#ks-ask").click()
        page.locator("#ks-status .ks-error").wait_for()
        assert "質問を入力してください" in page.locator("#ks-status").inner_text()
        _ask(page, "あ" * 2100)
        page.locator("#ks-status .ks-error", has_text="長すぎます").wait_for()
        assert "Traceback" not in page.content()

        t0 = time.perf_counter()
        _ask(page, "在留外国人 情報提供")
        card = page.locator(".ks-card", has=page.locator(".ks-title", has_text=NO10_TITLE))
        card.wait_for()
        answer_s = time.perf_counter() - t0
        assert answer_s < 5, f"answer took {answer_s:.1f} s"
        assert "法務省" in card.locator(".ks-ministry").all_inner_texts()
        doc_title = seed_index.doc_titles["r7_kodoku_koritsu_measures_status"]
        cite = card.locator(".ks-cite").first.inner_text()
        assert doc_title in cite and "p.1" in cite
        assert card.locator(".ks-quote mark").count() > 0
        a = card.locator(".ks-links a").first
        assert a.get_attribute("href") == "https://www.moj.go.jp/isa/support/portal/index.html"
        assert a.get_attribute("target") == "_blank" and a.get_attribute("rel") == "noopener noreferrer"
        assert "法務省" in page.locator("#ks-chart").inner_text()
        page.screenshot(path=str(tmp_path / "ui_answer.png"), full_page=True)

        # CSV of the answer list
        with page.expect_download() as dl:
            page.locator("#ks-csv").click()
        data = Path(dl.value.path()).read_bytes()
        assert data.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert rows[0] == list(CSV_COLUMNS)
        no10 = next(r for r in rows[1:] if r[2] == NO10_TITLE)
        assert no10[1] == "measure" and no10[3] == "10" and no10[6] == "法務省"
        assert no10[8] == doc_title and no10[9] == "1" and no10[11]
        assert len(rows) - 1 == len(_card_titles(page))

        # measure detail: from the card's button, then from the dropdown
        card.locator(".ks-detail-btn").click()
        detail = page.locator("#ks-detail")
        detail.locator("h3", has_text=NO10_TITLE).wait_for()
        # The plan's commitment (five headed fields) beside the status report's four columns.
        plan_fields = ["施策の概要", "目標及び達成の期間", "現状", "課題", "今後の取組方針"]
        assert detail.locator(".ks-col h4").all_inner_texts() == plan_fields + FOUR_COLUMNS
        docs = detail.locator("h4.ks-doc").all_inner_texts()
        assert len(docs) == 2 and "具体的施策" in docs[0] and "令和7年度 実施状況" in docs[1]
        rec = seed_index.record("r7_kodoku_koritsu_measures_status#m10")
        plan = seed_index.record("juten_keikaku_R7kaitei_gutaiteki_shisaku#m10")
        body = detail.inner_text()
        for col in FOUR_COLUMNS:
            assert rec.fields[col][:20] in body
        assert plan.fields["現状"][:20] in body and "p.42" in body  # the plan's printed page
        assert "法務省" in body and "p.1" in body
        page.screenshot(path=str(tmp_path / "ui_detail.png"), full_page=True)
        other = _card_titles(page)[1]
        page.locator("#ks-pick input").click()
        page.locator("[role=option]", has_text=other).first.click()
        detail.locator("h3", has_text=other).wait_for()

        # ministry filter: re-asks, and only 厚生労働省 measures remain
        page.get_by_role("tab", name="回答 / Answer").click()
        box = page.locator("#ks-f-ministry input")
        box.click()
        box.fill("厚生労働省")
        page.locator("[role=option]", has_text="厚生労働省").first.click()
        page.keyboard.press("Escape")
        page.wait_for_function(
            f"""() => {{ const t = [...document.querySelectorAll('#ks-cards .ks-title')].map(e => e.textContent);
                 return t.length > 0 && !t.includes({NO10_TITLE!r}); }}"""
        )
        cards = page.locator("#ks-cards .ks-card")
        assert cards.count() > 0
        for i in range(cards.count()):
            ministries = cards.nth(i).locator(".ks-ministry").all_inner_texts()
            assert "厚生労働省" in ministries, (cards.nth(i).locator(".ks-title").inner_text(), ministries)
        page.screenshot(path=str(tmp_path / "ui_filtered.png"), full_page=True)

        # an example question runs at once (the 厚生労働省 filter still applies); the examples
        # fold away after a search to make room for the answer and open again with one click
        page.get_by_text("質問の例 / Example questions").click()
        page.locator("button", has_text="認知症カフェ").first.click()
        page.locator(".ks-title", has_text="認知症カフェの普及・促進").wait_for()
        assert page.locator("#ks-question textarea").input_value() == "認知症カフェ"
        assert external == [], f"the page tried to reach the network: {external}"
        print(f"\nscreenshots: {tmp_path}/ui_answer.png ui_detail.png ui_filtered.png; answer in {answer_s:.2f} s")
    finally:
        ctx.close()


def test_two_browsers_asking_at_once_get_their_own_answers(browser, app_url: str, slow_index: SlowIndex) -> None:
    ctx1, p1 = _page(browser, app_url)
    ctx2, p2 = _page(browser, app_url)
    slow_index.delay = 1.0
    slow_index.max_active = 0
    try:
        _ask(p1, "在留外国人 情報提供")
        _ask(p2, "認知症カフェ")
        p1.locator(".ks-title", has_text=NO10_TITLE).wait_for()
        p2.locator(".ks-title", has_text="認知症カフェの普及・促進").wait_for()
        assert slow_index.max_active == 2, "the two questions were not answered at the same time"
        assert "在留外国人 情報提供" in p1.locator("#ks-status").inner_text()
        assert "認知症カフェ" in p2.locator("#ks-status").inner_text()
        assert "認知症カフェの普及・促進" not in " ".join(_card_titles(p1))
        assert NO10_TITLE not in _card_titles(p2)
    finally:
        slow_index.delay = 0.0
        ctx1.close()
        ctx2.close()


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
    assert any(EVIL_IMG in p.text for p in index.passages), "precondition: a passage holds the literal markup"

    with serve(index) as url:
        ctx, page = _page(browser, url)
        dialogs: list[str] = []
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        try:
            _ask(page, "居場所づくりの注意書き")
            page.locator(".ks-card").first.wait_for()
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

            _ask(page, f"{EVIL_SCRIPT} {EVIL_IMG} 居場所")
            page.locator("#ks-status", has_text=EVIL_SCRIPT).wait_for()
            page.wait_for_timeout(300)  # give any injected handler a chance to fire
            assert page.locator("img[src='x']").count() == 0
            assert page.locator("#ks-status script, #ks-cards script, #ks-detail script").count() == 0
            assert page.evaluate("() => document.querySelectorAll('mark img, .ks-quote img').length") == 0
            assert dialogs == []
        finally:
            ctx.close()
