"""The index directory's manifest.json: what built it, from what, and how to check it."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import IndexLoadError, IndexMismatchError
from ..fusion import FusionConfig
from .contract import differences

FORMAT_VERSION = 2
MANIFEST_NAME = "manifest.json"


Signature = tuple[int, int, int, int]


def manifest_signature(directory: Path) -> Signature | None:
    """What changes when a build swaps a new index in: its manifest's device, inode, size and time
    (None while no index is in place, e.g. between a build's two renames)."""
    try:
        st = os.stat(directory / MANIFEST_NAME)
    except OSError:
        return None
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def rebuild_hint(directory: Path) -> str:
    """The usual fix of a damaged or outdated index, as a message part; raise with rebuild_options(directory)."""
    return "Rebuild it with: {rebuild}"


def rebuild_options(directory: Path, **more: object) -> dict[str, object]:
    return {"rebuild": str(directory), **more}


@dataclass
class SourceEntry:
    """One indexed source file: key is its path relative to the folder it was found in."""

    doc_id: str
    source: str
    key: str
    sha256: str
    kind: str
    pages: int
    records: int
    passages: int


@dataclass
class Manifest:
    """Build metadata stored with every index: the contract it was built under, and its sources."""

    model_id: str
    dim: int
    dense_type: str
    dense_params: dict[str, Any] = field(default_factory=dict)
    contract: dict[str, Any] = field(default_factory=dict)
    passage_count: int = 0
    record_count: int = 0
    sources: list[SourceEntry] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    build: dict[str, Any] = field(default_factory=dict)
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)
    format_version: int = FORMAT_VERSION
    package_version: str = __version__
    # Documents whose measures are linked by 施策No. (same declared plan, agreeing names).
    links: list[dict[str, Any]] = field(default_factory=list)
    # Where the dense and sparse indexes live: {"name": "faiss"} (files here) or Milvus's URI,
    # alias, collection and weighting (index/milvus/build.py). A token is never recorded.
    engine: dict[str, Any] = field(default_factory=lambda: {"name": "faiss"})

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def write(self, directory: Path) -> None:
        text = json.dumps(self.to_dict(), ensure_ascii=False, indent=2)
        (directory / MANIFEST_NAME).write_text(text + "\n", encoding="utf-8")

    @classmethod
    def read(cls, directory: Path) -> Manifest:
        path = directory / MANIFEST_NAME
        if not path.exists():
            raise IndexLoadError(
                f"{directory} is not an index (no {MANIFEST_NAME}). Build it with: {{build}}", {"build": str(directory)}
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if not isinstance(data, dict):
                raise ValueError(f"expected a JSON object, found {type(data).__name__}")
            version = data.get("format_version")
            if version != FORMAT_VERSION:
                raise IndexMismatchError(
                    f"{directory} has index format {version}, this koritsu-search {__version__} reads "
                    f"format {FORMAT_VERSION}. {rebuild_hint(directory)}", rebuild_options(directory)
                )
            known = {f.name for f in fields(cls)}
            unknown = sorted(set(data) - known)
            if unknown:
                raise ValueError(f"unknown fields {', '.join(unknown)}")
            data["sources"] = [SourceEntry(**s) for s in data.get("sources", [])]
            manifest = cls(**data)
            if manifest.dim <= 0 or manifest.passage_count < 0:
                raise ValueError(f"dim {manifest.dim}, passage_count {manifest.passage_count}")
            return manifest
        except (ValueError, TypeError, KeyError, AttributeError) as exc:
            raise IndexLoadError(f"{path} is damaged ({exc}). {rebuild_hint(directory)}",
                                 rebuild_options(directory)) from exc

    def fusion_config(self) -> FusionConfig:
        return FusionConfig.from_dict(self.contract.get("fusion", {}))

    def check(self, directory: Path, current: dict[str, Any], ignore: tuple[str, ...] = ()) -> None:
        """Refuse an index built under another contract (dictionary, tokenizer rules, ...), saying what
        changed and how to update it."""
        diffs = differences(self.contract, {k: v for k, v in current.items() if k not in ignore})
        if diffs:
            raise IndexMismatchError(
                f"{directory} was built under other settings: {'; '.join(diffs)}. Update it with: "
                "{build} (stored vectors are reused; only what changed is redone)", {"build": str(directory)}
            )

    def check_model(self, directory: Path, model_id: str) -> None:
        if model_id != self.model_id:
            raise IndexMismatchError(
                f"{directory} was built with the model '{self.model_id}', not '{model_id}'. "
                "Use {model}, or rebuild it with the other model: {rebuild}",
                {"model": self.model_id, "rebuild": str(directory)}
            )
