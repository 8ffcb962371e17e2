"""The workspace folder (contract): where everything lives, found by -w or the current dir."""

from __future__ import annotations

import errno
import os
import secrets
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from roundtrip.errors import BusyError, WorkspaceError
from roundtrip.language import _


@dataclass(frozen=True)
class Workspace:
    root: Path

    @property
    def programme_path(self) -> Path:
        return self.root / "programme.xlsx"

    @property
    def db_path(self) -> Path:
        return self.root / "roundtrip.db"

    @property
    def cache_dir(self) -> Path:
        """Derived data that only saves time (the parsed programme); safe to delete."""
        return self.root / ".cache"

    @property
    def archive_dir(self) -> Path:
        return self.root / "archive"

    def where(self) -> str:
        """This workspace as a shared register names it: host:folder (each coordinator
        archives what they collect in their own workspace; the register says whose)."""
        import socket

        return f"{socket.gethostname()}:{self.root.resolve()}"

    # `period` is a programme.periods.Period or its text: its str() names the folder.

    def outbox(self, period: object) -> Path:
        return self.root / "outbox" / str(period)

    def inbox(self, period: object) -> Path:
        return self.root / "inbox" / str(period)

    def reports(self, period: object) -> Path:
        return self.root / "reports" / str(period)

    @classmethod
    def find(cls, path: Path | str | None = None) -> Workspace:
        """The workspace at `path` (or the current directory); it must hold programme.xlsx."""
        root = usable_folder(path) if path else Path.cwd()
        ws = cls(root.resolve())
        if not ws.programme_path.is_file():
            if path:
                message = _(
                    "{folder} is not a roundtrip workspace (no programme.xlsx); use -w DIR or "
                    "create one with 'roundtrip init DIR --example aura'"
                ).format(folder=path)
            else:
                message = _(
                    "the current folder is not a roundtrip workspace (no programme.xlsx); use "
                    "-w DIR or create one with 'roundtrip init DIR --example aura'"
                )
            raise WorkspaceError(message)
        return ws


def usable_folder(path: Path | str, *, windows: bool | None = None) -> Path:
    """`path` as a folder this system can use. A Windows network path (``\\\\server\\share``)
    is one only on Windows: elsewhere it would silently become a folder of that odd name
    here, so it is refused with what to do instead."""
    windows = os.name == "nt" if windows is None else windows
    text = str(path)
    if not windows and text.startswith("\\\\"):
        raise WorkspaceError(
            _(
                "{path} is a Windows network path, which this system cannot open: mount the "
                "share (such as /mnt/share) and give the folder there"
            ).format(path=text)
        )
    return Path(path)


TEMP_PREFIX = ".tmp-"  # then the writing process's id and "-": see atomic_path


LOCK_FILE = "roundtrip.db.lock"
LOCK_WAIT_S = 5.0


@contextmanager
def workspace_lock(ws: Workspace, wait_s: float | None = None) -> Iterator[None]:
    """Hold the workspace's collect lock, waiting up to `wait_s` seconds (default
    LOCK_WAIT_S) for it; BusyError when another collect keeps it longer.

    The lock is filelock's FileLock on `LOCK_FILE`: the system's own lock on the file
    (`flock` on Linux and macOS, `msvcrt.locking` on Windows, which holds on a network share
    too), held the same way on every platform. The system lets go of it when the process
    ends, however it ends, so a collect that crashed never blocks the next one. Where the
    system has no such lock (a Unix without fcntl), filelock falls back to a marker file that
    records the owner's process, which the next collect breaks once that process is gone (and
    one left empty by a process killed while writing it, see _break_unwritten_marker)."""
    with warnings.catch_warnings():  # "only soft file lock is available": said above
        warnings.simplefilter("ignore")
        import filelock

    wait_s = LOCK_WAIT_S if wait_s is None else wait_s
    path = ws.root / LOCK_FILE
    lock = filelock.FileLock(str(path))
    try:
        try:
            lock.acquire(timeout=wait_s, poll_interval=0.1)
        except filelock.Timeout:
            if not (isinstance(lock, filelock.SoftFileLock) and _break_unwritten_marker(path)):
                raise
            lock.acquire(timeout=wait_s, poll_interval=0.1)
    except filelock.Timeout as exc:
        raise BusyError(
            _(
                "another roundtrip collect is running in {folder}; try again when it has finished"
            ).format(folder=ws.root)
        ) from exc
    try:
        yield
    finally:
        lock.release()


# An empty marker file older than this was left by a process killed between creating it and
# writing its owner into it (which takes microseconds).
UNWRITTEN_MARKER_S = 2.0


def _break_unwritten_marker(path: Path) -> bool:
    """Remove the soft lock's marker when it is empty and older than UNWRITTEN_MARKER_S;
    whether it did. filelock breaks a marker once the process it names is gone, but an empty
    one names none, so it would keep every later collect out for good."""
    try:
        st = path.stat()
        if st.st_size or time.time() - st.st_mtime < UNWRITTEN_MARKER_S:
            return False
        path.unlink()
    except OSError:  # (gone already, or taken meanwhile: then the lock decides)
        return False
    return True


@contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside `target`; on success rename it over `target`.

    The temporary file is named for the process writing it (TEMP_PREFIX, its id, "-"), so
    what a killed worker process left behind can be found and removed. It is created with
    the permissions any new file gets (the user's umask), not a private temporary file's
    (tempfile.mkstemp's 0600): the renamed file is the workbook colleagues open from a
    shared folder."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp_path = _new_temporary(target.parent, target.suffix)
    try:
        yield tmp_path
        _replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


# Windows: how often a rename refused with PermissionError is tried again, 0.1 s apart. A virus
# scanner or the search indexer opens a new file for a moment; a workbook open in Excel stays
# refused, and the error then says to close it. Elsewhere a refusal does not pass by waiting.
REPLACE_RETRIES = 10 if os.name == "nt" else 0


def _replace(source: Path, target: Path) -> None:
    for attempt in range(REPLACE_RETRIES + 1):
        try:
            os.replace(source, target)
            return
        except PermissionError:
            if attempt == REPLACE_RETRIES:
                raise
            time.sleep(0.1)


def _new_temporary(folder: Path, suffix: str) -> Path:
    """A new empty file in `folder` with a name no other file has (as tempfile.mkstemp makes
    it, exclusively, but with mode 0666 less the umask)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _attempt in range(100):
        path = folder / f"{TEMP_PREFIX}{os.getpid()}-{secrets.token_hex(6)}{suffix}"
        try:
            fd = os.open(path, flags, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return path
    raise FileExistsError(_("no free temporary name in {folder}").format(folder=folder))


NAME_MAX = 255  # a name's length: bytes on Linux and macOS, UTF-16 units on Windows
WINDOWS_MAX_PATH = 259  # a whole path on Windows, unless long paths are enabled


def fitted_name(folder: Path, stem: str, suffix: str, *, windows: bool | None = None) -> str:
    """`stem` + `suffix`, the stem cut short (at a character, never below 16 of them) so that
    the name fits every file system (255 bytes of UTF-8, which is also 255 UTF-16 units)
    and, on Windows, the path in `folder` fits 259 characters where it can. A name made from
    a returned file's (`..._kommentoitu.xlsx`) may otherwise be longer than the system takes."""
    windows = os.name == "nt" if windows is None else windows
    room = NAME_MAX - len(suffix.encode("utf-8"))
    keep = len(stem)
    while keep > 16 and len(stem[:keep].encode("utf-8")) > room:
        keep -= 1
    if windows:
        over = len(str(folder)) + 1 + keep + len(suffix) - WINDOWS_MAX_PATH
        keep = max(min(keep, 16), keep - max(over, 0))
    return stem[:keep].rstrip(" .") + suffix


def cannot_write(target: Path, exc: Exception) -> WorkspaceError:
    """The one-line error for a file that could not be written, with the usual cause named
    (on Windows a workbook open in Excel cannot be replaced: PermissionError)."""
    system = os_error_of(exc) or OSError(str(exc))
    line = _("cannot write {file} ({error})").format(file=target, error=system.strerror or system)
    return WorkspaceError(line + remedy(system))


def os_error_of(exc: BaseException) -> OSError | None:
    """`exc` itself when it is the system's error, or the one xlsxwriter's FileCreateError
    wraps (its workbook could not be written: a full disk, say); else None."""
    if isinstance(exc, OSError):
        return exc
    inner = exc.args[0] if exc.args else None
    if type(exc).__name__ == "FileCreateError" and isinstance(inner, OSError):
        return inner
    return None


def os_error_line(exc: OSError) -> str:
    """One line for an error of the system that no command turned into its own (the file it
    is about: a rename's target rather than its temporary source)."""
    where = exc.filename2 or exc.filename
    what = f"{where}: " if where else ""
    return f"{what}{exc.strerror or exc}{remedy(exc)}"


def remedy(exc: OSError) -> str:
    """'; what to do about it' for the usual errors of the system (else '')."""
    winerror = getattr(exc, "winerror", None)
    if exc.errno == errno.EROFS:
        what = _("the folder is read-only: copy the workspace to a folder you can write to")
    elif isinstance(exc, PermissionError):
        what = _("if it is open in Excel or another program, close it and run the command again")
    elif isinstance(exc, IsADirectoryError):
        what = _("a folder has that name: move or rename the folder")
    elif exc.errno == errno.ENOSPC:
        what = _("free some space on the disk and run the command again")
    elif winerror in (53, 64, 67, 1231):  # the network path is not found or went away
        what = _("the network drive cannot be reached: check the connection (VPN) and try again")
    elif winerror == 123:  # ERROR_INVALID_NAME
        what = _(
            "Windows does not allow this name: names such as CON, PRN, AUX, NUL, COM1 or LPT1 "
            'and the characters < > : " / \\ | ? * are reserved; choose another name'
        )
    elif exc.errno == errno.ENAMETOOLONG or winerror == 206:
        what = _(
            "the name or the path is too long for the system: move the workspace to a folder "
            "with a shorter path (such as C:\\roundtrip) or give the file a shorter name"
        )
    else:
        return ""
    return f"; {what}"


def atomic_write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
