"""A client of the web app's search as the page runs it (queue join, then the event stream): for the load benchmark and tests."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from html import unescape
from typing import Any

import httpx

ASKED_RE = re.compile(r'<div class="ks-asked">[^<]*<q>(.*?)</q>', re.S)


@dataclass
class SearchEvent:
    """The 検索 button's event: what the page sends and where its outputs are, by elem_id."""

    api: str  # e.g. http://127.0.0.1:PORT/gradio_api
    fn_index: int
    trigger_id: int
    template: list[Any]  # input values as on a fresh page
    inputs: list[str | None]  # elem_id of each input
    outputs: list[str | None]  # elem_id of each output
    concurrency_limit: Any = None


@dataclass
class Reply:
    """One completed search: its outputs by elem_id, or why it failed."""

    ok: bool
    outputs: dict[str, Any]
    error: str = ""
    seconds: float = 0.0
    nbytes: int = 0

    @property
    def asked(self) -> str | None:
        """The question the answer's summary says it answers."""
        m = ASKED_RE.search(self.outputs.get("ks-summary") or "")
        return unescape(m.group(1)) if m else None

    @property
    def record_ids(self) -> list[str]:
        pick = self.outputs.get("ks-pick")
        return [c[1] for c in pick.get("choices", [])] if isinstance(pick, dict) else []


def discover(url: str, timeout: float = 10.0) -> SearchEvent:
    """Read the app's /config: the click event of the button #ks-ask, its inputs and outputs."""
    with httpx.Client(trust_env=False, timeout=timeout) as client:
        cfg = client.get(url + "/config").json()
    comps = {c["id"]: c for c in cfg["components"]}
    button = next((c["id"] for c in cfg["components"] if c.get("props", {}).get("elem_id") == "ks-ask"), None)
    dep = next((d for d in cfg["dependencies"] if button is not None and d.get("backend_fn")
                and [button, "click"] in [list(t) for t in d.get("targets", [])]), None)
    if dep is None:
        raise RuntimeError("no click event on the button #ks-ask in the app's /config")

    def elem(cid: int) -> str | None:
        return comps[cid].get("props", {}).get("elem_id")

    template = [None if comps[c].get("type") == "state" else comps[c].get("props", {}).get("value") for c in dep["inputs"]]
    return SearchEvent(api=url + cfg.get("api_prefix", "/gradio_api"), fn_index=int(dep["id"]), trigger_id=int(button or 0),
                       template=template, inputs=[elem(c) for c in dep["inputs"]],
                       outputs=[elem(c) for c in dep["outputs"]], concurrency_limit=dep.get("concurrency_limit"))


def search(client: httpx.Client, event: SearchEvent, session: str, question: str, timeout: float = 60.0) -> Reply:
    """One search as the page does it: join the queue, read the session's stream to this event's end."""
    data = list(event.template)
    data[event.inputs.index("ks-question")] = question
    t0 = time.perf_counter()

    def reply(ok: bool, outputs: dict[str, Any] | None = None, error: str = "", nbytes: int = 0) -> Reply:
        return Reply(ok, outputs or {}, error, time.perf_counter() - t0, nbytes)

    try:
        r = client.post(event.api + "/queue/join", json={"data": data, "fn_index": event.fn_index,
                        "trigger_id": event.trigger_id, "session_hash": session, "event_data": None})
        if r.status_code != 200:
            return reply(False, error=f"join: HTTP {r.status_code}")
        event_id = r.json()["event_id"]
        with client.stream("GET", event.api + "/queue/data", params={"session_hash": session},
                           timeout=httpx.Timeout(timeout, connect=5.0)) as s:
            if s.status_code != 200:
                return reply(False, error=f"stream: HTTP {s.status_code}")
            for line in s.iter_lines():
                if not line.startswith("data:"):
                    continue
                msg = json.loads(line[5:])
                kind = msg.get("msg")
                if kind == "close_stream":
                    break
                if msg.get("event_id") not in (None, event_id):
                    return reply(False, error="a message of another event on this session's stream")
                if kind == "unexpected_error":
                    return reply(False, error=f"unexpected_error: {msg.get('message')}")
                if kind == "process_completed":
                    if not msg.get("success", False):
                        return reply(False, error=f"failed: {msg.get('output', {}).get('error')}")
                    values = msg["output"]["data"]
                    status = values[event.outputs.index("ks-status")] if "ks-status" in event.outputs else ""
                    named = {k: v for k, v in zip(event.outputs, values, strict=False) if k}
                    if isinstance(status, str) and status.strip():
                        return reply(False, named, "page error: " + re.sub(r"<[^>]+>", "", status)[:120], len(line))
                    return reply(True, named, nbytes=len(line))
                if time.perf_counter() - t0 > timeout:
                    break
        return reply(False, error="timeout")
    except httpx.TimeoutException:
        return reply(False, error="timeout")
    except (httpx.HTTPError, ValueError, KeyError) as exc:
        return reply(False, error=f"{type(exc).__name__}: {exc}")
