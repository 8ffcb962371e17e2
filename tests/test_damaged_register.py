"""A register SQLite cannot use (damaged, another file of that name, a folder): one clear line.

collect and generate ended in a traceback ("sqlite3.DatabaseError: file is not a database");
status, register and summary said it each in its own words. Now every command says which
file, SQLite's reason and what to do, exit 2, and the file is left as it was.
"""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from roundtrip.cli import main

COMMANDS = [
    ["collect", "2025Q3"],
    ["generate", "2025Q4"],
    ["status", "2025Q3"],
    ["register"],
    ["summary", "2025Q3"],
]


def _copy(demo_ws: Path) -> Path:
    """The demo's workspace with everything in roundtrip.db itself (no write-ahead log)."""
    import sqlite3

    conn = sqlite3.connect(demo_ws / "roundtrip.db")
    conn.execute("PRAGMA journal_mode = DELETE")  # (checkpoints the log and removes it)
    conn.close()
    assert not (demo_ws / "roundtrip.db-wal").exists()
    return demo_ws


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_a_file_that_is_no_register_is_one_line_and_stays_as_it_was(demo_ws, args):
    ws = _copy(demo_ws)
    db = ws / "roundtrip.db"
    db.write_bytes(b"This is not a database, but someone's notes. " * 200)
    before = _digest(db)
    result = CliRunner().invoke(main, ["-w", str(ws), *args])
    assert result.exit_code == 2, result.output
    assert result.output == (
        f"Error: cannot use the register {db}: file is not a database. It is damaged, or not "
        "a roundtrip register: restore it from a backup (every returned file is also kept in "
        "the archive/ folder).\n"
    )
    assert _digest(db) == before


@pytest.mark.parametrize("args", COMMANDS[:2] + COMMANDS[4:], ids=lambda a: a[0])
def test_a_folder_in_the_registers_place_is_one_line(demo_ws, args):
    ws = _copy(demo_ws)
    (ws / "roundtrip.db").unlink()
    (ws / "roundtrip.db").mkdir()
    result = CliRunner().invoke(main, ["-w", str(ws), *args])
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"Error: cannot use the register {ws / 'roundtrip.db'}: ")
    assert result.output.endswith(
        "Check that it is a file, and the permissions of the file and its folder.\n"
    )
    assert len(result.output.splitlines()) == 1


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: a[0])
def test_a_register_damaged_inside_never_ends_in_a_traceback(demo_ws, args):
    """Pages in the middle overwritten (a disk error, a copy cut short): whatever a command
    gets to before it meets them, it ends with its result or one line, never a traceback."""
    ws = _copy(demo_ws)
    db = ws / "roundtrip.db"
    data = bytearray(db.read_bytes())
    page = 4096
    assert len(data) > 6 * page
    for start in range(2 * page, len(data) - page, 3 * page):  # the header page stays
        data[start + 100 : start + page] = b"\xa5" * (page - 100)
    db.write_bytes(bytes(data))
    result = CliRunner().invoke(main, ["-w", str(ws), *args])
    if result.exit_code != 0:
        assert isinstance(result.exception, SystemExit), result.exception
        assert result.exit_code == 2
        assert result.output.startswith("Error: ") and len(result.output.splitlines()) == 1


def _pages_of(db: Path, table: str) -> list[int]:
    import sqlite3

    conn = sqlite3.connect(db)
    try:
        return [r[0] for r in conn.execute("SELECT pageno FROM dbstat WHERE name = ?", (table,))]
    except sqlite3.OperationalError:
        pytest.skip("this SQLite has no dbstat table")
    finally:
        conn.close()


@pytest.mark.parametrize("args", COMMANDS[:2], ids=lambda a: a[0])
def test_a_table_damaged_mid_run_is_one_line(demo_ws, args):
    """The register opens (its schema is whole) and fails only when the command reaches the
    answers: SQLite's error, met in the middle of the work, is one line too."""
    ws = _copy(demo_ws)
    if args[0] == "collect":  # a return not stored yet (as sent, nothing filled in)
        sent = sorted((ws / "outbox" / "2025Q3").glob("*.xlsx"))[0]
        shutil.copy(sent, ws / "inbox" / "2025Q3" / "sent back as it was.xlsx")
    db = ws / "roundtrip.db"
    pages = _pages_of(db, "answers")
    data = bytearray(db.read_bytes())
    size = 4096
    for page in pages:
        start = (page - 1) * size
        data[start : start + size] = b"\xa5" * size
    db.write_bytes(bytes(data))
    result = CliRunner().invoke(main, ["-w", str(ws), *args])
    assert isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2
    last = result.output.splitlines()[-1]
    assert last.startswith("Error: cannot use the register roundtrip.db: ")
    assert "malformed" in last
