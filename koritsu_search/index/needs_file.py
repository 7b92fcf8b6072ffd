"""The needs taxonomy an index keeps: chosen at build, copied with its vectors, hashed in the manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from ..errors import IndexLoadError
from ..need_tags import NO_VECTORS, NeedVectors
from ..needs import NO_NEEDS, OFF_NAME, Needs, NeedsError, digest, load_needs, parse_needs
from .kept_data import choose_kept
from .manifest import rebuild_hint, rebuild_options

NEEDS_FILE = "needs.toml"
VECTORS_FILE = "needs_vectors.npz"
SHA_KEY = "needs_sha256"  # contract keys
SOURCE_KEY = "needs"


def choose_needs(spec: str | Path | None, index_dir: Path, recorded: dict[str, Any] | None) -> Needs:
    """The taxonomy a build uses (kept_data.choose_kept); a bad file raises NeedsError."""
    return choose_kept(spec, index_dir, recorded, SOURCE_KEY, NEEDS_FILE, load_needs, parse_needs, NO_NEEDS)


def contract_entries(needs: Needs) -> dict[str, Any]:
    """What the manifest records of the taxonomy: where it came from and the hash of its bytes."""
    return {SOURCE_KEY: needs.source, SHA_KEY: needs.sha256}


def previous_vectors(index_dir: Path, needs: Needs, model_id: str | None, recorded: dict[str, Any] | None,
                     recorded_model: str | None) -> NeedVectors | None:
    """The need vectors of the index in place, when they were made from the same taxonomy and model."""
    if needs.sha256 is None or (recorded or {}).get(SHA_KEY) != needs.sha256 or model_id != recorded_model:
        return None
    try:
        return read_vectors(index_dir)
    except (OSError, ValueError, KeyError):
        return None


def write_needs(directory: Path, needs: Needs, vectors: NeedVectors) -> None:
    if needs.sha256 is None:
        return
    (directory / NEEDS_FILE).write_bytes(needs.data)
    np.savez(directory / VECTORS_FILE, detect=vectors.detect, owner=vectors.owner, expand=vectors.expand)


def read_vectors(directory: Path) -> NeedVectors:
    with np.load(directory / VECTORS_FILE) as data:
        return NeedVectors(data["detect"], data["owner"], data["expand"])


def open_needs(directory: Path, contract: dict[str, Any]) -> tuple[Needs, NeedVectors]:
    """The taxonomy an index was built with, checked against the hash in its manifest, and its vectors.

    An index from before needs existed has none (no detection, no tags)."""
    sha = contract.get(SHA_KEY)
    source = str(contract.get(SOURCE_KEY, OFF_NAME))
    if sha is None:
        return NO_NEEDS, NO_VECTORS
    path = directory / NEEDS_FILE
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise IndexLoadError(f"{path}: the needs taxonomy this index was built with is missing ({exc.strerror}). "
                             f"{rebuild_hint(directory)}", rebuild_options(directory)) from None
    if digest(data) != sha:
        raise IndexLoadError(f"{path} does not match the needs taxonomy this index was built with "
                             f"(sha256 {sha}). {rebuild_hint(directory)}", rebuild_options(directory))
    try:
        needs = parse_needs(data, source)
        vectors = read_vectors(directory)
    except NeedsError as exc:
        raise IndexLoadError(f"{directory}: its needs taxonomy is unusable ({exc}). {rebuild_hint(directory)}", rebuild_options(directory)) from exc
    except (OSError, ValueError, KeyError) as exc:
        raise IndexLoadError(f"{directory / VECTORS_FILE} is missing or damaged ({exc}). "
                             f"{rebuild_hint(directory)}", rebuild_options(directory)) from exc
    if vectors.owner.shape[0] != vectors.detect.shape[0] or vectors.expand.shape[0] != len(needs):
        raise IndexLoadError(f"{directory / VECTORS_FILE} does not match its taxonomy. {rebuild_hint(directory)}", rebuild_options(directory))
    return needs, vectors
