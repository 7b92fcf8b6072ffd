"""Web pages (.html): the main content's headings, paragraphs and tables, without menus and footers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from .base import Extract, FormatError, Grid, GridCell, Line, Part, SourceFormat
from .html_decode import XML_DECL, decode

MIN_TEXT = 50  # fewer characters than this in the main content: not a document
DESCEND = 0.75  # the density rule goes into a child holding this share of its parent's text
KEEP_SHARE = 0.5  # an element holding this share of the page's text is never dropped by its name
NAMED_SHARE = 0.3  # a main-like id or class is the main content when it holds this share of the page's text
BREAK = "\x00"  # a <br> or a block boundary in raw_text (HTML text never holds NUL)

_DROP_TAGS = frozenset({"script", "style", "noscript", "template", "iframe", "nav", "aside", "object", "embed", "svg",
                        "canvas", "select", "button", "textarea", "dialog"})
_PAGE_LEVEL = frozenset({"header", "footer"})  # dropped unless inside an article, section or main
_IN_MAIN = ("article", "section", "main")
_DROP_ROLES = frozenset({"navigation", "banner", "contentinfo", "search", "complementary", "menu", "menubar"})
# id/class words (split at -, _ and spaces) that mark page furniture, and glued forms seen on Japanese sites.
_NAV_WORDS = frozenset({"nav", "navi", "navigation", "gnav", "lnav", "snav", "globalnav", "localnav", "menu", "banner",
                        "breadcrumb", "breadcrumbs", "pankuzu", "topicpath", "footer", "header", "sidebar", "side",
                        "skip", "sns", "share", "pagetop", "gnavi", "lnavi", "subnav"})
_NAV_GLUED = ("breadcrumb", "pankuzu", "topicpath", "pagetop", "sidebar", "gnav", "lnav", "globalmenu",
              "footer", "skiplink", "snsbtn", "sharebtn")
_MAIN_WORDS = frozenset({"main", "contents", "content", "honbun", "article", "maincontents", "maincontent", "tmpcontents",
                         "mainarea", "mainbody", "maincolumn", "primary"})
_HEADINGS = {f"h{i}": i for i in range(1, 7)}
_BLOCKS = frozenset({"p", "div", "section", "article", "main", "ul", "ol", "li", "dl", "dt", "dd", "blockquote", "pre",
                     "table", "address", "figure", "figcaption", "hr", "center", "details", "summary", "fieldset",
                     "form", "caption", "thead", "tbody", "tfoot", "tr", "header", "footer", "body", *_HEADINGS})
# What the density rule may go into: never a paragraph or a list, which would lose the headings beside it.
_CONTAINERS = frozenset({"div", "section", "article", "main", "table", "tbody", "tr", "td", "th", "center", "form"})
_ASCII_WS = re.compile(r"[ \t\n\r\f\v]+")
_BULLET = re.compile(r"^\u3000*(?:[・･●○〇◯◎■□◆◇▲△▼▽※＊*\-－•‣–—→➢➡▶►]|[0-9０-９]+[.．)）、]|[（(][0-9０-９一二三四五六七八九十]+[)）]"
                     r"|[①-⑳]|[一二三四五六七八九十]+[、．])")
_TITLE_SEPS = ("|", "｜", " - ", " – ", "：")
def _tag(el: Any) -> str:
    return el.tag.lower() if isinstance(el.tag, str) else ""


def _words(value: str) -> tuple[set[str], str]:
    """An id or class split into words at -, _ and spaces, and glued back together."""
    value = value.lower()
    return set(re.split(r"[\s_\-]+", value)) - {""}, re.sub(r"[\s_\-]+", "", value)


def _is_furniture(el: Any) -> bool:
    tag = _tag(el)
    if (tag in _DROP_TAGS or (el.get("role") or "").lower() in _DROP_ROLES or el.get("hidden") is not None
            or (el.get("aria-hidden") or "").lower() == "true"):
        return True
    if tag in _PAGE_LEVEL and not any(_tag(a) in _IN_MAIN for a in el.iterancestors()):
        return True
    words, glued = _words(f"{el.get('id') or ''} {el.get('class') or ''}")
    return bool(words & _NAV_WORDS) or any(g in glued for g in _NAV_GLUED)


def text_lengths(root: Any) -> dict[Any, tuple[int, int]]:
    """Each element's characters of text other than white space: (all, outside links)."""
    sizes: dict[Any, tuple[int, int]] = {}
    for el in reversed(list(root.iter())):  # children before their parents
        tag = _tag(el)
        if not tag or tag in ("script", "style"):
            sizes[el] = (0, 0)
            continue
        n = len(_ASCII_WS.sub("", el.text or ""))
        free = n
        for ch in el:
            tail = len(_ASCII_WS.sub("", ch.tail or ""))
            n += sizes[ch][0] + tail
            free += sizes[ch][1] + tail
        sizes[el] = (n, 0 if tag == "a" else free)
    return sizes


