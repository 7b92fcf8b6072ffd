"""The passage files: rows as JSON lines read by byte range, metadata as integer columns with per-value row lists."""

from __future__ import annotations

import json
import os
import weakref
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from ..models import Passage
from ..procedural import is_title_only

PASSAGES_FILE = "passages.jsonl"
COLUMNS_FILE = "columns.npz"
VALUES_FILE = "columns.json"
# Single-valued columns (one code per passage) and multi-valued ones (a CSR list per passage).
SINGLE = ("record", "doc", "kind", "field", "measure")
MULTI = ("ministry", "section", "need")
# Parsed passages kept in memory: every passage of a small index, the often-hit ones of a large one.
CACHED_PASSAGES = 20_000
_ATTR = {"record": "record_id", "doc": "doc_id", "kind": "kind", "field": "field", "measure": "measure_key",
         "ministry": "ministries", "section": "section", "need": "needs"}


class RowFile:
    """A file of JSON lines read by byte range with pread.

    Not through a memory map: a map pulls neighbouring pages into the process (~60 KB per row
    read), which grew a 1M-passage server by 1.2 GB."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file = open(path, "rb", buffering=0)
        weakref.finalize(self, self._file.close)

    def read(self, start: int, end: int) -> Any:
        return json.loads(os.pread(self._file.fileno(), end - start, start))

    def rows(self) -> Iterator[Any]:
        """Every row, from the file as it was opened (a rebuild swapped in since is not seen)."""
        fd = self._file.fileno()
        data = os.pread(fd, os.fstat(fd).st_size, 0)
        return (json.loads(line) for line in data.splitlines() if line.strip())


def write_rows(fh: BinaryIO, rows: Iterable[dict[str, Any]]) -> Iterator[int]:
    """Write rows as JSON lines, yielding each row's start offset and, last, the end offset."""
    pos = 0
    for row in rows:
        yield pos
        pos += fh.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))
    yield pos


class _Codes:
    """Distinct values in first-seen order, each with a small integer code."""

    def __init__(self) -> None:
        self.values: list[str] = []
        self.code: dict[str, int] = {}

    def __call__(self, value: str | None) -> int:
        key = value or ""
        c = self.code.get(key)
        if c is None:
            c = self.code[key] = len(self.values)
            self.values.append(key)
        return c


def write_store(directory: Path, passages: Sequence[Passage], procedural: np.ndarray) -> None:
    """Write passages.jsonl, its byte offsets and the metadata columns."""
    codes = {name: _Codes() for name in (*SINGLE, *MULTI)}
    single = {name: np.empty(len(passages), dtype=np.int32) for name in SINGLE}
    multi: dict[str, tuple[list[int], list[int]]] = {name: ([0], []) for name in MULTI}
    with open(directory / PASSAGES_FILE, "wb") as fh:
        offsets = np.fromiter(write_rows(fh, (p.to_dict() for p in passages)), dtype=np.int64,
                              count=len(passages) + 1)
    for i, p in enumerate(passages):
        for name in SINGLE:
            single[name][i] = codes[name](getattr(p, _ATTR[name]))
        for name in MULTI:
            ptr, vals = multi[name]
            vals.extend(codes[name](v) for v in getattr(p, _ATTR[name]))
            ptr.append(len(vals))
    title_only = np.fromiter((is_title_only(p.text) for p in passages), dtype=bool, count=len(passages))
    arrays: dict[str, np.ndarray] = {"offsets": offsets, "procedural": np.asarray(procedural, dtype=bool),
                                     "title_only": title_only,
                                     "content_hash": np.array([p.content_hash for p in passages], dtype="S32")}
    arrays.update(single)
    for name, (ptr, vals) in multi.items():
        arrays[f"{name}_ptr"] = np.asarray(ptr, dtype=np.int64)
        arrays[name] = np.asarray(vals, dtype=np.int32)
    np.savez(directory / COLUMNS_FILE, **arrays)  # type: ignore[arg-type]
    values = {name: c.values for name, c in codes.items()}
    (directory / VALUES_FILE).write_text(json.dumps(values, ensure_ascii=False), encoding="utf-8")
