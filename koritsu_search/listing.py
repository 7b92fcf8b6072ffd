"""Answer items sorted, grouped and counted: 施策No. or ministry order, groups, summary lines."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from .ingest.kinds import RECORD_KINDS, RecordKind
from .ingest.ministries import MINISTRIES, canonical
from .models import AnswerItem

SORTS = ("relevance", "no", "ministry")
GROUPS = ("ministry", "section")
JOINT_OVER = 3  # a measure listing more than this many ministries is a joint measure
NO_MINISTRY = "府省庁の記載なし"
SHARED = "複数府省庁の施策"  # the group of items of several ministries, each listed once
NO_SECTION = "区分なし"
BANDS_JA = {"high": "高", "medium": "中", "low": "低"}  # confidence bands as shown to people
_LAST = 10**9


def ministry_order(name: str) -> int:
    """A ministry's place in the official order of ingest.ministries (unknown names after all known)."""
    try:
        return MINISTRIES.index(canonical(name))
    except ValueError:
        return len(MINISTRIES)


def kind_label(name: str) -> str:
    """The Japanese label of a record kind (施策, 発言, 表の行, 本文); the name itself when unknown."""
    kind = RECORD_KINDS.get(name)
    return kind.label.split(" / ")[0] if kind is not None and kind.label else name


def sort_items(items: Sequence[AnswerItem], by: str = "relevance") -> list[AnswerItem]:
    """Items in a new order; ties and items without the key keep their relevance order.

    by: "relevance" (as given), "no" (施策No. ascending, then everything that is not a
    measure), "ministry" (the item's first ministry in the official order, then 施策No.;
    items without a ministry last).
    """
    ranked = list(items)
    if by == "relevance":
        return ranked
    if by == "no":
        return sorted(ranked, key=lambda i: (i.measure_no is None, i.measure_no if i.measure_no is not None else 0))
    if by == "ministry":
        return sorted(ranked, key=lambda i: (_first_ministry(i), i.measure_no if i.measure_no is not None else _LAST))
    raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {by!r}")


def group_items(items: Sequence[AnswerItem], by: str) -> list[tuple[str, list[AnswerItem]]]:
    """(label, items) groups in a stable order; items keep their order inside a group.

    by: "ministry" (official order; an item of several ministries is listed once, in the SHARED
    group after the ministries, and counted in each of theirs by shared_counts) or
    "section" (the item's first 区分 path, groups in 施策No. order, i.e. the plan's order).
    """
    groups: dict[str, list[AnswerItem]] = {}
    if by == "ministry":
        for item in items:
            names = list(dict.fromkeys(canonical(m) for m in item.ministries))
            groups.setdefault(SHARED if len(names) > 1 else (names or [NO_MINISTRY])[0], []).append(item)
        order = sorted(groups, key=lambda m: (m == NO_MINISTRY, m == SHARED, ministry_order(m), m))
        return [(m, groups[m]) for m in order]
    if by == "section":
        for item in items:
            groups.setdefault(section_label(item) or NO_SECTION, []).append(item)
        first = {label: n for n, label in enumerate(groups)}

        def place(label: str) -> tuple[bool, int, int]:
            numbers = [i.measure_no for i in groups[label] if i.measure_no is not None]
            return (label == NO_SECTION, min(numbers) if numbers else _LAST, first[label])

        return [(label, groups[label]) for label in sorted(groups, key=place)]
    raise ValueError(f"group must be one of {', '.join(GROUPS)}, not {by!r}")


def shared_counts(items: Sequence[AnswerItem]) -> dict[str, int]:
    """For each ministry, how many items it shares with other ministries (listed once, under SHARED)."""
    counts: dict[str, int] = {}
    for item in items:
        names = list(dict.fromkeys(canonical(m) for m in item.ministries))
        if len(names) > 1:
            for m in names:
                counts[m] = counts.get(m, 0) + 1
    return counts


def group_heading(label: str, members: Sequence[AnswerItem], shared: dict[str, int]) -> str:
    """「厚生労働省（3件、ほかに複数府省庁の施策 2件）」: a group's label and its counts."""
    extra = shared.get(label, 0) if label != SHARED else 0
    return f"{label}（{len(members)}件" + (f"、ほかに{SHARED} {extra}件" if extra else "") + "）"


def section_label(item: AnswerItem) -> str | None:
    """The item's first 区分 path ("(1)… ①…"), width-normalized so plan and status agree."""
    if not item.section:
        return None
    return " ".join(_tidy(s) for s in item.section[:2])


def is_joint(item: AnswerItem) -> bool:
    """A joint measure: one listing more than JOINT_OVER ministries."""
    return len(set(item.ministries)) > JOINT_OVER


@dataclass
class MinistryCount:
    """Measures and their ministries, joint measures counted apart so they do not swell the count."""

    measures: int = 0  # every measure, joint ones included
    ministries: list[str] = field(default_factory=list)  # of the measures with 1-3 ministries
    joint: int = 0  # measures listing more than JOINT_OVER ministries
    joint_ministries: list[str] = field(default_factory=list)  # of the joint measures, all together

    @property
    def single(self) -> int:
        """Measures that are not joint."""
        return self.measures - self.joint


