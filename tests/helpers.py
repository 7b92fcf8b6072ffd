"""What the tests share besides fixtures: the project's paths, a fast deterministic fake embedder, the
installed console script. Imported as `from helpers import ...` (the tests folder is on sys.path, also in
the scripts the tests run in subprocesses)."""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
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


def console_script(name: str = "koritsu-search") -> str:
    """The installed console script of the environment running the tests, PATH or not."""
    beside = Path(sys.executable).parent / name
    found = str(beside) if beside.is_file() else shutil.which(name)
    assert found, f"the console script {name!r} is installed next to {sys.executable} or on PATH"
    return found
