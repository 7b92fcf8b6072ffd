"""Text normalization helpers for Japanese text extracted from PDFs and text exports."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence

# Characters that are extraction debris (simplified forms) mapped to what was published.
DEBRIS_CHARS = {"发": "発"}

_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u200b]+")
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+")
_URL_TRAIL = ".,;:!?'"
_SENTENCE_END = "。．.！!？?」』）)】〉》"
# Possessive runs: "[\s]*-?[\s]*" split a long run of spaces every way before failing (quadratic).
_PAGE_NO = re.compile(r"^\s*+(?:[-－—―‐]\s*+)?([0-9０-９]{1,4})\s*+(?:[-－—―‐]\s*+)?$")
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]")
_SPACES = re.compile(" +")


def is_cjk(ch: str) -> bool:
    """True for kanji, kana, CJK punctuation and full-width forms (no ASCII spacing around them)."""
    if not ch:
        return False
    o = ord(ch)
    return (
        0x3000 <= o <= 0x30FF  # CJK punctuation, hiragana, katakana
        or 0x3400 <= o <= 0x4DBF
        or 0x4E00 <= o <= 0x9FFF
        or 0xF900 <= o <= 0xFAFF
        or 0xFF00 <= o <= 0xFFEF  # full-width and half-width forms
        or 0x2460 <= o <= 0x24FF  # circled numbers ①
        or 0x2160 <= o <= 0x217F  # roman numerals Ⅲ
        or 0x31F0 <= o <= 0x31FF
        or 0x20000 <= o <= 0x2FA1F
        or ch in "・※○●◎■□◆◇△▲▽▼〜～"
    )


def strip_html(text: str) -> str:
    """Remove HTML tags (<p>, </p>, <ul ...>, <br/> ...) and unescape entities; tags become spaces."""
    if "<" in text:
        text = _HTML_TAG.sub(" ", text)
    if "&" in text:
        text = html.unescape(text)
    return text


def fix_debris(text: str) -> str:
    """Map known extraction-debris characters (e.g. simplified 发) back to the published ones."""
    for bad, good in DEBRIS_CHARS.items():
        if bad in text:
            text = text.replace(bad, good)
    return text


def collapse_ws(text: str) -> str:
    """Collapse runs of ASCII whitespace (tabs, newlines, NBSP) into one space and trim the ends."""
    return _WS.sub(" ", text).strip(" \u3000")


def drop_cjk_spaces(text: str) -> str:
    """Drop ASCII spaces that have a CJK/kana/full-width character on both sides."""
    if " " not in text:
        return text

    def keep(m: re.Match[str]) -> str:
        start, end = m.span()
        prev = text[start - 1] if start else ""
        nxt = text[end] if end < len(text) else ""
        return "" if is_cjk(prev) and is_cjk(nxt) else " "

    return _SPACES.sub(keep, text)


def _ends_in_url(line: str) -> bool:
    token = line.rsplit(None, 1)[-1] if line and not line.isspace() else ""
    return ("://" in token or token.startswith("www.")) and bool(_URL_CHARS.fullmatch(token[-1]))


def join_pair(left: str, right: str, glue: bool | None = None) -> str:
    """Join two wrapped lines: no space at a CJK boundary, one space between Latin words.

    glue tells whether the left line was wrapped mid-word (it ran to the right edge); when it
    is unknown (None) a URL running to the end of the left line is continued without a space.
    """
    left = left.rstrip(" \t")
    right = right.lstrip(" \t")
    if not left or not right:
        return left or right
    return left + _separator(left[-1], right, glue, lambda: _ends_in_url(left)) + right


def _separator(a: str, right: str, glue: bool | None, url_continues: Callable[[], bool]) -> str:
    """What goes between a line ending in the character a and the next line, right (both stripped).
    url_continues tells whether the text so far ends in a URL; it is asked only when needed."""
    if is_cjk(a) or is_cjk(right[0]):
        return ""
    if right.startswith(("http://", "https://")):
        return " "
    if glue is None:
        glue = url_continues() and bool(_URL_CHARS.match(right[0]))
    return "" if glue else " "


def join_wrapped(lines: Iterable[str], glue: Sequence[bool | None] | None = None) -> str:
    """Join the wrapped lines of one paragraph or table cell into a single line.

    glue[i], when given, says whether line i ran to the right edge (a forced, mid-word wrap).
    The same result as folding join_pair over the lines, in time linear in the text.
    """
    parts: list[str] = []
    token = _LastToken()
    seen = 0  # parts already added to token (it is brought up to date only when asked)

    def url_continues() -> bool:
        nonlocal seen
        for part in parts[seen:]:
            token.add(part)
        seen = len(parts)
        return token.ends_in_url()

    pending: bool | None = None
    for i, line in enumerate(lines):
        line = line.strip(" \t\r\n")
        if not line:
            continue
        if parts:  # every part is stripped: the text so far never ends in " " or "\t"
            sep = _separator(parts[-1][-1], line, pending, url_continues)
            if sep:
                parts.append(sep)
        parts.append(line)
        pending = glue[i] if glue is not None and i < len(glue) else None
    return "".join(parts)


class _LastToken:
    """What _ends_in_url needs of the last whitespace-free run of a text built piece by piece
    (its first four and last two characters, whether it holds "://"), kept up to date as pieces
    are added: asking _ends_in_url of the whole text at every join made joining quadratic."""

    __slots__ = ("head", "tail", "scheme", "open")

    def __init__(self) -> None:
        self.head = ""  # first (up to) 4 characters of the token; "" when there is none yet
        self.tail = ""  # last (up to) 2 characters
        self.scheme = False  # "://" occurs in the token
        self.open = False  # the text ends inside the token: more non-space characters extend it

    def add(self, piece: str) -> None:
        body = piece.rstrip()
        if not body:
            if piece:
                self.open = False
            return
        last = body.rsplit(None, 1)[-1]
        if self.open and len(last) == len(body):
            joint = self.tail + last
            self.scheme = self.scheme or "://" in joint
            if len(self.head) < 4:
                self.head = (self.head + last)[:4]
            self.tail = joint[-2:]
        else:
            self.head, self.tail, self.scheme = last[:4], last[-2:], "://" in last
        self.open = len(body) == len(piece)

    def ends_in_url(self) -> bool:
        return bool(self.head) and (self.scheme or self.head == "www.") and bool(_URL_CHARS.fullmatch(self.tail[-1]))


def normalize_field(text: str) -> str:
    """Clean one table cell or field: strip HTML, fix debris characters, collapse whitespace."""
    return collapse_ws(fix_debris(strip_html(text)))


def normalize_pdf_text(text: str) -> str:
    """Like normalize_field, and also drop justifier spaces between Japanese characters."""
    return drop_cjk_spaces(normalize_field(text))


def find_urls(text: str) -> list[str]:
    """All http(s) URLs in text, trailing punctuation trimmed, deduplicated in order."""
    seen: dict[str, None] = {}
    for m in _URL.finditer(text):
        url = m.group(0).rstrip(_URL_TRAIL)
        if url.count("]") > url.count("["):
            url = url.rstrip("]")
        if len(url) > len("https://") and url not in seen:
            seen[url] = None
    return list(seen)


def ends_sentence(text: str) -> bool:
    """True when text ends like a finished sentence or a closed bracket."""
    text = text.rstrip(" \t\u3000")
    return bool(text) and text[-1] in _SENTENCE_END


def page_number_value(line: str) -> int | None:
    """The number if the line holds only a page number ("2", "- 2 -", "２"), else None."""
    m = _PAGE_NO.match(line)
    if not m:
        return None
    return int(unicodedata.normalize("NFKC", m.group(1)))


def nfkc_digits(text: str) -> str:
    """Turn full-width digits into ASCII digits, leaving everything else alone."""
    return text.translate(_FW_DIGITS)


_FW_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def sanitize_id(stem: str) -> str:
    """Reduce a file stem to [A-Za-z0-9_.-]; empty string when nothing usable is left."""
    s = re.sub(r"[^A-Za-z0-9_.-]+", "_", stem)
    s = re.sub(r"_+", "_", s).strip("_.")
    return s
