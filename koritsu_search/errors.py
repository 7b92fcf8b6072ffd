"""Exceptions raised by the library; the CLI turns them into clean messages."""

from __future__ import annotations


class KoritsuError(Exception):
    """Base class for every error this package raises on purpose."""


class IngestError(KoritsuError):
    """A source file could not be read; the message names the file and the reason."""

    def __init__(self, source: str, reason: str) -> None:
        super().__init__(f"{source}: {reason}")
        self.source = source
        self.reason = reason


class IndexLoadError(KoritsuError):
    """An index directory is missing, damaged or built with something else."""


class IndexMismatchError(IndexLoadError):
    """The index was built with another model, format or dictionary."""


class IndexBusyError(KoritsuError):
    """Another build holds the index directory's lock."""


class QueryError(KoritsuError):
    """A query is unusable (empty, only control characters, ...)."""


class ModelError(KoritsuError):
    """The embedding model could not be loaded or materialized."""


class FilterError(QueryError):
    """A filter value the index does not have; the message lists close matches and valid values."""
