"""A full disk: every command says which file it could not write and what to do, in one line.

generate, summary and register ended in a traceback when the disk filled up while a
workbook was being written: xlsxwriter reports that as its own FileCreateError, which is not
an OSError. (Checked on a real full disk too, a small tmpfs: the same lines.) The disk is
full here for xlsxwriter's zip file only, or for the archive's copies.
"""

from __future__ import annotations

import errno
import hashlib
import shutil
import zipfile
from pathlib import Path

import pytest
from child import ENCODING as CHILD_ENCODING
from click.testing import CliRunner

from roundtrip.cli import main

FULL = "(No space left on device); free some space on the disk and run the command again\n"


class _FullDiskZip(zipfile.ZipFile):
    """xlsxwriter's zip file on a disk that has just filled up."""

    def writestr(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")

    write = writestr  # (the parts from temporary files, without in_memory)


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("args", "folder"),
    [(["generate", "2025Q3"], "outbox/2025Q3"), (["summary", "2025Q3"], "reports/2025Q3")],
    ids=["generate", "summary"],
)
def test_a_workbook_on_a_full_disk_is_one_line(demo_ws, monkeypatch, args, folder):
    import xlsxwriter.workbook

    before = {
        p: _digest(p) for p in (demo_ws / folder).glob("*.xlsx")
    }  # the demo's: kept as they are
    monkeypatch.setattr(xlsxwriter.workbook, "ZipFile", _FullDiskZip)
    result = CliRunner().invoke(main, ["-w", str(demo_ws), "-q", *args])
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2
    named = result.output.removeprefix("Error: cannot write ").removesuffix(f" {FULL}")
    assert result.output == f"Error: cannot write {named} {FULL}"
    assert Path(named) in before
    assert {p: _digest(p) for p in before} == before
    assert list(demo_ws.rglob(".tmp-*")) == []


def test_the_archive_on_a_full_disk_is_one_line(demo_ws, monkeypatch):
    import roundtrip.collect.intake as intake

    sent = sorted((demo_ws / "outbox" / "2025Q3").glob("*.xlsx"))[0]
    shutil.copy(sent, demo_ws / "inbox" / "2025Q3" / "sent back.xlsx")
    real_open = open

    def full(path, mode="r", *args, **kwargs):
        if "w" in mode and Path(path).name.startswith(intake.ARCHIVE_TEMP):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_open(path, mode, *args, **kwargs)

    monkeypatch.setattr(intake, "open", full, raising=False)  # the archive's copies only
    stored = _digest(demo_ws / "roundtrip.db")
    result = CliRunner().invoke(main, ["-w", str(demo_ws), "-q", "collect", "2025Q3"])
    assert result.exit_code == 2, result.output
    line = result.output.splitlines()[-1]
    assert line.startswith("Error: cannot archive sent back.xlsx into ")
    assert line.endswith(FULL.rstrip("\n"))
    assert _digest(demo_ws / "roundtrip.db") == stored


_WHOLE_RUN = """
import errno, sys, zipfile
import xlsxwriter.workbook

class Full(zipfile.ZipFile):  # a full disk: writing fails, and so does closing the file
    def writestr(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    write = writestr
    def close(self):
        raise OSError(errno.ENOSPC, "No space left on device")

xlsxwriter.workbook.ZipFile = Full
from roundtrip.cli import main
sys.argv[0] = "roundtrip"
main()
"""


def test_what_the_full_disk_left_open_is_closed_quietly(demo_ws):
    """xlsxwriter leaves its zip file open when writing fails; closing it fails too, and
    Python printed that ('Exception ignored in ZipFile.__del__ ...') under the one line."""
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _WHOLE_RUN, "-w", str(demo_ws), "-q", "summary", "2025Q3"],
        capture_output=True,
        encoding=CHILD_ENCODING,
        timeout=120,
    )
    assert done.returncode == 2
    assert done.stderr == f"Error: cannot write {demo_ws / 'reports/2025Q3/summary.xlsx'} {FULL}"
