"""The page URL read back into the app: the question, the view, the filters, the needs removed and the item in the detail view."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import gradio as gr

from ..filter_spec import FILTER_FIELDS
from ..library import Index
from ..query import MAX_QUERY_CHARS
from .cards import GROUP_CHOICES, SORT_CHOICES
from .handlers import (
    AppContext,
    Updates,
    choice_values,
    detail_html,
    detail_ref,
    menu_updates,
    menus,
    search,
)

SORTS = {v for _, v in SORT_CHOICES}
GROUPS = {v for _, v in GROUP_CHOICES}


def _list(params: Any, name: str) -> list[str]:
    return list(params.getlist(name)) if hasattr(params, "getlist") else []


def read_params(params: Any, choices: Mapping[str, list[Any]]) -> dict[str, Any]:
    """Control values from the URL's parameters; filter values the index does not have are dropped."""
    get = params.get if params is not None else (lambda _k, _d=None: None)
    v: dict[str, Any] = {
        "question": (get("q") or "").strip()[:MAX_QUERY_CHARS],
        "show_all": get("all") == "1",
        "low": get("low") == "1",
        "sort": get("sort") if get("sort") in SORTS else "relevance",
        "group": get("group") if get("group") in GROUPS else "",
        "drop": ",".join(_list(params, "drop")),
    }
    for f in FILTER_FIELDS:
        known = set(choice_values(choices[f.name]))
        v[f.name] = [x for x in _list(params, f.name) if x in known]
    return v


def detail_record(index: Index, params: Any) -> str | None:
    """The record the URL shows in the detail view (?measure=12, or ?item=<record id>), if the index has it."""
    get = params.get if params is not None else (lambda _k, _d=None: None)
    no = (get("measure") or "").strip()
    if no.isdigit():
        m = index.measure(int(no))
        return m.entries[0].record_id if m is not None and m.entries else None
    rid = get("item")
    return rid if rid and index.record(rid) is not None else None


def on_load(ctx: AppContext, params: Any) -> Updates:
    """A page opened or reloaded: the controls as its URL says, the question asked, the detail opened."""
    index = ctx.live.current
    v = read_params(params, menus(index))
    chosen = {f.name: v[f.name] for f in FILTER_FIELDS}
    out: Updates = {k: v[k] for k in ("show_all", "low", "sort", "group")}
    if v["question"]:  # else leave the question alone: the reader may already be typing
        out["question"] = v["question"]
        out |= search(ctx, {**v, "seen": None}, chosen)
        out["examples_box"] = gr.Accordion(open=False)  # room for the answer
    else:
        out |= menu_updates(ctx, {**v, "seen": None}, chosen)
    rid = detail_record(index, params)
    if rid is not None:
        answer = out.get("answer")
        shown = (answer.items + answer.nearest) if answer is not None else []
        if rid not in {it.record_id for it in shown}:
            rec = index.record(rid)
            out["pick"] = gr.update(choices=[(rec.measure_name or rid if rec else rid, rid)], value=rid)
        else:
            out["pick"] = gr.update(value=rid) if "pick" not in out else _with_value(out["pick"], rid)
        out |= {"detail": detail_html(index, rid, answer), "tabs": gr.Tabs(selected="detail"),
                "detail_ref": detail_ref(index, rid)}
    return out


def _with_value(update: Any, value: str) -> Any:
    """A dropdown update (choices and value) with another value."""
    if isinstance(update, dict):
        return {**update, "value": value}
    return gr.update(value=value)
