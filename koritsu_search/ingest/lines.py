"""Source lines with page numbers (text files and pages), and PDF lines with their geometry."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from ..errors import IngestError
from .progress import TICK_EVERY, tick
from .textnorm import ends_sentence, join_wrapped, normalize_pdf_text, page_number_value


@dataclass
class SrcLine:
    """One line of source text, stripped, with its page and layout hints."""

    page: int
    text: str
    indent: bool = False
    gap_before: bool = False
    full: bool | None = None  # ran to the right margin (PDF); None when unknown


@dataclass
class PdfLine:
    """A line rebuilt from characters, with its geometry."""

    text: str
    x0: float
    x1: float
    top: float
    bottom: float
    size: float


# UTF-32 first: its little-endian mark starts with the UTF-16 one.
_WIDE_BOMS = ((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, "utf-16"))


def decode_text(data: bytes, source: str) -> str:
    """Decode a text file: UTF-16 or UTF-32 by its byte order mark, else UTF-8 (with or without
    BOM), then cp932/Shift_JIS; else IngestError."""
    wide = wide_encoding(data)
    if wide is not None:
        return _decode_wide(data, source, *wide)
    if b"\x00" in data[:4096]:
        raise IngestError(source, "binary file, not text (contains NUL bytes) and not a PDF")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    for enc in ("cp932", "shift_jis"):
        try:
            text = data.decode(enc)
        except UnicodeDecodeError:
            continue
        if _suspicious(text) <= len(text) // 100:
            return text
    raise IngestError(source, "cannot decode text (neither UTF-8 nor Shift_JIS/cp932)")


def _decode_wide(data: bytes, source: str, enc: str, name: str) -> str:
    try:
        text = data.decode(enc)
    except UnicodeDecodeError as exc:
        raise IngestError(source, f"cannot decode text: it starts with a {name} byte order mark but is not "
                                  f"{name} ({exc.reason} at byte {exc.start})") from exc
    if "\x00" in text[:4096]:
        raise IngestError(source, f"binary file, not text (a {name} byte order mark, then NUL characters)")
    # Binary data after the mark decodes too: it shows as controls, private-use and more marks.
    if _suspicious(text) + text.count("\ufeff") > len(text) // 100:
        raise IngestError(source, f"cannot decode text: it starts with a {name} byte order mark but does "
                                  f"not read as {name} text")
    return text


def wide_encoding(data: bytes) -> tuple[str, str] | None:
    """The codec and name ("utf-16", "UTF-16 LE") of text that starts with a UTF-16 or UTF-32 byte
    order mark (text, though it holds NUL bytes); None without one."""
    for le, be, enc in _WIDE_BOMS:
        if data.startswith((le, be)):
            return enc, f"{enc.upper()} {'LE' if data.startswith(le) else 'BE'}"
    return None


_SUSPICIOUS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x80-\x9f\ue000-\uf8ff]")


def _suspicious(text: str) -> int:
    """Count characters a real Japanese text file would not hold (controls, C1, private use)."""
    return sum(1 for _ in _SUSPICIOUS.finditer(text))


def paginate(text: str) -> tuple[list[tuple[int, str]], int]:
    """Split a text export into (page, raw line) pairs, page-number lines removed.

    Text before any page number is page 1. A form feed starts a new page. A line holding only
    a number N (increasing, so prose numbers are not taken) is read against the current page c:
    N == c is c's footer (the text after it is on c+1); N == c+1 is the number of the page that
    starts right there (a footer emitted ahead of its page, as in the seed minutes, whose only
    number "2" sits between the header block and the first speaker turn); N > c+1 is a footer
    that puts the text since the last break on page N. A number right after a break names the
    page that starts there. Returns the lines and the page count (at least 1).
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    seg_pages: list[int] = [1]  # page of each segment (run of lines between breaks)
    raw: list[tuple[int, str]] = []  # (segment index, line)
    fresh = True  # no text yet on the current page
    last_marker = 0

    def new_page(page: int) -> None:
        seg_pages.append(page)

    for chunk_no, chunk in enumerate(text.split("\f")):
        if chunk_no and not fresh:
            new_page(seg_pages[-1] + 1)
            fresh = True
        for line in chunk.split("\n"):
            value = page_number_value(line)
            c = seg_pages[-1]
            if value is not None and value > last_marker and value >= c and value < 10000:
                last_marker = value
                if fresh:
                    seg_pages[-1] = value
                elif value == c:
                    new_page(c + 1)
                    fresh = True
                elif value == c + 1:
                    new_page(value)
                    fresh = True
                else:
                    seg_pages[-1] = value
                    new_page(value + 1)
                    fresh = True
                continue
            if line.strip(" \t\u3000\u00a0"):
                fresh = False
            raw.append((len(seg_pages) - 1, line))
    out = [(seg_pages[seg], line) for seg, line in raw]
    used = [p for p, line in out if line.strip(" \t\u3000\u00a0")]
    return out, max(used, default=1)


def to_src_lines(raw: list[tuple[int, str]]) -> list[SrcLine]:
    """Stripped non-blank lines; a blank line before sets gap_before, a leading space sets indent."""
    out: list[SrcLine] = []
    gap = False
    for i, (page, line) in enumerate(raw, 1):
        if not i % TICK_EVERY:
            tick(TICK_EVERY)
        stripped = line.strip(" \t\u3000\u00a0")
        if not stripped:
            gap = True
            continue
        out.append(SrcLine(page, stripped, line[:1] in (" ", "\t", "\u3000"), gap))
        gap = False
    tick(len(raw) % TICK_EVERY)
    return out


_BRACKET_LINE = re.compile(r"^[（(【][^（）()【】]{1,40}[）)】]$")


def is_double_spaced(lines: list[SrcLine]) -> bool:
    """True when most lines are separated by blank lines (then blank lines mean nothing)."""
    if len(lines) < 6:
        return False
    gaps = sum(1 for ln in lines[1:] if ln.gap_before)
    return gaps >= 0.85 * (len(lines) - 1)


def group_paragraphs(lines: list[SrcLine], use_gaps: bool) -> list[list[SrcLine]]:
    """Group wrapped lines into paragraphs.

    A paragraph starts at an indented line that follows a finished sentence, at a line that is
    only a bracketed note such as （プレス入室）, and (when use_gaps) after a blank line or a
    wide vertical gap, or at a new page after a finished sentence. An indented line that
    follows an unfinished line is a wrapped line.
    """
    paras: list[list[SrcLine]] = []
    for ln in lines:
        if paras:
            prev = paras[-1][-1].text
            brk = (ln.indent and ends_sentence(prev)) or (use_gaps and ln.gap_before)
            brk = brk or (bool(_BRACKET_LINE.match(ln.text)) and ends_sentence(prev))
            brk = brk or bool(_BRACKET_LINE.match(prev))
            brk = brk or (use_gaps and ln.page != paras[-1][-1].page and ends_sentence(prev))
            if not brk:
                paras[-1].append(ln)
                continue
        paras.append([ln])
    return paras


def paragraph_text(lines: list[SrcLine]) -> str:
    """One paragraph's text: wrapped lines joined, justifier spaces between Japanese dropped."""
    tick(len(lines))
    return normalize_pdf_text(join_wrapped([ln.text for ln in lines], [ln.full for ln in lines]))
