"""The Gradio web app: a question box, cited answer cards above the fold, measure details, a list and exports.

Per-session state only (gr.State); the Index is shared read-only. Each search asks for the
complete answer (every item above the relevance cut) once: the cards show the first few or all
of them in pages, the chart, list and exports always cover all of them. The query, filters and
view live in the page URL (shareable; the back button returns to the previous question).
HTML comes from ui_cards / ui_detail / ui_render (pure functions, everything escaped); the
server (with the read-only source route) from ui_server.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
import weakref
from pathlib import Path
from typing import Any

# Never let Gradio (or huggingface_hub under it) phone home: set before gradio is imported.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_SSR_MODE", "False")

import gradio as gr
import pandas as pd

from .errors import KoritsuError, QueryError
from .export import export_meta, write_csv, write_jsonl
from .library import Index
from .live import LiveIndex
from .models import MEASURE, Answer, Filters
from .search import MAX_QUERY_CHARS
from .ui_cards import (
    GROUP_CHOICES,
    SORT_CHOICES,
    TABLE_COLUMNS,
    TABLE_WIDTHS,
    View,
    page_count,
    render_cards,
    render_summary,
    table_rows,
)
from .ui_detail import render_detail
from .ui_render import CSS, KIND_LABELS, render_chart, render_message

log = logging.getLogger(__name__)

CONCURRENCY = 2
EXAMPLES = {
    "相談窓口の方へ / For call-center staff": [["認知症カフェ"], ["つながりサポーター 講座"], ["フードドライブ"], ["ひきこもりの相談窓口"]],
    "行政担当者の方へ / For officials": [
        ["外国人を対象とした施策は？"], ["法務省の目標の達成状況"], ["What did the Ministry of Foreign Affairs say at the meeting?"],
    ],
    "研究者の方へ / For researchers": [
        ["Which measures support foreign residents?"], ["こども・若者の孤独・孤立の実態把握"], ["地方公共団体への支援"],
    ],
}
URL_LISTS = ("ministry", "doc", "section", "field", "kind", "need")
# The summary: removing an understood need (「ご相談の内容」 chip) searches again without it.
SUMMARY_JS = """
element.addEventListener('click', (ev) => {
  const b = ev.target.closest('button.ks-need-x');
  if (b && b.dataset.need) { trigger('select', {index: 0, value: 'drop:' + b.dataset.need}); }
});
"""

# Cards: 詳細 opens the item in the detail tab (remembering where the reader was).
CARDS_JS = """
element.addEventListener('click', (ev) => {
  const b = ev.target.closest('button.ks-detail-btn');
  if (b && b.dataset.record) {
    window.__ksScroll = window.scrollY; window.__ksLast = b.dataset.record;
    trigger('select', {index: 0, value: b.dataset.record});
  }
});
"""
DETAIL_JS = """
element.addEventListener('click', (ev) => {
  if (ev.target.closest('button.ks-back')) { trigger('select', {index: 0, value: '__back__'}); }
});
"""
# Page-wide: copy buttons, and the back button re-running the question the URL holds.
APP_JS = """
() => {
  const copy = async (text) => {
    try { await navigator.clipboard.writeText(text); return true; } catch (e) {
      const t = document.createElement('textarea'); t.value = text; t.style.position = 'fixed'; t.style.opacity = '0';
      document.body.appendChild(t); t.select(); let ok = false; try { ok = document.execCommand('copy'); } catch (e2) {}
      t.remove(); return ok;
    }
  };
  document.addEventListener('click', async (ev) => {
    const b = ev.target.closest('button.ks-copy');
    if (!b) return;
    const ok = await copy(b.dataset.copy || '');
    b.classList.toggle('ks-done', ok);
    b.setAttribute('aria-label', ok ? 'コピーしました / Copied' : 'コピーできませんでした / Copy failed');
  });
  window.addEventListener('popstate', () => { window.location.reload(); });
  // Remember where the reader was on each entry of the history, for the back button. Not while
  // a reload is on its way back to the saved place, nor while a new answer replaces the page
  // before its URL is pushed: both shift the layout, and the shifted place is not the reader's.
  window.history.scrollRestoration = 'manual';
  window.__ksHold = !!((window.history.state || {}).ksY);
  let pending = null;
  window.addEventListener('scroll', () => {
    if (pending || window.__ksHold) return;
    pending = setTimeout(() => {
      pending = null;
      if (!window.__ksHold) window.history.replaceState(Object.assign({}, window.history.state || {}, {ksY: window.scrollY}), '');
    }, 150);
  }, {passive: true});
  const busy = document.createElement('div');
  busy.id = 'ks-busy'; busy.hidden = true; busy.setAttribute('role', 'status');
  busy.textContent = '検索中… / Searching…';
  const anchor = document.querySelector('#ks-status');
  if (anchor && anchor.parentNode) anchor.parentNode.insertBefore(busy, anchor); else document.body.prepend(busy);
}
"""
PUSH_URL_JS = """
(q, all, sort, group, mins, docs, secs, fields, kinds, needs, drop) => {
  const busy = document.querySelector('#ks-busy'); if (busy) busy.hidden = true;
  window.__ksHold = false;
  if (!q || !q.trim()) return;
  const u = new URL(window.location.href);
  u.search = '';
  u.searchParams.set('q', q.trim());
  if (all) u.searchParams.set('all', '1');
  if (sort && sort !== 'relevance') u.searchParams.set('sort', sort);
  if (group) u.searchParams.set('group', group);
  const lists = [['ministry', mins], ['doc', docs], ['section', secs], ['field', fields], ['kind', kinds],
                 ['need', needs], ['drop', (drop || '').split(',').filter(x => x)]];
  for (const [k, vs] of lists) for (const v of (vs || [])) u.searchParams.append(k, v);
  if (u.href !== window.location.href) window.history.pushState({}, '', u.href);
}
"""
# Every change that redraws the answer and then pushes a URL: keep the place of the entry being left.
HOLD_JS = "(...args) => { window.__ksHold = true; return args; }"
BUSY_JS = """
(...args) => {
  const b = document.querySelector('#ks-busy');
  if (b && args[0] && String(args[0]).trim()) b.hidden = false;
  window.__ksHold = true;  // until the new URL is pushed
  args[DROP_ARG] = '';  // a question asked anew reads every need again
  return args;
}
""".replace("DROP_ARG", str(4 + len(URL_LISTS)))
FOCUS_DETAIL_JS = "() => { setTimeout(() => { const h = document.querySelector('#ks-detail h3'); if (h) h.focus(); }, 80); }"
# After the page (re)loads a question from its URL: back where the reader was on that entry.
RESTORE_LOAD_JS = """
() => { const y = (window.history.state || {}).ksY;
  if (!y) { window.__ksHold = false; return; }
  // The answer may still be rendering (a long list on a busy machine) and later parts (menus,
  // chart) still move the layout: keep the place until it has held for a second, for up to 15 s,
  // unless the reader scrolls first.
  let n = 0, held = 0, mine = false;
  const stop = () => { mine = true; };
  for (const ev of ['wheel', 'touchstart', 'keydown', 'mousedown']) window.addEventListener(ev, stop, {once: true, passive: true});
  const go = () => {
    if (mine) { window.__ksHold = false; return; }
    const tall = document.documentElement.scrollHeight >= y + window.innerHeight - 2;
    if (tall) window.scrollTo({top: y, behavior: 'instant'});
    held = tall && Math.abs(window.scrollY - y) <= 2 ? held + 1 : 0;
    if (held < 10 && n++ < 150) setTimeout(go, 100); else window.__ksHold = false;
  };
  setTimeout(go, 50); }
