"""Replacing an index directory safely: one build at a time (a lock file), write aside and swap, recover a cut swap."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from ..errors import IndexBusyError
from .manifest import MANIFEST_NAME

SWAP_WAIT = 10.0  # seconds a reader waits for a build that is between its two renames


def lock_path(index_dir: Path) -> Path:
    return index_dir.parent / f".{index_dir.name}.lock"


def _olds(index_dir: Path) -> list[Path]:
    return list(index_dir.parent.glob(f".{index_dir.name}.old-*"))


def _temporaries(index_dir: Path) -> list[Path]:
    return list(index_dir.parent.glob(f".{index_dir.name}.tmp-*"))


@contextmanager
def build_lock(index_dir: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold index_dir's build lock; IndexBusyError when another build holds it for longer than wait
    seconds. The lock dies with its process, so a killed build never leaves it taken."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(lock_path(index_dir), thread_local=False)
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        waited = f" after waiting {wait:g} s" if wait > 0 else ""
        raise IndexBusyError(
            f"another build is writing {index_dir} (lock {lock_path(index_dir)} is held){waited}. "
            "Wait for it to finish, or queue behind it ({wait}).", {"wait": None}
        ) from None
    try:
        _remove_leftovers(index_dir)
        yield
    finally:
        lock.release()


def _remove_leftovers(index_dir: Path) -> None:
    """Recover a cut swap, then remove what killed builds left: temporary directories of processes
    that are gone, and old copies once an index is in place."""
    _recover(index_dir)
    for tmp in _temporaries(index_dir):
        pid = tmp.name.rsplit(".tmp-", 1)[1].split("-", 1)[0]
        if pid.isdigit() and not _alive(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)
    if index_dir.exists():
        _carry_back(index_dir, _olds(index_dir))
        for old in _olds(index_dir):
            shutil.rmtree(old, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _built_at(directory: Path) -> str | None:
    """When a complete index was written (its manifest's updated_at); None when it is not complete."""
    try:
        data = json.loads((directory / MANIFEST_NAME).read_text(encoding="utf-8"))
        return str(data["updated_at"]) if isinstance(data, dict) else None
    except (OSError, ValueError, KeyError):
        return None


def _recover(index_dir: Path) -> None:
    """Put back the newest complete previous index when a crash fell between the two renames of a swap."""
    if index_dir.exists():
        return
    dated = [(at, old) for old in _olds(index_dir) if (at := _built_at(old)) is not None]
    if dated:
        os.replace(max(dated)[1], index_dir)


def recover_swap(index_dir: Path) -> None:
    """For readers: when index_dir is missing but an old copy is beside it, either a build is between
    its two renames (wait for it) or one was killed there (recover, under the lock)."""
    if index_dir.exists() or not index_dir.parent.exists() or not _olds(index_dir):
        return
    lock = FileLock(lock_path(index_dir), thread_local=False)
    deadline = time.monotonic() + SWAP_WAIT
    while not index_dir.exists():
        try:
            lock.acquire(timeout=0)
        except Timeout:  # a build is running: its swap completes in moments
            if time.monotonic() > deadline:
                return
            time.sleep(0.05)
            continue
        except OSError:
            return  # no lock file can be made here (read-only): nothing can be renamed either
        try:
            _recover(index_dir)
        finally:
            lock.release()
        return


def _current_umask() -> int:
    """The process umask, read without changing it where the OS allows (threads may be running)."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _apply_umask(root: Path) -> None:
    """Give root and everything below it the modes a plain mkdir/open would have given them.

    tempfile.mkdtemp creates the directory owner-only (0700), which the rename into place would
    otherwise keep: an index must be as readable as any other output of the process.
    """
    mask = _current_umask()
    dir_mode, file_mode = 0o777 & ~mask, 0o666 & ~mask
    for path in root.rglob("*"):
        if not path.is_symlink():
            path.chmod(dir_mode if path.is_dir() else file_mode)
    root.chmod(dir_mode)


CARRIED_FILE = ".carried.json"  # in a new index: what its swap carried over from the old copy


def write_atomically(index_dir: Path, write: Callable[[Path], None], carry: tuple[str, ...] = ()) -> None:
    """Write into a sibling temporary directory, then swap it into place (call under build_lock).

    `carry`: paths inside index_dir that belong to the index's engine, not to one build (a Milvus Lite
    database): they are moved from the old copy into the new one right after the swap. The new copy
    lists them, so a build killed between the swap and the move is repaired by the next one. What the
    index in place carried is carried on (a database is never dropped by a build, even one that
    switched engines)."""
    index_dir.parent.mkdir(parents=True, exist_ok=True)
    carry = tuple(dict.fromkeys([*carry, *(n for n in _carried(index_dir) if (index_dir / n).exists())]))
    tmp = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.tmp-{os.getpid()}-", dir=index_dir.parent))
    try:
        write(tmp)
        if carry:
            (tmp / CARRIED_FILE).write_text(json.dumps(list(carry)), encoding="utf-8")
        _apply_umask(tmp)
        old = None
        if index_dir.exists():
            # rename(2) may replace an empty directory: mkdtemp only picks a unique name.
            old = Path(tempfile.mkdtemp(prefix=f".{index_dir.name}.old-{os.getpid()}-", dir=index_dir.parent))
            os.replace(index_dir, old)
        os.replace(tmp, index_dir)
        if old is not None:
            _carry_back(index_dir, [old])
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _carried(index_dir: Path) -> list[str]:
    try:
        names = json.loads((index_dir / CARRIED_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    return [n for n in names if isinstance(n, str)] if isinstance(names, list) else []


def _carry_back(index_dir: Path, olds: list[Path]) -> None:
    """Move what index_dir carries and does not have yet from an old copy (the newest that has it)."""
    for name in _carried(index_dir):
        target = index_dir / name
        if target.exists():
            continue
        for old in sorted(olds, key=lambda p: p.stat().st_mtime, reverse=True):
            if (old / name).exists():
                target.parent.mkdir(parents=True, exist_ok=True)
                os.replace(old / name, target)
                break
