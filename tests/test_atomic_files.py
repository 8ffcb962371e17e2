"""Files written atomically (a temporary file, then a rename): their permissions, their errors."""

from __future__ import annotations

import datetime as dt
import os
import stat

import pytest

from roundtrip.workspace import TEMP_PREFIX, atomic_path, atomic_write_bytes


@pytest.fixture
def umask():
    """Set the process umask for one test (restored after)."""
    saved = os.umask(0o022)
    yield lambda mask: os.umask(mask)
    os.umask(saved)


def mode(path):
    return stat.S_IMODE(path.stat().st_mode)


posix = pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")


@posix
@pytest.mark.parametrize("mask, want", [(0o022, 0o644), (0o077, 0o600), (0o002, 0o664)])
def test_a_written_file_has_the_mode_the_umask_gives(tmp_path, umask, mask, want):
    umask(mask)
    target = tmp_path / "out.xlsx"
    atomic_write_bytes(target, b"data")
    assert target.read_bytes() == b"data"
    assert mode(target) == want
    assert list(tmp_path.iterdir()) == [target]  # no temporary file left


@posix
def test_the_department_workbooks_are_readable_by_colleagues(tmp_path, umask):
    """Before, the temporary file's 0600 (tempfile.mkstemp) stayed with the workbook: a
    colleague opening the outbox on a shared drive could not read it."""
    from roundtrip.programme.bundled import load_example
    from roundtrip.register.history import Previous
    from roundtrip.returns.generate import generate_workbooks

    umask(0o022)
    p = load_example("aura")
    per = p.settings.period("2025Q3")
    now = dt.datetime(2025, 10, 1, 6, 0)
    (info,) = generate_workbooks(p, per, tmp_path, ["SIV"], b"s", Previous(), now, workers=1)
    assert mode(info.path) == 0o644


def test_the_temporary_name_says_which_process_writes_it(tmp_path):
    with atomic_path(tmp_path / "x.xlsx") as tmp:
        assert tmp.name.startswith(f"{TEMP_PREFIX}{os.getpid()}-") and tmp.suffix == ".xlsx"
        assert tmp.exists()
        tmp.write_bytes(b"x")
    assert (tmp_path / "x.xlsx").read_bytes() == b"x" and not tmp.exists()


@pytest.mark.parametrize(
    "exc, hint",
    [
        (PermissionError(13, "Permission denied"), "; if it is open in Excel or another program"),
        (IsADirectoryError(21, "Is a directory"), "; a folder has that name"),
        (OSError(28, "No space left on device"), "; free some space on the disk"),
        (OSError(5, "Input/output error"), ""),
    ],
)
def test_a_file_that_cannot_be_written_is_named_with_its_usual_cause(tmp_path, exc, hint):
    from roundtrip.errors import WorkspaceError
    from roundtrip.workspace import cannot_write

    err = cannot_write(tmp_path / "register.xlsx", exc)
    assert isinstance(err, WorkspaceError)
    assert str(err).startswith(f"cannot write {tmp_path / 'register.xlsx'} ({exc.strerror}){hint}")
    if not hint:
        assert str(err).endswith(f"({exc.strerror})")


@pytest.mark.parametrize(
    "language, line",
    [
        (
            "fi",
            "tiedostoa {file} ei voi kirjoittaa (Permission denied); jos tiedosto on auki "
            "Excelissä tai muussa ohjelmassa, sulje se ja suorita komento uudelleen",
        ),
        (
            "sv",
            "det går inte att skriva {file} (Permission denied); om filen är öppen i Excel eller "
            "ett annat program, stäng den och kör kommandot på nytt",
        ),
    ],
)
def test_the_error_and_its_remedy_speak_the_console_language(tmp_path, language, line):
    from roundtrip.language import pin_console_language
    from roundtrip.workspace import cannot_write

    pin_console_language(language)  # (conftest forgets it after the test)
    err = cannot_write(tmp_path / "register.xlsx", PermissionError(13, "Permission denied"))
    assert str(err) == line.format(file=tmp_path / "register.xlsx")
