"""Minutes in every common convention: speaker marks, separators, alone-on-line labels,
placeholders and bullets that are not speakers, header forms, detection, and a real 議事録."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from koritsu_search.ingest import parse_file
from koritsu_search.ingest.kinds import DOC_KINDS
from koritsu_search.ingest.kinds.minutes import Minutes, find_turns, parse_date
from koritsu_search.ingest.lines import paginate, to_src_lines
from koritsu_search.models import Document

_HERE = Path(__file__).resolve().parent / "data" / "realdocs"
REALDOCS = _HERE
SHOHISHA = REALDOCS / "shohisha_kyoiku_suishin_kaigi25_gijiroku.pdf"
MHLW_TABLES = REALDOCS / "mhlw_saibo_sakusei_yoryo_tables.pdf"
CJK_SPACE_CJK = re.compile(r"[\u3040-\u30ff\u4e00-\u9fff] [\u3040-\u30ff\u4e00-\u9fff]")
MINUTES = Minutes()


def _write(tmp_path: Path, text: str, name: str = "doc.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _turns_of(text: str) -> dict[int, tuple[str, str]]:
    raw, _ = paginate(text)
    return find_turns(to_src_lines(raw))


# --- speaker marks and separators -------------------------------------------------------------

HEADER = """第３回 地域共生推進検討会 議事録

