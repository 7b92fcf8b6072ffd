"""Section headings folded to one label: widths, spaces, (再掲) page references, spellings across documents."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest

from koritsu_search.ingest import parse_file
from koritsu_search.ingest.sections import canonical_labels, canonicalize, clean_path, fold, section_label

ROOT = Path(__file__).resolve().parent.parent
PLAN_PDF = ROOT / "corpus" / "juten_keikaku_R7kaitei_gutaiteki_shisaku.pdf"
STATUS_TXT = ROOT / "corpus" / "r7_kodoku_koritsu_measures_status.txt"


@pytest.mark.parametrize(("raw", "want"), [
    ("（２）状況に合わせた相談支援", "(2)状況に合わせた相談支援"),
    ("①相談支援体制の整備（電話・ＳＮＳ相談の 24 時間対応の推進等）", "①相談支援体制の整備(電話・SNS相談の24時間対応の推進等)"),
    ("②居場所の確保（再掲）", "②居場所の確保"),
    ("  ア　研修の実施  ", "ア研修の実施"),
    ("1. Scope and purpose", "1. Scope and purpose"),
])
def test_a_heading_is_folded_but_keeps_its_circled_number(raw: str, want: str) -> None:
    assert section_label(raw) == want
    assert section_label(want) == want  # folding twice changes nothing


@pytest.mark.parametrize("raw", ["①：P.59）", "②：P.146）", "③ p. 12", "（１）", "④・", "  "])
def test_page_references_and_bare_numbers_are_no_headings(raw: str) -> None:
    assert section_label(raw) is None


def test_fold_keeps_spaces_between_latin_words_only() -> None:
    assert fold("NPO 等 と の  対話  the  NPO dialogue") == "NPO等との対話the NPO dialogue"


def test_a_reprint_fragment_and_its_repeated_top_heading_leave_the_breadcrumb() -> None:
    # A measure listed under two headings, then a (再掲) line whose page reference wrapped onto a
    # line of its own under the first heading again (the shape the real plan's contents produce).
    flat = ["（３）見守り・交流の場", "①つながり・居場所づくり", "（４）ＮＰＯ等の活動支援", "①きめ細かな支援",
            "（３）見守り・交流の場", "①：P.59）"]
    assert clean_path(flat) == ["(3)見守り・交流の場", "①つながり・居場所づくり", "(4)NPO等の活動支援", "①きめ細かな支援"]


def test_two_paths_under_one_top_heading_are_both_kept() -> None:
    flat = ["(1)柱", "①甲", "(1)柱", "②乙", "(1)柱", "①甲"]
    assert clean_path(flat) == ["(1)柱", "①甲", "(1)柱", "②乙"]


def test_headings_without_top_numbering_are_kept_in_order() -> None:
    assert clean_path(["別表（届出事項一覧）", "別表（届出事項一覧）"]) == ["別表(届出事項一覧)"]


def test_one_spelling_per_heading_across_documents() -> None:
    counts = Counter({"(2)状況に合わせた切れ目のない相談支援につなげる": 381,
                      "(2)状況に合わせた切れ目のない相談支援つなげる": 6,   # a dropped particle in one document
                      "(2)まったく別の見出しである": 3,
                      "(3)状況に合わせた切れ目のない相談支援につなげる": 2})  # other numbering: never merged
    names = canonical_labels(counts)
    assert names["(2)状況に合わせた切れ目のない相談支援つなげる"] == "(2)状況に合わせた切れ目のない相談支援につなげる"
    assert names["(2)まったく別の見出しである"] == "(2)まったく別の見出しである"
    assert names["(3)状況に合わせた切れ目のない相談支援につなげる"] == "(3)状況に合わせた切れ目のない相談支援につなげる"


def test_canonicalize_rewrites_every_record() -> None:
    records = [["(2)状況に合わせた切れ目のない相談支援につなげる", "①相談支援体制の整備"]] * 5 + [
        ["(2)状況に合わせた切れ目のない相談支援つなげる", "①相談支援体制の整備"]]
    out = canonicalize(records)
    assert all(r == ["(2)状況に合わせた切れ目のない相談支援につなげる", "①相談支援体制の整備"] for r in out)


def _real_sections() -> Counter[str]:
    docs = [parse_file(PLAN_PDF), parse_file(STATUS_TXT)]
    labels = canonicalize([r.section for d in docs for r in d.records])
    return Counter(s for rec in labels for s in rec)


@pytest.mark.slow
def test_the_real_plan_and_status_table_share_one_menu_of_headings() -> None:
    sections = _real_sections()
    # Before: the plan's （２）… and the table's (2)… were two entries, the plan's 24 時間 and the
    # table's 24時間 another two, and (再掲) page references such as 「①：P.59）」 were offered.
    assert not [s for s in sections if "P." in s or "：" in s]
    assert not [s for s in sections if "（" in s or "　" in s or " 時間" in s]
    loose = Counter(s.replace("に", "") for s in sections)
    assert all(n == 1 for n in loose.values()), [s for s, n in loose.items() if n > 1]
    pillars = sorted(s for s in sections if s.startswith("("))
    assert [p[:3] for p in pillars] == ["(1)", "(2)", "(3)", "(4)"]
