"""Building a Milvus-backed index: sync the standby collection, then switch the alias at commit."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import numpy as np

from ...errors import OptionError
from ..engines.base import BuildInputs, BuiltEngine, EngineSpec
from ..manifest import Manifest
from ..sparse import TERM_IDS_FILE, TermIds, average_length, describe, document_weights, kept_avgdl
from .collection import (
    BATCH,
    Names,
    batches,
    dense_index,
    ensure_collection,
    existing_rows,
    make_row,
    owner_of,
    passage_keys,
    progress_bar,
    row_hash,
)
from .connect import CALL_TIMEOUT, EngineError, connect, disconnect, is_lite, resolve_uri, translated

KEYS_FILE = "milvus_keys.npy"  # each passage row's primary key in the collection


def _previous(inputs: BuildInputs, names: Names, uri: str) -> dict[str, Any]:
    """The engine record of the index in place when it used this same collection pair (also when its
    other files are damaged: the collections are still its own)."""
    prev = inputs.recorded.engine if inputs.recorded is not None else {}
    if prev.get("name") == "milvus" and prev.get("uri") == uri and prev.get("alias") == names.alias:
        return prev
    return {}


def _term_ids(directory: Path, prev: dict[str, Any]) -> TermIds:
    if prev:
        try:
            ids = TermIds.load(directory)
            if ids.uid == prev.get("sparse", {}).get("term_ids_uid"):
                return ids
        except (OSError, ValueError, KeyError):
            pass  # a new map: every row is rewritten
    return TermIds()


def _uri(spec: EngineSpec, recorded: Manifest | None) -> str:
    engine = recorded.engine if recorded is not None else {}
    given = spec.uri or (engine.get("uri") if engine.get("name") == "milvus" else None)
    if not given:
        raise OptionError("the milvus engine needs a {uri}: a Milvus Lite file (./milvus.db) or a server "
                          "(http://host:19530)", {"uri": None})
    return resolve_uri(given)


def preflight(spec: EngineSpec, recorded: Manifest | None) -> None:
    """Connect once and let go: EngineError (one line naming the URI) when Milvus cannot be reached.
    A Milvus Lite database's folder is created first."""
    uri = _uri(spec, recorded)
    if is_lite(uri):
        Path(uri).parent.mkdir(parents=True, exist_ok=True)
    disconnect(uri, connect(uri, spec.token))


def carried(uri: str, index_dir: Path) -> tuple[str, ...]:
    """A Milvus Lite database inside the index folder, as a path in it: the folder's swap carries it."""
    if not is_lite(uri):
        return ()
    try:
        return (str(Path(uri).relative_to(index_dir.resolve())),)
    except ValueError:
        return ()


def _close_enough(kept: dict[str, Any], ideal: dict[str, Any]) -> bool:
    """Every numeric parameter within a factor of 2 of the ideal one (nlist of an IVF index)."""
    for key, want in ideal.items():
        have = kept.get(key)
        if not isinstance(have, (int, float)) or not isinstance(want, (int, float)) or not \
                (want / 2 <= have <= want * 2):
            return False
    return True


def build_milvus(inputs: BuildInputs, spec: EngineSpec) -> BuiltEngine:
    """Bring the standby collection to this build's passages; the alias moves at commit."""
    recorded = inputs.recorded.engine if inputs.recorded is not None else {}
    uri = _uri(spec, inputs.recorded)
    base = spec.collection or recorded.get("collection_base") or inputs.index_dir.name
    names = Names.for_index(base)
    recorded_pair = _previous(inputs, names, uri)
    prev = {} if spec.rebuild else recorded_pair
    client = connect(uri, spec.token)
    try:
        return _sync(client, uri, names, base, prev, recorded_pair.get("collection"), inputs, spec)
    except BaseException:
        disconnect(uri, client)
        raise


def _aliased(client: Any, uri: str, names: Names, index_uid: str, spec: EngineSpec) -> str | None:
    """The collection the alias serves now (None: no alias yet); EngineError when it serves another index."""
    with translated(uri, "reading the alias"):
        aliased = client.describe_alias(names.alias, timeout=CALL_TIMEOUT)["collection_name"] \
            if names.alias in client.list_aliases(timeout=CALL_TIMEOUT).get("aliases", []) else None
    if aliased is not None:
        theirs = owner_of(client, uri, aliased).get("index_uid")
        if theirs != index_uid and not spec.rebuild:
            raise EngineError(
                f"the Milvus alias {names.alias} at {uri} serves another index (uid {theirs}). "
                "Choose another name ({collection}), or rebuild ({rebuild}) to replace it",
                {"collection": None, "rebuild": True}
            )
    return str(aliased) if aliased is not None else None


