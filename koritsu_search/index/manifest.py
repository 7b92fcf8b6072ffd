"""The index directory's manifest.json: what built it, from what, and how to check it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .. import __version__
from ..errors import IndexLoadError, IndexMismatchError

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


@dataclass
class SourceEntry:
    """One indexed source file."""

    doc_id: str
    source: str
    sha256: str
    kind: str
    pages: int
    records: int
    passages: int


@dataclass
class Manifest:
    """Build metadata stored with every index."""

    model_id: str
    dim: int
    sudachi_dictionary: str
    sudachi_modes: list[str]
    faiss_type: str
    faiss_params: dict[str, Any] = field(default_factory=dict)
    passage_count: int = 0
    record_count: int = 0
    sources: list[SourceEntry] = field(default_factory=list)
    skipped: list[dict[str, str]] = field(default_factory=list)
    build: dict[str, Any] = field(default_factory=dict)
    created_at: str = field(default_factory=now_iso)
    updated_at: str = field(default_factory=now_iso)
    format_version: int = FORMAT_VERSION
    package_version: str = __version__
    ingest_version: int = 0
    # Documents whose measures are linked by 施策No. (same declared plan, agreeing names).
    links: list[dict[str, Any]] = field(default_factory=list)

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
                f"{directory} is not an index (no {MANIFEST_NAME}). "
                f"Build it with: koritsu-search index --index {directory}"
            )
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            data["sources"] = [SourceEntry(**s) for s in data.get("sources", [])]
            return cls(**data)
        except (ValueError, TypeError, KeyError) as exc:
            raise IndexLoadError(
                f"{path} is damaged ({exc}). Rebuild with: koritsu-search index --index {directory} --rebuild"
            ) from exc

    def check(self, directory: Path, model_id: str | None = None, sudachi_dictionary: str | None = None) -> None:
        """Refuse an index this code or this model cannot use, saying how to rebuild."""
        hint = f"Rebuild it with: koritsu-search index --index {directory} --rebuild"
        if self.format_version != FORMAT_VERSION:
            raise IndexMismatchError(
                f"{directory} has index format {self.format_version}, this koritsu-search "
                f"{__version__} reads format {FORMAT_VERSION}. {hint}"
            )
        if model_id is not None and model_id != self.model_id:
            raise IndexMismatchError(
                f"{directory} was built with the model '{self.model_id}', not '{model_id}'. "
                f"Use --model '{self.model_id}', or {hint[0].lower()}{hint[1:]} --model '{model_id}'"
            )
        if sudachi_dictionary is not None and sudachi_dictionary != self.sudachi_dictionary:
            raise IndexMismatchError(
                f"{directory} was built with Sudachi dictionary '{self.sudachi_dictionary}', "
                f"this machine has '{sudachi_dictionary}'. {hint}"
            )
