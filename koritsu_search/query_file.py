"""A batch of queries from a file: one per line, or JSON lines with an id and a query."""

from __future__ import annotations

import json
from pathlib import Path

from .errors import QueryError
from .ingest.lines import wide_encoding


def read_queries(path: str | Path) -> list[tuple[str, str]]:
    """(id, query) pairs from a batch file (UTF-8, or UTF-16/32 with a BOM); QueryError naming the file
    when it is missing, unreadable, binary or malformed. Undecodable bytes and lone surrogates become
    U+FFFD, so one bad row never stops the batch."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise QueryError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise QueryError(f"{path}: is a directory, not a file of queries") from None
    except OSError as exc:
        raise QueryError(f"{path}: cannot read ({exc.strerror or exc})") from None
    wide = wide_encoding(data)
    text = data.decode(wide[0], "replace") if wide is not None else whole(data.decode("utf-8-sig", "surrogateescape"))
    if "\x00" in text or text.count("\ufffd") > max(8, len(text) // 10):
        raise QueryError(f"{path}: not a text file of queries (UTF-8, or UTF-16 with a BOM)")
    out = []
    for n, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        if line.lstrip().startswith("{"):
            try:
                obj = json.loads(line)
                out.append((whole(str(obj.get("id", n))), whole(str(obj["query"]))))
            except (ValueError, KeyError, TypeError, AttributeError) as exc:
                raise QueryError(f"{path}:{n}: not a JSON object with a 'query' ({exc})") from None
        else:
            out.append((str(n), line.strip()))
    return out


def whole(text: str) -> str:
    """text with surrogate pairs joined and every lone surrogate replaced by U+FFFD (printable as UTF-8)."""
    return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
