"""Plan measure sheets (a 重点計画's 具体的施策): one sheet per 施策No. with what it commits to."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from ...models import MEASURE, Record
from ..lines import SrcLine, group_paragraphs, paragraph_text, to_src_lines
from ..ministries import split_ministries
from ..pdf import PdfDocument, PdfSample
from ..textnorm import collapse_ws, normalize_pdf_text
from .base import DocKind, Parsed, ParseFailure
from .status_cells import heading_level

# A sheet starts with "施策 No.１" (digits half- or full-width, space optional) alone on its line.
_SHEET = re.compile(r"^施策[\s\u3000]*[NＮ][oｏ][.．]?[\s\u3000]*([0-9０-９]{1,4})[\s\u3000]*$")
# A table-of-contents entry: "No.001:施策名【府省庁】 ..... 32" (may wrap over lines).
_TOC = re.compile(r"^[NＮ][oｏ][.．]?[\s\u3000]*([0-9０-９]{1,4})[\s\u3000]*[:：]")
# Leaders start a run (not inside one) and runs are possessive: a long run of dots or spaces
# with no page number after it was otherwise rescanned from each of its characters (quadratic).
_LEADERS = re.compile(r"(?:(?<![.．…‥･])[.．…‥･]++|(?<=】))[\s\u3000]*+([0-9０-９]{1,4})[\s\u3000]*+$")
_REPRINT = re.compile(r"[(（]再掲[)）]")
_REPRINT_REF = re.compile(r"[（(]前出.*[）)][\s\u3000]*$")  # search with _reprint_ref()
# The measure line: "● 施策名【府省庁、府省庁】" (the bracket may wrap onto the next line).
_BULLET = re.compile(r"^[●◆■◎][\s\u3000]*")
_MINISTRY_TAIL = re.compile(r"【([^【】]+)】[\s\u3000]*$")
# A field heading alone on its line: ＜現状＞, 【目標及び達成の期間】, <課題>, 〈…〉.
# Spaces are possessive ("[" and a long run of spaces was split every way before failing, quadratic);
# the second branch keeps the one match that needed backtracking: spaces only, e.g. "［  ］".
_HEADING = re.compile(
    r"^[＜<〈《【\[［](?:[\s\u3000]*+(?![＞>〉》】\]］])|[\s\u3000]*(?=[\s\u3000][＞>〉》】\]］]))"
    r"([^＜＞<>〈〉《》【】\[\]［］]{1,24}?)[\s\u3000]*+[＞>〉》】\]］]$"
)

OVERVIEW, GOAL, CURRENT, ISSUES, POLICY = "施策の概要", "目標及び達成の期間", "現状", "課題", "今後の取組方針"
PLAN_FIELDS = (OVERVIEW, GOAL, CURRENT, ISSUES, POLICY)
PROGRAMMES = "構成事業"  # the programmes a composite measure lists under its name
# Heading wording varies between sheets (目標及びその達成の期間, 今後の取組状況): match by stem.
_HEADING_STEMS = ((OVERVIEW, ("概要",)), (GOAL, ("目標",)), (CURRENT, ("現状",)), (ISSUES, ("課題",)),
                  (POLICY, ("今後の取組", "今後の方針", "取組方針")))


# A contents entry or section heading wraps over a few lines; past this many characters it has
# run on into other text (an entry without its page number): it stops growing there, as
# re-reading the whole growing entry at every line made a long run-on quadratic.
_WRAP_MAX = 1_000


def _reprint_ref(text: str) -> int | None:
    """Where _REPRINT_REF.search(text) would match (a trailing （前出…）), or None.

    The match must end the text, so nothing is searched unless the text ends in a closing
    bracket, and then only from the start of its last line: many （前出 with no closing bracket
    were otherwise each scanned to the end (quadratic).
    """
    body = text.rstrip()
    if not body.endswith(("）", ")")):
        return None
    m = _REPRINT_REF.search(text, text.rfind("\n", 0, len(body)) + 1)
    return m.start() if m else None


def field_for_heading(text: str) -> str | None:
    """The plan field a heading line opens (＜現状＞ → 現状), or None for any other line."""
    m = _HEADING.match(text.strip())
    if not m:
        return None
    inner = re.sub(r"[\s\u3000]+", "", m.group(1))
    for name, stems in _HEADING_STEMS:
        if any(s in inner for s in stems):
            return name
    return None


def sheet_number(text: str) -> int | None:
    """N for a sheet's first line "施策 No.N", else None."""
    m = _SHEET.match(text.strip())
    return int(unicodedata.normalize("NFKC", m.group(1))) if m else None


@dataclass
class TocEntry:
    """One line of the table of contents; a (再掲) entry points to a measure listed elsewhere."""

    no: int
    name: str
    ministries: list[str]
    section: list[str]
    page: int | None
    reprint: bool

    def to_dict(self) -> dict[str, object]:
        return dict(self.__dict__)


@dataclass
class _Sheet:
    no: int
    lines: list[SrcLine] = field(default_factory=list)


