"""The Gradio web app: one question box, cited answer cards, measure details, a chart and CSV.

Per-session state only (gr.State); the Index is shared read-only. HTML rendering lives in
ui_render (pure functions, every document text and query escaped).
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import tempfile
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
from .index.store import Index
from .models import MEASURE, Answer, Filters
from .search import MAX_QUERY_CHARS
from .ui_render import (
    CSS,
    KIND_LABELS,
    answer_rows,
    render_cards,
    render_chart,
    render_detail,
    render_message,
    render_summary,
    write_csv,
)

log = logging.getLogger(__name__)

DEFAULT_K = 10
CONCURRENCY = 2
PORT_TRIES = 20
TABLE_COLUMNS = ["rank", "kind", "title", "ministries", "field", "page", "doc_title", "score"]
TABLE_WIDTHS = ["56px", "90px", "32%", "120px", "150px", "56px", "24%", "72px"]

EXAMPLES = {
    "相談窓口の方へ / For call-center staff": [
        ["認知症カフェ"],
        ["つながりサポーター 講座"],
        ["フードドライブ"],
        ["ひきこもりの相談窓口"],
    ],
    "行政担当者の方へ / For officials": [
        ["外国人を対象とした施策は？"],
        ["法務省の目標の達成状況"],
        ["What did the Ministry of Foreign Affairs say at the meeting?"],
    ],
    "研究者の方へ / For researchers": [
        ["Which measures support foreign residents?"],
        ["こども・若者の孤独・孤立の実態把握"],
        ["地方公共団体への支援"],
    ],
}

# Clicking a card's 詳細 button tells the server which record to open.
CARDS_JS = """
element.addEventListener('click', (ev) => {
  const b = ev.target.closest('button.ks-detail-btn');
  if (b && b.dataset.record) { trigger('select', {index: 0, value: b.dataset.record}); }
});
"""

HEADER = (
    '<div class="ks-header"><h1>孤独・孤立対策 施策検索 / Koritsu Search</h1>'
    "<p>政府の孤独・孤立対策の施策と会議の発言を、出典つきで探します。"
    " Ask in Japanese or English; every answer cites its document and page.</p></div>"
)


def _html(value: str = "", **kw: Any) -> gr.HTML:
    """An HTML block carrying the app's CSS (scoped to it), so styling needs nothing at launch."""
    return gr.HTML(value, css_template=CSS, **kw)


def _empty_table() -> pd.DataFrame:
    return pd.DataFrame(columns=TABLE_COLUMNS)


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
    """Delete a previous request's CSV folder (only ever one below this app's own temp root)."""
    if path and Path(path).resolve().parent == Path(root).resolve():
        shutil.rmtree(path, ignore_errors=True)


