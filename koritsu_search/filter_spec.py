"""The filter fields, defined once: the name the URL, the CLI flag, JSON and the passage columns use, the Filters attribute, the facet key and the label."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .models import Filters


@dataclass(frozen=True)
class FilterField:
    """One filter: `name` is the URL parameter, the CLI flag (--name), the JSON key and the passage column."""

    name: str
    attr: str  # the Filters attribute holding its values
    facet: str  # the key of Index.facets() listing the values it can take
    label: str  # Japanese / English, for menus and chips

    @property
    def flag(self) -> str:
        return f"--{self.name}"


FILTER_FIELDS: tuple[FilterField, ...] = (
    FilterField("ministry", "ministries", "ministries", "府省庁 / Ministry"),
    FilterField("doc", "doc_ids", "documents", "文書 / Document"),
    FilterField("section", "sections", "sections", "節 / Section"),
    FilterField("field", "fields", "fields", "項目 / Column"),
    FilterField("kind", "kinds", "kinds", "種類 / Kind"),
    FilterField("need", "needs", "needs", "対象（ご相談の内容）/ Need"),
)
FIELDS_BY_NAME = {f.name: f for f in FILTER_FIELDS}


def filters_from(values: Mapping[str, Iterable[str] | None]) -> Filters:
    """Filters from values keyed by field name (missing or None: no restriction); each value once, in order."""
    unknown = set(values) - set(FIELDS_BY_NAME)
    if unknown:
        raise ValueError(f"unknown filter field(s): {', '.join(sorted(unknown))}; known: "
                         f"{', '.join(FIELDS_BY_NAME)}")
    return Filters(**{f.attr: list(dict.fromkeys(v for v in values.get(f.name) or () if v))
                      for f in FILTER_FIELDS})


def filter_values(filters: Filters | None) -> dict[str, list[str]]:
    """The active values keyed by field name (fields without values left out)."""
    if filters is None:
        return {}
    return {f.name: list(getattr(filters, f.attr)) for f in FILTER_FIELDS if getattr(filters, f.attr)}
