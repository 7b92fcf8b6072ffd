"""Calibrated confidence, bands and the relevance cut: the model, the shipped calibration, ask()."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest

from koritsu_search.answer import calibration_for, default_calibration, relative_calibration
from koritsu_search.confidence import ANSWER_FEATURES, FEATURES, Calibration, QueryScores, fit_logistic, item_features
from koritsu_search.errors import QueryError

ROOT = Path(__file__).resolve().parent.parent


def test_logistic_fit_separates_and_ranks() -> None:
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(0, 1, (200, 2)), rng.normal(3, 1, (40, 2))])
    y = np.array([0.0] * 200 + [1.0] * 40)
    w, b, mean, scale = fit_logistic(x, y)
    cal = Calibration(weights=w, bias=b, mean=mean, scale=scale)
    p = cal.probability(x)
    assert p[y == 1].mean() > 0.6 > 0.1 > p[y == 0].mean()
    # Balanced weighting raises the rare class's probabilities.
    wb, bb, mb, sb = fit_logistic(x, y, balanced=True)
    pb = Calibration(weights=wb, bias=bb, mean=mb, scale=sb).probability(x)
    assert pb[y == 1].mean() > p[y == 1].mean()


def test_bands_follow_the_thresholds() -> None:
    cal = Calibration(weights=[0.0], bias=0.0, mean=[0.0], scale=[1.0], high=0.6, medium=0.3, cut=0.05)
    assert [cal.band(p) for p in (0.9, 0.6, 0.45, 0.3, 0.1)] == ["high", "high", "medium", "medium", "low"]
    assert Calibration.from_dict(json.loads(json.dumps(cal.to_dict()))) == cal


def test_shipped_calibration_was_fitted_on_dev_for_the_default_model() -> None:
    cal = default_calibration()
    assert cal.fitted_on["split"] == "dev"
    assert str(cal.fitted_on["model_id"]).startswith("intfloat/multilingual-e5-small")
    assert len(cal.weights) == len(FEATURES) and len(cal.answer_weights) == len(ANSWER_FEATURES)
    assert 0 < cal.cut < cal.medium <= cal.high < 1
    # The held-out split must never shape it: every query it counted is a dev one.
    queries = [json.loads(line) for line in (ROOT / "eval/queries.jsonl").read_text(encoding="utf-8").splitlines()]
    nonsense = [json.loads(line) for line in (ROOT / "eval/nonsense.jsonl").read_text(encoding="utf-8").splitlines()]
    n_dev = sum(q["split"] == "dev" for q in queries) + sum(q["split"] == "dev" for q in nonsense)
    assert cal.fitted_on["queries"] == n_dev


def test_features_are_relative_to_the_query_and_absolute_where_it_matters() -> None:
    q = QueryScores(fused_max=2.0, fused_mean=0.5, fused_std=0.5, dense_max=0.9, dense_mean=0.8, dense_std=0.05,
                    coverage=1.0, translation_weight=0.0)
    best = item_features(2.0, 0.9, 3.0, 0, q)
    weak = item_features(1.0, 0.82, 0.0, 9, q)
    named = dict(zip(FEATURES, best, strict=True))
    assert named["rel_best"] == 1.0 and named["gap"] == 0.0 and named["z"] == pytest.approx(3.0)
    assert named["lexical"] == 1.0 and dict(zip(FEATURES, weak, strict=True))["lexical"] == 0.0
    cal = default_calibration()
    assert cal.probability(np.asarray(best))[0] > cal.probability(np.asarray(weak))[0]


def test_another_model_gets_the_relative_calibration(seed_index) -> None:
    # The seed index uses the fake embedder: raw cosines mean nothing to the fitted model.
    assert calibration_for(seed_index) is relative_calibration()
    answer = seed_index.ask("ひきこもり 支援", complete=True, include_low=True)
    assert answer.confident and answer.total == len(answer.items) > 0
    best = answer.items[0].score
    # The cut: P = sigmoid(12 (rel - 0.6)) >= 0.12, i.e. rel >= 0.6 + ln(0.12 / 0.88) / 12 = 0.434;
    # services of a need read from the question (ひきこもり) are kept at medium whatever their score.
    read = {n["label"] for n in answer.needs}
    assert read == {"ひきこもり"}
    below = [i for i in answer.items if i.score < 0.434 * best]
    assert all(read & set(i.needs) and i.band == "medium" for i in below)
    assert answer.items[0].band == "high"


def test_first_k_and_the_complete_list_agree(seed_index) -> None:
    some = seed_index.ask("外国人", k=3)
    every = seed_index.ask("外国人", complete=True, include_low=True)
    assert len(some.items) == min(3, every.total) and some.total == every.total == len(every.items)
    assert [i.record_id for i in some.items] == [i.record_id for i in every.items[:3]]
    assert all(i.confidence is not None and i.band for i in every.items)


@pytest.mark.parametrize("question", ["外国人", "地域の居場所づくり"])
def test_a_complete_list_folds_its_low_items(seed_index, question: str) -> None:
    every = seed_index.ask(question, complete=True, include_low=True)
    shown = seed_index.ask(question, complete=True)
    lows = [i.record_id for i in every.items if i.band == "low"]
    assert lows and len(lows) < len(every.items)  # the case this test is about: some 低, some not
    assert [i.record_id for i in shown.items] == [i.record_id for i in every.items if i.band != "low"]
    assert shown.folded_low == len(lows) and shown.total == every.total and every.folded_low == 0
    assert seed_index.ask(question, k=50).folded_low == 0  # a first-k answer folds nothing


def test_nothing_is_folded_when_every_item_is_low(seed_index, monkeypatch: pytest.MonkeyPatch) -> None:
    from koritsu_search import answer as answer_mod
    cal = relative_calibration()
    monkeypatch.setattr(answer_mod, "relative_calibration", lambda: dataclasses.replace(cal, high=2.0, medium=2.0))
    shown = seed_index.ask("実態把握の調査", complete=True)
    assert not shown.needs  # no need read: nothing raised to 中 either
    assert shown.items and all(i.band == "low" for i in shown.items) and shown.folded_low == 0


@pytest.mark.parametrize("k", [0, -1, 2.5, "5", None, True])
def test_bad_k_is_a_query_error(seed_index, k) -> None:
    with pytest.raises(QueryError):
        seed_index.ask("外国人", k=k)


def test_implied_ministry_is_reported_not_filtered(seed_index) -> None:
    answer = seed_index.ask("厚労省の認知症カフェ", complete=True)
    assert answer.implied_ministries == ["厚生労働省"] and answer.filters is None
    assert answer.to_dict()["implied_ministries"] == ["厚生労働省"]
