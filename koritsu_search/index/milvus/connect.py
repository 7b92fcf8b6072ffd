"""Reaching Milvus: one client per URI, and every failure turned into one line naming the URI.

A URI ending in `.db` is a Milvus Lite database (a local folder, one process at a time); an
`http(s)://host:port` URI is Milvus Standalone or Distributed. pymilvus is imported here only,
so that the embedded engine never needs it.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

from ...errors import EngineError, OptionError

CONNECT_TIMEOUT = 5.0  # seconds to reach a server before giving up
# A Milvus Lite server runs in this process, so it is unreachable only while the process is starved
# (a loaded machine, a long pause): it gets a longer wait and one retry, on a restarted server
# unless another client of this process still uses it.
LITE_CONNECT_TIMEOUT = 30.0
LITE_ATTEMPTS = 2
_CONNECT_FAILED = 2  # pymilvus's Status.CONNECT_FAILED
CALL_TIMEOUT = 30.0  # seconds for one search, query or write call
TOKEN_ENV = "KORITSU_MILVUS_TOKEN"
_REMOTE = re.compile(r"^(https?|tcp|grpcs?|unix)://", re.IGNORECASE)
T = TypeVar("T")




def missing_pymilvus() -> EngineError:
    return EngineError("the Milvus engine needs pymilvus (and milvus-lite for a local .db URI): "
                       "pip install 'koritsu-search[milvus]'")


def resolve_uri(uri: str) -> str:
    """A remote URI as given; a Milvus Lite path made absolute (an index is opened from any folder)."""
    uri = uri.strip()
    if not uri:
        raise OptionError("{uri} is empty: give a Milvus Lite file (./milvus.db) or a server (http://host:19530)",
                          {"uri": uri})
    if _REMOTE.match(uri):
        parsed = urlsplit(uri)
        if parsed.username or parsed.password:
            raise OptionError(f"{{uri}}: credentials in the URI would be recorded in the manifest; pass them "
                              f"with {TOKEN_ENV} (or {{token}}) instead",
                              {"uri": f"{parsed.scheme}://…@{parsed.hostname}", "token": None})
        return uri
    if not uri.endswith(".db"):
        raise OptionError("{uri}: a Milvus Lite database path must end in .db "
                          "(a server URI starts with http:// or https://)", {"uri": uri})
    return str(Path(uri).expanduser().resolve())


def is_lite(uri: str) -> bool:
    return not _REMOTE.match(uri)


def _quiet() -> None:
    # pymilvus and milvus-lite log every failed call with a traceback; the library never prints,
    # and the errors are raised to the caller with one line instead.
    for name in ("pymilvus", "milvus_lite", "grpc"):
        logging.getLogger(name).setLevel(logging.CRITICAL + 1)


def _served_here(path: str) -> bool:
    """Whether this process runs the Milvus Lite server of path (its lock is then ours)."""
    try:
        from milvus_lite.server_manager import server_manager_instance
    except ImportError:
        return False
    return os.path.abspath(path) in getattr(server_manager_instance, "_servers", {})


def _lite_lock_held(path: str) -> bool:
    import fcntl

    if _served_here(path):
        return False
    lock = Path(path) / "LOCK"
    if not lock.exists():
        return False
    with open(lock, "a") as fh:
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return True
        fcntl.flock(fh, fcntl.LOCK_UN)
    return False


def describe_failure(uri: str, exc: BaseException) -> str:
    """One line: what failed, where, and what to try."""
    if is_lite(uri) and _lite_lock_held(uri):
        return (f"the Milvus Lite database {uri} is open in another process (Milvus Lite allows one process "
                "at a time): stop it (e.g. `koritsu-search serve`) or use Milvus Standalone for builds beside a server")
    text = " ".join(str(getattr(exc, "message", "") or exc).split())
    text = re.sub(r"^<\w+: \(code=\d+, message=(.*)\)>$", r"\1", text)
    if len(text) > 240:
        text = text[:240] + "…"
    what = "open the Milvus Lite database" if is_lite(uri) else "reach Milvus"
    return (f"cannot {what} at {uri}: {type(exc).__name__}: {text}. "
            "Check that the server is running and that the {uri} and the token ({token} or "
            f"{TOKEN_ENV}) are right")


def _is_milvus_error(exc: BaseException) -> bool:
    mod = type(exc).__module__ or ""
    return mod.startswith(("pymilvus", "grpc", "milvus_lite")) or isinstance(exc, (ConnectionError, TimeoutError))


@contextmanager
def translated(uri: str, doing: str = "") -> Iterator[None]:
    """Raise EngineError (one line naming the URI) for whatever pymilvus or gRPC raises inside."""
    try:
        yield
    except EngineError:
        raise
    except Exception as exc:
        if not _is_milvus_error(exc):
            raise
        prefix = f"{doing}: " if doing else ""
        raise EngineError(prefix + describe_failure(uri, exc), {"uri": uri, "token": None}) from None


def call(uri: str, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    with translated(uri):
        return fn(*args, **kwargs)


_open_clients: dict[str, int] = {}
_open_lock = threading.Lock()


def _release_lite(uri: str) -> None:
    with contextlib.suppress(Exception):
        from milvus_lite.server_manager import server_manager_instance

        server_manager_instance.release_server(uri)


def disconnect(uri: str, client: Any) -> None:
    """Close a client from connect(); a Milvus Lite file is let go (for other processes) with its last client."""
    with _open_lock:
        left = _open_clients.get(uri, 0) - 1
        if left <= 0:
            _open_clients.pop(uri, None)
        else:
            _open_clients[uri] = left
    if client is not None:
        with contextlib.suppress(Exception):
            client.close()
    if left <= 0 and is_lite(uri):
        _release_lite(uri)


def _no_answer(exc: BaseException) -> bool:
    """A connect that timed out (pymilvus's CONNECT_FAILED, or gRPC's own deadline or unavailable)."""
    code = getattr(exc, "code", None)
    if callable(code):  # grpc.RpcError
        return getattr(code(), "name", "") in ("DEADLINE_EXCEEDED", "UNAVAILABLE")
    return code == _CONNECT_FAILED


def _retry_lite(uri: str, exc: BaseException, attempt: int) -> bool:
    """Whether a Milvus Lite connect that got no answer is tried again on a restarted server."""
    if not is_lite(uri) or attempt + 1 >= LITE_ATTEMPTS or not _no_answer(exc):
        return False
    with _open_lock:
        alone = _open_clients.get(uri, 0) <= 1
    if alone:  # a server that other clients of this process still use is kept
        _release_lite(uri)
    return True


def _client(uri: str, token: str) -> Any:
    from pymilvus import MilvusClient

    timeout = LITE_CONNECT_TIMEOUT if is_lite(uri) else CONNECT_TIMEOUT
    attempt = 0
    while True:
        client = None
        try:
            # dedicated: close() then really closes this client's channel (pymilvus shares one per URI
            # otherwise, and a Milvus Lite server restarted on another port would leave it dangling).
            client = MilvusClient(uri=uri, token=token, timeout=timeout, dedicated=True)
            client.list_collections(timeout=timeout)  # a server that accepts but never answers fails here
            return client
        except Exception as exc:
            if client is not None:
                with contextlib.suppress(Exception):
                    client.close()
            if not _retry_lite(uri, exc, attempt):
                raise
            attempt += 1


def connect(uri: str, token: str | None = None) -> Any:
    """A MilvusClient for uri (token from the argument or KORITSU_MILVUS_TOKEN); EngineError within
    CONNECT_TIMEOUT seconds when a server cannot be reached (a Milvus Lite file gets longer, and a retry)."""
    try:
        import pymilvus  # noqa: F401
    except ImportError:
        raise missing_pymilvus() from None
    _quiet()
    token = token if token is not None else os.environ.get(TOKEN_ENV, "")
    with _open_lock:
        _open_clients[uri] = _open_clients.get(uri, 0) + 1
    try:
        with translated(uri):
            return _client(uri, token or "")
    except BaseException:
        disconnect(uri, None)
        raise
