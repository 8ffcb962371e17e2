"""Windows, the coordinator's laptop: what differs there, exercised here.

The console's encoding (cp1252 for redirected output, cp850 in a cmd window, ASCII), the
workspace lock without fcntl and after a crash, names and paths Windows treats differently,
a read-only folder, a network path, and the demo run end to end in "Windows emulation"
(.ci/windows-emulation: no fork, no fcntl, no setitimer, a cp1252 console). CI also runs the
whole suite in that emulation (.ci/run).
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from roundtrip.cli import main
from roundtrip.collect.reporting import feedback_target
from roundtrip.errors import BusyError
from roundtrip.language.console import FALLBACK, prepare_console, printable, shell_word, stand_in
from roundtrip.programme.periods import parse_period
from roundtrip.workspace import (
    Workspace,
    fitted_name,
    remedy,
    usable_folder,
    workspace_lock,
)

ROOT = Path(__file__).resolve().parent.parent
EMULATION = ROOT / ".ci" / "windows-emulation"
PERIOD = "2025Q3"


def _cli(*args: str, encoding: str | None = None, emulate: bool = False, **kw):
    """`roundtrip ARGS` in a new process, as a console would run it; its output as bytes."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONIOENCODING", "PYTHONPATH")}
    env["ROUNDTRIP_LANG"] = "fi"
    if encoding:
        env["PYTHONIOENCODING"] = encoding
    if emulate:
        env["PYTHONPATH"] = str(EMULATION)
    return subprocess.run(
        [sys.executable, "-m", "roundtrip.cli", *args], capture_output=True, env=env, **kw
    )


# --- the console's encoding ---------------------------------------------------------------


def test_stand_ins_read_the_same_and_always_encode():
    assert stand_in("→", "cp1252") == "->"
    assert stand_in("…", "cp850") == "..."
    assert stand_in("ä", "ascii") == "a"
    assert stand_in("Å", "ascii") == "A"
    assert stand_in("\u00a0", "ascii") == " "
    assert stand_in("中", "cp1252") == "?"
    for enc in ("cp1252", "cp850", "ascii"):
        for char in "→…–—€✓ÄÖåéß\u202f中😀":
            stand_in(char, enc).encode(enc)  # never fails


def test_printable_changes_only_what_the_encoding_lacks():
    line = "HAL raportti.xlsx → HAL: hyväksytty… 12\u202f000 €"
    utf8 = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    cp1252 = io.TextIOWrapper(io.BytesIO(), encoding="cp1252")
    ascii_ = io.TextIOWrapper(io.BytesIO(), encoding="ascii")
    assert printable(line, utf8) == line
    assert printable(line, cp1252) == "HAL raportti.xlsx -> HAL: hyväksytty… 12 000 €"
    assert printable(line, ascii_) == "HAL raportti.xlsx -> HAL: hyvaksytty... 12 000 EUR"


def test_prepare_console_lets_the_standard_streams_write_anything(monkeypatch):
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="cp850")
    monkeypatch.setattr(sys, "stdout", stream)
    prepare_console()
    print("Määräaika → 31.10.2025 – kiitos…")
    stream.flush()
    assert stream.errors == FALLBACK
    assert raw.getvalue().decode("cp850") == "Määräaika -> 31.10.2025 - kiitos...\n"


@pytest.mark.parametrize("encoding", ["cp1252", "cp850", "ascii"])
def test_every_line_reaches_a_console_of_any_encoding(demo_ws, encoding):
    """collect's report (arrows, ä, no-break spaces in numbers) redirected to a file in the
    encodings Windows gives: no traceback, every line there, readable."""
    args = ("-w", str(demo_ws), "collect", PERIOD)
    real = _cli(*args, encoding="utf-8", timeout=120)
    narrow = _cli(*args, encoding=encoding, timeout=120)
    assert narrow.returncode == real.returncode, narrow.stderr
    assert b"Traceback" not in narrow.stderr
    lines = real.stdout.decode("utf-8").splitlines()
    assert any("→" in line for line in lines) and any("ä" in line for line in lines)
    target = io.TextIOWrapper(io.BytesIO(), encoding=encoding)
    expected = [printable(line, target) for line in lines]
    assert narrow.stdout.decode(encoding).splitlines() == expected


