"""The Gradio app's layout and wiring: components by name, each event bound to a handler that takes and returns values by name.

Per-session state only (gr.State); the Index is shared read-only. Each search asks for the
complete answer once: the cards show the first few or all of them, the chart, list and exports
always cover all of them. The query, filters, view and the item in the detail view live in the
page URL (shareable; the back button returns to the previous page). Handlers are in handlers.py
and page_url.py, HTML in cards / detail / render, scripts and styles in assets/.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import weakref
from collections.abc import Callable
from functools import partial
from typing import Any

# Never let Gradio (or huggingface_hub under it) phone home: set before gradio is imported.
os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("GRADIO_SSR_MODE", "False")

import gradio as gr
import pandas as pd

from ..filter_spec import FILTER_FIELDS
from ..library import Index
from . import handlers as h
from .assets import asset, page_css, theme
from .cards import GROUP_CHOICES, SORT_CHOICES, TABLE_COLUMNS, TABLE_WIDTHS
from .detail import render_detail
from .live import LiveIndex
from .page_url import on_load

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
HEADER = (
    '<div class="ks-header"><h1>孤独・孤立対策 施策検索<span class="ks-en"> / Koritsu Search</span></h1>'
    "<p>政府の孤独・孤立対策の施策と会議の発言を、出典つきで探します。"
    " Ask in Japanese or English; every answer cites its document and page.</p></div>"
)
FILTERS = [f.name for f in FILTER_FIELDS]
# What the page URL is made from (push_url.js receives them in this order).
CONTROLS = ["question", "show_all", "low", "sort", "group", *FILTERS, "drop", "detail_ref"]
STATES = ["answer", "exports", "seen", "pick"]
SHOWN = ["status", "summary", "cards", "pager", "chart", "table", *h.EXPORTS, "low", "pick", "detail", "answer",
         "exports", "drop", *FILTERS, "seen"]
ASKED = [*SHOWN, "examples_box", "tabs", "detail_ref"]
LOADED = [*ASKED, "question", "show_all", "sort", "group"]
Widgets = dict[str, Any]


def launch_kwargs() -> dict[str, Any]:
    """What Blocks.launch / mount_gradio_app need for this app: styles, page script, theme, no English footer."""
    return {"css": page_css(), "js": asset("page.js"), "theme": theme(), "footer_links": []}


def _js(name: str) -> str:
    return asset(name).replace("NAMES", json.dumps(CONTROLS)).replace("LISTS", json.dumps(FILTERS))


def _html(value: str = "", **kw: Any) -> gr.HTML:
    """An HTML block carrying the app's card styles (scoped to it)."""
    return gr.HTML(value, css_template=asset("cards.css"), **kw)


def bind(fn: Callable[..., h.Updates], w: Widgets, inputs: list[str], event: str | None = None) -> Callable[..., Any]:
    """Gradio's callable for a handler: positional inputs become values by name, the returned names
    become components. event: "select" passes the event's value, "request" the URL's parameters."""
    def keyed(out: h.Updates) -> dict[Any, Any]:
        return {w[k]: val for k, val in out.items()}

    if event == "select":
        def on_select(evt: gr.SelectData, *args: Any) -> dict[Any, Any]:
            return keyed(fn(dict(zip(inputs, args, strict=True)), evt.value))
        return on_select
    if event == "request":
        def on_request(request: gr.Request) -> dict[Any, Any]:
            return keyed(fn(request.query_params if request is not None else None))
        return on_request

    def on_values(*args: Any) -> dict[Any, Any]:
        return keyed(fn(dict(zip(inputs, args, strict=True))))
    return on_values


def _header_and_question(w: Widgets) -> None:
    gr.HTML(HEADER, elem_id="ks-header", css_template=asset("cards.css"))
    with gr.Row(equal_height=False):
        w["question"] = gr.Textbox(
            label="質問 / Question", placeholder="例: 外国人を対象とした施策は？ / Which measures support foreign residents?",
            lines=1, max_lines=4, elem_id="ks-question", autofocus=True, scale=6, min_width=200,
        )
        w["ask"] = gr.Button("検索 / Search", variant="primary", elem_id="ks-ask", scale=1, min_width=80)


