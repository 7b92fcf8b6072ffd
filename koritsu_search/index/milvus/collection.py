"""An index's Milvus collections: names, schema, rows, and the sync that makes a standby current.

Each index owns two collections, `<base>_a` and `<base>_b`, and one alias `<base>` naming the one
that serves. A build brings the other (the standby) to the new state by upserting the rows whose
content changed, keyed by passage id, and deleting the rows of passages that are gone; only when
it holds every row does the alias move to it. A build killed at any point before that leaves the
alias, and the index directory, on the previous collection.
"""

from __future__ import annotations

import hashlib
import json
import re
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...models import Passage
from ..dense import EXACT_UP_TO
from .connect import CALL_TIMEOUT, EngineError, translated

SCHEMA_VERSION = 1  # bump when the fields below change: a new version gets new collections
MAX_ARRAY = 64  # ministries and section headings per passage
MAX_VALUE = 4096  # characters of one id, heading or ministry
BATCH = 500  # rows per upsert call
KEY_FIELDS = ["key", "row_hash"]
OWNER_PROPERTY = "koritsu.owner"  # JSON: the index uid, schema, dimension and dense index of the collection


def key_of(passage_id: str) -> int:
    """The collection's primary key of a passage: 63 bits of a hash of its id (stable across builds)."""
    return int.from_bytes(hashlib.blake2b(passage_id.encode("utf-8"), digest_size=8).digest(), "little") >> 1


def passage_keys(passages: Sequence[Passage]) -> np.ndarray:
    keys = np.fromiter((key_of(p.passage_id) for p in passages), dtype=np.int64, count=len(passages))
    if len(np.unique(keys)) != len(keys):
        raise EngineError("two passage ids hash to the same Milvus key; rebuild with {rebuild}", {"rebuild": True})
    return keys


@dataclass(frozen=True)
class Names:
    """The alias and the two collections of one index."""

    base: str

    @classmethod
    def for_index(cls, name: str) -> Names:
        cleaned = re.sub(r"[^0-9A-Za-z_]", "_", name).strip("_") or "index"
        if not re.match(r"[A-Za-z_]", cleaned):
            cleaned = "k_" + cleaned
        return cls(f"{cleaned[:200]}_s{SCHEMA_VERSION}")

    @property
    def alias(self) -> str:
        return self.base

    @property
    def pair(self) -> tuple[str, str]:
        return f"{self.base}_a", f"{self.base}_b"

    def other(self, collection: str | None) -> str:
        a, b = self.pair
        return b if collection == a else a


MILVUS_TYPES = {"flat": "FLAT", "ivf": "IVF_FLAT", "hnsw": "HNSW"}


def dense_index(n: int, kind: str | None = None,
                params: dict[str, Any] | None = None) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """Index type, build parameters and search parameters for n passages. By default as the
    embedded engine: exact up to EXACT_UP_TO, IVF-Flat with sqrt(n) lists and 16 probed beyond."""
    kind = kind or ("flat" if n <= EXACT_UP_TO else "ivf")
    if kind not in MILVUS_TYPES:
        raise EngineError(f"unknown dense index type '{kind}' for Milvus; choose one of {', '.join(MILVUS_TYPES)}")
    given = dict(params or {})
    if kind == "flat":
        return "FLAT", {}, {}
    if kind == "ivf":
        nlist = int(given.get("nlist", max(1, min(65536, round(max(n, 1) ** 0.5)))))
        return "IVF_FLAT", {"nlist": nlist}, {"nprobe": int(given.get("nprobe", min(nlist, 16)))}
    build = {"M": int(given.get("M", 32)), "efConstruction": int(given.get("efConstruction", 80))}
    return "HNSW", build, {"ef": int(given.get("efSearch", 256))}


def _schema(client: Any, dim: int) -> Any:
    from pymilvus import DataType

    s = client.create_schema(auto_id=False, enable_dynamic_field=False)
    s.add_field("key", DataType.INT64, is_primary=True)
    s.add_field("row_hash", DataType.VARCHAR, max_length=64)
    s.add_field("passage_id", DataType.VARCHAR, max_length=MAX_VALUE)
    s.add_field("record_id", DataType.VARCHAR, max_length=MAX_VALUE)
    s.add_field("doc_id", DataType.VARCHAR, max_length=MAX_VALUE)
    s.add_field("kind", DataType.VARCHAR, max_length=MAX_VALUE)
    s.add_field("field", DataType.VARCHAR, max_length=MAX_VALUE)
    s.add_field("page", DataType.INT64)
    s.add_field("ministries", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=MAX_ARRAY,
                max_length=MAX_VALUE)
    s.add_field("section", DataType.ARRAY, element_type=DataType.VARCHAR, max_capacity=MAX_ARRAY,
                max_length=MAX_VALUE)
    s.add_field("dense", DataType.FLOAT_VECTOR, dim=dim)
    s.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    return s


