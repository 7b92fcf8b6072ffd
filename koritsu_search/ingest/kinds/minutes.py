"""Meeting minutes (議事録, 議事要旨): speaker turns, parsing and detection.

The header block (title, date, place, attendees, agenda) is read by `minutes_header`.

Government minutes are written in several conventions; all of these are read:

* speaker marks ○ (U+25CB), 〇 (U+3007, kanji zero) and ◯ (U+25EF);
* the label followed by a space, a full-width space, ： or : and the speech
  (``〇河野大臣：発言…``), or the label alone on its line with the speech on the following lines;
* a mark that is not a speaker label is ignored: placeholders (``○○市``, ``○○年○○月``) and
  bullets in prose (``○ 項目の説明…``). A label is short, has no sentence punctuation or
  particles, and reads as a title (…大臣, …委員, …室長, a ministry) or recurs as a speaker;
* header fields with or without numbers and colons (``１．開催日時：…``, ``１ 日 時 …``,
  ``（１）日時``, ``【場所】``), attendees one per line, several per line or under role
  headings (``委員：…、…``, ``（委員）``), agenda items split over lines; spaced titles
  (``議 事 録``) are closed up.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from ...models import SPEECH, Document, Record
from ..lines import SrcLine, group_paragraphs, paragraph_text, to_src_lines
from ..ministries import canonical, leading_ministry
from ..pdf import PdfDocument, PdfSample
from ..textnorm import is_cjk
from .base import DocKind, Parsed, PassagePart, RecordKind, cut_text
from .minutes_header import (
    _KNOWN_TITLES,
    _LABEL_KEY,
    _SP,
    _key,
    _label_core,
    _person_title,
    header_field,
    parse_date,
    parse_header,
)

MARKS = "○〇◯"
_MARK_LINE = re.compile(r"^([○〇◯])([\s\u3000]*)(.*)$")
# Between the label and the speech: spaces and/or a colon.
_LABEL_SEP = re.compile(r"[\s\u3000]+(?:[：:][\s\u3000]*)?|[：:][\s\u3000]*")
_LABEL_MAX = 30
_ALONE_MAX = 20  # a label standing alone on its line is shorter than this

# Words an organization speaking ends with (○警察庁 …, ○日本医師会 …).
_ORG_END = re.compile(r"(?:省|庁|局|課|室|協会|機構|連合会|連盟|センター|財団|大学)$")
_LABEL_BAD_CHARS = frozenset("。、，,．.「」『』？！?!…‥→⇒＝=＋+％%／/；;～〜~＜＞<>※＊*＃#")
_LABEL_BAD_WORDS = re.compile(
    r"について|における|に関する|に係る|に対する|に向けた|による|により|として|とは|から|まで|より|ため|こと"
    r"|もの|です|ます|でした|した|する|される|れる|ない|など|及び|並びに|又は|または|場合|とき|べき|への|での"
)
_CLOSING = re.compile(r"^[（(【\-－―─ー\s\u3000]*(?:以[\s\u3000]*上|了)[）)】\-－―─ー\s\u3000]*$")


# --- speaker turns ----------------------------------------------------------------------------


@dataclass
class _Cand:
    index: int
    label: str
    body: str
    strength: int  # 2: reads as a title or ministry; 1: a plain short name


def _split_turn(text: str) -> tuple[str, str, bool] | None:
    """(label, speech on the same line, whitespace after the mark) of a line starting with a mark."""
    m = _MARK_LINE.match(text)
    if not m:
        return None
    rest = m.group(3).rstrip(" \u3000")
    if not rest or rest[0] in MARKS:
        return None  # ○○市, ○○年○○月: a placeholder, not a speaker
    sep = _LABEL_SEP.search(rest)
    if sep:
        label, body = rest[: sep.start()], rest[sep.end() :].strip(" \u3000")
    else:
        label, body = rest, ""
    return (label, body, bool(m.group(2))) if label else None



def label_strength(label: str) -> int:
    """How much a label reads as a speaker: 2 a title or ministry, 1 a short plain name, 0 not a label."""
    if not label or len(label) > _LABEL_MAX or re.search(r"[0-9０-９①-⑳⑴-⒇]", label):
        return 0
    if any(ch in MARKS or ch in _LABEL_BAD_CHARS for ch in label) or _LABEL_BAD_WORDS.search(label):
        return 0
    core = _label_core(label)
    if not core or _key(core) in _LABEL_KEY or not any(is_cjk(ch) or ch.isalpha() for ch in core):
        return 0
    if leading_ministry(core) or _person_title(core) or _ORG_END.search(core):
        return 2
    return 1 if len(core) <= 10 else 0


def _join_spaced_title(label: str, body: str) -> tuple[str, str]:
    """○山田　座長　それでは… → (山田座長, それでは…): a name and its title set apart by a space."""
    if _person_title(label) or leading_ministry(label) or not body:
        return label, body
    m = re.match(r"^([^\s\u3000：:]{1,6})(?:[\s\u3000]+(?:[：:][\s\u3000]*)?|[：:][\s\u3000]*|$)", body)
    if m and (m.group(1) in _KNOWN_TITLES or m.group(1) in ("氏", "君", "さん", "先生")):
        return label + m.group(1), body[m.end() :].strip(" \u3000")
    return label, body


def find_turns(lines: list[SrcLine]) -> dict[int, tuple[str, str]]:
    """Line index → (speaker label, speech on that line) for every line that starts a turn.

    A candidate is a line starting with ○/〇/◯ and a label, followed by a separator and the
    speech, or alone on a short line (not running to the margin) followed by more text. A mark
    followed by a space is a bullet unless the label reads as a title. A plain label (a bare
    name) counts when it recurs, or when the document has titled turns in the same form.
    """
    cands: list[_Cand] = []
    for i, ln in enumerate(lines):
        split = _split_turn(ln.text)
        if split is None:
            continue
        label, body, spaced = split
        label, body = _join_spaced_title(label, body)
        strength = label_strength(label)
        if not strength or (spaced and not _person_title(_label_core(label))):
            continue  # ○ 項目…, ○ 厚生労働省 …: a mark and a space start a bullet, unless a title follows
        if not body:
            nxt = lines[i + 1].text if i + 1 < len(lines) else ""
            if ln.full or len(label) > _ALONE_MAX or not nxt or nxt[0] in MARKS:
                continue
        cands.append(_Cand(i, label, body, strength))
    titled = sum(1 for c in cands if c.strength == 2)
    counts = Counter(c.label for c in cands)
    return {
        c.index: (c.label, c.body)
        for c in cands
        if c.strength == 2 or counts[c.label] >= 2 or (titled >= 2 and len(_label_core(c.label)) <= 6)
    }


def is_turn(text: str) -> bool:
    """True for a line that, on its own, starts a speaker turn (a mark and a title-like label + speech)."""
    split = _split_turn(text)
    return bool(split) and label_strength(split[0]) == 2  # type: ignore[index]


# --- minutes ----------------------------------------------------------------------------------


def _speaker_org(label: str, attendees: list[dict[str, Any]]) -> tuple[str | None, list[str]]:
    """Organization and ministries of a speaker label (a ministry, or an attendee's surname+title)."""
    ministry = leading_ministry(label)
    if ministry:
        return label, [canonical(ministry)]
    for att in attendees:
        surname = att["name"].split(" ")[0]
        if surname and label.startswith(surname):
            org = att.get("organization")
            return org, [org] if org else []
    return None, []


def parse_minutes(lines: list[SrcLine], doc_id: str) -> tuple[str, list[Record], dict[str, Any], list[str]]:
    """Parse minutes lines into (title, speech records, metadata, warnings)."""
    starts = find_turns(lines)
    first = min(starts, default=len(lines))
    title, meta = parse_header(lines[:first])
    warnings: list[str] = []
    if not starts:
        warnings.append("no speaker turns (lines starting with ○, 〇 or ◯ and a speaker label) found")
    turns: list[tuple[str, list[SrcLine]]] = []
    for i in range(first, len(lines)):
        ln = lines[i]
        if i in starts:
            label, said = starts[i]
            turns.append((label, [SrcLine(ln.page, said, False, False, ln.full)] if said else []))
            turns[-1][1].append(SrcLine(ln.page, "", False, False))  # marks the label's page
        else:
            turns[-1][1].append(ln)
    if turns:
        last = turns[-1][1]
        while last and last[-1].text and _CLOSING.match(last[-1].text):
            last.pop()  # （以上） / －了－ closing the record
    records: list[Record] = []
    for n, (label, body) in enumerate(turns, start=1):
        pages = sorted({ln.page for ln in body})
        content = [ln for ln in body if ln.text]
        text = ""
        page_offsets: list[list[int]] = []
        for group in group_paragraphs(content, use_gaps=False):
            para = paragraph_text(group)
            if not para:
                continue
            if text:
                text += "\n"
            if not page_offsets or page_offsets[-1][1] != group[0].page:
                page_offsets.append([len(text), group[0].page])
            text += para
        org, ministries = _speaker_org(label, meta["attendees"])
        records.append(
            Record(
                record_id=f"{doc_id}#s{n:03d}",
                kind=SPEECH,
                text=text,
                page_offsets=page_offsets,
                pages=pages,
                speaker=label,
                organization=org,
                ministries=ministries,
            )
        )
        if not content:
            warnings.append(f"turn {n} ({label}) has no text")
    return title, records, meta, warnings


_MINUTES_TITLE = re.compile(
    "|".join((_SP + "*").join(word) for word in ("議事録", "議事要旨", "議事概要", "会議録", "議事記録", "速記録"))
)
_PLACEHOLDER = re.compile(r"[○〇◯]{2}|[○〇◯][年月日]")


def minutes_confidence(text: str, table_share: float = 0.0) -> float:
    """How much text reads as minutes, 0–0.9: speaker turns, backed by a minutes title, header
    fields or recurring speakers; placeholders (○○), ○ bullets and ruled tables weigh against.

    table_share is the share of sampled PDF pages that hold ruled tables.
    """
    lines = [SrcLine(1, s) for s in (raw.strip(" \t\u3000\f\r") for raw in text.splitlines()) if s]
    turns = find_turns(lines)
    n = len(turns)
    speakers = Counter(label for label, _ in turns.values())
    recurring = sum(1 for c in speakers.values() if c >= 2)
    head = "\n".join(ln.text for ln in lines[:80])
    titled = bool(_MINUTES_TITLE.search(head))
    keys = {f.key for f in (header_field(ln.text) for ln in lines[:120]) if f is not None}
    fields = len(keys & {"date", "place", "attendees", "agenda"})
    marks = sum(1 for ln in lines if ln.text[0] in MARKS)
    noise = marks - n  # ○ lines that are not turns (bullets, placeholders, table cells)
    placeholders = len(_PLACEHOLDER.findall(text))
    support = titled or fields >= 2 or recurring >= 2
    if n == 0:
        return 0.4 if titled and fields >= 2 and not table_share else 0.0
    if n >= 3 and support:
        score = 0.9
    elif n >= 2 and support:
        score = 0.6
    elif support:
        score = 0.3
    else:
        return 0.0
    if noise > n:
        score *= n / noise
    if placeholders > max(3, n):
        score *= 0.3
    if table_share and n < 3:
        score = 0.0 if table_share >= 0.5 else score / 2  # a form with a few ○ lines, not minutes
    return round(score, 2)


class Minutes(DocKind):
    """Meeting minutes: speaker turns with a header of date, place, attendees and agenda."""

    name = "minutes"
    description = "meeting minutes (議事録 / 議事要旨) with speaker turns"

    def detect_text(self, text: str) -> float:
        return minutes_confidence(text[:200_000])

    def detect_pdf(self, sample: PdfSample) -> float:
        share = sample.table_pages / sample.sampled_pages if sample.sampled_pages else float(bool(sample.ruled_tables))
        # Verbatim turns run long: a part of minutes without its header shows recurring
        # speakers only over more pages than the first few.
        return max(minutes_confidence(sample.text, share),
                   minutes_confidence(sample.text + "\n" + sample.spread_text, share))

    def parse_text(self, raw: list[tuple[int, str]], doc_id: str) -> Parsed:
        return Parsed(*parse_minutes(to_src_lines(raw), doc_id))

    def parse_pdf(self, pdf: PdfDocument, doc_id: str) -> Parsed:
        return Parsed(*parse_minutes(pdf.text_lines(), doc_id))


class SpeechRecord(RecordKind):
    """A speaker turn, cut at sentence ends; each passage cites the page its paragraph is on."""

    name = SPEECH
    label = "発言 / Statement"
    nouns = ("speech", "speeches")
    summary_en = ("meeting statement", "meeting statements")
    summary_ja = "会議での発言"

    def passages(self, doc: Document, rec: Record) -> list[PassagePart]:
        who = rec.speaker or ""
        if rec.organization and rec.organization not in who:
            who = f"{who}（{rec.organization}）"
        return cut_text(rec, f"{who}の発言: ")

    def title(self, rec: Record, doc_title: str = "", page: int | None = None) -> str:
        return f"{rec.speaker}の発言" if rec.speaker else "発言"

    def detail_fields(self, rec: Record) -> list[tuple[str, str]]:
        return [("発言", rec.text)]

    def outline(self, rec: Record) -> str:
        return f"○{rec.speaker} ({rec.organization or ''}): {rec.text[:80]}…"


__all__ = [
    "MARKS",
    "Minutes",
    "SpeechRecord",
    "find_turns",
    "header_field",
    "is_turn",
    "label_strength",
    "minutes_confidence",
    "parse_date",
    "parse_header",
    "parse_minutes",
]
