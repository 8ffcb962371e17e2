"""Taking a returned file in: its SHA-256, its arrival time, its copy in the archive.

collect's first step for every file, before anything else happens to it: the bytes are read
once, hashed, and written as archive/<sha256><suffix> (unless that copy exists: the archive
never rewrites one). Everything after works on the archived copy.

On a large inbox this starts in a process of its own before the programme loads (`Early`):
loading a regional programme keeps one core busy for a second or two while the other would
idle, and taking 3,000 files in is about as long.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from .errors import WorkspaceError, printable
from .safety import DEFAULT_LIMITS


@dataclass(frozen=True)
class Intake:
    """One file taken in: `archived` is None when the file is too large to be a return (it is
    hashed, streamed, but not copied); `error` says why it could not be read at all."""

    digest: str = ""
    received_at: str = ""
    size: int = 0
    archived: Path | None = None
    error: str = ""


def iso_utc(moment: dt.datetime) -> str:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def file_hash(path: Path) -> str:
    with open(path, "rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()


def archive(archive_dir: Path, name: str, digest: str, data: bytes, suffix: str) -> Path:
    """Write `data` (whose SHA-256 is `digest`) as <archive_dir>/<sha256><suffix> unless it is
    there; never rewrite one. The temporary name is the digest's own: collect holds the
    workspace lock, so no one else writes it (a leftover from a crash is simply overwritten)."""
    target = archive_dir / f"{digest}{suffix.lower()}"
    if not target.exists():
        tmp = archive_dir / f".tmp-{digest}{suffix.lower()}"
        try:
            archive_dir.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise WorkspaceError(f"cannot archive {printable(name)} into {target}: {exc}") from exc
    return target


def take_in(archive_dir: Path, path: Path) -> Intake:
    """Hash `path` and archive it (hashed and archived from the same bytes, so a file changing
    meanwhile is moot). Raises WorkspaceError when the archive cannot be written."""
    try:
        st = path.stat()
        received_at = iso_utc(dt.datetime.fromtimestamp(st.st_mtime, dt.UTC))
        if st.st_size > DEFAULT_LIMITS.max_bytes:  # streamed: never read a huge file whole
            return Intake(file_hash(path), received_at, st.st_size)
        data = path.read_bytes()
    except OSError as exc:
        return Intake(error=str(exc))
    digest = hashlib.sha256(data).hexdigest()
    where = archive(archive_dir, path.name, digest, data, path.suffix)
    return Intake(digest, received_at, len(data), where)


def take_in_all(archive_dir: Path, paths: Sequence[Path]) -> list[Intake]:
    return [take_in(archive_dir, p) for p in paths]


class Early:
    """take_in for `files`, in order, in one process started now (forked while this process is
    still small). `get(path)` waits for that file's intake; None when the file was not in the
    list or the process died (the caller then takes the file in itself). A WorkspaceError
    raised there is raised here, by `get`, as it would have been by take_in."""

    CHUNK = 64  # files per task: a task's overhead is a fraction of a millisecond

    def __init__(self, archive_dir: Path, files: Sequence[Path]) -> None:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else None)
        self._pool = ProcessPoolExecutor(1, ctx)
        self._where = {p: i for i, p in enumerate(files)}
        step = self.CHUNK
        self._tasks = [
            self._pool.submit(take_in_all, archive_dir, list(files[i : i + step]))
            for i in range(0, len(files), step)
        ]

    def get(self, path: Path) -> Intake | None:
        from concurrent.futures.process import BrokenProcessPool

        i = self._where.get(path)
        if i is None:
            return None
        try:
            return self._tasks[i // self.CHUNK].result()[i % self.CHUNK]
        except BrokenProcessPool:
            return None

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Early:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
