"""The register (roundtrip.db, SQLite): schema and connection.

Every stored value keeps its provenance: the submission (file) it came from and the sheet and
cell it was read from. A rejected file is never written here. Storing one file is one
transaction. A newer accepted return for the same department and period supersedes the older
one (`superseded_by`), which stays in the history.

The schema has revisions (Alembic, in migrations/): connect() opens every register at the
newest, upgrading an older one after copying it aside, and refuses one from a newer roundtrip
(docs/register.md).
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from roundtrip.errors import WorkspaceError
from roundtrip.language import _
from roundtrip.language.console import printable
from roundtrip.register.migrations.baseline import statements
from roundtrip.register.migrations.views import VIEWS_V2

# meta.schema_version: "1" in every register (see REVISIONS below for what decides the schema)
SCHEMA_VERSION = "1"

# The newest schema's tables, as a new register is made (with VIEWS below). A change here is
# a new revision in migrations/versions/ that makes the same change in an older register.
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS submissions (
    id                INTEGER PRIMARY KEY,
    content_hash      TEXT NOT NULL UNIQUE,   -- sha256 of the file's bytes
    original_name     TEXT NOT NULL,          -- file name as received
    archive_path      TEXT NOT NULL,          -- relative to the workspace
    department_id     TEXT NOT NULL,
    period            TEXT NOT NULL,
    received_at       TEXT NOT NULL,          -- ISO 8601, when the file arrived (mtime)
    collected_at      TEXT NOT NULL,          -- ISO 8601, when collect stored it
    verdict           TEXT NOT NULL,          -- 'accepted' or 'warnings'
    signer            TEXT NOT NULL DEFAULT '',  -- last modified by / creator in the file
    programme_version TEXT NOT NULL DEFAULT '',
    generated_at      TEXT NOT NULL DEFAULT '',
    errors            INTEGER NOT NULL DEFAULT 0,
    warnings          INTEGER NOT NULL DEFAULT 0,
    superseded_by     INTEGER REFERENCES submissions(id),
    -- The sign-off (ADDED_COLUMNS): who approved the return, and when (an ISO date).
    approved_by       TEXT NOT NULL DEFAULT '',
    approved_on       TEXT NOT NULL DEFAULT '',
    -- The workspace that archived the file (host:folder; revision 0003): with a shared
    -- register each coordinator archives what they collect in their own workspace.
    archived_in       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS submissions_dept_period ON submissions(department_id, period);

-- The programme versions published into the register (revision 0003): what every
-- coordinator of a shared register takes programme.xlsx from (register/programmes.py).
CREATE TABLE IF NOT EXISTS programme_versions (
    id             INTEGER PRIMARY KEY,
    content_hash   TEXT NOT NULL UNIQUE,   -- sha256 of programme.xlsx's bytes
    data           BLOB NOT NULL,          -- programme.xlsx as it was published
    version        TEXT NOT NULL DEFAULT '',  -- the programme's own version label
    published_at   TEXT NOT NULL,          -- ISO 8601 in UTC
    published_from TEXT NOT NULL DEFAULT ''  -- the workspace it came from (host:folder)
);

CREATE TABLE IF NOT EXISTS answers (
    submission_id  INTEGER NOT NULL REFERENCES submissions(id),
    period         TEXT NOT NULL,
    department_id  TEXT NOT NULL,
    action_id      TEXT NOT NULL,
    status_key     TEXT,            -- NULL when not answered
    progress       INTEGER,         -- 0..100 or NULL
    comment        TEXT,
    sheet          TEXT NOT NULL,   -- sheet name as found in the file
    status_cell    TEXT NOT NULL DEFAULT '',
    progress_cell  TEXT NOT NULL DEFAULT '',
    comment_cell   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (submission_id, action_id)
);
CREATE INDEX IF NOT EXISTS answers_action ON answers(action_id, period);
-- covers the summary's status counts per submission (trend), in index order
CREATE INDEX IF NOT EXISTS answers_status ON answers(submission_id, period, status_key);

CREATE TABLE IF NOT EXISTS metric_values (
    submission_id  INTEGER NOT NULL REFERENCES submissions(id),
    period         TEXT NOT NULL,
    department_id  TEXT NOT NULL,
    action_id      TEXT NOT NULL,
    metric_id      TEXT NOT NULL,
    kind           TEXT NOT NULL,
    value_num      REAL,            -- count/number/percent; yes/no as 1/0
    value_text     TEXT,            -- the value as text (canonical), NULL when not answered
    comment        TEXT,
    sheet          TEXT NOT NULL,
    value_cell     TEXT NOT NULL DEFAULT '',
    comment_cell   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (submission_id, metric_id)
);
CREATE INDEX IF NOT EXISTS metric_values_metric ON metric_values(metric_id, period);

CREATE TABLE IF NOT EXISTS plan_completions (
    submission_id  INTEGER NOT NULL REFERENCES submissions(id),
    period         TEXT NOT NULL,
    department_id  TEXT NOT NULL,
    action_id      TEXT NOT NULL,
    field          TEXT NOT NULL,   -- 'metric', 'schedule' or 'responsible'
    value          TEXT NOT NULL,
    sheet          TEXT NOT NULL,
    cell           TEXT NOT NULL,
    PRIMARY KEY (submission_id, action_id, field)
);

CREATE TABLE IF NOT EXISTS proposals (
    submission_id  INTEGER NOT NULL REFERENCES submissions(id),
    period         TEXT NOT NULL,
    department_id  TEXT NOT NULL,
    priority_id    TEXT NOT NULL DEFAULT '',
    action         TEXT NOT NULL,
    metric         TEXT NOT NULL DEFAULT '',
    schedule       TEXT NOT NULL DEFAULT '',
    responsible    TEXT NOT NULL DEFAULT '',
    comment        TEXT NOT NULL DEFAULT '',
    sheet          TEXT NOT NULL,
    row            INTEGER NOT NULL,
    PRIMARY KEY (submission_id, row)
);

-- Warnings of accepted submissions (errors reject a file, so they are never stored here).
CREATE TABLE IF NOT EXISTS problems (
    submission_id  INTEGER NOT NULL REFERENCES submissions(id),
    severity       TEXT NOT NULL,
    sheet          TEXT NOT NULL DEFAULT '',
    cell           TEXT NOT NULL DEFAULT '',
    value          TEXT NOT NULL DEFAULT '',
    message        TEXT NOT NULL
);

-- What was mailed to a department (roundtrip mail): a draft written or a message sent.
-- Added after schema version 1 without a new version: CREATE TABLE IF NOT EXISTS gives an
-- older register the table when it is next opened (register/mailings.py).
CREATE TABLE IF NOT EXISTS mailings (
    id             INTEGER PRIMARY KEY,
    department_id  TEXT NOT NULL,
    period         TEXT NOT NULL,
    kind           TEXT NOT NULL,   -- 'request', 'before', 'late' or 'rejected'
    at             TEXT NOT NULL,   -- ISO 8601 in UTC, when it was drafted or sent
    how            TEXT NOT NULL,   -- 'draft' or 'sent'
    recipient      TEXT NOT NULL,
    path           TEXT NOT NULL DEFAULT ''  -- the .eml draft written ('' when none)
);
CREATE INDEX IF NOT EXISTS mailings_period ON mailings(period, department_id, kind);

-- The submission that currently counts for each department and period.
CREATE VIEW IF NOT EXISTS current_submissions AS
    SELECT * FROM submissions WHERE superseded_by IS NULL;
"""


