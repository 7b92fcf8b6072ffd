"""Helpers shared by eval/bench.py and its workers: memory, timing summaries, worker plumbing."""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SEED_INDEX = ROOT / "indexes" / "default"
GB = 1e9
RESULT = "RESULT "


def log(msg: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def proc_status() -> dict[str, int]:
    """VmRSS / VmHWM of this whole process, and VmRSS split into anonymous memory and file pages
    (memory-mapped index files, shared libraries), bytes (Linux /proc)."""
    out: dict[str, int] = {}
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(("VmRSS:", "VmHWM:", "RssAnon:", "RssFile:")):
                key, val = line.split(":", 1)
                out[key] = int(val.split()[0]) * 1024
    return out


def rss_by_mapping(top: int = 8) -> list[dict[str, Any]]:
    """Resident bytes per mapped file (anonymous memory as "[anonymous]"), largest first (/proc/self/smaps)."""
    sizes: dict[str, int] = {}
    name = "[anonymous]"
    with open("/proc/self/smaps") as fh:
        for line in fh:
            head = line.split()
            if not head:
                continue
            if "-" in head[0] and len(head) >= 5 and not head[0].endswith(":"):
                path = head[5] if len(head) > 5 else ""
                name = path if path.startswith("/") else "[anonymous]"
            elif head[0] == "Rss:":
                sizes[name] = sizes.get(name, 0) + int(head[1]) * 1024
    rows = sorted(sizes.items(), key=lambda kv: -kv[1])
    shown = [{"mapping": Path(k).name if k.startswith("/") else k, "rss_bytes": v} for k, v in rows[:top]]
    rest = sum(v for _, v in rows[top:])
    return shown + ([{"mapping": f"{len(rows) - top} others", "rss_bytes": rest}] if rest else [])


def rss() -> int:
    return proc_status()["VmRSS"]


def reset_hwm() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0: write 5 to clear_refs)."""
    try:
        with open("/proc/self/clear_refs", "w") as fh:
            fh.write("5")
        return True
    except OSError:
        return False


def pct(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if values else float("nan")


def summarize_ms(values_s: list[float]) -> dict[str, float]:
    """p50 / p95 / mean / max in milliseconds of durations given in seconds."""
    ms = [v * 1000 for v in values_s]
    return {"p50": pct(ms, 50), "p95": pct(ms, 95), "mean": float(np.mean(ms)) if ms else float("nan"),
            "max": max(ms) if ms else float("nan"), "n": len(ms)}


def summarize_parts(parts: dict[str, list[float]]) -> dict[str, dict[str, float]]:
    """SearchTrace.timings_ms collected per query (milliseconds) -> a summary per segment."""
    return {k: summarize_ms([x / 1000 for x in v]) for k, v in parts.items()}


def fmt_n(n: int) -> str:
    return f"{n // 1_000_000}M" if n % 1_000_000 == 0 else (f"{n // 1000}k" if n % 1000 == 0 else str(n))


def dir_size(path: Path) -> dict[str, int]:
    """Bytes on disk per top-level entry of an index directory, and the total."""
    sizes: dict[str, int] = {}
    for entry in sorted(path.iterdir()):
        files = [entry] if entry.is_file() else [f for f in entry.rglob("*") if f.is_file()]
        sizes[entry.name] = sum(f.stat().st_size for f in files)
    sizes["total"] = sum(sizes.values())
    return sizes


def emit(result: dict[str, Any]) -> None:
    """A worker's answer: one line on stdout."""
    sys.stdout.write(RESULT + json.dumps(result, ensure_ascii=False) + "\n")
    sys.stdout.flush()


def parse_result(stdout: str) -> dict[str, Any] | None:
    """The RESULT line a worker printed, decoded; None when there is none."""
    line = next((ln for ln in stdout.splitlines() if ln.startswith(RESULT)), None)
    return None if line is None else json.loads(line[len(RESULT):])


def add_parts(parts: dict[str, list[float]], timings_ms: dict[str, float], seconds: float) -> None:
    """One query's SearchTrace segments, plus "untraced": what the trace does not cover
    (query checks, filter selection, the mask)."""
    for key, v in timings_ms.items():
        parts.setdefault(key, []).append(v)
    parts.setdefault("untraced", []).append(seconds * 1000 - sum(timings_ms.values()))


def run_worker(script: str, args: list[str], timeout: float | None = None) -> dict[str, Any]:
    """Run eval/<script> in a fresh interpreter (its stderr passes through) and return its RESULT."""
    cmd = [sys.executable, str(HERE / script), *args]
    t = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, cwd=ROOT, env=dict(os.environ),
                          timeout=timeout, check=False)
    wall = time.perf_counter() - t
    res = parse_result(proc.stdout)
    if proc.returncode != 0 or res is None:
        raise RuntimeError(f"worker {script} {' '.join(args[:2])} failed with exit code {proc.returncode}")
    res["wall_s"] = wall
    return res


def machine_info() -> dict[str, Any]:
    cpu = "unknown"
    mem = 0
    try:
        cpu = next((ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines()
                    if ln.startswith("model name")), cpu)
        mem = next((int(ln.split()[1]) * 1024 for ln in Path("/proc/meminfo").read_text().splitlines()
                    if ln.startswith("MemTotal:")), 0)
    except OSError:
        pass
    versions = {"python": platform.python_version()}
    for mod in ("numpy", "faiss", "bm25s", "sudachipy"):
        try:
            versions[mod] = str(__import__(mod).__version__)
        except Exception:
            versions[mod] = "?"
    return {"nproc": os.cpu_count(), "usable_cpus": len(os.sched_getaffinity(0)), "ram_bytes": mem,
            "cpu_model": cpu, "platform": platform.platform(), "versions": versions}


def load_info() -> dict[str, Any]:
    return {"loadavg": list(os.getloadavg()), "at": time.strftime("%Y-%m-%dT%H:%M:%S%z")}
