"""Filter values checked against the seed index: normalized, or rejected with close matches (fake embedder)."""

from __future__ import annotations

import pytest

from koritsu_search.cli_options import flag_term
from koritsu_search.errors import FilterError, QueryError
from koritsu_search.facets import FilterErrors, UnknownFilterValue, check_filters, resolve_ministry
from koritsu_search.library import Index
from koritsu_search.models import Filters

MINUTES_ID = "r7_kodoku_koritsu_suishin_kaigi_02_minutes"
MINUTES_TITLE = "第２回 孤独・孤立対策推進会議 議事要旨"


def rejected(index: Index, **kw: list[str]) -> UnknownFilterValue:
    with pytest.raises(UnknownFilterValue) as info:
        check_filters(index.store, Filters(**kw))
    return info.value


def test_ministry_aliases_become_official_names(seed_index: Index) -> None:
    f = Filters(ministries=["厚労省", "MHLW", "内閣府", " 子ども家庭庁 ", "Cabinet Office"])
    checked = check_filters(seed_index.store, f)
    assert checked.ministries == ["厚生労働省", "内閣府", "こども家庭庁"]
    assert f.ministries[0] == "厚労省"  # a copy: the filters given are unchanged
    assert resolve_ministry("文科省") == "文部科学省" and resolve_ministry("厚生省") is None


def test_unknown_ministry_suggests_close_matches_before_valid_values(seed_index: Index) -> None:
    err = rejected(seed_index, ministries=["厚生省"])
    assert isinstance(err, FilterError) and isinstance(err, QueryError)
    msg = str(err)  # the library names its own terms; the CLI renders the same error with its flags
    assert msg.startswith("the ministry filter: '厚生省'") and "\n" not in msg
    assert err.render(flag_term).startswith("--ministry: '厚生省'")
    assert msg.index("Did you mean: 厚生労働省") < msg.index("Valid values (20)")
    assert err.suggestions[0] == "厚生労働省"
    assert err.valid[:3] == ["内閣官房", "内閣府", "金融庁"]  # official order, not code point order
    assert rejected(seed_index, ministries=["総務庁"]).suggestions == ["総務省"]
    assert "厚生労働省" in rejected(seed_index, ministries=["health"]).suggestions


def test_ministry_known_but_absent_from_the_index(seed_index: Index) -> None:
    assert "'宮内庁' has no passages in this index" in str(rejected(seed_index, ministries=["宮内庁"]))
    msg = str(rejected(seed_index, ministries=["入管"]))
    assert "'入管' means 出入国在留管理庁, which has no passages in this index" in msg


def test_documents_by_id_title_or_file_name(seed_index: Index) -> None:
    f = Filters(doc_ids=[MINUTES_ID, MINUTES_TITLE, "r7_kodoku_koritsu_measures_status.txt"])
    assert check_filters(seed_index.store, f).doc_ids == [MINUTES_ID, "r7_kodoku_koritsu_measures_status"]
    err = rejected(seed_index, doc_ids=["minutes"])
    assert str(err).startswith("the doc filter: 'minutes' is not a document id or title")
    assert err.suggestions[0].startswith(MINUTES_ID) and MINUTES_TITLE in err.suggestions[0]
    assert len(err.valid) == 4


def test_sections_keep_substring_meaning_and_ignore_width(seed_index: Index) -> None:
    assert check_filters(seed_index.store, Filters(sections=["実態把握"])).sections == ["実態把握"]
    # The plan spells its headings （１）…24 時間…, the status table (1)…24時間…: one label each now,
    # and a value typed in either spelling finds it.
    sections = seed_index.facets()["sections"]
    assert not any("（" in s or " 時間" in s for s in sections)
    wide = check_filters(seed_index.store, Filters(sections=["（１）孤独"])).sections
    assert any(s.startswith("(1)孤独・孤立に至っても") for s in wide)
    spaced = check_filters(seed_index.store, Filters(sections=["24 時間対応"])).sections
    assert any("(電話・SNS相談の24時間対応の推進等)" in s for s in spaced)
    err = rejected(seed_index, sections=["実体把握"])
    assert "①孤独・孤立の実態把握" in err.suggestions
    assert "more" in str(err)  # the long list of sections is shortened
    shortened = [v for v in err.valid if v.endswith("…")][0]
    assert check_filters(seed_index.store, Filters(sections=[shortened])).sections  # a shortened value still works


def test_fields_and_kinds(seed_index: Index) -> None:
    assert check_filters(seed_index.store, Filters(fields=["目標の 達成状況"])).fields == ["目標の達成状況"]
    err = rejected(seed_index, fields=["達成状況"])
    assert err.suggestions[:2] == ["目標の達成状況", "達成状況を踏まえた施策の見直し方針"]
    assert check_filters(seed_index.store, Filters(kinds=["施策", "Statement", "speeches"])).kinds == ["measure", "speech"]
    msg = str(rejected(seed_index, kinds=["foo"]))
    assert msg.startswith("the kind filter: 'foo' is not a record kind") and "measure（施策）" in msg
    assert "this index has no row records" in str(rejected(seed_index, kinds=["row"]))
    assert rejected(seed_index, kinds=["measur"]).suggestions == ["measure（施策）"]


def test_several_bad_values_are_reported_together(seed_index: Index) -> None:
    with pytest.raises(FilterErrors) as info:
        check_filters(seed_index.store, Filters(ministries=["厚生省"], kinds=["foo"]))
    lines = info.value.render(flag_term).splitlines()
    assert [line.split(":")[0] for line in lines] == ["--ministry", "--kind"]
    assert [line.split(":")[0] for line in str(info.value).splitlines()] == ["the ministry filter", "the kind filter"]
    assert check_filters(seed_index.store, Filters()) == Filters()
