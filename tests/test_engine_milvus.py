"""What only the Milvus engine has: an alias that survives a killed build, connection failures in one
line, one process per Milvus Lite file, collections owned by one index, and vectors embedded apart."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import koritsu_search.index.milvus.connect as connect_module
from koritsu_search import open_index
from koritsu_search.cli import app
from koritsu_search.cli_options import flag_term
from koritsu_search.errors import KoritsuError, OptionError
from koritsu_search.index.build import build_index
from koritsu_search.index.milvus.connect import EngineError, connect, disconnect
from koritsu_search.library import BuildOptions, EngineSpec

from helpers import CORPUS, MEASURES_TXT, FakeEmbedder

pytest.importorskip("pymilvus")
runner = CliRunner()
TESTS = Path(__file__).resolve().parent

BUILD = r"""
import sys
sys.path.insert(0, sys.argv[1])
from helpers import FakeEmbedder
from koritsu_search.library import BuildOptions, EngineSpec, build
build([sys.argv[2]], sys.argv[3], BuildOptions(engine=EngineSpec("milvus", uri=sys.argv[4]), progress=True),
      embedder=FakeEmbedder())
"""

HOLD = r"""
import sys, time
from pymilvus import MilvusClient
MilvusClient(sys.argv[1]).list_collections()
print("open", flush=True)
time.sleep(120)
"""


@pytest.fixture
def milvus_index(tmp_path: Path, seed_index_dir: Path) -> tuple[Path, Path, str]:
    """A Milvus Lite-backed seed index (from a copy of the session's FAISS one), its corpus copy, its URI.

    One per test: each test here that takes it changes the index or its Milvus database, or opens the
    database in another process (one process per Milvus Lite file). A test that only reads takes the
    session's seed_milvus_index_dir (conftest)."""
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    d = tmp_path / "idx"
    shutil.copytree(seed_index_dir, d)
    uri = str(tmp_path / "milvus.db")
    build_index([corpus], d, BuildOptions(engine=EngineSpec("milvus", uri=uri)), embedder=FakeEmbedder())
    return d, corpus, uri


def _count(uri: str, collection: str) -> int:
    client = connect(uri)
    try:
        if not client.has_collection(collection):
            return 0
        client.load_collection(collection)
        return int(client.query(collection, filter="", output_fields=["count(*)"])[0]["count(*)"])
    finally:
        disconnect(uri, client)


@pytest.mark.slow
def test_a_build_killed_while_writing_leaves_the_previous_alias_serving(milvus_index: tuple[Path, Path, str]) -> None:
    d, corpus, uri = milvus_index
    before = open_index(d, embedder=FakeEmbedder())
    info, n_before = dict(before.manifest.engine), before.manifest.passage_count
    before.close()
    text = (corpus / MEASURES_TXT.name).read_text(encoding="utf-8")
    (corpus / MEASURES_TXT.name).write_text(text.replace("フードドライブ", "フードドライブ縞馬テスト", 1), encoding="utf-8")

    proc = subprocess.Popen([sys.executable, "-c", BUILD, str(TESTS), str(corpus), str(d), uri],
                            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL)
    seen = bytearray()
    writing = re.compile(rb"milvus \w+:\s+\d+%[^\r\n]*\| *([1-9]\d*)/(\d+)")
    assert proc.stderr is not None
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        chunk = proc.stderr.read1(4096)  # type: ignore[attr-defined]
        if not chunk:
            break
        seen += chunk
        m = writing.search(bytes(seen))
        if m and int(m.group(1)) < int(m.group(2)):
            os.kill(proc.pid, signal.SIGKILL)
            break
    proc.wait(30)
    assert proc.returncode == -signal.SIGKILL, seen.decode(errors="replace")[-2000:]

    standby = "_b" if info["collection"].endswith("_a") else "_a"
    assert 0 < _count(uri, info["alias"] + standby) < n_before  # killed mid-write
    after = open_index(d, embedder=FakeEmbedder())
    assert after.manifest.engine["collection"] == info["collection"]
    client = after.store.retrieval.client  # type: ignore[attr-defined]
    assert client.describe_alias(info["alias"])["collection_name"] == info["collection"]
    assert after.manifest.passage_count == n_before
    assert not after.search("縞馬テスト", k=5, mode="lexical")
    assert after.search("フードドライブ", k=5)
    after.close()

    report = build_index([corpus], d, BuildOptions(engine=EngineSpec("milvus", uri=uri)), embedder=FakeEmbedder())
    assert report.engine["collection"] != info["collection"]
    done = open_index(d, embedder=FakeEmbedder())
    done_client = done.store.retrieval.client  # type: ignore[attr-defined]
    assert done_client.describe_alias(info["alias"])["collection_name"] == report.engine["collection"]
    assert any("縞馬テスト" in h.text for h in done.search("縞馬テスト", k=5, mode="lexical"))


def _silent_server() -> tuple[socket.socket, int]:
    """A TCP port that accepts connections and never answers."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    held: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                held.append(srv.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    return srv, srv.getsockname()[1]


def _closed_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


@pytest.mark.parametrize("server", ["refused", "silent"])
def test_an_unreachable_uri_fails_within_seconds_with_one_line(tmp_path: Path, server: str,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    from test_cli import use_fake_model

    use_fake_model(monkeypatch)
    srv, port = _silent_server() if server == "silent" else (None, _closed_port())
    uri = f"http://127.0.0.1:{port}"
    try:
        t = time.monotonic()
        result = runner.invoke(app, ["index", str(CORPUS), "--index", str(tmp_path / "idx"), "--engine", "milvus",
                                     "--uri", uri])
        elapsed = time.monotonic() - t
    finally:
        if srv is not None:
            srv.close()
    assert result.exit_code == 1, result.output
    lines = [ln for ln in result.output.splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("Error: ") and uri in lines[0], result.output
    assert "Traceback" not in result.output
    assert elapsed < 10, elapsed  # before any file is parsed
    assert not (tmp_path / "idx").exists()


@contextmanager
def stalled_starts(monkeypatch: pytest.MonkeyPatch, stalls: int) -> Iterator[list[str]]:
    """Milvus Lite's first `stalls` starts hand pymilvus a server that never answers (a starved
    process looks like that); yields the paths started."""
    from milvus_lite.server_manager import server_manager_instance as manager

    srv, port = _silent_server()
    real, started = manager.start_and_get_uri, []

    def start(path: str, args: dict | None = None) -> str | None:
        started.append(path)
        return f"http://127.0.0.1:{port}" if len(started) <= stalls else real(path, args)

    monkeypatch.setattr(manager, "start_and_get_uri", start)
    monkeypatch.setattr(connect_module, "LITE_CONNECT_TIMEOUT", 1.0)
    try:
        yield started
    finally:
        srv.close()


def test_a_lite_file_that_does_not_answer_at_first_is_reached_on_a_restarted_server(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    uri = str(tmp_path / "m.db")
    with stalled_starts(monkeypatch, stalls=1) as started:
        client = connect(uri)
    try:
        assert len(started) == 2 and client.list_collections() == []
    finally:
        disconnect(uri, client)


def test_a_lite_server_in_use_is_kept_when_another_client_retries(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    from milvus_lite.server_manager import server_manager_instance as manager

    uri = str(tmp_path / "m.db")
    first = connect(uri)
    first.create_collection("kept", dimension=4)
    released: list[str] = []
    real_release = manager.release_server
    monkeypatch.setattr(manager, "release_server", lambda path: (released.append(path), real_release(path)))
    with stalled_starts(monkeypatch, stalls=1) as started:
        second = connect(uri)
    try:
        assert len(started) == 2 and not released
        assert first.list_collections() == ["kept"] == second.list_collections()
    finally:
        disconnect(uri, second)
        disconnect(uri, first)
    assert released == [uri]  # let go with its last client


def test_a_lite_file_that_never_answers_fails_with_one_line_after_one_retry(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    uri = str(tmp_path / "m.db")
    t = time.monotonic()
    with stalled_starts(monkeypatch, stalls=99) as started, pytest.raises(EngineError) as err:
        connect(uri)
    assert len(started) == connect_module.LITE_ATTEMPTS == 2
    assert time.monotonic() - t < 10
    assert uri in str(err.value) and "\n" not in str(err.value)


def test_a_lite_file_open_in_another_process_is_named(milvus_index: tuple[Path, Path, str]) -> None:
    d, _, uri = milvus_index
    holder = subprocess.Popen([sys.executable, "-c", HOLD, uri], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "open"
        result = runner.invoke(app, ["search", "--index", str(d), "--mode", "lexical", "相談"])
        assert result.exit_code == 1, result.output
        assert "open in another process" in result.output and uri in result.output
        assert len(result.output.strip().splitlines()) == 1
    finally:
        holder.kill()
        holder.wait()


def test_a_lost_collection_is_a_load_error_with_the_rebuild_command(milvus_index: tuple[Path, Path, str]) -> None:
    d, corpus, uri = milvus_index
    shutil.rmtree(uri)
    result = runner.invoke(app, ["search", "--index", str(d), "--mode", "lexical", "相談"])
    assert result.exit_code == 1, result.output
    assert "is gone" in result.output and "--rebuild" in result.output and "--engine milvus" in result.output
    build_index([corpus], d, BuildOptions(rebuild=True), embedder=FakeEmbedder())  # the URI is kept from the manifest
    assert open_index(d, embedder=FakeEmbedder()).search("相談", k=3, mode="lexical")


def test_a_collection_name_serving_another_index_is_refused(milvus_index: tuple[Path, Path, str],
                                                           tmp_path: Path) -> None:
    d, corpus, uri = milvus_index
    other = tmp_path / "other" / d.name  # the same folder name: the same default collection name
    with pytest.raises(EngineError, match="serves another index"):
        build_index([corpus], other, BuildOptions(engine=EngineSpec("milvus", uri=uri)), embedder=FakeEmbedder())
    assert open_index(d, embedder=FakeEmbedder()).search("相談", k=3)  # untouched
    build_index([corpus], other, BuildOptions(engine=EngineSpec("milvus", uri=uri, collection="other")), embedder=FakeEmbedder())
    assert open_index(other, embedder=FakeEmbedder()).manifest.engine["alias"].startswith("other_")


def test_engine_options_are_checked(tmp_path: Path) -> None:
    with pytest.raises(OptionError, match="options of the milvus engine") as faiss_err:
        build_index([CORPUS], tmp_path / "idx", BuildOptions(engine=EngineSpec("faiss", uri="x.db")), embedder=FakeEmbedder())
    assert "engine='milvus'" in str(faiss_err.value) and "--engine milvus" in faiss_err.value.render(flag_term)
    with pytest.raises(OptionError, match="unknown engine 'elastic'; choose one of faiss, milvus"):
        build_index([CORPUS], tmp_path / "idx", BuildOptions(engine=EngineSpec("elastic")), embedder=FakeEmbedder())
    with pytest.raises(OptionError, match="must end in .db"):
        build_index([CORPUS], tmp_path / "idx", BuildOptions(engine=EngineSpec("milvus", uri="./milvus")), embedder=FakeEmbedder())
    with pytest.raises(OptionError, match="KORITSU_MILVUS_TOKEN") as err:
        build_index([CORPUS], tmp_path / "idx", BuildOptions(engine=EngineSpec("milvus", uri="https://root:s3cret@milvus.example:19530")), embedder=FakeEmbedder())
    assert "s3cret" not in str(err.value)
    assert not (tmp_path / "idx").exists()


class _NoEmbedder:
    model_id = FakeEmbedder.model_id
    dim = FakeEmbedder.dim

    def embed_passages(self, texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray:
        raise AssertionError(f"embedded {len(texts)} passages: the vector files should have had them")

    def embed_query(self, text: str) -> np.ndarray:
        return FakeEmbedder().embed_query(text)


@pytest.mark.slow
def test_vectors_embedded_apart_in_shards_are_loaded_by_a_later_build(tmp_path: Path) -> None:
    from koritsu_search.index.vector_files import embed_only

    out = tmp_path / "vectors"
    reports = [embed_only([CORPUS], out, FakeEmbedder, (k, 2)) for k in range(2)]
    assert all(r.embedded > 0 for r in reports) and reports[0].passages + reports[1].passages > 1000
    again = embed_only([CORPUS], out, FakeEmbedder, (0, 2))
    assert again.embedded == 0 and again.already == reports[0].passages  # a rerun goes on, not over
    uri = str(tmp_path / "milvus.db")
    report = build_index([CORPUS], tmp_path / "idx", BuildOptions(vectors=tuple([out]), engine=EngineSpec("milvus", uri=uri)), embedder=_NoEmbedder())
    assert report.embedded == 0 and report.passages > 1000
    idx = open_index(tmp_path / "idx", embedder=FakeEmbedder())
    expected = FakeEmbedder().embed_passages([idx.store.passages[0].embed_text])[0]
    assert np.allclose(np.load(tmp_path / "idx" / "vectors.npy", mmap_mode="r")[0], expected)
    assert idx.search("フードドライブ", k=3)

    class Other(FakeEmbedder):
        model_id = "another-model"

    with pytest.raises(KoritsuError, match="another-model"):
        build_index([CORPUS], tmp_path / "idx2", BuildOptions(vectors=tuple([out])), embedder=Other())


def test_cli_builds_searches_and_reports_a_milvus_index(tmp_path: Path, seed_index_dir: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    from test_cli import use_fake_model

    use_fake_model(monkeypatch)
    d = tmp_path / "idx"
    shutil.copytree(seed_index_dir, d)
    uri = tmp_path / "m.db"
    result = runner.invoke(app, ["index", str(CORPUS), "--index", str(d), "--engine", "milvus", "--uri", str(uri)])
    assert result.exit_code == 0, result.output
    assert f"at {uri}" in result.output and "rows written" in result.output
    again = runner.invoke(app, ["index", str(CORPUS), "--index", str(d)])  # the engine and URI are kept
    assert again.exit_code == 0 and "Milvus" in again.output, again.output
    found = runner.invoke(app, ["search", "--index", str(d), "--ministry", "厚生労働省", "--format", "json",
                                "認知症カフェ"])
    assert found.exit_code == 0, found.output
    assert '"厚生労働省"' in found.output
    shown = runner.invoke(app, ["info", "--index", str(d)])
    assert '"name": "milvus"' in shown.output and str(uri) in shown.output


def test_a_damaged_milvus_index_is_rebuilt_on_its_own_collections(milvus_index: tuple[Path, Path, str]) -> None:
    d, corpus, uri = milvus_index
    alias = open_index(d, embedder=FakeEmbedder()).manifest.engine["alias"]
    (d / "vectors.npy").write_bytes(b"")
    result = runner.invoke(app, ["search", "--index", str(d), "相談"])
    assert result.exit_code == 1 and "--rebuild" in result.output, result.output
    report = build_index([corpus], d, embedder=FakeEmbedder())  # no --uri, no --rebuild: both kept
    assert report.previous_unusable and report.engine["uri"] == uri and report.engine["alias"] == alias
    idx = open_index(d, embedder=FakeEmbedder())
    assert idx.manifest.engine["name"] == "milvus" and idx.search("フードドライブ", k=3)


def test_rows_left_by_a_failed_build_are_rewritten_when_term_ids_move(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A build that wrote the standby but never finished leaves rows whose sparse dimensions came from a
    term map that was never saved; the next build hands out new ids in another order and must rewrite them."""
    import koritsu_search.index.build as build_module

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    # Many passages of one length: one more barely moves the average length (the weights stay as written).
    base = "".join(f"第{i}回 地域の見守り活動の報告。\n\n" for i in range(300))
    (corpus / "m_base.txt").write_text(base, encoding="utf-8")
    uri = str(tmp_path / "milvus.db")
    d = tmp_path / "idx"
    spec = EngineSpec("milvus", uri=uri)
    build_index([corpus], d, BuildOptions(engine=spec), embedder=FakeEmbedder())
    (corpus / "x_late.txt").write_text("第1回 ステゴサウルス観察会の報告。\n", encoding="utf-8")

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("disk full")

    with monkeypatch.context() as mp:
        mp.setattr(build_module, "write_index_files", fail)
        with pytest.raises(OSError):
            build_index([corpus], d, BuildOptions(engine=spec), embedder=FakeEmbedder())  # the standby got x_late's rows
    (corpus / "a_early.txt").write_text("第1回 プテラノドン飛行会の報告。\n", encoding="utf-8")  # sorts first: new ids
    third = build_index([corpus], d, BuildOptions(engine=spec), embedder=FakeEmbedder())
    assert third.engine["rows_written"] < 10  # incremental: the weighting did not change
    idx = open_index(d, embedder=FakeEmbedder())
    for word, doc in (("ステゴサウルス", "x_late"), ("プテラノドン", "a_early")):
        hits = idx.search(word, k=3, mode="lexical")
        assert hits and hits[0].doc_id == doc, (word, [h.doc_id for h in hits])
    idx.close()
