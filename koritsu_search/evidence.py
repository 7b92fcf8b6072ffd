"""Evidence quotes: the whole sentences of a field that hold the question's terms, and the words to mark."""

from __future__ import annotations

import re
from functools import lru_cache

from .glossary import Glossary
from .procedural import is_procedural_sentence
from .segment import get_segmenter
from .translate import translate

MAX_QUOTE_SENTENCES = 3
MAX_QUOTE_CHARS = 400  # a passage is <= 350; whole sentences may run a little over


def _question_texts(question: str, glossary: Glossary | None) -> list[str]:
    """The question, and the glossary's Japanese for its English words when it has any."""
    if re.search(r"[A-Za-z]", question):
        return [question, " ".join(translate(question, glossary).terms)]
    return [question]


@lru_cache(maxsize=512)
def question_terms(question: str, glossary: Glossary | None = None) -> tuple[str, ...]:
    """The question's Sudachi terms, plus the glossary's Japanese for its English words, once each."""
    seg = get_segmenter()
    return tuple(dict.fromkeys(t for x in _question_texts(question, glossary) for t in seg.lexical_terms(x) if t))


@lru_cache(maxsize=512)
def question_marks(question: str, glossary: Glossary | None = None) -> tuple[str, ...]:
    """The question's terms that may be marked in a quote (Segmenter.mark_terms: no auxiliary such as
    〜てきた's 来る, no verb part such as 行く of 行き届く), glossary Japanese included, once each."""
    seg = get_segmenter()
    return tuple(dict.fromkeys(t for x in _question_texts(question, glossary) for t in seg.mark_terms(x) if t))


def quote_evidence(
    question: str, text: str, terms: set[str] | None = None, window: tuple[int, int] | None = None,
) -> tuple[str, list[tuple[int, int]]]:
    """The sentences of a passage that hold the question's terms, and the spans to highlight.

    text is the passage, or the whole field (record text) it was cut from with window its place
    there: then the quote is whole sentences of the field, though the passage began or ended
    inside one. See evidence_quote for the rules.
    """
    quote, spans, _ = evidence_quote(question, text, terms, window)
    return quote, spans


def evidence_quote(
    question: str, text: str, terms: set[str] | None = None, window: tuple[int, int] | None = None,
) -> tuple[str, list[tuple[int, int]], int]:
    """(quote, highlights in the quote, where the quoted text starts in text).

    Nothing is rewritten: the quote is a verbatim slice of text made of whole sentences, at most
    MAX_QUOTE_SENTENCES of them, fewer when they run past MAX_QUOTE_CHARS. A single sentence
    longer than that (a table of contents, a list without 。) is cut at clause boundaries 「、」
    and the cut marked 「…」: the only case in which the quote is not a slice of text.
    Procedural sentences (thanks, hand-overs, 「法務省でございます。」) are quoted only when
    nothing else holds a term; when no term occurs outside them, the quote is the passage's first
    substantive sentences.
    """
    seg = get_segmenter()
    spans = seg.highlight_spans(question, text, terms)
    lo, hi = window or (0, len(text))
    sentences = [(s, e) for s, e in seg.sentences(text) if s < hi and e > lo] or [(lo, hi)]
    first, last = _evidence_run(text, sentences, spans)
    start, end = sentences[first][0], sentences[last][1]
    if end - start > MAX_QUOTE_CHARS:  # one sentence
        inside = [(s, e) for s, e in spans if max(lo, start) <= s and e <= min(hi, end)]
        return _clipped(text, start, end, inside[0][0] if inside else max(lo, start), spans)
    return text[start:end], _within(spans, start, end), start


def _evidence_run(text: str, sentences: list[tuple[int, int]], spans: list[tuple[int, int]]) -> tuple[int, int]:
    """The first and last sentence to quote: the densest run of at most MAX_QUOTE_SENTENCES that
    hold a term (all of them when every sentence is procedural), shortened to MAX_QUOTE_CHARS."""
    substantive = [i for i, (s, e) in enumerate(sentences) if not is_procedural_sentence(text[s:e])]
    hit_idx = [i for i, (s, e) in enumerate(sentences) if any(hs < e and he > s for hs, he in spans)]
    if substantive:
        hit_idx = [i for i in hit_idx if i in substantive]
    if not hit_idx and not substantive:
        run = list(range(len(sentences)))
    else:
        hit_idx = hit_idx or substantive[:MAX_QUOTE_SENTENCES]
        best = max(
            range(len(hit_idx)),
            key=lambda j: sum(1 for i in hit_idx[j:] if i - hit_idx[j] < MAX_QUOTE_SENTENCES),
        )
        run = [i for i in hit_idx if hit_idx[best] <= i < hit_idx[best] + MAX_QUOTE_SENTENCES]
    # Whole sentences past MAX_QUOTE_CHARS: drop the run's last sentences, keeping its first hit.
    while len(run) > 1 and sentences[run[-1]][1] - sentences[run[0]][0] > MAX_QUOTE_CHARS:
        run.pop()
    return run[0], run[-1]


def _within(spans: list[tuple[int, int]], start: int, end: int) -> list[tuple[int, int]]:
    """The spans inside [start, end), re-based to start (whole words: none is cut)."""
    return [(s - start, e - start) for s, e in spans if s >= start and e <= end]


def _clipped(
    text: str, start: int, end: int, focus: int, spans: list[tuple[int, int]],
) -> tuple[str, list[tuple[int, int]], int]:
    """At most MAX_QUOTE_CHARS of one over-long sentence from a little before focus (the passage's
    first highlight), cut after a 「、」 (or, lacking one, between words), each cut marked 「…」."""
    words = [start + t.start for t in get_segmenter().tokens(text[start:end])] + [end]
    lo = max(start, min(focus - MAX_QUOTE_CHARS // 4, end - MAX_QUOTE_CHARS))
    lo = _cut(text, words, lo, focus, last=False) if lo > start else start
    hi = min(end, lo + MAX_QUOTE_CHARS)
    hi = _cut(text, words, hi - MAX_QUOTE_CHARS // 2, hi, last=True) if hi < end else end
    head, tail = ("…" if lo > start else ""), ("…" if hi < end else "")
    local = [(s + len(head), e + len(head)) for s, e in _within(spans, lo, hi)]
    return f"{head}{text[lo:hi]}{tail}", local, lo


def _cut(text: str, words: list[int], a: int, b: int, last: bool) -> int:
    """A cut in [a, b]: after a 「、」 if there is one, else at a word boundary (the last or the first)."""
    inside = [w for w in words if a <= w <= b] or [b if last else a]
    clauses = [w for w in inside if text[w - 1] == "、"]
    return (clauses or inside)[-1 if last else 0]