def _sync(client: Any, uri: str, names: Names, base: str, prev: dict[str, Any], serving: str | None,
          inputs: BuildInputs, spec: EngineSpec) -> BuiltEngine:
    index_uid = prev.get("index_uid") or uuid.uuid4().hex
    aliased = _aliased(client, uri, names, index_uid, spec)
    # The directory in place names the collection it was built with: after a build killed
    # between its alias switch and its directory rename, that one is still the serving copy.
    # (Also on --rebuild: the collection the directory names is the one still serving.)
    active = serving or aliased
    standby = names.other(active)

    n, dim = len(inputs.passages), int(inputs.vectors.shape[1])
    dense_type, dense_params, search_params = dense_index(n, spec.dense_type, spec.dense_params)
    recorded_index = inputs.recorded
    if prev and not spec.dense_params and recorded_index is not None and recorded_index.dense_type == dense_type \
            and _close_enough(recorded_index.dense_params, dense_params):
        # The same kind of index keeps its parameters while they stay within 2x of what this size would
        # get: IVF's nlist follows sqrt(n), and each new value recreates the standby (every row rewritten).
        dense_params, search_params = dict(recorded_index.dense_params), dict(prev.get("search_params") or {})
    owner = {"index_uid": index_uid, "schema": names.base, "dim": dim, "dense_type": dense_type,
             "dense_params": dense_params}
    with translated(uri, f"dropping collection {standby}"):
        if spec.rebuild and client.has_collection(standby, timeout=CALL_TIMEOUT):
            client.drop_collection(standby, timeout=CALL_TIMEOUT)
    ensure_collection(client, uri, standby, dim, owner)

    term_ids = _term_ids(inputs.index_dir, prev)
    for terms in inputs.terms:
        term_ids.extend(terms)
    avgdl = kept_avgdl(prev.get("sparse", {}).get("avgdl") if prev and not spec.rebuild else None,
                       average_length(inputs.lexical))
    keys = passage_keys(inputs.passages)
    sparse_id = f"{term_ids.uid}:{avgdl!r}"
    hashes = [row_hash(p, inputs.model_id, sparse_id, sorted(term_ids.ids[t] for t in set(terms) if t))
              for p, terms in zip(inputs.passages, inputs.terms, strict=True)]
    have = existing_rows(client, uri, standby)
    todo = [i for i in range(n) if have.get(int(keys[i])) != hashes[i]]
    gone = sorted(set(have) - set(keys.tolist()))
    with progress_bar(len(todo), f"milvus {standby}", inputs.progress) as bar, \
            translated(uri, f"writing collection {standby}"):
        for chunk in batches(todo, BATCH):
            rows = [make_row(inputs.passages[i], int(keys[i]), hashes[i], inputs.vectors[i],
                             document_weights(inputs.terms[i], avgdl, term_ids)) for i in chunk]
            client.upsert(standby, rows, timeout=CALL_TIMEOUT)
            bar.update(len(chunk))
        for chunk in batches(gone, BATCH):
            client.delete(standby, ids=chunk, timeout=CALL_TIMEOUT)
        client.flush(standby, timeout=CALL_TIMEOUT)
        count = client.query(standby, filter="", output_fields=["count(*)"], timeout=CALL_TIMEOUT)[0]["count(*)"]
    if int(count) != n:
        raise EngineError(f"collection {standby} at {uri} holds {count} rows after the build, expected {n}; "
                          "run the build again")

    info = {"name": "milvus", "uri": uri, "alias": names.alias, "collection_base": base,
            "collection": standby, "index_uid": index_uid, "schema": names.base,
            "search_params": search_params, "sparse": describe(avgdl, term_ids),
            "rows_written": len(todo), "rows_deleted": len(gone)}

    def save(directory: Path) -> None:
        term_ids.save(directory)
        np.save(directory / KEYS_FILE, keys)

    def commit() -> None:
        with translated(uri, f"switching alias {names.alias} to {standby}"):
            if aliased is None:
                client.create_alias(standby, names.alias, timeout=CALL_TIMEOUT)
            else:
                client.alter_alias(standby, names.alias, timeout=CALL_TIMEOUT)

    closed: list[bool] = []

    def close() -> None:
        if not closed:
            closed.append(True)
            disconnect(uri, client)

    return BuiltEngine(dense_type, dense_params, info, save, commit, close, files=(TERM_IDS_FILE, KEYS_FILE),
                       carried=carried(uri, inputs.index_dir))
