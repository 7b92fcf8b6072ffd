"""Evidence quotes are whole sentences of their field; highlights are whole content words (real Sudachi)."""

from __future__ import annotations

import itertools
import re
from dataclasses import replace

import pytest

from koritsu_search.answer import _cite
from koritsu_search.chunking import split_text
from koritsu_search.evidence import MAX_QUOTE_CHARS, question_marks, quote_evidence
from koritsu_search.models import Hit, Record
from koritsu_search.segment import Segmenter, get_segmenter

# 施策No.39's 現状 as the plan sheet's text layer has it: PDF line breaks inside sentences.
GENJO = (
    "ＤＶ被害者支援は、ＤＶ防止法等に基づき、都道府県等が設置する配偶者暴力相談支援センター等において行うこととされている。\n"
    "内閣府においては、最寄りの配偶者暴力相談支援センターにつながるＤＶ相談ナビ（全国共通番号「#8008（はれれば）」）"
    "を運用するとともに、令和２年４月からは、24時間体制の電話相談に加え、チャット（12時～22時対応、10言語の外国語にも対応）\n"
    "でも相談可能な「ＤＶ相談＋（プラス）」を実施している。\n"
    "また、性暴力・配偶者暴力被害者等支援交付金（配偶者暴力被害者等支援調査研究事業）の交付により、"
    "民間シェルター等が官民連携の下で行う先進的な取組を推進する都道府県等への支援を行っている。"
)
GAIYO = (
    "「配偶者からの暴力の防止及び被害者の保護等に関する法律」（平成13年法律第31号。\n"
    "以下「ＤＶ防止法」という。）等に基づき、被害者の保護及び支援、相談体制の整備等の強化を図る。"
)
# 施策No.39's 目標 and one more sentence before it: long enough that chunking cuts the field at the
# line break inside 現状's second sentence (passages end and start mid-sentence).
FIELD = (
    "民間シェルター等と連携して先進的な取組を行う地方公共団体を支援すること等により、地域におけるＤＶ（配偶者からの暴力）"
    "被害者への支援体制の更なる充実を図ることを通じて、多様な困難に直面するＤＶ被害者等の孤独・孤立の防止を図る。\n"
    "地域の関係機関と連携し、被害者の状況に応じた切れ目のない支援を行う体制の整備を進める。\n" + GENJO
)
_HIRAGANA = re.compile(r"[\u3041-\u309f]")


@pytest.fixture(scope="module")
def seg() -> Segmenter:
    return get_segmenter()


def _whole_sentences(seg: Segmenter, field: str, quote: str) -> None:
    """quote is one verbatim slice of field that starts at a sentence start and ends at a sentence end."""
    start = field.find(quote)
    assert start >= 0, quote
    bounds = seg.sentences(field)
    assert start in {s for s, _ in bounds}, quote[:20]
    assert start + len(quote) in {e for _, e in bounds}, quote[-20:]
    assert quote.endswith("。") or start + len(quote) == len(field.rstrip())


def _whole_words(seg: Segmenter, quote: str, spans: list[tuple[int, int]]) -> None:
    """Every span starts and ends at Sudachi word boundaries and is no lone kana or function word."""
    cuts = {t.start for t in seg.tokens(quote, "A")} | {len(quote)}
    words = {(t.start, t.end): t for t in seg.tokens(quote, "C")}
    for s, e in spans:
        assert s in cuts and e in cuts, (quote[s:e], quote[max(s - 3, 0):e + 3])
        assert not (e - s == 1 and _HIRAGANA.match(quote[s])), quote[max(s - 3, 0):e + 3]
        word = words.get((s, e))
        assert word is None or word.pos[0] not in {"助詞", "助動詞", "接頭辞", "接尾辞"}, word


# -- (1) whole sentences -------------------------------------------------------------------


