"""Embedding apart from indexing (`index --embed-only`): vector files that any later build loads.

Embedding a national corpus takes days on a few cores; it can run on many machines or GPUs, each
taking one shard of the passages (by content hash), each writing `vectors-*.npz` files of content
hashes and vectors into a folder. `index --vectors FOLDER` then uses those vectors instead of
embedding. A killed embed job keeps the files it finished: run it again and it goes on.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from ..embed.base import Embedder
from ..errors import IngestError, KoritsuError, OptionError
from ..ingest import MAX_FILE_BYTES, parse_file
from ..models import Skipped
from ..passages import make_passages
from .identity import list_sources

FILE_GLOB = "vectors-*.npz"
CHUNK = 2048  # passages per file: a killed job loses at most this many


@dataclass
class EmbedReport:
    """What an embed-only run did."""

    out_dir: str
    shard: tuple[int, int]
    passages: int = 0  # passages of this shard
    embedded: int = 0
    already: int = 0  # found in the folder from an earlier run
    files: int = 0
    skipped: list[Skipped] = field(default_factory=list)

    def summary(self) -> str:
        k, n = self.shard
        text = (f"shard {k}/{n}: {self.passages} passages, embedded {self.embedded}, {self.already} already in "
                f"{self.out_dir}; {self.files} files written")
        return text + (f"; {len(self.skipped)} skipped" if self.skipped else "")


def parse_shard(text: str) -> tuple[int, int]:
    """`K/N` (0 <= K < N): this job embeds the passages whose content hash is K modulo N."""
    try:
        k, n = (int(x) for x in text.split("/"))
    except ValueError:
        raise OptionError("{shard}: write it as K/N, e.g. 0/4", {"shard": text}) from None
    if not 0 <= k < n:
        raise OptionError("{shard}: K must be at least 0 and less than N", {"shard": text})
    return k, n


def in_shard(content_hash: str, shard: tuple[int, int]) -> bool:
    return int(content_hash[:12], 16) % shard[1] == shard[0]


def _files(folder: Path) -> list[Path]:
    return sorted(folder.glob(FILE_GLOB))


def _read(path: Path) -> tuple[dict[str, str], np.ndarray, np.ndarray]:
    """A vector file's metadata, hashes and vectors; KoritsuError naming it when it is not one."""
    try:
        with np.load(path) as data:
            meta = json.loads(str(data["meta"]))
            hashes, vectors = data["hashes"], data["vectors"]
    except (OSError, ValueError, KeyError, EOFError) as exc:
        raise KoritsuError(f"{path} is not a vector file ({type(exc).__name__}: {exc}); remove it and "
                           "run the embedding again") from None
    if not isinstance(meta, dict) or len(hashes) != len(vectors):
        raise KoritsuError(f"{path} is not a vector file (metadata or lengths do not match); remove it")
    return meta, hashes, vectors


def load_vectors(folders: Iterable[Path], model_id: str) -> dict[str, np.ndarray]:
    """Every vector in the folders' files, by content hash; KoritsuError for another model's files."""
    out: dict[str, np.ndarray] = {}
    for folder in folders:
        files = _files(folder)
        if not files:
            raise OptionError(f"{{vectors}}: no {FILE_GLOB} files there (write them with {{embed_only}})",
                              {"vectors": str(folder), "embed_only": None})
        for path in files:
            meta, hashes, vectors = _read(path)
            if meta.get("model_id") != model_id:
                raise KoritsuError(f"{path} holds vectors of the model '{meta.get('model_id')}', this build uses "
                                   f"'{model_id}': embed again with {{model}}, or build with theirs", {"model": model_id})
            out.update((h.decode("ascii"), v) for h, v in zip(hashes, vectors, strict=True))
    return out


def _write(folder: Path, shard: tuple[int, int], model_id: str, hashes: list[str], vectors: np.ndarray) -> None:
    meta = json.dumps({"model_id": model_id, "shard": list(shard), "dim": int(vectors.shape[1])})
    fd, tmp = tempfile.mkstemp(prefix=".vectors-", suffix=".npz", dir=folder)
    with os.fdopen(fd, "wb") as fh:
        np.savez(fh, meta=np.array(meta), hashes=np.array(hashes, dtype="S32"), vectors=vectors.astype(np.float32))
    name = f"vectors-{shard[0]}of{shard[1]}-{hashes[0][:12]}-{len(hashes)}.npz"
    os.replace(tmp, folder / name)


def embed_only(
    paths: Iterable[str | Path], out_dir: str | Path, embedder: Callable[[], Embedder],
    shard: tuple[int, int] = (0, 1), *, kind: str | None = None, password: str | None = None, ocr: bool = True,
    max_file_bytes: int | None = MAX_FILE_BYTES, progress: bool = False,
) -> EmbedReport:
    """Parse the sources, cut passages and embed this shard's into vector files in out_dir."""
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    report = EmbedReport(str(folder), shard)
    emb = embedder()
    done: set[str] = set()
    for path in _files(folder):
        meta, hashes, _ = _read(path)
        if meta.get("model_id") == emb.model_id:
            done.update(h.decode("ascii") for h in hashes)
    sources, missing = list_sources(paths)
    report.skipped.extend(missing)
    todo: dict[str, str] = {}
    for src in sources:
        try:
            doc = parse_file(src.path, kind=kind, password=password, ocr=ocr, max_bytes=max_file_bytes)
        except IngestError as exc:
            report.skipped.append(Skipped.of(exc, str(src.path)))
            continue
        for p in make_passages(doc):
            if in_shard(p.content_hash, shard):
                report.passages += 1
                if p.content_hash in done:
                    report.already += 1
                else:
                    todo.setdefault(p.content_hash, p.embed_text)
    items = list(todo.items())
    bar = None
    if progress:
        from tqdm import tqdm

        bar = tqdm(total=len(items), desc="embedding", unit="passage", file=sys.stderr)
    for i in range(0, len(items), CHUNK):
        part = items[i:i + CHUNK]
        vectors = emb.embed_passages([t for _, t in part])
        _write(folder, shard, emb.model_id, [h for h, _ in part], vectors)
        report.embedded += len(part)
        report.files += 1
        if bar is not None:
            bar.update(len(part))
    if bar is not None:
        bar.close()
    return report
