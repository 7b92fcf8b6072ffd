"""With the real model: `koritsu-search api --workers 2` serving a rebuild with no failed request, and the MCP server's tools over stdio."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from koritsu_search.web.server import free_port

from helpers import CORPUS, ROOT

pytestmark = pytest.mark.slow

NEW_DOC = "ゆめみらい食堂は、毎週土曜に地域の子どもと高齢者が一緒に食事をする居場所です。\n"


def _cli(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "koritsu_search.cli", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def env(cache_root: Path) -> dict[str, str]:
    e = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1", KORITSU_CACHE_DIR=str(cache_root),
             HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", NO_PROXY="127.0.0.1,localhost")
    e.pop("KORITSU_MODEL", None)
    return e


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real status table's first measures (title, header, rows 1-15) and the real minutes."""
    d = tmp_path_factory.mktemp("small") / "corpus"
    d.mkdir()
    lines = (CORPUS / "r7_kodoku_koritsu_measures_status.txt").read_text(encoding="utf-8").splitlines()
    (d / "status.txt").write_text("\n".join(lines[:30]) + "\n", encoding="utf-8")
    shutil.copy(CORPUS / "r7_kodoku_koritsu_suishin_kaigi_02_minutes.txt", d / "minutes.txt")
    return d


@pytest.fixture(scope="module")
def small_index(small_corpus: Path, env: dict[str, str]) -> Path:
    d = small_corpus.parent / "index"
    result = _cli(["index", str(small_corpus), "--index", str(d)], env)
    assert result.returncode == 0, result.stderr[-3000:]
    return d


def test_two_workers_serve_a_rebuild_with_no_failed_request(small_corpus: Path, small_index: Path,
                                                           env: dict[str, str], tmp_path: Path) -> None:
    corpus, index = tmp_path / "corpus", tmp_path / "index"
    shutil.copytree(small_corpus, corpus)
    shutil.copytree(small_index, index)
    port = free_port("127.0.0.1")
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([sys.executable, "-m", "koritsu_search.cli", "api", "--index", str(index), "--port",
                               str(port), "--workers", "2"], cwd=ROOT, env=env, stderr=subprocess.PIPE, text=True)

    def health() -> dict[str, Any] | None:  # a new connection each time: the kernel picks the worker
        try:
            r = httpx.get(url + "/healthz", timeout=10, trust_env=False)
            return r.json() if r.status_code == 200 else None
        except httpx.HTTPError:
            return None

    failures: list[str] = []
    done = threading.Event()
    counts = [0, 0]

    def client(n: int, question: str) -> None:
        while not done.is_set():
            try:
                r = httpx.get(url + "/v1/ask", params={"q": question, "all": "true"}, timeout=30, trust_env=False)
                if r.status_code != 200 or not r.json()["items"]:
                    failures.append(f"{r.status_code}: {r.text[:200]}")
            except httpx.HTTPError as exc:
                failures.append(repr(exc))
            counts[n] += 1

    threads = [threading.Thread(target=client, args=(i, q)) for i, q in enumerate(["孤独・孤立の実態把握", "相談窓口"])]
    try:
        workers: dict[int, dict[str, Any]] = {}
        deadline = time.monotonic() + 180
        while len(workers) < 2 and time.monotonic() < deadline:
            h = health()
            if h is not None:
                workers[h["worker"]] = h
            time.sleep(0.1)
        assert len(workers) == 2, "two workers answered /healthz with their model loaded"
        documents = next(iter(workers.values()))["index"]["documents"]
        for t in threads:
            t.start()
        (corpus / "yume.txt").write_text(NEW_DOC, encoding="utf-8")
        result = _cli(["index", str(corpus), "--index", str(index)], env)
        assert result.returncode == 0, result.stderr[-2000:]
        built = time.monotonic()
        fresh: dict[int, float] = {}
        while len(fresh) < 2 and time.monotonic() < built + 30:
            h = health()
            if h is not None and h["index"]["documents"] == documents + 1:
                fresh.setdefault(h["worker"], time.monotonic() - built)
        assert set(fresh) == set(workers), f"workers serving the new build: {fresh}"
        assert max(fresh.values()) <= 5.0, fresh
        for _ in range(6):  # the new document is searchable (a filter on it is a 400 on the old build)
            r = httpx.get(url + "/v1/search", params={"q": "ゆめみらい食堂", "doc": "yume"}, timeout=30, trust_env=False)
            assert r.status_code == 200 and r.json()["hits"][0]["doc_id"] == "yume", r.text[:300]
        before = list(counts)
        while min(c - b for c, b in zip(counts, before, strict=True)) < 2 and time.monotonic() < built + 60:
            time.sleep(0.1)
    finally:
        done.set()
        for t in threads:
            t.join(timeout=60)
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
    assert not failures, failures[:5]
    assert min(counts) >= 3


def test_mcp_tools_answer_with_citations(small_index: Path, env: dict[str, str]) -> None:
    import anyio
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    async def session() -> dict[str, Any]:
        params = StdioServerParameters(command=sys.executable, cwd=ROOT, env=env,
                                       args=["-m", "koritsu_search.cli", "mcp", "--index", str(small_index)])
        async with Client(params, read_timeout_seconds=120) as client:
            tools = await client.list_tools()
            out: dict[str, Any] = {"tools": {t.name for t in tools.tools}}
            for name, args in [("ask", {"question": "孤独・孤立の実態把握の調査", "all": True}),
                               ("search", {"query": "実態把握", "k": 3}), ("measure", {"no": 1}), ("facets", {}),
                               ("measure", {"no": 999}), ("ask", {"question": "相談", "ministry": ["厚生労動省"]})]:
                r = await client.call_tool(name, args)
                out.setdefault(name, []).append((r.is_error, r.structured_content, r.content))
            return out

    out = anyio.run(session)
    assert {"search", "ask", "measure", "facets"} <= out["tools"]
    (error, answer, _), (bad_error, _, bad_content) = out["ask"]
    assert not error and answer["items"]
    citation = answer["items"][0]["citations"][0]
    assert citation["doc_title"] and citation["quote"] and citation["link"].startswith("file://")
    assert answer["items"][0]["measure_no"] == 1 and "孤独・孤立の実態把握" in answer["items"][0]["title"]
    error, hits, _ = out["search"][0]
    assert not error and 0 < len(hits["hits"]) <= 3 and all(h["link"] for h in hits["hits"])
    (error, measure, _), (missing, _, missing_content) = out["measure"]
    assert not error and measure["no"] == 1 and measure["entries"][0]["fields"]
    assert missing and "施策No.999" in missing_content[0].text
    assert bad_error and "Did you mean: 厚生労働省?" in bad_content[0].text
    error, facets, _ = out["facets"][0]
    assert not error and facets["ministries"] and {d["doc_id"] for d in facets["documents"]} == {"status", "minutes"}
