"""Load test of the web app (issue 14, item 7); writes eval/results/load.json and load.md.

Starts the app as `koritsu-search serve` builds it in a subprocess on 127.0.0.1 (a free port), once
per --concurrency value (the search events' concurrency_limit), and runs closed-loop clients: each
thread one session searching as the page does (ui_client), checked against the
library's own ask(q, complete=True) (cross-talk, mismatch, errors). Only 127.0.0.1 is contacted.

    python eval/bench_load.py        # ~2.7 min: concurrency 2 at 1/4/16/32 clients + 32 with 5 s think; 4 at 32
"""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

import argparse
import json
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import HERE, ROOT, SEED_INDEX, load_info, log, machine_info, summarize_ms
from provenance import changed_files, provenance
from ui_client import Reply, SearchEvent, discover, search

OUT_JSON = HERE / "results" / "load.json"
OUT_MD = HERE / "results" / "load.md"
QUERIES = HERE / "queries.jsonl"
TARGET_CLIENTS, TARGET_P95_MS = 32, 1000.0
HOST = "127.0.0.1"

# The app as `koritsu-search serve` runs it, with the search events' concurrency_limit set first.
LAUNCHER = """
import sys
import koritsu_search.web.layout as ui
from koritsu_search.library import open_index
from koritsu_search.web.server import serve
ui.CONCURRENCY = int(sys.argv[3])
idx = open_index(sys.argv[1])
idx.warm_up()
serve(idx, "127.0.0.1", int(sys.argv[2]))
"""

# The earlier measurement (commit d691e23, before the passage-analysis cache; same levels, 20 s each).
BEFORE_COLUMNS = ["concurrency", "clients", "think_s", "req_per_s", "p50_ms", "p95_ms", "max_ms", "handler_p50_ms",
                  "server_cpu_ms_per_request", "server_rss_peak_mb"]
BEFORE = [(2, 1, 0, 6.8, 134, 267, 389, 101, 124, 542), (2, 4, 0, 10.0, 375, 601, 744, 134, 124, 552),
          (2, 16, 0, 8.3, 1872, 2337, 2498, 155, 134, 570), (2, 32, 0, 7.6, 3922, 4846, 5040, 163, 126, 591),
          (2, 32, 5, 6.0, 162, 422, 541, 112, 133, 601), (4, 32, 0, 9.2, 3220, 3849, 4209, 297, 118, 579)]


