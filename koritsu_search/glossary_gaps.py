"""Frequent corpus terms that no glossary entry reaches: the to-do list for a new corpus's glossary.

`koritsu-search glossary-gaps --index DIR` lists them, most frequent first, ready to be given
English keys (koritsu_search/data/README.md says how).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .glossary import Glossary, load_glossary
from .index.lexical import LexicalIndex
from .segment import get_segmenter

MIN_CHARS = 2  # single characters (人, 者) are parts of compounds, not glossary entries


@dataclass(frozen=True)
class Gap:
    """A term of the corpus without an English key, how many passages hold it, and one of them."""

    term: str
    passages: int
    example: str


def covered_terms(glossary: Glossary) -> set[str]:
    """The index terms the glossary's Japanese side produces (what a translated query can match)."""
    seg = get_segmenter()
    out: set[str] = set()
    for terms in glossary.entries.values():
        for t in terms:
            out.update(seg.lexical_terms(t))
    return out


def find_gaps(lexical: LexicalIndex, glossary: Glossary, texts: list[str], top: int = 200,
              min_passages: int = 2) -> list[Gap]:
    """The `top` most frequent terms (by passages holding them) that the glossary does not reach."""
    covered = covered_terms(glossary)
    candidates = [(lexical.df(w), w) for w in lexical.vocab
                  if w and len(w) >= MIN_CHARS and w not in covered and not w.isascii()]
    candidates = sorted((c for c in candidates if c[0] >= min_passages), key=lambda c: (-c[0], c[1]))[:top]
    wanted = {lexical.vocab[w]: w for _, w in candidates}
    example: dict[str, str] = {}
    for row, text in enumerate(texts):  # the first passage holding each term (terms are normalized forms)
        for tid in set(lexical.term_ids(row).tolist()) & wanted.keys():
            example.setdefault(wanted[tid], " ".join(text.split())[:60])
        if len(example) == len(wanted):
            break
    return [Gap(w, df, example.get(w, "")) for df, w in candidates]


def index_gaps(index_dir: str | Path, glossary: str | Path | None = None, top: int = 200,
               min_passages: int = 2) -> list[Gap]:
    """find_gaps over an index folder, against its own glossary or the one named."""
    from .index.store import IndexStore

    store = IndexStore.open(Path(index_dir), check_fusion=False)
    try:
        chosen = store.glossary if glossary is None else load_glossary(glossary)
        texts = [store.passages[i].text for i in range(len(store.passages))]
        return find_gaps(store.lexical, chosen, texts, top, min_passages)
    finally:
        store.close()