def test_an_error_line_reaches_an_ascii_console(tmp_path):
    """The one line of an error, in Finnish, on an ASCII stderr: readable, exit code kept."""
    missing = tmp_path / "ei työtilaa"
    out = _cli("-w", str(missing), "status", PERIOD, encoding="ascii", timeout=60)
    assert out.returncode == 2
    text = out.stderr.decode("ascii")
    assert "Traceback" not in text
    assert text.startswith("Virhe: ") and "ei tyotilaa" in text


def test_a_reader_that_goes_away_ends_the_command_quietly(demo_ws):
    """`roundtrip status | more` left early: no traceback and no error line."""
    env = dict(os.environ, ROUNDTRIP_LANG="fi")
    proc = subprocess.Popen(
        [sys.executable, "-m", "roundtrip.cli", "-w", str(demo_ws), "status", PERIOD],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()  # before it has written anything
    err = proc.stderr.read()
    proc.wait(timeout=60)
    assert err == b""
    assert proc.returncode in (0, 1)


# --- the workspace lock ------------------------------------------------------------------

_HOLD = """
import sys, time
from roundtrip.workspace import Workspace, workspace_lock
with workspace_lock(Workspace(__import__("pathlib").Path(sys.argv[1]))):
    print("held", flush=True)
    time.sleep(120)
"""


def _holder(root: Path) -> subprocess.Popen:
    proc = subprocess.Popen(
        [sys.executable, "-c", _HOLD, str(root)], stdout=subprocess.PIPE, text=True
    )
    assert proc.stdout is not None
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_the_lock_keeps_out_a_second_collect_and_outlives_no_crash(aura_ws):
    """Held by another process: a second one is told it is busy. That process killed (as a
    crash or the Task Manager would): the lock is free at once, not left blocking forever."""
    proc = _holder(aura_ws.root)
    try:
        with (
            pytest.raises(BusyError, match="another roundtrip collect"),
            workspace_lock(aura_ws, wait_s=0.3),
        ):
            pass
    finally:
        proc.kill()
        proc.wait(timeout=30)
    started = time.monotonic()
    with workspace_lock(aura_ws, wait_s=10):
        waited = time.monotonic() - started
    assert waited < 5


def test_the_lock_is_released_for_the_next_run(aura_ws):
    with workspace_lock(aura_ws, wait_s=0):
        pass
    with workspace_lock(aura_ws, wait_s=0):
        pass


def test_a_marker_left_empty_by_a_killed_collect_does_not_block_for_good(aura_ws, monkeypatch):
    """Where the system has no file lock (filelock's marker file instead, as in the Windows
    emulation), a collect killed between creating the marker and writing its owner leaves
    it empty: after a moment it is broken, while a fresh empty one (being written) is not."""
    import filelock

    monkeypatch.setattr(filelock, "FileLock", filelock.SoftFileLock)
    marker = aura_ws.root / "roundtrip.db.lock"
    marker.write_bytes(b"")
    with (  # (an empty marker written just now: its owner may be writing it)
        pytest.raises(BusyError, match="another roundtrip collect"),
        workspace_lock(aura_ws, wait_s=0.2),
    ):
        pass
    assert marker.exists()
    old = time.time() - 60
    os.utime(marker, (old, old))
    with workspace_lock(aura_ws, wait_s=0.2):
        assert marker.stat().st_size > 0  # (this collect's own marker now)
    assert not marker.exists()


# --- names and paths ---------------------------------------------------------------------


def test_an_annotated_copy_of_a_file_with_a_long_name_fits_the_system(tmp_path):
    """A returned file whose name is near the limit (245 bytes): its annotated copy's name,
    longer by '_kommentoitu', is cut to fit, its mark kept."""
    ws = Workspace(tmp_path)
    name = "ä" * 118 + " HAL.xlsx"
    target = feedback_target(ws, parse_period(PERIOD), name, ".xlsx", "fi")
    assert target.name.endswith("_kommentoitu.xlsx")
    assert len(target.name.encode("utf-8")) <= 255
    target.parent.mkdir(parents=True)
    target.write_bytes(b"")  # the system takes it


def test_fitted_names_keep_a_windows_path_under_its_limit():
    folder = Path("C:/Users/koordinaattori/OneDrive - Auran kunta/" + "x" * 150)
    name = fitted_name(
        folder, "HAL raportti 2025Q3 " + "y" * 100, "_kommentoitu.xlsx", windows=True
    )
    assert len(str(folder)) + 1 + len(name) <= 259
    assert name.startswith("HAL raportti 2025Q3") and name.endswith("_kommentoitu.xlsx")
    short = fitted_name(folder, "HAL", ".xlsx", windows=True)
    assert short == "HAL.xlsx"


def test_the_system_s_errors_say_what_to_do():
    def windows_error(code: int) -> OSError:
        exc = OSError(errno.EINVAL, "error")
        exc.winerror = code  # type: ignore[attr-defined]
        return exc

    assert "shorter" in remedy(OSError(errno.ENAMETOOLONG, "File name too long"))
    assert "shorter" in remedy(windows_error(206))
    assert "CON" in remedy(windows_error(123))
    assert "network" in remedy(windows_error(53))
    assert "read-only" in remedy(OSError(errno.EROFS, "Read-only file system"))
    assert "Excel" in remedy(PermissionError(errno.EACCES, "Permission denied"))


@pytest.mark.parametrize("command", [["init", "{path}", "--example", "aura"], ["demo", "{path}"]])
def test_a_windows_network_path_is_refused_here_with_what_to_do(tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    unc = r"\\palvelin\yhteiset\elinvoima"
    args = [a.format(path=unc) for a in command]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2
    assert "Windows network path" in result.output and "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []  # no folder of that odd name made
    assert usable_folder(unc, windows=True) == Path(unc)  # on Windows it is a path


def test_a_workspace_named_with_spaces_and_letters_beyond_ascii_works(aura_base, tmp_path):
    root = tmp_path / "Elinvoima – työtila ÅÄÖ"
    shutil.copytree(aura_base, root)
    runner = CliRunner()
    made = runner.invoke(main, ["-w", str(root), "generate", PERIOD])
    assert made.exit_code == 0, made.output
    assert len(list((root / "outbox" / PERIOD).glob("*.xlsx"))) == 8


def test_a_path_in_a_printed_command_is_one_word_in_the_user_s_shell():
    assert shell_word("2025Q3") == "2025Q3"
    assert shell_word("/srv/ws-1/a.b") == "/srv/ws-1/a.b"
    assert shell_word("/tmp/Työ tila", windows=False) == "'/tmp/Työ tila'"
    assert shell_word("it's here", windows=False) == "'it'\"'\"'s here'"
    assert shell_word(r"C:\Users\Työ tila", windows=True) == r"'C:\Users\Työ tila'"
    assert shell_word("O'Brien", windows=True) == "'O''Brien'"
    assert shell_word(r"\\palvelin\jako", windows=True) == r"\\palvelin\jako"
    assert shell_word("-w", windows=True) == "'-w'"


def test_the_commands_init_suggests_run_as_printed_in_a_folder_with_spaces(tmp_path):
    """The lines `init` ends with are copied into a shell as they are: the folder, with its
    space and ``ä``, stays one word, and the command does what it says."""
    import shlex

    root = tmp_path / "Elinvoima työtila"
    runner = CliRunner()
    made = runner.invoke(main, ["--lang", "en", "init", str(root), "--example", "aura"])
    assert made.exit_code == 0, made.output
    lines = made.output.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("Next: review"))
    check, generate = (shlex.split(line) for line in lines[start + 1 : start + 3])
    assert check == ["roundtrip", "-w", str(root), "check"]
    assert generate[:3] == ["roundtrip", "-w", str(root)] and generate[3] == "generate"
    ran = runner.invoke(main, check[1:])
    assert ran.exit_code == 0, ran.output


@contextlib.contextmanager
def _read_only_folder(folder: Path):
    """`folder` as a read-only file system of its own (a tmpfs remounted read-only)."""
    folder.mkdir()
    if subprocess.run(
        ["mount", "-t", "tmpfs", "tmpfs", str(folder)], capture_output=True
    ).returncode:
        pytest.skip("needs a read-only mount: run the tests as root (CI does) to include this")
    try:
        yield lambda: subprocess.run(
            ["mount", "-o", "remount,ro", str(folder)], check=True, capture_output=True
        )
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


@pytest.mark.skipif(not shutil.which("mount") or os.name == "nt", reason="needs mount(8)")
@pytest.mark.parametrize("command", ["collect", "summary", "register", "generate"])
def test_a_read_only_workspace_gets_one_clear_line(demo_base, tmp_path, command):
    with _read_only_folder(tmp_path / "share") as freeze:
        root = tmp_path / "share" / "demo"
        shutil.copytree(demo_base, root)
        freeze()
        before = {p: p.stat().st_mtime_ns for p in root.rglob("*")}
        args = ["-w", str(root), command] + ([PERIOD] if command != "register" else [])
        result = CliRunner().invoke(main, args)
        assert result.exit_code == 2, result.output
        lines = result.output.strip().splitlines()
        assert lines[-1].startswith("Error: ") and "read-only" in lines[-1], result.output
        assert len(lines) == 1
        assert "Traceback" not in result.output
        assert {p: p.stat().st_mtime_ns for p in root.rglob("*")} == before


# --- the whole demo, as on Windows --------------------------------------------------------


def test_the_emulation_takes_away_what_windows_lacks():
    probe = (
        "import multiprocessing as mp, os, signal\n"
        "try:\n    import fcntl\n    f = True\nexcept ImportError:\n    f = False\n"
        "print(mp.get_all_start_methods(), hasattr(os, 'fork'), hasattr(signal, 'setitimer'), f)"
    )
    env = dict(os.environ, PYTHONPATH=str(EMULATION))
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, check=True
    )
    assert out.stdout.strip() == "['spawn'] False False False"


