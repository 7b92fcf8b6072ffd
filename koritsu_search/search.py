"""Hybrid retrieval: dense (FAISS) and lexical (BM25 over Sudachi terms) legs, fused per query.

The fusion follows what was measured on this corpus (eval/results/retrieval.md):
- the dense score, min-max normalized over the candidates, is the backbone;
- the BM25 leg is added with a weight proportional to how much of the query the index
  vocabulary knows (idf-weighted coverage), so "#9999" or "8103" lean on it and an English
  question, whose words the Japanese index does not know, does not;
- English words are translated through a domain glossary (translate.py) into the corpus's
  Japanese terms, which get a BM25 leg weighted by the share of words translated;
- a pseudo-relevance-feedback BM25 query from the top dense passages' Sudachi terms, and (hybrid)
  the query vector moved towards its top passages' vectors before the dense search;
- optionally, a BM25 leg over the query terms' Sudachi synonyms (synonyms.py; off by default);
- small priors: passages of a ministry the query names, speaker turns when the query asks
  what was said, support from a record's second-best passage; penalties for procedural lines,
  title-only passages (a heading or a bare name) and running prose without a measure or speaker.
Every weight lives in fusion.FusionConfig, set on the development split only; the held-out
split is reported, not tuned. A Searcher takes ready components (the passage store, the dense
and lexical indexes, the embedder); it never reads files.
"""

from __future__ import annotations

import re
import threading
from collections import Counter
from collections.abc import Callable, Collection

import numpy as np

from .embed.base import Embedder, embed_queries, is_embedder
from .fusion import FusionConfig, LegScores, evidence_units, fuse
from .glossary import Glossary
from .index.retrieval import NO_LEG, LexicalLeg, Scope
from .index.store import IndexStore
from .intent import Intent, MeasureLookup, asks_as_official, asks_for_measures, read_intent, read_measure_number
from .models import Filters, Hit
from .need_priors import need_priors
from .need_read import expansion_terms, read_needs
from .needs import DetectedNeed
from .procedural import asks_proceedings
from .query import SearchTrace, check_k, check_mode, clean_query
from .segment import get_segmenter
from .synonyms import SynonymTable, merge_alternatives
from .timing import timed
from .translate import translate

MS = 1000.0  # a trace's timings are in milliseconds

