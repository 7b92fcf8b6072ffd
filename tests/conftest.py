"""Shared fixtures: a fast deterministic fake embedder and small indexes built with it."""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.append(str(ROOT / "eval"))  # eval/ui_client.py: the web app's client, shared with the load benchmark
CORPUS = ROOT / "corpus"
MEASURES_TXT = CORPUS / "r7_kodoku_koritsu_measures_status.txt"
MINUTES_TXT = CORPUS / "r7_kodoku_koritsu_suishin_kaigi_02_minutes.txt"


class FakeEmbedder:
    """Hashes character bigrams into a small vector: fast, deterministic, lexical-ish.

    Good enough to test every layer above embeddings; the real model is tested end to end
    in test_embed.py and test_e2e_model.py.
    """

    model_id = "fake-bigram-64"
    dim = 64

    def __init__(self) -> None:
        self.calls = 0
        self.embedded = 0

    def _vec(self, text: str) -> np.ndarray:
        v = np.zeros(self.dim, dtype=np.float32)
        t = text.strip()
        for a, b in zip(t, t[1:] + " ", strict=True):
            h = int.from_bytes(hashlib.blake2b((a + b).encode(), digest_size=4).digest(), "little")
            v[h % self.dim] += 1.0
        n = np.linalg.norm(v)
        return v / n if n else v

    def embed_passages(self, texts: list[str], batch_size: int = 16, progress: bool = False) -> np.ndarray:
        self.calls += 1
        self.embedded += len(texts)
        return np.stack([self._vec(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vec(text)


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
    """The seed corpus indexed once per session with the fake embedder."""
    from koritsu_search.index.build import build_index

    d = tmp_path_factory.mktemp("seed") / "index"
    build_index([CORPUS], d, embedder=FakeEmbedder())
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


def console_script(name: str = "koritsu-search") -> str:
    """The installed console script of the environment running the tests, PATH or not."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    assert found, f"the console script {name!r} is installed next to {sys.executable} or on PATH"
    return found
