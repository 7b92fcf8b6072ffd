"""Needs at index time: each need's vectors, and the needs each record serves (its tags)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .embed.base import Embedder
from .models import Passage
from .need_match import NeedMatcher, matcher_for
from .needs import Needs

NAME_FIELDS = ("施策名",)  # a term in the measure's name counts for more than one in its body
NAME_WEIGHT = 3
MIN_TERM_SCORE = 2  # a name match, or terms in two places of the unit's text
MAX_TERM_SHARE = 0.08  # a term found in more units than this share (相談, 支援, こども) tells nothing
MIN_UNITS_FOR_SHARE = 50  # in a smaller index a share says nothing
DENSE_Z = 3.0  # a unit this far above the need's mean similarity (in standard deviations) serves it
DENSE_TOP = 5  # and among the need's few closest units


@dataclass(frozen=True)
class NeedVectors:
    """The taxonomy embedded with the index's model: every detection text (label and definition,
    each expression) with the need it belongs to, and each need in the documents' words."""

    detect: np.ndarray  # (texts, dim)
    owner: np.ndarray  # (texts,) need index of each detection text
    expand: np.ndarray  # (needs, dim)

    @property
    def empty(self) -> bool:
        return self.expand.size == 0


NO_VECTORS = NeedVectors(np.zeros((0, 0), np.float32), np.zeros(0, np.int32), np.zeros((0, 0), np.float32))


def embed_needs(needs: Needs, embedder: Embedder) -> NeedVectors:
    """Embed the taxonomy as queries (a question is compared with them, and moved towards them)."""
    if not len(needs):
        return NO_VECTORS
    texts: list[str] = []
    owner: list[int] = []
    for i, need in enumerate(needs):
        for t in need.detection_texts():
            texts.append(t)
            owner.append(i)
    vectors = embed_queries(embedder, texts + [n.expansion_text() for n in needs])
    return NeedVectors(vectors[: len(texts)], np.asarray(owner, dtype=np.int32), vectors[len(texts):])


def embed_queries(embedder: Embedder, texts: list[str]) -> np.ndarray:
    """Texts embedded as queries: batched when the embedder can, one by one otherwise."""
    batched = getattr(embedder, "embed_queries", None)
    if callable(batched):
        return np.asarray(batched(texts), dtype=np.float32)
    return np.vstack([embedder.embed_query(t) for t in texts]).astype(np.float32)


def _unit(p: Passage) -> str:
    return p.measure_key or p.record_id


def tag_passages(passages: Sequence[Passage], terms: Sequence[list[str]], vectors: np.ndarray, needs: Needs,
                 need_vectors: NeedVectors) -> dict[str, list[str]]:
    """The needs each unit (a measure across documents, else a record) serves, by label; every
    passage of the unit gets them (Passage.needs is set here).

    A unit serves a need when the documents' terms for it are in its name or in two places of its
    text, or when its passages are among the closest to the need in the dense space (a unit far
    above the need's mean similarity, and among its few nearest units)."""
    if not len(needs) or not passages:
        return {}
    matcher: NeedMatcher = matcher_for(needs)
    units = [_unit(p) for p in passages]
    order = list(dict.fromkeys(units))
    unit_index = {u: i for i, u in enumerate(order)}
    score = np.zeros((len(order), len(needs)), dtype=np.float32)
    found = [matcher.term_patterns(ts) for ts in terms]
    units_of: dict[object, set[str]] = defaultdict(set)
    for pats, u in zip(found, units, strict=True):
        for pat in pats:
            units_of[pat].add(u)
    common = {pat for pat, us in units_of.items() if len(us) > MAX_TERM_SHARE * len(order)} \
        if len(order) >= MIN_UNITS_FOR_SHARE else set()
    for p, pats, u in zip(passages, found, units, strict=True):
        weight = NAME_WEIGHT if p.field in NAME_FIELDS else 1
        for pat in pats:
            if pat not in common:
                score[unit_index[u], pat.need] += weight
    tagged = score >= MIN_TERM_SCORE
    if not need_vectors.empty and vectors.size and vectors.shape[1] == need_vectors.expand.shape[1]:
        sims = vectors @ need_vectors.expand.T  # (passages, needs)
        best = np.full((len(order), len(needs)), -1.0, dtype=np.float32)
        idx = np.asarray([unit_index[u] for u in units])
        np.maximum.at(best, idx, sims)
        mean, std = best.mean(axis=0), best.std(axis=0) + 1e-6
        z = (best - mean) / std
        top = np.argsort(-best, axis=0)[:DENSE_TOP]
        near = np.zeros_like(tagged)
        near[top, np.arange(len(needs))[None, :]] = True
        tagged |= (z >= DENSE_Z) & near
    labels = [n.label for n in needs]
    by_unit: dict[str, list[str]] = defaultdict(list)
    for ui, ni in zip(*np.nonzero(tagged), strict=True):
        by_unit[order[int(ui)]].append(labels[int(ni)])
    for p, u in zip(passages, units, strict=True):
        p.needs = list(by_unit.get(u, []))
    return dict(by_unit)
