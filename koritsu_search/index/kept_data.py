"""Data files an index keeps (glossary, needs taxonomy): which one a build uses."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")
DEFAULT_NAME = "default"  # the package's file
OFF_NAME = "none"  # no file


def choose_kept(spec: str | Path | None, index_dir: Path, recorded: dict[str, Any] | None, source_key: str,
                file_name: str, load: Callable[[str | Path | None], T], parse: Callable[[bytes, str], T],
                off: T) -> T:
    """The file a build uses: the one asked for (`spec`: a path, default or none), else the index's own
    copy if it was built with one, else the package's. A bad file raises before anything is parsed."""
    if spec is not None:
        return load(spec)
    source = (recorded or {}).get(source_key, DEFAULT_NAME)
    if source == OFF_NAME:
        return off
    if source != DEFAULT_NAME and (index_dir / file_name).exists():
        return parse((index_dir / file_name).read_bytes(), source)
    return load(DEFAULT_NAME)
