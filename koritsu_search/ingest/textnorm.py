"""Text normalization helpers for Japanese text extracted from PDFs and text exports."""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable, Sequence

# Characters that are extraction debris (simplified forms) mapped to what was published.
DEBRIS_CHARS = {"发": "発"}

_HTML_TAG = re.compile(r"</?[A-Za-z][A-Za-z0-9]*(?:\s[^<>]*)?/?>")
_WS = re.compile(r"[ \t\r\n\f\v\u00a0\u200b]+")
_URL = re.compile(r"https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]+")
_URL_TRAIL = ".,;:!?'"
_SENTENCE_END = "。．.！!？?」』）)】〉》"
_PAGE_NO = re.compile(r"^[\s\u3000]*[-－—―‐]?[\s\u3000]*([0-9０-９]{1,4})[\s\u3000]*[-－—―‐]?[\s\u3000]*$")
_URL_CHARS = re.compile(r"[A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%]")


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
    out: list[str] = []
    n = len(text)
    i = 0
    while i < n:
        ch = text[i]
        if ch == " ":
            j = i
            while j < n and text[j] == " ":
                j += 1
            prev = out[-1] if out else ""
            nxt = text[j] if j < n else ""
            if not (is_cjk(prev) and is_cjk(nxt)):
                out.append(" ")
            i = j
            continue
        out.append(ch)
        i += 1
    return "".join(out)


def _ends_in_url(line: str) -> bool:
    token = line.rsplit(None, 1)[-1] if line.split() else ""
    return ("://" in token or token.startswith("www.")) and bool(_URL_CHARS.fullmatch(token[-1]))


def join_pair(left: str, right: str, glue: bool | None = None) -> str:
    """Join two wrapped lines: no space at a CJK boundary, one space between Latin words.

    glue tells whether the left line was wrapped mid-word (it ran to the right edge); when it
    is unknown (None) a URL running to the end of the left line is continued without a space.
    """
    left = left.rstrip(" \t")
    right = right.lstrip(" \t")
    if not left:
        return right
    if not right:
        return left
    a, b = left[-1], right[0]
    if is_cjk(a) or is_cjk(b):
        return left + right
    if right.startswith(("http://", "https://")) or a == " ":
        return left + " " + right
    if glue is None:
        glue = _ends_in_url(left) and bool(_URL_CHARS.match(b))
    return left + right if glue else left + " " + right


def join_wrapped(lines: Iterable[str], glue: Sequence[bool | None] | None = None) -> str:
    """Join the wrapped lines of one paragraph or table cell into a single line.

    glue[i], when given, says whether line i ran to the right edge (a forced, mid-word wrap).
    """
    out = ""
    pending: bool | None = None
    for i, line in enumerate(lines):
        line = line.strip(" \t\r\n")
        if line:
            out = join_pair(out, line, pending)
            pending = glue[i] if glue is not None and i < len(glue) else None
    return out


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
