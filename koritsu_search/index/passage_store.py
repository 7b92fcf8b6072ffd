"""The passage store of an opened index: metadata columns in memory, passage text read on demand."""

from __future__ import annotations

import functools
import json
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from ..errors import IndexLoadError
from ..filter_spec import filter_values
from ..models import Filters, Passage
from .columns import CACHED_PASSAGES, COLUMNS_FILE, MULTI, PASSAGES_FILE, SINGLE, VALUES_FILE, RowFile
from .manifest import rebuild_hint, rebuild_options


def _read_passage(rows: RowFile, offsets: np.ndarray, i: int) -> Passage:
    try:
        return Passage.from_dict(rows.read(int(offsets[i]), int(offsets[i + 1])))
    except (ValueError, TypeError) as exc:  # rows are parsed on demand: damage shows up here
        raise IndexLoadError(
            f"{rows.path} line {i + 1} is damaged ({exc}). {rebuild_hint(rows.path.parent)}"
        , rebuild_options(rows.path.parent)) from exc


class PassageStore(Sequence[Passage]):
    """Passages of an opened index: columns in memory, full rows parsed only when asked for."""

    def __init__(self, directory: Path, for_update: bool = False) -> None:
        """for_update: an index of an older passages layout is read too, for what an update reuses
        (content hashes; the vectors and terms beside them), its missing columns left empty."""
        self._dir = directory
        with np.load(directory / COLUMNS_FILE) as data:
            self._cols: dict[str, np.ndarray] = {k: data[k] for k in data.files}
        self.values: dict[str, list[str]] = json.loads((directory / VALUES_FILE).read_text(encoding="utf-8"))
        self._offsets = self._cols.pop("offsets")
        self.procedural: np.ndarray = self._cols.pop("procedural")
        # Headings and bare names (procedural.is_title_only); an index of an older layout has none marked.
        self.title_only: np.ndarray = self._cols.pop("title_only", np.zeros(len(self.procedural), dtype=bool))
        # What each passage's vector and terms were made from (updates reuse them by it).
        self.content_hashes: np.ndarray = self._cols.pop("content_hash")
        self._n = len(self._offsets) - 1
        if for_update:
            for c in SINGLE:
                if c not in self.values:
                    self.values[c], self._cols[c] = [""], np.zeros(self._n, dtype=np.int32)
            for c in MULTI:
                if c not in self.values:
                    self.values[c], self._cols[c] = [], np.zeros(0, dtype=np.int32)
                    self._cols[f"{c}_ptr"] = np.zeros(self._n + 1, dtype=np.int64)
        missing = [c for c in (*SINGLE, *MULTI) if c not in self.values]
        if missing or any(len(self._cols[c]) != self._n for c in SINGLE) or len(self.procedural) != self._n \
                or len(self.content_hashes) != self._n:
            raise ValueError(f"the passage columns do not match {self._n} passages")
        self._codes = {name: {v: i for i, v in enumerate(vals)} for name, vals in self.values.items()}
        self._file = RowFile(directory / PASSAGES_FILE)
        self._rows: dict[str, list[np.ndarray]] = {}
        self._lock = threading.Lock()
        # Over a function of the file, not a method: a cache holding self would keep the store (and
        # its open files) alive after its last user until the garbage collector runs.
        self._parse = functools.lru_cache(maxsize=CACHED_PASSAGES)(functools.partial(_read_passage, self._file,
                                                                                        self._offsets))

    def __len__(self) -> int:
        return self._n

    def __getitem__(self, i: int) -> Passage:  # type: ignore[override]
        if not -self._n <= i < self._n:
            raise IndexError(i)
        return self._parse(i % self._n)

    def probe(self) -> None:
        """Parse the first and the last passage (IndexLoadError when they are damaged)."""
        for i in {0, self._n - 1} if self._n else ():
            self._parse(i)

    def __iter__(self) -> Iterator[Passage]:
        return (self[i] for i in range(self._n))

    def column(self, name: str) -> np.ndarray:
        """The code of each passage in a single-valued column (record, doc, kind, field)."""
        return self._cols[name]

    def code(self, name: str, value: str) -> int | None:
        return self._codes[name].get(value)

    def rows(self, name: str, value: str) -> np.ndarray:
        """The sorted rows whose column holds value (empty when none)."""
        code = self._codes[name].get(value)
        if code is None:
            return np.empty(0, dtype=np.int64)
        return self._inverted(name)[code]

    def _inverted(self, name: str) -> list[np.ndarray]:
        """Rows of each code of a column, built on first use: O(n log n) once, then O(rows) per filter."""
        with self._lock:
            found = self._rows.get(name)
            if found is None:
                if name in SINGLE:
                    codes, rows = self._cols[name], np.arange(self._n, dtype=np.int64)
                else:
                    ptr = self._cols[f"{name}_ptr"]
                    codes, rows = self._cols[name], np.repeat(np.arange(self._n, dtype=np.int64), np.diff(ptr))
                order = np.argsort(codes, kind="stable")
                bounds = np.cumsum(np.bincount(codes, minlength=len(self.values[name])))[:-1]
                found = self._rows[name] = np.split(rows[order], bounds)
            return found

    def select_mask(self, filters: Filters | None) -> np.ndarray | None:
        """A boolean mask of the passages that pass the filters, or None when nothing is filtered.

        Each filter's rows come from the per-value row lists (O(matching rows)); combining them is
        a vectorized pass over a bit per passage."""
        if filters is None or filters.is_empty():
            return None
        mask = np.ones(self._n, dtype=bool)
        # Sections match by substring (a filter "（１）" takes every section under it).
        sections = [v for v in self.values["section"] if any(s in v for s in filters.sections)]
        wanted_by = filter_values(filters) | ({"section": sections} if filters.sections else {})
        for name, wanted in wanted_by.items():
            if name == "field":
                wanted = [f or "" for f in wanted]
            part = np.zeros(self._n, dtype=bool)
            for v in dict.fromkeys(wanted):
                part[self.rows(name, v)] = True
            mask &= part
        return mask

    def select(self, filters: Filters | None) -> np.ndarray | None:
        """Sorted row ids that pass the filters, or None when nothing is filtered."""
        mask = self.select_mask(filters)
        return None if mask is None else np.flatnonzero(mask).astype(np.int64, copy=False)

    def has_value(self, name: str, value: str, rows: np.ndarray) -> np.ndarray:
        """Whether each of the given rows holds value in a column (a binary search per row)."""
        holding = self.rows(name, value)
        if holding.size == 0:
            return np.zeros(len(rows), dtype=bool)
        pos = np.minimum(np.searchsorted(holding, rows), holding.size - 1)
        return holding[pos] == rows

    def facet_values(self) -> dict[str, list[str]]:
        """The values each filter can take (ministries sorted, others in first-seen order)."""
        return {
            "ministries": sorted(v for v in self.values["ministry"] if v),
            "sections": [v for v in self.values["section"] if v],
            "fields": [v for v in self.values["field"] if v],
            "kinds": [v for v in self.values["kind"] if v],
            "needs": [v for v in self.values["need"] if v],
        }
