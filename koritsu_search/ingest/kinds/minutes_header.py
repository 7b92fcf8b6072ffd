"""Header block of meeting minutes: title, date and time, place, agenda and attendees."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..lines import SrcLine
from ..ministries import canonical, leading_ministry
from ..textnorm import collapse_ws, is_cjk, join_pair, nfkc_digits

_SP = r"[\s\u3000]"
# Words a speaker label or an attendee's title ends with (titles, roles).
_TITLE_END = re.compile(
    r"(?:大臣|政務官|長官|次官|総理|知事|市長|町長|村長|区長|議長|会長|座長|委員長|社長|理事長|所長|院長|学長"
    r"|局長|部長|課長|室長|次長|審議官|参事官|企画官|調査官|管理官|専門官|統括官|補佐|代理|委員|構成員|議員"
    r"|主査|理事|監事|幹事|顧問|代表|教授|准教授|助教|講師|研究員|参考人|説明員|事務局|司会|オブザーバー"
    r"|有識者|先生|氏|君|さん|様|官|長|員)$"
)
# …but these end in 長/員/官 without being titles.
_NOT_TITLE_END = re.compile(r"(?:成長|延長|助長|伸長|冗長|身長|定員|人員|全員|動員|増員|欠員|満員|減員|器官)$")

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
_LABEL_ALT = "|".join(
    (_SP + "*").join(re.escape(ch) for ch in label) for label in sorted(_LABEL_KEY, key=len, reverse=True)
)
_FIELD_NUM = (
    r"(?P<num>第?[0-9０-９]{1,2}(?:[．.、)）]|(?=[\s\u3000]))|[（(][0-9０-９一二三四五六七八九十]{1,3}[）)]"
    r"|[⑴-⒇①-⑳]|[一二三四五六七八九十]{1,3}[．.、]|[■□●◆◇▼▽▶◎・])?"
)
_FIELD = re.compile(
    rf"^{_FIELD_NUM}{_SP}*(?P<open>[【＜<〈［\[《（(〔])?{_SP}*(?P<label>{_LABEL_ALT})"
    rf"(?:{_SP}*(?P<close>[】＞>〉］\]》）)〕]))?(?:{_SP}*(?P<note>[（(][^（）()]*[）)]))?(?P<rest>.*)$"
)
# Any "label：value" line (for fields this module does not know).
_ANY_FIELD = re.compile(rf"^{_FIELD_NUM}{_SP}*(?P<label>[^\s\u3000：:（）()、。]{{1,10}}?){_SP}*(?:[：:]|$|{_SP}+)")
_BRACKET_ONLY = re.compile(r"^[（(【＜<〈［\[《〔]([^（）()【】＜＞<>〈〉［］\[\]《》〔〕]{1,30})[）)】＞>〉］\]》〕]$")
_PROXY = re.compile(r"[【（(]\s*代理(?:出席)?\s*[】）)]")
_ATTENDEE_NOTE = re.compile(r"敬称略|五十音順|50音順|５０音順|順不同|代理出席|名簿順")
_DOC_TYPE = re.compile(r"(議事録|議事要旨|議事概要|会議録|議事記録|速記録)$")
_TITLE_SUFFIX = re.compile(r"[\s\u3000]*(議事要旨|議事録|議事概要|会議録|議事記録|速記録)$")
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
_TITLE_WORDS = re.compile(r"大臣|政務官|長官|長$|官|審議|参事|委員|議長|構成員|局|室|課")
_ORG_UNIT = re.compile(r"(?:省|庁|府|局|部|課|室|センター|機構|協会|大学|法人|会社|研究所|事務所)$")
# Titles that follow a surname with no space (伊藤長官, 田中課長補佐), for attendee lists.
_KNOWN_TITLES = frozenset((
    "大臣", "副大臣", "政務官", "大臣政務官", "長官", "次長", "次官", "審議官", "総括審議官", "参事官", "企画官",
    "調査官", "管理官", "専門官", "統括官", "政策統括官", "官房長", "官房付", "課長", "課長補佐", "室長",
    "室長補佐", "室長代理", "局長", "部長", "所長", "係長", "会長", "会長代理", "副会長", "座長", "座長代理",
    "委員", "委員長", "委員長代理", "構成員", "議長", "副議長", "主査", "理事", "理事長", "事務局長", "教授",
    "准教授", "代表", "社長", "知事", "市長", "参与", "顧問", "幹事",
))


# --- labels (shared with speaker turns) -------------------------------------------------------


def _key(label: str) -> str:
    """The label with its spaces removed (議 事 → 議事), to look it up among the field labels."""
    return re.sub(r"[\s\u3000]+", "", label)


def _label_core(label: str) -> str:
    """The label without a trailing note: 宮腰大臣（消費者担当） → 宮腰大臣; （事務局） → 事務局."""
    inner = _BRACKET_ONLY.match(label)
    if inner:
        return inner.group(1)
    return re.sub(r"[（(【][^（）()【】]*[）)】]$", "", label)


def _person_title(core: str) -> bool:
    """True when core ends in a title or role (…大臣, …委員, …室長), not a look-alike (成長, 定員)."""
    return bool(_TITLE_END.search(core)) and not _NOT_TITLE_END.search(core)


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
            items[-1] = f"{items[-1]} {text}"
        elif prev is not None and (prev.full or (prev.full is None and len(prev.text) >= 30)):
            items[-1] = join_pair(items[-1], text)  # a wrapped line
        else:
            items.append(text)
        prev = ln
    return items


# --- attendees --------------------------------------------------------------------------------


def parse_attendee(text: str) -> dict[str, Any] | None:
    """{name, title, organization, proxy} from "江浪 武志  内閣府孤独・孤立対策推進室長", else None."""
    tokens = [t for t in re.split(r"[\s\u3000]+", text) if t]
    if len(tokens) < 2:
        return None
    k = next((i for i in range(1, len(tokens)) if leading_ministry(tokens[i])), None)
    if k is None:
        if len(tokens) >= 3:
            k = 2
        elif _TITLE_WORDS.search(tokens[1]) and len(tokens[1]) > 3:
            k = 1
        else:
            return None
    att: dict[str, Any] = {"name": " ".join(tokens[:k]), "title": "", "organization": None, "proxy": False}
    _add_title(att, "".join(tokens[k:]))
    return att


def _add_title(att: dict[str, Any], more: str) -> None:
    title = join_pair(att["title"], more)
    if _PROXY.search(title):
        att["proxy"] = True
        title = _PROXY.sub("", title).strip()
    att["title"] = title
    org = leading_ministry(title)
    if org:
        att["organization"] = canonical(org)
    elif att.get("organization") is None:
        att["organization"] = None


def _split_top(text: str) -> list[str]:
    """Split on 、，, outside brackets."""
    parts, depth, cur = [], 0, ""
    for ch in text:
        if ch in "（(【「『［[":
            depth += 1
        elif ch in "）)】」』］]":
            depth = max(0, depth - 1)
        if ch in "、，," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    parts.append(cur)
    return [p.strip(" \u3000") for p in parts if p.strip(" \u3000")]


def _split_name_title(text: str) -> tuple[str, str]:
    """伊藤長官 → (伊藤, 長官); 宮腰内閣府特命担当大臣 → (宮腰, 内閣府…). A surname is 1–4 characters;
    with no known title after it, a two-character surname is assumed when the text ends in a title."""
    for p in range(1, min(4, len(text) - 2) + 1):
        if leading_ministry(text[p:]):
            return text[:p], text[p:]
    core = _label_core(text)
    for p in range(1, min(4, len(core) - 1) + 1):
        if core[p:] in _KNOWN_TITLES:
            return text[:p], text[p:]
    if len(core) >= 5 and _person_title(core):
        return text[:2], text[2:]
    return text, ""


def _is_plain_name(text: str) -> bool:
    tokens = [t for t in re.split(r"[\s\u3000]+", text) if t]
    return 1 <= len(tokens) <= 3 and all(len(t) <= 5 for t in tokens) and not leading_ministry(text) \
        and not any(_TITLE_END.search(t) and len(t) > 1 for t in tokens[1:])


def _names_in_columns(text: str) -> list[str] | None:
    """Several "姓 名" names on one line, in columns: 青木 秀子　　東 珠実　　色川 卓男."""
    if leading_ministry(text) or re.search(r"[：:（(【]", text):
        return None
    chunks = [c for c in re.split(r"[ \t]{2,}|\u3000{2,}|\t", text.strip()) if c.strip(" \u3000")]
    if len(chunks) >= 2 and all(_is_plain_name(c) and len(re.split(r"[\s\u3000]+", c.strip())) == 2 for c in chunks):
        return [collapse_ws(c.replace("\u3000", " ")) for c in chunks]
    tokens = [t for t in re.split(r"[\s\u3000]+", text) if t]
    if len(tokens) >= 4 and len(tokens) % 2 == 0 and all(len(t) <= 4 and all(is_cjk(c) for c in t) for t in tokens):
        if not any(_TITLE_END.search(t) for t in tokens):
            return [f"{tokens[i]} {tokens[i + 1]}" for i in range(0, len(tokens), 2)]
    return None


def _attendee_item(text: str, role: str | None, org: str | None) -> dict[str, Any] | None:
    proxy = bool(_PROXY.search(text))
    text = _PROXY.sub("", text).strip(" \u3000")
    if not text:
        return None
    att = parse_attendee(text)
    if att is None:
        tokens = [t for t in re.split(r"[\s\u3000]+", text) if t]
        if len(tokens) >= 2:
            att = {"name": " ".join(tokens), "title": "", "organization": None, "proxy": False}
        else:
            name, title = _split_name_title(text)
            att = {"name": name, "title": "", "organization": None, "proxy": False}
            if title:
                if org and not leading_ministry(title):
                    # 総務省大臣官房企画課 + 課長 → …企画課長
                    title = org + (title[1:] if org[-1] == title[0] and org[-1] in "課室局部" else title)
                _add_title(att, title)
    if att["organization"] is None and org and leading_ministry(org):
        att["organization"] = canonical(leading_ministry(org) or org)
    att["proxy"] = att["proxy"] or proxy
    if role:
        att["role"] = role
    return att


def _prefix(text: str) -> tuple[str, str] | None:
    m = re.match(r"^([^：:、，,（）()]{1,30}?)[\s\u3000]*[：:][\s\u3000]*(.*)$", text)
    return (collapse_ws(m.group(1)), m.group(2)) if m else None


def parse_attendees(block: list[str]) -> list[dict[str, Any]]:
    """Attendees from the lines under 出席者: one per line (name  title), several per line
    (委員：青木 秀子、東 珠実、…), in columns, under role headings (（委員）, 幹事：), with
    organization prefixes (総務省大臣官房企画課：藤野課長) and wrapped titles."""
    out: list[dict[str, Any]] = []
    role: str | None = None
    org: str | None = None
    pending: str | None = None
    for i, raw in enumerate(block):
        text = raw.strip(" \u3000")
        if not text:
            continue
        prev = out[-1] if out else None
        if prev is not None and (prev["title"].count("（") > prev["title"].count("）") or _PROXY.fullmatch(text)):
            _add_title(prev, collapse_ws(text))  # the previous title runs on
            continue
        heading = _BRACKET_ONLY.match(text)
        if heading:
            inner = collapse_ws(heading.group(1))
            if not _ATTENDEE_NOTE.search(inner):
                role, org, pending = inner, (inner if leading_ministry(inner) else None), None
            continue
        prefixed = False
        while (pre := _prefix(text)) is not None:
            head, text = pre
            if _ATTENDEE_NOTE.search(head):
                continue
            ministry = leading_ministry(head)
            if ministry and head == ministry:
                role, org = head, head
            elif ministry:
                org = head
            elif _ORG_UNIT.search(head):
                org = (pending or "") + head
            else:
                role, org = head, None
            pending, prefixed = None, True
        if not text:
            continue
        items = _split_top(text)
        if len(items) >= 2 or (prefixed and items):
            out.extend(a for a in (_attendee_item(t, role, org) for t in items) if a)
            continue
        nxt = block[i + 1].strip(" \u3000") if i + 1 < len(block) else ""
        nxt_pre = _prefix(nxt)
        if leading_ministry(text) and " " not in text and nxt_pre and not leading_ministry(nxt_pre[0]):
            pending = text  # 文部科学省総合教育政策局 / 男女共同参画…課：田中課長補佐
            continue
        columns = _names_in_columns(text)
        if columns:
            out.extend(a for a in (_attendee_item(t, role, org) for t in columns) if a)
            continue
        att = parse_attendee(text)
        if att is not None:
            out.append(_attendee_item(text, role, org) or att)
        elif _is_plain_name(text) and (role or org or len(text.split()) == 2):
            item = _attendee_item(text, role, org)
            if item:
                out.append(item)
        elif prev is not None:
            _add_title(prev, collapse_ws(text))  # a wrapped title (…総合 / 政策担当）【代理出席】)
    return out
