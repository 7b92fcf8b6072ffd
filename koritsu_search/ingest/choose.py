"""Parse as the forced kind, else as the detected one, falling back to prose when it finds nothing."""

from __future__ import annotations

from collections.abc import Callable

from ..errors import IngestError
from .kinds import DOC_KINDS, FALLBACK, DocKind, Parsed, ParseFailure


def parse_detected(
    forced: DocKind | None, detected: DocKind, source: str, run: Callable[[DocKind], Parsed]
) -> tuple[DocKind, Parsed]:
    """Parse as the forced kind, else as the detected one; a detected kind that then finds
    nothing of its own (a plan's contents without its sheets) falls back to prose."""
    kind = forced or detected
    try:
        return kind, _parse(kind, source, run)
    except ParseFailure as exc:
        if forced is not None or kind is DOC_KINDS[FALLBACK]:
            raise
        prose = DOC_KINDS[FALLBACK]
        parsed = _parse(prose, source, run)
        parsed.warnings.insert(0, f"looked like {kind.name} but {exc}; read as prose")
        return prose, parsed


def _parse(kind: DocKind, source: str, run: Callable[[DocKind], Parsed]) -> Parsed:
    try:
        return run(kind)
    except NotImplementedError as exc:
        raise IngestError(source, f"{exc}; choose another kind ({{kind}})", {"kind": None}) from exc
