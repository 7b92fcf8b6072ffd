"""Calibrated relevance per answer item: a logistic model over score features, bands and the cut.

The features describe an item's best passage against its query's own score distribution (the
fused score of every candidate, not only those returned), because fused scores are relative:
min-max normalized dense scores make every query's best item score about the same, nonsense
included. The raw dense cosine and the share of the query the index vocabulary knows carry
what is absolute. The weights are fitted on the development split only (eval/calibrate.py)
and shipped as package data with the model id they were fitted for.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np

FEATURES = ("rel_best", "z", "gap", "dense", "dense_gap", "dense_z", "top_dense_z", "coverage", "translated",
            "lexical", "log_rank")
# Whether a question has an answer at all, from its best item and how much of it the corpus knows.
ANSWER_FEATURES = ("best_logit", "coverage", "translated", "top_dense_z", "fused_max", "best_match")
BANDS = ("high", "medium", "low")
BAND_LABELS = {"high": "高", "medium": "中", "low": "低"}


@dataclass(frozen=True)
class QueryScores:
    """What the search saw for one query: its candidates' fused score distribution and its legs."""

    fused_max: float
    fused_mean: float
    fused_std: float
    dense_max: float
    dense_mean: float
    dense_std: float
    coverage: float
    translation_weight: float


@dataclass
class Calibration:
    """Logistic weights over FEATURES, the band thresholds and the cut (probabilities)."""

    weights: list[float]
    bias: float
    mean: list[float]
    scale: list[float]
    high: float = 0.6
    medium: float = 0.2
    cut: float = 0.02
    # The answer model (ANSWER_FEATURES): the question is answered when its P >= answer.
    answer_weights: list[float] = field(default_factory=list)
    answer_bias: float = 0.0
    answer_mean: list[float] = field(default_factory=list)
    answer_scale: list[float] = field(default_factory=list)
    answer: float = 0.5
    # Items far below the best are dropped even when the model is unsure: fused score < best * ratio.
    min_ratio: float = 0.0
    fitted_on: dict[str, object] = field(default_factory=dict)

    def probability(self, x: np.ndarray) -> np.ndarray:
        """P(relevant) for each row of a feature matrix."""
        zs = (np.atleast_2d(x) - np.asarray(self.mean)) / np.asarray(self.scale)
        logits = zs @ np.asarray(self.weights) + self.bias
        return 1.0 / (1.0 + np.exp(-np.clip(logits, -30, 30)))

    def answered(self, best_p: float, q: QueryScores, best_match: float) -> float:
        """P(the question has an answer in the index), from its best item's probability."""
        if not self.answer_weights:
            return best_p
        return self.answer_probability(answer_features(best_p, q, best_match))

    def answer_probability(self, row: list[float]) -> float:
        """P(answered) for one row of ANSWER_FEATURES."""
        z = (np.asarray(row) - np.asarray(self.answer_mean)) / np.asarray(self.answer_scale)
        return float(1.0 / (1.0 + np.exp(-np.clip(z @ np.asarray(self.answer_weights) + self.answer_bias, -30, 30))))

    def band(self, p: float) -> str:
        if p >= self.high:
            return "high"
        return "medium" if p >= self.medium else "low"

    def to_dict(self) -> dict[str, object]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> Calibration:
        return cls(**data)  # type: ignore[arg-type]


def item_features(score: float, dense: float | None, lexical: float | None, rank: int, q: QueryScores) -> list[float]:
    """The feature vector of one answer item (its best passage's scores) within its query."""
    std = q.fused_std if q.fused_std > 1e-6 else 1.0
    dstd = q.dense_std if q.dense_std > 1e-6 else 1.0
    d = dense if dense is not None else 0.0
    return [
        score / q.fused_max if q.fused_max > 0 else 0.0,
        (score - q.fused_mean) / std,
        q.fused_max - score,
        d,
        q.dense_max - d,
        (d - q.dense_mean) / dstd,
        (q.dense_max - q.dense_mean) / dstd,
        q.coverage,
        q.translation_weight,
        1.0 if (lexical or 0.0) > 0 else 0.0,
        math.log1p(rank),
    ]


def answer_features(best_p: float, q: QueryScores, best_match: float) -> list[float]:
    """The feature vector of a question: its best item's logit and what the index knows of it."""
    bp = min(max(best_p, 1e-6), 1 - 1e-6)
    dstd = q.dense_std if q.dense_std > 1e-6 else 1.0
    return [math.log(bp / (1 - bp)), q.coverage, q.translation_weight, (q.dense_max - q.dense_mean) / dstd,
            q.fused_max, best_match]


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, iters: int = 50, balanced: bool = False) -> tuple[list[float], float, list[float], list[float]]:
    """L2-regularized logistic regression by Newton's method on standardized features."""
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0
    z = np.hstack([(x - mean) / scale, np.ones((len(x), 1))])
    w = np.zeros(z.shape[1])
    reg = np.full(z.shape[1], l2)
    reg[-1] = 0.0  # the bias is not shrunk
    # Balanced: each class weighs as much in all, however few rows it has.
    sw = np.where(y > 0, 0.5 / max(y.mean(), 1e-9), 0.5 / max(1 - y.mean(), 1e-9)) if balanced else np.ones(len(y))
    for _ in range(iters):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -30, 30)))
        grad = z.T @ (sw * (p - y)) + reg * w
        hess = (z * (sw * p * (1 - p))[:, None]).T @ z + np.diag(reg + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w[:-1].tolist(), float(w[-1]), mean.tolist(), scale.tolist()


DEFAULT_FILE = "confidence.json"


def load_calibration(path: str | Path | None = None) -> Calibration:
    """The shipped calibration (package data), or one from a file."""
    if path is not None:
        return Calibration.from_dict(json.loads(Path(path).read_text(encoding="utf-8")))
    text = resources.files("koritsu_search").joinpath(f"data/{DEFAULT_FILE}").read_text(encoding="utf-8")
    return Calibration.from_dict(json.loads(text))
