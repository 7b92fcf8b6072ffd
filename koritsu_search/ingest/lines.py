"""Source lines with page numbers (text files and pages), and PDF lines with their geometry."""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import IngestError
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


def decode_text(data: bytes, source: str) -> str:
    """Decode a text file: UTF-8 (with or without BOM), then cp932/Shift_JIS; else IngestError."""
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


def _suspicious(text: str) -> int:
    """Count characters a real Japanese text file would not hold (controls, C1, private use)."""
    return sum(
        1
        for ch in text
        if (ord(ch) < 32 and ch not in "\t\r\n\f") or 0x80 <= ord(ch) <= 0x9F or 0xE000 <= ord(ch) <= 0xF8FF
    )


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
    for page, line in raw:
        stripped = line.strip(" \t\u3000\u00a0")
        if not stripped:
            gap = True
            continue
        out.append(SrcLine(page, stripped, line[:1] in (" ", "\t", "\u3000"), gap))
        gap = False
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
    return normalize_pdf_text(join_wrapped([ln.text for ln in lines], [ln.full for ln in lines]))
