"""Filter values checked against an index's facets: normalized, or rejected with close matches."""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePath
from typing import TYPE_CHECKING

from .errors import FilterError
from .filter_spec import FILTER_FIELDS, filters_from
from .ingest.kinds import RECORD_KINDS
from .ingest.ministries import MINISTRIES, canonical, leading_ministry
from .intent import ALIASES
from .listing import kind_label, ministry_order
from .models import Filters

if TYPE_CHECKING:
    from .index.store import IndexStore

LISTED_CHARS = 240  # valid values named in an error message: about this many characters
MIN_LISTED = 5  # and at least this many values
MAX_SUGGESTED = 5  # close matches named in an error message
SHOWN_CHARS = 24  # long values (sections, titles) are cut to this in messages


class UnknownFilterValue(FilterError):
    """A filter value the index does not have; the message names the option, close matches and valid values."""

    def __init__(self, option: str, value: str, problem: str, suggestions: list[str], valid: list[str]) -> None:
        self.option = option
        self.value = value
        self.suggestions = suggestions
        self.valid = valid
        parts = [f"{{filter_{option}}}: {problem}."]
        if suggestions:
            parts.append(f"Did you mean: {', '.join(suggestions)}?")
        if valid:
            parts.append(f"Valid values ({len(valid)}): {_listing(valid)}")
        else:
            parts.append("This index has none.")
        super().__init__(" ".join(parts), {f"filter_{option}": value})


class FilterErrors(FilterError):
    """Several bad filter values at once: one line per value."""

    def __init__(self, errors: list[UnknownFilterValue]) -> None:
        self.errors = errors
        super().__init__("\n".join(e.template for e in errors), {k: v for e in errors for k, v in e.options.items()})


@dataclass
class _Checked:
    values: list[str]
    errors: list[UnknownFilterValue]


def check_filters(index: IndexStore, filters: Filters) -> Filters:
    """A normalized copy of filters whose every value exists in the index; FilterError otherwise.

    Ministry short forms and English names become the official name (厚労省 → 厚生労働省),
    document titles and file names become doc ids, sections keep their substring meaning
    (width and spacing ignored), record kinds accept their Japanese and English labels.
    """
    if filters.is_empty():
        return Filters()
    facets = index.facets()
    titles: dict[str, list[str]] = {}
    for d in index.documents:
        for name in (d.title, PurePath(d.source).name, PurePath(d.source).stem):
            titles.setdefault(_norm(name), []).append(d.doc_id)
    doc_labels = {d.doc_id: f"{d.doc_id}（{_cut(d.title)}）" for d in index.documents}
    checks = [
        _ministries(filters.ministries, facets["ministries"]),
        _documents(filters.doc_ids, facets["documents"], titles, doc_labels),
        _sections(filters.sections, facets["sections"]),
        _exact("field", "column", filters.fields, facets["fields"]),
        _kinds(filters.kinds, facets["kinds"]),
        _exact("need", "need", [_need_label(index, v) for v in filters.needs], facets["needs"]),
    ]
    errors = [e for c in checks for e in c.errors]
    if len(errors) == 1:
        raise errors[0]
    if errors:
        raise FilterErrors(errors)
    return filters_from({f.name: c.values for f, c in zip(FILTER_FIELDS, checks, strict=True)})


def _need_label(index: IndexStore, value: str) -> str:
    """A need given by its id (dv) or its label: the label, as the index's tags hold it."""
    need = index.needs.find(value.strip())
    return need.label if need is not None else value


def resolve_ministry(name: str) -> str | None:
    """The official ministry a name stands for (厚労省, MHLW, 子ども家庭庁 → official), or None."""
    v = _norm(name)
    if v in MINISTRIES:
        return canonical(v)
    return ALIASES.get(v) or ALIASES.get(v.lower())


def _ministries(values: list[str], known: list[str]) -> _Checked:
    known_set = set(known)
    valid = sorted(known, key=lambda m: (ministry_order(m), m))
    out, errors = [], []
    for raw in values:
        value = _norm(raw)
        official = resolve_ministry(value)
        if value in known_set:
            out.append(value)
            continue
        if official in known_set:
            out.append(official)
            continue
        hints: list[str] = []
        if value in MINISTRIES or official == value:
            problem = f"{raw!r} has no passages in this index"
        elif official:
            problem = f"{raw!r} means {official}, which has no passages in this index"
        else:
            problem = f"{raw!r} is not a ministry in this index"
            lead = leading_ministry(value)
            if lead:
                hints.append(canonical(lead))
        hints += difflib.get_close_matches(value, valid, n=MAX_SUGGESTED, cutoff=0.6)
        hints += [m for m in valid if len(value) >= 2 and (value in m or m in value)]
        if value.isascii() and len(value) >= 3:
            hints += [m for alias, m in ALIASES.items() if alias.isascii() and value.lower() in alias]
        alias_hits = difflib.get_close_matches(value.lower(), list(ALIASES), n=MAX_SUGGESTED, cutoff=0.75)
        hints += [ALIASES[a] for a in alias_hits]
        errors.append(UnknownFilterValue("ministry", raw, problem, _suggest(hints, known_set), valid))
    return _Checked(_unique(out), errors)


