"""The JSON HTTP API under load (issue 26), for bench_load.py: `koritsu-search api --workers N` in a subprocess,
closed-loop clients asking GET /v1/ask?all=true, every answer checked against the library's own ask()."""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench_common import ROOT, log, summarize_ms

HOST = "127.0.0.1"
Expected = tuple[str, list[str]]  # the question as answered, the items' record ids in order


def proc_kb(pid: int, key: str, name: str = "status") -> int:
    """A field in kB from /proc/PID/status (VmRSS) or smaps_rollup (Pss); 0 when the process is gone."""
    try:
        text = Path(f"/proc/{pid}/{name}").read_text()
    except OSError:
        return 0
    line = next((ln for ln in text.splitlines() if ln.startswith(key + ":")), None)
    return int(line.split()[1]) if line else 0


def cpu_s(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class ApiServer:
    """`koritsu-search api` in a subprocess with a free port; its worker processes found through /healthz."""

    def __init__(self, index: Path, workers: int, workdir: Path, start_timeout: float = 240.0) -> None:
        with socket.socket() as s:
            s.bind((HOST, 0))
            self.port = int(s.getsockname()[1])
        self.log_path = workdir / f"api-w{workers}.log"
        env = dict(os.environ, HF_HUB_OFFLINE="1", NO_PROXY="*")
        cmd = [sys.executable, "-P", "-m", "koritsu_search.cli", "api", "--index", str(index), "--port", str(self.port),
               "--workers", str(workers)]
        with open(self.log_path, "wb") as fh:
            self.popen = subprocess.Popen(cmd, stdout=fh, stderr=subprocess.STDOUT, env=env, cwd=ROOT)
        self.workers: set[int] = set()
        t0 = time.perf_counter()
        while len(self.workers) < workers:  # every worker has answered /healthz with its model loaded
            if self.popen.poll() is not None or time.perf_counter() - t0 > start_timeout:
                self.stop()
                raise RuntimeError(f"the API did not start: {self.log_path.read_text(errors='replace')[-2000:]}")
            health = self.health()
            if health and health.get("model_ready"):
                self.workers.add(int(health["worker"]))
            else:
                time.sleep(0.2)
        self.ready_s = time.perf_counter() - t0
        self.rss_ready = self.rss()
        log(f"API pid {self.popen.pid} on port {self.port}, workers {sorted(self.workers)}: ready in "
            f"{self.ready_s:.1f} s, RSS {self.rss_ready['rss_total'] / 1e6:.0f} MB (PSS {self.rss_ready['pss_total'] / 1e6:.0f} MB)")

    def health(self) -> dict[str, Any] | None:
        try:
            c = http.client.HTTPConnection(HOST, self.port, timeout=5)
            c.request("GET", "/healthz")
            r = c.getresponse()
            data = json.loads(r.read())
            c.close()
            return data if isinstance(data, dict) else None
        except (OSError, ValueError):
            return None

    def pids(self) -> list[int]:
        return [self.popen.pid, *sorted(self.workers)]

    def rss(self) -> dict[str, int]:
        """VmRSS of each process and the sum; PSS (shared pages divided among their users) summed too."""
        per = {pid: proc_kb(pid, "VmRSS") * 1024 for pid in self.pids()}
        pss = sum(proc_kb(pid, "Pss", "smaps_rollup") * 1024 for pid in self.pids())
        return {"rss_total": sum(per.values()), "pss_total": pss,
                "rss_workers": [per[p] for p in sorted(self.workers)], "rss_supervisor": per[self.popen.pid]}

    def cpu_s(self) -> float:
        return sum(cpu_s(pid) for pid in self.pids())

    def stop(self) -> None:
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGINT)
            try:
                self.popen.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=10)


@dataclass
class Outcome:
    end: float
    seconds: float
    status: str  # ok | crosstalk | mismatch | error
    detail: str
    nbytes: int


