"""The search side of a Milvus-backed index: filters as Milvus expressions, dense and sparse top-N
from the collection, exact candidate scores from the index directory (vectors and term lists)."""

from __future__ import annotations

import json
import weakref
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import IndexLoadError
from ...models import Filters
from ..dense_faiss import EXACT_FILTER_UP_TO
from ..lexical import LexicalIndex
from ..manifest import Manifest, rebuild_hint, rebuild_options
from ..passage_store import PassageStore
from ..retrieval import LexicalLeg, Scope, top_positive
from ..sparse import TermIds, exact_scores, query_weights
from .build import KEYS_FILE
from .collection import owner_of
from .connect import CALL_TIMEOUT, connect, disconnect, translated

MAX_TOPK = 16_384  # Milvus's limit on one search's results: a leg returns at most this many candidates
VECTORS_FILE = "vectors.npy"  # as index/store.py: the exact vectors, for rescoring candidates


def _literal(values: list[str]) -> str:
    return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"


def expression(filters: Filters | None, section_values: list[str]) -> str:
    """The Milvus filter expression that selects what the filters select (empty: no filter).

    Sections match by substring, as in the embedded engine: the substring is resolved to the
    index's heading values here, and Milvus matches those exactly."""
    if filters is None or filters.is_empty():
        return ""
    parts = []
    if filters.ministries:
        parts.append(f"array_contains_any(ministries, {_literal(list(dict.fromkeys(filters.ministries)))})")
    if filters.doc_ids:
        parts.append(f"doc_id in {_literal(list(dict.fromkeys(filters.doc_ids)))}")
    if filters.sections:
        headings = [v for v in section_values if v and any(s in v for s in filters.sections)]
        parts.append(f"array_contains_any(section, {_literal(headings)})" if headings else "key < 0")
    if filters.fields:
        parts.append(f"field in {_literal([f or '' for f in dict.fromkeys(filters.fields)])}")
    if filters.kinds:
        parts.append(f"kind in {_literal(list(dict.fromkeys(filters.kinds)))}")
    return " and ".join(parts)


class _SparseLeg:
    """A BM25 query: its top-N from the collection's sparse vectors, exact scores from the term lists."""

    def __init__(self, engine: MilvusRetrieval, terms: list[str], scope: Scope) -> None:
        self.engine, self.terms, self.scope = engine, terms, scope

    def top(self, n: int) -> np.ndarray:
        e = self.engine
        weights = query_weights(e.lexical_index, self.terms, e.term_ids)
        if not weights or n <= 0:
            return np.empty(0, dtype=np.int64)
        allowed = self.scope.allowed
        if allowed is not None and len(allowed) <= EXACT_FILTER_UP_TO:
            # A small scope is scored here, exactly (see MilvusRetrieval.dense_top).
            scores = exact_scores(e.lexical_index, self.terms, allowed, e.avgdl)
            return allowed[top_positive(scores, n)].astype(np.int64, copy=False)
        return e.search("sparse", weights, n, self.scope, {"drop_ratio_search": 0.0})

    def at(self, rows: np.ndarray) -> np.ndarray:
        e = self.engine
        scores = exact_scores(e.lexical_index, self.terms, rows, e.avgdl)
        if self.scope.mask is not None:
            scores = scores * self.scope.mask[rows]
        return scores.astype(np.float32, copy=False)