def machine_busy_ticks() -> tuple[int, int]:
    """(busy, total) jiffies of all CPUs since boot (/proc/stat)."""
    vals = [int(x) for x in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(vals) - vals[3] - vals[4], sum(vals)  # idle, iowait


class Server:
    """The app in a subprocess on 127.0.0.1 with a free port: its URL, RSS and CPU (Linux /proc)."""

    def __init__(self, index: Path, concurrency: int, workdir: Path, start_timeout: float = 240.0) -> None:
        with socket.socket() as s:
            s.bind((HOST, 0))
            port = int(s.getsockname()[1])
        self.url, tmp = f"http://{HOST}:{port}", workdir / f"server-c{concurrency}"
        (tmp / "gradio").mkdir(parents=True)
        env = dict(os.environ, TMPDIR=str(tmp), GRADIO_TEMP_DIR=str(tmp / "gradio"), GRADIO_PROFILING="1",
                   GRADIO_ANALYTICS_ENABLED="False", HF_HUB_OFFLINE="1", NO_PROXY="*")
        self.log_path = tmp / "server.log"
        cmd = [sys.executable, "-P", "-c", LAUNCHER, str(index), str(port), str(concurrency)]
        with open(self.log_path, "wb") as fh:  # -P: the package as installed, not a koritsu_search/ in cwd
            self.popen = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        self.pid, t0 = self.popen.pid, time.perf_counter()
        while not self.answers():
            if self.popen.poll() is not None or time.perf_counter() - t0 > start_timeout:
                self.stop()
                log_tail = "\n".join(self.log_path.read_text(errors="replace").splitlines()[-30:])
                raise RuntimeError(f"the server exited or did not answer within {start_timeout} s:\n{log_tail}")
            time.sleep(0.25)
        self.ready_s, self.rss_ready = time.perf_counter() - t0, self.rss()
        log(f"server pid {self.pid} on {self.url}, concurrency {concurrency}: ready in {self.ready_s:.1f} s, "
            f"RSS {self.rss_ready / 1e6:.0f} MB")

    def answers(self) -> bool:
        try:
            return httpx.get(self.url + "/config", timeout=5, trust_env=False).status_code == 200
        except httpx.HTTPError:
            return False

    def rss(self) -> int:
        line = next(ln for ln in Path(f"/proc/{self.pid}/status").read_text().splitlines() if ln.startswith("VmRSS:"))
        return int(line.split()[1]) * 1024

    def cpu_s(self) -> float:
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


Expected = tuple[str, list[str]]  # the question as the summary bar shows it, the items' record ids in order


@dataclass
class Outcome:
    end: float
    seconds: float
    status: str  # ok | crosstalk | mismatch | error
    detail: str
    nbytes: int


def pick_queries(n: int) -> list[str]:
    """n distinct questions spread over eval/queries.jsonl."""
    rows = [json.loads(line)["query"] for line in QUERIES.read_text(encoding="utf-8").splitlines() if line.strip()]
    distinct = list(dict.fromkeys(rows))
    step = max(len(distinct) / max(n, 1), 1.0)
    return [distinct[int(i * step)] for i in range(min(n, len(distinct)))]


def expected_answers(index: Any, queries: list[str]) -> tuple[dict[str, Expected], float]:
    """The library's answers, and the median ms of ask(complete=True) once its caches are warm."""
    out: dict[str, Expected] = {}
    for q in queries:
        a = index.ask(q, complete=True)  # as the app asks: 低 items folded unless the reader shows them
        out[q] = (a.question, [it.record_id for it in (a.items or a.nearest)])
    times = []
    for q in queries:
        t = time.perf_counter()
        index.ask(q, complete=True)
        times.append((time.perf_counter() - t) * 1000)
    return out, statistics.median(times)


def ask(client: httpx.Client, event: SearchEvent, session: str, query: str, expected: dict[str, Expected],
        timeout: float) -> Outcome:
    """One search as the page does it, classified: ok / crosstalk / mismatch / error."""
    reply = search(client, event, session, query, timeout)
    status, detail = classify(reply, query, expected)
    return Outcome(time.perf_counter(), reply.seconds, status, detail, reply.nbytes)


def classify(reply: Reply, query: str, expected: dict[str, Expected]) -> tuple[str, str]:
    if not reply.ok:
        return ("crosstalk" if "another event" in reply.error else "error"), reply.error[:120]
    (own_question, own_ids), asked, ids = expected[query], reply.asked, reply.record_ids
    if asked != own_question:
        return "crosstalk", f"asked {query!r}, page shows {asked!r}"
    if ids != own_ids:
        other = next((q for q, e in expected.items() if q != query and e[1] == ids), None)
        if other is not None:
            return "crosstalk", f"asked {query!r}, items of {other!r}"
        return "mismatch", f"{query!r}: {len(ids)} items, expected {len(own_ids)}"
    return "ok", ""


def gradio_traces(event: SearchEvent) -> dict[str, dict[str, float]]:
    """The server's own split of the level's requests (GRADIO_PROFILING): p50/p95 ms per phase."""
    r = httpx.get(event.api + "/profiling/summary", timeout=10, trust_env=False)
    phases = r.json().get("phases", {}) if r.status_code == 200 else {}
    return {k: {q: v[q] for q in ("p50", "p95")} for k, v in phases.items()
            if k in ("queue_wait", "preprocess", "fn_call", "postprocess", "total")}


def run_level(event: SearchEvent, server: Server, queries: list[str], expected: dict[str, Expected], clients: int,
              seconds: float, timeout: float, think: float) -> dict[str, Any]:
    outcomes: list[Outcome] = []
    lock, rss_samples = threading.Lock(), [server.rss()]
    httpx.post(event.api + "/profiling/clear", timeout=10, trust_env=False)
    stride = max(len(queries) // clients, 1)
    gate = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client_loop(i: int) -> None:
        session = uuid.uuid4().hex[:11]  # one browser tab
        with httpx.Client(trust_env=False, timeout=httpx.Timeout(timeout, connect=5.0)) as client:
            gate.wait()
            if think:  # with a think time, the starts spread over one pause (not one burst)
                time.sleep(think * i / clients)
            n = 0
            while time.perf_counter() < deadline[0]:
                out = ask(client, event, session, queries[(i * stride + n) % len(queries)], expected, timeout)
                with lock:
                    outcomes.append(out)
                n += 1
                if think:
                    time.sleep(think)

    threads = [threading.Thread(target=client_loop, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    cpu0, client0, machine0 = server.cpu_s(), sum(os.times()[:2]), machine_busy_ticks()
    t0 = time.perf_counter()
    deadline[0] = t0 + seconds
    gate.wait()
    while any(t.is_alive() for t in threads) and time.perf_counter() < t0 + seconds + timeout + 30:
        rss_samples.append(server.rss())  # every 0.2 s while the level runs
        time.sleep(0.2)
    wall = time.perf_counter() - t0
    cpu, client_cpu, machine1 = server.cpu_s() - cpu0, sum(os.times()[:2]) - client0, machine_busy_ticks()
    answered = [o for o in outcomes if o.status != "error"]
    counts = Counter(o.status for o in outcomes)
    rss_end = server.rss()
    row: dict[str, Any] = {
        "clients": clients, "think_s": think, "seconds": seconds, "wall_s": wall, "requests": len(outcomes),
        "ok": counts["ok"], "errors": counts["error"], "crosstalk": counts["crosstalk"], "mismatch": counts["mismatch"],
        "examples": [f"{o.status}: {o.detail}" for o in outcomes if o.status != "ok"][:5],
        "throughput_rps": len(answered) / max(max((o.end for o in answered), default=t0) - t0, 1e-9),
        "latency_ms": summarize_ms([o.seconds for o in answered]),
        "response_kb_mean": statistics.fmean(o.nbytes for o in answered) / 1000 if answered else 0.0,
        "server_cpu_cores": cpu / wall, "server_cpu_ms_per_request": cpu * 1000 / max(len(outcomes), 1),
        "client_cpu_cores": client_cpu / wall,
        "machine_busy_cores": (machine1[0] - machine0[0]) / max(machine1[1] - machine0[1], 1) * (os.cpu_count() or 1),
        "server_rss_peak": max([*rss_samples, rss_end]), "server_rss_end": rss_end,
        "gradio_traces_ms": gradio_traces(event),
    }
    lat = row["latency_ms"]
    log(f"{clients:>2} clients, think {think:g} s: {row['requests']} requests, {row['errors']} errors, "
        f"{row['crosstalk']} cross-talk, {row['mismatch']} mismatch, {row['throughput_rps']:.1f} req/s, p50 "
        f"{lat['p50']:.0f} ms, p95 {lat['p95']:.0f} ms, server {row['server_cpu_cores']:.2f} cores "
        f"({row['server_cpu_ms_per_request']:.0f} ms/request), RSS peak {row['server_rss_peak'] / 1e6:.0f} MB")
    return row


def mb(n: float) -> str:
    return f"{n / 1e6:.0f} MB"


def find_row(res: dict[str, Any], clients: int, think: bool) -> dict[str, Any] | None:
    """The first server's row for this many clients, with or without think time."""
    return next((row for row in (res["runs"][0]["levels"] if res["runs"] else [])
                 if row["clients"] == clients and bool(row["think_s"]) == think), None)


def conclusion(res: dict[str, Any]) -> list[str]:
    busy, relaxed, one = find_row(res, TARGET_CLIENTS, False), find_row(res, TARGET_CLIENTS, True), find_row(res, 1, False)
    if busy is None or one is None:
        return [f"Not measured: no level with 1 and with {TARGET_CLIENTS} clients."]

    def verdict(row: dict[str, Any]) -> str:
        p95 = row["latency_ms"]["p95"]
        return (f"p95 {p95 / 1000:.2f} s, **{'met' if p95 <= TARGET_P95_MS else 'not met'}** "
                f"({row['throughput_rps']:.1f} req/s, p50 {row['latency_ms']['p50']:.0f} ms)")

    def handler(row: dict[str, Any]) -> float:
        return float(row["gradio_traces_ms"].get("fn_call", {}).get("p50", float("nan")))

    full = [(run["concurrency"], row) for run in res["runs"] for row in run["levels"] if row["clients"] >= 4
            and not row["think_s"]]  # levels where the queue is never empty
    rps = [r["throughput_rps"] for _, r in full]
    cores = [r["server_cpu_cores"] for _, r in full]
    idle = [r["machine_busy_cores"] for _, r in full if r["machine_busy_cores"] <= res["machine"]["usable_cpus"] - 0.5]
    out = [f"- **No think time** ({TARGET_CLIENTS} clients asking back to back), concurrency "
           f"{res['runs'][0]['concurrency']}: {verdict(busy)}."]
    if relaxed is not None:
        out.append(f"- **{relaxed['think_s']:g} s think time** after each answer: {verdict(relaxed)}. At "
                   f"~{max(rps):.0f} req/s the server would saturate at roughly {max(rps):.0f} × {relaxed['think_s']:g} s ≈ "
                   f"{max(rps) * relaxed['think_s']:.0f} such clients (an estimate; p95 rises well before that).")
    out += [
        f"- What limits it: CPU per request in one Python process. From 4 clients on, throughput is flat at "
        f"{min(rps):.1f}–{max(rps):.1f} req/s whatever the concurrency limit; the server spends "
        f"~{busy['server_cpu_ms_per_request']:.0f} ms of CPU per request and, saturated, used only "
        f"{min(cores):.2f}–{max(cores):.2f} cores"
        + (f" even with CPU idle on the machine (machine busy {', '.join(f'{b:.2f}' for b in idle)} cores)" if idle else "")
        + ", consistent with the handlers' Python work and Gradio's event loop taking turns under the GIL. A higher "
        "concurrency limit "
        "only runs more handlers side by side, each slower (handler p50 at 32 clients: "
        + ", ".join(f"concurrency {c} {handler(r):.0f} ms" for c, r in full if r["clients"] == TARGET_CLIENTS)
        + f"). A closed loop keeps the queue full, so latency ≈ clients / throughput (Little's law: {TARGET_CLIENTS} / "
        f"{busy['throughput_rps']:.1f} = {TARGET_CLIENTS / busy['throughput_rps']:.1f} s); p95 ≤ 1 s for "
        f"{TARGET_CLIENTS} clients back to back needs ≳ {TARGET_CLIENTS} req/s, ≥ {TARGET_CLIENTS / max(rps):.1f}× the "
        "best measured: less CPU per request, and/or more server processes (on 2 cores at most ~2×).",
        f"- One request alone (1 client): p50 {one['latency_ms']['p50']:.0f} ms client-side, "
        f"{one['server_cpu_ms_per_request']:.0f} ms of server CPU (more than its latency: native libraries' threads run in parallel, and the server's background work is "
        "counted too). The handler "
        f"`run_search` takes {handler(one):.0f} ms (p50; the library's `ask(complete=True)` alone "
        f"{res['library_ask_ms']:.0f} ms median, measured in the load process; the rest is rendering and the CSV/JSONL "
        f"export); the other ~{one['latency_ms']['p50'] - handler(one):.0f} ms are Gradio's own per-request work "
        f"(queue, pre/postprocess, the ~{one['response_kb_mean']:.0f} kB JSON response on the SSE stream) and HTTP.",
    ]
    return out


def render_md(res: dict[str, Any]) -> str:
    p, m = res["provenance"], res["machine"]
    lines = [
        "# Load test: concurrent searches through the web app",
        "",
        "Measured by `eval/bench_load.py` (issue 14, item 7); data in `load.json`.",
        "",
        f"- Commit `{p['commit']}`" + (f" with uncommitted changes ({', '.join(res['changed_files'][:6])})"
                                       if p["dirty"] else "") + f"; {res['started']}; runtime {res['runtime_s'] / 60:.1f} min; "
        f"koritsu_search from `{res['koritsu_search']}`.",
        f"- Machine: {m['usable_cpus']} usable CPUs, {m['ram_bytes'] / 2**30:.1f} GiB RAM, {m['cpu_model']}; Python "
        f"{m['versions']['python']}, gradio {res['gradio']}. Load average (1/5/15 min) at start "
        f"{', '.join(f'{x:.2f}' for x in res['load_start']['loadavg'])}, at end "
        f"{', '.join(f'{x:.2f}' for x in res['load_end']['loadavg'])}. **The server and the load generator (all "
        "client threads) share these 2 cores**, and so does other work on the machine: see the machine busy column. "
        "Figures are noisy (±30% between back-to-back runs was seen before).",
        "- Server: the app as `koritsu-search serve` builds it (open_index, warm_up, ui_server.serve: LiveIndex, "
        "request guard), search events' concurrency_limit set per server run; 127.0.0.1, a free port; "
        "GRADIO_PROFILING=1 for the server-side split.",
        f"- Clients: closed loop, each one session (one browser tab) asking through `ui_client.search` "
        f"(POST /gradio_api/queue/join for the 検索 button's event, fn_index {res['fn_index']}, then the SSE stream), "
        f"Host 127.0.0.1:PORT; no think time except the row with one (each client pauses that long after each answer; "
        f"starts spread over one pause). {len(res['queries'])} distinct questions from eval/queries.jsonl; "
        f"{res['seconds']:g} s per level, {res['timeout_s']:g} s timeout per request.",
        "- Checks: each answer against `ask(q, complete=True)` in the load process: the question the summary bar "
        "shows and the ordered record ids of its items. **cross-talk** = another question's answer; **mismatch** = "
        "own question, other items; **errors** = HTTP errors, timeouts, failed events, an error on the page.",
        "",
        "## Results",
        "",
        "| concurrency limit | clients | think s | requests | errors | cross-talk | mismatch | req/s | p50 ms | p95 ms "
        "| max ms | queue wait p50 ms | handler p50 ms | server CPU cores | server CPU ms/request | clients' CPU cores "
        "| machine busy cores "
        "| server RSS peak | RSS at end | before: p95 ms (req/s) | before: RSS peak |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    before = {(c, n, t): (f"{p95} ({rps})", rss) for c, n, t, rps, _p50, p95, _mx, _h, _cpu, rss in BEFORE}
    for run in res["runs"]:
        for row in run["levels"]:
            lat, tr = row["latency_ms"], row["gradio_traces_ms"]
            was = before.get((run["concurrency"], row["clients"], round(row["think_s"])), ("", ""))
            p95 = f"{lat['p95']:.0f}"
            lines.append(
                f"| {run['concurrency']} | {row['clients']} | {row['think_s']:g} | {row['requests']} | {row['errors']} "
                f"| {row['crosstalk']} | {row['mismatch']} | {row['throughput_rps']:.1f} | {lat['p50']:.0f} "
                f"| {f'**{p95}**' if row['clients'] == TARGET_CLIENTS else p95} | {lat['max']:.0f} "
                f"| {tr.get('queue_wait', {}).get('p50', float('nan')):.0f} "
                f"| {tr.get('fn_call', {}).get('p50', float('nan')):.0f} | {row['server_cpu_cores']:.2f} "
                f"| {row['server_cpu_ms_per_request']:.0f} | {row['client_cpu_cores']:.2f} | {row['machine_busy_cores']:.2f} "
                f"| {mb(row['server_rss_peak'])} | {mb(row['server_rss_end'])} | {was[0]} | {was[1]} MB |")
    lines += [
        "",
        "Latency is client-side, from the POST to the completed event (failed requests excluded, counted as errors). "
        "Queue wait and handler (`fn_call`: the app's `run_search`) are the server's own traces of the same requests. "
        "Throughput: answered requests over the level's wall time. Server CPU: utime + stime of the server process "
        "over the level (per request: divided by the requests). RSS: VmRSS of the server process, sampled every 0.2 s "
        "and at the level's end. Clients' CPU: the load script's process (all client threads). Machine busy: all "
        "processes (/proc/stat), server and clients included. **Before**: the same levels measured by this script's "
        "predecessor at commit `d691e23` (2026-11-29, before the passage-analysis cache in segment.py; load average "
        "at start 2.49, 3.06, 2.59; data in load.json under `before_d691e23`).",
        "",
    ]
    for run in res["runs"]:
        lines.append(f"- Concurrency {run['concurrency']}: server ready in {run['ready_s']:.1f} s with RSS "
                     f"{mb(run['rss_ready'])}; warm-up (each question once, one client): p50 {run['warm_p50_ms']:.0f} "
                     f"ms, {len(run['warm_not_ok'])} not ok{': ' + '; '.join(run['warm_not_ok'][:3]) if run['warm_not_ok'] else ''}.")
        lines += [f"  - {row['clients']} clients: " + "; ".join(row["examples"][:3])
                  for row in run["levels"] if row["examples"]]
    lines += [
        "",
        f"## Target: {TARGET_CLIENTS} clients, p95 ≤ {TARGET_P95_MS / 1000:.0f} s",
        "",
        *conclusion(res),
        "",
        "## How to run",
        "",
        "```bash",
        res["command"],
        "python eval/bench_load.py --help   # --levels, --concurrency, --other-levels, --seconds, --think, --timeout …",
        "```",
        "",
        "The script starts and stops its own server on 127.0.0.1 with a free port (its temporary files in a "
        "temporary directory that it removes) and contacts nothing else.",
        "",
    ]
    return "\n".join(lines)


def ints(text: str) -> list[int]:
    return [max(int(x), 1) for x in text.split(",") if x.strip()] or [1]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Load test of the web app: concurrent searches through Gradio's queue.")
    ap.add_argument("--index", type=Path, default=SEED_INDEX, help="index directory (default indexes/default)")
    ap.add_argument("--levels", type=ints, default=[1, 4, 16, 32], help="clients per level, first server (1,4,16,32)")
    ap.add_argument("--concurrency", type=ints, default=[2, 4],
                    help="concurrency_limit of the search events, one server each (default 2,4)")
    ap.add_argument("--other-levels", type=ints, default=[32], help="clients per level for the later servers (32)")
    ap.add_argument("--seconds", type=float, default=20.0, help="duration of each level (default 20)")
    ap.add_argument("--think", type=float, default=5.0,
                    help="also run the first server's largest level with this think time, s (0: skip; default 5)")
    ap.add_argument("--timeout", type=float, default=30.0, help="timeout per request, seconds (default 30)")
    ap.add_argument("--target", default="app,api", help="what to load: app, api or app,api (default app,api)")
    ap.add_argument("--api-workers", type=int, default=2, help="the API's worker processes (default 2)")
    ap.add_argument("--api-levels", type=ints, default=[1, 4, 16, 32], help="clients per level for the API (1,4,16,32)")
    ap.add_argument("--out-json", type=Path, default=OUT_JSON)
    ap.add_argument("--out-md", type=Path, default=OUT_MD)
    args = ap.parse_args(argv)
    args.index = args.index.resolve()

    t_start, started, load_start = time.perf_counter(), time.strftime("%Y-%m-%dT%H:%M:%S%z"), load_info()
    prov, changed = provenance(), changed_files()
    import koritsu_search
    from koritsu_search.library import open_index

    queries = pick_queries(32)
    targets = {t.strip() for t in args.target.split(",")}
    if "app" not in targets:
        return run_api_bench(args, queries, prov, changed, t_start, started, load_start, given=argv)
    log(f"{len(queries)} questions: the library's answers first (expected results)")
    expected, library_ask_ms = expected_answers(open_index(args.index), queries)
    workdir = Path(tempfile.mkdtemp(prefix="koritsu-load-"))
    runs: list[dict[str, Any]] = []
    fn_index = -1
    try:
        for ci, conc in enumerate(args.concurrency):
            server = Server(args.index, conc, workdir)
            try:
                event = discover(server.url)
                if not {"ks-summary", "ks-pick"} <= set(event.outputs):
                    raise RuntimeError("the search event has no #ks-summary or #ks-pick output: cannot check answers")
                fn_index = event.fn_index
                with httpx.Client(trust_env=False) as client:  # warm-up: each question once, one client
                    warm = [ask(client, event, "warm", q, expected, args.timeout) for q in queries]
                levels = args.levels if ci == 0 else args.other_levels
                rows = [run_level(event, server, queries, expected, n, args.seconds, args.timeout, 0.0) for n in levels]
                if ci == 0 and args.think > 0:
                    rows.append(run_level(event, server, queries, expected, max(levels),
                                          max(args.seconds, 4 * args.think), args.timeout, args.think))
                runs.append({"concurrency": conc, "config_concurrency_limit": event.concurrency_limit,
                             "ready_s": server.ready_s, "rss_ready": server.rss_ready, "levels": rows,
                             "warm_p50_ms": summarize_ms([o.seconds for o in warm])["p50"],
                             "warm_not_ok": [f"{o.status}: {o.detail}" for o in warm if o.status != "ok"]})
            finally:
                server.stop()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    given = sys.argv[1:] if argv is None else argv
    res = {
        "provenance": prov, "changed_files": changed, "started": started,
        "koritsu_search": str(Path(koritsu_search.__file__).parent), "runtime_s": time.perf_counter() - t_start,
        "machine": machine_info(), "gradio": version("gradio"), "load_start": load_start, "load_end": load_info(),
        "command": " ".join(["python eval/bench_load.py", *map(shlex.quote, given)]), "fn_index": fn_index,
        "index": str(args.index), "seconds": args.seconds, "timeout_s": args.timeout, "queries": queries,
        "library_ask_ms": library_ask_ms, "target": {"clients": TARGET_CLIENTS, "p95_ms": TARGET_P95_MS},
        "runs": runs,
        "before_d691e23": {"columns": BEFORE_COLUMNS, "rows": BEFORE},
    }
    args.out_json.parent.mkdir(parents=True, exist_ok=True)
    args.out_json.write_text(json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    args.out_md.write_text(render_md(res), encoding="utf-8")
    log(f"wrote {args.out_json} and {args.out_md} ({res['runtime_s'] / 60:.1f} min)")
    if "api" in targets:
        return run_api_bench(args, queries, provenance(), changed_files(), time.perf_counter(),
                             time.strftime("%Y-%m-%dT%H:%M:%S%z"), load_info(), given=argv)
    return 0


def run_api_bench(args: argparse.Namespace, queries: list[str], prov: dict[str, Any], changed: list[str],
                  t_start: float, started: str, load_start: Any, given: list[str] | None) -> int:
    """The API under the same questions; load_api.json and load_api.md, the app's figures beside."""
    from load_api import app_rows, render_api_md, run_api
    from load_api import expected_answers as api_expected

    from koritsu_search.library import open_index

    expected = api_expected(open_index(args.index), queries)
    workdir = Path(tempfile.mkdtemp(prefix="koritsu-load-api-"))
    try:
        run = run_api(args.index, args.api_workers, args.api_levels, queries, expected, args.seconds, args.timeout, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    res = {"provenance": prov, "changed_files": changed, "started": started, "runtime_s": time.perf_counter() - t_start,
           "machine": machine_info(), "load_start": load_start, "load_end": load_info(), "seconds": args.seconds,
           "command": " ".join(["python eval/bench_load.py", *map(shlex.quote, sys.argv[1:] if given is None else given)]),
           "index": str(args.index), "queries": queries, "run": run}
    out_json, out_md = args.out_json.with_name("load_api.json"), args.out_md.with_name("load_api.md")
    out_json.write_text(json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    out_md.write_text(render_api_md(res, app_rows(args.out_json)), encoding="utf-8")
    log(f"wrote {out_json} and {out_md}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
