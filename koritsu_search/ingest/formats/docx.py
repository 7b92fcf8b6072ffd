"""Word documents (.docx): body paragraphs as located lines, headings as Markdown, tables as grids."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .base import Extract, FormatError, Grid, GridCell, Line, Part
from .ooxml import OfficePackage, check_package

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
TITLE_MAX = 80

_HEADING_NAME = re.compile(r"^(?:heading|見出し)\s*([1-9１-９])$", re.IGNORECASE)
_TITLE_NAMES = frozenset({"title", "表題"})
_TOC_NAME = re.compile(r"^(?:toc|目次)\s*[1-9１-９]$", re.IGNORECASE)  # table-of-contents entries: headings again
_WIDE_DIGITS = str.maketrans("１２３４５６７８９", "123456789")
_FILE_LIKE = re.compile(r"(?:^Microsoft (?:Word|Office)\b)|(?:\.docx?$)", re.IGNORECASE)


def _attr(el: Any, child: str, name: str = "val") -> str | None:
    """The w:val (or another w: attribute) of el's first child `child`, if there is one."""
    if el is None:
        return None
    found = el.find(W + child)
    return None if found is None else found.get(W + name)


def _int(value: str | None, default: int) -> int:
    try:
        return int(value) if value is not None else default
    except ValueError:
        return default


# --- text of a paragraph ------------------------------------------------------------------------


def _runs_text(el: Any) -> str:
    """The text of el's runs in order: w:br and w:cr are newlines, w:tab a tab; deleted text, field
    codes, text boxes and the markup-compatibility fallback copies are left out."""
    out: list[str] = []

    def visit(node: Any) -> None:
        for child in node:
            tag = child.tag
            if tag == MC_FALLBACK or tag == W + "txbxContent" or tag == W + "del":
                continue
            if tag == W + "t":
                out.append(child.text or "")
            elif tag in (W + "br", W + "cr"):
                out.append("\n")
            elif tag == W + "tab":
                out.append("\t")
            elif tag == W + "noBreakHyphen":
                out.append("-")
            elif tag != W + "pPr":
                visit(child)

    visit(el)
    return "".join(out)


def _text_boxes(p: Any) -> list[Any]:
    """The paragraphs inside p's text boxes (the drawing's own copy, not the VML fallback)."""
    found: list[Any] = []
    for box in p.iter(W + "txbxContent"):
        if any(a.tag == MC_FALLBACK for a in box.iterancestors()):
            continue
        found.extend(box.iter(W + "p"))
    return found


def _clean(text: str) -> str:
    """A line as written: tabs become spaces, ASCII space runs close up; full-width spaces stay."""
    return re.sub(r"[ \t]+", " ", text).strip(" ")


# --- styles ---------------------------------------------------------------------------------------


@dataclass
class _Styles:
    """Paragraph style ids mapped to a heading level (0: body text), from names and outline levels."""

    levels: dict[str, int] = field(default_factory=dict)
    titles: set[str] = field(default_factory=set)
    toc: set[str] = field(default_factory=set)

    @classmethod
    def read(cls, document: Any) -> _Styles:
        names: dict[str, str] = {}
        based: dict[str, str] = {}
        outline: dict[str, int] = {}
        for st in document.styles.element.iter(W + "style"):
            sid = st.get(W + "styleId") or ""
            names[sid] = (_attr(st, "name") or "").strip()
            base = _attr(st, "basedOn")
            if base:
                based[sid] = base
            lvl = _attr(st.find(W + "pPr"), "outlineLvl")
            if lvl is not None:
                outline[sid] = _int(lvl, 9)
        out = cls()
        for sid, name in names.items():
            if _TOC_NAME.match(name):
                out.toc.add(sid)
            if name.lower() in _TITLE_NAMES:
                out.titles.add(sid)
                out.levels[sid] = 1
                continue
            m = _HEADING_NAME.match(name)
            if m:
                out.levels[sid] = int(m.group(1).translate(_WIDE_DIGITS))
                continue
            seen: set[str] = set()
            cur: str | None = sid
            while cur is not None and cur not in seen and cur not in outline:
                seen.add(cur)
                cur = based.get(cur)
            if cur is not None and cur in outline and outline[cur] < 9:
                out.levels[sid] = outline[cur] + 1
        return out

    def level(self, p: Any) -> tuple[int, bool]:
        """(heading level, or 0 for body text and -1 for a table-of-contents entry; is a Title paragraph)."""
        ppr = p.find(W + "pPr")
        own = _attr(ppr, "outlineLvl")
        sid = _attr(ppr, "pStyle") or ""
        if sid in self.toc:
            return -1, False
        if own is not None:
            lvl = _int(own, 9)
            return (lvl + 1 if lvl < 9 else 0), sid in self.titles
        return self.levels.get(sid, 0), sid in self.titles


# --- tables ---------------------------------------------------------------------------------------


def _children(el: Any, *tags: str) -> Iterator[Any]:
    """el's children with one of tags, looking through content controls (w:sdt) and custom XML."""
    for child in el:
        if child.tag in (W + "sdt", W + "customXml"):
            inner = child.find(W + "sdtContent") if child.tag == W + "sdt" else child
            if inner is not None:
                yield from _children(inner, *tags)
        elif child.tag in tags:
            yield child


