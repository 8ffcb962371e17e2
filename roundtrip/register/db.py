"""The register (roundtrip.db, SQLite): schema and connection.

Every stored value keeps its provenance: the submission (file) it came from and the sheet and
cell it was read from. A rejected file is never written here. Storing one file is one
transaction. A newer accepted return for the same department and period supersedes the older
one (`superseded_by`), which stays in the history.
"""

from __future__ import annotations

import os
import secrets
import sqlite3
from pathlib import Path

from roundtrip.errors import WorkspaceError
from roundtrip.language import _

SCHEMA_VERSION = "1"

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
    approved_on       TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS submissions_dept_period ON submissions(department_id, period);

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


# Columns added after schema version 1 without a new version: connect() gives an older
# register those it lacks when it is next opened (ALTER TABLE, one transaction), so every
# register has the same columns in the same order as a new one.
ADDED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "submissions": (
        ("approved_by", "TEXT NOT NULL DEFAULT ''"),
        ("approved_on", "TEXT NOT NULL DEFAULT ''"),
    ),
}


def connect(path: Path | str) -> sqlite3.Connection:
    """Open (and create when new) the register with its schema. A file that is no register
    (damaged, or another file of that name) or cannot be opened is a WorkspaceError."""
    try:
        conn = sqlite3.connect(str(path), timeout=30, isolation_level=None)
    except sqlite3.Error as exc:  # (a folder of that name, say)
        raise register_error(path, exc) from exc
    try:
        conn.row_factory = sqlite3.Row
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.executescript(SCHEMA)
        _add_columns(conn)
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', ?)",
            (SCHEMA_VERSION,),
        )
    except sqlite3.Error as exc:
        conn.close()
        raise register_error(path, exc) from exc
    return conn


def _missing_columns(conn: sqlite3.Connection) -> list[tuple[str, str, str]]:
    """(table, column, declaration) of every ADDED_COLUMNS column the register lacks."""
    out: list[tuple[str, str, str]] = []
    for table, columns in ADDED_COLUMNS.items():
        have = {row[1] for row in conn.execute(f"PRAGMA table_info({table})")}
        out.extend((table, name, decl) for name, decl in columns if name not in have)
    return out


def _add_columns(conn: sqlite3.Connection) -> None:
    """Give an older register the columns added since (ADDED_COLUMNS), in one transaction;
    looked at again once the register is locked, as another process may have just added
    them."""
    if not _missing_columns(conn):
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        for table, name, decl in _missing_columns(conn):
            conn.execute(f"ALTER TABLE {table} ADD COLUMN {name} {decl}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


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


def query(conn: sqlite3.Connection, sql: str, args: tuple = ()) -> sqlite3.Cursor:
    """Rows as plain tuples, whatever the connection's row factory (sqlite3.Row costs ~1 us a
    row; a regional register holds hundreds of thousands of answers a period)."""
    cur = conn.cursor()
    cur.row_factory = None
    return cur.execute(sql, args)


def secret(conn: sqlite3.Connection) -> bytes:
    """The workspace's HMAC secret, created on first use."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'secret'").fetchone()
    if row is None:
        conn.execute(
            "INSERT OR IGNORE INTO meta(key, value) VALUES ('secret', ?)", (secrets.token_hex(32),)
        )
        row = conn.execute("SELECT value FROM meta WHERE key = 'secret'").fetchone()
    return bytes.fromhex(row["value"])