def ask_path(query: str) -> str:
    return "/v1/ask?" + urllib.parse.urlencode({"q": query, "all": "true"})


def ask_once(conn: http.client.HTTPConnection, query: str, expected: dict[str, Expected]) -> Outcome:
    """One GET /v1/ask, classified against the library's answer: ok / crosstalk / mismatch / error."""
    t = time.perf_counter()
    try:
        conn.request("GET", ask_path(query))
        r = conn.getresponse()
        body = r.read()
    except (OSError, http.client.HTTPException) as exc:
        conn.close()
        return Outcome(time.perf_counter(), time.perf_counter() - t, "error", f"{type(exc).__name__}: {exc}", 0)
    seconds = time.perf_counter() - t
    if r.status != 200:
        return Outcome(time.perf_counter(), seconds, "error", f"HTTP {r.status}: {body[:120]!r}", len(body))
    data = json.loads(body)
    ids = [it["record_id"] for it in (data["items"] or data["nearest"])]
    own_question, own_ids = expected[query]
    status, detail = "ok", ""
    if data["question"] != own_question:
        status, detail = "crosstalk", f"asked {query!r}, answered {data['question']!r}"
    elif ids != own_ids:
        other = next((q for q, e in expected.items() if q != query and e[1] == ids), None)
        status, detail = ("crosstalk", f"asked {query!r}, items of {other!r}") if other else \
            ("mismatch", f"{query!r}: {len(ids)} items, expected {len(own_ids)}")
    return Outcome(time.perf_counter(), seconds, status, detail, len(body))


def expected_answers(index: Any, queries: list[str]) -> dict[str, Expected]:
    """The library's answers to the API's call (all=true: every 高 and 中 item)."""
    out = {}
    for q in queries:
        a = index.ask(q, complete=True)
        out[q] = (a.question, [it.record_id for it in (a.items or a.nearest)])
    return out


