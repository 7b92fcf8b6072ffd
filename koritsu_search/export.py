"""Research-ready exports of answers and hits: CSV and XLSX (one row per citation, Excel-safe) and JSON Lines."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from . import __version__
from .listing import BANDS_JA, kind_label
from .models import Answer, AnswerItem, Citation, Filters, Hit

CSV_COLUMNS: tuple[str, ...] = (
    "順位", "信頼度", "信頼度区分", "種類", "施策No.", "施策名・タイトル", "府省庁", "関連URL",
    "文書", "版", "ページ", "PDFページ", "行", "項目", "発言者", "引用", "文書ファイル",
)
HIT_COLUMNS: tuple[str, ...] = (
    "順位", "スコア", "種類", "施策No.", "施策名・タイトル", "府省庁", "文書", "ページ", "PDFページ",
    "項目", "発言者", "本文", "関連URL", "文書ファイル",
)
# Cells starting with these are read as formulas by spreadsheets (OWASP CSV injection).
CSV_RISKY = ("=", "+", "-", "@", "\t", "\r")

Output = str | Path | IO[str]


def csv_cell(value: object) -> object:
    """A cell value safe to open in a spreadsheet: text that could start a formula gets a leading '."""
    if isinstance(value, str) and value.startswith(CSV_RISKY):
        return "'" + value
    return value


def export_meta(answer: Answer, index_dir: str | Path, model_id: str) -> dict[str, Any]:
    """What an export was made from: query, filters, index, model, counts and time (ISO 8601)."""
    total = max(answer.total, len(answer.items))
    return {
        "query": answer.question,
        "filters": _filters(answer.filters),
        "implied_ministries": list(answer.implied_ministries),
        "index": str(index_dir),
        "model_id": model_id,
        "total": total,
        "items": len(answer.items),
        "complete": len(answer.items) + answer.folded_low >= total,
        "folded_low": answer.folded_low,
        "confident": answer.confident,
        "exported_at": datetime.now().astimezone().isoformat(timespec="seconds"),
        "tool": f"koritsu-search {__version__}",
    }


def meta_line(meta: dict[str, Any]) -> str:
    """The metadata as one '#' line for the top of a CSV: no commas, tabs or line breaks in it.

    Commas become full-width (，) so that a spreadsheet keeps the whole line in the first cell.
    """
    filters = meta.get("filters") or {}
    shown = " ".join(f"{k}={'|'.join(v)}" for k, v in filters.items() if v) or "none"
    parts = [
        f"query: {meta.get('query', '')}",
        f"filters: {shown}",
        f"index: {meta.get('index', '')}",
        f"model: {meta.get('model_id', '')}",
        f"total: {meta.get('total', '')}",
        f"exported: {meta.get('exported_at', '')}",
    ]
    if meta.get("implied_ministries"):
        parts.insert(2, f"boosted: {'|'.join(meta['implied_ministries'])}")
    if meta.get("confident") is False:
        parts.append("no confident match")
    elif meta.get("complete") is False:
        parts.append(f"first {meta.get('items')} only")
    if meta.get("folded_low"):
        parts.append(f"{meta['folded_low']} low-relevance items left out (--include-low)")
    text = " | ".join(["# koritsu-search export", *parts])
    for old, new in (("\r\n", " "), ("\n", " "), ("\r", " "), ("\t", " "), (",", "，")):
        text = text.replace(old, new)
    return text


def answer_rows(answer: Answer, order: Sequence[AnswerItem] | None = None) -> Iterator[list[object]]:
    """One row per citation of every item (item columns repeated); an item without citations gets one row.

    Rows follow `order` (default: the answer's ranking); 順位 is always the item's rank in the answer.
    """
    rank = {id(item): n for n, item in enumerate(answer.items, 1)}
    for item in order if order is not None else answer.items:
        head: list[object] = [
            rank.get(id(item), ""),
            f"{item.confidence:.3f}" if item.confidence is not None else "",
            BANDS_JA.get(item.band or "", item.band or ""),
            kind_label(item.kind),
            item.measure_no if item.measure_no is not None else "",
            item.measure_name or item.title,
            "・".join(item.ministries),
            " ".join(_urls(item)),
        ]
        for c in item.citations or [None]:  # type: ignore[list-item]
            yield head + _citation_cells(c)


def write_csv(answer: Answer, out: Output, order: Sequence[AnswerItem] | None = None) -> None:
    """Write every item of the answer as CSV (UTF-8 with BOM): the header row first, then the rows.
    What the export was made from (export_meta) goes to the XLSX's own sheet and the JSON Lines' first
    line: a line above the header would push it to a spreadsheet's second row."""
    with _text_out(out) as fh:
        w = csv.writer(fh)
        w.writerow(CSV_COLUMNS)
        for row in answer_rows(answer, order):
            w.writerow([csv_cell(v) for v in row])


