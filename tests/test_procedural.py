"""Procedural minutes lines (thanks, hand-overs, introductions) on two real minutes of different bodies."""

from __future__ import annotations

from pathlib import Path

import pytest

from koritsu_search.evidence import quote_evidence
from koritsu_search.ingest import parse_paths
from koritsu_search.procedural import asks_proceedings, is_procedural, is_procedural_sentence

from helpers import MINUTES_TXT

GIJIROKU = Path(__file__).parent / "data" / "realdocs" / "shohisha_kyoiku_suishin_kaigi25_gijiroku.pdf"


@pytest.fixture(scope="module")
def turns() -> dict[str, list]:
    report = parse_paths([MINUTES_TXT, GIJIROKU], progress=False)
    return {d.source.split("/")[-1]: d.records for d in report.documents}


@pytest.mark.slow
def test_chair_hand_overs_are_procedural_in_both_conventions(turns) -> None:
    summary = turns[MINUTES_TXT.name]  # 議事要旨: 「続きまして、法務省からお願いいたします。」
    handovers = [r for r in summary if "続きまして" in r.text and len(r.text) < 60]
    assert len(handovers) >= 10 and all(is_procedural(r.text) for r in handovers)
    verbatim = turns[GIJIROKU.name]  # 議事録: 「ありがとうございます。\n青木委員、お願いいたします。」
    chair = [r for r in verbatim if r.text.endswith("委員、お願いいたします。") and len(r.text) < 40]
    assert len(chair) >= 4 and all(is_procedural(r.text) for r in chair)


@pytest.mark.slow
def test_statements_with_content_are_not_procedural(turns) -> None:
    for records in turns.values():
        long_turns = [r for r in records if len(r.text) > 300]
        assert long_turns and not any(is_procedural(r.text) for r in long_turns)
    assert not is_procedural("推進計画がまさにそれです。ここに書いてある消費者教育推進計画を今、都道府県で。")
    assert not is_procedural_sentence("１つ目は、保護司の確保です。")
    assert not is_procedural_sentence("令和7年度は60億円の支援を行いました。")
    for s in ("法務省でございます。", "ありがとうございました。", "（プレス退室）", "よろしいでしょうか。",
              "以上をもちまして、第２回「孤独・孤立対策推進会議」を終了いたします。"):
        assert is_procedural_sentence(s), s


def test_quote_skips_the_greeting_for_the_sentence_that_says_something() -> None:
    text = "法務省でございます。\nここでは２つの施策について御報告いたします。\n１つ目は、保護司の確保です。保護司の担い手を増やします。"
    quote, spans = quote_evidence("法務省は何を報告したか", text, {"法務省", "報告"})
    assert quote.startswith("１つ目は") and "でございます" not in quote
    quote, spans = quote_evidence("保護司", text, {"保護司"})
    assert "保護司" in quote and spans and all(quote[s:e] == "保護司" for s, e in spans)


def test_procedural_turns_are_demoted_unless_asked_for(seed_index) -> None:
    hits = seed_index.search("法務省 会議", k=10)
    assert hits and not any(h.kind == "speech" and is_procedural(h.text) for h in hits[:5])
    assert asks_proceedings("会議の進行はどうだったか") and not asks_proceedings("法務省の報告")


def test_without_the_penalty_the_hand_over_would_rank(seed_index) -> None:
    from dataclasses import replace

    from koritsu_search.search import Searcher

    def procedural_rank(q: str, penalty: float) -> int | None:
        # The penalty alone: the other priors and the query feedback held off.
        config = replace(seed_index.searcher.config, procedural_penalty=penalty, dense_feedback=0.0, title_penalty=0.0,
                         prose_penalty=0.0)
        searcher = Searcher(seed_index.store, seed_index.embedder, config)
        hits = searcher.search(q, k=20)
        return next((n for n, h in enumerate(hits) if h.kind == "speech" and is_procedural(h.text)), None)

    q = "続きまして 法務省 お願いいたします"
    before = procedural_rank(q, 0.0)
    after = procedural_rank(q, 0.5)
    assert before is not None and before < 10
    assert after is None or after > before
