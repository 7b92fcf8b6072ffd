"""Queries that used to crash: lone surrogates, undecodable bytes, k of the wrong type; and leftovers of killed builds."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from koritsu_search import open_index
from koritsu_search.errors import QueryError
from koritsu_search.index.build import build_index

from helpers import FakeEmbedder, console_script

TEXT = "地域の居場所づくりについて。\n\n子ども食堂とフードドライブの取組を紹介します。\n"


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tiny")
    (root / "corpus").mkdir()
    (root / "corpus" / "a.txt").write_text(TEXT, encoding="utf-8")
    build_index([root / "corpus"], root / "idx", embedder=FakeEmbedder())
    return root / "idx"


@pytest.mark.parametrize("query", ["地域\udcff", "\ud800食堂", "フード\udfffドライブ", b"\xff\xfe\xe5\x9c\xb0\xe5\x9f\x9f"])
@pytest.mark.parametrize("call", ["search", "ask"])
def test_surrogates_and_bad_bytes_are_cleaned(tiny: Path, query: str | bytes, call: str) -> None:
    idx = open_index(tiny, embedder=FakeEmbedder())
    result = getattr(idx, call)(query, k=3)
    hits = result if call == "search" else result.items + result.nearest
    assert hits, "a query with usable words still finds something"
    text = str(result)
    assert not any(0xD800 <= ord(c) <= 0xDFFF for c in text)


@pytest.mark.parametrize("query", ["\udcff\udcfe", b"\xff\xfe", "\u200b \x00"])
@pytest.mark.parametrize("call", ["search", "ask"])
def test_nothing_left_after_cleaning_is_a_query_error(tiny: Path, query: str | bytes, call: str) -> None:
    idx = open_index(tiny, embedder=FakeEmbedder())
    with pytest.raises(QueryError, match="empty"):
        getattr(idx, call)(query)


@pytest.mark.parametrize("k", [0, -1, 2.5, None, "5", True, 10**7])
@pytest.mark.parametrize("call", ["search", "ask"])
def test_k_must_be_a_positive_whole_number(tiny: Path, k: object, call: str) -> None:
    idx = open_index(tiny, embedder=FakeEmbedder())
    with pytest.raises(QueryError, match="k must be a whole number"):
        getattr(idx, call)("地域", k=k)


@pytest.mark.parametrize("call", ["search", "ask"])
def test_unknown_mode_and_non_text_query(tiny: Path, call: str) -> None:
    idx = open_index(tiny, embedder=FakeEmbedder())
    with pytest.raises(QueryError, match="mode"):
        getattr(idx, call)("地域", mode="fuzzy")
    with pytest.raises(QueryError, match="text"):
        getattr(idx, call)(42)


def test_cli_with_undecodable_argument_bytes(tiny: Path) -> None:
    exe = console_script()
    env = {**os.environ, "HF_HUB_OFFLINE": "1"}
    ok = subprocess.run([exe.encode(), b"search", b"--mode", b"lexical", b"--index", str(tiny).encode(),
                         b"\xff\xe5\x9c\xb0\xe5\x9f\x9f\xed\xa0\x80"], capture_output=True, env=env, timeout=120)
    assert ok.returncode == 0, ok.stderr
    assert "地域".encode() in ok.stdout and b"Traceback" not in ok.stderr
    empty = subprocess.run([exe.encode(), b"search", b"--mode", b"lexical", b"--index", str(tiny).encode(), b"\xff\xfe"],
                           capture_output=True, env=env, timeout=120)
    assert empty.returncode == 2 and b"empty" in empty.stderr and b"Traceback" not in empty.stderr


def test_build_removes_temporaries_of_killed_builds_only(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(TEXT, encoding="utf-8")
    dead_pid = 2**22 + 12345  # above pid_max on Linux: no such process
    dead = tmp_path / f".idx.tmp-{dead_pid}-abc"
    alive = tmp_path / f".idx.tmp-{os.getpid()}-def"
    other = tmp_path / f".other.tmp-{dead_pid}-ghi"
    for d in (dead, alive, other):
        d.mkdir()
        (d / "vectors.npy").write_bytes(b"x" * 100)
    build_index([corpus], tmp_path / "idx", embedder=FakeEmbedder())
    assert not dead.exists()
    assert alive.exists() and other.exists()
