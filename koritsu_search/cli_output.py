"""What the command line writes to stdout and stderr: answers, hits and reports in each format."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any, NoReturn

import typer

from .cli_options import Group, OutFormat, Sort, flag_term
from .export import export_meta, meta_line, write_csv, write_hits_csv, write_hits_jsonl, write_jsonl, write_xlsx
from .library import Answer, Hit, Index, KoritsuError, QueryError, Skipped
from .listing import group_items, sort_items
from .render import render_answer, render_hits


def fail(message: str, code: int = 1) -> NoReturn:
    for line in message.splitlines() or [""]:
        typer.echo(f"Error: {line}", err=True)
    raise typer.Exit(code)


def fail_with(exc: KoritsuError) -> NoReturn:
    """The library's error with its fix in flags; a bad query, filter or option is a usage error (exit 2)."""
    fail(exc.render(flag_term), 2 if isinstance(exc, QueryError) else 1)


def require_paths(paths: list[Path]) -> None:
    """Exit 2 with one line when a path given on the command line is missing or unreadable."""
    for p in paths:
        if not p.exists():
            fail(f"{p}: no such file", 2)
        if not os.access(p, os.R_OK):
            fail(f"{p}: not readable (permission denied)", 2)


def dump(obj: Any) -> None:
    typer.echo(json.dumps(obj, ensure_ascii=False, indent=2))


def skipped_dicts(skipped: list[Skipped]) -> list[dict[str, str]]:
    """The files that could not be read, for --format json: each reason's fix named by flag."""
    return [{"source": s.source, "reason": s.error.reason_in(flag_term) if s.error is not None else s.reason}
            for s in skipped]


def skipped_lines(skipped: list[Skipped]) -> None:
    """One stderr line per file that could not be read, its fix named by flag."""
    for s in skipped:
        reason = s.error.reason_in(flag_term) if s.error is not None else s.reason
        typer.echo(f"skipped {s.source}: {reason}", err=True)


def _color() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


def _notes(answer: Answer) -> None:
    """What the question was read as, and what the list leaves out (stderr, text formats only)."""
    if answer.needs:
        read = " / ".join(n["label"] for n in answer.needs)
        typer.echo(f"ご相談の内容 (needs read from the question): {read}", err=True)
    if answer.measure_no is not None:
        typer.echo(f"施策No.{answer.measure_no} (named in the question) first", err=True)
    if answer.implied_ministries:
        typer.echo(f"filters from the question: {'・'.join(answer.implied_ministries)} (boosted, not filtered)", err=True)
    if answer.folded_low:
        typer.echo(f"関連の低い候補 {answer.folded_low}件 not listed (--include-low lists them)", err=True)


def write_answer(answer: Answer, idx: Index, fmt: OutFormat, sort: Sort, group: Group | None) -> None:
    if fmt != OutFormat.json:
        _notes(answer)
    order = sort_items(answer.items, sort.value)
    if fmt == OutFormat.json:
        data = answer.to_dict()
        data["items"] = [i.to_dict() for i in order]
        data["sort"] = sort.value
        if group is not None:
            data["groups"] = [{"label": label, "record_ids": [i.record_id for i in members]}
                              for label, members in group_items(order, group.value)]
        dump(data)
    elif fmt in (OutFormat.csv, OutFormat.jsonl, OutFormat.xlsx):
        if not answer.confident:
            typer.echo("no confident match: the export has no items (--format text shows the nearest)", err=True)
        meta = export_meta(answer, idx.path, idx.manifest.model_id)
        meta["sort"] = sort.value
        if fmt == OutFormat.csv:
            typer.echo(meta_line(meta), err=True)  # the CSV's first row is its header
            write_csv(answer, sys.stdout, order)
        elif fmt == OutFormat.jsonl:
            write_jsonl(answer, sys.stdout, meta, order)
        else:
            sys.stdout.flush()
            write_xlsx(answer, sys.stdout.buffer, meta, order)
            sys.stdout.buffer.flush()
        sys.stdout.flush()
    else:
        typer.echo(render_answer(answer, color=_color(), sort=sort.value, group=group.value if group else None), nl=False)


def write_hits(hits: list[Hit], fmt: OutFormat) -> None:
    if fmt == OutFormat.json:
        dump([h.to_dict() for h in hits])
    elif fmt == OutFormat.csv:
        write_hits_csv(hits, sys.stdout)
    elif fmt == OutFormat.jsonl:
        write_hits_jsonl(hits, sys.stdout)
    else:
        typer.echo(render_hits(hits))
