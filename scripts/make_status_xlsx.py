"""Write a measures status text export (tab-separated) as an Excel workbook, cell for cell.

Used to check that an .xlsx status table gives the same measures as its text export:
    python scripts/make_status_xlsx.py corpus/r7_kodoku_koritsu_measures_status.txt out.xlsx
Every line becomes a row (its title lines above the header included, so the header is not on
row 1); every tab-separated field a cell. No value is changed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from openpyxl import Workbook


def write_status_xlsx(text_path: Path, out: Path, sheet: str = "実施状況") -> int:
    """Write the workbook; returns the number of rows written."""
    text = text_path.read_text(encoding="utf-8-sig")
    wb = Workbook()
    ws = wb.active
    ws.title = sheet
    n = 0
    for n, line in enumerate(text.splitlines(), 1):
        for col, value in enumerate(line.split("\t"), 1):
            if value.strip():
                ws.cell(row=n, column=col, value=int(value) if value.isdigit() else value)
    wb.save(out)
    return n


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit("usage: make_status_xlsx.py STATUS.txt OUT.xlsx")
    rows = write_status_xlsx(Path(sys.argv[1]), Path(sys.argv[2]))
    print(f"{rows} rows written to {sys.argv[2]}", file=sys.stderr)
