"""The English → Japanese query glossary as checked data: parsing, validation, loading, hashing."""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from .errors import KoritsuError

DEFAULT_NAME = "default"  # the glossary shipped in koritsu_search/data
OFF_NAME = "none"  # no glossary: English reaches the documents through the dense leg only
PACKAGE_FILE = "data/glossary_en_ja.tsv"
MAX_KEY_WORDS = 12  # the longest phrase looked up (an act's or a grant's full English name)

# An English word: letters, digits, and the marks a phone number or a name keeps (#9999, q&a, e-mail).
_WORD = re.compile(r"[a-z0-9#][a-z0-9#+&'\-]*")
# A comment is "#" alone or "#" then a space; "#9999<TAB>…" is an entry for the number #9999.
_COMMENT = re.compile(r"#(\s|$)")


class GlossaryError(KoritsuError):
    """A glossary file that cannot be used; the message names the file, the line and the reason."""


def english_words(text: str) -> list[str]:
    """Lowercase English words of a text, full-width letters and digits folded (＃８００８ → #8008)."""
    return _WORD.findall(unicodedata.normalize("NFKC", text).lower())


@dataclass(frozen=True, eq=False)  # compared and hashed by identity: it keys caches
class Glossary:
    """English phrases (as word tuples) and the Japanese terms each stands for."""

    entries: dict[tuple[str, ...], tuple[str, ...]] = field(default_factory=dict)
    sha256: str | None = None  # of the file's bytes; None for no glossary
    source: str = OFF_NAME  # "default", "none" or the path it was read from
    data: bytes = b""  # the file as read, for the copy an index keeps

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, key: tuple[str, ...]) -> tuple[str, ...] | None:
        return self.entries.get(key)


NO_GLOSSARY = Glossary()


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def parse_glossary(data: bytes, source: str) -> Glossary:
    """Parse `english phrase<TAB>japanese terms separated by spaces` lines; refuse any defect.

    Refused, with the line number: a line without exactly one tab, an empty side, an English side
    without words or with more than MAX_KEY_WORDS words, and a key repeated after normalisation
    (case, full width, punctuation: `ministry of health, labour` = `ministry of health labour`).
    """
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GlossaryError(f"{source}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    entries: dict[tuple[str, ...], tuple[str, ...]] = {}
    first_line: dict[tuple[str, ...], int] = {}
    for no, line in enumerate(text.splitlines(), 1):
        if not line.strip() or _COMMENT.match(line):
            continue
        where = f"{source}, line {no}"
        if line.count("\t") != 1:
            raise GlossaryError(f"{where}: expected `english<TAB>japanese terms` (one tab), found "
                                f"{line.count(chr(9))} tabs; a comment line starts with '# '")
        en, ja = line.split("\t")
        key = tuple(english_words(en))
        terms = tuple(dict.fromkeys(ja.split()))
        if not key:
            raise GlossaryError(f"{where}: the English side {en.strip()!r} has no words")
        if len(key) > MAX_KEY_WORDS:
            raise GlossaryError(f"{where}: the English side has {len(key)} words; at most {MAX_KEY_WORDS}")
        if not terms:
            raise GlossaryError(f"{where}: no Japanese terms for {en.strip()!r}")
        if key in entries:
            raise GlossaryError(f"{where}: the key {' '.join(key)!r} repeats line {first_line[key]}; "
                                "merge the two lines")
        entries[key], first_line[key] = terms, no
    return Glossary(entries, digest(data), source, data)


def package_glossary_bytes() -> bytes:
    return resources.files("koritsu_search").joinpath(PACKAGE_FILE).read_bytes()


def load_glossary(spec: str | Path | None = DEFAULT_NAME) -> Glossary:
    """The glossary named by spec: "default" (the package's), "none" (no glossary) or a file path."""
    if spec is None or str(spec) == OFF_NAME:
        return NO_GLOSSARY
    if str(spec) == DEFAULT_NAME:
        return parse_glossary(package_glossary_bytes(), DEFAULT_NAME)
    path = Path(spec)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise GlossaryError(f"{path}: cannot read the glossary ({exc.strerror or exc})") from None
    return parse_glossary(data, str(path))
