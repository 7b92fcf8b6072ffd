"""Hybrid search and cited answers over the seed index (fake embedder; the real model is in test_e2e_model.py)."""

from __future__ import annotations

import pytest

from koritsu_search import Filters
from koritsu_search.errors import QueryError
from koritsu_search.evidence import quote_evidence
from koritsu_search.search import SearchTrace


def test_hit_carries_all_citation_metadata(seed_index) -> None:
    hits = seed_index.search("在留外国人 情報提供", k=5)
    assert hits
    d = hits[0].to_dict()
    for key in ("passage_id", "doc_id", "doc_title", "source", "page", "kind", "measure_no", "measure_name",
                "ministries", "section", "field", "speaker", "url", "text", "score"):
        assert key in d
    top_measures = [h.measure_no for h in hits if h.kind == "measure"]
    assert 10 in top_measures


@pytest.mark.parametrize("mode", ["hybrid", "dense", "lexical"])
def test_ministry_filter_applies_to_every_leg(seed_index, mode: str) -> None:
    q = "外国人 相談"
    unfiltered = seed_index.search(q, k=30, mode=mode)
    assert any("法務省" in h.ministries for h in unfiltered)
    hits = seed_index.search(q, k=30, filters=Filters(ministries=["厚生労働省"]), mode=mode)
    assert hits
    assert all("厚生労働省" in h.ministries for h in hits)


def test_lexical_leg_respects_filter_even_for_strong_term_matches(seed_index) -> None:
    # The query's words occur almost only in 法務省 measures: the BM25 leg alone would rank them
    # first; with a kind filter on speeches, no measure may come back through either leg.
    trace = SearchTrace()
    hits = seed_index.search("在留外国人 生活支援ポータルサイト", k=20, filters=Filters(kinds=["speech"]), trace=trace)
    assert trace.lexical_weight > 0
    assert hits and all(h.kind == "speech" for h in hits)


def test_field_section_and_doc_filters(seed_index) -> None:
    hits = seed_index.search("達成状況", k=20, filters=Filters(fields=["目標の達成状況"]))
    assert hits and all(h.field == "目標の達成状況" for h in hits)
    hits = seed_index.search("居場所", k=20, filters=Filters(sections=["(3)"]))
    assert hits and all(any("(3)" in s for s in h.section) for h in hits)
    doc = next(d.doc_id for d in seed_index.documents if d.kind == "minutes")
    hits = seed_index.search("居場所", k=20, filters=Filters(doc_ids=[doc]))
    assert hits and all(h.doc_id == doc for h in hits)


def test_numeric_query_found_by_lexical_weighting(seed_index) -> None:
    trace = SearchTrace()
    hits = seed_index.search("#9999", k=5, trace=trace)
    assert trace.lexical_weight > 0.2, "a number the index knows must lean on BM25"
    assert any("9999" in h.text for h in hits[:3])


def test_english_query_leaves_lexical_leg_out(seed_index) -> None:
    trace = SearchTrace()
    seed_index.search("which measures target foreign residents", k=5, trace=trace)
    assert trace.lexical_weight < 0.05


def test_measure_appears_once_per_answer(seed_index) -> None:
    answer = seed_index.ask("ひきこもり 支援", k=10)
    ids = [i.record_id for i in answer.items]
    assert len(ids) == len(set(ids))
    # At most k items, all above the relevance cut; total counts every item above it.
    assert 0 < len(answer.items) <= 10 and answer.total >= len(answer.items)
    assert all(i.band in ("high", "medium", "low") for i in answer.items)
    # Many passages of one measure match; it is still one item, with up to 3 citations.
    assert any(len(i.citations) > 1 for i in answer.items)
    # The summary counts every item above the cut, shown or not.
    full = seed_index.ask("ひきこもり 支援", complete=True)
    measures = [i for i in full.items if i.kind == "measure"]
    assert answer.summary == full.summary and answer.summary.startswith(f"{len(measures)} measure")


def test_highlight_spans_point_at_the_right_characters(seed_index) -> None:
    answer = seed_index.ask("こどもの居場所づくり", k=5)
    found = False
    for item in answer.items:
        for c in item.citations:
            assert c.quote, "a citation without a quote"
            for s, e in c.highlights:
                assert 0 <= s < e <= len(c.quote)
                found = True
            marked = {c.quote[s:e] for s, e in c.highlights}
            # こども in the query highlights 子ども/こども in the text (Sudachi-normalized).
            assert not marked or marked & {"子ども", "こども", "子供", "居場所", "居場所づくり", "づくり"}
    assert found


def test_quote_is_verbatim_and_highlights_variant_spelling() -> None:
    text = "地域の子どもの居場所を確保する。関係機関との連携も進める。"
    quote, spans = quote_evidence("こどもの居場所", text)
    assert quote in text
    assert "子ども" in {quote[s:e] for s, e in spans}
    assert "居場所" in {quote[s:e] for s, e in spans}
    quote, spans = quote_evidence("support for children", text)
    assert quote == text and spans == []


def test_citations_carry_page_and_field(seed_index) -> None:
    answer = seed_index.ask("認知症カフェ", k=3)
    top = answer.items[0]
    assert top.kind == "measure" and top.measure_no is not None
    assert top.title.startswith(f"施策No.{top.measure_no} ")
    c = top.citations[0]
    assert c.page is not None and c.page >= 1
    assert c.doc_title and c.field


@pytest.mark.parametrize("bad", ["", "   \n\t ", "\x00\x01\x02", "\u200b\u200b"])
def test_empty_queries_get_a_clear_error(seed_index, bad: str) -> None:
    with pytest.raises(QueryError, match="empty"):
        seed_index.search(bad)
    with pytest.raises(QueryError, match="empty"):
        seed_index.ask(bad)


def test_very_long_query_gets_a_clear_error(seed_index) -> None:
    with pytest.raises(QueryError, match="too long"):
        seed_index.ask("孤独" * 5000)


def test_control_characters_inside_a_query_are_ignored(seed_index) -> None:
    a = seed_index.search("認知症\x00カフェ\x1b", k=5)
    b = seed_index.search("認知症 カフェ", k=5)
    assert [h.passage_id for h in a] == [h.passage_id for h in b]


def test_filter_matching_nothing_gives_clean_empty_answer(seed_index) -> None:
    answer = seed_index.ask("孤独", filters=Filters(ministries=["存在しない省"]))
    assert answer.items == [] and answer.nearest == [] and answer.total == 0
    assert not answer.confident and answer.summary == "No confident match."


def test_english_question_highlights_glossary_terms_but_not_common_words(seed_index) -> None:
    answer = seed_index.ask("support for foreign residents", k=5)
    marked = {c.quote[s:e] for i in answer.items for c in i.citations for s, e in c.highlights}
    assert marked & {"外国人", "在留外国人"}
    answer = seed_index.ask("孤独・孤立対策の施策 認知症カフェ", k=3)
    marked = {c.quote[s:e] for i in answer.items for c in i.citations for s, e in c.highlights}
    assert "施策" not in marked and "孤独" not in marked


def test_single_characters_split_from_compounds_are_not_marked(seed_index) -> None:
    answer = seed_index.ask("在留外国人 情報提供", k=5)
    marked = {c.quote[s:e] for i in answer.items for c in i.citations for s, e in c.highlights}
    assert "在留外国人" in marked
    assert "人" not in marked