"""
RESTORE_JS = """
() => { setTimeout(() => {
  window.scrollTo({top: window.__ksScroll || 0, behavior: 'instant'});
  const id = window.__ksLast;
  if (id) { const b = Array.from(document.querySelectorAll('#ks-cards button.ks-detail-btn')).find(x => x.dataset.record === id);
            if (b) b.focus({preventScroll: true}); }
}, 80); }
"""
# Layout that needs page-wide CSS: the side column (export, chart) stays in view while scrolling.
APP_CSS = CSS + """
#ks-side { position: sticky; top: 8px; align-self: flex-start; }
#ks-status:empty { display: none; }
#ks-header { margin-bottom: 0; }
#ks-busy { font-size: .9rem; color: #4a4a4a; padding: 2px 4px; }
#ks-all { padding: 4px 10px; min-height: 0; }
#ks-panels { gap: 8px; }
"""

HEADER = (
    '<div class="ks-header"><h1>孤独・孤立対策 施策検索 / Koritsu Search</h1>'
    "<p>政府の孤独・孤立対策の施策と会議の発言を、出典つきで探します。"
    " Ask in Japanese or English; every answer cites its document and page.</p></div>"
)


def launch_kwargs() -> dict[str, Any]:
    """What Blocks.launch / mount_gradio_app need for this app (page-wide CSS and script)."""
    return {"css": APP_CSS, "js": APP_JS}


def _html(value: str = "", **kw: Any) -> gr.HTML:
    """An HTML block carrying the app's CSS (scoped to it)."""
    return gr.HTML(value, css_template=CSS, **kw)


