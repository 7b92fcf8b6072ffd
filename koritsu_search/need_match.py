"""Reading needs from text: callers' expressions and the documents' terms, matched on Sudachi terms.

Both sides go through the same Sudachi normalized forms (segment.lexical_terms), so an expression
matches its inflections (殴られる: 殴られた, 殴られたり; 家賃が払えない: 家賃を払えなくて) but not a
different word that happens to share characters. An expression of several terms matches when all
of them occur, in order, within a short window of the text's terms (particles are already gone).
English expressions are matched as word sequences, plurals and -ing/-ed folded.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .needs import DetectedNeed, Need, Needs
from .segment import get_segmenter

WINDOW_SLACK = 2  # extra terms allowed between an expression's own terms
_EN_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def english_stem(word: str) -> str:
    """A crude English stem: enough to fold hits/hit, evicted/evict, cutting/cut, parents/parent."""
    for suffix in ("ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 2 and word.endswith(suffix):
            word = word[: -len(suffix)]
            break
    if len(word) > 3 and word[-1] == word[-2]:
        word = word[:-1]  # cutt(ing) -> cut, hitt(ing) -> hit
    return word


# Function words an English expression should not hinge on ("looking after my parent" = "… her parent").
_EN_STOP = frozenset("""a an the my your his her its our their me him them us i you he she we they it is are am
    was were be been being to of and or for with in on at by from that this these those who whom which
    has have had do does did very really so just also""".split())
# Kin and partner words, folded to one word each: callers name the person, expressions name the role.
_EN_FOLD = {w: k for k, ws in {
    "parent": "mum mom mother mommy mummy father dad daddy papa mama parents",
    "partner": "husband wife spouse boyfriend girlfriend partner",
    "child": "son daughter kid kids children child baby toddler",
    "grandparent": "grandmother grandma granny grandfather grandpa grandparents",
    "sibling": "brother sister siblings brothers sisters",
}.items() for w in ws.split()}


def english_terms(text: str) -> list[str]:
    """English content words, stemmed, kin words folded (mum -> parent), function words dropped."""
    words = _EN_WORD.findall(unicodedata.normalize("NFKC", text).lower())
    return [english_stem(_EN_FOLD.get(w, w)) for w in words if w not in _EN_STOP]


@dataclass(frozen=True)
class Pattern:
    """One expression or term of a need, as the terms it must match."""

    need: int  # index into the taxonomy
    terms: tuple[str, ...]
    text: str  # as written in the taxonomy
    is_term: bool = False  # an administrative term (the documents' word), not a caller's expression


def _index(patterns: list[Pattern]) -> dict[str, list[Pattern]]:
    by_first: dict[str, list[Pattern]] = defaultdict(list)
    for p in patterns:
        by_first[p.terms[0]].append(p)
    return dict(by_first)


def _matches(terms: list[str], by_first: dict[str, list[Pattern]]) -> list[Pattern]:
    """Every pattern whose terms all occur in order within its window starting at one of its first term's places."""
    found: dict[tuple[int, tuple[str, ...]], Pattern] = {}
    for i, t in enumerate(terms):
        for p in by_first.get(t, ()):
            if (p.need, p.terms) in found:
                continue
            j, window_end = i + 1, i + len(p.terms) + WINDOW_SLACK
            ok = True
            for want in p.terms[1:]:
                while j < min(window_end, len(terms)) and terms[j] != want:
                    j += 1
                if j >= min(window_end, len(terms)):
                    ok = False
                    break
                j += 1
            if ok:
                found[(p.need, p.terms)] = p
    return list(found.values())


class NeedMatcher:
    """The taxonomy's expressions (callers' words) and terms (documents' words), ready to match."""

    def __init__(self, needs: Needs) -> None:
        self.needs = needs
        seg = get_segmenter()
        expressions: list[Pattern] = []
        english: list[Pattern] = []
        terms: list[Pattern] = []
        for i, need in enumerate(needs.needs):
            for text in need.expressions:
                ts = tuple(seg.lexical_terms(text))
                if ts:
                    expressions.append(Pattern(i, ts, text))
            for text in need.english:
                ts = tuple(english_terms(text))
                if ts:
                    english.append(Pattern(i, ts, text))
            for text in need.terms:
                ts = tuple(seg.lexical_terms(text))
                if ts:
                    terms.append(Pattern(i, ts, text))
                    expressions.append(Pattern(i, ts, text, True))  # a caller may use the documents' word too
        self._expressions = _index(expressions)
        self._english = _index(english)
        self._terms = _index(terms)

    def in_words(self, question: str, common: Callable[[tuple[str, ...]], bool] | None = None) -> list[DetectedNeed]:
        """Needs whose expressions (or terms) occur in the question, in taxonomy order, with the longest
        evidence. An administrative term that `common` says is everywhere in the corpus (相談, 支援,
        子供) reveals no need and is not counted."""
        hits = [p for p in _matches(get_segmenter().lexical_terms(question), self._expressions)
                if not (p.is_term and common is not None and common(p.terms))]
        if re.search(r"[A-Za-z]", question):
            hits += _matches(english_terms(question), self._english)
        best: dict[int, Pattern] = {}
        for p in hits:
            if p.need not in best or len(p.terms) > len(best[p.need].terms):
                best[p.need] = p
        return [DetectedNeed(self.needs.needs[i], "words", best[i].text) for i in sorted(best)]

    def term_patterns(self, terms: list[str]) -> list[Pattern]:
        """The needs' administrative terms that occur in a passage's terms."""
        return _matches(terms, self._terms)


@lru_cache(maxsize=8)
def matcher_for(needs: Needs) -> NeedMatcher:
    return NeedMatcher(needs)


def need_index(needs: Needs, need: Need) -> int:
    return needs.needs.index(need)
