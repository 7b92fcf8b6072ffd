"""Text sources cite lines (not a meaningless "p.1"), and the source route resolves only indexed files."""

from __future__ import annotations

import html
from pathlib import Path

from koritsu_search.ingest import parse_paths
from koritsu_search.ingest.locate import locate_lines
from koritsu_search.models import Record
from koritsu_search.web.sources import render_text_source, source_path, source_url

from helpers import MEASURES_TXT, MINUTES_TXT


def test_every_measure_of_the_text_export_gets_its_own_line() -> None:
    doc = parse_paths([MEASURES_TXT], progress=False).documents[0]
    lines = MEASURES_TXT.read_text(encoding="utf-8").split("\n")
    located = [r for r in doc.records if r.line is not None]
    assert len(located) >= 0.95 * len(doc.records)
    for r in located:
        # The row of a tab-separated export starts with its 施策No. and name.
        assert lines[r.line - 1].startswith(f"{r.measure_no}\t"), (r.measure_no, r.line)
    assert len({r.line for r in located}) == len(located)


def test_speaker_turns_are_found_in_order() -> None:
    doc = parse_paths([MINUTES_TXT], progress=False).documents[0]
    found = [r.line for r in doc.records]
    assert None not in found and found == sorted(found)
    text = MINUTES_TXT.read_text(encoding="utf-8").split("\n")
    first = doc.records[0]
    assert first.speaker and first.speaker[:2] in text[first.line - 1]


def test_locate_tolerates_wrapping_and_width_and_keeps_order() -> None:
    text = "見出し\n施策の概要は\n　地域の居場所づくり\nを進める。\n\nもう一度 地域の居場所づくり を進める。\n"
    a = Record("d#1", "paragraph", "施策の概要は地域の居場所づくりを進める。")
    b = Record("d#2", "paragraph", "もう一度地域の居場所づくりを進める。")
    missing = Record("d#3", "paragraph", "どこにもない文章です")
    locate_lines(text, [a, b, missing])
    assert (a.line, b.line, missing.line) == (2, 6, None)


def test_text_export_citations_have_a_line_and_no_page(seed_index) -> None:
    answer = seed_index.ask("在留外国人 情報提供", complete=True)
    cites = [c for i in answer.items for c in i.citations if c.doc_id == "r7_kodoku_koritsu_measures_status"]
    assert cites and all(c.page is None and c.line for c in cites)
    pdf = [c for i in answer.items for c in i.citations if c.source.endswith(".pdf")]
    assert pdf and all(c.page and c.line is None for c in pdf)


def test_source_urls_and_paths(seed_index, tmp_path: Path) -> None:
    assert source_url("a b/c", page=3) == "/source/a%20b%2Fc#page=3"
    assert source_url("doc", line=57) == "/source/doc#L57"
    assert source_path(seed_index, "r7_kodoku_koritsu_measures_status") == MEASURES_TXT.resolve() or \
        source_path(seed_index, "r7_kodoku_koritsu_measures_status").samefile(MEASURES_TXT)
    assert source_path(seed_index, "../../etc/passwd") is None and source_path(seed_index, "nope") is None
    page = render_text_source(MINUTES_TXT, "議事要旨<script>")
    assert "<script>" not in page and html.escape("議事要旨<script>") in page
    n = len(MINUTES_TXT.read_text(encoding="utf-8").split("\n"))
    assert f'id="L{n}"' in page and 'id="L1"' in page