XLSX_SHEET = "結果"
XLSX_META_SHEET = "メタデータ"
META_LABELS = {"query": "質問 / query", "filters": "絞り込み / filters", "implied_ministries": "質問が指す府省庁 / boosted",
               "index": "索引 / index", "model_id": "モデル / model", "total": "該当件数 / total",
               "items": "出力件数 / items", "complete": "全件 / complete", "folded_low": "省いた低関連 / low left out",
               "confident": "確信あり / confident", "exported_at": "出力日時 / exported", "tool": "ツール / tool",
               "sort": "並び順 / sort"}


def write_xlsx(answer: Answer, out: str | Path | IO[bytes], meta: dict[str, Any],
               order: Sequence[AnswerItem] | None = None) -> None:
    """Write the answer as an Excel workbook: the CSV's header and rows on one sheet (header frozen,
    filters on), what it was made from on a second."""
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = XLSX_SHEET
    ws.append(list(CSV_COLUMNS))
    for row in answer_rows(answer, order):
        ws.append([_xlsx_cell(v) for v in row])
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = ws.dimensions
    for letter, width in zip("ABCDEFGHIJKLMNOPQ", (6, 8, 8, 10, 8, 40, 20, 30, 30, 10, 8, 8, 6, 12, 14, 60, 30), strict=True):
        ws.column_dimensions[letter].width = width
    ms = wb.create_sheet(XLSX_META_SHEET)
    for key, value in meta.items():
        if isinstance(value, dict):
            value = " ".join(f"{k}={'|'.join(v)}" for k, v in value.items() if v)
        elif isinstance(value, list):
            value = "・".join(str(v) for v in value)
        ms.append([META_LABELS.get(key, key), _xlsx_cell(value)])
    ms.column_dimensions["A"].width = 28
    ms.column_dimensions["B"].width = 80
    wb.save(out)


def _xlsx_cell(value: object) -> object:
    """Text that a spreadsheet would read as a formula is kept as text (openpyxl stores '=…' as one)."""
    return csv_cell(value) if isinstance(value, str) else value


def write_jsonl(answer: Answer, out: Output, meta: dict[str, Any], order: Sequence[AnswerItem] | None = None) -> None:
    """Write {"meta": …} then one JSON object per item (its to_dict() with "rank"), one per line."""
    rank = {id(item): n for n, item in enumerate(answer.items, 1)}
    with _text_out(out, bom=False) as fh:
        fh.write(json.dumps({"meta": meta}, ensure_ascii=False) + "\n")
        for item in order if order is not None else answer.items:
            fh.write(json.dumps({"rank": rank.get(id(item)), **item.to_dict()}, ensure_ascii=False) + "\n")


def hit_rows(hits: Sequence[Hit]) -> Iterator[list[object]]:
    """One row per hit, in rank order."""
    for n, h in enumerate(hits, 1):
        yield [
            n, f"{h.score:.4f}", kind_label(h.kind), h.measure_no if h.measure_no is not None else "",
            h.measure_name or h.speaker or h.doc_title, "・".join(h.ministries), h.doc_title,
            _page(h.printed_page, h.page), _blank(h.page), h.field or "", h.speaker or "", h.text,
            h.url or "", h.source,
        ]


def write_hits_csv(hits: Sequence[Hit], out: Output) -> None:
    """Write search hits as CSV (UTF-8 with BOM): Japanese headers, one row per hit."""
    with _text_out(out) as fh:
        w = csv.writer(fh)
        w.writerow(HIT_COLUMNS)
        for row in hit_rows(hits):
            w.writerow([csv_cell(v) for v in row])


def write_hits_jsonl(hits: Sequence[Hit], out: Output) -> None:
    """Write one hit dict per line."""
    with _text_out(out, bom=False) as fh:
        for h in hits:
            fh.write(json.dumps(h.to_dict(), ensure_ascii=False) + "\n")


def _citation_cells(c: Citation | None) -> list[object]:
    if c is None:
        return ["", "", "", "", "", "", "", "", ""]
    return [
        c.doc_title, c.edition or "", _page(c.printed_page, c.page), _blank(c.page), _blank(c.line), c.field or "",
        c.speaker or "", c.quote, c.source,
    ]


def _urls(item: AnswerItem) -> list[str]:
    urls = list(item.urls)
    if item.url and item.url not in urls:
        urls.insert(0, item.url)
    return urls


def _page(printed: int | None, page: int | None) -> object:
    """The page people cite: the printed page number when there is one, else the page index."""
    return printed if printed is not None else _blank(page)


def _blank(value: int | None) -> object:
    return value if value is not None else ""


def _filters(filters: Filters | None) -> dict[str, list[str]]:
    return {k: list(v) for k, v in asdict(filters).items()} if filters is not None else {}


@contextmanager
def _text_out(out: Output, bom: bool = True) -> Iterator[IO[str]]:
    """A text stream to write to: a file opened (and closed) here, or the stream given (BOM first)."""
    if isinstance(out, (str, Path)):
        with open(out, "w", encoding="utf-8-sig" if bom else "utf-8", newline="") as fh:
            yield fh
        return
    if bom and (getattr(out, "encoding", None) or "").lower().replace("_", "-") != "utf-8-sig":
        out.write("\ufeff")
    yield out
