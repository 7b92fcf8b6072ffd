"""Exceptions raised by the library, each saying how to fix it in terms of the library's options.

A fix names an option as `{name}` in the message, with its value in `options`. `str(error)` renders
it as a Python caller writes it (`password=…`, `BuildOptions(rebuild=True)`); the CLI renders the
same error with its flags through `render(term)`, so no library message names a command-line flag.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping

Term = Callable[[str, object], str]  # (option name, value or None) -> how the caller names it

_PLACEHOLDER = re.compile(r"\{(\w+)\}")
CALLS = frozenset({"embed_only", "allow_downloads"})  # options that are a library call of their own


def library_term(name: str, value: object) -> str:
    """How a Python caller passes an option: `build` and `rebuild` name the call itself."""
    if name == "build":
        return f"koritsu_search.build(SOURCES, {str(value)!r})"
    if name == "rebuild":
        return "BuildOptions(rebuild=True)" if value is True else \
            f"koritsu_search.build(SOURCES, {str(value)!r}, BuildOptions(rebuild=True))"
    if name in CALLS:
        return f"koritsu_search.library.{name}()"
    if name.startswith("filter_"):
        return f"the {name[7:]} filter"
    return f"{name}={value!r}" if value is not None else f"{name}=…"


class KoritsuError(Exception):
    """Base class for every error this package raises on purpose.

    `options`: the library options the message's fix names (`{name}` in the message), with the
    value to pass when the error knows it."""

    def __init__(self, message: str, options: Mapping[str, object] | None = None) -> None:
        self.template = message
        self.options = dict(options or {})
        super().__init__(self.render(library_term))

    def render(self, term: Term) -> str:
        """The message with each option named by `term` (the CLI passes its flags)."""
        return _fill(self.template, self.options, term)


def _fill(template: str, options: Mapping[str, object], term: Term) -> str:
    return _PLACEHOLDER.sub(lambda m: term(m[1], options[m[1]]) if m[1] in options else m[0], template)


class IngestError(KoritsuError):
    """A source file could not be read; the message names the file and the reason."""

    def __init__(self, source: str, reason: str, options: Mapping[str, object] | None = None) -> None:
        self.source = source
        self.reason_template = reason
        super().__init__(f"{source}: {reason}", options)

    @property
    def reason(self) -> str:
        return self.reason_in(library_term)

    def reason_in(self, term: Term) -> str:
        """The reason alone (without the file), with its options named by `term`."""
        return _fill(self.reason_template, self.options, term)


class IndexLoadError(KoritsuError):
    """An index directory is missing, damaged or built with something else."""


class IndexMismatchError(IndexLoadError):
    """The index was built with another model, format or dictionary."""


class IndexBusyError(KoritsuError):
    """Another build holds the index directory's lock."""


class QueryError(KoritsuError):
    """A query is unusable (empty, only control characters, ...)."""


class OptionError(QueryError):
    """An option's value is unusable (an unknown engine, a malformed shard, a bad URI): a usage error."""


class EngineError(KoritsuError):
    """An index engine could not be reached, timed out, or refused a call."""


class ModelError(KoritsuError):
    """The embedding model could not be loaded or materialized."""


class FilterError(QueryError):
    """A filter value the index does not have; the message lists close matches and valid values."""


def rebuild_fix(directory: object) -> tuple[str, dict[str, object]]:
    """The usual fix of a damaged or outdated index: "Rebuild it with: {rebuild}" and its option."""
    return "Rebuild it with: {rebuild}", {"rebuild": str(directory)}
