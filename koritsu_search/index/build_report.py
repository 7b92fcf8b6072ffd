"""What a build did: counts, reuse, skipped files, where the engine put the indexes, and each phase's time."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..models import Skipped


@dataclass
class BuildReport:
    """What a build did: counts, reuse, skipped files and timings."""

    index_dir: str
    documents: int = 0
    records: int = 0
    passages: int = 0
    embedded: int = 0
    reused_vectors: int = 0
    reparsed_files: int = 0
    segmented: int = 0
    reused_files: int = 0
    removed_files: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    kept_previous: list[str] = field(default_factory=list)
    previous_unusable: str | None = None  # the index in place was damaged or of another format: rebuilt
    engine: dict[str, Any] = field(default_factory=dict)  # where the indexes went (Milvus: rows written)
    seconds: dict[str, float] = field(default_factory=dict)
    size_bytes: int = 0

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["skipped"] = [s.to_dict() for s in self.skipped]
        return d

    def summary(self) -> str:
        parts = [f"the index in place could not be read ({self.previous_unusable}): rebuilt from the sources"] \
            if self.previous_unusable else []
        parts += [
            f"{self.documents} documents, {self.records} records, {self.passages} passages",
            f"embedded {self.embedded}, reused {self.reused_vectors}",
            f"{self.reparsed_files} files parsed, {self.reused_files} unchanged",
        ]
        if self.removed_files:
            parts.append(f"{len(self.removed_files)} removed")
        if self.skipped:
            parts.append(f"{len(self.skipped)} skipped")
        if self.engine.get("name") == "milvus":
            parts.append(f"Milvus {self.engine['alias']} -> {self.engine['collection']} at {self.engine['uri']}: "
                         f"{self.engine['rows_written']} rows written, {self.engine['rows_deleted']} deleted")
        total = self.seconds.get("total")
        if total is not None:
            parts.append(f"{total:.1f} s")
        return "; ".join(parts)
