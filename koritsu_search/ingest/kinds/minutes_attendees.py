"""Attendee lists in the minutes header: one per line, several per line, in columns or under role headings."""

from __future__ import annotations

import re
from typing import Any

from ..ministries import canonical, leading_ministry
from ..textnorm import collapse_ws, is_cjk, join_pair
from .minutes_labels import _BRACKET_ONLY, _KNOWN_TITLES, _TITLE_END, _label_core, _person_title

_PROXY = re.compile(r"[【（(]\s*代理(?:出席)?\s*[】）)]")
_ATTENDEE_NOTE = re.compile(r"敬称略|五十音順|50音順|５０音順|順不同|代理出席|名簿順")
_TITLE_WORDS = re.compile(r"大臣|政務官|長官|長$|官|審議|参事|委員|議長|構成員|局|室|課")
_ORG_UNIT = re.compile(r"(?:省|庁|府|局|部|課|室|センター|機構|協会|大学|法人|会社|研究所|事務所)$")
# A header field (an attendee's title, the place, an agenda item) that has grown past this many
# characters has run on into text that is not a header: further lines are not added to it.
# Each line re-read the whole field, which made a field run on over many lines quadratic.
FIELD_MAX = 2_000


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
    if len(att["title"]) >= FIELD_MAX:
        return
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


_PREFIX_HEAD = re.compile(r"([^：:、，,（）()]{1,30}?)[\s\u3000]*[：:][\s\u3000]*")  # _prefix without (.*)$


def _prefixes(text: str) -> tuple[list[str], str]:
    """The "head：" prefixes text starts with, one after another (委員：…, 幹事：総務省：…), and the
    text after them: _prefix applied until it fails, but each matched where the last one ended
    rather than on a copy of the rest, which was quadratic on a long line of prefixes."""
    heads: list[str] = []
    if "\n" in text:  # the first (.*)$ leaves no line break behind: from there on there is none
        pre = _prefix(text)
        if pre is None:
            return heads, text
        heads.append(pre[0])
        text = pre[1]
    pos = 0
    while (m := _PREFIX_HEAD.match(text, pos)) is not None:
        heads.append(collapse_ws(m.group(1)))
        pos = m.end()
    return heads, text[pos:]


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
        heads, text = _prefixes(text)
        for head in heads:
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
