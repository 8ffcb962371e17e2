"""Ctrl-C: the command stops with one line, its workers quietly, and nothing half written stays.

A terminal's Ctrl-C is SIGINT to the command and every worker process it started. The workers
leave it to the command (they printed tracebacks of their own), the command stops them, and
the early intake's half-written archive copy is removed.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from child import ENCODING as CHILD_ENCODING

from roundtrip.collect import intake as intake_mod
from roundtrip.collect.intake import Early

pytestmark = pytest.mark.skipif(
    not hasattr(os, "fork") or not hasattr(os, "killpg"), reason="POSIX processes and signals"
)


def _files(tmp_path: Path, n: int, size: int = 200_000) -> list[Path]:
    folder = tmp_path / "inbox"
    folder.mkdir()
    paths = []
    for i in range(n):
        p = folder / f"{i:03d}.xlsx"
        p.write_bytes(os.urandom(size))  # hashing and copying take a while: still running
        paths.append(p)
    return paths


def _sigint_ignored(pid: int) -> bool:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGINT - 1)))
    raise AssertionError("no SigIgn line")


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc")
def test_the_early_intake_leaves_ctrl_c_to_the_command(tmp_path, capfd):
    """SIGINT to the intake process (as a terminal sends it to the whole group) neither stops
    it nor makes it print a traceback: every file is still taken in."""
    files = _files(tmp_path, 300)  # ~60 MB to hash and copy: still at work when interrupted
    # The process inherits this one's handling of SIGINT: make it a terminal's (see _RUN).
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        early = Early(tmp_path / "archive", files)
    finally:
        signal.signal(signal.SIGINT, previous)
    try:
        pid = early._process.pid
        for _ in range(20):  # the child sets its signals first thing: wait for that
            if _sigint_ignored(pid):
                break
            time.sleep(0.01)
        os.kill(pid, signal.SIGINT)
        got = [early.get(p) for p in files]
        early._process.join(timeout=30)  # it ends by itself
    finally:
        early.close()
    assert early._process.exitcode == 0
    assert all(g is not None and g.archived.exists() for g in got)
    assert "Traceback" not in capfd.readouterr().err


def test_stopping_the_early_intake_removes_its_half_written_copy(tmp_path):
    """A run that ends early (Ctrl-C, an error) stops the intake, perhaps in the middle of an
    archive copy: no temporary file is left in the archive."""
    files = _files(tmp_path, 200)
    archive = tmp_path / "archive"
    archive.mkdir()
    # What a copy cut off by the stop looks like (the stop's timing cannot be chosen):
    (archive / f"{intake_mod.ARCHIVE_TEMP}{'0' * 64}.xlsx").write_bytes(b"half")
    early = Early(archive, files)
    assert early._process.is_alive()  # 200 files of 200 kB: far from done
    early.close()
    assert list(archive.glob(".tmp-*")) == []
    kept = [p for p in archive.iterdir()]
    assert all(p.stat().st_size == 200_000 for p in kept)  # only whole copies


def test_ctrl_c_while_archiving_leaves_no_temporary_file(tmp_path, monkeypatch):
    """The interrupt lands between writing an archive copy and renaming it into place."""

    def interrupted(src, dst):
        raise KeyboardInterrupt

    monkeypatch.setattr(intake_mod.os, "replace", interrupted)
    src = _files(tmp_path, 1, size=100)[0]
    with pytest.raises(KeyboardInterrupt):
        intake_mod.take_in(tmp_path / "archive", src)
    assert list((tmp_path / "archive").iterdir()) == []


# --- the whole command, interrupted as a terminal does it ------------------------------------

_RUN = """
import functools, signal, sys
# As from a terminal: Ctrl-C raises KeyboardInterrupt (a job started in the background of a
# script, as CI may start this suite, inherits SIGINT ignored).
signal.signal(signal.SIGINT, signal.default_int_handler)
# Worker processes even for a small programme: the commands the CLI calls, given a threshold.
import roundtrip.collect.run as collect, roundtrip.returns.generate as generate
generate.generate_period = functools.partial(generate.generate_period, pool_min=2)
collect.collect_period = functools.partial(collect.collect_period, pool_min=2)
from roundtrip.cli import main
sys.argv[0] = "roundtrip"
main()
"""


def _interrupt(args: list[str], after: float) -> tuple[int, str, float]:
    """Run the CLI in a process group of its own, SIGINT the group after `after` seconds:
    (exit code, stderr, seconds from the interrupt to the end)."""
    proc = subprocess.Popen(
        [sys.executable, "-c", _RUN, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        encoding=CHILD_ENCODING,
        start_new_session=True,
    )
    time.sleep(after)
    sent = time.monotonic()
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGINT)
    try:
        _, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        raise
    took = time.monotonic() - sent
    time.sleep(0.3)  # let the group's last processes go
    with pytest.raises(ProcessLookupError):
        os.killpg(proc.pid, 0)  # no worker left behind
    return proc.returncode, err, took


DEPARTMENTS = 150


@pytest.fixture(scope="module")
def regional(tmp_path_factory):
    """(workspace with 150 returns in its inbox, the same with them collected, the period)."""
    import shutil

    from benchmarks.run import synthetic
    from roundtrip.collect.run import collect_period
    from roundtrip.init import init_workspace
    from roundtrip.programme.workbook import write_programme
    from roundtrip.returns.generate import generate_period
    from roundtrip.workspace import Workspace
    from tests.corpus.build import NOW, PERIOD

    top = tmp_path_factory.mktemp("interrupt")
    write_programme(synthetic(DEPARTMENTS, 20), top / "programme.xlsx")
    root = top / "inbox-full"
    init_workspace(root, programme=top / "programme.xlsx")
    ws = Workspace(root)
    sent = generate_period(ws, PERIOD, now=NOW).outbox
    # Returned as they were sent (nothing filled in): each is read, validated and stored.
    shutil.copytree(sent, root / "inbox" / PERIOD, dirs_exist_ok=True)
    collected = top / "collected"
    shutil.copytree(root, collected)
    collect_period(Workspace(collected), PERIOD)
    return root, collected, PERIOD


def _run(args: list[str]) -> tuple[int, float]:
    t = time.monotonic()
    done = subprocess.run([sys.executable, "-c", _RUN, *args], capture_output=True, timeout=180)
    return done.returncode, time.monotonic() - t


@pytest.mark.parametrize("command", ["collect", "generate", "summary"])
def test_ctrl_c_stops_the_command_with_one_line(regional, tmp_path, command):
    """Interrupted in the middle (timed by an uninterrupted run of the same), each command
    ends with exit 130 and the one line, leaves no worker and no temporary file, and the next
    run completes."""
    import shutil

    fresh, collected, period = regional
    base = fresh if command == "collect" else collected
    args = [command, "2025Q4" if command == "generate" else period]
    shutil.copytree(base, tmp_path / "timed")
    code, whole = _run(["-q", "-w", str(tmp_path / "timed"), *args])
    assert code == 0
    # Python's start and roundtrip's imports (Ctrl-C there is Python's own traceback):
    started = _run(["--version"])[1]
    for share in (0.4, 0.15):  # the second time earlier: the first run was the slower one
        ws = tmp_path / f"ws-{share}"
        shutil.copytree(base, ws)
        code, err, took = _interrupt(
            ["-q", "-w", str(ws), *args], started + share * (whole - started)
        )
        if code != 0:  # (0: it had finished before the interrupt came)
            break
    assert (code, err) == (130, "Interrupted.\n"), (
        f"{command}: {whole:.2f} s, started in {started:.2f} s"
    )
    assert took < max(2.0, whole / 2)
    # The work not started was not done (the workers ignore Ctrl-C: they would do it all).
    if command == "generate":
        assert len(list((ws / "outbox" / "2025Q4").glob("*.xlsx"))) < DEPARTMENTS
    assert list(ws.rglob(".tmp-*")) == []
    assert _run(["-q", "-w", str(ws), *args])[0] == 0  # what was stored is whole
