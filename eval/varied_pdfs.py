"""Build a folder of 20+ varied PDFs from the real government PDFs on hand, then parse or index it.

Page ranges cut with qpdf (contents only, sheets only, a single page, a table section), a scan
made from a real text page (pdftoppm → image-only PDF), an encrypted copy, a truncated copy,
a text file named .pdf and an empty file stand beside the real PDFs. Prints, per file, the kind
and record counts or the reason it was skipped.

    python eval/varied_pdfs.py DIR [--realdocs PATH] [--index INDEX_DIR]
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = [ROOT / "corpus" / "juten_keikaku_R7kaitei_gutaiteki_shisaku.pdf", ROOT / "corpus" / "juten_keikaku_R7kaitei_honbun.pdf",
        *sorted((ROOT / "tests" / "data" / "realdocs").glob("*.pdf"))]
CUTS = {  # name: (source stem, qpdf page range)
    "plan_contents_only": ("juten_keikaku_R7kaitei_gutaiteki_shisaku", "1-8"),
    "plan_sheets_9_30": ("juten_keikaku_R7kaitei_gutaiteki_shisaku", "9-30"),
    "plan_one_sheet": ("juten_keikaku_R7kaitei_gutaiteki_shisaku", "40"),
    "plan_last_sheets": ("juten_keikaku_R7kaitei_gutaiteki_shisaku", "160-z"),
    "honbun_first_pages": ("juten_keikaku_R7kaitei_honbun", "1-6"),
    "honbun_rest": ("juten_keikaku_R7kaitei_honbun", "7-z"),
    "minutes_first_half": ("shohisha_kyoiku_suishin_kaigi25_gijiroku", "1-16"),
    "minutes_second_half": ("shohisha_kyoiku_suishin_kaigi25_gijiroku", "17-z"),
    "mhlw_prose_pages": ("mhlw_saibo_sakusei_yoryo_tables", "1-10"),
    "mhlw_table_pages": ("mhlw_saibo_sakusei_yoryo_tables", "12-20"),
    "mhlw_single_table_page": ("mhlw_saibo_sakusei_yoryo_tables", "14"),
    "scan_two_pages": ("mhlw_scanned_no_text_layer", "1-2"),
}


def build(folder: Path) -> list[Path]:
    """Write the varied PDFs into folder; return them."""
    folder.mkdir(parents=True, exist_ok=True)
    by_stem = {p.stem: p for p in REAL}
    out = []
    for p in REAL:
        out.append(Path(shutil.copy(p, folder / p.name)))
    for name, (stem, pages) in CUTS.items():
        dst = folder / f"{name}.pdf"
        subprocess.run(["qpdf", str(by_stem[stem]), "--pages", str(by_stem[stem]), pages, "--", str(dst)], check=True)
        out.append(dst)
    # A scan made from a real text page: render, then wrap the image as an image-only PDF.
    from PIL import Image

    png = folder / "_minutes_p3"
    subprocess.run(["pdftoppm", "-r", "200", "-f", "3", "-l", "3", "-png", "-singlefile",
                    str(by_stem["shohisha_kyoiku_suishin_kaigi25_gijiroku"]), str(png)], check=True)
    img = Image.open(f"{png}.png").convert("RGB")
    img.save(folder / "minutes_page_scanned.pdf", "PDF", resolution=200)
    Path(f"{png}.png").unlink()
    out.append(folder / "minutes_page_scanned.pdf")
    enc = folder / "honbun_encrypted.pdf"
    subprocess.run(["qpdf", "--encrypt", "secret", "secret", "256", "--", str(by_stem["juten_keikaku_R7kaitei_honbun"]), str(enc)],
                   check=True)
    out.append(enc)
    data = by_stem["shohisha_kyoiku_suishin_kaigi25_gijiroku"].read_bytes()
    (folder / "minutes_truncated.pdf").write_bytes(data[: len(data) // 3])
    (folder / "notes_named_pdf.pdf").write_text("これはPDFではなく、テキストです。\n", encoding="utf-8")
    (folder / "empty.pdf").write_bytes(b"")
    out += [folder / "minutes_truncated.pdf", folder / "notes_named_pdf.pdf", folder / "empty.pdf"]
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("folder", type=Path)
    ap.add_argument("--index", type=Path, help="also index the folder into this directory (real model)")
    args = ap.parse_args()
    files = build(args.folder)
    print(f"{len(files)} files in {args.folder}", file=sys.stderr)
    cli = [sys.executable, "-m", "koritsu_search.cli"]
    res = subprocess.run([*cli, "parse", str(args.folder), "--format", "json"], capture_output=True, text=True)
    print(f"parse exit code: {res.returncode}")
    data = json.loads(res.stdout)
    for d in data["documents"]:
        kinds: dict[str, int] = {}
        for r in d["records"]:
            kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
        print(f"  {Path(d['source']).name}: {d['kind']} {kinds}")
    for s in data["skipped"]:
        print(f"  skipped {Path(s['source']).name}: {s['reason']}")
    if args.index:
        res = subprocess.run([*cli, "index", str(args.folder), "--index", str(args.index), "--format", "json"],
                             capture_output=True, text=True)
        print(f"index exit code: {res.returncode}")
        if res.returncode == 0:
            rep = json.loads(res.stdout)
            print(f"  {rep['documents']} documents, {rep['records']} records, {rep['passages']} passages, "
                  f"{len(rep['skipped'])} skipped, {rep['seconds']['total']:.0f} s")
        else:
            print(res.stderr[-2000:])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
