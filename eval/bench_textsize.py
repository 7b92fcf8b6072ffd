"""Parse time of large text files (issue 14, item 4); writes eval/results/textsize.json and textsize.md.

Builds synthetic text files of 1 / 4 / 16 / 64 MB from the seed text in corpus/ (in a temporary
directory, deleted afterwards) and times `parse_file(path, max_bytes=None)` on each, every
parse in a fresh process (best of --runs), with the process's peak RSS. Shapes:

* minutes: the seed minutes repeated (speaker turns, read as minutes);
* paragraph: the seed minutes' text flowed into 40-character lines that make one paragraph
  (read as prose): joining them line by line was the quadratic case;
* measures: the seed status table's rows repeated (read as a measures table).

Linear parsing shows as flat seconds per MB.

    python eval/bench_textsize.py                        # ~2 min
    python eval/bench_textsize.py --sizes 1,4 --shapes paragraph --out-json /tmp/t.json --out-md /tmp/t.md
    python eval/bench_textsize.py worker FILE [--kind K]  # one parse; prints one RESULT line
"""

from __future__ import annotations

import argparse
import inspect
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_common import ROOT, emit, load_info, log, machine_info, proc_status, run_worker

MB = 1024 * 1024
MINUTES = ROOT / "corpus" / "r7_kodoku_koritsu_suishin_kaigi_02_minutes.txt"
MEASURES = ROOT / "corpus" / "r7_kodoku_koritsu_measures_status.txt"
SHAPES = ("minutes", "paragraph", "measures")
KIND = {"minutes": None, "paragraph": "generic", "measures": None}
_NO_START = set("・･●○◯〇◆◇■□※-*+#（(0123456789０１２３４５６７８９") | {chr(c) for c in range(0x2460, 0x2474)}
_NO_END = set("。．.！!？?」』）)】〉》")


def build(shape: str, nbytes: int, path: Path) -> None:
    """Write about nbytes of the shape."""
    if shape == "paragraph":
        path.write_text(one_paragraph(nbytes), encoding="utf-8")
        return
    if shape == "minutes":
        head, body = "", MINUTES.read_text(encoding="utf-8").rstrip("\n") + "\n"
    else:  # the table's title and header once, then its rows again and again
        lines = MEASURES.read_text(encoding="utf-8").splitlines()
        header = next(i for i, ln in enumerate(lines) if ln.startswith("施策No."))
        head, body = "\n".join(lines[:header + 1]) + "\n", "\n".join(lines[header + 1:]) + "\n"
    copies = max(1, round((nbytes - len(head.encode())) / len(body.encode())))
    path.write_text(head + body * copies, encoding="utf-8")


