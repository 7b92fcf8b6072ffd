"""koritsu-search: cited semantic search over 孤独・孤立対策 policy documents."""

from __future__ import annotations

__version__ = "0.1.0"

from .library import BuildOptions, BuildReport, EngineSpec, Index, KoritsuError, ParseOptions, build, open_index
from .models import Answer, Filters, Hit, Passage, Record

__all__ = ["Answer", "BuildOptions", "BuildReport", "EngineSpec", "Filters", "Hit", "Index", "KoritsuError",
           "ParseOptions", "Passage", "Record", "__version__", "build", "open_index"]
