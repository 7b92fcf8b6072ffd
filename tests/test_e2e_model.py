"""End to end with the real bundled model: index the seed corpus offline, ask in Japanese and English."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import CORPUS, ROOT

pytestmark = pytest.mark.slow


def _cli(args: list[str], env: dict[str, str], timeout: int = 900) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "koritsu_search.cli", *args],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout,
    )


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    e = dict(os.environ)
    e.update(
        HF_HUB_OFFLINE="1",
        TRANSFORMERS_OFFLINE="1",
        KORITSU_CACHE_DIR=str(tmp_path_factory.mktemp("models")),
        # Any attempt to reach the network fails fast instead of hanging.
        HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9",
    )
    e.pop("KORITSU_MODEL", None)
    return e


@pytest.fixture(scope="module")
def real_index(env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("real") / "index"
    result = _cli(["index", str(CORPUS), "--index", str(d), "--format", "json"], env)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout)
    assert report["embedded"] == report["passages"] > 500
    return d


def test_index_records_the_bundled_model(real_index: Path) -> None:
    manifest = json.loads((real_index / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["model_id"].startswith("intfloat/multilingual-e5-small")
    assert manifest["dim"] == 384


def test_second_run_embeds_nothing(real_index: Path, env: dict[str, str]) -> None:
    result = _cli(["index", str(CORPUS), "--index", str(real_index), "--format", "json"], env)
    assert result.returncode == 0, result.stderr[-2000:]
    report = json.loads(result.stdout)
    assert report["embedded"] == 0 and report["reparsed_files"] == 0


FOREIGN_RESIDENT_MEASURES = {3, 4, 10, 43, 125}


def test_ask_japanese_finds_foreign_resident_measures(real_index: Path, env: dict[str, str]) -> None:
    result = _cli(["ask", "外国人を対象とした施策は？", "--index", str(real_index), "--k", "8", "--format", "json"], env)
    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout)
    found = {i["measure_no"] for i in answer["items"]} & FOREIGN_RESIDENT_MEASURES
    assert len(found) >= 4, answer["summary"]
    cited = [c for i in answer["items"] for c in i["citations"]]
    assert any(c["quote"][s:e] == "外国人" for c in cited for s, e in c["highlights"])
    assert all(c["doc_title"] and c["page"] for c in cited)


def test_ask_english_over_japanese_text(real_index: Path, env: dict[str, str]) -> None:
    result = _cli(["ask", "Which measures support foreign residents?", "--index", str(real_index), "--k", "8",
                   "--format", "json"], env)
    assert result.returncode == 0, result.stderr[-2000:]
    answer = json.loads(result.stdout)
    found = {i["measure_no"] for i in answer["items"]} & FOREIGN_RESIDENT_MEASURES
    assert len(found) >= 3, [i["title"] for i in answer["items"]]


def test_ask_text_output_shows_citations(real_index: Path, env: dict[str, str]) -> None:
    result = _cli(["ask", "認知症カフェ", "--index", str(real_index), "--k", "3"], env)
    assert result.returncode == 0, result.stderr[-2000:]
    out = result.stdout
    assert "施策No.72" in out.split("\n\n")[1], out[:800]
    assert "**認知症カフェ**" in out or "**認知症**" in out
