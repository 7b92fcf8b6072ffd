"""Query expansion through Sudachi's synonym groups, restricted to the words an index holds.

Sudachi's core dictionary gives many words synonym group ids: 自殺 and 自死 share one, 障害者
and 障がい者 another, 住まい, 住居 and 住宅 a third. A query term's group members that occur in
the index (and are not query terms themselves) become the query of an extra BM25 leg, whose
weight is a share (< 1) of the exact leg's: an expansion helps a passage that lacks the query's
own word, and never counts as much as the word itself.
"""

from __future__ import annotations

from collections.abc import Iterable

from .segment import Segmenter, get_segmenter

MAX_GROUP_MEMBERS = 8  # a group wider than this in one corpus is a loose sense (音声/声), not a synonym


class SynonymTable:
    """Synonym group id → the index's words in that group."""

    def __init__(self, members: dict[int, tuple[str, ...]]) -> None:
        self.members = members

    @classmethod
    def from_vocabulary(cls, words: Iterable[str], segmenter: Segmenter | None = None) -> SynonymTable:
        """Group the index's words: each word that is one morpheme takes its groups' ids."""
        seg = segmenter or get_segmenter()
        groups: dict[int, list[str]] = {}
        for word in words:
            if not word or word.isascii():
                continue
            analysed = seg.synonym_groups(word)
            if len(analysed) != 1 or analysed[0][0] != word:
                continue
            for gid in analysed[0][1]:
                groups.setdefault(gid, []).append(word)
        return cls({g: tuple(ws) for g, ws in groups.items() if len(ws) <= MAX_GROUP_MEMBERS})

    def alternatives(self, query_groups: list[tuple[str, tuple[int, ...]]]) -> dict[str, list[str]]:
        """Each query term that has any → the index words sharing a group with it, itself excluded."""
        out: dict[str, list[str]] = {}
        for term, gids in query_groups:
            if term.isascii():  # an English word's group holds katakana loanwords (help -> ヘルプ): noise
                continue
            words = dict.fromkeys(w for g in gids for w in self.members.get(g, ()) if w != term)
            if words:
                out[term] = list(words)
        return out

    def expand(self, query_groups: list[tuple[str, tuple[int, ...]]]) -> list[str]:
        """The index words sharing a group with a query term, the query's own terms excluded."""
        return merge_alternatives(self.alternatives(query_groups), [t for t, _ in query_groups])


def merge_alternatives(alternatives: dict[str, list[str]], own: Iterable[str]) -> list[str]:
    """The alternatives of all query terms in one list, without repeats or the query's own terms."""
    mine = set(own)
    return list(dict.fromkeys(w for words in alternatives.values() for w in words if w not in mine))