def drop_furniture(body: Any) -> None:
    """Remove menus, banners, footers and their kin; a wrapper holding most of the page stays."""
    sizes = text_lengths(body)
    doomed = []
    for el in body.iterdescendants():
        if not _tag(el) or not _is_furniture(el):
            continue
        named_only = _tag(el) not in _DROP_TAGS and _tag(el) not in _PAGE_LEVEL and not el.get("role")
        if named_only and (sizes[el][0] >= KEEP_SHARE * sizes[body][0]
                           or any(_tag(d) in ("main", "article") for d in el.iterdescendants())
                           or (any(_tag(a) in _IN_MAIN for a in el.iterancestors())  # an article's own header
                               and any(_tag(d) in _HEADINGS for d in el.iterdescendants()))):
            continue
        doomed.append(el)
    for el in doomed:
        el.drop_tree()



def choose_main(body: Any) -> Any:
    """<main>, [role=main], a single <article>, a main-like id or class, else the densest block."""
    sizes = text_lengths(body)

    def largest(found: list[Any]) -> Any:
        found = [e for e in found if sizes[e][0] >= MIN_TEXT]
        return max(found, key=lambda e: sizes[e][0]) if found else None

    articles = list(body.iter("article"))
    for pick in (largest(list(body.iter("main"))),
                 largest([e for e in body.iter() if (e.get("role") or "").lower() == "main"]),
                 largest(articles) if len(articles) == 1 else None):
        if pick is not None:
            return pick
    for attr in ("id", "class"):
        named = [e for e in body.iterdescendants() if _tag(e) in _BLOCKS
                 and (lambda w: bool(w[0] & _MAIN_WORDS) or w[1] in _MAIN_WORDS)(_words(e.get(attr) or ""))]
        pick = largest(named)
        if pick is not None and sizes[pick][0] >= NAMED_SHARE * sizes[body][0]:
            return pick
    el = body
    while True:
        kids = [k for k in el if _tag(k) in _CONTAINERS]
        best = max(kids, key=lambda k: sizes[k][1], default=None)
        if best is None or sizes[el][1] == 0 or sizes[best][1] < DESCEND * sizes[el][1]:
            return el
        el = best


def _title_before(main: Any) -> Any:
    """The page's h1 when it stands before the main element rather than in it (a title band)."""
    if main.find(".//h1") is not None:
        return None
    h1 = None
    for el in main.getroottree().getroot().iter():
        if el is main:
            return h1
        if _tag(el) == "h1" and flat_lines(el):
            h1 = el
    return None



def clean(text: str) -> str:
    """NBSP as a space, ASCII white space runs closed up; full-width spaces kept."""
    return _ASCII_WS.sub(" ", text.replace("\xa0", " ")).strip(" ")


def raw_text(el: Any) -> str:
    """el's text, with BREAK for <br> and around blocks, a space between table cells."""
    out: list[str] = []

    def visit(node: Any) -> None:
        out.append(node.text or "")
        for ch in node:
            tag = _tag(ch)
            if tag == "br" or tag in _BLOCKS:
                out.append(BREAK)
            elif tag in ("td", "th"):
                out.append(" ")
            if tag and tag not in ("script", "style"):
                visit(ch)
            if tag in _BLOCKS:
                out.append(BREAK)
            out.append(ch.tail or "")

    visit(el)
    return "".join(out)