def build_app(index: Index) -> gr.Blocks:
    """The app for one loaded index (call .queue().launch(...) on it, or use launch())."""
    facets = index.facets()
    doc_choices = [(index.doc_titles.get(d, d), d) for d in facets.get("documents", [])]
    kind_choices = [(KIND_LABELS.get(k, k), k) for k in facets.get("kinds", [])]
    csv_root = tempfile.mkdtemp(prefix="koritsu-csv-")  # one folder per request below it

    def detail_for(record_id: str | None) -> str:
        if not record_id or not isinstance(record_id, str):
            return render_detail(None)
        rec = index.record(record_id)
        doc_id = record_id.split("#", 1)[0]
        measure = index.measures.get(rec.measure_key) if rec is not None and rec.measure_key else None
        return render_detail(rec, index.doc_titles.get(doc_id), measure)

    def failed(message: str, old_csv_dir: str | None) -> tuple:
        return (render_message(message), "", "", _empty_table(), gr.update(value=None, interactive=False),
                gr.update(choices=[], value=None), render_detail(None), None, old_csv_dir, gr.skip())

    def run_search(question, k, ministries, docs, sections, fields, kinds, old_csv_dir):
        try:
            q = _check_question(question)
            filters = Filters(
                ministries=list(ministries or []), doc_ids=list(docs or []), sections=list(sections or []),
                fields=list(fields or []), kinds=list(kinds or []),
            )
            answer: Answer = index.ask(q, k=int(k or DEFAULT_K), filters=filters)
        except KoritsuError as exc:
            return failed(str(exc).split("\n")[0], old_csv_dir)
        except Exception:  # never show a traceback in the page
            log.exception("search failed")
            return failed("検索中にエラーが発生しました。もう一度お試しください。 / The search failed; please try again.",
                          old_csv_dir)
        _remove_dir(old_csv_dir, csv_root)
        csv_path = write_csv(answer, tempfile.mkdtemp(dir=csv_root))
        rows = answer_rows(answer)
        table = pd.DataFrame(rows, columns=list(rows[0].keys()) if rows else TABLE_COLUMNS)[TABLE_COLUMNS]
        choices = [(f"{n}. {it.title}", it.record_id) for n, it in enumerate(answer.items, 1)]
        first = next((it.record_id for it in answer.items if it.kind == MEASURE), None)
        first = first or (answer.items[0].record_id if answer.items else None)
        return (
            render_summary(answer),
            render_cards(answer),
            render_chart(answer),
            table,
            gr.update(value=str(csv_path), interactive=bool(answer.items)),
            gr.update(choices=choices, value=first),
            detail_for(first),
            answer,
            str(csv_path.parent),
            gr.Accordion(open=False),  # make room for the answer; the examples stay one click away
        )

    def on_filter(question, *rest):
        if not (question or "").strip():
            return tuple(gr.skip() for _ in range(10))
        return run_search(question, *rest)

    def on_card(evt: gr.SelectData, answer: Answer | None):
        """A card's 詳細 button: open that item of this session's answer in the detail tab."""
        rid = evt.value if isinstance(evt.value, str) else None
        if answer is None or rid not in {it.record_id for it in answer.items}:
            return gr.skip(), gr.skip(), gr.skip()
        return gr.update(value=rid), detail_for(rid), gr.Tabs(selected="detail")

    with gr.Blocks(title="孤独・孤立対策 施策検索", analytics_enabled=False, delete_cache=(3600, 7200)) as app:
        answer_state = gr.State(None)
        csv_state = gr.State(None)
        _html(HEADER)
        with gr.Row(equal_height=False):
            question = gr.Textbox(
                label="質問 / Question", placeholder="例: 外国人を対象とした施策は？ / Which measures support foreign residents?",
                lines=1, max_lines=4, elem_id="ks-question", autofocus=True, scale=6,
            )
            with gr.Column(scale=2, min_width=200):
                ask_btn = gr.Button("検索 / Search", variant="primary", elem_id="ks-ask")
                k = gr.Slider(3, 50, value=DEFAULT_K, step=1, label="件数 / Results", elem_id="ks-k")
        with gr.Accordion("質問の例 / Example questions", open=True) as examples_box, gr.Row():
            example_sets = []
            for label, ex in EXAMPLES.items():
                with gr.Column(min_width=260):
                    example_sets.append(gr.Examples(examples=ex, inputs=[question], label=label))
        with gr.Accordion("絞り込み / Filters", open=True), gr.Row():
            f_min = gr.Dropdown(facets.get("ministries", []), multiselect=True, label="府省庁 / Ministry",
                                elem_id="ks-f-ministry", min_width=180)
            f_doc = gr.Dropdown(doc_choices, multiselect=True, label="文書 / Document", elem_id="ks-f-doc", min_width=180)
            f_sec = gr.Dropdown(facets.get("sections", []), multiselect=True, label="節 / Section",
                                elem_id="ks-f-section", min_width=180)
            f_field = gr.Dropdown(facets.get("fields", []), multiselect=True, label="項目 / Column",
                                  elem_id="ks-f-field", min_width=180)
            f_kind = gr.Dropdown(kind_choices, multiselect=True, label="種類 / Kind", elem_id="ks-f-kind", min_width=180)
        status = _html("", elem_id="ks-status")
        with gr.Tabs() as tabs:
            with gr.Tab("回答 / Answer", id="answer"), gr.Row(equal_height=False):
                with gr.Column(scale=3):
                    cards = _html("", elem_id="ks-cards", js_on_load=CARDS_JS)
                with gr.Column(scale=1, min_width=240):
                    download = gr.DownloadButton("CSVをダウンロード / Download CSV", interactive=False, size="md",
                                                 elem_id="ks-csv")
                    chart = _html("", elem_id="ks-chart")
            with gr.Tab("施策の詳細 / Measure detail", id="detail"):
                pick = gr.Dropdown([], label="項目を選ぶ / Pick an item", elem_id="ks-pick", interactive=True)
                detail = _html(render_detail(None), elem_id="ks-detail")
            with gr.Tab("一覧 / List", id="list"):
                table = gr.Dataframe(_empty_table(), label="回答一覧 / Answer list", interactive=False,
                                     show_search="filter", wrap=True, column_widths=TABLE_WIDTHS,
                                     elem_id="ks-table")

        inputs = [question, k, f_min, f_doc, f_sec, f_field, f_kind, csv_state]
        outputs = [status, cards, chart, table, download, pick, detail, answer_state, csv_state, examples_box]
        common = {"concurrency_limit": CONCURRENCY, "concurrency_id": "search"}
        question.submit(run_search, inputs, outputs, **common)
        ask_btn.click(run_search, inputs, outputs, **common)
        for ex in example_sets:
            ex.load_input_event.then(run_search, inputs, outputs, **common)
        for f in (f_min, f_doc, f_sec, f_field, f_kind):
            f.change(on_filter, inputs, outputs, trigger_mode="always_last", **common)
        k.release(on_filter, inputs, outputs, trigger_mode="always_last", **common)
        pick.input(detail_for, [pick], [detail])
        cards.select(on_card, [answer_state], [pick, detail, tabs])
    weakref.finalize(app, shutil.rmtree, csv_root, True)
    return app


def _port_free(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind((host, port))
        except OSError:
            return False
    return True


def launch(index: Index, host: str = "127.0.0.1", port: int = 7860) -> None:
    """Serve the app (blocking) on host:port, or the next free port if it is taken."""
    app = build_app(index).queue(default_concurrency_limit=CONCURRENCY, max_size=64)
    last: Exception | None = None
    for p in range(port, port + PORT_TRIES):
        if not _port_free(host, p):
            continue
        try:
            app.launch(server_name=host, server_port=p, share=False, inbrowser=False, ssr_mode=False)
            return
        except OSError as exc:  # lost a race for the port: try the next one
            last = exc
    raise KoritsuError(f"no free port in {port}-{port + PORT_TRIES - 1} on {host}" + (f" ({last})" if last else ""))