def _flat_text(el: Any) -> list[str]:
    """The non-empty lines of a cell: its paragraphs, and a nested table's rows as cells joined by spaces."""
    lines: list[str] = []
    for child in _children(el, W + "p", W + "tbl"):
        if child.tag == W + "p":
            lines.extend(s for s in (_clean(x) for x in _runs_text(child).split("\n")) if s)
            continue
        for tr in _children(child, W + "tr"):
            cells = [" ".join(_flat_text(tc)) for tc in _children(tr, W + "tc")]
            row = " ".join(c for c in cells if c)
            if row:
                lines.append(row)
    return lines


def read_table(tbl: Any) -> tuple[int, int, list[GridCell]]:
    """(rows, columns, cells) of a w:tbl: gridSpan widens a cell, vMerge="continue" lengthens the
    cell above it, gridBefore skips leading grid columns."""
    cells: list[GridCell] = []
    slots: dict[tuple[int, int], GridCell] = {}
    ncols = 0
    rows = list(_children(tbl, W + "tr"))
    for r, tr in enumerate(rows):
        col = _int(_attr(tr.find(W + "trPr"), "gridBefore"), 0)
        for tc in _children(tr, W + "tc"):
            tcpr = tc.find(W + "tcPr")
            span = max(1, _int(_attr(tcpr, "gridSpan"), 1))
            vmerge = tcpr.find(W + "vMerge") if tcpr is not None else None
            above = slots.get((r - 1, col))
            if vmerge is not None and vmerge.get(W + "val") in (None, "continue") and above is not None:
                above.rspan = r - above.row + 1
                for c in range(col, col + span):
                    slots[(r, c)] = above
            else:
                cell = GridCell(r, col, "\n".join(_flat_text(tc)), 1, span)
                cells.append(cell)
                for c in range(col, col + span):
                    slots[(r, c)] = cell
            col += span
        ncols = max(ncols, col)
    return len(rows), ncols, cells


# --- the body ---------------------------------------------------------------------------------------


@dataclass
class _Walk:
    """The body read in order: lines and grids, the heading path in force, paragraph numbers."""

    styles: _Styles
    parts: list[Part] = field(default_factory=lambda: [Part()])
    path: list[tuple[int, str]] = field(default_factory=list)
    count: int = 0
    tables: int = 0
    title: str = ""
    first: str = ""

    def paragraph(self, p: Any) -> None:
        self.count += 1
        loc = f"¶{self.count}"
        level, is_title = self.styles.level(p)
        texts = [t for t in (_clean(x) for x in _runs_text(p).split("\n")) if t and level >= 0]
        lines = self.parts[-1].lines
        if level > 0 and texts:
            text = " ".join(texts)
            while self.path and self.path[-1][0] >= level:
                self.path.pop()
            self.path.append((level, text))
            lines.append(Line("#" * level + " " + text, loc))
            if not self.title and (is_title or level == 1):
                self.title = text
        else:
            lines.extend(Line(t, loc) for t in texts)
        if texts and not self.first:
            self.first = " ".join(texts)
        for box in _text_boxes(p):
            lines.extend(Line(t, loc) for t in (_clean(x) for x in _runs_text(box).split("\n")) if t)

    def table(self, tbl: Any) -> None:
        nrows, ncols, cells = read_table(tbl)
        if not any(c.text for c in cells):
            return
        self.tables += 1
        grid = Grid(nrows, ncols, cells, section=[t for _, t in self.path], name=f"表{self.tables}")
        self.parts.append(Part(grid=grid))
        self.parts.append(Part())


def _core_title(document: Any) -> str:
    try:
        title = (document.core_properties.title or "").strip()
    except (ValueError, KeyError, AttributeError):
        return ""
    return "" if _FILE_LIKE.search(title) else title


class Docx(OfficePackage):
    """A Word document: paragraphs ("¶N", N counting every body paragraph) and tables ("表N")."""

    name = "docx"
    suffixes = (".docx",)
    description = "Word documents (.docx): paragraphs, headings and tables"

    def read(self, data: bytes, max_bytes: int | None) -> Extract:
        check_package(data, max_bytes, "word/document.xml", ".docx")
        import docx  # python-docx: imported here so the other formats load without it

        try:
            document = docx.Document(io.BytesIO(data))
            body = document.element.body
            walk = _Walk(_Styles.read(document))
        except Exception as exc:  # python-docx raises KeyError, ValueError, lxml errors… on a damaged part
            raise FormatError(f"corrupt .docx file ({type(exc).__name__}: {exc})") from exc
        for el in _children(body, W + "p", W + "tbl"):
            if el.tag == W + "p":
                walk.paragraph(el)
            else:
                walk.table(el)
        parts = [p for p in walk.parts if p.lines or p.grid is not None]
        if not parts:
            raise FormatError("no text in the document")
        title = _core_title(document) or walk.title or walk.first[:TITLE_MAX]
        meta: dict[str, object] = {"paragraphs": walk.count, "tables": walk.tables}
        return Extract(title=title, parts=parts, pages=1, metadata=meta)
