"""The indexed source files, read-only, so that a citation opens its document at the cited page.

Only files the index holds are reachable, and only by document id: a path in a request is
never joined to the file system. PDFs are sent as they are (the browser's viewer honours
``#page=N``); text files are shown as numbered lines with an anchor per line (``#L57``), every
line escaped.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from ..ingest.lines import decode_text
from .assets import asset

if TYPE_CHECKING:
    from starlette.responses import Response

    from ..library import Index

ROUTE = "/source"


def source_path(index: Index, doc_id: str) -> Path | None:
    """The file a document was indexed from, if it still exists (relative paths are tried
    against the working directory, then the folder holding the index folder's parent)."""
    found = index.doc_source(doc_id)
    if found is None:
        return None
    p = Path(found[0])
    candidates = [p] if p.is_absolute() else [Path.cwd() / p, index.path.resolve().parent.parent / p]
    for c in candidates:
        if c.is_file():
            return c
    return None


def source_url(doc_id: str, page: int | None = None, line: int | None = None, locator: str | None = None) -> str:
    """The app-relative link of a document at a PDF page, a text line, or a located place (sheet cells,
    Word paragraph, HTML anchor)."""
    url = f"{ROUTE}/{quote(doc_id, safe='')}"
    if locator:
        return f"{url}#{quote(locator, safe='')}"
    if page is not None:
        return f"{url}#page={page}"
    if line is not None:
        return f"{url}#L{line}"
    return url


def source_response(index: Index, doc_id: str) -> Response | None:
    """The indexed file of a document as the app serves it (a PDF as it is, other files as escaped
    lines), or None when the index has no such document or its file is gone."""
    from fastapi.responses import FileResponse, HTMLResponse

    path = source_path(index, doc_id)
    if path is None:
        return None
    headers = {"X-Content-Type-Options": "nosniff", "Cache-Control": "no-store"}
    if is_pdf(path):
        # The browser's PDF viewer is a plugin: the app's CSP (object-src 'none') would block it.
        headers["Content-Security-Policy"] = "frame-ancestors 'none'"
        return FileResponse(path, media_type="application/pdf", headers=headers,
                            content_disposition_type="inline", filename=path.name)
    title = index.doc_titles.get(doc_id, doc_id)
    if structured_format(path) is not None:
        return HTMLResponse(render_structured_source(path, title), headers=headers)
    return HTMLResponse(render_text_source(path, title), headers=headers)


def is_pdf(path: Path) -> bool:
    with open(path, "rb") as fh:
        return fh.read(1024).lstrip().startswith(b"%PDF")




MAX_HEADER_CELL = 40  # a header cell is a short label


def table_header(lines: list[str]) -> tuple[int, list[str]] | None:
    """A tab-separated table in a text file: (line index, column names) of its header, or None.

    The header is the first line of the most common width (3 or more cells) whose cells are all
    short and non-empty; the rows below it of that width (or one less) are labelled by it."""
    widths: dict[int, int] = {}
    for line in lines:
        n = line.count("\t") + 1
        if n >= 3:
            widths[n] = widths.get(n, 0) + 1
    if not widths:
        return None
    width = max(widths, key=lambda n: (widths[n], n))
    if widths[width] < 2:
        return None
    for i, line in enumerate(lines):
        cells = [c.strip() for c in line.split("\t")]
        if len(cells) == width and all(0 < len(c) <= MAX_HEADER_CELL for c in cells):
            return i, cells
    return None


def _row(n: int, line: str, header: list[str] | None) -> str:
    """One numbered line: labelled fields when it is a row of the table, else the line as it is."""
    anchor = f'<li id="L{n}"><a href="#L{n}">{n}</a>'
    cells = line.split("\t")
    filled = [c for c in cells if c.strip()]
    if header is None or len(cells) not in (len(header), len(header) - 1) or len(filled) < 2:
        return f"{anchor}<span>{html.escape(line.replace(chr(9), '  ').rstrip())}</span></li>"
    fields = "".join(f"<dt>{html.escape(name)}</dt><dd>{html.escape(cell.strip())}</dd>"
                     for name, cell in zip(header, cells, strict=False) if cell.strip())
    return f'{anchor}<dl class="row">{fields}</dl></li>'


def render_text_source(path: Path, title: str) -> str:
    """A text source as an HTML page of numbered, individually addressable, escaped lines; a
    tab-separated table's rows as fields labelled with its column names."""
    text = decode_text(path.read_bytes(), str(path))
    lines = text.replace("\r\n", "\n").replace("\r", "\n").replace("\f", "\n").split("\n")
    found = table_header(lines)
    header_at, header = found if found is not None else (-1, None)
    rows = "".join(_row(n, line, header if n - 1 > header_at else None) for n, line in enumerate(lines, 1))
    return (
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{asset('source.css')}</style></head><body>"
        f"<header><h1>{html.escape(title)}</h1><p>{html.escape(path.name)}（索引に登録された原文・読み取り専用）</p></header>"
        f"<ol>{rows}</ol></body></html>"
    )


def structured_format(path: Path) -> object | None:
    """The structured format (Excel, Word, HTML) a source is read in, or None (PDF, text)."""
    from ..ingest.formats import format_for

    with open(path, "rb") as fh:
        head = fh.read(1024)
    return format_for(head, path.suffix.lower())


def render_structured_source(path: Path, title: str) -> str:
    """An Excel, Word or HTML source as the lines it was indexed from, each addressable by its locator
    (``#名簿!A5:D5``, ``#¶12``, ``#soudan``) and escaped: never the file's own markup."""
    from ..ingest.formats import format_for

    data = path.read_bytes()
    fmt = format_for(data[:1024], path.suffix.lower())
    lines = [ln for part in fmt.read(data, None).parts for ln in part.lines] if fmt is not None else []
    seen: set[str] = set()
    items = []
    for ln in lines:
        anchor = ""
        if ln.locator and ln.locator not in seen:
            seen.add(ln.locator)
            anchor = f' id="{html.escape(ln.locator)}"'
        where = f"<small>{html.escape(ln.locator)}</small> " if ln.locator else ""
        items.append(f"<li{anchor}>{where}<span>{html.escape(ln.text.replace(chr(9), '  '))}</span></li>")
    return (
        '<!DOCTYPE html><html lang="ja"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{asset('source.css')}</style></head><body>"
        f"<header><h1>{html.escape(title)}</h1><p>{html.escape(path.name)}（索引に登録された原文の文字・読み取り専用）</p></header>"
        f"<ol>{''.join(items)}</ol></body></html>"
    )