class Searcher:
    """Hybrid search over an opened index's components; the embedder is loaded on first need."""

    def __init__(
        self,
        store: IndexStore,
        embedder: Embedder | Callable[[], Embedder] | None = None,
        config: FusionConfig | None = None,
        glossary: Glossary | None = None,
    ) -> None:
        self.store = store
        self.config = config or store.manifest.fusion_config()
        self.glossary = store.glossary if glossary is None else glossary  # another one only for experiments
        self._embedder_source = embedder
        self._embedder: Embedder | None = embedder if is_embedder(embedder) else None  # type: ignore[assignment]
        self._lock = threading.Lock()
        self._synonyms: SynonymTable | None = None
        self._unit_codes: np.ndarray | None = None
        self._rows_by_number: dict[int, np.ndarray] = {}
        if self._embedder is not None:
            store.check_model(self._embedder.model_id)

    @property
    def embedder(self) -> Embedder:
        """The query embedder, loaded on first use and checked against the manifest."""
        with self._lock:
            if self._embedder is None:
                src = self._embedder_source
                if src is None:
                    from .embed import load_embedder

                    emb = load_embedder(self.store.manifest.model_id)
                else:
                    emb = src()  # type: ignore[operator]
                self.store.check_model(emb.model_id)
                self._embedder = emb
            return self._embedder

    @property
    def embedder_source(self) -> Embedder | Callable[[], Embedder] | None:
        """The loaded embedder, or what loads it: for another index sharing this one's model."""
        return self._embedder if self._embedder is not None else self._embedder_source

    def search(
        self,
        query: object,
        k: object = 10,
        filters: Filters | None = None,
        mode: object = "hybrid",
        trace: SearchTrace | None = None,
        ignore_needs: Collection[str] = (),
    ) -> list[Hit]:
        """Top-k passages for the query; filters restrict every leg identically. `ignore_needs` (ids or
        labels) are not read from the question, as when a reader removes one the app understood."""
        mode, k, q = check_mode(mode), check_k(k), clean_query(query)
        trace = trace if trace is not None else SearchTrace()
        timings = trace.timings_ms
        store = self.store
        if len(store.passages) == 0:
            return []
        with timed(timings, "filter", MS):
            scope = Scope(filters, store.passages.select_mask(filters))
        if scope.empty:
            return []
        with timed(timings, "segment", MS):
            terms = trace.query_terms = get_segmenter().lexical_terms(q)
        if mode == "lexical":
            return self._lexical_only(terms, scope, k, trace)
        with timed(timings, "embed", MS):
            qv = self.embedder.embed_query(q)
        lookup = self._measure_lookup(q) if mode == "hybrid" else None
        trace.measure_no = lookup.number if lookup else None
        trace.intent = read_intent(q)
        if mode == "hybrid" and lookup is None and not (self.config.needs_skip_official and
                                                        asks_as_official(q, trace.intent)):
            with timed(timings, "needs", MS):
                qv = self._read_needs(q, qv, trace, set(ignore_needs))
        n_cand = self.config.candidate_count(k)
        with timed(timings, "dense", MS):
            dense_ids = store.retrieval.dense_top(qv, n_cand, scope)
            if mode == "hybrid" and self.config.dense_feedback and dense_ids.size:
                qv = self._feedback_vector(qv, dense_ids)
                dense_ids = store.retrieval.dense_top(qv, n_cand, scope)
        if mode == "dense":
            with timed(timings, "fusion", MS):
                ids = np.sort(dense_ids)
                fused = dense = store.retrieval.dense_score(qv, ids)
                bm = np.zeros(len(ids), dtype=np.float32)
        else:
            ids, fused, dense, bm = self._fused(q, qv, terms, dense_ids, scope, n_cand, lookup, trace)
        with timed(timings, "fusion", MS):
            return self._hits(ids, fused, dense, bm, k, trace)

    def _fused(self, q: str, qv: np.ndarray, terms: list[str], dense_ids: np.ndarray, scope: Scope, n_cand: int,
               lookup: MeasureLookup | None, trace: SearchTrace) -> tuple[np.ndarray, ...]:
        """The hybrid candidates with their fused, dense and BM25 scores."""
        lexical_legs = self._lexical_legs(q, terms, dense_ids, scope, trace)
        with timed(trace.timings_ms, "bm25", MS):  # an engine's lexical top-N runs here
            ids = self._candidates(dense_ids, lexical_legs, trace.intent, scope.mask, n_cand, lookup)
        with timed(trace.timings_ms, "fusion", MS):
            dense = self.store.retrieval.dense_score(qv, ids)
            bm, prf, trans, syn, need = (leg.at(ids) for leg in lexical_legs)
            trace.coverage = self.store.lexical.coverage(terms)
            trace.lexical_weight = self.config.lexical_weight * trace.coverage
            legs = LegScores(
                ids=ids, dense=dense, bm25=bm, prf=prf, translation=trans, synonym=syn,
                priors=self._priors(ids, trace.intent, q, trace.needs, lookup),
                records=self._units()[ids],
                lexical_weight=trace.lexical_weight, translation_weight=trace.translation_weight,
                synonym_weight=trace.synonym_weight, need=need,
                need_weight=self._need_weight(q) if trace.need_terms else 0.0,
            )
            return ids, fuse(legs, self.config), dense, bm

    def _hits(self, ids: np.ndarray, fused: np.ndarray, dense: np.ndarray, bm: np.ndarray, k: int,
              trace: SearchTrace) -> list[Hit]:
        """The k best candidates as hits; the score distribution of every candidate goes to the trace."""
        if fused.size:
            trace.fused_max, trace.fused_mean, trace.fused_std = float(fused.max()), float(fused.mean()), float(fused.std())
            trace.dense_max, trace.dense_mean, trace.dense_std = float(dense.max()), float(dense.mean()), float(dense.std())
        order = np.argsort(-fused, kind="stable")[:k]
        return [Hit.from_passage(self.store.passages[int(ids[i])], float(fused[i]), float(dense[i]), float(bm[i]))
                for i in order]

    def _lexical_only(self, terms: list[str], scope: Scope, k: int, trace: SearchTrace) -> list[Hit]:
        with timed(trace.timings_ms, "bm25", MS):
            leg = self.store.retrieval.lexical(terms, scope)
            rows = leg.top(k)
            bm = leg.at(rows)
            order = np.lexsort((rows, -bm))  # by exact score, ties by row: the same on every engine
            rows, bm = rows[order], bm[order]
            return [Hit.from_passage(self.store.passages[int(r)], float(s), None, float(s))
                    for r, s in zip(rows.tolist(), bm.tolist(), strict=True)]

    def _lexical_legs(
        self, q: str, terms: list[str], dense_ids: np.ndarray, scope: Scope, trace: SearchTrace
    ) -> tuple[LexicalLeg, LexicalLeg, LexicalLeg, LexicalLeg, LexicalLeg]:
        """BM25 of the query, of feedback terms from the top dense passages, of the glossary's
        translation of the query's English words, and of the query terms' dictionary synonyms
        (each 0 outside the scope)."""
        with timed(trace.timings_ms, "bm25", MS):
            return self._lexical_legs_untimed(q, terms, dense_ids, scope, trace)

    def _lexical_legs_untimed(
        self, q: str, terms: list[str], dense_ids: np.ndarray, scope: Scope, trace: SearchTrace
    ) -> tuple[LexicalLeg, LexicalLeg, LexicalLeg, LexicalLeg, LexicalLeg]:
        engine = self.store.retrieval
        bm = engine.lexical(terms, scope)
        prf: LexicalLeg = NO_LEG
        trans: LexicalLeg = NO_LEG
        if dense_ids.size:
            trace.prf_terms = self._feedback_terms(dense_ids, terms)
            if trace.prf_terms:
                prf = engine.lexical(trace.prf_terms, scope)
        if re.search(r"[A-Za-z]", q):
            tr = translate(q, self.glossary)
            if tr.terms:
                trace.translated_terms = get_segmenter().lexical_terms(" ".join(tr.terms))
                trace.translation_weight = self.config.translation_weight * tr.coverage
                trans = engine.lexical(trace.translated_terms, scope)
        syn = self._synonym_leg(q, scope, trace)
        need = engine.lexical(trace.need_terms, scope) if trace.need_terms and self.config.need_weight else NO_LEG
        return bm, prf, trans, syn, need

    def _read_needs(self, q: str, qv: np.ndarray, trace: SearchTrace, ignore: set[str]) -> np.ndarray:
        """Read the question's needs (trace.needs, trace.need_terms); the query vector moved towards
        the read needs in the documents' words when the config says so."""
        store, cfg = self.store, self.config
        if not len(store.needs):
            return qv
        trace.needs = read_needs(q, qv, store.needs, store.need_vectors,
                                 lambda parts: embed_queries(self.embedder, parts),
                                 cfg.need_similarity, cfg.need_margin, cfg.max_needs, self._common_terms)
        trace.needs = [d for d in trace.needs if d.need.id not in ignore and d.need.label not in ignore]
        if not trace.needs:
            return qv
        trace.need_terms = list(dict.fromkeys(t for d in trace.needs for t in expansion_terms(d.need)))
        if cfg.need_vector and not store.need_vectors.empty:
            index = {n.id: i for i, n in enumerate(store.needs)}
            rows = store.need_vectors.expand[[index[d.need.id] for d in trace.needs]]
            moved = np.asarray(qv, dtype=np.float32) + cfg.need_vector * rows.mean(axis=0)
            norm = float(np.linalg.norm(moved))
            if norm:
                return (moved / norm).astype(np.float32)
        return qv

    def _synonym_leg(self, q: str, scope: Scope, trace: SearchTrace) -> LexicalLeg:
        """BM25 of the index words that share a Sudachi synonym group with a query term; weighted by
        the (idf-weighted) share of the query that has such words, times a share of the exact leg."""
        if not self.config.synonym_share:
            return NO_LEG
        groups = get_segmenter().synonym_groups(q)
        terms = [t for t, _ in groups]
        alternatives = self.synonyms.alternatives(groups)
        expansions = merge_alternatives(alternatives, terms)
        if not expansions:
            return NO_LEG
        share = self.store.lexical.weighted_share(terms, set(alternatives))
        trace.synonym_terms = expansions
        trace.synonym_weight = self.config.synonym_share * self.config.lexical_weight * share
        return self.store.retrieval.lexical(expansions, scope)

    def _common_terms(self, terms: tuple[str, ...]) -> bool:
        """Whether every one of these terms is in a large share of the passages (so reveals no need)."""
        lexical = self.store.lexical
        return min(lexical.df(t) for t in terms) > self.config.need_common_share * max(lexical.n_docs, 1)

    @property
    def synonyms(self) -> SynonymTable:
        """The dictionary's synonym groups over this index's words (built on first use, ~0.1 s)."""
        with self._lock:
            if self._synonyms is None:
                self._synonyms = SynonymTable.from_vocabulary(self.store.lexical.vocab)
            return self._synonyms

    def _units(self) -> np.ndarray:
        """Each passage's evidence unit for sibling support: its measure (plan sheet and status row
        alike) when it has one, else its record."""
        with self._lock:
            if self._unit_codes is None:
                ps = self.store.passages
                self._unit_codes = evidence_units(ps.column("record"), ps.column("measure"), ps.code("measure", ""),
                                                  self.config.measure_evidence)
            return self._unit_codes

    def _feedback_vector(self, qv: np.ndarray, top_ids: np.ndarray) -> np.ndarray:
        """The query vector moved towards its top passages (Rocchio), normalized: a thematic query
        then reaches passages worded like the best matches rather than like the query."""
        top = self.store.retrieval.dense_vectors(top_ids[: self.config.dense_feedback_docs])
        moved = np.asarray(qv, dtype=np.float32) + self.config.dense_feedback * top.mean(axis=0)
        norm = float(np.linalg.norm(moved))
        return (moved / norm).astype(np.float32) if norm else np.asarray(qv, dtype=np.float32)

    def _feedback_terms(self, top_ids: np.ndarray, query_terms: list[str]) -> list[str]:
        """The most distinctive terms of the top dense passages."""
        lexical, cfg = self.store.lexical, self.config
        counts: Counter[int] = Counter()
        for pid in top_ids[: cfg.prf_docs]:
            counts.update(set(lexical.term_ids(int(pid)).tolist()))
        n = max(lexical.n_docs, 1)
        scored = []
        for tid, c in counts.items():
            df, word = lexical.df_of(tid), lexical.word(tid)
            if df == 0 or df > cfg.prf_max_df_share * n or len(word) < 2:
                continue
            scored.append((c * lexical.idf(word), word))
        scored.sort(reverse=True)
        return [w for _, w in scored[: cfg.prf_terms] if w not in query_terms]

    def _candidates(
        self, dense_ids: np.ndarray, legs: tuple[LexicalLeg, ...], intent: Intent, mask: np.ndarray | None,
        n_cand: int, lookup: MeasureLookup | None = None,
    ) -> np.ndarray:
        """The dense top, each lexical leg's top, passages of a ministry the query names and of the
        measure it names by number."""
        cand = set(dense_ids.tolist())
        if lookup is not None:
            named = self._measure_rows(lookup.number)
            cand.update((named[mask[named]] if mask is not None else named).tolist())
        for leg in legs:
            cand.update(leg.top(n_cand).tolist())  # rows outside the scope score 0 and never enter
        for m in intent.ministries:
            named = self.store.passages.rows("ministry", m)
            if mask is not None:
                named = named[mask[named]]
            cand.update(named[: self.config.ministry_rows].tolist())
        return np.sort(np.fromiter(cand, dtype=np.int64, count=len(cand)))

    def _need_weight(self, q: str) -> float:
        """The expansion leg's weight: a told situation is bridged fully, a question about measures less."""
        cfg = self.config
        return cfg.need_list_weight if cfg.need_list_off and asks_for_measures(q) else cfg.need_weight

    def _measure_lookup(self, q: str) -> MeasureLookup | None:
        """The measure the question names by number, when the index has a measure so numbered."""
        lookup = read_measure_number(q)
        return lookup if lookup is not None and self._measure_rows(lookup.number).size else None

    def _measure_rows(self, number: int) -> np.ndarray:
        """The passages of every measure numbered `number` (measure keys end in #number); looked up
        once per number (a question naming one asks for them three times)."""
        with self._lock:
            found = self._rows_by_number.get(number)
        if found is None:
            passages = self.store.passages
            values = [v for v in passages.values["measure"] if v.rsplit("#", 1)[-1] == str(number)]
            rows = [passages.rows("measure", v) for v in values]
            found = np.sort(np.concatenate(rows)) if rows else np.empty(0, dtype=np.int64)
            with self._lock:
                if len(self._rows_by_number) > 4096:
                    self._rows_by_number.clear()
                self._rows_by_number[number] = found
        return found

    def _priors(self, ids: np.ndarray, intent: Intent, question: str,
                needs: list[DetectedNeed] | None = None, lookup: MeasureLookup | None = None) -> np.ndarray:
        """Boosts for passages of a ministry the query names, for speeches when it asks about the
        meeting and for the measure it names by number; a penalty for procedural lines unless it asks
        about the proceedings; and what the needs read from it do (need_priors)."""
        cfg, passages = self.config, self.store.passages
        bonus = np.zeros(len(ids), dtype=np.float32)
        if cfg.procedural_penalty and not asks_proceedings(question):
            bonus -= cfg.procedural_penalty * passages.procedural[ids]
        if cfg.title_penalty:
            bonus -= cfg.title_penalty * passages.title_only[ids]
        paragraph = passages.code("kind", "paragraph")
        if cfg.prose_penalty and paragraph is not None:
            bonus[passages.column("kind")[ids] == paragraph] -= cfg.prose_penalty
        if intent.ministries:  # once per passage, however many named ministries it has
            named_any = np.zeros(len(ids), dtype=bool)
            for m in intent.ministries:
                named_any |= passages.has_value("ministry", m, ids)
            bonus[named_any] += cfg.ministry_boost
        speech = passages.code("kind", "speech")
        if intent.wants_speech and speech is not None:
            bonus[passages.column("kind")[ids] == speech] += cfg.speech_boost
        bonus += need_priors(passages, ids, needs or [], self.store.needs, cfg, question, intent.wants_speech)
        if lookup is not None:
            named = np.isin(ids, self._measure_rows(lookup.number))
            bonus[named] += cfg.measure_number_boost
            if lookup.fields:
                codes = [c for c in (passages.code("field", f) for f in lookup.fields) if c is not None]
                bonus[named & np.isin(passages.column("field")[ids], codes)] += cfg.measure_field_boost
        return bonus
