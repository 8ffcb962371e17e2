"""Schema migrations (issue 25): every command opens an older register, copies it aside,
upgrades it and goes on; a register newer than the installed roundtrip is refused.

The older registers are real ones: the demo's, put back the way roundtrip wrote it before
migrations (no alembic_version table, no analysts' views), and one from before the sign-off
columns, built with the CREATE TABLE of that time.
"""

from __future__ import annotations

import hashlib
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner
from register_builder import SUBMISSIONS_BEFORE_SIGNOFF

from roundtrip.cli import main
from roundtrip.errors import WorkspaceError
from roundtrip.register import db
from roundtrip.register import migrations as migrations_package
from roundtrip.register.migrations import baseline, views

VIEWS = ("v_current_answers", "v_metric_values", "v_submissions")


def as_at_0002(conn: sqlite3.Connection) -> None:
    """Take out what revision 0003 added (the programme versions, where a file was archived)."""
    conn.execute("DROP TABLE programme_versions")
    conn.execute("ALTER TABLE submissions DROP COLUMN archived_in")


def as_before_migrations(path: Path) -> None:
    """The register at `path` as roundtrip wrote it before issue 25: schema_version 1 in
    meta, no alembic_version table, no analysts' views."""
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE alembic_version")
    for view in VIEWS:
        conn.execute(f"DROP VIEW {view}")
    as_at_0002(conn)
    conn.commit()
    conn.close()