def run_api_level(server: ApiServer, queries: list[str], expected: dict[str, Expected], clients: int, seconds: float,
                  timeout: float) -> dict[str, Any]:
    """`clients` threads asking back to back (keep-alive connections) for `seconds`."""
    outcomes: list[Outcome] = []
    lock, rss_samples = threading.Lock(), [server.rss()]
    stride = max(len(queries) // clients, 1)
    gate = threading.Barrier(clients + 1)
    deadline = [0.0]

    def client_loop(i: int) -> None:
        conn = http.client.HTTPConnection(HOST, server.port, timeout=timeout)
        gate.wait()
        n = 0
        while time.perf_counter() < deadline[0]:
            out = ask_once(conn, queries[(i * stride + n) % len(queries)], expected)
            if out.status == "error":
                conn.close()
                conn = http.client.HTTPConnection(HOST, server.port, timeout=timeout)
            with lock:
                outcomes.append(out)
            n += 1
        conn.close()

    threads = [threading.Thread(target=client_loop, args=(i,), daemon=True) for i in range(clients)]
    for t in threads:
        t.start()
    cpu0, client0 = server.cpu_s(), sum(os.times()[:2])
    t0 = time.perf_counter()
    deadline[0] = t0 + seconds
    gate.wait()
    while any(t.is_alive() for t in threads) and time.perf_counter() < t0 + seconds + timeout + 30:
        rss_samples.append(server.rss())
        time.sleep(0.2)
    wall = time.perf_counter() - t0
    cpu, client_cpu = server.cpu_s() - cpu0, sum(os.times()[:2]) - client0
    answered = [o for o in outcomes if o.status != "error"]
    counts = Counter(o.status for o in outcomes)
    end = server.rss()
    row: dict[str, Any] = {
        "clients": clients, "seconds": seconds, "wall_s": wall, "requests": len(outcomes),
        "ok": counts["ok"], "errors": counts["error"], "crosstalk": counts["crosstalk"], "mismatch": counts["mismatch"],
        "examples": [f"{o.status}: {o.detail}" for o in outcomes if o.status != "ok"][:5],
        "throughput_rps": len(answered) / max(max((o.end for o in answered), default=t0) - t0, 1e-9),
        "latency_ms": summarize_ms([o.seconds for o in answered]),
        "response_kb_mean": statistics.fmean(o.nbytes for o in answered) / 1000 if answered else 0.0,
        "server_cpu_cores": cpu / wall, "server_cpu_ms_per_request": cpu * 1000 / max(len(outcomes), 1),
        "client_cpu_cores": client_cpu / wall,
        "rss_total_peak": max(s["rss_total"] for s in [*rss_samples, end]), "rss_total_end": end["rss_total"],
        "pss_total_end": end["pss_total"], "rss_workers_end": end["rss_workers"],
    }
    lat = row["latency_ms"]
    log(f"API {clients:>2} clients: {row['requests']} requests, {row['errors']} errors, {row['crosstalk']} cross-talk, "
        f"{row['mismatch']} mismatch, {row['throughput_rps']:.1f} req/s, p50 {lat['p50']:.0f} ms, p95 {lat['p95']:.0f} ms, "
        f"server {row['server_cpu_cores']:.2f} cores ({row['server_cpu_ms_per_request']:.0f} ms/request), "
        f"RSS all processes {row['rss_total_peak'] / 1e6:.0f} MB peak")
    return row


def run_api(index: Path, workers: int, levels: list[int], queries: list[str], expected: dict[str, Expected],
            seconds: float, timeout: float, workdir: Path) -> dict[str, Any]:
    """One API server with `workers` processes through every level, after one warm-up pass."""
    server = ApiServer(index, workers, workdir)
    try:
        conn = http.client.HTTPConnection(HOST, server.port, timeout=timeout)
        warm = [ask_once(conn, q, expected) for q in queries]
        conn.close()
        rows = [run_api_level(server, queries, expected, n, seconds, timeout) for n in levels]
        return {"workers": workers, "ready_s": server.ready_s, "rss_ready": server.rss_ready, "levels": rows,
                "warm_p50_ms": summarize_ms([o.seconds for o in warm])["p50"],
                "warm_not_ok": [f"{o.status}: {o.detail}" for o in warm if o.status != "ok"]}
    finally:
        server.stop()


def app_rows(app_json: Path) -> dict[int, dict[str, Any]]:
    """The app's rows (first server, no think time) by clients, from bench_load.py's load.json."""
    if not app_json.exists():
        return {}
    res = json.loads(app_json.read_text(encoding="utf-8"))
    rows = res["runs"][0]["levels"] if res.get("runs") else []
    return {r["clients"]: r | {"provenance": res.get("provenance"), "started": res.get("started")}
            for r in rows if not r["think_s"]}


def render_api_md(res: dict[str, Any], app: dict[int, dict[str, Any]]) -> str:
    run = res["run"]
    prov = res["provenance"]
    lines = [
        "# Load test: concurrent questions through the JSON HTTP API",
        "",
        "Measured by `eval/bench_load.py --target api` (issue 26); data in `load_api.json`.",
        "",
        f"- Commit `{prov.get('commit', '?')}`{' with uncommitted changes' if res['changed_files'] else ''}; "
        f"{res['started']}; runtime {res['runtime_s'] / 60:.1f} min.",
        f"- Machine: {res['machine']['usable_cpus']} usable CPUs, {res['machine']['ram_bytes'] / 2**30:.1f} GiB RAM, "
        f"{res['machine']['cpu_model']}; Python {res['machine']['versions']['python']}. Load average (1/5/15 min) at start "
        f"{', '.join(f'{x:.2f}' for x in res['load_start']['loadavg'])}, at end "
        f"{', '.join(f'{x:.2f}' for x in res['load_end']['loadavg'])}. "
        "**The API's processes and the load generator share these cores.** Figures vary by ±30% between runs.",
        f"- Server: `koritsu-search api --workers {run['workers']}` (default --concurrency 4 per worker) on 127.0.0.1, "
        f"ready (every worker's model loaded) in {run['ready_s']:.1f} s; RSS at ready {run['rss_ready']['rss_total'] / 1e6:.0f} MB "
        f"for all processes (supervisor {run['rss_ready']['rss_supervisor'] / 1e6:.0f} MB, workers "
        f"{', '.join(f'{r / 1e6:.0f}' for r in run['rss_ready']['rss_workers'])} MB), PSS {run['rss_ready']['pss_total'] / 1e6:.0f} MB.",
        f"- Clients: closed loop, {res['seconds']:g} s per level, each a thread with one keep-alive connection asking "
        "`GET /v1/ask?q=…&all=true` (the app's complete list) back to back, over the same 32 questions as the app's test.",
        "- Checks: every answer against the library's `ask(q, complete=True)` in the load process: the question "
        "answered and the ordered record ids. **cross-talk** = another question's answer; **mismatch** = own question, "
        "other items; **errors** = HTTP errors and timeouts.",
        "",
        "| clients | requests | errors | cross-talk | mismatch | req/s | p50 ms | p95 ms | max ms | server CPU cores | "
        "CPU ms/request | RSS all processes (peak) | PSS all processes (end) | app: req/s | app: p50 ms | app: p95 ms | app: RSS peak |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in run["levels"]:
        lat, a = r["latency_ms"], app.get(r["clients"])
        app_cells = (f"{a['throughput_rps']:.1f} | {a['latency_ms']['p50']:.0f} | {a['latency_ms']['p95']:.0f} | "
                     f"{a['server_rss_peak'] / 1e6:.0f} MB") if a else "– | – | – | –"
        p95 = f"**{lat['p95']:.0f}**" if r["clients"] == 32 else f"{lat['p95']:.0f}"
        lines.append(f"| {r['clients']} | {r['requests']} | {r['errors']} | {r['crosstalk']} | {r['mismatch']} | "
                     f"{r['throughput_rps']:.1f} | {lat['p50']:.0f} | {p95} | {lat['max']:.0f} | "
                     f"{r['server_cpu_cores']:.2f} | {r['server_cpu_ms_per_request']:.0f} | {r['rss_total_peak'] / 1e6:.0f} MB | "
                     f"{r['pss_total_end'] / 1e6:.0f} MB | {app_cells} |")
    top = next((r for r in run["levels"] if r["clients"] == 32), None)
    lines += ["", "App columns: the web app's own run (`load.json`, concurrency 2, no think time"
              + (f", {next(iter(app.values()))['started']}" if app else "") + ").", ""]
    if top is not None:
        met = top["latency_ms"]["p95"] <= 1000 and not (top["errors"] or top["crosstalk"] or top["mismatch"])
        lines += ["## Target: 32 clients back to back, p95 ≤ 1 s, 0 errors, 0 cross-talk", "",
                  f"- p95 {top['latency_ms']['p95']:.0f} ms at {top['throughput_rps']:.1f} req/s, {top['errors']} errors, "
                  f"{top['crosstalk']} cross-talk, {top['mismatch']} mismatch: **{'met' if met else 'not met'}**.",
                  f"- Limit: CPU. Each answer costs ~{top['server_cpu_ms_per_request']:.0f} ms of server CPU, and the "
                  f"workers used {top['server_cpu_cores']:.2f} of the machine's cores; a closed loop keeps every client "
                  f"waiting, so latency ≈ clients / throughput (32 / {top['throughput_rps']:.1f} = "
                  f"{32 / max(top['throughput_rps'], 1e-9):.2f} s).", ""]
    lines += ["## How to run", "", "```bash", "python eval/bench_load.py --target api   # the API only (~1.5 min)",
              "python eval/bench_load.py                # the app, then the API", "```", ""]
    return "\n".join(lines)
