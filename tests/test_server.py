"""The web server: what it refuses, the headers it sends, SIGTERM cleanup, and a rebuild picked up while it serves."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from ui_client import discover, search

from koritsu_search import open_index
from koritsu_search.index.build import build_index
from koritsu_search.web.guard import allowed_hosts, host_name
from koritsu_search.web.server import RunningServer, free_port, start_in_thread

from helpers import CORPUS, FakeEmbedder

NEW_DOC = "ゆめみらい食堂は、毎週土曜に地域の子どもと高齢者が一緒に食事をする居場所です。\n"


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    c = tmp_path / "corpus"
    shutil.copytree(CORPUS, c)
    return c


@pytest.fixture
def served(seed_index_dir: Path, tmp_path: Path) -> Iterator[RunningServer]:
    d = tmp_path / "idx"
    shutil.copytree(seed_index_dir, d)
    srv = start_in_thread(open_index(d, embedder=FakeEmbedder()), port=0, watch_seconds=0.2)
    try:
        yield srv
    finally:
        srv.stop()


def _client() -> httpx.Client:
    return httpx.Client(trust_env=False, timeout=30)


def test_uploads_are_refused_from_any_origin(served: RunningServer) -> None:
    files = {"files": ("x.txt", b"x" * 1_000_000, "text/plain")}
    with _client() as c:
        for headers in ({}, {"Origin": served.url}, {"Origin": "http://evil.example"}):
            for path in ("/gradio_api/upload", "/gradio_api/upload/", "//gradio_api/upload", "/gradio_api/%75pload"):
                r = c.post(served.url + path, files=files, headers=headers)
                assert r.status_code in (403, 404), (path, headers, r.status_code)
        # Gradio parses files out of other multipart requests too.
        video = {"video": ("x.webm", b"x" * 100_000, "video/webm")}
        r = c.post(served.url + "/gradio_api/process_recording", files=video)
        assert r.status_code == 403


def test_cross_origin_writes_are_refused_same_origin_ones_served(served: RunningServer) -> None:
    event = discover(served.url)
    body = {"data": event.template, "fn_index": event.fn_index, "trigger_id": event.trigger_id,
            "session_hash": uuid.uuid4().hex, "event_data": None}
    with _client() as c:
        evil = c.post(event.api + "/queue/join", json=body, headers={"Origin": "http://evil.example"})
        assert evil.status_code == 403
        own = c.post(event.api + "/queue/join", json=body, headers={"Origin": served.url})
        assert own.status_code == 200 and own.json().get("event_id")


def test_unknown_host_names_are_refused(served: RunningServer) -> None:
    port = served.url.rsplit(":", 1)[1]
    with _client() as c:
        rebound = c.get(served.url + "/", headers={"Host": f"evil.example:{port}"})
        assert rebound.status_code == 421 and "evil.example" in rebound.text
        assert c.get(served.url + "/", headers={"Host": f"localhost:{port}"}).status_code == 200


def test_every_response_carries_the_security_headers(served: RunningServer, seed_index_dir: Path) -> None:
    doc_id = open_index(seed_index_dir, embedder=FakeEmbedder()).documents[0].doc_id
    with _client() as c:
        for path in ("/", f"/source/{doc_id}", "/config", "/gradio_api/upload"):
            r = c.get(served.url + path)
            assert r.headers.get("x-frame-options") == "DENY", path
            assert r.headers.get("x-content-type-options") == "nosniff", path
            csp = r.headers.get("content-security-policy", "")
            assert "frame-ancestors 'none'" in csp, path
            # A PDF opens in the browser's viewer, which the app's object-src 'none' would block.
            assert ("default-src 'self'" in csp) != (r.headers.get("content-type") == "application/pdf"), path


def test_allowed_host_names() -> None:
    assert allowed_hosts("127.0.0.1") == {"localhost", "127.0.0.1", "::1"}
    assert "192.0.2.7" in allowed_hosts("192.0.2.7")
    assert "search.example.org" in allowed_hosts("0.0.0.0", ["Search.Example.org"])
    assert "0.0.0.0" not in allowed_hosts("0.0.0.0")
    assert host_name("[::1]:7860") == "::1" and host_name("LOCALHOST:80") == "localhost" and host_name("::1") == "::1"


LAUNCH = """
import sys
sys.path.insert(0, sys.argv[3])
from helpers import FakeEmbedder
from koritsu_search import open_index
from koritsu_search.web.server import serve
try:
    serve(open_index(sys.argv[1], embedder=FakeEmbedder()), "127.0.0.1", int(sys.argv[2]))
except KeyboardInterrupt:
    print("stopped", flush=True)