１．日時：令和７年３月４日（火）10:00～11:00
２．場所：中央合同庁舎第４号館
３．出席者：
山田 太郎  東京大学教授
佐藤 花子  地域福祉研究所主任研究員
"""


@pytest.mark.parametrize("mark", ["○", "〇", "◯"], ids=["U+25CB", "U+3007", "U+25EF"])
@pytest.mark.parametrize("sep", [" ", "\u3000", "：", ":"], ids=["space", "ideographic-space", "fw-colon", "colon"])
def test_each_mark_and_separator(tmp_path: Path, mark: str, sep: str) -> None:
    text = HEADER + (
        f"{mark}山田座長{sep}ただいまから第３回地域共生推進検討会を開催いたします。本日は御多忙の中、\n"
        "御出席いただきありがとうございます。\n"
        f"{mark}佐藤委員{sep}資料について質問がございます。地域の拠点の整備状況について\n"
        "教えてください。\n"
        f"{mark}事務局{sep}お答えいたします。整備は順調に進んでおります。\n"
    )
    doc = parse_file(_write(tmp_path, text))
    assert doc.kind == "minutes"
    assert MINUTES.detect_text(text) >= 0.6
    assert [r.speaker for r in doc.records] == ["山田座長", "佐藤委員", "事務局"]
    assert [r.text for r in doc.records] == [
        "ただいまから第３回地域共生推進検討会を開催いたします。本日は御多忙の中、御出席いただきありがとうございます。",
        "資料について質問がございます。地域の拠点の整備状況について教えてください。",
        "お答えいたします。整備は順調に進んでおります。",
    ]
    assert doc.metadata["date"] == "2025-03-04"
    assert doc.metadata["place"] == "中央合同庁舎第４号館"


@pytest.mark.parametrize("mark", ["○", "〇", "◯"])
def test_label_alone_on_its_line(tmp_path: Path, mark: str) -> None:
    text = HEADER + (
        f"{mark}山田座長\n"
        "　ただいまから第３回地域共生推進検討会を開催いたします。本日は御多忙の中、御出席\n"
        "いただきありがとうございます。\n"
        "　本日の議題は二つです。\n"
        f"{mark}佐藤委員\n"
        "　一つ質問がございます。\n"
        f"{mark}山田座長\n"
        "　ありがとうございました。以上で閉会いたします。\n"
    )
    doc = parse_file(_write(tmp_path, text))
    assert doc.kind == "minutes"
    assert [r.speaker for r in doc.records] == ["山田座長", "佐藤委員", "山田座長"]
    assert doc.records[0].text == (
        "ただいまから第３回地域共生推進検討会を開催いたします。本日は御多忙の中、御出席いただきありがとうございます。"
        "\n本日の議題は二つです。"
    )
    assert doc.records[1].text == "一つ質問がございます。"
    assert doc.records[2].text == "ありがとうございました。以上で閉会いたします。"


def test_label_alone_with_colon_and_mixed_styles(tmp_path: Path) -> None:
    text = HEADER + (
        "〇山田座長：\n"
        "　それでは始めます。\n"
        "〇佐藤委員　質問がございます。\n"
        "◯山田座長:\n"
        "　お答えします。\n"
    )
    doc = parse_file(_write(tmp_path, text))
    assert [(r.speaker, r.text) for r in doc.records] == [
        ("山田座長", "それでは始めます。"), ("佐藤委員", "質問がございます。"), ("山田座長", "お答えします。"),
    ]


def test_bare_surname_labels_count_when_they_recur(tmp_path: Path) -> None:
    text = "第１回 研究会 議事録\n日時：2024年5月1日\n場所：本庁舎\n" + (
        "○山田　はじめます。\n○佐藤　質問です。\n○山田　どうぞ。\n○佐藤　ありがとうございます。\n"
    )
    doc = parse_file(_write(tmp_path, text))
    assert doc.kind == "minutes"
    assert [r.speaker for r in doc.records] == ["山田", "佐藤", "山田", "佐藤"]


# --- marks that are not speakers ---------------------------------------------------------------


def test_placeholder_marks_are_not_speakers(tmp_path: Path) -> None:
    text = HEADER + (
        "○山田座長　例えば、\n"
        "○○市では取組が進んでおり、\n"
        "〇〇年〇〇月までに整備する予定です。\n"
        "○佐藤委員　承知しました。\n"
    )
    doc = parse_file(_write(tmp_path, text))
    assert [r.speaker for r in doc.records] == ["山田座長", "佐藤委員"]
    assert doc.records[0].text == "例えば、○○市では取組が進んでおり、〇〇年〇〇月までに整備する予定です。"


def test_bullets_inside_a_speech_are_not_speakers(tmp_path: Path) -> None:
    text = HEADER + (
        "○山田座長　論点は次の二点です。\n"
        "○ 第一に、相談窓口の周知を進めること。\n"
        "○ 地域の見守り体制について検討すること。\n"
        "○佐藤委員　賛成です。\n"
    )
    doc = parse_file(_write(tmp_path, text))
    assert [r.speaker for r in doc.records] == ["山田座長", "佐藤委員"]
    assert "相談窓口の周知を進めること。" in doc.records[0].text
    assert "地域の見守り体制について検討すること。" in doc.records[0].text


NOTICE = """事務連絡
令和７年４月１日
各都道府県 ○○担当課 御中
厚生労働省○○局○○課

地域見守り支援事業の実施について

１．目的
○ 本事業は、地域の見守り体制を整備するものである。
○ 対象は○○市及び○○町とする。
２．申請方法
○申請書を提出すること。
○ 提出期限：令和○年○○月○○日
○ 問い合わせ先：○○課 ○○係
○○県 ○○市 担当者 ○○ ○○
"""


def test_notice_with_placeholders_and_bullets_is_not_minutes(tmp_path: Path) -> None:
    assert MINUTES.detect_text(NOTICE) == 0.0
    assert _turns_of(NOTICE) == {}
    assert parse_file(_write(tmp_path, NOTICE)).kind != "minutes"


def test_bullet_list_of_topics_is_not_minutes(tmp_path: Path) -> None:
    text = (
        "令和７年度 孤独・孤立対策の取組について\n\n"
        "○基本方針\n　孤独・孤立に悩む人を誰一人取り残さない社会を目指す。\n"
        "○重点事項\n　相談支援体制の整備を進める。\n"
        "○ 予算の概要\n　令和７年度予算案に計上した。\n"
    )
    assert MINUTES.detect_text(text) == 0.0
    assert parse_file(_write(tmp_path, text)).kind != "minutes"


# --- header forms -------------------------------------------------------------------------------


def test_header_numbered_without_colons_and_spaced_title(tmp_path: Path) -> None:
    text = """第25回
