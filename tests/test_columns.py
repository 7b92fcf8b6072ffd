"""The columnar passage store: filters by row lists equal a passage-by-passage check; rows read back whole."""

from __future__ import annotations

import itertools
import shutil

import numpy as np
import pytest

from koritsu_search.errors import IndexLoadError
from koritsu_search.index.passage_store import PassageStore
from koritsu_search.models import Filters


def brute(passages: list, f: Filters) -> list[int]:
    return [i for i, p in enumerate(passages) if f.accepts(p)]


def test_select_equals_filters_accepts_for_every_combination(seed_index) -> None:
    store = seed_index.store.passages
    passages = list(store)
    facets = seed_index.facets()
    ministries = [[], [facets["ministries"][0]], facets["ministries"][1:4]]
    kinds = [[], ["speech"], ["measure", "paragraph"]]
    fields = [[], [facets["fields"][0]], [""]]
    sections = [[], ["（１）"], [facets["sections"][-1][:6]]]
    docs = [[], [facets["documents"][0]], facets["documents"][:2]]
    checked = 0
    for m, k, fl, s, d in itertools.product(ministries, kinds, fields, sections, docs):
        f = Filters(ministries=m, kinds=k, fields=fl, sections=s, doc_ids=d)
        rows = store.select(f)
        if f.is_empty():
            assert rows is None
            continue
        assert rows is not None and rows.dtype == np.int64
        assert rows.tolist() == brute(passages, f), f
        checked += 1
    assert checked == 3**5 - 1


def test_unknown_values_select_nothing(seed_index) -> None:
    store = seed_index.store.passages
    assert store.select(Filters(ministries=["架空省"])).size == 0
    assert store.select(Filters(kinds=["speech"], doc_ids=["nope"])).size == 0


def test_rows_read_back_whole_and_columns_agree(seed_index) -> None:
    store = seed_index.store.passages
    n = len(store)
    for i in (0, n // 2, n - 1, -1):
        p = store[i]
        assert p.passage_id and p.text
        assert store.values["record"][store.column("record")[i]] == p.record_id
        assert store.values["kind"][store.column("kind")[i]] == p.kind
    assert store[-1].passage_id == store[n - 1].passage_id
    speech = [i for i, p in enumerate(store) if p.kind == "speech"]
    assert store.rows("kind", "speech").tolist() == speech
    assert set(np.flatnonzero(store.procedural).tolist()) <= set(speech)


def test_a_damaged_row_is_an_index_load_error_with_the_rebuild_hint(seed_index_dir, tmp_path) -> None:
    copy = tmp_path / "copy"
    shutil.copytree(seed_index_dir, copy)
    data = bytearray((copy / "passages.jsonl").read_bytes())
    data[0:1] = b"["  # same length: offsets still hold, the first row no longer parses
    (copy / "passages.jsonl").write_bytes(bytes(data))
    store = PassageStore(copy)
    assert store[1].passage_id
    with pytest.raises(IndexLoadError, match=r"line 1 is damaged.*BuildOptions\(rebuild=True\)"):
        store[0]