def owner_of(client: Any, uri: str, collection: str) -> dict[str, Any]:
    """What a collection says about itself (index uid, schema version, dense index)."""
    with translated(uri, f"reading collection {collection}"):
        props = client.describe_collection(collection, timeout=CALL_TIMEOUT).get("properties") or {}
    text = props.get(OWNER_PROPERTY, "")
    try:
        data = json.loads(text or "{}")
    except ValueError:
        data = {}
    return data if isinstance(data, dict) else {}


def ensure_collection(client: Any, uri: str, name: str, dim: int, owner: dict[str, Any]) -> bool:
    """The standby collection, made anew unless it has this schema, dimension and dense index;
    True when it was (re)created empty."""
    with translated(uri, f"preparing collection {name}"):
        if client.has_collection(name, timeout=CALL_TIMEOUT):
            if owner_of(client, uri, name) == owner:
                client.load_collection(name, timeout=CALL_TIMEOUT)
                return False
            client.drop_collection(name, timeout=CALL_TIMEOUT)
        schema = _schema(client, dim)
        params = client.prepare_index_params()
        params.add_index("dense", index_type=owner["dense_type"], metric_type="IP", params=owner["dense_params"])
        params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="IP",
                         params={"inverted_index_algo": "DAAT_MAXSCORE"})
        client.create_collection(name, schema=schema, index_params=params, consistency_level="Strong",
                                 timeout=CALL_TIMEOUT)
        client.alter_collection_properties(name, properties={OWNER_PROPERTY: json.dumps(owner, sort_keys=True)},
                                           timeout=CALL_TIMEOUT)
        client.load_collection(name, timeout=CALL_TIMEOUT)
        return True


def existing_rows(client: Any, uri: str, name: str) -> dict[int, str]:
    """Every row's key and content hash in a collection."""
    out: dict[int, str] = {}
    with translated(uri, f"listing collection {name}"):
        it = client.query_iterator(name, batch_size=4096, filter="", output_fields=KEY_FIELDS, timeout=CALL_TIMEOUT)
        try:
            while batch := it.next():
                out.update((int(r["key"]), str(r["row_hash"])) for r in batch)
        finally:
            it.close()
    return out


def _checked(values: list[str], what: str, passage: Passage) -> list[str]:
    # Milvus counts VARCHAR lengths in bytes (Milvus Lite in characters): check the stricter one.
    if len(values) > MAX_ARRAY or any(len(v.encode("utf-8")) > MAX_VALUE for v in values):
        raise EngineError(f"passage {passage.passage_id}: its {what} do not fit a Milvus collection (at most "
                          f"{MAX_ARRAY} values of at most {MAX_VALUE} bytes each)")
    return values


def row_hash(p: Passage, vector_id: str, sparse_id: str, term_dims: list[int]) -> str:
    """What a row is made of: its text (vector and terms), its filterable fields, its weighting and the
    sparse dimensions of its terms (a row written by a build that never finished may hold others)."""
    meta = [p.content_hash, vector_id, sparse_id, term_dims, p.record_id, p.doc_id, p.kind, p.field or "", p.page,
            p.ministries, p.section]
    return hashlib.sha256(json.dumps(meta, ensure_ascii=False).encode("utf-8")).hexdigest()[:32]


def make_row(p: Passage, key: int, rh: str, vector: np.ndarray, sparse: dict[int, float]) -> dict[str, Any]:
    _checked([p.passage_id, p.record_id, p.doc_id, p.kind, p.field or ""], "ids, kind and column", p)
    return {
        "key": key, "row_hash": rh, "passage_id": p.passage_id, "record_id": p.record_id, "doc_id": p.doc_id,
        "kind": p.kind, "field": p.field or "", "page": -1 if p.page is None else int(p.page),
        "ministries": _checked(list(p.ministries), "ministries", p),
        "section": _checked(list(p.section), "section headings", p),
        "dense": np.asarray(vector, dtype=np.float32).tolist(), "sparse": sparse,
    }


def batches(items: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def progress_bar(total: int, desc: str, enabled: bool) -> Any:
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit="row", file=sys.stderr, disable=not enabled)
