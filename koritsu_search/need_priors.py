"""Query time: what the needs read from a question do to its candidate passages (priors)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .fusion import FusionConfig
from .intent import asks_for_measures, is_japanese
from .needs import DetectedNeed, Needs

if TYPE_CHECKING:
    from .index.passage_store import PassageStore


def need_priors(passages: PassageStore, ids: np.ndarray, needs: list[DetectedNeed], taxonomy: Needs,
                cfg: FusionConfig, question: str, wants_speech: bool) -> np.ndarray:
    """A boost for passages whose unit serves a read need (not when the question asks about measures:
    a topic, not a situation); a penalty for units serving only another group (an exclusive need not
    read); a penalty for speaker turns when a situation is told and the meeting is not asked about."""
    bonus = np.zeros(len(ids), dtype=np.float32)
    if not needs:
        return bonus
    if cfg.need_boost and not (cfg.need_list_off and asks_for_measures(question)):
        for d in needs:
            bonus[passages.has_value("need", d.need.label, ids)] = cfg.need_boost
    if cfg.need_exclusive_penalty:
        read = {d.need.id for d in needs}
        for n in taxonomy:
            if n.exclusive and n.id not in read:
                bonus[passages.has_value("need", n.label, ids)] -= cfg.need_exclusive_penalty
    # A situation pulls minutes statements (long, general, about "support") ahead of every measure.
    # English: whenever needs are read; Japanese: only for a told situation (needs from the caller's
    # words or meaning, not a topic in the documents' words), where dev showed the penalty costs nothing.
    told = any(d.how != "terms" for d in needs) and not asks_for_measures(question)
    penalty = (cfg.need_speech_penalty_ja if told else 0.0) if is_japanese(question) else cfg.need_speech_penalty
    speech = passages.code("kind", "speech")
    if penalty and not wants_speech and speech is not None:
        bonus[passages.column("kind")[ids] == speech] -= penalty
    return bonus
