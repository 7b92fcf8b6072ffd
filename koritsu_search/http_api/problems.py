"""Errors as the API answers them: a status code and a JSON body with the library's message, its options named as query parameters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..errors import (
    EngineError,
    FilterError,
    IndexBusyError,
    IndexLoadError,
    KoritsuError,
    ModelError,
    QueryError,
    library_term,
)


class Problem(Exception):
    """An answer that is an error: the status, the message and any details for programs."""

    def __init__(self, status: int, message: str, details: Mapping[str, Any] | None = None,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = dict(details or {})
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return {"error": {"status": self.status, "message": self.message, **self.details}}


def api_term(name: str, value: object) -> str:
    """How an API caller names a library option in an error's fix: a filter is its query parameter."""
    if name.startswith("filter_"):
        return name[7:]
    return library_term(name, value)


def api_message(exc: KoritsuError) -> str:
    return exc.render(api_term)


STATUS: list[tuple[type[KoritsuError], int]] = [
    (QueryError, 400),  # filters, options and unusable questions
    (IndexBusyError, 503),
    (IndexLoadError, 503),
    (EngineError, 503),
    (ModelError, 503),
]


def problem_of(exc: KoritsuError) -> Problem:
    """The answer for a library error: 400 for the caller's mistake (with close matches for a filter
    value), 503 for an index, engine or model that cannot answer now, 500 otherwise."""
    status = next((code for cls, code in STATUS if isinstance(exc, cls)), 500)
    details: dict[str, Any] = {"type": type(exc).__name__}
    if isinstance(exc, FilterError):
        unknown = getattr(exc, "errors", None) or [exc]
        details["unknown_values"] = [{"parameter": getattr(e, "option", None), "value": getattr(e, "value", None),
                                      "close_matches": list(getattr(e, "suggestions", []))} for e in unknown]
    return Problem(status, api_message(exc), details)
