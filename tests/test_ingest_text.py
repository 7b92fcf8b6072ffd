"""Text route: the two seed exports parsed into measure and speech records."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from koritsu_search.ingest import IngestReport, parse_file, parse_paths
from koritsu_search.models import MEASURE_COLUMNS, Document

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
MEASURES_TXT = CORPUS / "r7_kodoku_koritsu_measures_status.txt"
MINUTES_TXT = CORPUS / "r7_kodoku_koritsu_suishin_kaigi_02_minutes.txt"
CJK_SPACE_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff、。] [\u3040-\u30ff\u4e00-\u9fff、。]")


@pytest.fixture(scope="module")
def measures() -> Document:
    return parse_file(MEASURES_TXT)


@pytest.fixture(scope="module")
def minutes() -> Document:
    return parse_file(MINUTES_TXT)


def _by_no(doc: Document) -> dict:
    return {r.measure_no: r for r in doc.records}


# --- measures -------------------------------------------------------------------------------


def test_measures_document(measures: Document) -> None:
    assert measures.kind == "measures"
    assert measures.doc_id == "r7_kodoku_koritsu_measures_status"
    assert measures.title == (
        "「孤独・孤立対策に関する施策の推進を図るための重点計画」「Ⅲ.具体的施策」の実施状況(令和7年度)"
    )
    assert measures.pages == 1
    assert len(measures.sha256) == 64
    assert measures.warnings == []


def test_exactly_143_measures_with_names_and_ministries(measures: Document) -> None:
    recs = measures.records
    assert [r.measure_no for r in recs] == list(range(1, 144))
    for r in recs:
        assert r.record_id == f"{measures.doc_id}#m{r.measure_no}"
        assert r.kind == "measure"
        assert tuple(r.fields) == MEASURE_COLUMNS
        assert r.fields["施策No."] == str(r.measure_no)
        assert r.measure_name and r.measure_name == r.fields["施策名"]
        assert r.ministries, r.measure_no
        assert r.pages == [1]
        assert r.measure_name in r.text and r.fields["施策の概要"] in r.text


def test_no_debris_in_any_field(measures: Document) -> None:
    for r in measures.records:
        for col, value in r.fields.items():
            for debris in ("<p>", "</p>", "<ul", "<li", "<br", "----", "发", "\t"):
                assert debris not in value, (r.measure_no, col, debris)


def test_simplified_hatsu_is_mapped(measures: Document) -> None:
    text = "".join(r.text for r in measures.records)
    assert text.count("発出") >= 3


def test_measure_10(measures: Document) -> None:
    m = _by_no(measures)[10]
    assert m.measure_name == "在留外国人に対する情報提供等"
    assert m.ministries == ["法務省"]
    assert m.urls == ["https://www.moj.go.jp/isa/support/portal/index.html"]


@pytest.mark.parametrize(
    ("no", "ministries", "urls"),
    [
        (23, ["こども家庭庁"], []),
        (24, ["文部科学省", "こども家庭庁"], []),
        (25, ["文部科学省", "こども家庭庁"], []),
        (26, ["こども家庭庁"], []),
        (27, ["法務省"], ["https://www.moj.go.jp/MINJI/miniji04_00034.html"]),
        (45, ["外務省"], ["https://www.anzen.mof.go.jp/life/info20210707.html"]),
        (46, ["厚生労働省"], ["https://cocosapo.mhlw.go.jp/"]),
        (47, ["防衛省"], []),
        (48, ["厚生労働省"], []),
        (49, ["厚生労働省"], []),
    ],
)
def test_seven_cell_rows_recovered(
    measures: Document, no: int, ministries: list[str], urls: list[str]
) -> None:
    m = _by_no(measures)[no]
    assert m.ministries == ministries
    assert m.urls == urls
    assert m.fields["担当府省庁"] and "http" not in m.fields["担当府省庁"]
    assert "http" not in m.fields["達成状況を踏まえた施策の見直し方針"]
    assert m.fields["関連URL"] == " ".join(urls)


@pytest.mark.parametrize(
    ("no", "ministry"), [(9, "法務省"), (13, "文部科学省"), (137, "厚生労働省"), (138, "厚生労働省")]
)
def test_ministry_slipped_into_url_column(measures: Document, no: int, ministry: str) -> None:
    m = _by_no(measures)[no]
    assert m.ministries == [ministry]
    assert m.fields["担当府省庁"] == ministry
    assert m.fields["関連URL"] == ""
    assert m.urls == []


def test_multi_ministry_rows(measures: Document) -> None:
    by = _by_no(measures)
    assert by[127].ministries == [
        "厚生労働省", "内閣府", "金融庁", "消費者庁", "総務省", "法務省", "経済産業省", "国土交通省",
    ]
    assert len(by[143].ministries) == 10
    assert by[65].ministries == ["消費者庁", "農林水産省"]


def test_variant_agency_name_normalized_in_list_only(measures: Document) -> None:
    m = _by_no(measures)[60]
    assert m.ministries == ["こども家庭庁"]
    assert m.fields["担当府省庁"] == "子ども家庭庁"


def test_html_rows_and_multi_url_cells(measures: Document) -> None:
    by = _by_no(measures)
    assert by[93].measure_name == "子どもに関する情報・データ連携による支援の推進"
    assert by[126].urls == ["https://www.mhlw.go.jp/stf/newpage_67483.htm", "https://www.mhlw.go.jp/content/001676828.pdf"]
    assert by[134].urls == [
        "https://www8.cao.go.jp/kyumin_yokin/index.html",
        "https://www.janpia.or.jp/",
        "https://www.kyuplat.com/",
    ]
    assert len(by[41].urls) == 4


def test_sections(measures: Document) -> None:
    by = _by_no(measures)
    assert by[1].section == ["(1)孤独・孤立に至っても支援を求める声を上げやすい社会とする", "①孤独・孤立の実態把握"]
    assert by[23].section[0].startswith("(2)状況に合わせた切れ目のない相談支援")
    assert by[46].section[1] == "②人材育成等の支援"
    assert by[143].section == [
        "(4)孤独・孤立対策に取り組むNPO等の活動をきめ細かく支援し、官・民・NPO等の連携を強化する",
        "⑤関連施策の推進",
    ]
    pillars = {r.section[0][:3] for r in measures.records}
    assert pillars == {"(1)", "(2)", "(3)", "(4)"}


# --- minutes --------------------------------------------------------------------------------

SPEAKERS = [
    "江浪室長", "内閣府男女共同参画局", "江浪室長", "警察庁", "江浪室長", "消費者庁", "江浪室長", "こども家庭庁",
    "江浪室長", "デジタル庁", "江浪室長", "復興庁", "江浪室長", "総務省", "江浪室長", "法務省", "江浪室長", "外務省",
    "江浪室長", "文部科学省", "江浪室長", "厚生労働省", "江浪室長", "農林水産省", "江浪室長", "経済産業省",
    "江浪室長", "国土交通省", "江浪室長", "環境省", "江浪室長", "防衛省", "江浪室長", "江浪室長",
    "三原内閣府特命担当大臣", "江浪室長", "江浪室長",
]


def test_minutes_document(minutes: Document) -> None:
    assert minutes.kind == "minutes"
    assert minutes.title == "第２回 孤独・孤立対策推進会議 議事要旨"
    meta = minutes.metadata
    assert meta["meeting_name"] == "第２回 孤独・孤立対策推進会議"
    assert meta["date"] == "2025-02-07"
    assert meta["time"] == "17:15～17:45"
    assert (meta["time_start"], meta["time_end"]) == ("17:15", "17:45")
    assert meta["place"] == "中央合同庁舎第８号館６階623会議室"
    assert meta["agenda"] == [
        "（１）孤独・孤立対策の令和７年度予算案・令和６年度補正予算について",
        "（２）孤独・孤立対策重点計画について",
    ]
    assert minutes.warnings == []


def test_attendees(minutes: Document) -> None:
    attendees = minutes.metadata["attendees"]
    assert len(attendees) >= 22
    by_name = {a["name"]: a for a in attendees}
    assert by_name["江浪 武志"] == {
        "name": "江浪 武志", "title": "内閣府孤独・孤立対策推進室長", "organization": "内閣府", "proxy": False,
    }
    assert by_name["三原 じゅん子"]["title"] == "内閣府特命担当大臣"
    miyamoto = by_name["宮本 直樹"]  # title wrapped over two lines, then 【代理出席】
    assert miyamoto["title"] == "厚生労働省大臣官房審議官（健康、生活衛生、総合政策担当）"
    assert miyamoto["proxy"] is True and miyamoto["organization"] == "厚生労働省"
    assert by_name["江﨑 典宏"]["proxy"] is True
    assert sum(a["proxy"] for a in attendees) == 7


def test_turns_in_order(minutes: Document) -> None:
    # The seed holds 37 ○ turns (grep -c '○' on the file); ids are s001…s037.
    recs = minutes.records
    assert [r.speaker for r in recs] == SPEAKERS
    assert [r.record_id for r in recs] == [f"{minutes.doc_id}#s{n:03d}" for n in range(1, 38)]
    assert all(r.kind == "speech" and r.text for r in recs)


def test_turn_text_is_complete_and_joined(minutes: Document) -> None:
    first = minutes.records[0].text
    assert "定刻より少し早い時間" in first and "推進してまいります" in first
    assert "ございますが" in first
    assert "開催いたします。\n司会進行を務めさせていただきます" in first
    assert "支援を行うとともに、孤独・孤立に至っても" in first
    second = minutes.records[1].text  # a wrapped line that starts with a space is not a paragraph
    assert "地域女性活躍推進交付金により引き続き支援してまいりたいと存じます。" in second
    assert "（プレス入室）" in minutes.records[32].text
    for r in minutes.records:
        assert not CJK_SPACE_CJK.search(r.text), r.record_id
        assert not re.search(r"^\d+$", r.text, re.MULTILINE)
        assert r.pages == [2]


def test_speaker_organizations(minutes: Document) -> None:
    recs = minutes.records
    assert (recs[0].organization, recs[0].ministries) == ("内閣府", ["内閣府"])
    assert (recs[1].organization, recs[1].ministries) == ("内閣府男女共同参画局", ["内閣府"])
    assert (recs[7].organization, recs[7].ministries) == ("こども家庭庁", ["こども家庭庁"])
    minister = recs[34]
    assert minister.speaker == "三原内閣府特命担当大臣"
    assert (minister.organization, minister.ministries) == ("内閣府", ["内閣府"])
    assert minister.text.startswith("孤独・孤立対策を担当しております、内閣府特命担当大臣、三原でございます。")


# --- paths, detection, encodings ----------------------------------------------------------


def test_parse_paths_seed_summary(tmp_path: Path) -> None:
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    for f in (MEASURES_TXT, MINUTES_TXT):
        shutil.copy(f, seeds / f.name)
    (seeds / "README.md").write_text("# About this folder\n\nNot a document.\n", encoding="utf-8")
    report = parse_paths([seeds])
    assert isinstance(report, IngestReport)
    assert [d.doc_id for d in report.documents] == [
        "r7_kodoku_koritsu_measures_status",
        "r7_kodoku_koritsu_suishin_kaigi_02_minutes",
    ]
    assert report.skipped == []
    assert report.summary() == "2 documents read, 180 records (143 measures, 37 speeches), 0 files skipped"


@pytest.mark.slow
def test_parse_paths_corpus_kinds() -> None:
    report = parse_paths([CORPUS])  # the folder's README.md is not a document
    kinds = {d.doc_id: d.kind for d in report.documents}
    assert kinds == {
        "juten_keikaku_R7kaitei_gutaiteki_shisaku": "plan",
        "juten_keikaku_R7kaitei_honbun": "generic",
        "r7_kodoku_koritsu_measures_status": "measures",
        "r7_kodoku_koritsu_suishin_kaigi_02_minutes": "minutes",
    }
    assert report.skipped == []


def test_progress_goes_to_stderr_only(capsys: pytest.CaptureFixture[str]) -> None:
    parse_paths([MINUTES_TXT], progress=True)
    out, err = capsys.readouterr()
    assert out == ""
    assert "ingest" in err


def test_detection_by_content_not_name(tmp_path: Path) -> None:
    dat = tmp_path / "something.dat"
    shutil.copy(MEASURES_TXT, dat)
    doc = parse_file(dat)
    assert doc.kind == "measures" and len(doc.records) == 143 and doc.doc_id == "something"
    notes = tmp_path / "measures_table.txt"  # a misleading name does not matter either
    shutil.copy(MINUTES_TXT, notes)
    assert parse_file(notes).kind == "minutes"
    report = parse_paths([tmp_path])  # .dat is not walked, only given explicitly
    assert [d.doc_id for d in report.documents] == ["measures_table"]


def test_kind_override(tmp_path: Path) -> None:
    doc = parse_file(MINUTES_TXT, kind="generic")
    assert doc.kind == "generic"
    assert all(r.kind == "paragraph" for r in doc.records)
    assert doc.records[0].record_id == f"{doc.doc_id}#p0001"
    assert doc.title == "第２回 孤独・孤立対策推進会議"
    with pytest.raises(ValueError):
        parse_file(MINUTES_TXT, kind="spreadsheet")


def test_text_encodings(tmp_path: Path) -> None:
    text = MINUTES_TXT.read_text(encoding="utf-8")
    (tmp_path / "bom.txt").write_bytes(b"\xef\xbb\xbf" + text.encode("utf-8"))
    (tmp_path / "sjis.txt").write_bytes(text.encode("cp932"))
    for name in ("bom.txt", "sjis.txt"):
        doc = parse_file(tmp_path / name)
        assert doc.kind == "minutes" and len(doc.records) == 37
        assert doc.title == "第２回 孤独・孤立対策推進会議 議事要旨"


def test_generic_text_paragraphs_and_pages(tmp_path: Path) -> None:
    body = (
        "孤独・孤立対策の概要\n\n"
        "第一段落の一行目で、\n折り返された二行目です。\n\n"
        "第二段落です。\n"
        "1\n"
        "第三段落は二ページ目にあります。\n\f"
        "第四段落は三ページ目です。\n"
    )
    (tmp_path / "notes.md").write_text(body, encoding="utf-8")
    doc = parse_file(tmp_path / "notes.md")
    assert doc.kind == "generic" and doc.pages == 3
    assert doc.title == "孤独・孤立対策の概要"
    assert [(r.text, r.pages) for r in doc.records] == [
        ("孤独・孤立対策の概要", [1]),
        ("第一段落の一行目で、折り返された二行目です。", [1]),
        ("第二段落です。", [1]),
        ("第三段落は二ページ目にあります。", [2]),
        ("第四段落は三ページ目です。", [3]),
    ]