def _parse_toc(lines: list[SrcLine]) -> list[TocEntry]:
    entries: list[TocEntry] = []
    section: list[str] = []
    buf: list[str] = []

    def flush() -> None:
        if not buf:
            return
        text = normalize_pdf_text("".join(buf))
        buf.clear()
        m = _TOC.match(text)
        if not m:
            return
        no = int(unicodedata.normalize("NFKC", m.group(1)))
        rest = text[m.end():]
        page = None
        lm = _LEADERS.search(rest)
        if lm:
            page = int(unicodedata.normalize("NFKC", lm.group(1))) if lm.group(1) else None
            rest = rest[: lm.start()].rstrip(" \u3000.．…‥･")
        reprint = bool(_REPRINT.search(rest))
        rest = _REPRINT.sub("", rest)
        ref = _reprint_ref(rest)
        rest = (rest if ref is None else rest[:ref]).strip()
        mm = _MINISTRY_TAIL.search(rest)
        ministries = split_ministries(mm.group(1)) if mm else []
        name = rest[: mm.start()].strip() if mm else rest
        entries.append(TocEntry(no, name, ministries, list(section), page, reprint))

    open_heading = False  # the last line was a section heading (it may wrap onto this one)
    for ln in lines:
        text = ln.text
        level = heading_level(text)
        if _TOC.match(text) or buf:
            if _TOC.match(text):
                flush()
            buf.append(text)
            open_heading = False
            # An entry ends at its page number (leaders) or its cross-reference.
            joined = normalize_pdf_text("".join(buf))
            if _LEADERS.search(joined) or _reprint_ref(joined) is not None or len(joined) > _WRAP_MAX:
                flush()
        elif level is not None:
            section = [collapse_ws(text)] if level == 0 else [*section[:1], collapse_ws(text)]
            open_heading = True
        elif open_heading and section:
            section[-1] = normalize_pdf_text(section[-1] + text)
            open_heading = len(section[-1]) <= _WRAP_MAX
    flush()
    return entries


def _section_paths(lines: list[SrcLine]) -> list[list[str]]:
    """The section paths between "施策 No.N" and the ● line: （１）… / ①… lines, wraps rejoined."""
    # Each heading as the list of its lines, joined once at the end (not line by line: quadratic).
    paths: list[list[list[str]]] = []
    current: list[list[str]] = []
    for ln in lines:
        level = heading_level(ln.text)
        if level == 0:
            current = [[ln.text]]
            paths.append(current)
        elif level == 1:
            if current and len(current) == 2:
                current = [current[0]]
                paths.append(current)
            if not current:
                current = []
                paths.append(current)
            current.append([ln.text])
        elif current:
            current[-1].append(ln.text)  # a heading wrapped onto the next line
    return [[normalize_pdf_text("".join(s)) for s in p] for p in paths if p]


def _split_sheet(
    sheet: _Sheet, warnings: list[str]
) -> tuple[list[list[str]], str, str, str, dict[str, list[SrcLine]]]:
    lines = sheet.lines
    bullet = next((i for i, ln in enumerate(lines) if _BULLET.match(ln.text)), None)
    first_field = next((i for i, ln in enumerate(lines) if field_for_heading(ln.text)), len(lines))
    if bullet is None or bullet > first_field:
        warnings.append(f"施策No.{sheet.no}: no ● measure line before the first heading")
        bullet = first_field
    paths = _section_paths(lines[:bullet])
    # The measure line may wrap, and a composite measure lists its programmes below it, each
    # with its own ministries ("・補装具費支給制度【厚生労働省】").
    head_lines: list[str] = []
    part_lines: list[list[str]] = []  # each programme's lines, joined once below
    for ln in lines[bullet:first_field]:
        if ln.text.startswith(("・", "･")) or part_lines:
            if ln.text.startswith(("・", "･")) or not part_lines:
                part_lines.append([ln.text])
            else:
                part_lines[-1].append(ln.text)
        else:
            head_lines.append(ln.text)
    parts = ["".join(p) for p in part_lines]
    head = _BULLET.sub("", normalize_pdf_text("".join(head_lines)))
    mm = _MINISTRY_TAIL.search(head)
    name = head[: mm.start()].strip() if mm else head.strip()
    groups = [mm.group(1)] if mm else []
    for part in parts:
        groups += re.findall(r"【([^【】]+)】", part)
    ministry_text = "、".join(groups)
    programmes = "\n".join(normalize_pdf_text(p) for p in parts)
    fields: dict[str, list[SrcLine]] = {}
    current: str | None = None
    for ln in lines[first_field:]:
        opened = field_for_heading(ln.text)
        if opened:
            current = opened
            fields.setdefault(current, [])
            continue
        if current:
            fields[current].append(ln)
    return paths, name, ministry_text, programmes, fields


def _field_text(lines: list[SrcLine]) -> str:
    paras = [paragraph_text(g) for g in group_paragraphs(lines, use_gaps=False)]
    return "\n".join(p for p in paras if p)