def flat_lines(el: Any) -> list[str]:
    """el's text as non-empty lines (see raw_text)."""
    return [c for c in (clean(x) for x in raw_text(el).split(BREAK)) if c]


def _anchor_of(el: Any) -> str:
    name = el.get("id") or (el.get("name") if _tag(el) == "a" else None)
    return f"#{name.strip()}" if name and name.strip() else ""


def _rows(table: Any) -> Iterator[Any]:
    for ch in table:
        yield from (r for r in ([ch] if _tag(ch) == "tr" else ch if _tag(ch) in ("thead", "tbody", "tfoot") else [])
                    if _tag(r) == "tr")


def _span(el: Any, attr: str) -> int:
    value = (el.get(attr) or "1").strip()
    return min(max(1, int(value)), 1000) if value.isdigit() else 1


def read_table(table: Any) -> tuple[int, int, list[GridCell]]:
    """(rows, columns, cells) of a <table>: rowspan and colspan fill the slots they cover."""
    taken: set[tuple[int, int]] = set()
    cells: list[GridCell] = []
    nrows = 0
    for r, tr in enumerate(_rows(table)):
        col = 0
        for td in tr:
            if _tag(td) not in ("td", "th"):
                continue
            while (r, col) in taken:
                col += 1
            rs, cs = _span(td, "rowspan"), _span(td, "colspan")
            cells.append(GridCell(r, col, "\n".join(flat_lines(td)), rs, cs))
            taken.update((r + i, col + j) for i in range(rs) for j in range(cs))
            col += cs
        nrows = r + 1
    for c in cells:
        c.rspan = min(c.rspan, nrows - c.row)  # a rowspan past the last row ends there, as browsers draw it
    return nrows, max([0] + [c.col + c.cspan for c in cells]), cells


def _is_layout(table: Any) -> bool:
    """A table used to lay out the page: marked so, holding headings, or a single cell (a box)."""
    rows = list(_rows(table))
    return ((table.get("role") or "").lower() in ("presentation", "none")
            or any(_tag(d) in _HEADINGS for d in table.iterdescendants())
            or (len(rows) == 1 and len([c for c in rows[0] if _tag(c) in ("td", "th")]) == 1))


@dataclass
class Walk:
    """The main element read in document order into lines and grids."""

    parts: list[Part] = field(default_factory=lambda: [Part()])
    anchor: str = ""
    path: list[tuple[int, str]] = field(default_factory=list)
    bullet: bool = False
    tables: int = 0
    chars: int = 0

    def emit(self, text: str) -> None:
        for piece in text.split(BREAK):
            line = clean(piece)
            if not line:
                continue
            if self.bullet and not _BULLET.match(line):
                line = "・" + line
            self.bullet = False
            self.chars += len(line)
            self.parts[-1].lines.append(Line(line, self.anchor))

    def flow(self, el: Any) -> None:
        buf: list[str] = [el.text or ""]
        for ch in el:
            tag = _tag(ch)
            empty_anchor = tag == "a" and _anchor_of(ch) and not clean(ch.text_content())  # <a name="s2"></a>
            if tag in _BLOCKS or tag in ("td", "th") or empty_anchor:
                self.emit("".join(buf))
                buf = []
                self.block(ch, tag)
            elif tag == "br":
                buf.append(BREAK)
            elif tag:
                buf.append(raw_text(ch))
            buf.append(ch.tail or "")
        self.emit("".join(buf))

    def block(self, el: Any, tag: str) -> None:
        if tag in _HEADINGS:
            self.heading(el, _HEADINGS[tag])
            return
        if _anchor_of(el):
            self.anchor = _anchor_of(el)
        if tag == "table" and not _is_layout(el):
            self.table(el)
        elif tag == "pre":
            self.emit(el.text_content().replace("\n", BREAK))
        else:
            self.bullet = self.bullet or tag == "li"
            self.flow(el)
            self.bullet = self.bullet and tag != "li"

    def heading(self, el: Any, level: int) -> None:
        text = " ".join(flat_lines(el))
        if not text:
            return
        self.anchor = _anchor_of(el) or next((_anchor_of(a) for a in el.iter("a") if _anchor_of(a)), self.anchor)
        while self.path and self.path[-1][0] >= level:
            self.path.pop()
        self.path.append((level, text))
        self.chars += len(text)
        self.parts[-1].lines.append(Line("#" * level + " " + text, self.anchor))

    def table(self, el: Any) -> None:
        caption = el.find("caption")
        if caption is not None:
            self.emit(" ".join(flat_lines(caption)))
        nrows, ncols, cells = read_table(el)
        if not any(c.text for c in cells):
            return
        self.tables += 1
        self.chars += sum(len(c.text) for c in cells)
        grid = Grid(nrows, ncols, cells, section=[t for _, t in self.path], name=f"表{self.tables}")
        self.parts.extend([Part(grid=grid), Part()])