"""


def test_sigterm_removes_the_servers_temporary_files(seed_index_dir: Path, tmp_path: Path) -> None:
    tmp = tmp_path / "tmp"
    tmp.mkdir()
    port = free_port("127.0.0.1")
    env = {**os.environ, "TMPDIR": str(tmp)}
    proc = subprocess.Popen([sys.executable, "-c", LAUNCH, str(seed_index_dir), str(port), str(Path(__file__).parent)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 120
        while True:
            try:
                event = discover(url)
                break
            except (httpx.HTTPError, OSError):
                assert proc.poll() is None and time.monotonic() < deadline, proc.stderr.read() if proc.stderr else ""
                time.sleep(0.2)
        with _client() as c:
            reply = search(c, event, uuid.uuid4().hex, "認知症カフェ")
        assert reply.ok, reply.error
        exports = list(tmp.glob("koritsu-export-*"))
        assert exports and list(exports[0].rglob("*.csv")), "a search writes its exports below the server's folder"
        # An open tab keeps a heartbeat stream open: it must not hold the shutdown.
        tab = _client()
        heartbeat = tab.stream("GET", f"{url}/gradio_api/heartbeat/{uuid.uuid4().hex}", timeout=None)
        heartbeat.__enter__()
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
        heartbeat.__exit__(None, None, None)
        tab.close()
    finally:
        proc.kill()
    assert "stopped" in out, err
    assert not list(tmp.glob("koritsu-export-*")), "SIGTERM left the export folder behind"


def _deleted_index_files(index_parent: Path) -> list[str]:
    """Open files or mappings of this process that point at deleted files below index_parent."""
    found = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(index_parent)) and target.endswith("(deleted)"):
            found.append(target)
    maps = Path("/proc/self/maps").read_text(encoding="utf-8", errors="replace")
    found += [line for line in maps.splitlines() if str(index_parent) in line and line.endswith("(deleted)")]
    return found


def test_a_rebuild_is_served_without_restart_and_without_a_failed_request(
        served: RunningServer, corpus: Path) -> None:
    index_dir = served.live.current.path
    event = discover(served.url)
    failures: list[str] = []
    done = threading.Event()
    counts = [0, 0]

    def client(n: int, question: str) -> None:
        session = uuid.uuid4().hex
        with _client() as c:
            while not done.is_set():
                reply = search(c, event, session, question)
                counts[n] += 1
                if not reply.ok or reply.asked != question or not reply.record_ids:
                    failures.append(reply.error or f"{question}: asked {reply.asked!r}, {len(reply.record_ids)} items")

    threads = [threading.Thread(target=client, args=(i, q)) for i, q in enumerate(["認知症カフェ", "外国人を対象とした施策は？"])]
    for t in threads:
        t.start()
    try:
        (corpus / "yume.txt").write_text(NEW_DOC, encoding="utf-8")
        build_index([corpus], index_dir, embedder=FakeEmbedder())
        deadline = time.monotonic() + 30
        while served.live.generation < 1 and time.monotonic() < deadline:
            time.sleep(0.1)
        assert served.live.generation == 1, served.live.last_error
        before = list(counts)
        while min(c - b for c, b in zip(counts, before, strict=True)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)  # requests keep being answered after the swap
    finally:
        done.set()
        for t in threads:
            t.join(timeout=60)
    assert not failures, failures[:5]
    assert min(counts) >= 3

    with _client() as c:
        reply = search(c, event, uuid.uuid4().hex, "ゆめみらい食堂")
    assert reply.ok, reply.error
    assert any(rid.startswith("yume") for rid in reply.record_ids), reply.record_ids
    doc_menu = reply.outputs["ks-f-doc"]
    assert "yume" in [c[1] for c in doc_menu["choices"]], "the document filter lists the new document"

    # Released when the last request using the old index ended: no garbage collection needed.
    assert not _deleted_index_files(index_dir.parent), "the old index's files are still held"


def test_a_new_build_that_cannot_be_opened_leaves_the_old_one_serving(seed_index_dir: Path, tmp_path: Path) -> None:
    from koritsu_search.web.live import LiveIndex

    d = tmp_path / "idx"
    shutil.copytree(seed_index_dir, d)
    live = LiveIndex(open_index(d, embedder=FakeEmbedder()))
    assert live.check() is False  # nothing changed
    fresh = tmp_path / "fresh"
    shutil.copytree(seed_index_dir, fresh)
    (fresh / "vectors.npy").write_bytes(b"")
    old = tmp_path / ".idx.old"
    os.replace(d, old)
    os.replace(fresh, d)  # a damaged build swapped in
    assert live.check() is False and live.generation == 0
    assert "damaged" in (live.last_error or "") and "BuildOptions(rebuild=True)" in (live.last_error or "")
    assert live.current.search("認知症カフェ", k=3), "the index opened before still answers"
    shutil.rmtree(d)
    os.replace(old, d)
    os.utime(d / "manifest.json")  # a good build again
    assert live.check() is True and live.generation == 1 and live.last_error is None
