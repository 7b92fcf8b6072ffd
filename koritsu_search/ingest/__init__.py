"""Ingestion: read measures tables, meeting minutes and other documents from PDF or text."""

from __future__ import annotations

from .api import SUPPORTED_SUFFIXES, IngestReport, doc_id_for, parse_file, parse_paths

__all__ = ["SUPPORTED_SUFFIXES", "IngestReport", "doc_id_for", "parse_file", "parse_paths"]
