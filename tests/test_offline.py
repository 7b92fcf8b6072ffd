"""Offline by default: a hub model that is not on disk fails at once, naming it, without touching the network."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from helpers import console_script

SITECUSTOMIZE = r"""
import os, socket
_log = os.environ["KS_CONNECT_LOG"]
def _refuse(what):
    with open(_log, "a") as fh:
        fh.write(repr(what) + "\n")
    raise socket.gaierror("network refused by the test")
socket.socket.connect = lambda self, address: _refuse(address)
socket.getaddrinfo = lambda host, *args, **kwargs: _refuse(host)
"""


def _start(args: list[str], tmp_path: Path, allow: bool = False) -> tuple[subprocess.Popen[str], Path]:
    """The CLI in a process whose every name lookup or connection is refused and logged."""
    exe = console_script()
    site = tmp_path / "site"
    site.mkdir(exist_ok=True)
    (site / "sitecustomize.py").write_text(SITECUSTOMIZE, encoding="utf-8")
    log = tmp_path / "connects.log"
    log.write_text("", encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if k not in {"HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "KORITSU_ALLOW_DOWNLOAD"}}
    env.update(PYTHONPATH=str(site), KS_CONNECT_LOG=str(log), HF_HOME=str(tmp_path / "hf"))
    if allow:
        env["KORITSU_ALLOW_DOWNLOAD"] = "1"
    proc = subprocess.Popen([exe, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    return proc, log


@pytest.fixture
def hub_index(seed_index_dir: Path, tmp_path: Path) -> Path:
    """An index whose manifest names a hub model this machine does not have."""
    d = tmp_path / "idx"
    shutil.copytree(seed_index_dir, d)
    m = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    m["model_id"] = "example-org/not-downloaded-model"
    (d / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    return d


@pytest.mark.parametrize("how", ["manifest", "--model"])
def test_a_missing_hub_model_fails_offline_naming_it(hub_index: Path, tmp_path: Path, how: str) -> None:
    extra = ["--model", "example-org/not-downloaded-model"] if how == "--model" else []
    proc, log = _start(["search", "--index", str(hub_index), *extra, "地域の居場所"], tmp_path)
    _, stderr = proc.communicate(timeout=300)
    assert log.read_text(encoding="utf-8") == "", "the network was tried"
    assert proc.returncode == 1, stderr
    assert "example-org/not-downloaded-model" in stderr and "--allow-download" in stderr
    assert "Traceback" not in stderr


def test_allowing_downloads_does_try_the_network(hub_index: Path, tmp_path: Path) -> None:
    proc, log = _start(["--allow-download", "search", "--index", str(hub_index), "地域の居場所"], tmp_path)
    try:
        deadline = time.monotonic() + 240
        while not log.read_text(encoding="utf-8") and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "huggingface.co" in log.read_text(encoding="utf-8"), "with downloads allowed the hub is contacted"
    finally:
        proc.kill()  # the hub client retries for a minute; what matters is that it tried
        proc.communicate()
