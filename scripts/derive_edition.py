"""Derive an earlier edition (令和6年度 実施状況) of the real 令和7年度 status table, for testing editions.

No real earlier edition of 「Ⅲ.具体的施策」の実施状況 was available offline when this was written
(内閣府 may publish earlier years' tables, but none could be found in the sources reachable from this
machine), so tests of editions use a DERIVED one, built deterministically from the real 令和7年度 text
export by these rules:

- the years move back one: 令和7 → 令和6 and 令和8 → 令和7 in the title and in the columns
  目標及び達成の期間, 目標の達成状況 and 達成状況を踏まえた施策の見直し方針 (other years are kept);
  the heading drops the plan's 令和7年5月27日 revision (the earlier table follows the plan as first decided);
- No.12 (「つながりサポーター」の養成に向けた取組) reports what the real plan (令和7年5月27日一部改定,
  「Ⅲ．具体的施策」 p.44, its 現状) says was done in 令和6年度: those three sentences, quoted, replace
  its 目標の達成状況 (the one measure whose earlier result is a real text);
- every measure numbered ...5 (5, 15, 25, …) drops the last sentence of its 目標の達成状況;
- No.143 is left out (as if added in the later edition).

The result is NOT a government publication; never put it in corpus/. Usage:

    python scripts/derive_edition.py OUT.txt [--source corpus/r7_kodoku_koritsu_measures_status.txt]
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "corpus" / "r7_kodoku_koritsu_measures_status.txt"
GOAL, STATUS, POLICY = 3, 4, 5  # columns of a measure row (施策No. is 0)
DROPPED = 143
SHIFT = {"7": "6", "8": "7"}
_YEAR = re.compile(r"令和([78])(?=年)")
# No.12's 令和6年度 results as the real plan reports them (corpus/juten_keikaku_R7kaitei_gutaiteki_shisaku.pdf,
# p.44, 現状, second paragraph), quoted with its digits half-width as the status table prints them.
NO12_STATUS = (
    "令和6年度においては、地方自治体・民間企業・学校現場など、20以上の様々な団体において、つながりサポーター養成講座"
    "の実施を行った。加えて、有識者等により構成される検討会において、小学校高学年～中学生を対象とした、こども向けの"
    "養成テキスト案等の検討を行った。また、令和7年5月の「孤独・孤立対策強化月間」に向けて、養成講座の普及に向けた"
    "広報動画の作成を行った。"
)
NO12_NAME = "「つながりサポーター」の養成に向けた取組"


def earlier_years(text: str) -> str:
    """令和7 → 令和6 and 令和8 → 令和7, in one pass (never twice)."""
    return _YEAR.sub(lambda m: f"令和{SHIFT[m.group(1)]}", text)


def without_last_sentence(text: str) -> str:
    """The text without its last sentence (ending in 。), when it has more than one."""
    sentences = re.findall(r"[^。]*。|[^。]+$", text)
    return "".join(sentences[:-1]).rstrip() if len(sentences) > 1 else text


def derive_row(cells: list[str]) -> list[str] | None:
    """A measure row of the earlier edition, or None when the measure is left out."""
    no = int(cells[0])
    if no == DROPPED:
        return None
    out = list(cells)
    for col in (GOAL, STATUS, POLICY):
        if col < len(out):
            out[col] = earlier_years(out[col])
    if no == 12:
        if out[1] != NO12_NAME:
            raise SystemExit(f"the source's No.12 is {out[1]!r}, not {NO12_NAME!r}: is it the 令和7年度 table?")
        out[STATUS] = NO12_STATUS
    elif no % 10 == 5 and STATUS < len(out):
        out[STATUS] = without_last_sentence(out[STATUS])
    return out


def derive(text: str) -> str:
    """The whole earlier edition from the 令和7年度 text export."""
    lines: list[str] = []
    for line in text.split("\n"):
        cells = line.split("\t")
        if len(cells) >= 6 and cells[0].strip().isdigit():
            row = derive_row(cells)
            if row is not None:
                lines.append("\t".join(row))
            continue
        if "実施状況" in line or "一部改定" in line:
            line = earlier_years(line.replace("令和7年5月27日一部改定。", ""))
        lines.append(line)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("out", type=Path, help="where to write the derived 令和6年度 edition")
    parser.add_argument("--source", type=Path, default=SOURCE, help="the real 令和7年度 text export")
    args = parser.parse_args(argv)
    source = args.source.read_text(encoding="utf-8")
    if "実施状況(令和7年度)" not in source:
        print(f"{args.source} is not the 令和7年度 実施状況 text export", file=sys.stderr)
        return 2
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(derive(source), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
