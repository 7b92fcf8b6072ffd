"""The manifest as a contract: what shaped the index is recorded, checked on open, and updated by `index`."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from koritsu_search import open_index, segment
from koritsu_search.cli_options import flag_term
from koritsu_search.errors import IndexMismatchError
from koritsu_search.fusion import FusionConfig
from koritsu_search.index.build import build_index
from koritsu_search.index.contract import current_contract

from helpers import FakeEmbedder

TEXT = "地域の居場所づくりについて。\n\n子ども食堂とフードドライブの地域の取組を紹介します。\n"


@pytest.fixture
def small_index(tmp_path: Path) -> tuple[Path, Path]:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text(TEXT, encoding="utf-8")
    idx = tmp_path / "idx"
    build_index([corpus], idx, embedder=FakeEmbedder())
    return corpus, idx


def edit_manifest(idx: Path, key: str, value: object) -> None:
    m = json.loads((idx / "manifest.json").read_text(encoding="utf-8"))
    m["contract"][key] = value
    (idx / "manifest.json").write_text(json.dumps(m, ensure_ascii=False), encoding="utf-8")


def test_changing_a_tokenizer_rule_makes_index_resegment(small_index: tuple[Path, Path],
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    corpus, idx = small_index
    assert "地域" in open_index(idx, embedder=FakeEmbedder()).store.lexical.vocab
    monkeypatch.setattr(segment, "_STOP_WORDS", segment._STOP_WORDS | {"地域"})
    monkeypatch.setattr(segment.get_segmenter(), "_term_cache", {})
    with pytest.raises(IndexMismatchError) as err:
        open_index(idx, embedder=FakeEmbedder())
    assert "tokenizer version" in str(err.value) and f"koritsu_search.build(SOURCES, '{idx}')" in str(err.value)
    assert f"koritsu-search index --index {idx} SOURCES" in err.value.render(flag_term)
    report = build_index([corpus], idx, embedder=FakeEmbedder())
    assert report.segmented == report.passages > 0 and report.embedded == 0
    assert "地域" not in open_index(idx, embedder=FakeEmbedder()).store.lexical.vocab


def test_unchanged_rules_reuse_stored_terms(small_index: tuple[Path, Path]) -> None:
    corpus, idx = small_index
    report = build_index([corpus], idx, embedder=FakeEmbedder())
    assert report.segmented == 0 and report.embedded == 0


def test_index_built_with_another_sudachi_dictionary_is_refused(small_index: tuple[Path, Path]) -> None:
    _, idx = small_index
    edit_manifest(idx, "sudachi_dictionary", "sudachidict_full 20200101")
    with pytest.raises(IndexMismatchError) as err:
        open_index(idx, embedder=FakeEmbedder())
    msg = str(err.value)
    assert "sudachidict_full 20200101" in msg and current_contract()["sudachi_dictionary"] in msg
    assert "koritsu_search.build(SOURCES" in msg and "koritsu-search index" in err.value.render(flag_term)


def test_another_dictionary_makes_index_resegment(small_index: tuple[Path, Path]) -> None:
    corpus, idx = small_index
    edit_manifest(idx, "sudachi_modes", ["A"])
    report = build_index([corpus], idx, embedder=FakeEmbedder())
    assert report.segmented == report.passages and report.embedded == 0
    open_index(idx, embedder=FakeEmbedder())


def test_fusion_settings_are_recorded_and_checked(small_index: tuple[Path, Path], tmp_path: Path) -> None:
    corpus, idx = small_index
    stored = json.loads((idx / "manifest.json").read_text(encoding="utf-8"))["contract"]["fusion"]
    assert stored == FusionConfig().to_dict()
    edit_manifest(idx, "fusion", {**stored, "prf_weight": 0.9})
    with pytest.raises(IndexMismatchError, match="prf_weight"):
        open_index(idx, embedder=FakeEmbedder())
    # An explicit configuration (an experiment) opens it anyway and is the one used.
    explicit = FusionConfig(prf_weight=0.0)
    assert open_index(idx, embedder=FakeEmbedder(), config=explicit).searcher.config == explicit
    # `index` brings it up to date without re-embedding or re-segmenting.
    report = build_index([corpus], idx, embedder=FakeEmbedder())
    assert report.embedded == 0 and report.segmented == 0
    open_index(idx, embedder=FakeEmbedder())


def test_unknown_fusion_setting_is_refused(small_index: tuple[Path, Path], tmp_path: Path) -> None:
    _, idx = small_index
    copy = tmp_path / "copy"
    shutil.copytree(idx, copy)
    m = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))
    m["contract"]["fusion"]["mystery"] = 1
    (copy / "manifest.json").write_text(json.dumps(m), encoding="utf-8")
    with pytest.raises(Exception, match="fusion"):
        open_index(copy, embedder=FakeEmbedder())
