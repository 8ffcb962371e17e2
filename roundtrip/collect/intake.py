"""Taking a returned file in: its SHA-256, its arrival time, its copy in the archive.

collect's first step for every file, before anything else happens to it: the bytes are read
once, hashed, and written as archive/<sha256><suffix> (unless that copy exists: the archive
never rewrites one). Everything after works on the archived copy.

On a large inbox this starts in a process of its own before the programme loads (`Early`):
loading a regional programme keeps one core busy while the other would idle, and taking a
large inbox in is work of about the same size.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roundtrip.errors import WorkspaceError, printable
from roundtrip.language import _
from roundtrip.parallel.interrupts import ignore_interrupts, interrupts_held
from roundtrip.parallel.pool import context
from roundtrip.returns.safety import DEFAULT_LIMITS
from roundtrip.workspace import remedy

ARCHIVE_TEMP = ".tmp-"  # then the digest: an archive copy being written


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
        tmp = archive_dir / f"{ARCHIVE_TEMP}{digest}{suffix.lower()}"
        try:
            archive_dir.mkdir(parents=True, exist_ok=True)
            with open(tmp, "wb") as f:
                f.write(data)
            os.replace(tmp, target)
        except BaseException as exc:  # Ctrl-C too: no half copy is left
            with contextlib.suppress(OSError):  # (no archive folder at all: nothing to remove)
                tmp.unlink(missing_ok=True)
            if isinstance(exc, OSError):
                line = _("cannot archive {file} into {target} ({reason})").format(
                    file=printable(name), target=target, reason=exc.strerror or exc
                )
                raise WorkspaceError(line + remedy(exc)) from exc
            raise
    return target


def remove_archive_temporaries(archive_dir: Path) -> None:
    """Remove half-written archive copies (an intake process ended in the middle of one).
    Only while holding the workspace lock: then no one else is writing any."""
    for tmp in archive_dir.glob(f"{ARCHIVE_TEMP}*"):
        with contextlib.suppress(OSError):
            tmp.unlink()


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


def _take_in_chunks(archive_dir: Path, files: list[Path], chunk: int, out: Any) -> None:
    """Early's process: take_in_all over `files`, `chunk` at a time, each result put on `out`
    (a WorkspaceError in place of the chunk it stopped). Ctrl-C is for the command's process,
    which ends this one (`Early.close`)."""
    ignore_interrupts()
    for i in range(0, len(files), chunk):
        try:
            out.put(take_in_all(archive_dir, files[i : i + chunk]))
        except WorkspaceError as exc:
            out.put(exc)
            return


class Early:
    """take_in for `files`, in order, in one process started now, as the pools' workers are
    (parallel/pool.py: forked while this process is still small; spawned, it is sent the
    archive folder and the file names, nothing else). `get(path)` waits for that file's intake; None when the file was not in the
    list or the process died (the caller then takes the file in itself). A WorkspaceError
    raised there is raised here, by `get`, as it would have been by take_in.

    A plain process and a queue, not a pool: a pool keeps a thread in this process, and the
    readers are forked from this process while the intake may still run (forking beside a
    running thread is what CPython's own pools avoid).
    """

    CHUNK = 64  # files per message
    POLL_S = 0.5  # how often a wait checks that the process is still alive

    def __init__(self, archive_dir: Path, files: Sequence[Path]) -> None:
        ctx = context()  # (ROUNDTRIP_START_METHOD, else fork where there is fork)
        self._archive_dir = archive_dir
        self._where = {p: i for i, p in enumerate(files)}
        self._chunks: list[list[Intake] | WorkspaceError] = []
        self._dead = False
        self._drained = False  # dead, and its queue read to the end
        self._queue = ctx.Queue()
        self._process = ctx.Process(
            target=_take_in_chunks,
            args=(archive_dir, list(files), self.CHUNK, self._queue),
            daemon=True,
        )
        with interrupts_held():  # (a Ctrl-C before its first line is this process's)
            self._process.start()

    def get(self, path: Path) -> Intake | None:
        import queue

        i = self._where.get(path)
        if i is None:
            return None
        c = i // self.CHUNK
        while len(self._chunks) <= c and not self._drained:
            try:
                self._chunks.append(self._queue.get(timeout=self.POLL_S))
            except queue.Empty:
                if self._dead:
                    # Gone, and what it wrote before going has been read: every later file
                    # is taken in by the caller at once (not after a wait of its own).
                    self._drained = True
                    break
                self._dead = not self._process.is_alive()
        if len(self._chunks) <= c:
            return None
        got = self._chunks[c]
        if isinstance(got, WorkspaceError):
            raise got
        return got[i % self.CHUNK]

    def close(self) -> None:
        """Stop the process (done by now, unless the run ended early) and wait for it; a copy
        it was writing when stopped is removed."""
        stopped = self._process.is_alive()
        if stopped:
            self._process.terminate()
        self._process.join()
        self._queue.close()
        if stopped:
            remove_archive_temporaries(self._archive_dir)

    def __enter__(self) -> Early:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
