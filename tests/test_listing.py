"""Sorting, grouping and counting answer items: 施策No. and ministry order, joint measures."""

from __future__ import annotations

import pytest

from koritsu_search.listing import (
    NO_MINISTRY,
    NO_SECTION,
    SHARED,
    count_ministries,
    group_heading,
    group_items,
    is_joint,
    kind_label,
    measures_en,
    measures_ja,
    ministry_order,
    shared_counts,
    sort_items,
    summarize_en,
    summarize_ja,
)
from koritsu_search.models import AnswerItem

JOINT = ["内閣官房", "内閣府", "金融庁", "総務省", "財務省", "文部科学省", "厚生労働省", "農林水産省", "経済産業省", "国土交通省"]


def measure(no: int, *ministries: str, section: list[str] | None = None) -> AnswerItem:
    return AnswerItem(record_id=f"m{no}", kind="measure", title=f"施策No.{no}", score=1.0, measure_no=no,
                      ministries=list(ministries), section=section or [])


def speech(n: int, *ministries: str) -> AnswerItem:
    return AnswerItem(record_id=f"s{n}", kind="speech", title=f"発言{n}", score=1.0, ministries=list(ministries))


def paragraph(n: int) -> AnswerItem:
    return AnswerItem(record_id=f"p{n}", kind="paragraph", title=f"本文{n}", score=1.0)


def ids(items: list[AnswerItem]) -> list[str]:
    return [i.record_id for i in items]


def test_sort_by_number_puts_other_kinds_after_in_relevance_order() -> None:
    items = [speech(1, "内閣府"), measure(30, "法務省"), paragraph(1), measure(2, "内閣府"), speech(2), measure(15, "総務省")]
    assert ids(sort_items(items, "no")) == ["m2", "m15", "m30", "s1", "p1", "s2"]
    assert ids(sort_items(items, "relevance")) == ids(items)


def test_sort_by_ministry_uses_the_official_order_then_number() -> None:
    items = [measure(9, "厚生労働省"), measure(4, "内閣府"), paragraph(1), measure(7, "こども家庭庁"),
             measure(3, "厚生労働省"), measure(8, "内閣官房", "厚生労働省"), speech(1, "内閣府")]
    assert ids(sort_items(items, "ministry")) == ["m8", "m4", "s1", "m7", "m3", "m9", "p1"]
    assert ministry_order("内閣官房") < ministry_order("内閣府") < ministry_order("こども家庭庁") < ministry_order("厚生労働省")
    assert ministry_order("子ども家庭庁") == ministry_order("こども家庭庁")
    assert ministry_order("架空庁") > ministry_order("会計検査院")


def test_sort_and_group_reject_unknown_keys() -> None:
    with pytest.raises(ValueError, match="relevance, no, ministry"):
        sort_items([], "title")
    with pytest.raises(ValueError, match="ministry, section"):
        group_items([], "kind")


def test_group_by_ministry_lists_an_item_of_several_ministries_once_and_counts_it_for_each() -> None:
    items = [measure(5, "厚生労働省"), measure(143, *JOINT), speech(1), measure(1, "内閣府"),
             measure(7, "厚生労働省", "内閣府")]
    groups = group_items(items, "ministry")
    labels = [label for label, _ in groups]
    assert labels == ["内閣府", "厚生労働省", SHARED, NO_MINISTRY]
    by = dict(groups)
    assert ids(by["内閣府"]) == ["m1"] and ids(by["厚生労働省"]) == ["m5"]
    assert ids(by[SHARED]) == ["m143", "m7"]  # order inside a group is the order given
    assert ids(by[NO_MINISTRY]) == ["s1"]
    assert sum(ids(g).count("m143") for _, g in groups) == 1
    shared = shared_counts(items)
    assert shared["厚生労働省"] == 2 and shared["内閣府"] == 2 and shared["内閣官房"] == 1
    assert group_heading("厚生労働省", by["厚生労働省"], shared) == "厚生労働省（1件、ほかに複数府省庁の施策 2件）"
    assert group_heading(SHARED, by[SHARED], shared) == "複数府省庁の施策（2件）"


