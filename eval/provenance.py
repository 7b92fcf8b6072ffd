"""What produced a results file: the git commit (and whether the tree had uncommitted changes),
the fusion configuration, and the date. Every eval/results file records it."""

from __future__ import annotations

import datetime as dt
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _git(*args: str) -> str:
    try:
        out = subprocess.run(["git", *args], capture_output=True, text=True, cwd=ROOT, timeout=20, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout if out.returncode == 0 else ""


def changed_files() -> list[str]:
    """Paths with uncommitted changes (untracked included), results files excluded."""
    rows = [line[3:].strip() for line in _git("status", "--porcelain").splitlines() if line.strip()]
    return [p for p in rows if not p.startswith("eval/results/")]


def provenance(fusion: Any = None) -> dict[str, Any]:
    """{"commit", "dirty", "fusion", "date"}: fusion is the FusionConfig used (default: the library's)."""
    if fusion is None:
        from koritsu_search.fusion import FusionConfig

        fusion = FusionConfig()
    return {
        "commit": _git("rev-parse", "--short", "HEAD").strip() or "unknown",
        "dirty": bool(changed_files()),
        "fusion": fusion if isinstance(fusion, dict) else fusion.to_dict(),
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }


def markdown_line(p: dict[str, Any]) -> str:
    """One line for a Markdown report."""
    fusion = ", ".join(f"{k}={v}" for k, v in p["fusion"].items())
    return (f"Produced by commit `{p['commit']}`{' with uncommitted changes' if p['dirty'] else ''} "
            f"on {p['date']}; fusion: {fusion}.")
