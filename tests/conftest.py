"""Shared fixtures: small indexes built with the fake embedder (the helpers they use are in helpers.py)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from helpers import CORPUS, ROOT, FakeEmbedder

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

sys.path.append(str(ROOT / "eval"))  # eval/ui_client.py: the web app's client, shared with the load benchmark


@pytest.fixture(scope="session")
def cache_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One model cache per session: the bundled model is converted into it once, by the first test
    that needs it, and reused by every other (KORITSU_CACHE_DIR for subprocesses)."""
    return tmp_path_factory.mktemp("models")


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture(scope="session")
def seed_index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seed corpus indexed once per session with the fake embedder. Read only: a test that
    changes an index builds its own (a copy of this one builds fast)."""
    from koritsu_search.index.build import build_index

    d = tmp_path_factory.mktemp("seed") / "index"
    build_index([CORPUS], d, embedder=FakeEmbedder())
    return d


@pytest.fixture(scope="session")
def seed_milvus_index_dir(tmp_path_factory: pytest.TempPathFactory, seed_index_dir: Path) -> Path:
    """The seed corpus on Milvus Lite once per session, from a copy of the FAISS one (its parsed documents
    and vectors are reused: nothing is parsed or embedded twice). Read only: a test that changes the index
    or its Milvus database, or opens the database in another process (one process per Milvus Lite file),
    builds its own."""
    pytest.importorskip("pymilvus")
    from koritsu_search.index.build import build_index
    from koritsu_search.library import BuildOptions, EngineSpec

    root = tmp_path_factory.mktemp("seed_milvus")
    d = root / "index"
    shutil.copytree(seed_index_dir, d)
    report = build_index([CORPUS], d, BuildOptions(engine=EngineSpec("milvus", uri=str(root / "milvus.db"))),
                         embedder=FakeEmbedder())
    assert report.embedded == 0 and report.passages > 1000
    return d


@pytest.fixture
def seed_index(seed_index_dir: Path):
    from koritsu_search import open_index

    return open_index(seed_index_dir, embedder=FakeEmbedder())


@pytest.fixture
def corpus_copy(tmp_path: Path) -> Path:
    """A private copy of the seed corpus that a test may change."""
    d = tmp_path / "corpus"
    shutil.copytree(CORPUS, d)
    return d
