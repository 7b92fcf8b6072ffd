"""Unit tests for the ingest text helpers: joining, spaces, HTML, URLs, ministries, pages."""

from __future__ import annotations

import pytest

from koritsu_search.ingest.lines import paginate, to_src_lines
from koritsu_search.ingest.ministries import split_ministries, split_trailing
from koritsu_search.ingest.textnorm import (
    collapse_ws,
    drop_cjk_spaces,
    find_urls,
    fix_debris,
    join_wrapped,
    normalize_field,
    page_number_value,
    sanitize_id,
    strip_html,
)


def test_join_wrapped_japanese_has_no_spaces() -> None:
    joined = join_wrapped(["定刻より少し早い時間でござい", "ますが、ただいまから"])
    assert joined == "定刻より少し早い時間でございますが、ただいまから"


def test_join_wrapped_keeps_space_between_latin_words() -> None:
    assert join_wrapped(["Cure", "time(キュアタイム)"]) == "Cure time(キュアタイム)"


def test_join_wrapped_rejoins_a_url_split_over_lines() -> None:
    assert join_wrapped(["支援情報検索サイト https://shienj", "oho.go.jp/"]) == "支援情報検索サイト https://shienjoho.go.jp/"


def test_join_wrapped_does_not_glue_a_new_url() -> None:
    assert join_wrapped(["https://a.example.jp/x.html", "https://b.example.jp/"]) == (
        "https://a.example.jp/x.html https://b.example.jp/"
    )


def test_join_wrapped_glue_flag_for_mid_word_wrap() -> None:
    assert join_wrapped(["地域のNP", "O法人"], [True, False]) == "地域のNPO法人"
    assert join_wrapped(["SDGs", "program"], [False, False]) == "SDGs program"


def test_drop_cjk_spaces_only_between_japanese() -> None:
    assert drop_cjk_spaces("孤独 ・ 孤立 対策 NPO 法人 と SNS 相談") == "孤独・孤立対策 NPO 法人と SNS 相談"
    assert drop_cjk_spaces("open source software") == "open source software"


def test_strip_html_and_collapse() -> None:
    text = '<p>https://www.mhlw.go.jp/a.htm</p> <p>https://b.jp/</p><ul style="list-style-type: none"><li>x<br>y'
    assert collapse_ws(strip_html(text)) == "https://www.mhlw.go.jp/a.htm https://b.jp/ x y"
    assert normalize_field("<p>子ども家庭庁</p>") == "子ども家庭庁"


def test_fix_debris_maps_simplified_hatsu() -> None:
    assert fix_debris("通知を发出する") == "通知を発出する"


def test_find_urls_trims_brackets_and_dedups() -> None:
    text = "ポータル (https://www.moj.go.jp/isa/index.html) https://x.jp/a. https://x.jp/a"
    assert find_urls(text) == ["https://www.moj.go.jp/isa/index.html", "https://x.jp/a"]
    assert find_urls("www.mlit.go.jp/only-host") == []


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("厚生労働省、内閣府、金融庁", ["厚生労働省", "内閣府", "金融庁"]),
        ("文部科学省 こども家庭庁", ["文部科学省", "こども家庭庁"]),
        ("文部科学省こども家庭庁", ["文部科学省", "こども家庭庁"]),
        ("子ども家庭庁", ["こども家庭庁"]),
        ("消費者庁 農林水産省", ["消費者庁", "農林水産省"]),
        ("内閣府・金融庁", ["内閣府", "金融庁"]),
        ("", []),
    ],
)
def test_split_ministries(cell: str, expected: list[str]) -> None:
    assert split_ministries(cell) == expected


def test_split_trailing_ministry_after_url() -> None:
    assert split_trailing("https://www.moj.go.jp/MINJI/miniji04_00034.html 法務省") == (
        "https://www.moj.go.jp/MINJI/miniji04_00034.html",
        "法務省",
    )
    assert split_trailing("文部科学省 こども家庭庁") == ("", "文部科学省 こども家庭庁")
    assert split_trailing("https://x.jp/") == ("https://x.jp/", "")


def test_page_number_lines() -> None:
    assert page_number_value("2 ") == 2
    assert page_number_value("- 12 -") == 12
    assert page_number_value("２") == 2
    assert page_number_value("令和7年") is None


def test_paginate_footer_and_form_feed_conventions() -> None:
    assert paginate("a\n1\nb\n2\nc") == ([(1, "a"), (2, "b"), (3, "c")], 3)
    lines, pages = paginate("a\fb\fc\f")
    assert [pl for pl in lines if pl[1]] == [(1, "a"), (2, "b"), (3, "c")] and pages == 3
    # The seed minutes: one number "2" between the header block and the first turn.
    assert paginate("header\n\n2 \n\n○江浪室長 それでは")[0][-1] == (2, "○江浪室長 それでは")
    assert paginate("only text") == ([(1, "only text")], 1)


def test_to_src_lines_marks_indent_and_gap() -> None:
    lines = to_src_lines(paginate("第一行\n\n 段落\n続き")[0])
    assert [(ln.text, ln.indent, ln.gap_before) for ln in lines] == [
        ("第一行", False, False),
        ("段落", True, True),
        ("続き", False, False),
    ]


def test_sanitize_id() -> None:
    assert sanitize_id("r7 議事要旨(第2回)") == "r7_2"
    assert sanitize_id("議事要旨") == ""
    assert sanitize_id("a.b-c_d") == "a.b-c_d"
