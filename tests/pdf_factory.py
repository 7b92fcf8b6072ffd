"""Builders for realistic test PDFs (reportlab, Japanese IPAex font) and broken variants."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Collection
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas as rl_canvas
from reportlab.platypus import PageBreak, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from koritsu_search.models import MEASURE_COLUMNS, Document

FONT_NAME = "IPAexGothic"
FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/usr/share/fonts/opentype/ipaexfont-mincho/ipaexm.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-mincho.ttf",
)
# Column widths (pt) of the landscape measures table; 785 pt fits A4 landscape with margins.
COL_WIDTHS = (26, 80, 125, 125, 125, 125, 110, 69)

PageLog = dict[Any, set[int]]


def japanese_font() -> Path | None:
    """Path of an installed Japanese TrueType font (IPAex), or None."""
    for cand in FONT_CANDIDATES:
        if Path(cand).is_file():
            return Path(cand)
    return None


def register_font() -> str:
    """Register the Japanese font with reportlab once and return its name."""
    if FONT_NAME not in pdfmetrics.getRegisteredFontNames():
        path = japanese_font()
        if path is None:
            raise FileNotFoundError("no Japanese TTF font (install fonts-ipaexfont)")
        pdfmetrics.registerFont(TTFont(FONT_NAME, str(path)))
    return FONT_NAME


class TrackedParagraph(Paragraph):
    """A Paragraph that records on which page each of its (split) parts is drawn."""

    def __init__(self, text: Any, style: Any = None, *args: Any, tag: Any = None, log: PageLog | None = None,
                 **kw: Any) -> None:
        super().__init__(text, style, *args, **kw)
        self._tag = tag
        self._log = log

    def split(self, availWidth: float, availHeight: float) -> list[Any]:
        parts = super().split(availWidth, availHeight)
        for part in parts:
            part._tag = self._tag
            part._log = self._log
        return parts

    def drawOn(self, canvas: Any, x: float, y: float, _sW: float = 0) -> None:
        bl = getattr(self, "blPara", None)
        if self._log is not None and self._tag is not None and (bl is None or getattr(bl, "lines", [1])):
            self._log.setdefault(self._tag, set()).add(canvas.getPageNumber())
        super().drawOn(canvas, x, y, _sW)


def _footer(blank_pages: Collection[int] = frozenset()) -> Any:
    def draw(canvas: Any, doc: Any) -> None:
        page = canvas.getPageNumber()
        if page in blank_pages:
            return
        canvas.saveState()
        canvas.setFont(FONT_NAME, 9)
        canvas.drawCentredString(doc.pagesize[0] / 2, 18, str(page))
        canvas.restoreState()

    return draw


def _style(size: float, leading: float, **kw: Any) -> ParagraphStyle:
    kw.setdefault("alignment", TA_LEFT)
    return ParagraphStyle(f"jp{size}", fontName=register_font(), fontSize=size, leading=leading,
                          wordWrap="CJK", **kw)


def build_measures_pdf(path: Path, doc: Document) -> PageLog:
    """Write doc's measures as a ruled landscape table; return {(no, column): pages drawn on}.

    The header row repeats on every page, section rows span the table, long rows split across
    page breaks (splitInRow), and the page number is printed in the footer.
    """
    font = register_font()
    log: PageLog = {}
    cell = _style(6.5, 8)
    head = _style(7, 9)
    title_style = _style(11, 15)
    header = [Paragraph(escape(c), head) for c in MEASURE_COLUMNS]
    data: list[list[Any]] = [header]
    style: list[tuple] = [
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
        ("FONT", (0, 0), (-1, -1), font, 6.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 2),
        ("RIGHTPADDING", (0, 0), (-1, -1), 2),
    ]
    section: list[str] = []
    for rec in doc.records:
        for level, heading in enumerate(rec.section):
            if level < len(section) and section[level] == heading:
                continue
            data.append([Paragraph(escape(heading), head)] + [""] * 7)
            row = len(data) - 1
            style += [("SPAN", (0, row), (-1, row)), ("BACKGROUND", (0, row), (-1, row), colors.whitesmoke)]
        section = list(rec.section)
        row_cells: list[Any] = []
        for col in MEASURE_COLUMNS:
            text = rec.fields.get(col, "")
            if text:
                row_cells.append(TrackedParagraph(escape(text), cell, tag=(rec.measure_no, col), log=log))
            else:
                row_cells.append("")
        data.append(row_cells)
    table = Table(data, colWidths=COL_WIDTHS, repeatRows=1, splitInRow=1, style=TableStyle(style))
    # Title block as published: plan name + decision note on one line, the subtitle below.
    head_line, _, subtitle = doc.title.partition("」「")
    lines = [head_line + ("」" if subtitle else "") + doc.metadata.get("title_note", "")]
    if subtitle:
        lines.append("「" + subtitle)
    story: list[Any] = [Paragraph(escape(line), title_style) for line in lines]
    story += [Spacer(1, 6), table]
    pdf = SimpleDocTemplate(str(path), pagesize=landscape(A4), leftMargin=28, rightMargin=28,
                            topMargin=28, bottomMargin=36, title="measures")
    pdf.build(story, onFirstPage=_footer(), onLaterPages=_footer())
    return log


def build_minutes_pdf(path: Path, doc: Document, blank_pages: Collection[int] = frozenset()) -> PageLog:
    """Write minutes (header block + ○ turns as indented wrapped paragraphs) on portrait A4.

    Returns {turn number: pages drawn on}. Pages in blank_pages are left empty (no footer).
    """
    register_font()
    log: PageLog = {}
    body = _style(10.5, 17, firstLineIndent=10.5)
    first = _style(10.5, 17)
    title = _style(14, 20, alignment=1)
    meta = doc.metadata
    story: list[Any] = [Paragraph(escape(meta["meeting_name"]), title), Paragraph("議事要旨", title),
                        Spacer(1, 8), Paragraph("（開催要領）", first)]
    when = f"１．開催日時：{_date_ja(meta['date'])}{meta.get('time', '')}"
    story += [Paragraph(escape(when), first), Paragraph(escape(f"２．場　所：{meta.get('place', '')}"), first),
              Paragraph("３．出席者：", first)]
    for att in meta["attendees"]:
        line = f"{att['name']}　{att['title']}{'【代理出席】' if att['proxy'] else ''}"
        story.append(Paragraph(escape(line), _style(10.5, 17, leftIndent=21)))
    story.append(Paragraph("（議事次第）", first))
    story += [Paragraph(escape(item), first) for item in meta["agenda"]]
    story.append(PageBreak())
    for n, rec in enumerate(doc.records, start=1):
        paras = rec.text.split("\n")
        story.append(TrackedParagraph(escape(f"○{rec.speaker}　{paras[0]}"), first, tag=n, log=log))
        for para in paras[1:]:
            story.append(TrackedParagraph(escape(para), body, tag=n, log=log))
    pdf = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=60, rightMargin=60, topMargin=60,
                            bottomMargin=60, title="minutes")
    pdf.build(story, onFirstPage=_footer(blank_pages), onLaterPages=_footer(blank_pages))
    return log


def _date_ja(iso: str) -> str:
    y, m, d = (int(x) for x in iso.split("-"))
    return f"令和{y - 2018}年{m}月{d}日"


def build_generic_pdf(path: Path, paragraphs: list[str], blank_after: int | None = None) -> PageLog:
    """Write plain paragraphs, one page each group of five; optionally an empty page after page N.

    Returns {paragraph index: pages drawn on}.
    """
    register_font()
    log: PageLog = {}
    body = _style(10.5, 16, firstLineIndent=10.5, spaceAfter=8)
    story: list[Any] = []
    blank: set[int] = set()
    page = 1
    for i, para in enumerate(paragraphs):
        story.append(TrackedParagraph(escape(para), body, tag=i, log=log))
        if i % 5 == 4 and i + 1 < len(paragraphs):
            story.append(PageBreak())
            page += 1
            if blank_after is not None and page - 1 == blank_after:
                story += [Spacer(1, 1), PageBreak()]
                blank.add(page)
                page += 1
    pdf = SimpleDocTemplate(str(path), pagesize=A4, leftMargin=60, rightMargin=60, topMargin=60,
                            bottomMargin=60, title="generic")
    pdf.build(story, onFirstPage=_footer(blank), onLaterPages=_footer(blank))
    return log


def build_image_only_pdf(path: Path, source_pdf: Path | None = None) -> None:
    """A one-page 'scan': a raster image (page 1 of source_pdf rendered by pdftoppm when
    available, else a drawn bitmap) and no text layer at all."""
    png = path.with_suffix(".png")
    if source_pdf is not None and shutil.which("pdftoppm"):
        stem = path.with_suffix("")
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(source_pdf),
                        str(stem)], check=True, capture_output=True)
    else:
        from PIL import Image, ImageDraw

        img = Image.new("L", (600, 850), 255)
        draw = ImageDraw.Draw(img)
        for y in range(80, 800, 24):
            draw.rectangle((60, y, 60 + (y * 7) % 480, y + 10), fill=0)
        img.save(png)
    c = rl_canvas.Canvas(str(path), pagesize=A4)
    c.drawImage(str(png), 0, 0, width=A4[0], height=A4[1])
    c.showPage()
    c.save()
    png.unlink()


def encrypt_pdf(src: Path, dst: Path, user: str, owner: str = "owner-pw") -> None:
    """AES-256 encrypt src into dst with qpdf (or pypdf when qpdf is missing)."""
    if shutil.which("qpdf"):
        subprocess.run(["qpdf", "--encrypt", user, owner, "256", "--", str(src), str(dst)], check=True,
                       capture_output=True)
        return
    from pypdf import PdfReader, PdfWriter  # pragma: no cover - fallback

    writer = PdfWriter(clone_from=PdfReader(str(src)))
    writer.encrypt(user_password=user, owner_password=owner, algorithm="AES-256")
    with open(dst, "wb") as fh:
        writer.write(fh)


_CACHE: dict[str, tuple[Path, Any]] = {}


def cached(name: str, directory: Path, build: Any) -> tuple[Path, Any]:
    """Build a test PDF once per test session (shared by all test modules): (path, build result)."""
    if name not in _CACHE or not _CACHE[name][0].exists():
        path = directory / name
        _CACHE[name] = (path, build(path))
    return _CACHE[name]
