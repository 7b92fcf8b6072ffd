"""A Milvus Lite database inside the index folder survives every build: the folder's swap carries it."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from koritsu_search.cli import app
from koritsu_search.index import swap
from koritsu_search.library import BuildOptions, EngineSpec, Index, build

from helpers import FakeEmbedder

pytest.importorskip("pymilvus")
runner = CliRunner()


@pytest.fixture
def fake_model(monkeypatch: pytest.MonkeyPatch) -> None:
    import koritsu_search.embed as embed
    import koritsu_search.library as library

    monkeypatch.setattr(library, "embedder_for", lambda model=None: FakeEmbedder)
    monkeypatch.setattr(embed, "model_id_for", lambda model=None: FakeEmbedder.model_id)


@pytest.fixture
def docs(tmp_path: Path) -> Path:
    d = tmp_path / "docs"
    d.mkdir()
    (d / "a.txt").write_text("孤独・孤立対策の相談窓口を設置する。\n\n電話相談を24時間受け付ける。\n", encoding="utf-8")
    return d


def test_index_twice_with_the_lite_file_inside_a_new_index_folder_then_search(
        docs: Path, tmp_path: Path, fake_model: None) -> None:
    idx = tmp_path / "idx"  # not there yet: the build creates it, with the database inside
    command = ["index", str(docs), "--index", str(idx), "--engine", "milvus", "--uri", str(idx / "milvus.db")]
    first = runner.invoke(app, command)
    assert first.exit_code == 0, first.output
    assert (idx / "milvus.db").is_dir() and "2 rows written" in first.output
    second = runner.invoke(app, command)
    assert second.exit_code == 0, second.output
    assert "embedded 0, reused 2" in second.output
    found = runner.invoke(app, ["search", "電話相談", "--index", str(idx), "--mode", "lexical", "--format", "json"])
    assert found.exit_code == 0, found.output
    assert "電話相談を24時間受け付ける。" in found.stdout

    (docs / "b.txt").write_text("居場所づくりの支援を行う。\n", encoding="utf-8")
    third = runner.invoke(app, ["index", str(docs), "--index", str(idx)])  # the engine and URI are kept
    assert third.exit_code == 0, third.output
    opened = Index.open(idx, embedder=FakeEmbedder())
    try:
        assert opened.manifest.engine["uri"] == str((idx / "milvus.db").resolve())
        hits = opened.search("居場所づくり", k=3, mode="lexical")
        assert hits and hits[0].text.startswith("居場所づくり")
        assert len(opened.search("相談", k=10, mode="lexical")) == 2
    finally:
        opened.close()
    assert not list(tmp_path.glob(".idx.old-*")) and not list(tmp_path.glob(".idx.tmp-*"))


def test_a_build_killed_between_the_swap_and_the_carry_loses_nothing(docs: Path, tmp_path: Path) -> None:
    idx = tmp_path / "idx"
    options = BuildOptions(engine=EngineSpec("milvus", uri=str(idx / "milvus.db")))
    build([docs], idx, options, embedder=FakeEmbedder())
    # What a build killed right after its swap leaves: the new folder without the database, which is
    # still in the old copy beside it.
    old = tmp_path / f".idx.old-{os.getpid()}-cut"
    old.mkdir()
    os.replace(idx / "milvus.db", old / "milvus.db")
    report = build([docs], idx, BuildOptions(), embedder=FakeEmbedder())  # the next build repairs it first
    assert report.embedded == 0 and (idx / "milvus.db").is_dir() and not old.exists()
    opened = Index.open(idx, embedder=FakeEmbedder())
    try:
        assert opened.search("電話相談", k=1, mode="lexical")[0].text.startswith("電話相談")
    finally:
        opened.close()
    # A build that switches engines does not drop the database the folder carries either.
    report = build([docs], idx, BuildOptions(engine=EngineSpec("faiss"), rebuild=True), embedder=FakeEmbedder())
    assert report.engine["name"] == "faiss" and (idx / "milvus.db" / "collections").is_dir()


def test_a_failed_write_keeps_the_database_in_place(docs: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    idx = tmp_path / "idx"
    build([docs], idx, BuildOptions(engine=EngineSpec("milvus", uri=str(idx / "milvus.db"))), embedder=FakeEmbedder())

    def broken(tmp: Path) -> None:
        raise OSError("disk full")

    (docs / "b.txt").write_text("居場所づくりの支援を行う。\n", encoding="utf-8")
    original = swap.write_atomically
    monkeypatch.setattr("koritsu_search.index.build.write_atomically",
                        lambda index_dir, write, carry=(): original(index_dir, lambda t: (write(t), broken(t)), carry))
    with pytest.raises(OSError, match="disk full"):
        build([docs], idx, embedder=FakeEmbedder())
    assert (idx / "milvus.db").is_dir() and not list(tmp_path.glob(".idx.tmp-*"))
    monkeypatch.undo()
    opened = Index.open(idx, embedder=FakeEmbedder())
    try:  # the alias moved to the new standby before the failure; the folder in place still names its own
        assert len(opened.search("相談", k=10, mode="lexical")) == 2
    finally:
        opened.close()
    shutil.rmtree(idx)
