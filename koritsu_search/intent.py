"""What a query asks for beyond its words: a ministry it names, or what was said at a meeting."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from .ingest.ministries import MINISTRIES, VARIANTS

# Short forms and English names users type for 府省庁 (official English names and acronyms).
ALIASES: dict[str, str] = {
    "厚労省": "厚生労働省",
    "文科省": "文部科学省",
    "農水省": "農林水産省",
    "国交省": "国土交通省",
    "経産省": "経済産業省",
    "入管": "出入国在留管理庁",
    "cabinet office": "内閣府",
    "cabinet secretariat": "内閣官房",
    "children and families agency": "こども家庭庁",
    "child and family agency": "こども家庭庁",
    "cfa": "こども家庭庁",
    "ministry of justice": "法務省",
    "moj": "法務省",
    "ministry of foreign affairs": "外務省",
    "foreign ministry": "外務省",
    "mofa": "外務省",
    "ministry of health, labour and welfare": "厚生労働省",
    "ministry of health": "厚生労働省",
    "health ministry": "厚生労働省",
    "mhlw": "厚生労働省",
    "ministry of education": "文部科学省",
    "education ministry": "文部科学省",
    "mext": "文部科学省",
    "ministry of internal affairs": "総務省",
    "internal affairs and communications": "総務省",
    "mic": "総務省",
    "national police agency": "警察庁",
    "npa": "警察庁",
    "financial services agency": "金融庁",
    "consumer affairs agency": "消費者庁",
    "digital agency": "デジタル庁",
    "reconstruction agency": "復興庁",
    "ministry of finance": "財務省",
    "ministry of agriculture": "農林水産省",
    "maff": "農林水産省",
    "ministry of economy": "経済産業省",
    "meti": "経済産業省",
    "ministry of land": "国土交通省",
    "mlit": "国土交通省",
    "ministry of the environment": "環境省",
    "environment ministry": "環境省",
    "ministry of environment": "環境省",
    "ministry of defense": "防衛省",
    "ministry of defence": "防衛省",
    "defense ministry": "防衛省",
    "self-defense forces": "防衛省",
    "national personnel authority": "人事院",
    "gender equality bureau": "内閣府",
}

# Words that ask for what was said at a meeting rather than for a measure.
_MEETING_JA = ("会議", "発言", "述べ", "報告した", "説明した", "挨拶", "議事", "室長", "大臣", "話した", "言及")
_MEETING_EN = re.compile(r"\b(meeting|said|say|says|told|minister|remarks?|speech|statement|stated|mention(ed)?)\b")


@dataclass
class Intent:
    """Signals read from the query: named ministries, and whether it asks about the meeting."""

    ministries: list[str] = field(default_factory=list)
    wants_speech: bool = False


def read_intent(query: str) -> Intent:
    """Find ministry names (Japanese, short forms, English) and meeting cues in a query."""
    q = unicodedata.normalize("NFKC", query)
    low = q.lower()
    found: dict[str, None] = {}
    rest = q
    for name in sorted(MINISTRIES, key=len, reverse=True):
        if name in rest:
            found[VARIANTS.get(name, name)] = None
            rest = rest.replace(name, " ")
    for alias, name in sorted(ALIASES.items(), key=lambda kv: -len(kv[0])):
        if alias.isascii():
            if re.search(rf"(?<![a-z]){re.escape(alias)}(?![a-z])", low):
                found[name] = None
                low = low.replace(alias, " ")
        elif alias in rest:
            found[name] = None
    wants = any(w in q for w in _MEETING_JA) or bool(_MEETING_EN.search(low))
    return Intent(ministries=list(found), wants_speech=wants)


# A measure named by its number: 施策No.12, No.12, ＮＯ．１２ (NFKC: NO.12), 施策12, 12番(の施策), 第12(の施策),
# measure 12. Not 第2回 (a meeting), 12番目の…, phone numbers (#9999) or amounts (60億円).
_MEASURE_NO = (
    re.compile(r"施策\s*(?:番号|no\.?|number)?\s*[:：]?\s*(\d{1,4})(?![\d.,])", re.IGNORECASE),
    re.compile(r"(?<![a-z#])no\s*\.?\s*[:：]?\s*(\d{1,4})(?![\d.,])", re.IGNORECASE),
    re.compile(r"(?<![\d#.,])(\d{1,4})\s*番(?!目|地|線|号|手|人)"),
    re.compile(r"第\s*(\d{1,4})(?!\d)(?!\s*[回条次期章節項版号者位年月日部巻])"),
    re.compile(r"\bmeasures?\s*(?:no\.?|number|#)?\s*(\d{1,4})(?![\d.,])", re.IGNORECASE),
)
# The part of a measure a question asks for (「No.87の目標」), as the fields the documents use; the
# status table's 達成状況 and 見直し方針 are checked first (目標の達成状況 also holds 目標).
FIELD_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("見直し", ("達成状況を踏まえた施策の見直し方針",)),
    ("達成状況", ("目標の達成状況",)),
    ("達成", ("目標の達成状況",)),
    ("今後", ("今後の取組方針",)),
    ("取組方針", ("今後の取組方針",)),
    ("課題", ("課題",)),
    ("現状", ("現状",)),
    ("目標", ("目標及び達成の期間",)),
    ("概要", ("施策の概要",)),
    ("goal", ("目標及び達成の期間",)),
    ("target", ("目標及び達成の期間",)),
    ("status", ("目標の達成状況",)),
    ("achieve", ("目標の達成状況",)),
    ("challenge", ("課題",)),
    ("issue", ("課題",)),
    ("current", ("現状",)),
    ("future", ("今後の取組方針",)),
    ("plan", ("今後の取組方針",)),
)


@dataclass
class MeasureLookup:
    """A measure the question names by number, and the fields it asks about (empty: the whole measure)."""

    number: int
    fields: tuple[str, ...] = ()


def read_measure_number(query: str) -> MeasureLookup | None:
    """The measure number a question names (施策No.12, No.12, ＮＯ．１２, 12番, 施策12, 第12, measure 12)."""
    q = unicodedata.normalize("NFKC", query)
    for pattern in _MEASURE_NO:
        m = pattern.search(q)
        if m:
            number = int(m.group(1))
            if number <= 0:
                continue
            rest = (q[: m.start()] + " " + q[m.end():]).lower()
            fields = next((f for word, f in FIELD_WORDS if word in rest), ())
            return MeasureLookup(number, fields)
    return None


# A year a question asks about (「令和6年度の目標」, 2024年度, FY2024): the edition it wants.
_ASKED_ERA = re.compile(r"(令和|平成)\s*(元|\d{1,2})\s*年")
_ASKED_WESTERN = re.compile(r"(?<![\d#])((?:19|20)\d{2})\s*年|\bFY\s*((?:19|20)\d{2})\b|\b(?:fiscal|financial)\s+(?:year\s+)?"
                            r"((?:19|20)\d{2})\b", re.IGNORECASE)
ERA_BASE = {"令和": 2018, "平成": 1988}


def western_year(era: str, number: str) -> int:
    """令和6 → 2024, 平成元 → 1989."""
    return ERA_BASE[era] + (1 if number == "元" else int(number))


def read_edition_year(query: str) -> int | None:
    """The (Western) year a question asks about: 令和6年度 → 2024, 平成30年 → 2018, 2024年度, FY2024."""
    q = unicodedata.normalize("NFKC", query)
    era = _ASKED_ERA.search(q)
    if era:
        return western_year(era.group(1), era.group(2))
    western = _ASKED_WESTERN.search(q)
    return int(next(g for g in western.groups() if g)) if western else None


# Who asks: a question about measures (a topic, a list) or an official's (fields, figures, phone
# numbers) is not a caller telling a situation; needs are read (and weigh) only for the latter.
_LIST_JA = re.compile(r"施策|一覧|支援策|取組|取り組み|事業|制度|政策|対策")
_LIST_EN = re.compile(r"\b(measures?|programmes?|programs?|polic(y|ies)|initiatives?|schemes?|government)\b", re.I)
_OFFICIAL = re.compile(r"目標|実績|件数|人数|何人|何件|何か所|箇所数|達成状況|見直し|取組方針|現状|課題|進捗|予算|"
                       r"#\s*\d{3,}|^\s*\d{3,}\s*$|"
                       r"\bhow many\b|\btargets?\b|\bachieve|\bfigures?\b|\bcurrent situation\b|"
                       r"\bchallenges\b|\bfuture policy\b", re.I)


def asks_as_official(text: str, intent: Intent | None = None) -> bool:
    """Whether a question is an official's (a ministry named, a target or a figure asked for), not a
    caller's; `intent` is the question's read_intent when the caller already has it."""
    return bool((intent or read_intent(text)).ministries or _OFFICIAL.search(text))


def asks_for_measures(text: str) -> bool:
    """Whether a question asks about measures (a topic, a list) rather than tells a situation."""
    return bool(_LIST_JA.search(text) or _LIST_EN.search(text))


def is_japanese(text: str) -> bool:
    """Whether a text has kana or kanji (else it is taken as English)."""
    return bool(re.search(r"[\u3040-\u30ff\u4e00-\u9fff]", text))
