"""Prose in text files: paragraphs by blank lines or one per line, Markdown headings as sections."""

from __future__ import annotations

from pathlib import Path

from koritsu_search.ingest import parse_file
from koritsu_search.passages import make_passages


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_paragraphs_separated_by_blank_lines(tmp_path: Path) -> None:
    paras = [f"第{n}段落は地域の居場所づくりについて述べる。支援の輪を広げる。" for n in range(1, 9)]
    doc = parse_file(_write(tmp_path, "blank.txt", "\n\n".join(paras) + "\n"))
    assert doc.kind == "generic"
    assert [r.text for r in doc.records] == paras  # eight blank-separated paragraphs, not one record


def test_one_paragraph_per_line(tmp_path: Path) -> None:
    lines = [
        "孤独・孤立対策は、誰もが取り残されない社会を目指して進められている取組であり、国と地方が連携して進める。",
        "相談窓口は電話とSNSで受け付けており、夜間や休日にも対応できる体制を整えることが重要である。",
        "地域の居場所では、高齢者やこどもが気軽に立ち寄れるよう、運営団体への支援が行われている",
        "フードバンクやフードドライブの取組も、生活に困っている人とのつながりを生む場になっている。",
    ]
    doc = parse_file(_write(tmp_path, "lines.txt", "\n".join(lines) + "\n"))
    assert [r.text for r in doc.records] == lines


def test_hard_wrapped_paragraphs_are_rejoined(tmp_path: Path) -> None:
    text = (
        "　孤独・孤立対策推進法に基づき、国は重点計画を定め、\n"
        "関係府省庁が連携して施策を推進している。\n"
        "　地方公共団体においても、地域の実情に応じた\n"
        "取組が進められている。\n"
    )
    doc = parse_file(_write(tmp_path, "wrapped.txt", text))
    assert [r.text for r in doc.records] == [
        "孤独・孤立対策推進法に基づき、国は重点計画を定め、関係府省庁が連携して施策を推進している。",
        "地方公共団体においても、地域の実情に応じた取組が進められている。",
    ]


def test_double_spaced_wrapped_lines(tmp_path: Path) -> None:
    wrapped = ["この文章は一行ごとに空行を挟んで出力された文書の例であり、行は途中で折り返され",
               "ている。それでも段落としては一つにまとまるべきである。"] * 4
    doc = parse_file(_write(tmp_path, "double.txt", "\n\n".join(wrapped) + "\n"))
    assert len(doc.records) == 4
    assert doc.records[0].text == wrapped[0] + wrapped[1]


def test_markdown_headings_become_sections(tmp_path: Path) -> None:
    md = (
        "# 地域の取組事例\n\n"
        "概要の段落。\n\n"
        "## 見守り活動\n\n"
        "民生委員が高齢者宅を訪問する。\n\n"
        "### 課題\n\n"
        "担い手が不足している。\n\n"
        "## 居場所づくり\n\n"
        "こども食堂が各地に広がっている。\n"
    )
    doc = parse_file(_write(tmp_path, "cases.md", md))
    assert doc.title == "地域の取組事例"
    got = [(r.section, r.text) for r in doc.records]
    assert got == [
        (["地域の取組事例"], "概要の段落。"),
        (["地域の取組事例", "見守り活動"], "民生委員が高齢者宅を訪問する。"),
        (["地域の取組事例", "見守り活動", "課題"], "担い手が不足している。"),
        (["地域の取組事例", "居場所づくり"], "こども食堂が各地に広がっている。"),
    ]
    passages = make_passages(doc)
    assert "居場所づくり" in passages[-1].embed_text and passages[-1].section[-1] == "居場所づくり"


def test_list_items_are_paragraphs(tmp_path: Path) -> None:
    text = "支援の窓口\n・電話相談\n・SNS相談\n・対面相談\n"
    doc = parse_file(_write(tmp_path, "list.txt", text))
    assert [r.text for r in doc.records] == ["支援の窓口", "・電話相談", "・SNS相談", "・対面相談"]
