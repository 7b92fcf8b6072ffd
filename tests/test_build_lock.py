"""One build per index directory; a cut swap is recovered from the newest complete copy, never under a running build."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from koritsu_search import open_index
from koritsu_search.cli import app
from koritsu_search.errors import IndexBusyError
from koritsu_search.index.build import build_index
from koritsu_search.index.swap import build_lock
from koritsu_search.library import BuildOptions

from helpers import FakeEmbedder

TEXT = "地域の居場所づくりについての覚え書き。\n\nフードドライブの案内。\n"
HOLD = """
import sys, time
from pathlib import Path
from koritsu_search.index.swap import build_lock
with build_lock(Path(sys.argv[1])):
    print("held", flush=True)
    time.sleep(120)
"""


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    c = tmp_path / "corpus"
    c.mkdir()
    (c / "a.txt").write_text(TEXT, encoding="utf-8")
    return c


def _hold_in_another_process(index_dir: Path) -> subprocess.Popen[str]:
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(index_dir)], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_build_fails_clearly_or_waits(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    holder = _hold_in_another_process(index_dir)
    try:
        with pytest.raises(IndexBusyError, match=r"another build is writing .*idx.*queue behind it \(wait="):
            build_index([corpus], index_dir, embedder=FakeEmbedder())
        t0 = time.monotonic()
        with pytest.raises(IndexBusyError, match="after waiting 0.5 s"):
            build_index([corpus], index_dir, BuildOptions(wait=0.5), embedder=FakeEmbedder())
        assert time.monotonic() - t0 >= 0.5
        result = CliRunner().invoke(app, ["index", str(corpus), "--index", str(index_dir)])
        assert result.exit_code == 1 and "another build is writing" in result.output
        assert not index_dir.exists()
    finally:
        holder.kill()  # kill -9: a lock must not outlive its process
        holder.wait()
    report = build_index([corpus], index_dir, BuildOptions(wait=10), embedder=FakeEmbedder())
    assert report.documents == 1


def test_a_waiting_build_runs_once_the_other_finishes(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    holder = _hold_in_another_process(index_dir)
    threading.Timer(0.5, lambda: holder.send_signal(signal.SIGTERM)).start()
    try:
        report = build_index([corpus], index_dir, BuildOptions(wait=30), embedder=FakeEmbedder())
    finally:
        holder.kill()
        holder.wait()
    assert report.documents == 1 and (index_dir / "manifest.json").exists()


def _cut_swap(built: Path, at: str, name: str) -> Path:
    """A copy of a built index as a killed build's swap leaves it, dated `at`."""
    old = built.parent / name
    shutil.copytree(built, old)
    m = json.loads((old / "manifest.json").read_text(encoding="utf-8"))
    m["updated_at"] = at
    (old / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    return old


def test_recovery_takes_the_newest_complete_copy_by_its_recorded_time(corpus: Path, tmp_path: Path) -> None:
    built = tmp_path / "built"
    build_index([corpus], built, embedder=FakeEmbedder())
    index_dir = tmp_path / "idx"
    # Names sort the other way round from the times: the name (a pid) must not decide.
    newest = _cut_swap(built, "2026-11-02T00:00:00+00:00", ".idx.old-100")
    _cut_swap(built, "2026-11-01T00:00:00+00:00", ".idx.old-99999")
    incomplete = tmp_path / ".idx.old-999999"
    incomplete.mkdir()
    (incomplete / "vectors.npy").write_bytes(b"x")
    os.utime(incomplete)  # the newest by mtime, but without a manifest it is no index
    idx = open_index(index_dir, embedder=FakeEmbedder())
    assert idx.manifest.updated_at == "2026-11-02T00:00:00+00:00"
    assert not newest.exists()
    # The next build removes what is left of killed builds.
    build_index([corpus], index_dir, embedder=FakeEmbedder())
    assert not list(tmp_path.glob(".idx.old-*"))


def test_a_reader_never_recovers_while_a_build_holds_the_lock(corpus: Path, tmp_path: Path) -> None:
    index_dir = tmp_path / "idx"
    build_index([corpus], index_dir, embedder=FakeEmbedder())
    fresh = tmp_path / "fresh"
    (corpus / "b.txt").write_text("こども食堂の案内。\n", encoding="utf-8")
    build_index([corpus], fresh, embedder=FakeEmbedder())
    opened: list[object] = []
    with build_lock(index_dir):
        old = tmp_path / ".idx.old-1"
        os.replace(index_dir, old)  # the build is between its two renames
        reader = threading.Thread(target=lambda: opened.append(open_index(index_dir, embedder=FakeEmbedder())))
        reader.start()
        time.sleep(0.5)
        assert not index_dir.exists(), "the reader put the old copy back under a running build"
        os.replace(fresh, index_dir)  # the build's second rename
        shutil.rmtree(old)
    reader.join(timeout=30)
    assert opened and len(opened[0].documents) == 2  # type: ignore[attr-defined]
