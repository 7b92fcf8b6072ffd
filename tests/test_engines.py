"""One contract, every engine: each engine of the registry (index/engines/ENGINES: FAISS in the folder,
Milvus Lite) passes the same cases, and they rank alike. A new engine adds its spec to SPECS and its
session seed index (conftest) to SEEDS."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from koritsu_search import open_index
from koritsu_search.index import engines as registry
from koritsu_search.index.build import BuildReport, build_index
from koritsu_search.library import BuildOptions, EngineSpec
from koritsu_search.models import Filters

from helpers import CORPUS, MEASURES_TXT, MINUTES_TXT, FakeEmbedder

pytest.importorskip("pymilvus")
ENGINES = tuple(registry.ENGINES)
QUERIES = ["孤独・孤立対策の相談窓口", "フードドライブ", "#9999", "Which measures support foreign residents?",
           "認知症カフェ", "ひきこもり支援について委員は何と言ったか"]
FILTERS = [None, Filters(ministries=["厚生労働省"]), Filters(kinds=["speech"]), Filters(sections=["相談"]),
           Filters(kinds=["measure"], ministries=["内閣府", "文部科学省"])]


# How each engine is asked for in a test folder (an engine that needs a place of its own names it here).
SPECS = {"faiss": lambda root: EngineSpec("faiss"), "milvus": lambda root: EngineSpec("milvus", uri=str(root / "milvus.db"))}
# The seed corpus indexed on each engine once per session (fixtures of conftest), shared by the tests that only read.
SEEDS = {"faiss": "seed_index_dir", "milvus": "seed_milvus_index_dir"}


def spec_for(engine: str, root: Path) -> EngineSpec:
    return SPECS[engine](root)


def test_every_registered_engine_runs_this_contract() -> None:
    assert set(SPECS) == set(registry.ENGINES)
    for name in registry.ENGINES:
        assert registry.engine(name).name == name


def build(paths: list[Path], index_dir: Path, engine: str) -> BuildReport:
    return build_index(paths, index_dir, BuildOptions(engine=spec_for(engine, index_dir.parent)), embedder=FakeEmbedder())


@pytest.fixture
def built(request: pytest.FixtureRequest) -> dict[str, Path]:
    """The seed corpus on each engine, built once per session: read only (a test that writes builds its own)."""
    return {engine: request.getfixturevalue(SEEDS[engine]) for engine in ENGINES}


@pytest.mark.parametrize("engine", ENGINES)
def test_an_index_opens_on_the_engine_it_was_built_with(built: dict[str, Path], engine: str) -> None:
    idx = open_index(built[engine], embedder=FakeEmbedder())
    described = idx.store.retrieval.describe()
    assert described["engine"] == engine and described["size"] == idx.manifest.passage_count
    assert idx.manifest.engine["name"] == engine
    if engine == "milvus":
        info = idx.manifest.engine
        client = idx.store.retrieval.client  # type: ignore[attr-defined]
        assert client.describe_alias(info["alias"])["collection_name"] == info["collection"]
        assert "token" not in info


@pytest.mark.parametrize("engine", [*ENGINES, "milvus, filters in Milvus"])
@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_filters_hold_on_every_leg(built: dict[str, Path], engine: str, mode: str,
                                   monkeypatch: pytest.MonkeyPatch) -> None:
    import koritsu_search.index.milvus.search as milvus_search

    if engine.startswith("milvus,"):
        monkeypatch.setattr(milvus_search, "EXACT_FILTER_UP_TO", 0)  # every filter as a Milvus expression
        engine = "milvus"
    idx = open_index(built[engine], embedder=FakeEmbedder())
    by_id = {p.passage_id: p for p in idx.store.passages}
    for f in FILTERS[1:]:
        hits = idx.search("相談 支援", k=30, filters=f, mode=mode)
        assert len(hits) == 30 or (mode == "lexical" and hits), (f, len(hits))  # BM25 returns matches only
        assert all(f.accepts(by_id[h.passage_id]) for h in hits), f


@pytest.mark.parametrize("filtered_in", ["milvus", "project"])
def test_both_engines_return_the_same_hits_in_the_same_order(built: dict[str, Path], filtered_in: str,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Filters inside Milvus (its expressions), and small scopes scored exactly in the project."""
    import koritsu_search.index.milvus.search as milvus_search

    if filtered_in == "milvus":
        monkeypatch.setattr(milvus_search, "EXACT_FILTER_UP_TO", 0)
    a = open_index(built["faiss"], embedder=FakeEmbedder())
    b = open_index(built["milvus"], embedder=FakeEmbedder())
    compared = 0
    for q in QUERIES:
        for f in FILTERS:
            for mode in ("hybrid", "dense", "lexical"):
                ha = a.search(q, k=10, filters=f, mode=mode)
                hb = b.search(q, k=10, filters=f, mode=mode)
                assert [h.passage_id for h in ha] == [h.passage_id for h in hb], (q, f, mode)
                # Scores agree to float32 precision (rounding both to 4 places can split 11.02735).
                assert [h.score for h in ha] == pytest.approx([h.score for h in hb], abs=2e-4), (q, f, mode)
                compared += len(ha)
    assert compared > 500