def test_layout_line_breaks_inside_a_sentence_do_not_end_it(seg: Segmenter) -> None:
    got = [GENJO[s:e] for s, e in seg.sentences(GENJO)]
    assert len(got) == 3
    assert got[1].startswith("内閣府においては") and got[1].endswith("を実施している。")
    assert [GAIYO[s:e] for s, e in seg.sentences(GAIYO)] == [GAIYO]


def test_line_breaks_between_sentences_and_headings_still_split(seg: Segmenter) -> None:
    text = "（就労）\n刑務所出所者等の社会復帰を支援する。\n（住居）\nまた、住居を確保する。"
    assert [text[s:e] for s, e in seg.sentences(text)] == [
        "（就労）", "刑務所出所者等の社会復帰を支援する。", "（住居）", "また、住居を確保する。"]
    text = "進捗状況（令和６年度：６割）\nまた、相談窓口を周知する。"
    assert len(seg.sentences(text)) == 2


def test_quote_of_a_layout_broken_sentence_is_the_whole_sentence(seg: Segmenter) -> None:
    quote, spans = quote_evidence("チャットで相談", GENJO, {"チャット"})
    _whole_sentences(seg, GENJO, quote)
    assert quote.startswith("内閣府においては")
    assert "チャット" in {quote[s:e] for s, e in spans}


def test_quote_of_a_passage_cut_mid_sentence_extends_to_the_field(seg: Segmenter) -> None:
    field = FIELD
    parts = split_text(field)
    starts = {s for s, _ in seg.sentences(field)}
    ends = {e for _, e in seg.sentences(field)}
    assert len(parts) == 2 and parts[0][0] + len(parts[0][1]) not in ends and parts[1][0] not in starts
    for (off, passage), terms in itertools.product(parts, ({"チャット"}, {"相談"}, {"シェルター"}, {"存在しない語"})):
        quote, spans = quote_evidence("相談", field, terms, window=(off, off + len(passage)))
        _whole_sentences(seg, field, quote)
        qs = field.find(quote)
        assert qs < off + len(passage) and qs + len(quote) > off  # it quotes the passage
        for s, e in spans:
            assert 0 <= s < e <= len(quote) and quote[s:e] in terms


class _Store:
    def __init__(self, record: object) -> None:
        self._record = record

    def record(self, record_id: str) -> object:
        return self._record

    def doc_source(self, doc_id: str) -> tuple[str, int]:
        return ("plan.pdf", 176)

    def doc_kind(self, doc_id: str) -> str:
        return "plan"

    def doc_edition(self, doc_id: str) -> None:
        return None

    @property
    def documents(self) -> list[object]:
        return []


class _Searcher:
    def __init__(self, record: object) -> None:
        self.store = _Store(record)


def _hit(text: str, field: str | None, page: int = 55, printed: int | None = 78) -> Hit:
    return Hit(passage_id="d#m39/3", record_id="d#m39", doc_id="d", doc_title="重点計画", source="plan.pdf",
               page=page, kind="measure", measure_no=39, measure_name="ＤＶ被害者等支援", ministries=["内閣府"],
               section=[], field=field, speaker=None, url=None, text=text, score=1.0, printed_page=printed)


def test_cited_quote_is_whole_sentences_of_the_field_on_the_same_page(seg: Segmenter) -> None:
    field = FIELD
    record = Record(record_id="d#m39", kind="measure", text=field, pages=[55], printed_pages=[78], measure_no=39,
                    fields={"現状": field}, field_pages={"現状": [55]})
    off, passage = split_text(field)[1]
    assert off not in {s for s, _ in seg.sentences(field)}  # this passage starts mid-sentence
    c = _cite(_Searcher(record), "チャット", _hit(passage, "現状"), {"チャット"})
    _whole_sentences(seg, field, c.quote)
    assert "チャット" in {c.quote[s:e] for s, e in c.highlights}
    assert (c.page, c.printed_page, c.field) == (55, 78, "現状")