def count_ministries(items: Sequence[AnswerItem]) -> MinistryCount:
    """How many measures (items of a kind that counts ministries) and which ministries they come from."""
    count = MinistryCount()
    sole: dict[str, None] = {}
    joint: dict[str, None] = {}
    for item in items:
        kind = RECORD_KINDS.get(item.kind)
        if kind is None or not kind.counts_ministries:
            continue
        count.measures += 1
        names = dict.fromkeys(canonical(m) for m in item.ministries)
        if is_joint(item):
            count.joint += 1
            joint.update(names)
        else:
            sole.update(names)
    count.ministries = sorted(sole, key=lambda m: (ministry_order(m), m))
    count.joint_ministries = sorted(joint, key=lambda m: (ministry_order(m), m))
    return count


def ministries_ja(c: MinistryCount) -> str:
    """"4府省庁、ほか10府省庁の共同施策 1件" (the part in brackets after 施策 N件)."""
    if c.joint == 1:
        joint = f"{len(c.joint_ministries)}府省庁の共同施策 1件"
    else:
        joint = f"共同施策 {c.joint}件（計{len(c.joint_ministries)}府省庁）"
    if not c.joint:
        return f"{len(c.ministries)}府省庁"
    if not c.single:
        return joint
    return f"{len(c.ministries)}府省庁、ほか{joint}"


def measures_ja(c: MinistryCount) -> str:
    """"施策 9件（4府省庁、ほか10府省庁の共同施策 1件）"."""
    return f"施策 {c.measures}件（{ministries_ja(c)}）"


def measures_en(c: MinistryCount) -> str:
    """"9 measures: 8 from 4 ministries, plus 1 joint measure of 10 ministries"."""
    if c.joint == 1:
        joint = f"1 joint measure of {_n(len(c.joint_ministries), 'ministry', 'ministries')}"
    else:
        joint = f"{c.joint} joint measures of {_n(len(c.joint_ministries), 'ministry', 'ministries')} in all"
    sole = f"from {_n(len(c.ministries), 'ministry', 'ministries')}"
    if not c.joint:
        return f"{_n(c.measures, 'measure', 'measures')} {sole}"
    if not c.single:
        return joint
    return f"{_n(c.measures, 'measure', 'measures')}: {c.single} {sole}, plus {joint}"


def count_by_kind(items: Sequence[AnswerItem]) -> list[tuple[RecordKind | None, list[AnswerItem]]]:
    """Items by record kind in registry order; kinds without a summary noun together as None ("other")."""
    out: list[tuple[RecordKind | None, list[AnswerItem]]] = []
    for name, kind in RECORD_KINDS.items():
        group = [i for i in items if i.kind == name]
        if group and kind.summary_en is not None:
            out.append((kind, group))
    named = {name for name, k in RECORD_KINDS.items() if k.summary_en is not None}
    others = [i for i in items if i.kind not in named]
    if others:
        out.append((None, others))
    return out


def summarize_en(items: Sequence[AnswerItem]) -> str:
    """One English line: measures (joint ones apart), meeting statements, other passages."""
    if not items:
        return "No matching measures or statements."
    parts = []
    for kind, group in count_by_kind(items):
        if kind is None or kind.summary_en is None:
            parts.append(_n(len(group), "other passage", "other passages"))
        elif kind.counts_ministries:
            parts.append(measures_en(count_ministries(group)))
        else:
            parts.append(_n(len(group), *kind.summary_en))
    return ", ".join(parts)


def summarize_ja(items: Sequence[AnswerItem]) -> str:
    """One Japanese line: 施策 N件（…府省庁）、会議での発言 N件、その他の記述 N件."""
    if not items:
        return "該当する施策・発言は見つかりませんでした。言葉を変えるか、絞り込みを外してください。"
    parts = []
    for kind, group in count_by_kind(items):
        if kind is None or kind.summary_ja is None:
            parts.append(f"その他の記述 {len(group)}件")
        elif kind.counts_ministries:
            parts.append(f"{kind.summary_ja} {len(group)}件（{ministries_ja(count_ministries(group))}）")
        else:
            parts.append(f"{kind.summary_ja} {len(group)}件")
    return "、".join(parts)


def _first_ministry(item: AnswerItem) -> int:
    return min((ministry_order(m) for m in item.ministries), default=_LAST)


def _n(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


_HALFWIDTH = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}


def _tidy(text: str) -> str:
    """Full-width ASCII made half-width (（１） → (1); ① kept), no spaces next to Japanese ("24 時間")."""
    t = text.translate(_HALFWIDTH).strip()
    return re.sub(r"\s+(?=[^\x00-\x7f])|(?<=[^\x00-\x7f])\s+", "", t)
