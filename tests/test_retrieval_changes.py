"""Issue 13's retrieval pieces: dictionary synonyms, measure-level evidence, title-only passages,
dense query feedback, and an index of the older passage layout updated without re-embedding."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from koritsu_search import open_index
from koritsu_search.fusion import FusionConfig, LegScores, evidence_units, fuse
from koritsu_search.index.build import build_index
from koritsu_search.procedural import is_title_only
from koritsu_search.search import SearchTrace
from koritsu_search.segment import get_segmenter
from koritsu_search.synonyms import SynonymTable

from helpers import CORPUS, FakeEmbedder


def test_synonym_groups_come_from_the_dictionary() -> None:
    groups = dict(get_segmenter().synonym_groups("自死"))
    table = SynonymTable.from_vocabulary(["自殺", "住宅", "住居", "相談"])
    assert "自殺" in table.expand(get_segmenter().synonym_groups("自死"))
    assert groups["自死"]  # the core dictionary gives 自死 a group
    assert table.expand(get_segmenter().synonym_groups("住居")) == ["住宅"]  # its own word is excluded
    assert table.expand(get_segmenter().synonym_groups("相談")) == []


def test_a_query_word_the_corpus_lacks_reaches_its_synonym(seed_index) -> None:
    config = dataclasses.replace(seed_index.searcher.config, synonym_share=0.5)
    idx = open_index(seed_index.path, embedder=FakeEmbedder(), config=config)
    trace = SearchTrace()
    hits = idx.search("自死 の 防止", k=10, mode="hybrid", trace=trace)
    assert "自殺" in trace.synonym_terms and trace.synonym_weight > 0
    assert sum("自殺" in h.text for h in hits) >= 5
    off = open_index(seed_index.path, embedder=FakeEmbedder(),
                     config=dataclasses.replace(config, synonym_share=0.0))
    trace_off = SearchTrace()
    off.search("自死 の 防止", k=10, mode="hybrid", trace=trace_off)
    assert trace_off.synonym_terms == [] and trace_off.synonym_weight == 0


def _legs(bm25: list[float], synonym: list[float], synonym_weight: float) -> LegScores:
    n = len(bm25)
    zeros = np.zeros(n, dtype=np.float32)
    return LegScores(ids=np.arange(n), dense=np.full(n, 0.5, np.float32), bm25=np.array(bm25, np.float32),
                     prf=zeros, translation=zeros, priors=zeros, records=np.arange(n),
                     synonym=np.array(synonym, np.float32), lexical_weight=0.8, synonym_weight=synonym_weight)


@pytest.mark.parametrize("share", [0.1, 0.5, 0.9])
def test_an_expansion_never_outweighs_the_word_itself(share: float) -> None:
    """Passage 0 holds the query's word, passage 1 only its synonym, passage 2 neither; the weight is
    the one the searcher gives a one-word query (share × lexical weight × 1)."""
    config = FusionConfig(synonym_share=share, sibling_weight=0.0)
    fused = fuse(_legs([3.0, 0.0, 0.0], [0.0, 3.0, 0.0], share * config.lexical_weight), config)
    assert fused[0] > fused[1] > fused[2]


def test_a_measure_is_one_unit_across_documents(seed_index) -> None:
    ps = seed_index.store.passages
    units = evidence_units(ps.column("record"), ps.column("measure"), ps.code("measure", ""), True)
    by_record = evidence_units(ps.column("record"), ps.column("measure"), ps.code("measure", ""), False)
    rows = [i for i in range(len(ps)) if ps[i].measure_no == 72]
    docs = {ps[i].doc_id for i in rows}
    assert len(docs) == 2  # the plan sheet and the status row
    assert len({int(units[i]) for i in rows}) == 1 and len({int(by_record[i]) for i in rows}) == 2
    speeches = [i for i in range(len(ps)) if ps[i].kind == "speech"][:5]
    assert [int(units[i]) for i in speeches] == [int(by_record[i]) for i in speeches]
    assert len(set(units.tolist()) & set(by_record.tolist())) < len(set(by_record.tolist()))


@pytest.mark.parametrize(("text", "expected"), [
    ("Ⅰ．重点計画について", True),
    ("令和６年６月11日（令和７年５月27日一部改定）", True),
    ("認知症カフェの普及・促進", True),
    ("認知症カフェを活用した取組を推進する。", False),
    ("認知症の人やその家族が地域の人や専門家と相互に情報を共有し、お互いを理解し合う場である認知症カフェ", False),
])
def test_title_only_passages(text: str, expected: bool) -> None:
    assert is_title_only(text) is expected


def test_title_only_passages_are_demoted(seed_index) -> None:
    store = seed_index.store
    titles = [i for i in range(len(store.passages)) if store.passages.title_only[i]]
    assert titles and all(len(store.passages[i].text) <= 40 for i in titles)
    query = "認知症カフェの普及・促進"
    plain = open_index(seed_index.path, embedder=FakeEmbedder(),
                       config=dataclasses.replace(seed_index.searcher.config, title_penalty=0.0))
    demoted = open_index(seed_index.path, embedder=FakeEmbedder(),
                         config=dataclasses.replace(seed_index.searcher.config, title_penalty=0.5))

    def name_ranks(idx) -> list[int]:
        hits = idx.search(query, k=30)
        return [i for i, h in enumerate(hits) if h.measure_no == 72 and h.field == "施策名"]

    plain_ranks, demoted_ranks = name_ranks(plain), name_ranks(demoted)
    assert plain_ranks and min(plain_ranks) < 10  # the bare names match well
    assert not demoted_ranks or min(demoted_ranks) > min(plain_ranks)
    assert demoted.search(query, k=1)[0].measure_no == 72  # the measure still comes first, by a passage that says something


def test_dense_feedback_moves_the_query_towards_its_top_passages(seed_index) -> None:
    config = dataclasses.replace(seed_index.searcher.config, dense_feedback=0.5, dense_feedback_docs=3)
    idx = open_index(seed_index.path, embedder=FakeEmbedder(), config=config)
    qv = FakeEmbedder().embed_query("ひきこもりの相談")
    top = idx.store.retrieval.dense_top(qv, 3, _scope(idx))
    moved = idx.searcher._feedback_vector(qv, top)
    centroid = idx.store.retrieval.dense_vectors(top).mean(axis=0)
    assert abs(float(np.linalg.norm(moved)) - 1.0) < 1e-5
    assert float(moved @ centroid) > float(qv @ centroid)
    assert idx.search("ひきこもりの相談", k=5)  # the hybrid path runs with it


def _scope(idx):
    from koritsu_search.index.retrieval import Scope

    return Scope(None, idx.store.passages.select_mask(None))


def test_an_index_of_the_older_passage_layout_updates_without_embedding(tmp_path: Path, seed_index_dir: Path) -> None:
    d = tmp_path / "old"
    shutil.copytree(seed_index_dir, d)
    with np.load(d / "columns.npz") as data:  # the layout before the measure column and title flags
        arrays = {k: data[k] for k in data.files if k not in ("measure", "title_only")}
    np.savez(d / "columns.npz", **arrays)
    values = json.loads((d / "columns.json").read_text(encoding="utf-8"))
    values.pop("measure")
    (d / "columns.json").write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")
    report = build_index([CORPUS], d, embedder=FakeEmbedder())
    assert report.embedded == 0 and report.previous_unusable is None
    assert open_index(d, embedder=FakeEmbedder()).store.passages.title_only.any()