# The analysts' read-only views (docs/register.md), as the newest revision makes them.
VIEWS = tuple(VIEWS_V2.values())

# What decides a register's schema is its Alembic revision (the alembic_version table). The
# revisions this roundtrip knows, oldest first (the scripts in migrations/versions/; a test
# holds the two equal), and the newest, which a register is opened at. meta.schema_version
# stays "1", as older releases wrote it; a register with it and no alembic_version table
# was written before migrations and is upgraded from the baseline, which adopts it.
REVISIONS = ("0001", "0002", "0003")
HEAD = REVISIONS[-1]
_ALEMBIC_TABLE = (
    "CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL, "
    "CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num))"
)  # (as Alembic makes it)


def connect(path: Path | str) -> sqlite3.Connection:
    """Open the register at the newest schema: create it when new; upgrade an older one,
    first copied aside (a backup file beside it, named on the console); refuse one written
    by a newer roundtrip. At the newest revision, opening is one query (no Alembic import).
    A file that is no register (damaged, or another file of that name) or cannot be opened
    is a WorkspaceError. Readers that must never write open it read-only (mode=ro) instead."""
    try:
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    except sqlite3.Error as exc:  # (a folder of that name, say)
        raise register_error(path, exc) from exc
    try:
        conn.execute("PRAGMA foreign_keys = ON")
        revision = _revision(conn)
        if revision != HEAD:
            _refuse_newer(path, revision)  # before anything is written
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        if revision != HEAD:
            _to_head(conn, path)
        conn.row_factory = sqlite3.Row
    except sqlite3.Error as exc:
        conn.close()
        raise register_error(path, exc) from exc
    except BaseException:
        conn.close()
        raise
    return conn


