"""What the app does on each event: module-level functions from the controls' values to the outputs' values, both keyed by name."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradio as gr
import pandas as pd

from ..errors import KoritsuError, QueryError
from ..export import export_meta, write_csv, write_jsonl, write_xlsx
from ..filter_spec import FIELDS_BY_NAME, FILTER_FIELDS, filter_values, filters_from
from ..library import Index
from ..models import MEASURE, Answer
from ..query import MAX_QUERY_CHARS
from .cards import (
    TABLE_COLUMNS,
    Chip,
    View,
    page_count,
    render_cards,
    render_summary,
    table_rows,
)
from .detail import render_detail
from .live import LiveIndex
from .render import KIND_LABELS, render_chart, render_message

log = logging.getLogger(__name__)

Values = Mapping[str, Any]  # control and state values, by component name
Updates = dict[str, Any]  # output values, by component name
FILTERS = [f.name for f in FILTER_FIELDS]
EXPORTS = ("csv", "xlsx", "jsonl")
EMPTY = "質問を入力してください。前の結果をそのまま表示しています。 / Type a question; the previous results are still shown."
FAILED = "検索中にエラーが発生しました。もう一度お試しください。 / The search failed; please try again."


@dataclass(frozen=True)
class AppContext:
    """What every handler of one app shares: the index being served and the folder for exports."""

    live: LiveIndex
    export_root: str


def menus(index: Index) -> dict[str, list[Any]]:
    """Each filter menu's choices (value, or (label, value)), by field name, as the index holds them now."""
    facets = index.facets()
    out: dict[str, list[Any]] = {f.name: list(facets.get(f.facet, [])) for f in FILTER_FIELDS}
    out["doc"] = [(index.doc_titles.get(d, d), d) for d in out["doc"]]
    out["kind"] = [(KIND_LABELS.get(k, k), k) for k in out["kind"]]
    return out


def choice_values(choices: list[Any]) -> list[str]:
    """The values of a menu's choices (a choice is a value or a (label, value) pair)."""
    return [c[1] if isinstance(c, tuple) else c for c in choices]


def _label(choices: list[Any], value: str) -> str:
    return next((c[0] for c in choices if isinstance(c, tuple) and c[1] == value), value)


def check_question(question: str | None) -> str:
    q = (question or "").strip()
    if not q:
        raise QueryError("質問を入力してください。 / Please type a question.")
    if len(q) > MAX_QUERY_CHARS:
        raise QueryError(
            f"質問が長すぎます（{len(q)}文字。{MAX_QUERY_CHARS}文字以内にしてください）。"
            f" / The question is too long ({len(q)} characters; at most {MAX_QUERY_CHARS})."
        )
    return q


def view_of(v: Values, page: Any = 1) -> View:
    try:
        p = int(page or 1)
    except (TypeError, ValueError):
        p = 1
    return View(show_all=bool(v.get("show_all")), sort=str(v.get("sort") or "relevance"),
                group=str(v.get("group") or ""), page=p)


def drops(drop: Any) -> list[str]:
    """The needs the reader removed (comma-separated ids), once each."""
    return list(dict.fromkeys(x.strip() for x in str(drop or "").split(",") if x.strip()))


def menu_updates(ctx: AppContext, v: Values, chosen: Mapping[str, list[str]] | None = None) -> Updates:
    """Fresh choices and values for the filter menus when the index was swapped since this session
    last looked, or when a handler changed the chosen values (chosen); nothing otherwise."""
    generation = ctx.live.generation  # read before the index: a swap in between only refreshes again
    if v.get("seen") == generation and chosen is None:
        return {}
    now = menus(ctx.live.current)
    picked = chosen if chosen is not None else {n: list(v.get(n) or []) for n in FILTERS}
    ups: Updates = {n: gr.update(choices=now[n], value=[x for x in picked.get(n, []) if x in choice_values(now[n])])
                    for n in FILTERS}
    ups["seen"] = generation
    return ups


def chips(answer: Answer, choices: Mapping[str, list[Any]]) -> list[Chip]:
    """The answer's active filters as chips: 「府省庁: 法務省」, a document by its title."""
    out = []
    for name, values in filter_values(answer.filters).items():
        short = FIELDS_BY_NAME[name].label.split(" / ")[0]
        out += [Chip(name, x, f"{short}: {_label(choices.get(name, []), x)}") for x in values]
    return out


