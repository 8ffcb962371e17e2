"""The workspace folder (contract): where everything lives, found by -w or the current dir."""

from __future__ import annotations

import errno
import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from roundtrip.errors import WorkspaceError
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
        root = Path(path) if path else Path.cwd()
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


TEMP_PREFIX = ".tmp-"  # then the writing process's id and "-": see atomic_path


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
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


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
    if isinstance(exc, PermissionError):
        what = _("if it is open in Excel or another program, close it and run the command again")
    elif isinstance(exc, IsADirectoryError):
        what = _("a folder has that name: move or rename the folder")
    elif exc.errno == errno.ENOSPC:
        what = _("free some space on the disk and run the command again")
    else:
        return ""
    return f"; {what}"


def atomic_write_bytes(target: Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)