def _documents(values: list[str], known: list[str], titles: dict[str, list[str]], labels: dict[str, str]) -> _Checked:
    known_set = set(known)
    out, errors = [], []
    for raw in values:
        value = _norm(raw)
        if value in known_set:
            out.append(value)
            continue
        if value in titles:
            out.extend(titles[value])
            continue
        hints = difflib.get_close_matches(value, known, n=MAX_SUGGESTED, cutoff=0.6)
        for title, ids in titles.items():
            if difflib.SequenceMatcher(None, value, title).ratio() >= 0.6 or (len(value) >= 2 and value in title):
                hints.extend(ids)
        hints += [d for d in known if len(value) >= 2 and value.lower() in d.lower()]
        problem = f"{raw!r} is not a document id or title in this index"
        errors.append(UnknownFilterValue(
            "doc", raw, problem, [labels[d] for d in _unique(hints)][:MAX_SUGGESTED], [labels[d] for d in known],
        ))
    return _Checked(_unique(out), errors)


def _sections(values: list[str], known: list[str]) -> _Checked:
    out, errors = [], []
    for raw in values:
        value = raw.strip().removesuffix("…").strip()  # a value copied from a shortened listing
        raw_hits = [s for s in known if value and value in s]
        loose = _loose(value)
        loose_hits = [s for s in known if loose and loose in _loose(s)]
        if raw_hits or loose_hits:
            if raw_hits:
                out.append(value)
            # Full names of the sections only a width- and space-blind match finds ((1) vs （１）).
            out.extend(s for s in loose_hits if s not in raw_hits)
            continue
        scored = sorted(((_partial(loose, _loose(s)), s) for s in known), key=lambda t: -t[0])
        hints = [_cut(s) for score, s in scored if score >= 0.6][:MAX_SUGGESTED]
        problem = f"no section in this index contains {raw!r}"
        errors.append(UnknownFilterValue("section", raw, problem, _unique(hints), [_cut(s) for s in _unique_loose(known)]))
    return _Checked(_unique(out), errors)


def _exact(option: str, what: str, values: list[str], known: list[str]) -> _Checked:
    by_loose = {_loose(k): k for k in known}
    out, errors = [], []
    for raw in values:
        value = _norm(raw)
        if value in known:
            out.append(value)
        elif _loose(value) in by_loose:
            out.append(by_loose[_loose(value)])
        else:
            hints = difflib.get_close_matches(value, known, n=MAX_SUGGESTED, cutoff=0.5)
            hints += [k for k in known if len(value) >= 2 and value in k]
            problem = f"{raw!r} is not a {what} in this index"
            errors.append(UnknownFilterValue(option, raw, problem, _unique(hints)[:MAX_SUGGESTED], list(known)))
    return _Checked(_unique(out), errors)


def kind_synonyms() -> dict[str, str]:
    """Every spelling of a record kind users may type (施策, measures, Statement…) → its name."""
    out: dict[str, str] = {}
    for name, kind in RECORD_KINDS.items():
        words = [name, *kind.nouns, *(kind.summary_en or ()), kind.summary_ja or "", *kind.label.split(" / ")]
        for w in words:
            if w:
                out.setdefault(_norm(w).lower(), name)
    return out


def _kinds(values: list[str], known: list[str]) -> _Checked:
    synonyms = kind_synonyms()
    valid = [f"{k}（{kind_label(k)}）" for k in known]
    out, errors = [], []
    for raw in values:
        value = _norm(raw).lower()
        name = value if value in known else synonyms.get(value)
        if name in known:
            out.append(name)
            continue
        if name:
            problem = f"{raw!r}: this index has no {name} records" if name == value else (
                f"{raw!r} means {name}, and this index has no {name} records")
            hints: list[str] = []
        else:
            problem = f"{raw!r} is not a record kind"
            close = difflib.get_close_matches(value, list(synonyms), n=MAX_SUGGESTED, cutoff=0.6)
            hints = [f"{synonyms[c]}（{kind_label(synonyms[c])}）" for c in close if synonyms[c] in known]
        errors.append(UnknownFilterValue("kind", raw, problem, _unique(hints), valid))
    return _Checked(_unique(out), errors)


def _suggest(hints: Iterable[str], known: set[str]) -> list[str]:
    return [h for h in _unique(hints) if h in known][:MAX_SUGGESTED]


def _partial(needle: str, hay: str) -> float:
    """How much of needle occurs in hay, in order (1.0: every character)."""
    if not needle:
        return 0.0
    blocks = difflib.SequenceMatcher(None, needle, hay, autojunk=False).get_matching_blocks()
    return sum(b.size for b in blocks) / len(needle)


def _norm(value: str) -> str:
    return unicodedata.normalize("NFKC", value).strip()


def _loose(value: str) -> str:
    """Width-, case- and space-blind form for tolerant comparison."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", value)).lower()


def _cut(value: str) -> str:
    return value if len(value) <= SHOWN_CHARS else value[:SHOWN_CHARS] + "…"


def _listing(values: list[str]) -> str:
    """The values, as many as fit in about LISTED_CHARS characters (at least MIN_LISTED), then a count."""
    shown: list[str] = []
    for v in values:
        if len(shown) >= MIN_LISTED and sum(len(s) + 2 for s in shown) + len(v) > LISTED_CHARS:
            break
        shown.append(v)
    rest = len(values) - len(shown)
    return ", ".join(shown) + (f", … and {rest} more" if rest else "")


def _unique(values: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(values))


def _unique_loose(values: Iterable[str]) -> list[str]:
    seen: dict[str, str] = {}
    for v in values:
        seen.setdefault(_loose(v), v)
    return list(seen.values())
