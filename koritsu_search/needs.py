"""The needs taxonomy as checked data: callers' situations, their words and the documents' words."""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from .errors import KoritsuError

DEFAULT_NAME = "default"  # the taxonomy shipped in koritsu_search/data
OFF_NAME = "none"  # no taxonomy: no need detection, no need tags
PACKAGE_FILE = "data/needs.toml"
LIST_FIELDS = ("expressions", "english", "terms", "populations")
FLAGS = ("exclusive", "fallback")
REQUIRED = ("id", "label", "definition", "expressions", "terms")
_ID = re.compile(r"[a-z][a-z0-9_]*")
MAX_TEXT = 80  # characters of one expression, term or population


class NeedsError(KoritsuError):
    """A needs file that cannot be used; the message names the file, the entry and the reason."""


@dataclass(frozen=True)
class Need:
    """One situation a caller can be in, with the words that reveal it and the words that serve it."""

    id: str
    label: str
    definition: str
    expressions: tuple[str, ...]
    english: tuple[str, ...]
    terms: tuple[str, ...]
    populations: tuple[str, ...]
    exclusive: bool = False  # its services serve only its group: a caller without this need is not served
    fallback: bool = False  # read when a caller's story in distress reads no other need (general lines)

    def detection_texts(self) -> list[str]:
        """What a question is compared with (as a query): the need in general, then each expression."""
        return [f"{self.label}: {self.definition}", *self.expressions, *self.english]

    def expansion_text(self) -> str:
        """The need in the documents' words: what its expansion adds to a question."""
        return " ".join((self.label, *self.terms))


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: it keys caches
class Needs:
    """The taxonomy: needs in file order, the hash of the file and where it came from."""

    needs: tuple[Need, ...] = ()
    sha256: str | None = None  # of the file's bytes; None for no taxonomy
    source: str = OFF_NAME
    data: bytes = b""

    def __len__(self) -> int:
        return len(self.needs)

    def __iter__(self) -> Iterator[Need]:
        return iter(self.needs)

    def by_label(self) -> dict[str, Need]:
        return {n.label: n for n in self.needs}

    def find(self, value: str) -> Need | None:
        """A need by its id or its label."""
        for n in self.needs:
            if value in (n.id, n.label):
                return n
        return None


NO_NEEDS = Needs()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def _strings(value: Any, where: str, name: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise NeedsError(f"{where}: `{name}` must be a list of strings")
    cleaned = [v.strip() for v in value]
    for v in cleaned:
        if not v:
            raise NeedsError(f"{where}: `{name}` holds an empty string")
        if len(v) > MAX_TEXT:
            raise NeedsError(f"{where}: `{name}` entry {v[:20]!r}… is longer than {MAX_TEXT} characters")
    seen: set[str] = set()
    for v in cleaned:
        key = v.lower()
        if key in seen:
            raise NeedsError(f"{where}: `{name}` repeats {v!r}")
        seen.add(key)
    return tuple(cleaned)


def _need(entry: Any, where: str) -> Need:
    if not isinstance(entry, dict):
        raise NeedsError(f"{where}: expected a [[need]] table")
    unknown = sorted(set(entry) - set(REQUIRED) - set(LIST_FIELDS) - set(FLAGS))
    if unknown:
        raise NeedsError(f"{where}: unknown field(s) {', '.join(unknown)}; allowed: "
                         f"id, label, definition, {', '.join(LIST_FIELDS)}, {', '.join(FLAGS)}")
    for flag in FLAGS:
        if not isinstance(entry.get(flag, False), bool):
            raise NeedsError(f"{where}: `{flag}` must be true or false")
    missing = [k for k in REQUIRED if k not in entry]
    if missing:
        raise NeedsError(f"{where}: missing {', '.join(missing)}")
    for key in ("id", "label", "definition"):
        if not isinstance(entry[key], str) or not entry[key].strip():
            raise NeedsError(f"{where}: `{key}` must be a non-empty string")
    if not _ID.fullmatch(entry["id"]):
        raise NeedsError(f"{where}: id {entry['id']!r} must be lowercase ascii (a-z, 0-9, _), starting with a letter")
    lists = {k: _strings(entry.get(k, []), f"{where} ({entry['id']})", k) for k in LIST_FIELDS}
    if not lists["expressions"]:
        raise NeedsError(f"{where} ({entry['id']}): at least one expression is required")
    if not lists["terms"]:
        raise NeedsError(f"{where} ({entry['id']}): at least one administrative term is required")
    return Need(entry["id"], entry["label"].strip(), " ".join(entry["definition"].split()), **lists,
                exclusive=entry.get("exclusive", False), fallback=entry.get("fallback", False))


def parse_needs(data: bytes, source: str) -> Needs:
    """Parse a TOML file of [[need]] tables; refuse any defect (named with the entry's number and id).

    Refused: not UTF-8 or not TOML, a table without id, label, definition, expressions or terms,
    an unknown field, a list holding an empty or repeated string, and an id or label used twice.
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise NeedsError(f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise NeedsError(f"{source}: not valid TOML ({exc})") from None
    extra = sorted(set(doc) - {"need"})
    if extra:
        raise NeedsError(f"{source}: unknown top-level key(s) {', '.join(extra)}; the file holds [[need]] tables")
    entries = doc.get("need", [])
    if not isinstance(entries, list) or not entries:
        raise NeedsError(f"{source}: no [[need]] tables")
    needs: list[Need] = []
    first: dict[str, int] = {}
    for no, entry in enumerate(entries, 1):
        need = _need(entry, f"{source}, need #{no}")
        for key in (f"id:{need.id}", f"label:{need.label}"):
            if key in first:
                raise NeedsError(f"{source}, need #{no}: {key.split(':')[0]} {key.split(':', 1)[1]!r} "
                                 f"repeats need #{first[key]}")
            first[key] = no
        needs.append(need)
    return Needs(tuple(needs), digest(data), source, data)


def package_needs_bytes() -> bytes:
    return resources.files("koritsu_search").joinpath(PACKAGE_FILE).read_bytes()


def load_needs(spec: str | Path | None = DEFAULT_NAME) -> Needs:
    """The taxonomy named by spec: "default" (the package's), "none" (no taxonomy) or a file path."""
    if spec is None or str(spec) == OFF_NAME:
        return NO_NEEDS
    if str(spec) == DEFAULT_NAME:
        return parse_needs(package_needs_bytes(), DEFAULT_NAME)
    path = Path(spec)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise NeedsError(f"{path}: cannot read the needs file ({exc.strerror or exc})") from None
    return parse_needs(data, str(path))


@dataclass
class DetectedNeed:
    """A need read from a question: how (its words or its meaning) and the evidence."""

    need: Need
    # "words" (a caller's expression), "terms" (the documents' word), "meaning" (dense similarity) or
    # "fallback" (a story in distress that read nothing else: the general lines)
    how: str
    evidence: str  # the expression matched, or the clause that was similar
    score: float = 1.0

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.need.id, "label": self.need.label, "how": self.how, "evidence": self.evidence,
                "score": round(self.score, 4)}