def _check_question(question: str | None) -> str:
    q = (question or "").strip()
    if not q:
        raise QueryError("質問を入力してください。 / Please type a question.")
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(
            f"質問が長すぎます（{len(q)}文字。{MAX_QUERY_CHARS}文字以内にしてください）。"
            f" / The question is too long ({len(q)} characters; at most {MAX_QUERY_CHARS})."
        )
    return q


def _remove_dir(path: str | None, root: str) -> None:
    """Delete a previous request's export folder (only ever one below this app's own temp root)."""
    if path and Path(path).resolve().parent == Path(root).resolve():
        shutil.rmtree(path, ignore_errors=True)


def _view(show_all: Any, sort: Any, group: Any, page: Any = 1) -> View:
    try:
        p = int(page or 1)
    except (TypeError, ValueError):
        p = 1
    return View(show_all=bool(show_all), sort=str(sort or "relevance"), group=str(group or ""), page=p)


def _skips(n: int) -> tuple:
    return tuple(gr.skip() for _ in range(n))


def _pager(answer: Answer | None, view: View) -> Any:
    n = page_count(answer, view) if answer is not None else 1
    choices = [str(i) for i in range(1, n + 1)]
    return gr.update(choices=choices, value=str(min(view.page, n)), visible=n > 1)


def _menus(index: Index) -> dict[str, list[Any]]:
    """Each filter menu's choices (by URL name), as the index holds them now."""
    facets = index.facets()
    return {
        "ministry": facets.get("ministries", []),
        "doc": [(index.doc_titles.get(d, d), d) for d in facets.get("documents", [])],
        "section": facets.get("sections", []),
        "field": facets.get("fields", []),
        "kind": [(KIND_LABELS.get(k, k), k) for k in facets.get("kinds", [])],
        "need": facets.get("needs", []),
    }


def _drops(drop: Any) -> list[str]:
    """The needs the reader removed (comma-separated ids), once each."""
    return list(dict.fromkeys(x.strip() for x in str(drop or "").split(",") if x.strip()))


def _values(choices: list[Any]) -> set[str]:
    return {c[1] if isinstance(c, tuple) else c for c in choices}


