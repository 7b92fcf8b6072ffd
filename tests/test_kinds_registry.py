"""The document-kind registry: detection by content, --kind override, presentation by record kind."""

from __future__ import annotations

from pathlib import Path

import pytest

from koritsu_search.ingest import parse_file
from koritsu_search.ingest.kinds import DOC_KINDS, RECORD_KINDS, detect_text, doc_kind, kind_names, record_kind
from koritsu_search.models import Record

from helpers import MEASURES_TXT, MINUTES_TXT


def test_detection_by_content_not_name(tmp_path: Path) -> None:
    assert detect_text(MEASURES_TXT.read_text(encoding="utf-8")).name == "measures"
    assert detect_text(MINUTES_TXT.read_text(encoding="utf-8")).name == "minutes"
    assert detect_text("ただの文章です。\n次の文です。\n").name == "generic"
    sheet = "施策 No.3\n● 名前【法務省】\n＜施策の概要＞\n概要。\n＜現状＞\n現状。\n＜課題＞\n課題。\n"
    assert detect_text(sheet).name == "plan"
    (tmp_path / "minutes.dat").write_text(sheet, encoding="utf-8")
    assert parse_file(tmp_path / "minutes.dat").kind == "plan"


def test_kind_override_and_aliases() -> None:
    assert set(kind_names()) == {"measures", "plan", "minutes", "table", "generic"}
    assert doc_kind("status_table") is DOC_KINDS["measures"] and doc_kind("prose") is DOC_KINDS["generic"]
    with pytest.raises(ValueError, match="kind must be one of"):
        doc_kind("spreadsheet")
    doc = parse_file(MEASURES_TXT, kind="prose")
    assert doc.kind == "generic" and {r.kind for r in doc.records} == {"paragraph"}


def test_a_kind_that_cannot_read_text_says_so(tmp_path: Path) -> None:
    from koritsu_search.errors import IngestError

    f = tmp_path / "x.txt"
    f.write_text("表ではない文章。\n", encoding="utf-8")
    with pytest.raises(IngestError, match="table documents cannot be read from text"):
        parse_file(f, kind="table")


def test_record_kinds_present_themselves() -> None:
    assert set(RECORD_KINDS) == {"measure", "speech", "row", "paragraph"}
    m = Record("d#m1", "measure", "x", measure_no=1, measure_name="施策名", fields={"施策No.": "1", "施策名": "施策名", "現状": "今"})
    assert record_kind("measure").title(m) == "施策No.1 施策名"
    assert record_kind("measure").detail_fields(m) == [("現状", "今")]
    s = Record("d#s1", "speech", "発言です。", speaker="田中委員")
    assert record_kind("speech").title(s) == "田中委員の発言"
    assert record_kind("unknown-kind") is RECORD_KINDS["paragraph"]


def test_detected_kind_that_finds_nothing_falls_back_to_prose(tmp_path: Path) -> None:
    from koritsu_search.errors import IngestError

    contents = "具体的施策\n" + "".join(f"No.00{n}:施策{n}【内閣府】 ........ {30 + n}\n" for n in range(1, 6))
    f = tmp_path / "contents.txt"
    f.write_text(contents, encoding="utf-8")
    doc = parse_file(f)  # looks like a plan (its contents), has no sheets
    assert doc.kind == "generic" and doc.records
    assert doc.warnings[0].startswith("looked like plan but no measure sheets found")
    with pytest.raises(IngestError, match="no measure sheets found"):
        parse_file(f, kind="plan")  # a forced kind never falls back