def write_exports(ctx: AppContext, answer: Answer, index: Index, old_dir: str | None) -> tuple[str, dict[str, Path]]:
    """The answer as CSV, Excel and JSON Lines in a new folder below the export root (the old one removed)."""
    if old_dir and Path(old_dir).resolve().parent == Path(ctx.export_root).resolve():
        shutil.rmtree(old_dir, ignore_errors=True)
    out_dir = Path(tempfile.mkdtemp(dir=ctx.export_root))
    stamp = time.strftime("%Y%m%d-%H%M%S")
    paths = {ext: out_dir / f"koritsu_{stamp}.{ext}" for ext in EXPORTS}
    meta = export_meta(answer, index.path, index.manifest.model_id)
    write_csv(answer, paths["csv"])
    write_xlsx(answer, paths["xlsx"], meta)
    write_jsonl(answer, paths["jsonl"], meta)
    for p in paths.values():
        os.chmod(p, 0o644)
    return str(out_dir), paths


def detail_ref(index: Index, record_id: str | None) -> str:
    """How the page URL names the item in the detail view: measure=12, or item=<record id>."""
    rec = index.record(record_id) if record_id else None
    if rec is None:
        return ""
    return f"measure={rec.measure_no}" if rec.kind == MEASURE and rec.measure_no is not None else f"item={record_id}"


def detail_html(index: Index, record_id: str | None, answer: Answer | None = None) -> str:
    if not record_id or not isinstance(record_id, str):
        return render_detail(None)
    rec = index.record(record_id)
    doc_id = record_id.split("#", 1)[0]
    measure = index.measures.get(rec.measure_key) if rec is not None and rec.measure_key else None
    item = next((it for it in (answer.items + answer.nearest if answer else []) if it.record_id == record_id), None)
    return render_detail(rec, index.doc_titles.get(doc_id), measure, item.citations if item else ())


def low_toggle(answer: Answer, low: bool) -> Any:
    """The control that lists the folded 低 items: it says how many, and is hidden when none are folded."""
    n = answer.folded_low if not low else sum(1 for it in answer.items if it.band == "low")
    label = f"関連の低い候補 {n}件を表示"
    return gr.update(label=label, visible=bool(n) or low, value=low)


def views(index: Index, answer: Answer, v: Values, page: Any = 1) -> Updates:
    """The summary, the cards and the pager for a view of the answer."""
    view = view_of(v, page)
    n = page_count(answer, view)
    return {
        "summary": render_summary(answer, view, chips(answer, menus(index)), index.bands()),
        "cards": render_cards(answer, view),
        "pager": gr.update(choices=[str(i) for i in range(1, n + 1)], value=str(min(view.page, n)), visible=n > 1),
    }


def answer_updates(ctx: AppContext, index: Index, answer: Answer, v: Values) -> Updates:
    """Every output that shows the answer: summary, cards, chart, list, exports, the item menu and the detail."""
    out_dir, paths = write_exports(ctx, answer, index, v.get("exports"))
    shown = answer.items or answer.nearest
    first = next((it.record_id for it in shown if it.kind == MEASURE), None) or (shown[0].record_id if shown else None)
    has = bool(answer.items)
    return views(index, answer, v) | {
        "status": "",
        "chart": render_chart(answer.items),
        "table": pd.DataFrame(table_rows(answer), columns=TABLE_COLUMNS),
        **{ext: gr.update(value=str(paths[ext]), interactive=has) for ext in EXPORTS},
        "low": low_toggle(answer, bool(v.get("low"))),
        "pick": gr.update(choices=[(f"{n}. {it.title}", it.record_id) for n, it in enumerate(shown, 1)], value=first),
        "detail": detail_html(index, first, answer),
        "answer": answer,
        "exports": out_dir,
    }


