"""What shapes an index besides its sources: recorded in the manifest, compared on open and on update."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from .. import chunking, procedural, segment
from ..fusion import FusionConfig
from ..ingest import INGEST_VERSION, sections

# Bump when the code that turns text into terms, or records into passages, changes its logic;
# the rule tables themselves are hashed below, so editing a stop word needs no bump.
TOKENIZER_LOGIC = 1
PASSAGES_LOGIC = 3  # 3: passages carry the needs their unit serves; 2: a measure column (plan sheet and status row share a measure key), title-only flags
SUDACHI_MODES = ("C", "A")  # C units, plus the A units of a C unit that splits

# Contract keys whose change makes stored terms unusable (re-segment every passage).
TERM_KEYS = ("sudachi_dictionary", "sudachi_modes", "tokenizer_version")


def _digest(*parts: Any) -> str:
    text = json.dumps(parts, ensure_ascii=False, sort_keys=True, default=sorted)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def tokenizer_version() -> str:
    """A hash of the rules that make lexical terms (dropped parts of speech, stop words, word pattern)."""
    return f"{TOKENIZER_LOGIC}-" + _digest(
        sorted(segment._DROP_POS), sorted(segment._STOP_WORDS), segment._ASCII_WORD_RE.pattern, SUDACHI_MODES
    )


def passages_version() -> str:
    """A hash of what cuts records into passages and marks procedural lines."""
    return f"{PASSAGES_LOGIC}-" + _digest(
        chunking.MAX_CHARS, chunking._SENTENCE_END.pattern, procedural.MAX_PROCEDURAL_CHARS,
        procedural._PROCEDURAL.pattern, procedural._OPEN_CLOSE.pattern, procedural._ANNOUNCE.pattern,
        procedural._STAGE.pattern, procedural._CONTENT.pattern, procedural.MAX_TITLE_CHARS, sections.RULES,
        segment.SENTENCE_RULES,
    )


def current_contract(fusion: FusionConfig | None = None) -> dict[str, Any]:
    """The contract this code and this machine would write into a new index."""
    return {
        "sudachi_dictionary": segment.get_segmenter().dictionary,
        "sudachi_modes": list(SUDACHI_MODES),
        "tokenizer_version": tokenizer_version(),
        "passages_version": passages_version(),
        "ingest_version": INGEST_VERSION,
        "fusion": (fusion or FusionConfig()).to_dict(),
    }


def differences(recorded: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """One line per contract key whose value differs, saying what it was and what it is now."""
    out = []
    for key, now in current.items():
        was = recorded.get(key)
        if was != now:
            if key == "fusion" and isinstance(was, dict):
                changed = sorted(k for k in set(was) | set(now) if was.get(k) != now.get(k))
                out.append(f"fusion settings {', '.join(changed)} differ")
            else:
                out.append(f"{key.replace('_', ' ')}: index has {was!r}, this installation has {now!r}")
    return out
