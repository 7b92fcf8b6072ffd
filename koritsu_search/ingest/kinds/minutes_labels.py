"""Speaker and attendee label helpers shared by the minutes header, attendee and turn parsers."""

from __future__ import annotations

import re

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
_BRACKET_ONLY = re.compile(r"^[（(【＜<〈［\[《〔]([^（）()【】＜＞<>〈〉［］\[\]《》〔〕]{1,30})[）)】＞>〉］\]》〕]$")
# Titles that follow a surname with no space (伊藤長官, 田中課長補佐), for attendee lists.
_KNOWN_TITLES = frozenset((
    "大臣", "副大臣", "政務官", "大臣政務官", "長官", "次長", "次官", "審議官", "総括審議官", "参事官", "企画官",
    "調査官", "管理官", "専門官", "統括官", "政策統括官", "官房長", "官房付", "課長", "課長補佐", "室長",
    "室長補佐", "室長代理", "局長", "部長", "所長", "係長", "会長", "会長代理", "副会長", "座長", "座長代理",
    "委員", "委員長", "委員長代理", "構成員", "議長", "副議長", "主査", "理事", "理事長", "事務局長", "教授",
    "准教授", "代表", "社長", "知事", "市長", "参与", "顧問", "幹事",
))


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