def _panels(w: Widgets, choices: dict[str, list[Any]]) -> None:
    with gr.Row(equal_height=False, elem_id="ks-panels"):
        with gr.Column(scale=1, min_width=150):
            with gr.Accordion("質問の例 / Example questions", open=True, elem_id="ks-examples") as w["examples_box"]:
                w["examples"] = [gr.Examples(examples=ex, inputs=[w["question"]], label=label)
                                 for label, ex in EXAMPLES.items()]
        with gr.Column(scale=1, min_width=150):
            with gr.Accordion("絞り込み・並べ替え / Filters and order", open=False, elem_id="ks-filters"):
                for f in FILTER_FIELDS:
                    w[f.name] = gr.Dropdown(choices[f.name], multiselect=True, label=f.label, elem_id=f"ks-f-{f.name}")
                with gr.Row():
                    w["sort"] = gr.Dropdown(SORT_CHOICES, value="relevance", label="並べ替え / Sort", elem_id="ks-sort",
                                            min_width=140)
                    w["group"] = gr.Dropdown(GROUP_CHOICES, value="", label="グループ / Group", elem_id="ks-group",
                                             min_width=140)


def _answer_tab(w: Widgets) -> None:
    with gr.Tab("回答 / Answer", id="answer") as w["answer_tab"], gr.Row(equal_height=False, elem_id="ks-answer-row"):
        with gr.Column(scale=3, min_width=300, elem_id="ks-main"):
            w["summary"] = _html("", elem_id="ks-summary", js_on_load=asset("summary.js"))
            with gr.Row(equal_height=True, elem_id="ks-tools"):
                w["show_all"] = gr.Checkbox(False, label="すべて表示", elem_id="ks-all", min_width=120)
                w["low"] = gr.Checkbox(False, label="関連の低い候補を表示", visible=False, elem_id="ks-low", min_width=120)
                w["pager"] = gr.Radio([], label="ページ / Page", visible=False, elem_id="ks-pager", min_width=200)
            w["cards"] = _html("", elem_id="ks-cards", js_on_load=asset("cards.js"))
        with gr.Column(scale=1, min_width=240, elem_id="ks-side"):
            with gr.Row(equal_height=True, elem_id="ks-exports"):
                w["csv"] = gr.DownloadButton("CSV（全件）", interactive=False, size="sm", elem_id="ks-csv")
                w["xlsx"] = gr.DownloadButton("Excel（全件）", interactive=False, size="sm", elem_id="ks-xlsx")
                w["jsonl"] = gr.DownloadButton("JSON Lines（全件）", interactive=False, size="sm", elem_id="ks-jsonl")
            w["chart"] = _html("", elem_id="ks-chart")


def _tabs(w: Widgets) -> None:
    with gr.Tabs() as w["tabs"]:
        _answer_tab(w)
        with gr.Tab("施策の詳細 / Measure detail", id="detail") as w["detail_tab"]:
            w["pick"] = gr.Dropdown([], label="項目を選ぶ / Pick an item", elem_id="ks-pick", interactive=True)
            w["detail"] = _html(render_detail(None), elem_id="ks-detail", js_on_load=asset("detail.js"))
        with gr.Tab("一覧 / List", id="list") as w["list_tab"]:
            w["table"] = gr.Dataframe(pd.DataFrame(columns=TABLE_COLUMNS), label="回答一覧（全件）/ All items",
                                      interactive=False, show_search="filter", wrap=True, column_widths=TABLE_WIDTHS,
                                      elem_id="ks-table", max_height=700)


def _components(live: LiveIndex) -> Widgets:
    w: Widgets = {"answer": gr.State(None), "exports": gr.State(None), "seen": gr.State(live.generation)}
    _header_and_question(w)
    _panels(w, h.menus(live.current))
    w["status"] = _html("", elem_id="ks-status")
    _tabs(w)
    w["drop"] = gr.Textbox("", visible=False, elem_id="ks-drop")  # needs the reader removed, comma-separated
    w["detail_ref"] = gr.Textbox("", visible=False, elem_id="ks-detail-ref")  # measure=12 or item=ID, for the URL
    return w