@pytest.mark.parametrize("engine", ENGINES)
def test_dense_vectors_are_the_stored_ones(built: dict[str, Path], engine: str) -> None:
    """Query feedback (FusionConfig.dense_feedback) reads passage vectors through the engine."""
    idx = open_index(built[engine], embedder=FakeEmbedder())
    rows = np.array([0, 5, len(idx.store.passages) - 1], dtype=np.int64)
    stored = np.load(built[engine] / "vectors.npy")[rows]
    assert np.allclose(idx.store.retrieval.dense_vectors(rows), stored, atol=1e-6)


@pytest.mark.parametrize("engine", ENGINES)
def test_ask_and_measure_read_through_the_engine(built: dict[str, Path], engine: str) -> None:
    idx = open_index(built[engine], embedder=FakeEmbedder())
    answer = idx.ask("フードドライブ", k=5)
    assert answer.items and all(item.citations for item in answer.items)
    assert any("フードドライブ" in c.quote for item in answer.items for c in item.citations)
    m = idx.measure(1)
    assert m is not None and m.no == 1 and m.entries


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.mark.parametrize("engine", ENGINES)
def test_updates_write_what_changed_and_deletes_remove_a_file(tmp_path: Path, engine: str,
                                                              seed_index_dir: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(CORPUS, corpus)
    d = tmp_path / "idx"
    shutil.copytree(seed_index_dir, d)
    first = build([corpus], d, engine)
    measures = corpus / MEASURES_TXT.name
    _edit(measures, "フードドライブ", "フードドライブ縞馬テスト")
    second = build([corpus], d, engine)
    assert 0 < second.embedded < 10
    idx = open_index(d, embedder=FakeEmbedder())
    assert any("縞馬テスト" in h.text for h in idx.search("縞馬テスト", k=5, mode="lexical"))

    minutes_doc = next(s.doc_id for s in idx.manifest.sources if s.source.endswith(MINUTES_TXT.name))
    minutes_passages = next(s.passages for s in idx.manifest.sources if s.doc_id == minutes_doc)
    (corpus / MINUTES_TXT.name).unlink()
    third = build([corpus], d, engine)
    assert third.removed_files and third.passages == first.passages - minutes_passages
    idx = open_index(d, embedder=FakeEmbedder())
    assert minutes_doc not in idx.facets()["documents"]
    for mode in ("hybrid", "dense", "lexical"):
        hits = idx.search("ひきこもり支援について委員は何と言ったか", k=50, mode=mode)
        assert hits and all(h.doc_id != minutes_doc for h in hits)
    assert not idx.search("縞馬テスト", k=5, filters=Filters(kinds=["speech"]), mode="lexical")
    if engine == "milvus":
        # The standby written by the third build last held the first build's rows: it gets the edited
        # passages of the second build and loses the minutes' passages; nothing else is rewritten.
        assert third.engine["rows_deleted"] == minutes_passages
        assert 0 < third.engine["rows_written"] <= second.embedded
        assert first.engine["collection"] == third.engine["collection"] != second.engine["collection"]


def test_sparse_vectors_score_exactly_as_bm25s(built: dict[str, Path]) -> None:
    from koritsu_search.index.sparse import average_length, exact_scores
    from koritsu_search.segment import get_segmenter

    idx = open_index(built["faiss"], embedder=FakeEmbedder())
    lexical = idx.store.lexical
    rows = np.arange(lexical.n_docs)
    for q in QUERIES:
        terms = get_segmenter().lexical_terms(q)
        expected = lexical.scores(terms)
        got = exact_scores(lexical, terms, rows, average_length(lexical))
        assert np.allclose(got, expected, rtol=1e-5, atol=1e-5), q


def test_sparse_vectors_dot_query_weights_is_bm25(built: dict[str, Path]) -> None:
    """What Milvus computes: the inner product of a passage's stored sparse vector with the query's."""
    from koritsu_search.index.sparse import TermIds, average_length, document_weights, query_weights
    from koritsu_search.segment import get_segmenter

    idx = open_index(built["faiss"], embedder=FakeEmbedder())
    lexical = idx.store.lexical
    ids = TermIds()
    for row in range(lexical.n_docs):
        ids.extend(lexical.terms_of(row))
    avgdl = average_length(lexical)
    for q in QUERIES:
        terms = get_segmenter().lexical_terms(q)
        expected = lexical.scores(terms)
        qw = query_weights(lexical, terms, ids)
        for row in np.flatnonzero(expected)[:50].tolist() + [0, 1]:
            dw = document_weights(lexical.terms_of(row), avgdl, ids)
            got = sum(w * dw.get(t, 0.0) for t, w in qw.items())
            assert got == pytest.approx(float(expected[row]), rel=1e-5, abs=1e-5), (q, row)


def test_top_rows_break_ties_at_the_cut_by_row() -> None:
    from koritsu_search.index.retrieval import top_positive

    scores = np.array([0.0, 2.0, 1.0, 1.0, 3.0, 1.0, 1.0, 0.0, 1.0], dtype=np.float32)
    assert top_positive(scores, 4).tolist() == [4, 1, 2, 3]
    assert top_positive(scores, 100).tolist() == [4, 1, 2, 3, 5, 6, 8]
    assert top_positive(np.zeros(5, dtype=np.float32), 3).size == 0


def test_filter_expressions_quote_what_they_match() -> None:
    from koritsu_search.index.milvus.search import expression

    expr = expression(Filters(ministries=['厚生"労働\\省'], sections=["相談"], fields=[""], kinds=["speech"]),
                      ["（１）相談支援", "その他", ""])
    assert expr == ('array_contains_any(ministries, ["厚生\\"労働\\\\省"]) and '
                    'array_contains_any(section, ["（１）相談支援"]) and field in [""] and kind in ["speech"]')
    assert expression(Filters(sections=["無い見出し"]), ["（１）相談支援"]) == "key < 0"
    assert expression(None, []) == "" and expression(Filters(), []) == ""


def test_a_milvus_ivf_index_keeps_its_parameters_until_the_corpus_quadruples() -> None:
    from koritsu_search.index.milvus.build import _close_enough
    from koritsu_search.index.milvus.collection import dense_index

    kept = dense_index(100_000)[1]
    assert kept == {"nlist": 316}
    assert _close_enough(kept, dense_index(101_000)[1]) and _close_enough(kept, dense_index(350_000)[1])
    assert not _close_enough(kept, dense_index(450_000)[1])
    assert dense_index(50_000)[0] == "FLAT" and dense_index(50_001)[0] == "IVF_FLAT"
