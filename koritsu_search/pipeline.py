"""The default wiring: which embedder to use, and building an index with it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path

from .embed.base import Embedder
from .index.build import BuildReport, build_index
from .index.engine_spec import EngineSpec
from .ingest import MAX_FILE_BYTES


def embedder_for(model: str | None = None) -> Callable[[], Embedder]:
    """A factory that loads the model only when something has to be embedded."""

    def load() -> Embedder:
        from .embed import load_embedder

        return load_embedder(model)

    return load


def build_default_index(
    paths: Iterable[str | Path],
    index_dir: str | Path,
    model: str | None = None,
    faiss_type: str | None = None,
    rebuild: bool = False,
    kind: str | None = None,
    password: str | None = None,
    progress: bool = False,
    ocr: bool = True,
    wait: float = 0.0,
    max_file_bytes: int | None = MAX_FILE_BYTES,
    engine: EngineSpec | None = None,
    vectors_from: Iterable[str | Path] = (),
    glossary: str | Path | None = None,
    needs: str | Path | None = None,
) -> BuildReport:
    """Build or update an index with the chosen (or default, offline) embedding model."""
    from .embed import model_id_for

    return build_index(
        paths,
        index_dir,
        embedder=embedder_for(model),
        model_id=model_id_for(model),
        faiss_type=faiss_type,
        rebuild=rebuild,
        kind=kind,
        password=password,
        progress=progress,
        ocr=ocr,
        wait=wait,
        max_file_bytes=max_file_bytes,
        glossary=glossary,
        needs=needs,
        engine=engine,
        vectors_from=vectors_from,
    )
