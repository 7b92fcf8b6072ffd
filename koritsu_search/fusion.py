"""How the retrieval legs are combined: one FusionConfig (stored in the manifest) and a pure fuse()."""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np


@dataclass(frozen=True)
class FusionConfig:
    """Every weight and size of hybrid retrieval; set on the development split only
    (eval/results/retrieval.md), recorded in each index's manifest and each eval result."""

    lexical_weight: float = 0.8  # BM25, times the query's idf-weighted vocabulary coverage
    prf_weight: float = 0.2  # BM25 over terms of the top dense passages (pseudo-relevance feedback)
    prf_docs: int = 3
    prf_terms: int = 12
    prf_max_df_share: float = 0.2  # terms in more passages than this share (孤独, 施策) only add noise
    translation_weight: float = 1.2  # BM25 over the glossary's Japanese terms, times the share translated
    candidates: int = 100  # per leg, at least; and candidates_per_k per result asked for
    candidates_per_k: int = 3
    ministry_boost: float = 0.4  # a passage of a ministry the query names
    ministry_rows: int = 2000  # at most this many passages of a named ministry join the candidates
    speech_boost: float = 0.35  # a speaker turn, when the query asks what was said
    procedural_penalty: float = 0.5  # a chair's thanks and hand-over, unless the query asks about proceedings
    dense_feedback: float = 0.3  # hybrid: the query vector plus this times the mean of its top passages' vectors
    dense_feedback_docs: int = 5
    prose_penalty: float = 0.4  # a paragraph of running prose (no measure, no speaker): background, not a programme
    title_penalty: float = 0.1  # a heading or bare name (no sentence): names a topic, says nothing of it
    sibling_weight: float = 0.2  # share of a unit's second-best passage added to its passages
    # A measure's passages support each other across documents (plan sheet + status row) rather than
    # within one record: no better on dev (0.822 vs 0.828 nDCG@10, eval/results/ablation.md), so off.
    measure_evidence: bool = False
    # The Sudachi synonym leg's weight as a share (< 1) of the exact BM25 leg's: 0.1-0.5 did not help
    # on dev (normalized forms already fold 子供/子ども/こども), so off.
    synonym_share: float = 0.0
    # Needs (needs.toml): read from a question's words, or by meaning when a need's text is at least
    # need_similarity close (cosine) and within need_margin of the clause's best need.
    need_similarity: float = 0.91  # dev: 0.89-0.91 and words only (1.0) within 0.004 nDCG@10
    need_margin: float = 0.015
    max_needs: int = 3
    needs_skip_official: bool = True  # read no needs in an official's question (a ministry, a target, a figure)
    need_list_off: bool = True  # no need prior when the question asks about measures (a topic, not a situation)
    need_list_weight: float = 0.4  # and the expansion leg's weight then
    need_common_share: float = 0.02  # a taxonomy term in more passages than this share reveals no need
    need_weight: float = 0.8  # BM25 over the read needs' administrative terms (the expansion leg)
    need_boost: float = 0.2  # a passage whose unit is tagged with a read need
    need_exclusive_penalty: float = 0.3  # a unit serving only another group (exclusive need not read)
    # The query vector plus this times the read needs' vectors (documents' words): 0.15-0.3 cost dev
    # paraphrase 0.05, so off.
    need_vector: float = 0.0
    need_speech_penalty_ja: float = 0.3  # the same for a Japanese question telling a situation (needs in its words)
    need_speech_penalty: float = 0.3  # a speaker turn, when needs were read in English and the meeting is not asked about
    measure_number_boost: float = 3.0  # the measure a question names by number (施策No.12, 12番) comes first
    measure_field_boost: float = 0.5  # and, within it, the field asked about (「No.87の目標」)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FusionConfig:
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fusion settings: {', '.join(unknown)}")
        return cls(**data)

    def candidate_count(self, k: int) -> int:
        return max(self.candidates, self.candidates_per_k * k)


@dataclass
class LegScores:
    """The scores of each candidate passage on every leg (arrays aligned with `ids`)."""

    ids: np.ndarray
    dense: np.ndarray
    bm25: np.ndarray
    prf: np.ndarray
    translation: np.ndarray
    priors: np.ndarray
    records: np.ndarray  # each candidate's evidence unit (measure or record code), for sibling support
    synonym: np.ndarray | None = None
    lexical_weight: float = 0.0
    translation_weight: float = 0.0
    synonym_weight: float = 0.0
    need: np.ndarray | None = None
    need_weight: float = 0.0


def minmax(x: np.ndarray) -> np.ndarray:
    if x.size == 0:
        return x
    lo, hi = float(x.min()), float(x.max())
    return (x - lo) / (hi - lo) if hi > lo else np.ones_like(x)


def by_max(x: np.ndarray) -> np.ndarray:
    hi = float(x.max()) if x.size else 0.0
    return x / hi if hi > 0 else np.zeros_like(x)


def sibling_support(records: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Each candidate's record's second-best score (0 for a record matched once)."""
    by_record: dict[int, list[float]] = {}
    for r, sc in zip(records.tolist(), scores.tolist(), strict=True):
        by_record.setdefault(r, []).append(sc)
    second = {r: sorted(v, reverse=True)[1] if len(v) > 1 else 0.0 for r, v in by_record.items()}
    return np.array([second[r] for r in records.tolist()], dtype=np.float32)


def evidence_units(records: np.ndarray, measures: np.ndarray, no_measure: int | None, by_measure: bool) -> np.ndarray:
    """Each passage's evidence unit: its measure (shared by a plan sheet and a status row) when it has
    one and by_measure is set, else its record. Measure codes are shifted past the record codes."""
    if not by_measure:
        return records
    offset = int(records.max()) + 1 if records.size else 0
    has = measures != no_measure if no_measure is not None else np.ones(len(measures), dtype=bool)
    return np.where(has, measures.astype(np.int64) + offset, records.astype(np.int64))


def fuse(legs: LegScores, config: FusionConfig) -> np.ndarray:
    """The fused score of every candidate: normalized dense backbone, weighted lexical legs, priors,
    then support from the record's second-best passage."""
    fused = (
        minmax(legs.dense)
        + legs.lexical_weight * by_max(legs.bm25)
        + config.prf_weight * by_max(legs.prf)
        + legs.translation_weight * by_max(legs.translation)
        + legs.priors
    )
    if legs.synonym is not None and legs.synonym_weight:
        fused = fused + legs.synonym_weight * by_max(legs.synonym)
    if legs.need is not None and legs.need_weight:
        fused = fused + legs.need_weight * by_max(legs.need)
    if config.sibling_weight:
        fused = fused + config.sibling_weight * sibling_support(legs.records, fused)
    return fused.astype(np.float32, copy=False)
