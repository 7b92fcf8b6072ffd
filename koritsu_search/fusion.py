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
    sibling_weight: float = 0.2  # share of a record's second-best passage added to its passages

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
    records: np.ndarray  # each candidate's record code, for sibling support
    lexical_weight: float = 0.0
    translation_weight: float = 0.0


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
    if config.sibling_weight:
        fused = fused + config.sibling_weight * sibling_support(legs.records, fused)
    return fused.astype(np.float32, copy=False)
