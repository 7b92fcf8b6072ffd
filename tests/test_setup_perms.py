"""An index directory is created with the process umask, like any other output (not mkdtemp's 0700)."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from koritsu_search.index.build import build_index
from koritsu_search.library import BuildOptions

SMALL = Path(__file__).resolve().parent.parent / "corpus" / "r7_kodoku_koritsu_suishin_kaigi_02_minutes.txt"


def _modes(root: Path) -> tuple[int, dict[str, int], dict[str, int]]:
    dirs = {str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode) for p in root.rglob("*") if p.is_dir()}
    files = {str(p.relative_to(root)): stat.S_IMODE(p.stat().st_mode) for p in root.rglob("*") if p.is_file()}
    return stat.S_IMODE(root.stat().st_mode), dirs, files


@pytest.fixture
def umask():
    """Set the process umask for one test and put the previous one back afterwards."""
    saved = os.umask(0o022)
    os.umask(saved)
    yield lambda mask: os.umask(mask)
    os.umask(saved)


@pytest.mark.parametrize(
    ("mask", "dir_mode", "file_mode"),
    [(0o022, 0o755, 0o644), (0o077, 0o700, 0o600)],
    ids=["umask022", "umask077"],
)
def test_index_dir_follows_umask(
    tmp_path: Path, umask, fake_embedder, mask: int, dir_mode: int, file_mode: int
) -> None:
    umask(mask)
    d = tmp_path / "indexes" / "default"
    build_index([SMALL], d, embedder=fake_embedder)
    root, dirs, files = _modes(d)
    assert root == dir_mode, oct(root)
    assert "manifest.json" in files
    assert {name: oct(m) for name, m in files.items() if m != file_mode} == {}
    assert {name: oct(m) for name, m in dirs.items() if m != dir_mode} == {}
    # Nothing temporary is left beside it (the build lock file stays: removing it would race).
    assert sorted(p.name for p in d.parent.iterdir()) == [".default.lock", "default"]


def test_rebuild_keeps_umask_modes(tmp_path: Path, umask, fake_embedder) -> None:
    """An update swaps in a new directory: it too gets the umask modes, not 0700."""
    umask(0o022)
    d = tmp_path / "index"
    build_index([SMALL], d, embedder=fake_embedder)
    build_index([SMALL], d, BuildOptions(rebuild=True), embedder=fake_embedder)
    root, dirs, files = _modes(d)
    assert root == 0o755
    assert set(files.values()) == {0o644}
    assert set(dirs.values()) <= {0o755}
