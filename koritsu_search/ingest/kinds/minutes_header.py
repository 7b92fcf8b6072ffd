"""Header block of meeting minutes: title, date and time, place and agenda (attendees in `minutes_attendees`)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..lines import SrcLine
from ..textnorm import collapse_ws, is_cjk, join_pair, nfkc_digits
from .minutes_attendees import FIELD_MAX, parse_attendee, parse_attendees  # noqa: F401  (parse_attendee re-exported)

# Re-exported: minutes.py imports these label helpers from here.
from .minutes_labels import _BRACKET_ONLY, _KNOWN_TITLES, _SP, _key, _label_core, _person_title  # noqa: F401

# Header fields: canonical key → labels (longest first when matched, spaces allowed inside).
_FIELD_LABELS: dict[str, tuple[str, ...]] = {
    "date": ("開催日時", "開催年月日", "開催日程", "開催日", "日時", "日程", "年月日", "日付"),
    "time": ("開催時間", "時間"),
    "place": ("開催場所", "開催地", "場所", "会場"),
    "attendees": ("出席者等", "出席者", "出席構成員", "出席委員", "参加者", "出席"),
    "agenda": ("議事次第", "議事日程", "議題", "議事", "次第", "案件"),
    "other": (
        "開催要領", "配付資料", "配布資料", "資料", "欠席者", "欠席委員", "欠席構成員", "欠席", "陪席者", "議事概要",
        "議事内容", "議事経過", "会議経過", "審議経過", "審議概要", "会議概要", "概要", "主な意見", "主な発言",
        "質疑応答", "意見交換", "傍聴者", "傍聴", "問い合わせ先", "問合せ先", "備考",
    ),
}
_LABEL_KEY = {label: key for key, labels in _FIELD_LABELS.items() for label in labels}
# Runs of spaces are possessive here and in _FIELD: each is followed by something that is not a
# space, and "1" and a long run of tabs was split every way between two runs before failing.
_LABEL_ALT = "|".join(
    (_SP + "*+").join(re.escape(ch) for ch in label) for label in sorted(_LABEL_KEY, key=len, reverse=True)
)
_FIELD_NUM = (
    r"(?P<num>第?[0-9０-９]{1,2}(?:[．.、)）]|(?=[\s\u3000]))|[（(][0-9０-９一二三四五六七八九十]{1,3}[）)]"
    r"|[⑴-⒇①-⑳]|[一二三四五六七八九十]{1,3}[．.、]|[■□●◆◇▼▽▶◎・])?"
)
_FIELD = re.compile(
    rf"^{_FIELD_NUM}{_SP}*+(?P<open>[【＜<〈［\[《（(〔])?{_SP}*+(?P<label>{_LABEL_ALT})"
    rf"(?:{_SP}*+(?P<close>[】＞>〉］\]》）)〕]))?(?:{_SP}*+(?P<note>[（(][^（）()]*+[）)]))?(?P<rest>.*)$"
)
# Any "label：value" line (for fields this module does not know).
_ANY_FIELD = re.compile(rf"^{_FIELD_NUM}{_SP}*(?P<label>[^\s\u3000：:（）()、。]{{1,10}}?){_SP}*(?:[：:]|$|{_SP}+)")
_DOC_TYPE = re.compile(r"(議事録|議事要旨|議事概要|会議録|議事記録|速記録)$")
# From the start of a run of spaces only, possessively (each start in a long run went to its end).
_TITLE_SUFFIX = re.compile(r"(?<![\s\u3000])[\s\u3000]*+(議事要旨|議事録|議事概要|会議録|議事記録|速記録)$")
_COUNTER_ONLY = re.compile(r"^第[0-9０-９一二三四五六七八九十百]+回$")
_AGENDA_ITEM = re.compile(
    r"^(?:[（(][0-9０-９一二三四五六七八九十]{1,2}[）)]|[0-9０-９]{1,2}(?:[．.、)）]|[\s\u3000])|[①-⑳⑴-⒇]"
    r"|[一二三四五六七八九十]{1,2}[．.、]|議題[0-9０-９]|第[0-9０-９]+)"
)
_SUB_ITEM = re.compile(r"^[・･\-－‐]")
_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}
_KANJI_DIGITS = {"〇": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_DATE = re.compile(r"(令和|平成|昭和)\s*(元|\d{1,2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_WDATE = re.compile(r"((?:19|20)\d{2})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})")
_TIME = re.compile(r"(\d{1,2}[:：]\d{2})\s*([～〜~\-－―ー]|から)\s*(\d{1,2}[:：]\d{2})")
_TIME_JA = re.compile(r"(\d{1,2})\s*時\s*(?:(\d{1,2})\s*分)?\s*(?:[～〜~\-－―ー]|から)\s*(\d{1,2})\s*時\s*(?:(\d{1,2})\s*分)?")


# --- header -----------------------------------------------------------------------------------


def _kanji_number(text: str) -> str:
    """Kanji numerals (七, 十二, 二十六) in text turned into digits."""

    def conv(m: re.Match[str]) -> str:
        s = m.group(0)
        if "十" not in s:
            return "".join(str(_KANJI_DIGITS[c]) for c in s)
        tens, _, ones = s.partition("十")
        return str((_KANJI_DIGITS.get(tens, 1) if tens else 1) * 10 + (_KANJI_DIGITS.get(ones, 0) if ones else 0))

    return re.sub(r"[〇一二三四五六七八九十]+", conv, text)


def parse_date(text: str) -> str | None:
    """ISO date from 令和７年２月７日 / 令和元年 / 令和七年 / 2025年2月7日 / 2025/2/7 style text, or None."""
    t = nfkc_digits(text)
    m = _DATE.search(t) or _DATE.search(_kanji_number(t))
    if m:
        year = _ERAS[m.group(1)] + (1 if m.group(2) == "元" else int(m.group(2)))
        return f"{year:04d}-{int(m.group(3)):02d}-{int(m.group(4)):02d}"
    m = _WDATE.search(t)
    if m:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return None


def _parse_time(value: str, meta: dict[str, Any]) -> None:
    tm = _TIME.search(value)
    if tm:
        meta["time"] = tm.group(0)
        meta["time_start"] = nfkc_digits(tm.group(1)).replace("：", ":")
        meta["time_end"] = nfkc_digits(tm.group(3)).replace("：", ":")
        return
    tj = _TIME_JA.search(value)
    if tj:
        meta["time"] = tj.group(0)
        g = [nfkc_digits(x) if x else "0" for x in tj.groups()]
        meta["time_start"] = f"{int(g[0])}:{int(g[1]):02d}"
        meta["time_end"] = f"{int(g[2])}:{int(g[3]):02d}"


def unspace(text: str) -> str:
    """Close up letter-spaced words: 議 事 録 → 議事録, 第25回 議 事 要 旨 → 第25回 議事要旨."""
    tokens = [t for t in re.split(r"[\s\u3000]+", text.strip()) if t]
    out: list[str] = []
    run: list[str] = []
    for tok in tokens + [""]:
        if len(tok) == 1 and is_cjk(tok):
            run.append(tok)
            continue
        if len(run) >= 2:
            out.append("".join(run))
        else:
            out.extend(run)
        run = []
        if tok:
            out.append(tok)
    return " ".join(out)


@dataclass
class _Field:
    key: str  # date, time, place, attendees, agenda or other
    value: str
    style: str  # numbering style: digit, paren, circled, kanji, bullet, bracket or ""


def _num_style(num: str | None, bracketed: bool) -> str:
    if not num:
        return "bracket" if bracketed else ""
    if num[0] in "（(":
        return "paren"
    if "⑴" <= num[0] <= "⒇" or "①" <= num[0] <= "⑳":
        return "circled"
    if num[0] in "一二三四五六七八九十":
        return "kanji"
    if num[0] in "■□●◆◇▼▽▶◎・":
        return "bullet"
    return "digit"


def header_field(text: str) -> _Field | None:
    """The header field a line opens (開催日時：…, １ 日 時 …, （議事次第）, 【場所】…), or None."""
    m = _FIELD.match(text)
    if not m:
        return None
    rest, label = m.group("rest"), m.group("label")
    if m.group("open") and not m.group("close"):
        return None  # an opening bracket must close: （議事 … is not a field
    if rest and not (m.group("close") or m.group("note")) and rest[0] not in " \u3000：:":
        return None  # the label runs on into a word (日時は…, 資料１)
    if re.search(_SP, label) and re.match(r"^[\s\u3000]+\S(?:[\s\u3000]|$)", rest):
        return None  # part of a longer spaced word: 議 事 録, 議 事 要 旨
    value = re.sub(r"^[\s\u3000]*[：:]?[\s\u3000]*", "", rest)
    return _Field(_LABEL_KEY[_key(label)], value.strip(" \u3000"), _num_style(m.group("num"), bool(m.group("open"))))


def _unknown_field(text: str, style: str) -> bool:
    """A line numbered like the known fields, with a short label of its own (５ 閉会, (6) 配付物)."""
    if not style or style == "bracket":
        return bool(style) and bool(_BRACKET_ONLY.match(text))
    m = _ANY_FIELD.match(text)
    return bool(m and m.group("num") and _num_style(m.group("num"), False) == style)


def parse_header(lines: list[SrcLine]) -> tuple[str, dict[str, Any]]:
    """Title and metadata (meeting_name, date, time, place, attendees, agenda) from the header."""
    title_lines: list[str] = []
    title_done = False
    meta: dict[str, Any] = {"attendees": [], "agenda": []}
    blocks: list[list[str]] = []
    agenda: list[tuple[str, SrcLine]] = []
    state = "title"
    style: str | None = None  # numbering style of the known fields
    field_indent = False
    for ln in lines:
        text = ln.text
        fld = header_field(text)
        if fld is not None and fld.key == "other" and state in ("agenda", "attendees") and style is not None:
            if fld.style != style or ln.indent != field_indent:
                fld = None  # an item that happens to be a field word: ２．意見交換 under 【議事】
        if fld is None and state != "title" and style is not None and ln.indent == field_indent:
            if _unknown_field(text, style) and not (state == "attendees" and _BRACKET_ONLY.match(text)):
                state = "other"
                continue
        if fld is not None:
            if style is None and fld.key != "other" and fld.style:
                style, field_indent = fld.style, ln.indent
            state = fld.key if fld.key in ("attendees", "agenda", "place") else "other"
            value = _squeeze(fld.value)
            if fld.key == "date":
                meta["date"] = parse_date(value)
                _parse_time(value, meta)
            elif fld.key == "time":
                _parse_time(value, meta)
            elif fld.key == "place" and value:
                meta["place"] = value
            elif fld.key == "attendees":
                blocks.append([value] if value else [])
            elif fld.key == "agenda" and value:
                agenda.append((value, ln))
            continue
        if state == "title":
            if _BRACKET_ONLY.match(text):
                state = "other"  # （開催要領）: the title is over
            elif not title_done and len(title_lines) < 3:
                line = unspace(text)
                title_lines.append(line)
                title_done = bool(_DOC_TYPE.search(line.replace(" ", "")))
        elif state == "attendees":
            blocks[-1].append(text)
        elif state == "agenda":
            agenda.append((text, ln))
        elif state == "place" and ln.indent and meta.get("place") and not ln.gap_before:
            if len(meta["place"]) < FIELD_MAX:
                meta["place"] = join_pair(meta["place"], collapse_ws(text))
    title = _join_title(title_lines)
    meta["meeting_name"] = _TITLE_SUFFIX.sub("", title).strip() or title
    meta.setdefault("date", None)
    for block in blocks:
        meta["attendees"].extend(parse_attendees(block))
    meta["agenda"] = _agenda_items(agenda)
    return title, meta


def _squeeze(text: str) -> str:
    """Runs of spaces (ideographic ones too) as one ASCII space, ends trimmed."""
    return re.sub(r"[\s\u3000]+", " ", text).strip()


def _join_title(parts: list[str]) -> str:
    """Title lines joined by a space; a line holding only 第N回 runs into the next."""
    out = ""
    for part in parts:
        part = collapse_ws(part)
        if out and not _COUNTER_ONLY.match(out):
            out += " "
        out += part
    return out


def _agenda_items(rows: list[tuple[str, SrcLine]]) -> list[str]:
    items: list[str] = []
    prev: SrcLine | None = None
    for text, ln in rows:
        text = _squeeze(text)
        if not text:
            continue
        if not items or _AGENDA_ITEM.match(text):
            items.append(text)
        elif _SUB_ITEM.match(text):
            if len(items[-1]) < FIELD_MAX:
                items[-1] = f"{items[-1]} {text}"
        elif prev is not None and (prev.full or (prev.full is None and len(prev.text) >= 30)):
            if len(items[-1]) < FIELD_MAX:
                items[-1] = join_pair(items[-1], text)  # a wrapped line
        else:
            items.append(text)
        prev = ln
    return items