def _wire_search(w: Widgets, ctx: h.AppContext) -> None:
    inputs = [*CONTROLS, *STATES]
    common: dict[str, Any] = {"concurrency_limit": CONCURRENCY, "concurrency_id": "search",
                              "show_progress": "hidden", "trigger_mode": "always_last"}
    ins, controls = [w[n] for n in inputs], [w[n] for n in CONTROLS]
    asked = bind(partial(h.ask_question, ctx), w, inputs)
    for trigger in (w["question"].submit, w["ask"].click, *(ex.load_input_event.then for ex in w["examples"])):
        trigger(asked, ins, [w[n] for n in ASKED], js=_js("busy.js"), **common).then(None, controls, None,
                                                                                  js=_js("push_url.js"))
    refilter = bind(partial(h.refilter, ctx), w, inputs)
    chosen = [w[n] for n in SHOWN if n not in FILTERS and n != "seen"]
    for name in (*FILTERS, "low"):
        w[name].input(refilter, ins, chosen, js=asset("hold.js"), **common).then(
            None, controls, None, js=_js("push_url.js"))
    summary = bind(partial(h.on_summary, ctx), w, inputs, "select")
    w["summary"].select(summary, ins, [w[n] for n in SHOWN], js=asset("hold.js"), **common).then(
        None, controls, None, js=_js("push_url.js"))


def _wire_views(w: Widgets, ctx: h.AppContext) -> None:
    inputs = ["answer", "show_all", "sort", "group"]
    outs = [w["summary"], w["cards"], w["pager"]]
    view = bind(partial(h.on_view, ctx), w, inputs)
    for name in ("show_all", "sort", "group"):
        w[name].input(view, [w[n] for n in inputs], outs, js=asset("hold.js"), show_progress="hidden").then(
            None, [w[n] for n in CONTROLS], None, js=_js("push_url.js"))
    page = bind(lambda v: h.on_view(ctx, v, v["pager"]), w, [*inputs, "pager"])
    w["pager"].input(page, [w[n] for n in (*inputs, "pager")], outs, show_progress="hidden")


def _wire_detail(w: Widgets, ctx: h.AppContext) -> None:
    controls = [w[n] for n in CONTROLS]
    push, focus = _js("push_url.js"), asset("focus_detail.js")
    card = bind(partial(h.open_detail, ctx), w, ["answer"], "select")
    w["cards"].select(card, [w["answer"]], [w[n] for n in ("pick", "detail", "tabs", "detail_ref")]).then(
        None, None, None, js=focus).then(None, controls, None, js=push)
    pick = bind(partial(h.on_pick, ctx), w, ["pick", "answer"])
    w["pick"].input(pick, [w["pick"], w["answer"]], [w["detail"], w["detail_ref"]]).then(
        None, None, None, js=focus).then(None, controls, None, js=push)
    back = bind(partial(h.on_detail, ctx), w, [], "select")
    w["detail"].select(back, None, [w["tabs"], w["detail_ref"]]).then(None, None, None, js=asset("restore.js")).then(
        None, controls, None, js=push)
    for tab, name in ((w["answer_tab"], "answer"), (w["detail_tab"], "detail"), (w["list_tab"], "list")):
        chosen = bind(partial(h.on_tab, ctx, tab=name), w, ["pick"])
        tab.select(chosen, [w["pick"]], [w["detail_ref"]]).then(None, controls, None, js=push)


def build_app(index: Index | LiveIndex) -> gr.Blocks:
    """The app for an index, or for a LiveIndex that follows rebuilds (each request uses the index
    current when it starts). Serve it with web.server, or .queue().launch(**launch_kwargs())."""
    live = index if isinstance(index, LiveIndex) else LiveIndex(index)
    ctx = h.AppContext(live, tempfile.mkdtemp(prefix="koritsu-export-"))  # one folder per request below it
    with gr.Blocks(title="孤独・孤立対策 施策検索", analytics_enabled=False, delete_cache=(3600, 7200)) as app:
        w = _components(live)
        _wire_search(w, ctx)
        _wire_views(w, ctx)
        _wire_detail(w, ctx)
        load = bind(partial(on_load, ctx), w, [], "request")
        app.load(load, None, [w[n] for n in LOADED], show_progress="hidden").then(
            None, None, None, js=asset("restore_load.js"))
    weakref.finalize(app, shutil.rmtree, ctx.export_root, True)
    return app