def parse_sheets(lines: list[SrcLine], doc_id: str, labels: dict[int, int] | None = None) -> Parsed:
    """Sheets into measure records; the lines before the first sheet are the preamble and contents."""
    labels = labels or {}
    warnings: list[str] = []
    sheets: list[_Sheet] = []
    front: list[SrcLine] = []
    for ln in lines:
        no = sheet_number(ln.text)
        if no is not None:
            sheets.append(_Sheet(no, [ln]))
        elif sheets:
            sheets[-1].lines.append(ln)
        else:
            front.append(ln)
    if not sheets:
        raise ParseFailure("no measure sheets found (a line 施策 No.N followed by ＜施策の概要＞ …)")
    toc = _parse_toc(front)
    # Distinct section paths per measure, in order (dicts: a list looked through for each entry
    # was quadratic in the entries of one measure).
    toc_sections: dict[int, dict[tuple[str, ...], list[str]]] = {}
    for e in toc:
        if e.section:
            toc_sections.setdefault(e.no, {}).setdefault(tuple(e.section), e.section)
    records: list[Record] = []
    seen: set[int] = set()
    for sheet in sheets:
        if sheet.no in seen:
            warnings.append(f"施策No.{sheet.no} appears twice; the later sheet was dropped")
            continue
        seen.add(sheet.no)
        paths, name, ministry_text, programmes, by_field = _split_sheet(sheet, warnings)
        ends = {tuple(q[-1:]) for q in paths}
        for p in toc_sections.get(sheet.no, {}).values():
            if tuple(p[-1:]) not in ends:
                paths.append(p)
                ends.add(tuple(p[-1:]))
        fields = {"施策No.": str(sheet.no), "施策名": name}
        field_pages: dict[str, list[int]] = {"施策名": [sheet.lines[0].page]}
        for f in PLAN_FIELDS:
            body = by_field.get(f)
            if body is None:
                warnings.append(f"施策No.{sheet.no}: no ＜{f}＞ heading")
                continue
            fields[f] = _field_text(body)
            field_pages[f] = sorted({ln.page for ln in body}) or [sheet.lines[0].page]
        if programmes:
            fields[PROGRAMMES] = programmes
            field_pages[PROGRAMMES] = [sheet.lines[0].page]
        ministries = list(dict.fromkeys(split_ministries(ministry_text)))
        fields["担当府省庁"] = "、".join(ministries)
        if not ministries:
            warnings.append(f"施策No.{sheet.no}: no 【担当府省庁】 after the measure name")
        pages = sorted({ln.page for ln in sheet.lines})
        text = "\n".join(fields[c] for c in ("施策名", *PLAN_FIELDS) if fields.get(c))
        records.append(
            Record(
                record_id=f"{doc_id}#m{sheet.no}",
                kind=MEASURE,
                text=text,
                pages=pages,
                printed_pages=[labels[p] for p in pages if p in labels],
                measure_no=sheet.no,
                measure_name=name,
                section=[s for p in paths for s in p],
                ministries=ministries,
                fields=fields,
                field_pages=field_pages,
            )
        )
    _check_toc_pages(records, toc, warnings)
    title = collapse_ws(normalize_pdf_text(front[0].text)) if front else ""
    meta: dict[str, object] = {"toc": [e.to_dict() for e in toc]} if toc else {}
    return Parsed(title, records, meta, warnings)


def _check_toc_pages(records: list[Record], toc: list[TocEntry], warnings: list[str]) -> None:
    """Warn where the contents' page for a measure is not the printed page its sheet starts on."""
    start = {r.measure_no: r.printed_pages[0] for r in records if r.printed_pages}
    for e in toc:
        if not e.reprint and e.page is not None and e.no in start and start[e.no] != e.page:
            warnings.append(f"施策No.{e.no}: contents say p.{e.page}, the sheet starts on p.{start[e.no]}")


def _detect(text: str) -> float:
    lines = text.splitlines()
    sheets = sum(1 for line in lines if sheet_number(line) is not None)
    headings = sum(1 for line in lines if field_for_heading(line))
    if sheets and headings >= 3:
        return 0.95
    toc = sum(1 for line in lines if _TOC.match(line) and ("【" in line or _LEADERS.search(line)))
    return 0.9 if toc >= 3 else 0.0


class PlanSheets(DocKind):
    """A plan's measure sheets: 施策 No.N, section paths, ● name【府省庁】 and five headed fields."""

    name = "plan"
    aliases = ("plan_sheets",)
    link_order = 0
    description = "plan measure sheets (施策 No.N, ＜施策の概要＞, ＜現状＞, ＜課題＞, ＜今後の取組方針＞)"

    def detect_text(self, text: str) -> float:
        return _detect(text[:200_000])

    def detect_pdf(self, sample: PdfSample) -> float:
        return _detect(sample.text)

    def parse_text(self, raw: list[tuple[int, str]], doc_id: str) -> Parsed:
        return parse_sheets(to_src_lines(raw), doc_id)

    def parse_pdf(self, pdf: PdfDocument, doc_id: str) -> Parsed:
        lines = pdf.text_lines()
        return parse_sheets(lines, doc_id, pdf.page_labels)
