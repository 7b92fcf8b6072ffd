"""Answers, hits and measures as JSON for other programs (the HTTP API, the MCP server), each citation with a link to its page."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .editions import measure_dict
from .listing import group_items, sort_items
from .measures import Measure
from .models import Answer, AnswerItem, Citation, Hit

# (doc_id, pdf page, text line, locator) -> a URL that opens the document there, or None.
Linker = Callable[[str, "int | None", "int | None", "str | None"], "str | None"]


# Shallow copies, not to_dict(): dataclasses.asdict deep-copies every list and was a tenth of an API
# request's CPU. The encoder reads the lists and tuples left in place; nothing here changes them.
def _cited(c: Citation, link: Linker) -> dict[str, Any]:
    d = dict(c.__dict__)
    d["link"] = link(c.doc_id, c.page, c.line, c.locator)
    return d


def _item(item: AnswerItem, link: Linker) -> dict[str, Any]:
    d = dict(item.__dict__)
    d["citations"] = [_cited(c, link) for c in item.citations]
    return d


def answer_json(answer: Answer, link: Linker, bands: tuple[float, float], sort: str = "relevance",
                group: str | None = None) -> dict[str, Any]:
    """An answer with its items in the order asked for, each citation linked, and the bands that name 高 and 中."""
    order = sort_items(answer.items, sort)
    data = {k: v for k, v in answer.__dict__.items() if k not in ("items", "nearest", "filters")}
    data["filters"] = dict(answer.filters.__dict__) if answer.filters is not None else None
    data["items"] = [_item(i, link) for i in order]
    data["nearest"] = [_item(i, link) for i in answer.nearest]
    data["sort"] = sort
    data["bands"] = {"high": bands[0], "medium": bands[1]}
    if group:
        data["groups"] = [{"label": label, "record_ids": [i.record_id for i in members]}
                          for label, members in group_items(order, group)]
    return data


def hits_json(hits: Sequence[Hit], link: Linker) -> list[dict[str, Any]]:
    """Ranked passages, each with a link to its page."""
    out = []
    for h in hits:
        d = dict(h.__dict__)
        d["link"] = link(h.doc_id, h.page, None, None)
        out.append(d)
    return out


def measure_json(m: Measure, link: Linker) -> dict[str, Any]:
    """A measure across documents and editions; each entry with a link to its first page."""
    data = measure_dict(m)
    for e in data["entries"]:
        e["link"] = link(e["doc_id"], e["pages"][0] if e.get("pages") else None, e.get("line"), e.get("locator"))
    return data