def test_cited_quote_that_reaches_back_a_page_cites_that_page(seg: Segmenter) -> None:
    text = FIELD
    off, passage = split_text(text)[1]
    record = Record(record_id="d#s1", kind="speech", text=text, pages=[3, 4], page_offsets=[[0, 3], [off, 4]])
    hit = replace(_hit(passage, None, page=4, printed=None), kind="speech")
    c = _cite(_Searcher(record), "チャット", hit, {"チャット"})
    _whole_sentences(seg, text, c.quote)
    start = text.find(c.quote)
    assert start < off and c.page == record.page_at(start) == 3


# -- (2) whole words -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("question", "text"),
    [
        # 〜てきた: 来る's auxiliary use is the lone 「き」.
        ("これまでどのような支援を行ってきたか", "地域の見守り活動に取り組んできた。支援が行き届くよう努めてきた。"),
        ("支援が行き届いていない人", "行き場のない若者に行き届いた支援を行い、行き先を案内していく。"),
        ("相談を聞き取りたい", "相談員が話を聞き、気付きを共有する。聞き取り調査を行う。"),
        ("支援してくれる窓口を教えてください", "困ったときはご相談ください。支援してくれる人がいない。"),
    ],
)
def test_highlights_are_whole_content_words(seg: Segmenter, question: str, text: str) -> None:
    spans = seg.highlight_spans(question, text)
    _whole_words(seg, text, spans)
    quote, qspans = quote_evidence(question, text, set(question_marks(question)))
    _whole_words(seg, quote, qspans)


def test_auxiliary_and_compound_verb_parts_are_not_marked(seg: Segmenter) -> None:
    text = "地域の見守り活動に取り組んできた。"
    marked = [text[s:e] for s, e in seg.highlight_spans("どのような支援を行ってきたか", text)]
    assert "き" not in marked
    text = "行き場のない若者に支援が行き届く。"
    assert [text[s:e] for s, e in seg.highlight_spans("支援が行き届いていない", text)] == ["支援", "行き届く"]
    # Even when the caller's terms include them (lexical terms: 来る, 行く), the text decides.
    assert seg.highlight_spans("", "取り組んできた。", {"来る", "行く"}) == []


def test_content_terms_inside_longer_words(seg: Segmenter) -> None:
    text = "在留外国人への情報提供と外国語による相談、孤独・孤立対策推進法に基づく居場所づくりと相談できる場所の確保、デジタル化。"

    def marked(question: str) -> list[str]:
        return [text[s:e] for s, e in seg.highlight_spans(question, text)]

    assert marked("外国人") == ["外国人"]  # in 在留外国人; not the 外国 of 外国語
    assert marked("居場所") == ["居場所"]  # not the 場所 it holds, elsewhere
    assert marked("推進") == ["推進"]  # a noun inside 推進法 is a word of its own
    assert marked("居場所づくり デジタル化") == ["居場所づくり", "デジタル化"]  # suffixes joined to their word
    # A one-character noun inside a compound (居 of 居場所, 人 of 外国人) or a lone suffix marks nothing.
    assert seg.highlight_spans("", text, {"居", "人", "化"}) == []


def test_an_over_long_sentence_is_cut_at_clauses_and_says_so(seg: Segmenter) -> None:
    text = "地域の関係機関と連携し、" * 30 + "チャットによる相談を受け付け、" + "支援の充実を図り、" * 60 + "孤立を防ぐ。"
    at = text.index("チャット")
    quote, spans = quote_evidence("チャット", text, {"チャット"}, window=(at - 100, at + 200))
    assert quote.startswith("…") and quote.endswith("…") and len(quote) <= MAX_QUOTE_CHARS + 2
    inner = quote[1:-1]
    start = text.index(inner)
    assert text[start - 1] == "、" and inner.endswith("、")
    assert [quote[s:e] for s, e in spans] == ["チャット"]


def test_question_marks_leave_out_auxiliaries_and_verb_parts() -> None:
    marks = set(question_marks("支援が行き届いていない人に声を聞き取ってきたか教えてください"))
    assert {"支援", "行き届く", "聞き取る"} <= marks
    assert not marks & {"来る", "行く", "届く", "聞く", "取る", "下さる", "無い"}
