"""Query time: the needs a question carries, by its words (taxonomy expressions) and by its meaning.

Words: the taxonomy's expressions and terms, matched on Sudachi normalized forms (need_match).
Meaning: the question's vector, and each clause's vector for a long story, against every
detection text of every need (its definition and each expression, embedded with the index's
model). A need is read by meaning when its best text is close enough in absolute terms and
close to the best need of that clause, so unseen phrasings still map while a question about
something else maps to nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import numpy as np

from .need_match import matcher_for
from .need_tags import NeedVectors
from .needs import DetectedNeed, Need, Needs
from .segment import get_segmenter

_CLAUSE = re.compile(r"[^。！？!?\n]+")
MIN_CLAUSE_CHARS = 6
MAX_CLAUSES = 3
LONG_QUESTION = 30  # characters: a question this long is also read clause by clause


# A caller telling their own trouble: feelings of distress (ja), or the first person with one (en).
_DISTRESS_JA = re.compile(r"つらい|辛い|しんど|苦し|困って|困った|助けて|不安|怖い|こわい|寂し|さみし|眠れ|限界|"
                          r"疲れ|どうしたら|どうすれば|どうしよう|泣|死に|消え|もう無理|耐えられ")
_FIRST_PERSON_EN = re.compile(r"\b(i|i'm|im|i've|ive|my|me)\b", re.I)
_DISTRESS_EN = re.compile(r"\b(cope|coping|struggl\w*|alone|lonely|scared|afraid|desperate|hopeless|overwhelm\w*|"
                          r"exhaust\w*|can'?t sleep|depress\w*|help|suffer\w*|crying|panic\w*)\b", re.I)


def tells_distress(question: str) -> bool:
    """Whether a question tells a caller's own trouble (and so must never be told there is nothing)."""
    if re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", question):
        return bool(_DISTRESS_JA.search(question))
    return bool(_FIRST_PERSON_EN.search(question) and _DISTRESS_EN.search(question))


@lru_cache(maxsize=1024)
def expansion_terms(need: Need) -> tuple[str, ...]:
    """A need's administrative terms as the index's lexical terms (segmented once per need)."""
    return tuple(get_segmenter().lexical_terms(" ".join(need.terms)))


def clauses(question: str) -> list[str]:
    """The sentences of a long question (a caller's story often holds two or three needs)."""
    if len(question) < LONG_QUESTION:
        return []
    parts = [c.strip() for c in _CLAUSE.findall(question) if len(c.strip()) >= MIN_CLAUSE_CHARS]
    return parts[:MAX_CLAUSES] if len(parts) > 1 else []


def read_needs(question: str, query_vector: np.ndarray | None, needs: Needs, vectors: NeedVectors,
               embed_clauses: Callable[[list[str]], np.ndarray] | None, min_similarity: float,
               margin: float, max_needs: int,
               common: Callable[[tuple[str, ...]], bool] | None = None) -> list[DetectedNeed]:
    """The needs of a question, those read from its words first; at most max_needs."""
    if not len(needs):
        return []
    found = {d.need.id: d for d in matcher_for(needs).in_words(question, common)}
    if query_vector is not None and not vectors.empty and min_similarity < 1.0:
        texts = [question]
        rows = [np.asarray(query_vector, dtype=np.float32)]
        parts = clauses(question)
        if parts and embed_clauses is not None:
            texts += parts
            rows += list(embed_clauses(parts))
        for text, vec in zip(texts, rows, strict=True):
            if vec.shape[0] != vectors.detect.shape[1]:
                continue
            sims = vectors.detect @ vec
            best = np.full(len(needs), -1.0, dtype=np.float32)
            np.maximum.at(best, vectors.owner, sims)
            top = float(best.max())
            for i in np.argsort(-best)[:max_needs]:
                s = float(best[i])
                if s >= min_similarity and s >= top - margin:
                    need = needs.needs[int(i)]
                    if need.id not in found:
                        found[need.id] = DetectedNeed(need, "meaning", text, s)
    if not found and tells_distress(question):
        general = [n for n in needs if n.fallback]
        return [DetectedNeed(n, "fallback", question[:40], 0.0) for n in general[:max_needs]]
    return list(found.values())[:max_needs]
