"""Damaged index directories explain themselves in search, serve and index; builds rebuild them and say so."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from koritsu_search import open_index
from koritsu_search.cli import app
from koritsu_search.cli_options import flag_term
from koritsu_search.errors import IndexLoadError
from koritsu_search.index.build import build_index

from helpers import CORPUS, FakeEmbedder

runner = CliRunner()


def _zero_vectors(d: Path) -> None:
    (d / "vectors.npy").write_bytes(b"")


def _other_dim(d: Path) -> None:
    np.save(d / "vectors.npy", np.load(d / "vectors.npy")[:, :10])


def _manifest_list(d: Path) -> None:
    m = json.loads((d / "manifest.json").read_text(encoding="utf-8"))
    (d / "manifest.json").write_text(json.dumps([m]), encoding="utf-8")


def _rename_key(name: str, key: str) -> Callable[[Path], None]:
    def damage(d: Path) -> None:
        data = (d / name).read_bytes()
        (d / name).write_bytes(data.replace(f'"{key}"'.encode(), f'"{key[:-1]}X"'.encode()))  # same length
    return damage


def _zero(name: str) -> Callable[[Path], None]:
    def damage(d: Path) -> None:
        (d / name).write_bytes(b"")
    return damage


DAMAGE = {
    "vectors.npy of 0 bytes": _zero_vectors,
    "vectors of another dimension": _other_dim,
    "manifest is a JSON list": _manifest_list,
    "passage rows with an unknown key": _rename_key("passages.jsonl", "doc_title"),
    "record rows with an unknown key": _rename_key("records.jsonl", "kind"),
    "faiss.index of 0 bytes": _zero("faiss.index"),
    "terms.npz of 0 bytes": _zero("terms.npz"),
    "columns.npz of 0 bytes": _zero("columns.npz"),
    "documents.jsonl cut short": lambda d: (d / "documents.jsonl").write_bytes((d / "documents.jsonl").read_bytes()[:50]),
}


# Files an update never reads (it writes them anew from the documents): their damage costs no reuse.
NOT_REUSED = {"passage rows with an unknown key", "faiss.index of 0 bytes"}


@pytest.fixture(params=list(DAMAGE), ids=list(DAMAGE))
def damaged(request: pytest.FixtureRequest, seed_index_dir: Path, tmp_path: Path) -> Path:
    d = tmp_path / request.param.replace(" ", "_")
    shutil.copytree(seed_index_dir, d)
    DAMAGE[request.param](d)
    return d


def test_opening_a_damaged_index_is_an_index_load_error_with_the_rebuild_hint(damaged: Path) -> None:
    with pytest.raises(IndexLoadError, match=r"BuildOptions\(rebuild=True\)") as err:
        open_index(damaged, embedder=FakeEmbedder())
    assert f"koritsu-search index --index {damaged} --rebuild SOURCES" in err.value.render(flag_term)


@pytest.mark.parametrize("command", [["search", "--mode", "lexical", "地域"], ["serve", "--port", "0"]])
def test_search_and_serve_on_a_damaged_index_print_one_error_line(damaged: Path, command: list[str]) -> None:
    result = runner.invoke(app, [command[0], "--index", str(damaged), *command[1:]])
    assert result.exit_code == 1, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), result.exception
    assert "Error:" in result.output and "--rebuild" in result.output
    assert "Traceback" not in result.output


def test_index_on_a_damaged_directory_rebuilds_it_and_says_so(damaged: Path) -> None:
    report = build_index([CORPUS], damaged, embedder=FakeEmbedder())
    if damaged.name.replace("_", " ") in NOT_REUSED:
        assert report.previous_unusable is None and report.embedded == 0
    else:
        assert report.previous_unusable, "the report names why the index in place could not be reused"
        assert report.summary().startswith("the index in place could not be read")
    idx = open_index(damaged, embedder=FakeEmbedder())
    assert any(h.measure_no == 10 for h in idx.search("在留外国人 情報提供", k=5))
    again = build_index([CORPUS], damaged, embedder=FakeEmbedder())
    assert again.previous_unusable is None and again.embedded == 0
