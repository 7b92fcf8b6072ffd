"""Hostile text: parse and detection time linear in the size of a pathological input.

Each case was quadratic: a regex that split a long run of spaces every way before failing, or
searched from every character to the end, or a header field re-read as it grew line by line.
Time at n and at 8n: linear is 8x, quadratic 64x; the bound 16x leaves room for a loaded
machine (as in test_ingest_large). The sizes keep the new code at milliseconds and the old one
at seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from koritsu_search.ingest import parse_file
from koritsu_search.ingest.kinds import doc_kind
from koritsu_search.ingest.kinds.minutes_attendees import FIELD_MAX
from koritsu_search.ingest.kinds.minutes_header import _TITLE_SUFFIX
from koritsu_search.ingest.kinds.plan_sheets import field_for_heading
from koritsu_search.ingest.kinds.prose import _MD_HEADING
from koritsu_search.ingest.ministries import MINISTRIES, split_ministries, split_trailing

MEASURES_HEADER = "施策No.\t施策名\t施策の概要\t目標\t達成状況\t見直し\t関連URL\t担当府省庁\n"
MEASURE_ROW = "1\t名\t概要\t目標\t状況\t見直し\t\t内閣府\n"
SHEET = (
    "施策 No.1\n● 名前【内閣府】\n＜施策の概要＞\n概要\n＜目標及び達成の期間＞\n目標\n＜現状＞\n現状\n"
    "＜課題＞\n課題\n＜今後の取組方針＞\n方針\n"
)
LINE = "あいうえおかきくけこ"


def _per_call(run: Callable[[int], object], n: int, batches: int) -> float:
    """The least CPU time of one call run(n) (CPU time: other processes on a loaded machine count
    less), timed in batches of at least 20 ms as one call may take microseconds."""
    best, calls = float("inf"), 1
    for _ in range(batches):
        while True:
            start = time.process_time()
            for _ in range(calls):
                run(n)
            spent = time.process_time() - start
            if spent >= 0.02:
                break
            calls = max(2 * calls, int(calls * 0.03 / max(spent, 1e-6)))
        best = min(best, spent / calls)
    return best


def assert_linear(run: Callable[[int], object], n: int) -> None:
    small = _per_call(run, n, 3)
    large = _per_call(run, 8 * n, 1)
    for _ in range(2):
        if large / small < 16 or large > 5:  # done, or far too slow to be a busy moment
            break
        small = min(small, _per_call(run, n, 2))
        large = min(large, _per_call(run, 8 * n, 1))
    assert large / small < 16, (small, large)


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str], Path]:
    def write(text: str) -> Path:
        path = tmp_path / "hostile.txt"
        path.write_text(text, encoding="utf-8")
        return path

    return write


# --- detection (runs on the start of every text file) ------------------------------------------


def test_plan_detection_bracket_and_long_run_of_spaces() -> None:
    plan = doc_kind("plan")
    assert_linear(lambda n: plan.detect_text("[" + " " * n + "x\n"), 500)


def test_plan_detection_contents_line_with_long_leaders() -> None:
    plan = doc_kind("plan")
    assert_linear(lambda n: plan.detect_text("No.1:名前" + "." * n + "x\n"), 2_000)


def test_minutes_detection_number_and_long_run_of_tabs() -> None:
    minutes = doc_kind("minutes")
    assert_linear(lambda n: minutes.detect_text("1" + "\t" * n + "x\n"), 800)


# --- prose ------------------------------------------------------------------------------------


def test_markdown_heading_with_long_run_of_spaces(write: Callable[[str], Path]) -> None:
    assert_linear(lambda n: parse_file(write("# a" + " " * n + "b\n本文。\n"), kind="generic"), 2_000)
    doc = parse_file(write("# a" + " " * 100 + "b ##\n本文。\n"), kind="generic")
    assert doc.title == "a b"  # the heading text itself: spaces collapsed, closing #s dropped


def _md_heading(line: str) -> tuple[str, ...] | None:
    m = _MD_HEADING.match(line)
    return m.groups() if m else None


def test_markdown_heading_matches_as_before() -> None:
    assert _md_heading("## 見出し　#") == ("##", "見出し")
    assert _md_heading("# C# と F#") == ("#", "C# と F")  # as before: trailing #s are dropped
    assert _md_heading("#   ") == ("#", " ")  # spaces only: the last one
    assert _md_heading("# ") is None
    assert _md_heading("#######  x") is None


# --- plan sheets ------------------------------------------------------------------------------


def test_plan_heading_matches_as_before() -> None:
    assert field_for_heading("＜ 現 状 ＞") == "現状"
    assert field_for_heading("【目標及びその達成の期間】") == "目標及び達成の期間"
    assert field_for_heading("[" + " " * 200 + "現状 ]") == "現状"
    assert field_for_heading("[" + " " * 200 + "x") is None


def test_plan_contents_entry_without_page_number(write: Callable[[str], Path]) -> None:
    # The entry runs on line after line looking for its page number.
    assert_linear(lambda n: parse_file(write("No.1:名前\n" + f"{LINE}\n" * n + SHEET), kind="plan"), 400)


def test_plan_contents_section_heading_run_on(write: Callable[[str], Path]) -> None:
    assert_linear(lambda n: parse_file(write("（１）見出し\n" + f"{LINE}\n" * n + SHEET), kind="plan"), 800)


def test_plan_contents_cross_reference_run(write: Callable[[str], Path]) -> None:
    assert_linear(lambda n: parse_file(write("No.1:名前" + "（前出" * n + "\n" + SHEET), kind="plan"), 1_500)


def test_plan_contents_many_sections_for_one_measure(write: Callable[[str], Path]) -> None:
    def run(n: int) -> None:
        toc = "".join(f"（{i % 9 + 1}）見出し{i}\nNo.1:名前【内閣府】 …… 1\n" for i in range(n))
        doc = parse_file(write(toc + SHEET), kind="plan", max_bytes=None)
        assert len(doc.records[0].section) == n

    assert_linear(run, 600)


def test_plan_sheet_section_heading_run_on(write: Callable[[str], Path]) -> None:
    head, rest = "施策 No.1\n（１）見出し\n", SHEET.split("\n", 1)[1]
    assert_linear(lambda n: parse_file(write(head + f"{LINE * 20}\n" * n + rest), kind="plan", max_bytes=None), 3_000)


def test_plan_sheet_programme_run_on(write: Callable[[str], Path]) -> None:
    head, rest = "施策 No.1\n● 名前【内閣府】\n・事業\n", SHEET.split("\n", 2)[2]
    assert_linear(lambda n: parse_file(write(head + f"{LINE * 20}\n" * n + rest), kind="plan", max_bytes=None), 3_000)


# --- measures status table --------------------------------------------------------------------


def _measures(write: Callable[[str], Path], row: str, title: str = "") -> object:
    return parse_file(write(title + MEASURES_HEADER + MEASURE_ROW + row + "\n"), kind="measures", max_bytes=None)


def test_status_revision_cell_with_long_run_of_spaces(write: Callable[[str], Path]) -> None:
    # A 7-cell row: URL and ministry merged into the last cell, a URL may end the revision cell.
    assert_linear(lambda n: _measures(write, "2\t名\t概要\t目標\t状況\ta" + "\u3000" * n + "x\t内閣府"), 3_000)


def test_status_revision_cell_with_many_urls(write: Callable[[str], Path]) -> None:
    assert_linear(lambda n: _measures(write, "2\t名\t概要\t目標\t状況\t" + " http://a.jp" * n + " x\t内閣府"), 1_000)
    doc = parse_file(write(MEASURES_HEADER + "1\t名\t概要\t目標\t状況\t見直し http://a.jp/1 http://a.jp/2\t内閣府\n"),
                     kind="measures")
    rec = doc.records[0]
    assert rec.fields["達成状況を踏まえた施策の見直し方針"] == "見直し" and rec.urls == ["http://a.jp/1", "http://a.jp/2"]


def test_status_ministry_cell_of_dots(write: Callable[[str], Path]) -> None:
    row = "2\t名\t概要\t目標\t状況\t見直し\thttp://a.jp\t"
    assert_linear(lambda n: _measures(write, row + "・" * n + "a"), 3_000)


def test_status_merged_cell_of_many_ministries(write: Callable[[str], Path]) -> None:
    assert_linear(lambda n: _measures(write, "2\t名\t概要\t目標\t状況\t見直し\t" + "内閣府 " * n + "x"), 700)


def test_status_title_note_left_open(write: Callable[[str], Path]) -> None:
    assert_linear(lambda n: _measures(write, "", "（" + "決定" * n + "x\n"), 1_500)


def test_status_number_cell_of_angle_brackets(write: Callable[[str], Path]) -> None:
    assert_linear(lambda n: _measures(write, "x" + "<" * n + ">>\t名"), 8_000)


def test_ministry_splitting_matches_as_before() -> None:
    # split_trailing reads the names backwards, which needs no known name to end another.
    assert not [(a, b) for a in MINISTRIES for b in MINISTRIES if a != b and b.endswith(a)]
    assert split_ministries("内閣府・・、 総務省／法務省") == ["内閣府", "総務省", "法務省"]
    assert split_ministries("内閣府・総務省") == ["内閣府", "総務省"]
    assert split_trailing("https://a.jp 法務省、総務省") == ("https://a.jp", "法務省、総務省")
    assert split_trailing("内閣府 " * 1_000 + "x") == ("内閣府 " * 1_000 + "x", "")


# --- minutes header (a file read as minutes with no ○ turns: all of it is the header) --------


def test_minutes_title_suffix_after_long_run_of_spaces() -> None:
    assert_linear(lambda n: _TITLE_SUFFIX.sub("", "a" + " " * n + "x"), 1_500)
    assert _TITLE_SUFFIX.sub("", "第１回会議\u3000 議事録") == "第１回会議"


def test_minutes_attendee_title_run_on(write: Callable[[str], Path]) -> None:
    head = "議事録\n出席者：\n山田 太郎 内閣府孤独・孤立対策推進室長（\n"  # the bracket never closes
    assert_linear(lambda n: parse_file(write(head + f"{LINE}\n" * n), kind="minutes", max_bytes=None), 1_000)
    doc = parse_file(write(head + f"{LINE}\n" * 5_000), kind="minutes", max_bytes=None)
    (att,) = doc.metadata["attendees"]
    assert att["name"] == "山田 太郎" and FIELD_MAX <= len(att["title"]) < FIELD_MAX + len(LINE)


def test_minutes_agenda_item_run_on(write: Callable[[str], Path]) -> None:
    head = "議事録\n議事：\n１．" + "議" * 40 + "\n"  # 30 characters or more: the next line continues it
    assert_linear(lambda n: parse_file(write(head + f"{LINE * 4}\n" * n), kind="minutes", max_bytes=None), 6_000)


def test_minutes_agenda_sub_items_run_on(write: Callable[[str], Path]) -> None:
    head = "議事録\n議事：\n１．開会\n"
    assert_linear(lambda n: parse_file(write(head + f"・{LINE}\n" * n), kind="minutes", max_bytes=None), 10_000)
    doc = parse_file(write(head + "・資料１\n・資料２\n２．閉会\n"), kind="minutes")
    assert doc.metadata["agenda"] == ["１．開会 ・資料１ ・資料２", "２．閉会"]


def test_minutes_place_run_on(write: Callable[[str], Path]) -> None:
    head = "議事録\n場所：会議室\n"
    assert_linear(lambda n: parse_file(write(head + f" {LINE}\n" * n), kind="minutes", max_bytes=None), 10_000)


def test_minutes_attendee_line_of_many_prefixes(write: Callable[[str], Path]) -> None:
    assert_linear(lambda n: parse_file(write("議事録\n出席者：\n" + "a：" * n + "\n"), kind="minutes", max_bytes=None),
                  12_000)
