"""Meeting minutes (議事要旨, 議事録): header block, attendees, agenda and speaker turns."""

from __future__ import annotations

import re
from typing import Any

from ...chunking import split_text
from ...models import SPEECH, Document, Record
from ..lines import SrcLine, group_paragraphs, paragraph_text, to_src_lines
from ..ministries import canonical, leading_ministry
from ..pdf import PdfDocument, PdfSample
from ..textnorm import collapse_ws, join_pair, nfkc_digits
from .base import DocKind, Parsed, PassagePart, RecordKind

TURN = re.compile(r"^[○◯]\s*([^\s\u3000]+)(?:[\s\u3000]+(.*))?$")
_FIELD = re.compile(r"^(?:[0-9０-９]+[．.、]?)?[\s\u3000]*([^：:]{1,12}?)[\s\u3000]*[：:][\s\u3000]*(.*)$")
_SECTION = re.compile(r"^[（(][^（）()]{1,12}[）)]$")
_AGENDA_ITEM = re.compile(r"^(?:[（(][0-9０-９]{1,2}[）)]|[0-9０-９]{1,2}[．.]|[①-⑳])")
_PROXY = re.compile(r"[【（(]\s*代理(?:出席)?\s*[】）)]")
_TITLE_SUFFIX = re.compile(r"[\s\u3000]*(議事要旨|議事録|議事概要)$")
_ERAS = {"令和": 2018, "平成": 1988, "昭和": 1925}
_DATE = re.compile(r"(令和|平成|昭和)\s*(元|\d{1,2})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日")
_WDATE = re.compile(r"((?:19|20)\d{2})\s*[年/.\-]\s*(\d{1,2})\s*[月/.\-]\s*(\d{1,2})")
_TIME = re.compile(r"(\d{1,2}[:：]\d{2})\s*([～〜~\-－―ー])\s*(\d{1,2}[:：]\d{2})")
_TITLE_WORDS = re.compile(r"大臣|政務官|長官|長$|官|審議|参事|委員|議長|構成員|局|室|課")


def is_turn(text: str) -> bool:
    """True for a line that starts a speaker turn (○ followed by a label)."""
    return bool(TURN.match(text))


def _key(label: str) -> str:
    return re.sub(r"[\s\u3000]+", "", label)


def parse_date(text: str) -> str | None:
    """ISO date from 令和７年２月７日 / 2025年2月7日 style text, or None."""
    t = nfkc_digits(text)
    m = _DATE.search(t)
    if m:
        year = _ERAS[m.group(1)] + (1 if m.group(2) == "元" else int(m.group(2)))
        return f"{year:04d}-{int(m.group(3)):02d}-{int(m.group(4)):02d}"
    m = _WDATE.search(t)
    if m:
        return f"{int(m.group(1)):04d}-{int(m.group(2)):02d}-{int(m.group(3)):02d}"
    return None


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
    att["organization"] = canonical(org) if org else None


def parse_header(lines: list[SrcLine]) -> tuple[str, dict[str, Any]]:
    """Title and metadata (meeting_name, date, time, place, attendees, agenda) from the header."""
    title_lines: list[str] = []
    meta: dict[str, Any] = {"attendees": [], "agenda": []}
    state = "title"
    for ln in lines:
        text = ln.text
        fm = _FIELD.match(text)
        label = _key(fm.group(1)) if fm else ""
        if fm and label in ("開催日時", "日時", "開催日", "日程"):
            state = "fields"
            value = collapse_ws(fm.group(2))
            meta["date"] = parse_date(value)
            tm = _TIME.search(value)
            if tm:
                meta["time"] = tm.group(0)
                meta["time_start"] = nfkc_digits(tm.group(1)).replace("：", ":")
                meta["time_end"] = nfkc_digits(tm.group(3)).replace("：", ":")
            continue
        if fm and label in ("場所", "開催場所", "会場"):
            state = "fields"
            meta["place"] = collapse_ws(fm.group(2))
            continue
        if fm and label in ("出席者", "出席者等", "出席構成員"):
            state = "attendees"
            if fm.group(2).strip():
                _attendee_line(meta["attendees"], fm.group(2))
            continue
        if _SECTION.match(text):
            state = "agenda" if "議事" in text or "議題" in text else ("fields" if state == "title" else "other")
            continue
        if state == "title":
            if len(title_lines) < 3:
                title_lines.append(collapse_ws(text))
        elif state == "attendees":
            _attendee_line(meta["attendees"], text)
        elif state == "agenda":
            if _AGENDA_ITEM.match(text) or not meta["agenda"]:
                meta["agenda"].append(collapse_ws(text))
            else:
                meta["agenda"][-1] = join_pair(meta["agenda"][-1], collapse_ws(text))
    title = collapse_ws(" ".join(title_lines))
    meta["meeting_name"] = _TITLE_SUFFIX.sub("", title).strip() or title
    meta.setdefault("date", None)
    return title, meta


