"""The API's response shapes, for its OpenAPI schema (responses are encoded directly, not validated against them)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ..models import AnswerItem, Citation, Filters, Hit


@dataclass
class LinkedCitation(Citation):
    link: str | None = None  # opens the cited page: /v1/sources/{doc_id}#page=N (or #L<line>, #<locator>)


@dataclass
class LinkedItem(AnswerItem):
    citations: list[LinkedCitation] = field(default_factory=list)  # type: ignore[assignment]


@dataclass
class Bands:
    high: float  # confidence at or above which an item is 高
    medium: float  # … and 中; below is 低


@dataclass
class ItemGroup:
    label: str
    record_ids: list[str]


@dataclass
class AskResult:
    question: str
    summary: str
    total: int
    folded_low: int
    confident: bool
    implied_ministries: list[str]
    needs: list[dict[str, Any]]
    measure_no: int | None
    filters: Filters | None
    items: list[LinkedItem]
    nearest: list[LinkedItem]
    sort: str
    bands: Bands
    generation: int
    groups: list[ItemGroup] | None = None


@dataclass
class LinkedHit(Hit):
    link: str | None = None


@dataclass
class SearchResult:
    query: str
    mode: str
    filters: Filters | None
    generation: int
    hits: list[LinkedHit]


@dataclass
class Facets:
    ministries: list[str]
    documents: list[dict[str, Any]]  # doc_id, title, kind, edition
    sections: list[str]
    fields: list[str]
    kinds: list[str]
    needs: list[str]
    generation: int


@dataclass
class ErrorDetail:
    status: int
    message: str
    type: str | None = None
    unknown_values: list[dict[str, Any]] | None = None  # a bad filter value: parameter, value, close_matches


@dataclass
class ErrorResult:
    error: ErrorDetail