def one_paragraph(nbytes: int, width: int = 40) -> str:
    """The seed minutes' text (marks and spaces removed, repeated) in lines of about `width`
    characters, none ending a sentence or starting like a list item: all one paragraph."""
    flat = "".join(ch for ch in "".join(MINUTES.read_text(encoding="utf-8").split()) if ch not in "○〇◯")
    text = flat * (nbytes // len(flat.encode()) + 2)
    out: list[str] = []
    size = i = 0
    while size < nbytes:
        end = i + width
        while text[end - 1] in _NO_END or text[end] in _NO_START:
            end += 1
        out.append(text[i:end])
        size += len(out[-1].encode()) + 1
        i = end
    return "\n".join(out) + "\n"


def worker(path: Path, kind: str | None) -> None:
    from koritsu_search.ingest import parse_file

    base = proc_status()
    # Without a limit; code from before the limit existed (a comparison run) takes no max_bytes.
    extra: dict[str, Any] = {"max_bytes": None} if "max_bytes" in inspect.signature(parse_file).parameters else {}
    t = time.perf_counter()
    doc = parse_file(path, kind=kind, **extra)
    seconds = time.perf_counter() - t
    st = proc_status()
    emit({"seconds": seconds, "kind": doc.kind, "records": len(doc.records), "chars": sum(len(r.text) for r in doc.records),
          "rss_import_bytes": base["VmRSS"], "peak_rss_bytes": st["VmHWM"]})


def measure(shape: str, size_mb: int, workdir: Path, runs: int, timeout: float) -> dict[str, Any]:
    path = workdir / f"{shape}_{size_mb}mb.txt"
    build(shape, size_mb * MB, path)
    row: dict[str, Any] = {"shape": shape, "size_mb": size_mb, "bytes": path.stat().st_size}
    args = ["worker", str(path)] + (["--kind", KIND[shape]] if KIND[shape] else [])  # type: ignore[list-item]
    best: dict[str, Any] | None = None
    try:
        for _ in range(runs):
            res = run_worker(Path(__file__).name, args, timeout=timeout)
            if best is None or res["seconds"] < best["seconds"]:
                best = res
    except subprocess.TimeoutExpired:
        row["timeout_s"] = timeout
    finally:
        path.unlink()
    if best is not None:
        row.update(best)
        row["s_per_mb"] = best["seconds"] / (row["bytes"] / MB)
    log(f"{shape} {size_mb} MB: " + (f"{row['seconds']:.2f} s" if best else f"over {timeout:.0f} s"))
    return row


def render_md(res: dict[str, Any]) -> str:
    m = res["machine"]
    lines = [
        "# Parse time of large text files", "",
        f"`python eval/bench_textsize.py` ({res['at']}): `parse_file(path, max_bytes=None)`, each parse in a fresh",
        f"process, best of {res['runs']}. Files built from the seed text in corpus/ (see the script for the",
        "shapes). Peak RSS is the whole worker process (VmHWM), interpreter and imports included.", "",
        f"Machine: {m['cpu_model']}, {m['usable_cpus']} usable CPUs, {m['ram_bytes'] / 1e9:.0f} GB RAM; "
        f"Python {m['versions']['python']}; load average at start {res['load_start']['loadavg'][0]:.1f}, "
        f"at end {res['load_end']['loadavg'][0]:.1f}.", "",
        "| shape | size | kind | records | seconds | seconds per MB | peak RSS MiB | RSS after imports MiB |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in res["rows"]:
        size = f"{r['bytes'] / MB:.1f} MB"
        if "seconds" not in r:
            lines.append(f"| {r['shape']} | {size} | | | over {r['timeout_s']:.0f} | | | |")
            continue
        lines.append(f"| {r['shape']} | {size} | {r['kind']} | {r['records']:,} | {r['seconds']:.2f} | {r['s_per_mb']:.3f} | "
                     f"{r['peak_rss_bytes'] / MB:.0f} | {r['rss_import_bytes'] / MB:.0f} |")
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("mode", nargs="?", choices=["worker"], help=argparse.SUPPRESS)
    ap.add_argument("file", nargs="?", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--kind", help=argparse.SUPPRESS)
    ap.add_argument("--sizes", default="1,4,16,64", help="file sizes in MB (default 1,4,16,64)")
    ap.add_argument("--shapes", default=",".join(SHAPES), help=f"any of {', '.join(SHAPES)}")
    ap.add_argument("--runs", type=int, default=2, help="parses per file, the best is kept (default 2)")
    ap.add_argument("--timeout", type=float, default=600, help="seconds a parse may take (default 600)")
    ap.add_argument("--out-json", type=Path, default=ROOT / "eval" / "results" / "textsize.json")
    ap.add_argument("--out-md", type=Path, default=ROOT / "eval" / "results" / "textsize.md")
    args = ap.parse_args()
    if args.mode == "worker":
        worker(args.file, args.kind)
        return 0
    shapes = [s for s in args.shapes.split(",") if s]
    if unknown := set(shapes) - set(SHAPES):
        ap.error(f"unknown shapes: {', '.join(sorted(unknown))}")
    sizes = [int(s) for s in args.sizes.split(",") if s]
    res: dict[str, Any] = {"at": time.strftime("%Y-%m-%d %H:%M"), "runs": args.runs, "machine": machine_info(),
                           "load_start": load_info(), "rows": []}
    with tempfile.TemporaryDirectory(prefix="textsize-") as tmp:
        for shape in shapes:
            for size in sizes:
                res["rows"].append(measure(shape, size, Path(tmp), args.runs, args.timeout))
    res["load_end"] = load_info()
    args.out_json.write_text(json.dumps(res, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    text = render_md(res)
    args.out_md.write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