消費者教育推進会議
議 事 録

１　日　時　　令和元年７月26日（金）14：00～15：56
２　場　所　　中央合同庁舎第４号館共用1208特別会議室
３　議　題
　（１）「若年者への消費者教育の推進に関するアクションプログラム」の進捗状況につい
　　　て
　（２）その他
４　出席者（敬称略・50音順）
　委員：青木 秀子、東 珠実、色川 卓男、
　　　　岩本 諭
　消費者庁：伊藤長官、米山企画官
５　配付資料
　資料１　アクションプログラム
○東会長　それでは開会いたします。
○米山企画官　御説明いたします。
○東会長　ありがとうございました。
"""
    doc = parse_file(_write(tmp_path, text))
    assert doc.kind == "minutes"
    assert doc.title == "第25回消費者教育推進会議 議事録"
    meta = doc.metadata
    assert meta["meeting_name"] == "第25回消費者教育推進会議"
    assert meta["date"] == "2019-07-26"
    assert (meta["time_start"], meta["time_end"]) == ("14:00", "15:56")
    assert meta["place"] == "中央合同庁舎第４号館共用1208特別会議室"
    assert meta["agenda"] == [
        "（１）「若年者への消費者教育の推進に関するアクションプログラム」の進捗状況について",
        "（２）その他",
    ]
    names = [a["name"] for a in meta["attendees"]]
    assert names == ["青木 秀子", "東 珠実", "色川 卓男", "岩本 諭", "伊藤", "米山"]
    by_name = {a["name"]: a for a in meta["attendees"]}
    assert by_name["東 珠実"]["role"] == "委員"
    assert by_name["米山"]["title"] == "消費者庁企画官"
    assert by_name["米山"]["organization"] == "消費者庁"
    assert [r.organization for r in doc.records] == [None, "消費者庁", None]


def test_header_bracketed_labels_western_date_and_role_headings(tmp_path: Path) -> None:
    text = """第１回 こども政策推進会議
議 事 要 旨

【日時】2024年11月5日（火）13時00分～15時30分
【場所】オンライン開催
【出席者】
（構成員）
青木 秀子　　東 珠実　　色川 卓男
（事務局）
江浪 武志  内閣府孤独・孤立対策推進室長
【議事】
１．開会
２．意見交換
【議事概要】
○構成員：相談体制の強化が必要との意見があった。
○構成員：
　地域との連携を進めるべきとの意見があった。
○事務局：検討する旨回答した。
"""
    doc = parse_file(_write(tmp_path, text))
    assert doc.kind == "minutes"
    assert doc.title == "第１回 こども政策推進会議 議事要旨"
    meta = doc.metadata
    assert meta["date"] == "2024-11-05"
    assert (meta["time_start"], meta["time_end"]) == ("13:00", "15:30")
    assert meta["place"] == "オンライン開催"
    assert meta["agenda"] == ["１．開会", "２．意見交換"]
    atts = meta["attendees"]
    assert [(a["name"], a.get("role")) for a in atts] == [
        ("青木 秀子", "構成員"), ("東 珠実", "構成員"), ("色川 卓男", "構成員"), ("江浪 武志", "事務局"),
    ]
    assert atts[3]["title"] == "内閣府孤独・孤立対策推進室長" and atts[3]["organization"] == "内閣府"
    assert [(r.speaker, r.text) for r in doc.records] == [
        ("構成員", "相談体制の強化が必要との意見があった。"),
        ("構成員", "地域との連携を進めるべきとの意見があった。"),
        ("事務局", "検討する旨回答した。"),
    ]


def test_header_paren_numbers_and_kanji_date(tmp_path: Path) -> None:
    text = """孤独・孤立対策推進本部（第三回）議事録