def _revision(conn: sqlite3.Connection) -> str | None:
    """The register's revision; "v1" for a register written before migrations (no
    alembic_version table; "v" and its meta.schema_version when that is not 1), None for an
    empty file (a new register)."""
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
    else:
        return str(row[0]) if row else "v1"
    if conn.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchone() is None:
        return None
    try:
        row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    except sqlite3.OperationalError:  # (no meta table: adopted as version 1, as it always was)
        row = None
    return f"v{row[0] if row else SCHEMA_VERSION}"


def refuse_newer(conn: sqlite3.Connection, path: Path | str) -> None:
    """For a command that reads the register read-only (and so never upgrades it): a
    WorkspaceError when a newer roundtrip wrote it, rather than a misreading."""
    _refuse_newer(path, _revision(conn))


def _refuse_newer(path: Path | str, revision: str | None) -> None:
    """A WorkspaceError for a register whose revision this roundtrip does not know."""
    if revision is None or revision in REVISIONS or revision == f"v{SCHEMA_VERSION}":
        return
    raise WorkspaceError(
        _(
            "the register {path} was written by a newer roundtrip (schema {revision}; this "
            "one knows up to {head}): install the newer roundtrip to use it. Nothing was "
            "changed."
        ).format(path=path, revision=revision, head=HEAD)
    )


def _to_head(conn: sqlite3.Connection, path: Path | str) -> None:
    """Create a new register at the newest schema, or upgrade an older one: under SQLite's
    write lock (BEGIN IMMEDIATE), where the revision is read again, as another process may
    have just done it; the older register is first copied aside, and upgraded in the one
    transaction. A failure leaves it as it was (and no copy)."""
    upgrade = None
    if _revision(conn) is not None:  # an older register: Alembic will upgrade it
        from roundtrip.register.migrations import Upgrade

        upgrade = Upgrade(conn)
    conn.execute("BEGIN IMMEDIATE")
    try:
        revision = _revision(conn)
        _refuse_newer(path, revision)
        if revision is None:
            _create(conn)
        elif revision != HEAD:
            copy = _backup(path, revision)
            try:
                if upgrade is None:  # (made in between by another process: not an empty file)
                    raise sqlite3.OperationalError("the register changed while it was opened")
                upgrade.run()  # (commits)
            except BaseException:
                copy.unlink(missing_ok=True)
                raise
            say(
                _(
                    "Upgraded the register {path} (schema {old} to {new}); the register as "
                    "it was is kept in {copy}."
                ).format(path=path, old=revision, new=HEAD, copy=copy.name)
            )
        if conn.in_transaction:
            conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _create(conn: sqlite3.Connection) -> None:
    """A new register at the newest revision, as the migrations would make it (a test holds
    the two equal), without Alembic: Alembic's own recipe (create the schema, stamp head)."""
    for sql in (*statements(SCHEMA), *VIEWS, _ALEMBIC_TABLE):
        conn.execute(sql)
    conn.execute("INSERT INTO alembic_version(version_num) VALUES (?)", (HEAD,))
    conn.execute(
        "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)", (SCHEMA_VERSION,)
    )