def tables(path: Path) -> list[str]:
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        return [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT IN ('alembic_version') AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
    finally:
        conn.close()


def contents(path: Path, like: dict | None = None) -> dict[str, tuple[tuple, list[tuple]]]:
    """Every row of every table (but Alembic's), in a fixed order, with the columns: table ->
    (columns, rows). `like`: the tables and columns of an earlier `contents` (a register
    upgraded since has more: its rows as they were)."""
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    try:
        out = {}
        for t in like or tables(path):
            cols = like[t][0] if like else [r[1] for r in conn.execute(f"PRAGMA table_info({t})")]
            rows = conn.execute(f"SELECT {', '.join(cols)} FROM {t}").fetchall()
            out[t] = (tuple(cols), sorted(rows, key=repr))
        return out
    finally:
        conn.close()


def shape(conn: sqlite3.Connection) -> dict[str, object]:
    """What a schema is made of: every table's columns (name, type, not null, default,
    primary key), every index's table and columns, every view's columns."""
    out: dict[str, object] = {}
    for kind, name, table in conn.execute(
        "SELECT type, name, tbl_name FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
    ).fetchall():
        if kind == "index":
            cols = [r[2] for r in conn.execute(f"PRAGMA index_info({name})")]
            out[f"index {name}"] = (table, cols)
        else:
            cols = [tuple(r[1:]) for r in conn.execute(f"PRAGMA table_info({name})")]
            out[f"{kind} {name}"] = cols
    return out


def revision(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("SELECT version_num FROM alembic_version").fetchone()[0]
    finally:
        conn.close()


def backups(path: Path) -> list[Path]:
    return sorted(p for p in path.parent.glob(path.name + ".backup-*") if p.suffix != ".partial")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


# ----------------------------------------------------------------------------- revisions


def test_the_register_knows_the_revisions_the_scripts_have():
    assert list(db.REVISIONS) == migrations_package.revisions()
    assert db.HEAD == db.REVISIONS[-1] == "0003"


def test_a_new_register_is_what_the_migrations_make(tmp_path):
    """connect() makes a new register without Alembic (its schema, then stamped at the
    newest revision): the same tables, columns, indexes and views as the migrations make
    from an empty file."""
    new = db.connect(tmp_path / "new.db")
    conn = sqlite3.connect(tmp_path / "migrated.db", isolation_level=None)
    upgrade = migrations_package.Upgrade(conn)
    conn.execute("BEGIN IMMEDIATE")
    upgrade.run()
    assert not conn.in_transaction  # committed
    assert shape(new) == shape(conn)
    assert set(VIEWS) <= {k.split()[1] for k in shape(new) if k.startswith("view ")}
    for c in (new, conn):
        assert c.execute("SELECT version_num FROM alembic_version").fetchall()[0][0] == db.HEAD
        assert c.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "1"
    new.close()
    conn.close()


# ----------------------------------------------------------------------------- upgrading


def test_the_demo_register_from_before_migrations_upgrades_with_every_row(demo_ws, capsys):
    path = Path(demo_ws) / "roundtrip.db"
    as_before_migrations(path)
    before = contents(path)
    assert len(before["answers"][1]) > 100 and len(before["submissions"][1]) > 10
    schema_before = shape(sqlite3.connect(path))
    assert not backups(path)

    db.connect(path).close()

    # The copy: beside it, named on the console, the register as it was (every row).
    [copy] = backups(path)
    assert copy.name.startswith("roundtrip.db.backup-v1-")
    assert contents(copy) == before
    assert shape(sqlite3.connect(copy)) == schema_before
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and copy.name in err and "Upgraded the register" in err
    # The register: every row of every table as it was, at the newest revision, with views.
    assert contents(path, before) == before
    assert revision(path) == db.HEAD
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    (n,) = conn.execute("SELECT count(*) FROM v_current_answers").fetchone()
    (m,) = conn.execute(
        "SELECT count(*) FROM answers a JOIN submissions s ON s.id = a.submission_id "
        "WHERE s.superseded_by IS NULL"
    ).fetchone()
    conn.close()
    assert n == m > 0
    # Opened again: nothing to do, no copy, no line.
    db.connect(path).close()
    assert backups(path) == [copy]
    assert capsys.readouterr().err == ""


def test_a_register_from_before_the_signoff_gets_its_columns(tmp_path):
    path = tmp_path / "roundtrip.db"
    conn = sqlite3.connect(path)
    conn.executescript(SUBMISSIONS_BEFORE_SIGNOFF)
    conn.executescript(baseline.SCHEMA_V1)  # (IF NOT EXISTS: submissions stays old)
    conn.execute("INSERT INTO meta(key, value) VALUES ('schema_version', '1')")
    conn.execute(
        "INSERT INTO submissions (content_hash, original_name, archive_path, department_id, "
        "period, received_at, collected_at, verdict) VALUES ('h1', 'old.xlsx', "
        "'archive/h1.xlsx', 'VAP', '2025Q2', '2025-07-10T09:00:00Z', '2025-07-20', 'accepted')"
    )
    conn.commit()
    conn.close()
    old_rows = contents(path)["submissions"][1]

    db.connect(path).close()

    [copy] = backups(path)
    assert contents(copy)["submissions"][1] == old_rows  # as it was, without the columns
    conn = sqlite3.connect(path)
    cols = [r[1] for r in conn.execute("PRAGMA table_info(submissions)")]
    assert cols[-3:] == ["approved_by", "approved_on", "archived_in"]
    assert [r[:-3] for r in conn.execute("SELECT * FROM submissions")] == old_rows
    assert conn.execute(
        "SELECT original_name, approved_by, approved_on, is_current FROM v_submissions"
    ).fetchall() == [("old.xlsx", "", "", 1)]
    conn.close()
    assert revision(path) == db.HEAD


def test_a_register_at_the_baseline_revision_upgrades(demo_ws):
    """A register migrations already know (stamped 0001, before the views) goes to head."""
    path = Path(demo_ws) / "roundtrip.db"
    conn = sqlite3.connect(path)
    for view in VIEWS:
        conn.execute(f"DROP VIEW {view}")
    as_at_0002(conn)
    conn.execute("UPDATE alembic_version SET version_num = '0001'")
    conn.commit()
    conn.close()
    before = contents(path)
    db.connect(path).close()
    [copy] = backups(path)
    assert copy.name.startswith("roundtrip.db.backup-0001-")
    assert contents(path, before) == before == contents(copy)
    assert contents(path)["programme_versions"][1] == []
    assert revision(path) == db.HEAD


def test_a_failed_upgrade_leaves_the_register_as_it_was(demo_ws, monkeypatch):
    path = Path(demo_ws) / "roundtrip.db"
    as_before_migrations(path)
    before = contents(path)
    broken = dict(views.VIEWS_V2, v_submissions="CREATE VIEW v_submissions AS SELEC")
    monkeypatch.setattr(views, "VIEWS_V2", broken)
    with pytest.raises(WorkspaceError, match="cannot use the register"):
        db.connect(path)
    conn = sqlite3.connect(path)
    names = {r[0] for r in conn.execute("SELECT name FROM sqlite_master")}
    conn.close()
    assert "alembic_version" not in names and not names & set(VIEWS)
    assert contents(path) == before
    assert not backups(path)  # (the register did not change: no copy is kept)


def test_two_processes_opening_an_old_register_upgrade_it_once(demo_ws, capsys):
    """Both see the old revision; one takes the write lock and upgrades, the other waits for
    it, reads the revision again and finds nothing to do: one copy, one line."""
    path = Path(demo_ws) / "roundtrip.db"
    as_before_migrations(path)
    before = contents(path)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # both openers see version 1, then wait for the lock
    opened: list[object] = []

    def open_it() -> None:
        try:
            db.connect(path).close()
            opened.append("ok")
        except Exception as exc:  # (reported by the assertion below)
            opened.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(2)]
    for t in threads:
        t.start()
    time.sleep(1.5)  # (both are waiting in BEGIN IMMEDIATE: the holder has the lock)
    assert opened == []
    holder.execute("COMMIT")
    holder.close()
    for t in threads:
        t.join(60)
    assert opened == ["ok", "ok"]
    assert len(backups(path)) == 1
    assert capsys.readouterr().err.count("Upgraded the register") == 1
    assert contents(path, before) == before and revision(path) == db.HEAD


def test_opening_a_register_at_the_newest_revision_imports_no_alembic(tmp_path):
    path = tmp_path / "roundtrip.db"
    db.connect(path).close()
    code = (
        "import sys; from roundtrip.register.db import connect; "
        f"connect({str(path)!r}).close(); "
        "print(sorted(m for m in ('alembic', 'sqlalchemy') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]" and out.stderr == ""


# ----------------------------------------------------------------------------- newer registers


@pytest.mark.parametrize(
    "args", [["status", "2025Q3"], ["collect", "2025Q3"], ["register"]], ids=lambda a: a[0]
)
def test_a_register_of_a_newer_roundtrip_is_refused_unchanged(demo_ws, args):
    path = Path(demo_ws) / "roundtrip.db"
    conn = sqlite3.connect(path)
    conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.commit()
    conn.execute("PRAGMA journal_mode = DELETE")  # (all in the one file, to compare it)
    conn.close()
    before = digest(path)
    result = CliRunner().invoke(main, ["-w", str(demo_ws), *args])
    assert result.exit_code == 2, result.output
    assert result.output == (
        f"Error: the register {path} was written by a newer roundtrip (schema 0099; this one "
        "knows up to 0003): install the newer roundtrip to use it. Nothing was changed.\n"
    )
    assert digest(path) == before and not backups(path)


def test_a_register_of_a_newer_release_before_migrations_is_refused(tmp_path):
    """meta.schema_version other than 1 and no alembic_version: not one this roundtrip knows."""
    path = tmp_path / "roundtrip.db"
    conn = sqlite3.connect(path)
    conn.executescript(baseline.SCHEMA_V1)
    conn.execute("INSERT INTO meta(key, value) VALUES ('schema_version', '2')")
    conn.commit()
    conn.close()
    with pytest.raises(WorkspaceError, match=r"newer roundtrip \(schema v2;"):
        db.connect(path)
    assert not backups(path)
