"""The glossary an index keeps: chosen at build, copied into the folder, hashed in the manifest."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ..errors import IndexLoadError
from ..glossary import (
    DEFAULT_NAME,
    NO_GLOSSARY,
    Glossary,
    GlossaryError,
    digest,
    load_glossary,
    package_glossary_bytes,
    parse_glossary,
)
from .kept_data import choose_kept
from .manifest import rebuild_hint, rebuild_options

GLOSSARY_FILE = "glossary.tsv"
SHA_KEY = "glossary_sha256"  # contract keys
SOURCE_KEY = "glossary"


def choose_glossary(spec: str | Path | None, index_dir: Path, recorded: dict[str, Any] | None) -> Glossary:
    """The glossary a build uses (kept_data.choose_kept); a bad file raises GlossaryError."""
    return choose_kept(spec, index_dir, recorded, SOURCE_KEY, GLOSSARY_FILE, load_glossary, parse_glossary,
                       NO_GLOSSARY)


def contract_entries(glossary: Glossary) -> dict[str, Any]:
    """What the manifest records of the glossary: where it came from and the hash of its bytes."""
    return {SOURCE_KEY: glossary.source, SHA_KEY: glossary.sha256}


def write_glossary(directory: Path, glossary: Glossary) -> None:
    if glossary.sha256 is not None:
        (directory / GLOSSARY_FILE).write_bytes(glossary.data)


def open_glossary(directory: Path, contract: dict[str, Any]) -> Glossary:
    """The glossary an index was built with, checked against the hash in its manifest.

    An index from before the glossary was copied into the folder uses the package's glossary if
    the hashes agree."""
    sha = contract.get(SHA_KEY)
    source = str(contract.get(SOURCE_KEY, DEFAULT_NAME))
    if sha is None:
        return NO_GLOSSARY
    path = directory / GLOSSARY_FILE
    try:
        data = path.read_bytes() if path.exists() else package_glossary_bytes()
        if digest(data) != sha:
            where = str(path) if path.exists() else "the installed package's glossary"
            raise IndexLoadError(f"{where} does not match the glossary this index was built with "
                                 f"(sha256 {sha}). {rebuild_hint(directory)}", rebuild_options(directory))
        return parse_glossary(data, source)
    except GlossaryError as exc:
        raise IndexLoadError(f"{directory}: its glossary is unusable ({exc}). {rebuild_hint(directory)}", rebuild_options(directory)) from exc