def build_app(index: Index | LiveIndex) -> gr.Blocks:
    """The app for an index, or for a LiveIndex that follows rebuilds (each request uses the index
    current when it starts). Serve it with ui_server, or .queue().launch(**launch_kwargs())."""
    live = index if isinstance(index, LiveIndex) else LiveIndex(index)
    menus = _menus(live.current)
    export_root = tempfile.mkdtemp(prefix="koritsu-export-")  # one folder per request below it

    def menu_updates(seen: int | None, chosen: list[list[str] | None]) -> tuple:
        """New choices for every filter menu when the index was swapped since this session last looked."""
        generation = live.generation  # read before the index: a swap in between only refreshes again
        if seen == generation:
            return _skips(len(URL_LISTS) + 1)
        now = _menus(live.current)
        ups = tuple(gr.update(choices=now[k], value=[v for v in (c or []) if v in _values(now[k])])
                    for k, c in zip(URL_LISTS, chosen, strict=True))
        return ups + (generation,)

    def detail_for(record_id: str | None, answer: Answer | None = None) -> str:
        if not record_id or not isinstance(record_id, str):
            return render_detail(None)
        index = live.current
        rec = index.record(record_id)
        doc_id = record_id.split("#", 1)[0]
        measure = index.measures.get(rec.measure_key) if rec is not None and rec.measure_key else None
        item = next((it for it in (answer.items + answer.nearest if answer else []) if it.record_id == record_id), None)
        return render_detail(rec, index.doc_titles.get(doc_id), measure, item.citations if item else ())

    def views(answer: Answer, view: View) -> tuple:
        return render_summary(answer, view), render_cards(answer, view), _pager(answer, view)

    def run_search(question, show_all, sort, group, ministries, docs, sections, fields, kinds, needs, drop, old_dir,
                   seen=None):
        menus_now = menu_updates(seen, [ministries, docs, sections, fields, kinds, needs])

        def message(html: str) -> tuple:  # a message in the status line; the answer on screen stays
            return (html,) + _skips(len(outputs) - 1 - len(menus_now)) + menus_now

        if not (question or "").strip():  # keep what is on screen, say why nothing happened
            msg = render_message("質問を入力してください。前の結果をそのまま表示しています。"
                                 " / Type a question; the previous results are still shown.", error=False)
            return message(msg)
        index = live.current
        try:
            q = _check_question(question)
            filters = Filters(
                ministries=list(ministries or []), doc_ids=list(docs or []), sections=list(sections or []),
                fields=list(fields or []), kinds=list(kinds or []), needs=list(needs or []),
            )
            dropped = _drops(drop)
            t0 = time.perf_counter()
            answer: Answer = index.ask(q, filters=filters, complete=True, ignore_needs=dropped, include_low=True)
            log.info("ask %.0f ms", (time.perf_counter() - t0) * 1000)
        except KoritsuError as exc:
            return message(render_message(str(exc).split("\n")[0]))
        except Exception:  # never show a traceback in the page
            log.exception("search failed")
            return message(render_message("検索中にエラーが発生しました。もう一度お試しください。 / The search failed; please try again."))
        _remove_dir(old_dir, export_root)
        out_dir = Path(tempfile.mkdtemp(dir=export_root))
        stamp = time.strftime("%Y%m%d-%H%M%S")
        meta = export_meta(answer, index.path, index.manifest.model_id)
        csv_path, jsonl_path = out_dir / f"koritsu_{stamp}.csv", out_dir / f"koritsu_{stamp}.jsonl"
        write_csv(answer, csv_path)
        write_jsonl(answer, jsonl_path, meta)
        for p in (csv_path, jsonl_path):
            os.chmod(p, 0o644)
        view = _view(show_all, sort, group)
        shown = answer.items or answer.nearest
        choices = [(f"{n}. {it.title}", it.record_id) for n, it in enumerate(shown, 1)]
        first = next((it.record_id for it in shown if it.kind == MEASURE), None) or (shown[0].record_id if shown else None)
        summary, cards, pager = views(answer, view)
        rows = table_rows(answer)
        has = bool(answer.items)
        return (
            "",
            summary,
            cards,
            pager,
            render_chart(answer.items),
            pd.DataFrame(rows, columns=TABLE_COLUMNS),
            gr.update(value=str(csv_path), interactive=has),
            gr.update(value=str(jsonl_path), interactive=has),
            gr.update(choices=choices, value=first),
            detail_for(first, answer),
            answer,
            str(out_dir),
            gr.Accordion(open=False),  # make room for the answer: examples and filters one click away
            gr.Accordion(open=False),
            ",".join(dropped),
            *menus_now,
        )

    def on_drop(evt: gr.SelectData, question, show_all, sort, group, *rest):
        """A 「ご相談の内容」 chip removed: the same question again, without that need."""
        value = evt.value if isinstance(evt.value, str) else ""
        if not value.startswith("drop:") or not (question or "").strip():
            return _skips(len(outputs))
        m, d, sec, fld, kind, need, drop, old_dir, seen = rest
        dropped = _drops(drop) + [value[len("drop:"):]]
        return run_search(question, show_all, sort, group, m, d, sec, fld, kind, need, ",".join(dropped), old_dir, seen)

    def on_view(answer, show_all, sort, group, page=1):
        if answer is None:
            return gr.skip(), gr.skip(), gr.skip()
        return views(answer, _view(show_all, sort, group, page))

    def on_filter(question, *rest):
        if not (question or "").strip():
            return _skips(len(outputs))
        return run_search(question, *rest)

    def on_card(evt: gr.SelectData, answer: Answer | None):
        """A card's 詳細 button: open that item of this session's answer in the detail tab."""
        rid = evt.value if isinstance(evt.value, str) else None
        shown = (answer.items + answer.nearest) if answer is not None else []
        if rid not in {it.record_id for it in shown}:
            return gr.skip(), gr.skip(), gr.skip()
        return gr.update(value=rid), detail_for(rid, answer), gr.Tabs(selected="detail")

    def on_detail_click(evt: gr.SelectData):
        if evt.value == "__back__":
            return gr.Tabs(selected="answer")
        return gr.skip()

    def on_load(request: gr.Request):
        params = request.query_params if request is not None else {}
        q = (params.get("q") or "").strip()[:MAX_QUERY_CHARS]
        lists = {k: [v for v in params.getlist(k)] if hasattr(params, "getlist") else [] for k in URL_LISTS}
        show_all = params.get("all") == "1"
        sort = params.get("sort") if params.get("sort") in {v for _, v in SORT_CHOICES} else "relevance"
        group = params.get("group") if params.get("group") in {v for _, v in GROUP_CHOICES} else ""
        now = _menus(live.current)
        chosen = {k: [v for v in lists[k] if v in _values(now[k])] for k in URL_LISTS}
        picked: list[list[str] | None] = [chosen[k] for k in URL_LISTS]
        if not q:  # leave the question alone (the reader may already be typing); menus as the index is now
            return _skips(4 + len(outputs) - len(URL_LISTS) - 1) + menu_updates(None, picked)
        # The filter menus are among the outputs: run_search sets their choices and these values.
        drop = ",".join(params.getlist("drop")) if hasattr(params, "getlist") else ""
        m, d, sec, fld, kind, need = picked
        return (q, show_all, sort, group) + run_search(q, show_all, sort, group, m, d, sec, fld, kind, need, drop, None,
                                                       None)

    with gr.Blocks(title="孤独・孤立対策 施策検索", analytics_enabled=False, delete_cache=(3600, 7200)) as app:
        answer_state = gr.State(None)
        export_state = gr.State(None)
        seen_state = gr.State(live.generation)  # which index this session's filter menus were made from
        _html(HEADER, elem_id="ks-header")
        with gr.Row(equal_height=False):
            question = gr.Textbox(
                label="質問 / Question", placeholder="例: 外国人を対象とした施策は？ / Which measures support foreign residents?",
                lines=1, max_lines=4, elem_id="ks-question", autofocus=True, scale=6, min_width=240,
            )
            ask_btn = gr.Button("検索 / Search", variant="primary", elem_id="ks-ask", scale=1, min_width=120)
        with gr.Row(equal_height=False, elem_id="ks-panels"):
            with gr.Column(scale=1, min_width=300):
                with gr.Accordion("質問の例 / Example questions", open=True, elem_id="ks-examples") as examples_box:
                    example_sets = [gr.Examples(examples=ex, inputs=[question], label=label) for label, ex in EXAMPLES.items()]
            with gr.Column(scale=1, min_width=300):
                with gr.Accordion("絞り込み・並べ替え / Filters and order", open=False, elem_id="ks-filters") as filters_box:
                    f_min = gr.Dropdown(menus["ministry"], multiselect=True, label="府省庁 / Ministry",
                                        elem_id="ks-f-ministry")
                    f_doc = gr.Dropdown(menus["doc"], multiselect=True, label="文書 / Document", elem_id="ks-f-doc")
                    f_sec = gr.Dropdown(menus["section"], multiselect=True, label="節 / Section",
                                        elem_id="ks-f-section")
                    f_field = gr.Dropdown(menus["field"], multiselect=True, label="項目 / Column",
                                          elem_id="ks-f-field")
                    f_kind = gr.Dropdown(menus["kind"], multiselect=True, label="種類 / Kind", elem_id="ks-f-kind")
                    f_need = gr.Dropdown(menus["need"], multiselect=True, label="対象（ご相談の内容）/ Need",
                                         elem_id="ks-f-need")
                    with gr.Row():
                        sort = gr.Dropdown(SORT_CHOICES, value="relevance", label="並べ替え / Sort", elem_id="ks-sort",
                                           min_width=140)
                        group = gr.Dropdown(GROUP_CHOICES, value="", label="グループ / Group", elem_id="ks-group",
                                            min_width=140)
        status = _html("", elem_id="ks-status")
        with gr.Tabs() as tabs:
            with gr.Tab("回答 / Answer", id="answer"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=300):
                    summary = _html("", elem_id="ks-summary", js_on_load=SUMMARY_JS)
                    with gr.Row(equal_height=True):
                        show_all = gr.Checkbox(False, label="すべて表示 / Show all", elem_id="ks-all", min_width=160)
                        pager = gr.Radio([], label="ページ / Page", visible=False, elem_id="ks-pager", min_width=200)
                    cards = _html("", elem_id="ks-cards", js_on_load=CARDS_JS)
                with gr.Column(scale=1, min_width=240, elem_id="ks-side"):
                    csv_btn = gr.DownloadButton("CSV（全件）/ Download CSV", interactive=False, size="md", elem_id="ks-csv")
                    jsonl_btn = gr.DownloadButton("JSON Lines（全件）", interactive=False, size="md", elem_id="ks-jsonl")
                    chart = _html("", elem_id="ks-chart")
            with gr.Tab("施策の詳細 / Measure detail", id="detail"):
                pick = gr.Dropdown([], label="項目を選ぶ / Pick an item", elem_id="ks-pick", interactive=True)
                detail = _html(render_detail(None), elem_id="ks-detail", js_on_load=DETAIL_JS)
            with gr.Tab("一覧 / List", id="list"):
                table = gr.Dataframe(pd.DataFrame(columns=TABLE_COLUMNS), label="回答一覧（全件）/ All items",
                                     interactive=False, show_search="filter", wrap=True, column_widths=TABLE_WIDTHS,
                                     elem_id="ks-table", max_height=700)

        drop_box = gr.Textbox("", visible=False, elem_id="ks-drop")  # needs the reader removed, comma-separated
        filters = [f_min, f_doc, f_sec, f_field, f_kind, f_need]
        controls = [question, show_all, sort, group, *filters, drop_box]
        inputs = [*controls, export_state, seen_state]
        outputs = [status, summary, cards, pager, chart, table, csv_btn, jsonl_btn, pick, detail, answer_state,
                   export_state, examples_box, filters_box, drop_box, *filters, seen_state]
        common: dict[str, Any] = {"concurrency_limit": CONCURRENCY, "concurrency_id": "search",
                                  "show_progress": "hidden", "trigger_mode": "always_last"}
        for trigger in (question.submit, ask_btn.click):
            trigger(run_search, inputs, outputs, js=BUSY_JS, **common).then(None, controls, None, js=PUSH_URL_JS)
        for ex in example_sets:
            ex.load_input_event.then(run_search, inputs, outputs, js=BUSY_JS, **common).then(
                None, controls, None, js=PUSH_URL_JS)
        for f in filters:
            f.input(on_filter, inputs, outputs, js=HOLD_JS, **common).then(None, controls, None, js=PUSH_URL_JS)
        view_inputs = [answer_state, show_all, sort, group]
        for c in (show_all, sort, group):
            c.input(on_view, view_inputs, [summary, cards, pager], js=HOLD_JS, show_progress="hidden").then(
                None, controls, None, js=PUSH_URL_JS)
        pager.input(on_view, [*view_inputs, pager], [summary, cards, pager], show_progress="hidden")
        summary.select(on_drop, inputs, outputs, js=HOLD_JS, **common).then(None, controls, None, js=PUSH_URL_JS)
        pick.input(lambda rid, a: detail_for(rid, a), [pick, answer_state], [detail]).then(None, None, None, js=FOCUS_DETAIL_JS)
        cards.select(on_card, [answer_state], [pick, detail, tabs]).then(None, None, None, js=FOCUS_DETAIL_JS)
        detail.select(on_detail_click, None, [tabs]).then(None, None, None, js=RESTORE_JS)
        app.load(on_load, None, [question, show_all, sort, group, *outputs], show_progress="hidden").then(None, None, None, js=RESTORE_LOAD_JS)
    weakref.finalize(app, shutil.rmtree, export_root, True)
    return app
