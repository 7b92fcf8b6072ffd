"""English query words to the Japanese terms the corpus uses, through a domain glossary.

The BM25 leg cannot match English words in Japanese text. A glossary (glossary.py; the
default is data/glossary_en_ja.tsv, built from the corpus vocabulary) maps English phrases to
the Japanese surface forms that occur in the documents, so an English question gets a lexical
leg of its own. An index keeps the glossary it was built with.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

from .glossary import DEFAULT_NAME, MAX_KEY_WORDS, Glossary, english_words, load_glossary

# Words that carry no meaning on their own; they never count as untranslated.
_FUNCTION_WORDS = frozenset(
    """a an the of for to in on at by with and or are is was were be been do does did what which who whom
    whose how when where why there their them they this that these those any some all about from into
    than then as it its can could would should will shall may might must have has had not no yes
    i me my we our you your he she his her measure measures programme program programs policy policies
    government japan japanese list show find tell give me please""".split()
)


@dataclass
class Translation:
    """Japanese terms found for an English query, and how much of the query they cover."""

    terms: list[str] = field(default_factory=list)
    matched_words: int = 0
    content_words: int = 0

    @property
    def coverage(self) -> float:
        return self.matched_words / self.content_words if self.content_words else 0.0


def _singular(word: str) -> list[str]:
    forms = [word]
    if word.endswith("ies") and len(word) > 4:
        forms.append(word[:-3] + "y")
    if word.endswith("es") and len(word) > 3:
        forms.append(word[:-2])
    if word.endswith("s") and not word.endswith("ss") and len(word) > 2:
        forms.append(word[:-1])
    return forms


@lru_cache(maxsize=1)
def default_glossary() -> Glossary:
    """The glossary shipped with the package."""
    return load_glossary(DEFAULT_NAME)


def translate(query: str, glossary: Glossary | None = None) -> Translation:
    """Greedy longest-phrase lookup of the query's English words (plurals folded) in the glossary
    (the package's when none is given)."""
    words = english_words(query)
    table = default_glossary() if glossary is None else glossary
    result = Translation(content_words=sum(1 for w in words if w not in _FUNCTION_WORDS))
    i = 0
    while i < len(words):
        found = None
        for n in range(min(MAX_KEY_WORDS, len(words) - i), 0, -1):
            phrase = words[i : i + n]
            for last in _singular(phrase[-1]):
                key = (*phrase[:-1], last)
                terms = table.get(key)
                if terms:
                    found = (n, terms)
                    break
            if found:
                break
        if found:
            n, terms = found
            result.terms.extend(t for t in terms if t not in result.terms)
            result.matched_words += sum(1 for w in words[i : i + n] if w not in _FUNCTION_WORDS)
            i += n
        else:
            i += 1
    return result
