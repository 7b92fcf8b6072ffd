"""koritsu-search: cited semantic search over 孤独・孤立対策 policy documents."""

from __future__ import annotations

__version__ = "0.1.0"

from .library import Index, open_index
from .models import Answer, Filters, Hit, Passage, Record

__all__ = ["Answer", "Filters", "Hit", "Index", "Passage", "Record", "__version__", "open_index"]
