"""Reading needs from text: callers' expressions and the documents' terms, matched on Sudachi forms.

A caller's expression and the question go through the same Sudachi normalized forms, auxiliaries
kept (need_tokens), so an expression matches its inflections (殴られる: 殴られた, 殴られたり;
家賃が払えない: 家賃を払えなくて) and keeps what makes it a need (親がいない is not 親と話さない; 死にたい
is not 死んでから). The documents' terms are matched on the index's lexical terms. A pattern of
several tokens matches when all of them occur, in order, within a short window. English
expressions are matched as content words, plurals and -ing/-ed and kin words (mum, dad) folded.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache

from .needs import DetectedNeed, Needs
from .segment import get_segmenter

WINDOW_SLACK = 2  # extra terms allowed between an expression's own terms
EN_WINDOW_SLACK = 1  # English words carry less inflection noise: a tighter window
_SKIP_POS = frozenset({"助詞", "補助記号", "記号", "空白"})
# Politeness and tense say nothing of a need; every negation reads as ない (ません = ます + ず).
_SKIP_FORMS = frozenset({"ます", "です", "た", "だ", "う"})
_NEGATION = {"ず": "ない", "ぬ": "ない", "ん": "ない", "へん": "ない", "ねえ": "ない", "ねー": "ない"}


def need_tokens(text: str) -> list[str]:
    """The normalized forms of a text's words and auxiliaries (particles and symbols dropped)."""
    out = []
    for tok in get_segmenter().tokens(text):
        if tok.pos[0] in _SKIP_POS:
            continue
        form = unicodedata.normalize("NFKC", tok.normalized).lower()
        form = _NEGATION.get(form, form)
        if form and form not in _SKIP_FORMS and not form.isspace():
            out.append(form)
    return out
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


_KIN = {english_stem(k) for k in _EN_FOLD.values()}


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


def _spans(terms: list[str], by_first: dict[str, list[Pattern]], slack: int = WINDOW_SLACK,
           ) -> list[tuple[Pattern, int, int]]:
    """Every pattern whose terms all occur in order within its window, with the first place it matches
    (start and end token positions)."""
    found: dict[tuple[int, tuple[str, ...]], tuple[Pattern, int, int]] = {}
    for i, t in enumerate(terms):
        for p in by_first.get(t, ()):
            if (p.need, p.terms) in found:
                continue
            j, window_end = i + 1, min(i + len(p.terms) + slack, len(terms))
            ok = True
            for want in p.terms[1:]:
                while j < window_end and terms[j] != want:
                    j += 1
                if j >= window_end:
                    ok = False
                    break
                j += 1
            if ok:
                found[(p.need, p.terms)] = (p, i, j)
    return list(found.values())


def _matches(terms: list[str], by_first: dict[str, list[Pattern]]) -> list[Pattern]:
    return [p for p, _, _ in _spans(terms, by_first)]


def _outranked(spans: list[tuple[Pattern, int, int]]) -> list[Pattern]:
    """The patterns left when one that lies inside a longer match of another need is dropped:
    上司に怒鳴られる (職場) wins over 怒鳴られる (DV) on the same words."""
    kept = []
    for p, s, e in spans:
        inside = any(q.need != p.need and qs <= s and e <= qe and (qe - qs) > (e - s) for q, qs, qe in spans)
        if not inside:
            kept.append(p)
    return kept


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
                ts = tuple(need_tokens(text))
                if ts:
                    expressions.append(Pattern(i, ts, text))
            for text in need.english:
                ts = tuple(english_terms(text))
                if not ts or (len(ts) == 1 and ts[0] in _KIN):
                    continue  # a bare kin word ("my child") names a person, not a need
                english.append(Pattern(i, ts, text))
            for text in need.terms:
                ts = tuple(seg.lexical_terms(text))
                if ts:
                    terms.append(Pattern(i, ts, text, True))
        self._expressions = _index(expressions)
        self._english = _index(english)
        self._terms = _index(terms)

    def in_words(self, question: str, common: Callable[[tuple[str, ...]], bool] | None = None) -> list[DetectedNeed]:
        """Needs whose expressions (or terms) occur in the question, in taxonomy order, with their evidence. An administrative term that `common` says is everywhere in the corpus (相談, 支援,
        子供) reveals no need and is not counted."""
        hits = _outranked(_spans(need_tokens(question), self._expressions))
        # A caller may use the documents' word too (ひきこもり, 生活保護), unless it is everywhere.
        hits += [p for p in _matches(get_segmenter().lexical_terms(question), self._terms)
                 if not (common is not None and common(p.terms))]
        if re.search(r"[A-Za-z]", question):
            hits += _outranked(_spans(english_terms(question), self._english, EN_WINDOW_SLACK))
        best: dict[int, Pattern] = {}
        # A need the documents' own word names is a topic ("terms"); otherwise the longest expression
        # is the evidence. (Preferring the caller's expression when both match made the Japanese speech
        # penalty apply to topic questions: dev variant 0.737 -> 0.716.)
        for p in hits:
            if p.need not in best or (p.is_term, len(p.terms)) > (best[p.need].is_term, len(best[p.need].terms)):
                best[p.need] = p
        return [DetectedNeed(self.needs.needs[i], "terms" if best[i].is_term else "words", best[i].text)
                for i in sorted(best)]

    def term_patterns(self, terms: list[str]) -> list[Pattern]:
        """The needs' administrative terms that occur in a passage's terms."""
        return _matches(terms, self._terms)


@lru_cache(maxsize=8)
def matcher_for(needs: Needs) -> NeedMatcher:
    return NeedMatcher(needs)
