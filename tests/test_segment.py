"""Tests for koritsu_search.segment against the real sudachidict-core dictionary."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from koritsu_search.segment import Segmenter, Token, get_segmenter

CORPUS = Path(__file__).resolve().parents[1] / "corpus" / "r7_kodoku_koritsu_measures_status.txt"


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return get_segmenter()


def test_singleton_and_manifest_name(seg: Segmenter) -> None:
    assert get_segmenter() is seg
    assert seg.dictionary.startswith("sudachidict_core ")
    assert seg.dictionary.split()[1] != "unknown"


def test_kodomo_variants_share_one_term(seg: Segmenter) -> None:
    terms = [seg.lexical_terms(w) for w in ("こども", "子ども", "子供")]
    assert terms[0] == terms[1] == terms[2] == ["子供"]


def test_hikikomori_variants_share_one_term(seg: Segmenter) -> None:
    a, b = seg.lexical_terms("ひきこもり"), seg.lexical_terms("引きこもり")
    assert a == b and len(a) == 1


def test_particles_aux_and_stop_words_dropped(seg: Segmenter) -> None:
    terms = seg.lexical_terms("地域の子どもを支援することがあります。")
    assert terms == ["地域", "子供", "支援"]
    for t in seg.tokens("地域の子どもを支援することがあります。"):
        if t.pos[0] in ("助詞", "助動詞"):
            assert t.normalized not in terms


def test_numbers_kept(seg: Segmenter) -> None:
    terms = seg.lexical_terms("#9999に電話、または8103へ。")
    assert "9999" in terms and "8103" in terms
    assert "#" not in terms and not any(t in ("、", "。") for t in terms)
    assert "0120" in seg.lexical_terms("０１２０－７８３－５５６")


def test_english_lowercased_and_fullwidth_folded(seg: Segmenter) -> None:
    terms = seg.lexical_terms("Hello World、LINEとSNS")
    assert terms[:2] == ["hello", "world"]  # not Sudachi's katakana ハロー
    assert "line" in terms and "sns" in terms
    npo = seg.lexical_terms("ＮＰＯ法人")
    assert npo == ["npo法人", "npo", "法人"]  # C unit, then its A units
    assert seg.lexical_terms("ＮＰＯ") == seg.lexical_terms("NPO") == ["npo"]


def test_compound_adds_a_units(seg: Segmenter) -> None:
    terms = seg.lexical_terms("孤独・孤立対策推進法")
    assert "推進法" in terms and "推進" in terms and "法" in terms


def test_lexical_terms_deterministic(seg: Segmenter) -> None:
    text = CORPUS.read_text(encoding="utf-8")[:5000] if CORPUS.exists() else "孤独・孤立対策" * 100
    assert seg.lexical_terms(text) == Segmenter().lexical_terms(text)


def test_tokens_offsets_and_modes(seg: Segmenter) -> None:
    text = "国会議事堂前駅で𠮷野さんに会う"
    for mode in ("A", "B", "C"):
        toks = seg.tokens(text, mode)
        assert all(isinstance(t, Token) and text[t.start : t.end] == t.surface for t in toks)
        assert toks[0].start == 0 and toks[-1].end == len(text)
    assert len(seg.tokens(text, "A")) > len(seg.tokens(text, "C"))
    with pytest.raises(ValueError):
        seg.tokens(text, "D")


def test_highlight_kodomo_points_at_text(seg: Segmenter) -> None:
    text = "地域で子どもの居場所を作る。"
    spans = seg.highlight_spans("こども", text)
    assert [text[s:e] for s, e in spans] == ["子ども"]


def test_highlight_hikikomori_and_merging(seg: Segmenter) -> None:
    text = "引きこもりの方への支援と、孤独・孤立対策。"
    spans = seg.highlight_spans("ひきこもりの支援", text)
    assert [text[s:e] for s, e in spans] == ["引きこもり", "支援"]
    spans = seg.highlight_spans("孤立 対策", text)
    assert [text[s:e] for s, e in spans] == ["孤立対策"]  # adjacent hits merged
    assert seg.highlight_spans("の を が", text) == []  # particles never highlight
    assert seg.highlight_spans("", text) == []


def test_highlight_sub_unit_of_compound(seg: Segmenter) -> None:
    text = "孤独・孤立対策推進法に基づく。"
    assert [text[s:e] for s, e in seg.highlight_spans("推進", text)] == ["推進"]
    spans = seg.highlight_spans("推進法", text)
    assert all(e > s for s, e in spans) and any(text[s:e] == "推進法" for s, e in spans)


def _covered(text: str, spans: list[tuple[int, int]]) -> None:
    assert spans == sorted(spans)
    for (_, e1), (s2, _) in zip(spans, spans[1:], strict=False):
        assert e1 <= s2
    inside = {i for s, e in spans for i in range(s, e)}
    for i, ch in enumerate(text):
        if not ch.isspace():
            assert i in inside, (i, ch)
    for s, e in spans:
        assert not text[s].isspace() and not text[e - 1].isspace()


def test_sentences_split_and_cover(seg: Segmenter) -> None:
    text = "  孤独は誰にでも起こる。孤立も同じ！  相談は「いのちの電話。」へ?\n次の行 "
    spans = seg.sentences(text)
    _covered(text, spans)
    assert [text[s:e] for s, e in spans] == [
        "孤独は誰にでも起こる。",
        "孤立も同じ！",
        "相談は「いのちの電話。」へ?",
        "次の行",
    ]
    url = "詳細は https://example.go.jp/a?id=1 を参照。"
    assert [url[s:e] for s, e in seg.sentences(url)] == [url]
    assert seg.sentences("") == [] and seg.sentences(" \n\t ") == []


def test_sentences_unbalanced_quote_does_not_swallow_lines(seg: Segmenter) -> None:
    text = "「閉じない引用。まだ続く\n次の文。"
    assert [text[s:e] for s, e in seg.sentences(text)] == ["「閉じない引用。まだ続く", "次の文。"]


def test_long_text_does_not_crash(seg: Segmenter) -> None:
    unit = "孤独・孤立対策推進法に基づき、地域の子どもやひきこもり状態の方を支援する。"
    text = (unit * (100_000 // len(unit) + 1))[:100_000]  # ~300 KB, no newlines
    toks = seg.tokens(text)
    assert all(text[t.start : t.end] == t.surface for t in toks)
    assert toks[0].start == 0 and toks[-1].end == len(text)
    assert all(a.end == b.start for a, b in zip(toks, toks[1:], strict=False))
    query = "子ども" * 3_400  # 10,200 chars, no boundary at all
    assert seg.lexical_terms(query).count("子供") >= 3_000
    spans = seg.highlight_spans("ひきこもり", text)
    assert spans and all(text[s:e] == "ひきこもり" for s, e in spans[:-1])
    _covered(text, seg.sentences(text))


def test_control_characters(seg: Segmenter) -> None:
    text = "子ども\x00の\x07支援\u200b相談\ufeff窓口\x1b[0m、ＮＰＯ\r\n孤立\ud800対策"
    toks = seg.tokens(text)
    assert all(text[t.start : t.end] == t.surface for t in toks)
    assert toks[0].start == 0 and toks[-1].end == len(text)
    terms = seg.lexical_terms(text)
    assert {"子供", "支援", "相談", "窓口", "npo", "孤立", "対策"} <= set(terms)
    assert not any(ord(c) < 32 or c in "\u200b\ufeff\ud800" for t in terms for c in t)
    spans = seg.highlight_spans("相談", text)
    assert [text[s:e] for s, e in spans] == ["相談"]
    for s, e in seg.sentences(text):
        assert text[s] not in "\x00\x07\u200b" and e <= len(text)


def test_threads_share_segmenter(seg: Segmenter) -> None:
    text = "地域の子どもやひきこもり状態の方を支援する。" * 50
    expected = seg.lexical_terms(text)
    results: list[list[str]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            for _ in range(5):
                results.append(seg.lexical_terms(text))
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 40 and all(r == expected for r in results)


@pytest.mark.skipif(not CORPUS.exists(), reason="corpus file not present")
def test_real_corpus_offsets(seg: Segmenter) -> None:
    text = CORPUS.read_text(encoding="utf-8")
    toks = seg.tokens(text)
    assert toks[-1].end == len(text) and all(a.end == b.start for a, b in zip(toks, toks[1:], strict=False))
    terms = seg.lexical_terms(text)
    assert "孤独" in terms and "孤立" in terms and "の" not in terms
    _covered(text, seg.sentences(text))