（１）日時　令和七年二月七日（金）午後
（２）場所　総理大臣官邸４階大会議室
（３）議事
　①　重点計画の改定について
　②　その他
（４）出席者
　石破 茂  内閣総理大臣
　三原 じゅん子  内閣府特命担当大臣
○石破内閣総理大臣　ただいまから会議を開催します。
○三原内閣府特命担当大臣　御報告いたします。
○石破内閣総理大臣　以上で終わります。
"""
    doc = parse_file(_write(tmp_path, text))
    assert doc.kind == "minutes"
    assert doc.title == "孤独・孤立対策推進本部（第三回）議事録"
    assert doc.metadata["date"] == "2025-02-07"
    assert doc.metadata["place"] == "総理大臣官邸４階大会議室"
    assert doc.metadata["agenda"] == ["① 重点計画の改定について", "② その他"]
    assert [a["name"] for a in doc.metadata["attendees"]] == ["石破 茂", "三原 じゅん子"]
    assert doc.records[1].organization == "内閣府"


@pytest.mark.parametrize(
    ("text", "iso"),
    [
        ("令和元年７月26日（金）", "2019-07-26"),
        ("令和７年２月７日", "2025-02-07"),
        ("令和７年１２月２５日", "2025-12-25"),
        ("平成31年4月1日", "2019-04-01"),
        ("令和六年十二月二十六日", "2024-12-26"),
        ("2024年11月5日", "2024-11-05"),
        ("２０２４年１月９日", "2024-01-09"),
        ("2023/4/1", "2023-04-01"),
        ("日時未定", None),
    ],
)
def test_dates(text: str, iso: str | None) -> None:
    assert parse_date(text) == iso


# --- PDFs made with reportlab ------------------------------------------------------------------

reportlab = pytest.importorskip("reportlab")
import pdf_factory as pf  # noqa: E402

needs_font = pytest.mark.skipif(pf.japanese_font() is None, reason="no Japanese TTF font")


def _draw_lines(path: Path, pages: list[list[tuple[float, str]]]) -> None:
    """Each page a list of (left indent in em, text); 10.5 pt lines, 17 pt apart, page numbers at the foot."""
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfgen import canvas

    font = pf.register_font()
    c = canvas.Canvas(str(path), pagesize=A4)
    for n, lines in enumerate(pages, start=1):
        y = A4[1] - 70
        for indent, text in lines:
            c.setFont(font, 10.5)
            c.drawString(60 + indent * 10.5, y, text)
            y -= 17
        c.setFont(font, 9)
        c.drawCentredString(A4[0] / 2, 30, str(n))
        c.showPage()
    c.save()


def _wrap(text: str, width: int = 40, first_indent: int = 1) -> list[tuple[float, str]]:
    """A paragraph wrapped at width characters; the first line indented one character."""
    out: list[tuple[float, str]] = []
    avail = width - first_indent
    while text:
        out.append((first_indent if not out else 0, text[:avail]))
        text = text[avail:]
        avail = width
    return out


SPEECH_A = ("ただいまから第２回地域共生推進検討会を開催いたします。本日は御多忙の中、御出席をいただきまして誠に"
            "ありがとうございます。まず資料の確認をさせていただきます。")
SPEECH_B = "資料２について質問がございます。地域の拠点の整備状況と、来年度の予算の見通しについて教えてください。"
SPEECH_C = "お答えいたします。整備は順調に進んでおり、来年度も引き続き必要な予算を確保してまいります。"


@needs_font
def test_pdf_label_alone_on_line_spaced_title_and_pages(tmp_path: Path) -> None:
    path = tmp_path / "alone.pdf"
    cover = [(8, "第２回"), (5, "地域共生推進検討会"), (8, "議　事　録")]
    header = [
        (0, "１　日　時　令和７年２月７日（金）14：00～15：30"),
        (0, "２　場　所　中央合同庁舎第８号館６階623会議室"),
        (0, "３　出席者"),
        (1, "山田 太郎  東京大学教授"),
        (1, "佐藤 花子  地域福祉研究所主任研究員"),
    ]
    page2 = [(0, "○山田座長"), *_wrap(SPEECH_A), (0, "〇佐藤委員"), *_wrap(SPEECH_B)]
    page3 = [(0, "◯事務局"), *_wrap(SPEECH_C), (0, "○山田座長"), *_wrap("以上で閉会いたします。")]
    _draw_lines(path, [cover + [(0, "")] + header, page2, page3])
    doc = parse_file(path)
    assert doc.kind == "minutes"
    assert doc.title == "第２回地域共生推進検討会 議事録"
    assert doc.metadata["date"] == "2025-02-07"
    assert doc.metadata["place"] == "中央合同庁舎第８号館６階623会議室"
    assert [a["name"] for a in doc.metadata["attendees"]] == ["山田 太郎", "佐藤 花子"]
    assert [r.speaker for r in doc.records] == ["山田座長", "佐藤委員", "事務局", "山田座長"]
    assert [r.text for r in doc.records] == [SPEECH_A, SPEECH_B, SPEECH_C, "以上で閉会いたします。"]
    assert [r.pages for r in doc.records] == [[2], [2], [3], [3]]


@needs_font
def test_pdf_colon_separators(tmp_path: Path) -> None:
    path = tmp_path / "colon.pdf"
    body = [
        (0, "デジタル行政推進会議（第４回）議事要旨"),
        (0, "日時：2024年6月3日（月）9:00～10:00"),
        (0, "場所：オンライン"),
        (0, "〇河野大臣：" + SPEECH_A[:30]),
        *[(0, t) for _, t in _wrap(SPEECH_A[30:], first_indent=0)],
        (0, "〇佐藤委員:" + SPEECH_B[:33]),
        *[(0, t) for _, t in _wrap(SPEECH_B[33:], first_indent=0)],
        (0, "〇河野大臣：" + SPEECH_C),
    ]
    _draw_lines(path, [body])
    doc = parse_file(path)
    assert doc.kind == "minutes"
    assert [r.speaker for r in doc.records] == ["河野大臣", "佐藤委員", "河野大臣"]
    assert [r.text for r in doc.records] == [SPEECH_A, SPEECH_B, SPEECH_C]
    assert doc.metadata["date"] == "2024-06-03"


@needs_font
def test_pdf_notice_with_placeholders_bullets_and_table_is_not_minutes(tmp_path: Path) -> None:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

    font = pf.register_font()
    style = pf._style(10.5, 16)
    story = [Paragraph(line, style) for line in NOTICE.splitlines() if line]
    rows = [["項目", "記載例", "備考"], ["申請者", "○○市長 ○○ ○○", "○"], ["事業名", "○○事業", "○"],
            ["実施時期", "令和○年○○月", "×"]]
    story.append(Table(rows, style=TableStyle([("GRID", (0, 0), (-1, -1), 0.5, colors.black),
                                               ("FONT", (0, 0), (-1, -1), font, 10)])))
    path = tmp_path / "notice.pdf"
    SimpleDocTemplate(str(path), pagesize=A4).build(story)
    from koritsu_search.ingest import pdf as pdfroute

    with pdfroute.open_pdf(path, None) as pdf:
        sample = pdfroute.PdfDocument(pdf, str(path)).sample()
    assert "○○市長" in sample.text  # the placeholders are really in what detection sees
    assert MINUTES.detect_pdf(sample) == 0.0
    assert parse_file(path).kind != "minutes"


# --- real documents ----------------------------------------------------------------------------

needs_pdftotext = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="pdftotext not installed")
TURN_LINE = re.compile(r"^[ \u3000]*[○〇◯]([^\s\u3000○〇◯]+)[ \u3000]+(.*)$")


def _pdftotext_turns(pdf: Path) -> list[tuple[str, int, str]]:
    """(speaker, page, text without whitespace) of every ○ turn, read independently by pdftotext."""
    out = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True).stdout
    turns: list[list] = []
    for page, chunk in enumerate(out.split("\f"), start=1):  # pdftotext ends each page with a form feed
        for line in chunk.split("\n"):
            m = TURN_LINE.match(line)
            if m:
                turns.append([m.group(1), page, [m.group(2)]])
            elif turns and line.strip() and not re.fullmatch(r"\s*\d+\s*", line):  # footer page numbers
                turns[-1][2].append(line)
    return [(s, p, re.sub(r"\s+", "", "".join(body))) for s, p, body in turns]


@pytest.fixture(scope="module")
def shohisha() -> Document:
    if not SHOHISHA.is_file():
        pytest.skip("real 消費者庁 minutes PDF not present")
    return parse_file(SHOHISHA)


@pytest.mark.slow
@needs_pdftotext
def test_real_minutes_every_turn_matches_pdftotext(shohisha: Document) -> None:
    want = _pdftotext_turns(SHOHISHA)
    assert len(want) > 70  # the 議事録 has about 80 turns
    assert shohisha.kind == "minutes"
    assert len(shohisha.records) == len(want)
    assert [r.speaker for r in shohisha.records] == [s for s, _, _ in want]
    assert [r.pages[0] for r in shohisha.records] == [p for _, p, _ in want]
    for rec, (speaker, _, text) in zip(shohisha.records, want, strict=True):
        assert re.sub(r"\s+", "", rec.text) == text, (rec.record_id, speaker)
        assert not CJK_SPACE_CJK.search(rec.text), rec.record_id


@pytest.mark.slow
def test_real_minutes_turn_texts(shohisha: Document) -> None:
    recs = shohisha.records
    first = recs[0]
    assert (first.speaker, first.pages) == ("東会長", [3])
    assert first.text.startswith("それでは、ただいまより、第25回「消費者教育推進会議」を開催いたします。")
    assert first.text.endswith("一言、御挨拶をいただければと存じます。")
    assert "座ったままで" not in first.text  # the minister's turn that follows
    minister = recs[1]
    assert minister.speaker == "宮腰大臣"
    assert "消費者及び食品安全担当大臣の宮腰でございます。" in minister.text  # joined across a wrapped line
    assert minister.text.endswith("どうかよろしくお願いいたします。")
    last = recs[-1]
    assert (last.speaker, last.pages) == ("東会長", [33])
    assert last.text.endswith("それでは、本日はこれにて閉会といたします。ありがとうございました。")
    speakers = {r.speaker for r in recs}
    assert {"東会長", "宮腰大臣", "伊藤長官", "米山企画官", "千葉会長代理", "清水委員", "原委員"} <= speakers
    assert all(not s.startswith(("○", "〇", "◯")) for s in speakers)


@pytest.mark.slow
def test_real_minutes_metadata(shohisha: Document) -> None:
    assert shohisha.title == "第25回消費者教育推進会議 議事録"
    meta = shohisha.metadata
    assert meta["meeting_name"] == "第25回消費者教育推進会議"
    assert meta["date"] == "2019-07-26"
    assert (meta["time_start"], meta["time_end"]) == ("14:00", "15:56")
    assert meta["place"] == "中央合同庁舎第４号館共用1208特別会議室"
    assert meta["agenda"][0] == "⑴ 「若年者への消費者教育の推進に関するアクションプログラム」の進捗状況について"
    assert [a[0] for a in meta["agenda"]] == ["⑴", "⑵", "⑶", "⑷"]
    atts = meta["attendees"]
    names = [a["name"] for a in atts]
    # 13 委員, 7 幹事, 5 from 消費者庁 (counted on page 2 of the PDF)
    assert len(atts) == 25
    assert names[:3] == ["青木 秀子", "東 珠実", "色川 卓男"] and "原 早苗" in names
    assert sum(a.get("role") == "委員" for a in atts) == 13
    assert sum(a.get("role") == "幹事" for a in atts) == 7
    assert sum(a["proxy"] for a in atts) == 3  # 川副, 田中, 吉澤 【代理出席】
    by_name = {a["name"]: a for a in atts}
    assert by_name["田中"]["title"] == "文部科学省総合教育政策局男女共同参画共生社会学習・安全課長補佐"
    assert by_name["田中"]["organization"] == "文部科学省"
    assert by_name["宮原"]["organization"] == "消費者庁"
    organizer = next(r for r in shohisha.records if r.speaker == "米山企画官")
    assert (organizer.organization, organizer.ministries) == ("消費者庁", ["消費者庁"])


@pytest.mark.slow
def test_real_detection(shohisha: Document) -> None:
    from koritsu_search.ingest import pdf as pdfroute

    with pdfroute.open_pdf(SHOHISHA, None) as pdf:
        sample = pdfroute.PdfDocument(pdf, str(SHOHISHA)).sample()
    assert MINUTES.detect_pdf(sample) >= 0.6


@pytest.mark.slow
@pytest.mark.skipif(not MHLW_TABLES.is_file(), reason="real MHLW PDF not present")
def test_real_form_notice_is_not_minutes() -> None:
    from koritsu_search.ingest import pdf as pdfroute

    with pdfroute.open_pdf(MHLW_TABLES, None) as pdf:
        doc = pdfroute.PdfDocument(pdf, str(MHLW_TABLES))
        sample = doc.sample()
        lines = doc.text_lines()
    full = "\n".join(ln.text for ln in lines)
    assert full.count("○○") > 20  # placeholders are really there
    assert MINUTES.detect_pdf(sample) == 0.0
    assert MINUTES.detect_text(full) == 0.0
    for start in range(1, 27):  # any three pages of it, as a sample would see them
        pages = [ln for ln in lines if start <= ln.page < start + 3]
        assert MINUTES.detect_pdf(pdfroute.PdfSample("\n".join(ln.text for ln in pages), 28)) == 0.0
    assert find_turns(lines) == {}
    assert max(DOC_KINDS, key=lambda k: DOC_KINDS[k].detect_pdf(sample)) != "minutes"


def test_mark_space_title_is_a_speaker_but_mark_space_ministry_is_a_bullet(tmp_path: Path) -> None:
    minutes = HEADER + "○ 山田座長 はじめます。\n○ 佐藤委員 質問です。\n○山田　座長　お答えします。\n"
    doc = parse_file(_write(tmp_path, minutes))
    assert [(r.speaker, r.text) for r in doc.records] == [
        ("山田座長", "はじめます。"), ("佐藤委員", "質問です。"), ("山田座長", "お答えします。"),
    ]
    notice = (
        "孤独・孤立対策 説明会の御案内\n日時：令和７年５月１日（木）14:00～16:00\n場所：中央合同庁舎第８号館\n"
        "議題：各府省の取組\n○ 総務省 地方公共団体への周知\n○ 厚生労働省 相談窓口の設置\n○ 文部科学省 学校での啓発\n"
    )
    assert MINUTES.detect_text(notice) == 0.0
    assert parse_file(_write(tmp_path, notice, "notice.txt")).kind != "minutes"


@pytest.mark.slow
def test_second_half_of_real_minutes_without_header_is_minutes(tmp_path: Path) -> None:
    """A part of a 議事録 cut after its header: long verbatim turns, recurring speakers only over many pages."""
    from pypdf import PdfReader, PdfWriter

    src = REALDOCS / "shohisha_kyoiku_suishin_kaigi25_gijiroku.pdf"
    full = parse_file(src)
    writer = PdfWriter()
    for page in PdfReader(src).pages[16:]:
        writer.add_page(page)
    part = tmp_path / "second_half.pdf"
    with open(part, "wb") as fh:
        writer.write(fh)
    doc = parse_file(part)
    assert doc.kind == "minutes"
    expected = [r.speaker for r in full.records if r.pages[0] >= 17 and r.page_offsets and r.page_offsets[0][1] >= 17]
    got = [r.speaker for r in doc.records]
    assert got[-len(expected):] == expected and len(got) - len(expected) <= 1