class MilvusRetrieval:
    """Dense and sparse search in one Milvus collection, mapped back to this index's passage rows."""

    name = "milvus"

    def __init__(self, client: Any, info: dict[str, Any], keys: np.ndarray, lexical: LexicalIndex,
                 passages: PassageStore, vectors: np.ndarray, term_ids: TermIds, dense: tuple[str, dict[str, Any]],
                 ) -> None:
        self.client = client
        self.uri: str = info["uri"]
        self.collection: str = info["collection"]
        self.info = info
        self._order = np.argsort(keys, kind="stable")
        self._sorted = keys[self._order]
        self.lexical_index = lexical
        self.passages = passages
        self.vectors = vectors
        self.term_ids = term_ids
        self.avgdl = float(info["sparse"]["avgdl"])
        self.search_params: dict[str, Any] = dict(info.get("search_params") or {})
        self.dense_type, self.dense_params = dense
        self._release = weakref.finalize(self, disconnect, self.uri, client)

    def __len__(self) -> int:
        return len(self._sorted)

    def rows_of(self, keys: np.ndarray) -> np.ndarray:
        """The passage rows of collection keys, in order; keys this index does not hold are dropped."""
        if keys.size == 0 or self._sorted.size == 0:
            return np.empty(0, dtype=np.int64)
        pos = np.minimum(np.searchsorted(self._sorted, keys), self._sorted.size - 1)
        found = self._sorted[pos] == keys
        return self._order[pos[found]].astype(np.int64, copy=False)

    def search(self, field: str, query: Any, n: int, scope: Scope, params: dict[str, Any]) -> np.ndarray:
        limit = min(n, MAX_TOPK, len(self))
        if limit <= 0:
            return np.empty(0, dtype=np.int64)
        expr = expression(scope.filters, self.passages.values["section"])
        with translated(self.uri, f"searching {self.collection}"):
            res = self.client.search(self.collection, data=[query], anns_field=field, limit=limit, filter=expr,
                                     search_params={"metric_type": "IP", "params": params}, output_fields=[],
                                     timeout=CALL_TIMEOUT)
        hits = res[0] if len(res) else []
        keys = np.fromiter((int(h["key"]) for h in hits), dtype=np.int64, count=len(hits))
        return self.rows_of(keys)

    def dense_top(self, query: np.ndarray, n: int, scope: Scope) -> np.ndarray:
        allowed = scope.allowed
        if allowed is not None and len(allowed) <= EXACT_FILTER_UP_TO:
            # As the embedded engine: a filtered scope of at most EXACT_FILTER_UP_TO rows is scored
            # exactly from the folder's vectors. An approximate index probed with a filter finds only
            # the matches in the lists it probes, and Milvus Lite evaluates array filters (ministries,
            # sections) row by row in Python: 5-15 s per call at 100k passages (scale_engines.md).
            scores = self.dense_score(query, allowed)
            return allowed[np.lexsort((allowed, -scores))[:n]].astype(np.int64, copy=False)
        q = np.asarray(query, dtype=np.float32).tolist()
        return self.search("dense", q, n, scope, self.search_params)

    def dense_score(self, query: np.ndarray, rows: np.ndarray) -> np.ndarray:
        if len(rows) == 0:
            return np.empty(0, dtype=np.float32)
        return np.asarray(self.vectors[np.asarray(rows, dtype=np.int64)], dtype=np.float32) @ np.asarray(
            query, dtype=np.float32)

    def dense_vectors(self, rows: np.ndarray) -> np.ndarray:
        return np.asarray(self.vectors[np.asarray(rows, dtype=np.int64)], dtype=np.float32)

    def lexical(self, terms: list[str], scope: Scope) -> LexicalLeg:
        return _SparseLeg(self, terms, scope)

    def describe(self) -> dict[str, Any]:
        return {"engine": "milvus", "uri": self.uri, "collection": self.collection, "alias": self.info["alias"],
                "type": self.dense_type, "params": self.dense_params, "search_params": self.search_params,
                "size": len(self), "dim": int(self.vectors.shape[1]) if self.vectors.ndim == 2 else 0,
                "sparse": self.info["sparse"]}

    def close(self) -> None:
        """Let the collection go (for a Milvus Lite file: for other processes too, once no index here uses it)."""
        self._release()


def open_milvus(directory: Path, manifest: Manifest, lexical: LexicalIndex, passages: PassageStore) -> MilvusRetrieval:
    """Connect to the index's collection and check that it holds this build's rows."""
    info = manifest.engine
    uri, collection = info["uri"], info["collection"]
    client = connect(uri)
    try:
        with translated(uri, f"opening collection {collection}"):
            if not client.has_collection(collection, timeout=CALL_TIMEOUT):
                raise IndexLoadError(f"{directory}: its Milvus collection {collection} at {uri} is gone. "
                                     f"{rebuild_hint(directory)} ({{engine}}, {{uri}})",
                                     rebuild_options(directory, engine="milvus", uri=uri))
            client.load_collection(collection, timeout=CALL_TIMEOUT)
            count = client.query(collection, filter="", output_fields=["count(*)"],
                                 timeout=CALL_TIMEOUT)[0]["count(*)"]
        owner = owner_of(client, uri, collection)
        if owner.get("index_uid") != info["index_uid"] or int(count) != manifest.passage_count:
            raise IndexLoadError(
                f"{directory}: the Milvus collection {collection} at {uri} no longer holds this build "
                f"({count} rows for {manifest.passage_count} passages; owner {owner.get('index_uid')}). "
                f"{rebuild_hint(directory)}", rebuild_options(directory))
        keys = np.load(directory / KEYS_FILE)
        if len(keys) != manifest.passage_count:
            raise ValueError(f"{KEYS_FILE} holds {len(keys)} keys for {manifest.passage_count} passages")
        vectors = np.load(directory / VECTORS_FILE, mmap_mode="r")
        return MilvusRetrieval(client, info, keys, lexical, passages, vectors, TermIds.load(directory),
                               (manifest.dense_type, manifest.dense_params))
    except BaseException:
        disconnect(uri, client)
        raise