def page_title(title: str, h1: str) -> str:
    """<title> less a site name after the main h1 or after "|", "｜", " - " or "：", else the main h1."""
    title = clean(title)
    if h1 and title.startswith(h1) and (title == h1 or not title[len(h1)].isalnum()):
        return h1
    cut = min((i for i in (title.find(s) for s in _TITLE_SEPS) if i > 0), default=-1)
    return (title[:cut].strip() if cut > 0 else title) or h1


def _page_url(root: Any) -> str:
    found = root.xpath("//link[@rel='canonical']/@href") or root.xpath("//meta[@property='og:url']/@content")
    return str(found[0]).strip() if found else ""


def main_parts(body: Any) -> list[Part]:
    """The main content's lines and grids (none under MIN_TEXT characters); FormatError for a login form."""
    drop_furniture(body)
    main = choose_main(body)
    if any((i.get("type") or "").lower() == "password" for i in main.iter("input")):
        raise FormatError("a login page, not a document")
    sizes = text_lengths(main)
    for form in [f for f in main.iter("form") if f is not main and sizes[f][0] < KEEP_SHARE * sizes[main][0]]:
        form.drop_tree()  # a search box; a form wrapping the whole page (ASP.NET) stays
    walk = Walk(anchor=_anchor_of(main))
    h1 = _title_before(main)
    if h1 is not None:
        walk.heading(h1, 1)
    walk.flow(main)
    return [p for p in walk.parts if p.lines or p.grid is not None] if walk.chars >= MIN_TEXT else []


class Html(SourceFormat):
    """A web page: the main content's lines ("#anchor" of the heading above) and tables ("表N")."""

    name = "html"
    suffixes = (".html", ".htm")
    description = "Web pages (.html): the main content's headings, paragraphs and tables"

    def sniff(self, head: bytes, suffix: str) -> bool:
        start = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        return suffix in self.suffixes or start.startswith((b"<!doctype html", b"<html"))

    def read(self, data: bytes, max_bytes: int | None) -> Extract:
        import lxml.html  # imported here so the other formats load without lxml

        text, encoding, warnings = decode(data)
        if not text.strip():
            raise FormatError("an empty file")
        try:
            root = lxml.html.document_fromstring(XML_DECL.sub("", text, count=1).encode("utf-8"),
                                                 parser=lxml.html.HTMLParser(encoding="utf-8"))
        except (ValueError, lxml.etree.ParserError) as exc:
            raise FormatError(f"not a readable HTML page ({exc})") from exc
        body = root.find("body")
        parts = main_parts(body) if body is not None else []
        if not parts:
            raise FormatError("no main text found (the page may need JavaScript)")
        lines = [ln.text for p in parts for ln in p.lines]
        h1 = next((t[2:] for t in lines if t.startswith("# ")), "")
        title = page_title(root.findtext(".//title") or "", h1) or (lines[0].lstrip("# ")[:80] if lines else "")
        meta: dict[str, object] = {"encoding": encoding, "url": _page_url(root), "lang": root.get("lang") or ""}
        return Extract(title=title, parts=parts, pages=1, metadata=meta, warnings=warnings)
