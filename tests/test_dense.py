"""One contract suite run against every DenseIndex implementation."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from koritsu_search.index import dense_faiss
from koritsu_search.index.dense_faiss import DENSE_TYPES
from koritsu_search.index.engines.faiss import dense_type as engine

N, DIM = 3000, 32
# Parameters that make the approximate engines exhaustive, so results must equal brute force.
EXHAUSTIVE = {"flat": {}, "ivf": {"nlist": 16, "nprobe": 16}, "hnsw": {"efSearch": 512}}


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    x = rng.normal(size=(N, DIM)).astype(np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True)
    q = rng.normal(size=(20, DIM)).astype(np.float32)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    return x, q


@pytest.fixture(params=sorted(DENSE_TYPES))
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_every_engine_is_covered() -> None:
    assert set(DENSE_TYPES) == set(EXHAUSTIVE)


def test_search_matches_brute_force(kind: str, data: tuple[np.ndarray, np.ndarray]) -> None:
    x, queries = data
    index = engine(kind).build(x, EXHAUSTIVE[kind])
    assert len(index) == N
    for q in queries:
        expected = np.argsort(-(x @ q), kind="stable")[:10]
        ids, scores = index.search(q, 10)
        assert list(ids) == list(expected)
        np.testing.assert_allclose(scores, (x @ q)[expected], rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("exact_up_to", [10**9, 10])  # the exact path, and the engine's own filtered search
def test_search_with_an_allow_list(kind: str, data: tuple[np.ndarray, np.ndarray], exact_up_to: int,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dense_faiss, "EXACT_FILTER_UP_TO", exact_up_to)
    x, queries = data
    index = engine(kind).build(x, EXHAUSTIVE[kind])
    allowed = np.arange(0, N, 3, dtype=np.int64)
    for q in queries[:5]:
        expected = allowed[np.argsort(-(x[allowed] @ q), kind="stable")[:10]]
        ids, _ = index.search(q, 10, allowed)
        assert set(ids.tolist()) <= set(allowed.tolist())
        assert list(ids) == list(expected)
    ids, scores = index.search(queries[0], 10, np.empty(0, dtype=np.int64))
    assert ids.size == 0 and scores.size == 0
    few = np.array([5, 17], dtype=np.int64)
    assert sorted(index.search(queries[0], 10, few)[0].tolist()) == [5, 17]


def test_score_given_ids_is_exact(kind: str, data: tuple[np.ndarray, np.ndarray]) -> None:
    x, queries = data
    index = engine(kind).build(x, EXHAUSTIVE[kind])
    ids = np.array([0, 2999, 17, 17, 1500], dtype=np.int64)
    np.testing.assert_allclose(index.score(queries[0], ids), x[ids] @ queries[0], rtol=1e-5, atol=1e-6)
    assert index.score(queries[0], np.empty(0, dtype=np.int64)).size == 0


def test_save_and_load_round_trip(kind: str, data: tuple[np.ndarray, np.ndarray], tmp_path: Path) -> None:
    x, queries = data
    index = engine(kind).build(x, EXHAUSTIVE[kind])
    index.save(tmp_path)
    again = engine(kind).load(tmp_path, index.params)
    for q in queries[:5]:
        assert index.search(q, 10)[0].tolist() == again.search(q, 10)[0].tolist()
    info = again.describe()
    assert info["type"] == kind and info["size"] == N and info["dim"] == DIM and info["engine"]
    assert info["params"] == index.params


def test_k_larger_than_the_index(kind: str, data: tuple[np.ndarray, np.ndarray]) -> None:
    x, queries = data
    small = engine(kind).build(x[:7], EXHAUSTIVE[kind])
    ids, _ = small.search(queries[0], 50)
    assert sorted(ids.tolist()) == list(range(7))


def test_default_parameters_are_filled_in(kind: str, data: tuple[np.ndarray, np.ndarray]) -> None:
    x, _ = data
    index = engine(kind).build(x)
    assert index.params == {**engine(kind).default_params(N), **index.params}
