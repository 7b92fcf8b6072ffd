"""Ingestion: read measures tables, meeting minutes and other documents from PDF or text."""

from __future__ import annotations

from .api import SUPPORTED_SUFFIXES, IngestReport, doc_id_for, parse_file, parse_paths, source_sha256
from .options import MAX_FILE_BYTES, ParseOptions

# Bump when a parser change alters what a file yields: an index then re-parses unchanged files.
INGEST_VERSION = 6  # 6: section labels folded (ingest/sections.py)

__all__ = ["INGEST_VERSION", "MAX_FILE_BYTES", "SUPPORTED_SUFFIXES", "IngestReport", "ParseOptions", "doc_id_for", "parse_file", "parse_paths", "source_sha256"]