def search(ctx: AppContext, v: Values, chosen: Mapping[str, list[str]] | None = None) -> Updates:
    """Ask the question with the controls' filters, needs removed and fold; a message when it cannot."""
    menus_now = menu_updates(ctx, v, chosen)
    if not (v.get("question") or "").strip():  # keep what is on screen, say why nothing happened
        return {"status": render_message(EMPTY, error=False)} | menus_now
    index = ctx.live.current
    picked = chosen if chosen is not None else {n: v.get(n) for n in FILTERS}
    dropped = drops(v.get("drop"))
    try:
        q = check_question(v.get("question"))
        t0 = time.perf_counter()
        answer = index.ask(q, filters=filters_from(picked), complete=True, ignore_needs=dropped,
                           include_low=bool(v.get("low")))
        log.info("ask %.0f ms", (time.perf_counter() - t0) * 1000)
    except KoritsuError as exc:
        return {"status": render_message(str(exc).split("\n")[0])} | menus_now
    except Exception:  # never show a traceback in the page
        log.exception("search failed")
        return {"status": render_message(FAILED)} | menus_now
    return answer_updates(ctx, index, answer, v) | {"drop": ",".join(dropped)} | menus_now


def ask_question(ctx: AppContext, v: Values) -> Updates:
    """The question submitted (button, Enter or an example): search and fold the examples away."""
    out = search(ctx, v)
    if "answer" in out:
        out["examples_box"] = gr.Accordion(open=False)
        out["tabs"] = gr.Tabs(selected="answer")
        out["detail_ref"] = ""
    return out


def refilter(ctx: AppContext, v: Values) -> Updates:
    """A filter or the fold changed: the same question again (nothing without one). The menus are
    left alone while the reader is choosing in them (they are refreshed by the next question)."""
    if not (v.get("question") or "").strip():
        return {}
    return {k: val for k, val in search(ctx, {**v, "seen": ctx.live.generation}).items()
            if k not in FILTERS and k != "seen"}


def on_summary(ctx: AppContext, v: Values, value: Any) -> Updates:
    """A chip in the summary removed: 「ご相談の内容」 (drop:ID) or an active filter (unfilter:FIELD:VALUE)."""
    value = value if isinstance(value, str) else ""
    if value.startswith("drop:"):
        return refilter(ctx, {**v, "drop": ",".join([*drops(v.get("drop")), value[len("drop:"):]])})
    if value.startswith("unfilter:"):
        name, _, removed = value[len("unfilter:"):].partition(":")
        if name in FIELDS_BY_NAME:
            chosen = {n: [x for x in (v.get(n) or []) if not (n == name and x == removed)] for n in FILTERS}
            return search(ctx, {**v, **chosen}, chosen) if (v.get("question") or "").strip() else {}
    return {}


def on_view(ctx: AppContext, v: Values, page: Any = 1) -> Updates:
    """Show all, order, grouping or page changed: the same answer shown anew."""
    answer = v.get("answer")
    if answer is None:
        return {}
    return views(ctx.live.current, answer, v, page)


def open_detail(ctx: AppContext, v: Values, record_id: Any) -> Updates:
    """An item of this session's answer in the detail tab, named in the page URL."""
    answer: Answer | None = v.get("answer")
    shown = (answer.items + answer.nearest) if answer is not None else []
    if record_id not in {it.record_id for it in shown}:
        return {}
    index = ctx.live.current
    return {"pick": gr.update(value=record_id), "detail": detail_html(index, record_id, answer),
            "tabs": gr.Tabs(selected="detail"), "detail_ref": detail_ref(index, record_id)}


def on_pick(ctx: AppContext, v: Values) -> Updates:
    index = ctx.live.current
    rid = v.get("pick")
    return {"detail": detail_html(index, rid, v.get("answer")), "detail_ref": detail_ref(index, rid)}


def on_detail(ctx: AppContext, v: Values, value: Any) -> Updates:
    """The detail's back button: the answer tab, and the detail gone from the URL."""
    if value == "__back__":
        return {"tabs": gr.Tabs(selected="answer"), "detail_ref": ""}
    return {}


def on_tab(ctx: AppContext, v: Values, tab: str) -> Updates:
    """A tab chosen by hand: the URL names the detail only while it is shown."""
    return {"detail_ref": detail_ref(ctx.live.current, v.get("pick")) if tab == "detail" else ""}