@pytest.mark.slow
def test_the_demo_runs_end_to_end_in_windows_emulation(tmp_path):
    """`roundtrip demo` with no fork, no fcntl, no setitimer and a cp1252 console, in a
    folder whose name has spaces and letters beyond ASCII: the whole round trip made."""
    target = tmp_path / "Työ tila" / "roundtrip demo"
    out = _cli("demo", str(target), encoding="cp1252", emulate=True, timeout=600)
    text = out.stdout.decode("cp1252")
    assert out.returncode == 0, out.stderr.decode("cp1252", "replace")
    assert b"Traceback" not in out.stderr
    assert "-> SIV: hyväksytty" in text and "→" not in text
    assert f"roundtrip -w '{target}' status {PERIOD}" in text  # one word in the shell
    for made in (
        f"reports/{PERIOD}/summary.xlsx",
        f"reports/{PERIOD}/validation.xlsx",
        "reports/register.xlsx",
        "roundtrip.db",
    ):
        assert (target / made).is_file(), made
    assert len(list((target / "outbox" / PERIOD).glob("*.xlsx"))) == 8
    assert list((target / "outbox" / PERIOD / "mail").glob("*.eml"))


@pytest.mark.skipif(not shutil.which("mount") or os.name == "nt", reason="needs mount(8)")
def test_returns_on_a_read_only_share_are_collected(demo_ws, tmp_path):
    """Returns read from a read-only place (a share, a mail attachment folder): archived,
    read and stored as from the inbox, and nothing is written beside them."""
    import openpyxl

    [siv] = (Path(demo_ws) / "inbox" / PERIOD).glob("*SIV*.xlsx")
    with _read_only_folder(tmp_path / "share") as freeze:
        share = tmp_path / "share"
        book = openpyxl.load_workbook(siv)
        sheet = book.worksheets[0]
        sheet.cell(row=sheet.max_row + 1, column=1, value="uusi rivi")  # a new version
        book.save(share / "SIV uusi versio.xlsx")
        freeze()
        before = {p.name: p.read_bytes() for p in share.iterdir()}
        result = CliRunner().invoke(main, ["-w", str(demo_ws), "collect", PERIOD, str(share)])
        assert "Traceback" not in result.output
        assert "SIV uusi versio.xlsx → SIV: accepted" in result.output, result.output
        assert {p.name: p.read_bytes() for p in share.iterdir()} == before


def test_a_rename_refused_for_a_moment_is_tried_again(tmp_path, monkeypatch):
    """On Windows a virus scanner holds a new file for a moment: the rename over the old
    one is tried again; refused for longer (Excel has it open), the error stands."""
    from roundtrip import workspace as workspace_mod
    from roundtrip.workspace import atomic_write_bytes

    real, refusals = os.replace, [2]

    def replace(src, dst):
        if refusals[0] > 0:
            refusals[0] -= 1
            raise PermissionError(13, "Permission denied", str(dst))
        return real(src, dst)

    monkeypatch.setattr(workspace_mod, "REPLACE_RETRIES", 3)
    monkeypatch.setattr(os, "replace", replace)
    target = tmp_path / "yhteenveto.xlsx"
    atomic_write_bytes(target, b"uusi")
    assert target.read_bytes() == b"uusi"
    refusals[0] = 10
    with pytest.raises(PermissionError):
        atomic_write_bytes(target, b"toinen")
    assert target.read_bytes() == b"uusi"
    assert [p.name for p in tmp_path.iterdir()] == ["yhteenveto.xlsx"]