def _attendee_line(attendees: list[dict[str, Any]], text: str) -> None:
    att = parse_attendee(text)
    if att:
        attendees.append(att)
    elif attendees:
        _add_title(attendees[-1], collapse_ws(text))


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
    first = next((i for i, ln in enumerate(lines) if is_turn(ln.text)), len(lines))
    title, meta = parse_header(lines[:first])
    warnings: list[str] = []
    if first == len(lines):
        warnings.append("no speaker turns (lines starting with ○) found")
    turns: list[tuple[str, list[SrcLine]]] = []
    for ln in lines[first:]:
        m = TURN.match(ln.text)
        if m:
            body = (m.group(2) or "").strip()
            turns.append((m.group(1), [SrcLine(ln.page, body, False, False)] if body else []))
            turns[-1][1].append(SrcLine(ln.page, "", False, False))  # marks the label's page
        else:
            turns[-1][1].append(ln)
    records: list[Record] = []
    for n, (label, body) in enumerate(turns, start=1):
        pages = sorted({ln.page for ln in body})
        content = [ln for ln in body if ln.text]
        text, page_offsets = "", []
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


_TURN_LINE = re.compile(r"^[\s\u3000]*[○◯][^\s\u3000]{1,30}[\s\u3000]+\S", re.MULTILINE)
_MINUTES_WORDS = ("議事", "出席者")


def _detect(text: str) -> float:
    if _TURN_LINE.search(text) and any(w in text for w in _MINUTES_WORDS):
        return 0.9
    return 0.0


class Minutes(DocKind):
    """Meeting minutes: speaker turns with a header of date, place, attendees and agenda."""

    name = "minutes"
    description = "meeting minutes (議事録 / 議事要旨) with speaker turns"

    def detect_text(self, text: str) -> float:
        return _detect(text[:200_000])

    def detect_pdf(self, sample: PdfSample) -> float:
        return _detect(sample.text)

    def parse_text(self, raw: list[tuple[int, str]], doc_id: str) -> Parsed:
        return Parsed(*parse_minutes(to_src_lines(raw), doc_id))

    def parse_pdf(self, pdf: PdfDocument, doc_id: str) -> Parsed:
        title, records, meta, warnings = parse_minutes(pdf.text_lines(), doc_id)
        return Parsed(title, records, meta, pdf.warnings + warnings)


class SpeechRecord(RecordKind):
    """A speaker turn, cut at sentence ends; each passage cites the page its paragraph is on."""

    name = SPEECH
    label = "発言 / Statement"
    nouns = ("speech", "speeches")

    def passages(self, doc: Document, rec: Record) -> list[PassagePart]:
        who = rec.speaker or ""
        if rec.organization and rec.organization not in who:
            who = f"{who}（{rec.organization}）"
        return [PassagePart(None, rec.page_at(off), chunk, f"{who}の発言: {chunk}") for off, chunk in split_text(rec.text)]

    def title(self, rec: Record, doc_title: str = "", page: int | None = None) -> str:
        return f"{rec.speaker}の発言" if rec.speaker else "発言"

    def detail_fields(self, rec: Record) -> list[tuple[str, str]]:
        return [("発言", rec.text)]

    def outline(self, rec: Record) -> str:
        return f"○{rec.speaker} ({rec.organization or ''}): {rec.text[:80]}…"
