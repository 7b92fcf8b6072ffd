"""The lexical leg: BM25 (bm25s) over Sudachi normalized terms, and each passage's terms as ids."""

from __future__ import annotations

import math
from collections.abc import Collection
from pathlib import Path

import bm25s
import numpy as np

BM25_DIR = "bm25"
TERMS_FILE = "terms.npz"


class LexicalIndex:
    """BM25 over pre-tokenized passages, with document frequencies for query weighting."""

    def __init__(self, retriever: bm25s.BM25, n_docs: int, term_ptr: np.ndarray, term_ids: np.ndarray) -> None:
        self.retriever = retriever
        self.n_docs = n_docs
        self.vocab: dict[str, int] = dict(retriever.vocab_dict)
        indptr = np.asarray(retriever.scores["indptr"])
        self._df = np.diff(indptr)
        # Each passage's terms as vocabulary ids (CSR, in order): feedback reads them, builds reuse them.
        self._term_ptr, self._term_ids = term_ptr, term_ids
        if len(term_ptr) != n_docs + 1:
            raise ValueError(f"term lists for {len(term_ptr) - 1} passages, expected {n_docs}")
        self._words: list[str] | None = None

    @classmethod
    def build(cls, corpus_terms: list[list[str]]) -> LexicalIndex:
        retriever = bm25s.BM25(k1=1.2, b=0.75)
        # bm25s needs at least one token per document; an empty passage gets a placeholder.
        corpus = [terms if terms else [""] for terms in corpus_terms]
        if not corpus:
            corpus = [[""]]
        retriever.index(corpus, show_progress=False)
        vocab = retriever.vocab_dict
        ptr: list[int] = [0]
        ids: list[int] = []
        for terms in corpus_terms:
            ids.extend(vocab[t] for t in terms if t)
            ptr.append(len(ids))
        return cls(retriever, len(corpus_terms), np.asarray(ptr, dtype=np.int64), np.asarray(ids, dtype=np.int32))

    def save(self, directory: Path) -> None:
        self.retriever.save(str(directory / BM25_DIR), show_progress=False)
        np.savez(directory / TERMS_FILE, ptr=self._term_ptr, ids=self._term_ids)

    @classmethod
    def load(cls, directory: Path, n_docs: int, mmap: bool = False) -> LexicalIndex:
        """The index in directory; mmap=True leaves the score matrix on disk (for reading terms)."""
        retriever = bm25s.BM25.load(str(directory / BM25_DIR), show_progress=False, mmap=mmap)
        with np.load(directory / TERMS_FILE) as data:
            ptr, ids = data["ptr"], data["ids"]
        return cls(retriever, n_docs, ptr, ids)

    @property
    def term_ptr(self) -> np.ndarray:
        """Where each passage's term ids start in the flat list (CSR offsets, one more than passages)."""
        return self._term_ptr

    def term_ids_at(self, positions: np.ndarray) -> np.ndarray:
        """The term ids at positions of the flat list."""
        return self._term_ids[positions]

    def term_ids(self, row: int) -> np.ndarray:
        """The vocabulary ids of a passage's terms, in order."""
        return self._term_ids[self._term_ptr[row]:self._term_ptr[row + 1]]

    def terms_of(self, row: int) -> list[str]:
        return [self.word(int(i)) for i in self.term_ids(row)]

    def word(self, term_id: int) -> str:
        if self._words is None:
            words = [""] * len(self.vocab)
            for w, i in self.vocab.items():
                words[i] = w
            self._words = words
        return self._words[term_id]

    def df_of(self, term_id: int) -> int:
        return int(self._df[term_id])

    def df(self, term: str) -> int:
        tid = self.vocab.get(term)
        return int(self._df[tid]) if tid is not None else 0

    def idf(self, term: str) -> float:
        df = self.df(term)
        return math.log(1 + (self.n_docs - df + 0.5) / (df + 0.5))

    def known(self, terms: list[str]) -> list[str]:
        return [t for t in terms if t and t in self.vocab and self.df(t) > 0]

    def weighted_share(self, terms: list[str], selected: Collection[str]) -> float:
        """Share of the query's information (its distinct terms, idf-weighted) held by the selected terms."""
        terms = [t for t in dict.fromkeys(terms) if t]
        if not terms:
            return 0.0
        # Unknown terms get the idf of a term seen once: rare, so they weigh a lot.
        unknown_idf = math.log(1 + (self.n_docs - 0.5) / 1.5)
        weights = {t: (self.idf(t) if self.df(t) else unknown_idf) for t in terms}
        total = sum(weights.values())
        return sum(w for t, w in weights.items() if t in selected) / total if total else 0.0

    def coverage(self, terms: list[str]) -> float:
        """Share of the query's information (idf-weighted) that the index vocabulary knows."""
        return self.weighted_share(terms, {t for t in terms if t and self.df(t)})

    def scores(self, terms: list[str], mask: np.ndarray | None = None) -> np.ndarray:
        """BM25 score of every passage (0 where masked out or no term matches)."""
        q = self.known(terms)
        if not q or self.n_docs == 0:
            return np.zeros(self.n_docs, dtype=np.float32)
        s = np.asarray(self.retriever.get_scores(q), dtype=np.float32)[: self.n_docs]
        if mask is not None:
            s = s * mask
        return s