def backup_name(path: Path | str, revision: str, now: dt.datetime | None = None) -> Path:
    """Where an upgrade keeps the register as it was: beside it,
    roundtrip.db.backup-<revision>-<UTC time>."""
    now = now or dt.datetime.now(dt.UTC)
    return Path(f"{path}.backup-{revision}-{now:%Y%m%dT%H%M%SZ}")


def _backup(path: Path | str, revision: str) -> Path:
    """Copy the register as it is into a new file beside it (SQLite's online backup, through
    a second, read-only connection: the writer holds the lock, so nothing changes meanwhile)
    and return its path."""
    target = backup_name(path, revision)
    n = 1
    while target.exists():
        n += 1
        target = Path(f"{backup_name(path, revision)}-{n}")
    partial = target.with_name(target.name + ".partial")
    source = sqlite3.connect(Path(path).resolve().as_uri() + "?mode=ro", uri=True, timeout=30)
    try:
        copy = sqlite3.connect(partial)
        try:
            source.backup(copy)
            copy.execute("PRAGMA journal_mode = DELETE")  # (one file, whole in itself)
        finally:
            copy.close()
        os.replace(partial, target)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        source.close()
    return target


def say(line: str) -> None:
    """A line on the console (stderr) from below the CLI: the upgrade, which happens once."""
    sys.stderr.write(printable(line, sys.stderr) + "\n")
    sys.stderr.flush()


def register_error(path: Path | str, exc: sqlite3.Error) -> WorkspaceError:
    """One line for a register SQLite cannot use, with what to do about it (console language;
    SQLite's own words are quoted as they are)."""
    text = str(exc)
    if isinstance(exc, sqlite3.DatabaseError) and ("not a database" in text or "malformed" in text):
        hint = _(
            "It is damaged, or not a roundtrip register: restore it from a backup (every "
            "returned file is also kept in the archive/ folder)."
        )
    elif "locked" in text or "busy" in text:
        hint = _("Another program keeps it busy: close that program (or wait) and run again.")
    elif ("readonly" in text or "unable to open" in text) and not _writable(Path(path).parent):
        hint = _("Its folder is read-only: copy the workspace to a folder you can write to.")
    elif "readonly" in text or "read-only" in text or "unable to open" in text:
        hint = _("Check that it is a file, and the permissions of the file and its folder.")
    elif "full" in text or "disk I/O" in text:
        hint = _("The disk is full or failing: free some space (or check the disk) and run again.")
    else:
        hint = ""
    line = _("cannot use the register {path}: {reason}.").format(path=path, reason=text)
    return WorkspaceError(f"{line} {hint}".rstrip())


def _writable(folder: Path) -> bool:
    """`folder` exists and this process may write in it (False on a read-only file system,
    for every user)."""
    return folder.is_dir() and os.access(folder, os.W_OK)


def query(
    conn: sqlite3.Connection, sql: str, args: tuple[Any, ...] | Mapping[str, Any] = ()
) -> sqlite3.Cursor:
    """Rows as plain tuples, whatever the connection's row factory (sqlite3.Row costs ~1 us a
    row; a regional register holds hundreds of thousands of answers a period)."""
    cur = conn.cursor()
    cur.row_factory = None
    return cur.execute(sql, args)