def test_group_by_section_merges_plan_and_status_spelling_in_plan_order() -> None:
    plan = measure(12, "内閣府", section=["（２）状況に合わせた切れ目のない相談支援につなげる", "①相談支援体制の整備（電話・ＳＮＳ相談の 24 時間対応の推進等）"])
    status = measure(14, "総務省", section=["(2)状況に合わせた切れ目のない相談支援につなげる", "①相談支援体制の整備(電話・SNS相談の24時間対応の推進等)"])
    first = measure(1, "内閣府", section=["(1)孤独・孤立に至っても支援を求める声を上げやすい社会とする", "①孤独・孤立の実態把握"])
    groups = group_items([status, paragraph(1), plan, first], "section")
    assert [len(g) for _, g in groups] == [1, 2, 1]
    assert groups[0][0].startswith("(1)孤独") and "①孤独・孤立の実態把握" in groups[0][0]
    assert ids(groups[1][1]) == ["m14", "m12"] and "24時間" in groups[1][0]
    assert groups[-1][0] == NO_SECTION


def test_joint_measures_are_counted_apart() -> None:
    items = [measure(1, "内閣府"), measure(2, "内閣府"), measure(3, "法務省", "外務省"), measure(4, "厚生労働省"),
             measure(5, "厚生労働省"), measure(6, "内閣府"), measure(7, "法務省"), measure(8, "厚生労働省"),
             measure(143, *JOINT), speech(1, "警察庁")]
    c = count_ministries(items)
    assert (c.measures, c.single, c.joint) == (9, 8, 1)
    assert c.ministries == ["内閣府", "法務省", "外務省", "厚生労働省"]
    assert len(c.joint_ministries) == 10
    assert measures_ja(c) == "施策 9件（4府省庁、ほか10府省庁の共同施策 1件）"
    assert measures_en(c) == "9 measures: 8 from 4 ministries, plus 1 joint measure of 10 ministries"
    assert summarize_en(items) == "9 measures: 8 from 4 ministries, plus 1 joint measure of 10 ministries, 1 meeting statement"
    assert summarize_ja(items) == "施策 9件（4府省庁、ほか10府省庁の共同施策 1件）、会議での発言 1件"


def test_three_ministries_is_not_joint_and_summaries_without_joint_keep_their_form() -> None:
    three = measure(3, "法務省", "外務省", "総務省")
    assert not is_joint(three) and is_joint(measure(4, "法務省", "外務省", "総務省", "財務省"))
    items = [three, measure(1, "法務省"), paragraph(1), paragraph(2)]
    assert summarize_en(items) == "2 measures from 3 ministries, 2 other passages"
    assert summarize_ja(items) == "施策 2件（3府省庁）、その他の記述 2件"
    assert summarize_en([measure(1, "内閣府")]) == "1 measure from 1 ministry"


def test_only_joint_measures() -> None:
    one = [measure(143, *JOINT)]
    assert summarize_en(one) == "1 joint measure of 10 ministries"
    assert summarize_ja(one) == "施策 1件（10府省庁の共同施策 1件）"
    two = one + [measure(127, "内閣官房", "内閣府", "消費者庁", "法務省", "警察庁")]
    assert summarize_en(two) == "2 joint measures of 13 ministries in all"
    assert summarize_ja(two) == "施策 2件（共同施策 2件（計13府省庁））"


def test_empty_summaries_and_kind_labels() -> None:
    assert summarize_en([]) == "No matching measures or statements."
    assert summarize_ja([]).startswith("該当する施策・発言は見つかりませんでした")
    assert [kind_label(k) for k in ("measure", "speech", "row", "paragraph", "other")] == ["施策", "発言", "表の行", "本文", "other"]
