"""Section headings as one canonical label: width and spacing folded, page references dropped.

A record's `section` is a flat list of heading paths: a numbered top heading ((1)…, 第1…, Ⅰ…)
opens a path and the headings after it (①…, ア…) refine it. A measure listed in several places
(再掲) carries several paths. Documents spell the same heading in full or half width, wrap it
with stray spaces, or leave the page reference of a (再掲) line looking like a heading
(「①：P.59）」); this module folds all of that, per record at ingestion and across documents at
build time, so that a section menu offers each heading once.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence

# Circled numbers are kept as printed: NFKC would turn ① into a bare "1".
_CIRCLED = "①-⑳㉑-㉟"
_CIRCLED_RUN = re.compile(f"([{_CIRCLED}])")
# A top heading: (1) / 第1 / Ⅰ. / 1. — what opens a new path in a flat list.
_TOP = re.compile(r"^(?:\(\d{1,2}\)|第\d{1,2}(?=\D)|[IVXⅠ-Ⅻ]{1,4}[.、\s]|\d{1,2}[.、](?!\d))")
# The numbering in front of a heading, whatever its level.
_MARKER = re.compile(rf"^(?:\(\d{{1,2}}\)|\([a-zア-ン]\)|第\d{{1,2}}(?=\D)|[{_CIRCLED}]|[IVXⅠ-Ⅻ]{{1,4}}[.、]|\d{{1,2}}[.、](?!\d)|[ア-ン][.、])")
# What is left of a (再掲) cross-reference after its opening bracket wrapped away: ：P.59）
_PAGE_REF = re.compile(r"^[\s:：,、]*(?:P|p|頁|ページ)\s*[.．]?\s*\d+(?:\s*[-~〜]\s*\d+)?\s*[)）]?\s*$")
_REPRINT = re.compile(r"[(（]\s*再掲[^)）]*[)）]")
_NON_ASCII_GAP = re.compile(r"(?<=[^\x00-\x7f])\s+|\s+(?=[^\x00-\x7f])")
_TRIVIAL = re.compile(r"^[\s\W_]*$")
# Labels with the same numbering whose wording is at least this similar are one heading (a dropped
# particle, a typo in one document): the most frequent spelling names it.
SIMILARITY = 0.9
MAX_COMPARED = 300


def fold(text: str) -> str:
    """NFKC (but circled numbers kept), spaces removed next to Japanese, runs of spaces collapsed."""
    parts = _CIRCLED_RUN.split(text)
    out = "".join(p if _CIRCLED_RUN.fullmatch(p) else unicodedata.normalize("NFKC", p) for p in parts)
    out = re.sub(r"\s+", " ", out).strip()
    return _NON_ASCII_GAP.sub("", out)


def section_label(text: str) -> str | None:
    """The folded label of one heading, or None when it is no heading (empty, a page reference)."""
    label = _REPRINT.sub("", fold(text)).strip()
    marker = _MARKER.match(label)
    body = label[marker.end():] if marker else label
    if _TRIVIAL.match(body) or _PAGE_REF.match(body):
        return None
    return label


def is_top(label: str) -> bool:
    """True for a heading that opens a path ((1)…, 第1…), not one that refines it (①…)."""
    return bool(_TOP.match(label))


def split_paths(labels: Sequence[str]) -> list[list[str]]:
    """A flat section list as its paths: each top heading starts one."""
    paths: list[list[str]] = []
    for label in labels:
        if is_top(label) or not paths:
            paths.append([label])
        else:
            paths[-1].append(label)
    return paths


def clean_path(labels: Iterable[str]) -> list[str]:
    """A record's sections folded: non-headings dropped, repeated paths and a bare top heading
    that another path already holds dropped, so breadcrumbs never repeat."""
    folded = [s for s in (section_label(x) for x in labels) if s is not None]
    paths: dict[tuple[str, ...], None] = {}
    for path in split_paths(folded):
        paths.setdefault(tuple(dict.fromkeys(path)), None)
    refined = {p[0] for p in paths if len(p) > 1}
    return [s for p in paths if not (len(p) == 1 and p[0] in refined) for s in p]


def _key(label: str) -> tuple[str, str]:
    marker = _MARKER.match(label)
    head = marker.group(0) if marker else ""
    body = re.sub(r"[\s「」『』()【】・、。,.]", "", label[len(head):])
    return head, body


def _alike(a: str, b: str) -> bool:
    m = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return m.real_quick_ratio() >= SIMILARITY and m.quick_ratio() >= SIMILARITY and m.ratio() >= SIMILARITY


def canonical_labels(counts: Counter[str]) -> dict[str, str]:
    """For every label, the spelling that names its heading: labels with the same numbering and
    wording at least SIMILARITY alike are one heading, named by the most frequent (then longest)."""
    by_head: dict[str, list[str]] = {}
    for label in counts:
        by_head.setdefault(_key(label)[0], []).append(label)
    out: dict[str, str] = {}
    for labels in by_head.values():
        labels.sort(key=lambda s: (-counts[s], -len(s), s))
        names: list[str] = []
        for label in labels:
            body = _key(label)[1]
            # Past MAX_COMPARED spellings per numbering, only exact folds merge (pairwise is quadratic).
            pool = names if len(labels) <= MAX_COMPARED else []
            same = next((n for n in pool if _alike(body, _key(n)[1])), None)
            if same is None:
                names.append(label)
            out[label] = same or label
    return out


def canonicalize(sections: Sequence[list[str]]) -> list[list[str]]:
    """Each record's sections with every label replaced by its heading's canonical spelling
    (canonical_labels over all of them), repeats dropped again."""
    counts: Counter[str] = Counter(s for labels in sections for s in labels)
    names = canonical_labels(counts)
    return [clean_path(names[s] for s in labels) for labels in sections]


RULES = (_TOP.pattern, _MARKER.pattern, _PAGE_REF.pattern, _REPRINT.pattern, _NON_ASCII_GAP.pattern, SIMILARITY, MAX_COMPARED)
