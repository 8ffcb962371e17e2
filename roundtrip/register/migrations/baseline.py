"""Revision 0001, the baseline: the register's schema as roundtrip made it before migrations
(``meta.schema_version`` "1"), frozen here as it was. Never edit it: a change to the schema
is a new revision in versions/.

The baseline also adopts a register written by an older release (no ``alembic_version``
table): every statement is ``IF NOT EXISTS``, so what the register has stays as it is and
what it lacks is made, and the columns added to version 1 over time without a new version
(ADDED_COLUMNS: the sign-off) are added when missing, in order. An older register then
upgrades like any other.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from typing import Any

SCHEMA_V1 = """
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

# Columns added to version 1 without a new version: a register that lacks them gets them.
ADDED_COLUMNS: dict[str, tuple[tuple[str, str], ...]] = {
    "submissions": (
        ("approved_by", "TEXT NOT NULL DEFAULT ''"),
        ("approved_on", "TEXT NOT NULL DEFAULT ''"),
    ),
}


def statements(script: str) -> Iterator[str]:
    """The SQL statements of `script`, one at a time (run one by one inside the migration's
    transaction: sqlite3's executescript would commit it first)."""
    pending = ""
    for line in script.splitlines(keepends=True):
        pending += line
        if sqlite3.complete_statement(pending):
            yield pending.strip()
            pending = ""
    if pending.strip() and not pending.strip().startswith("--"):
        yield pending.strip()


def upgrade(execute: Callable[[str], Any]) -> None:
    """Make or adopt a version 1 register through `execute` (one SQL statement, returning the
    rows, in the migration's transaction)."""
    for sql in statements(SCHEMA_V1):
        execute(sql)
    for table, columns in ADDED_COLUMNS.items():
        have = {row[1] for row in execute(f"PRAGMA table_info({table})")}
        for name, decl in columns:
            if name not in have:
                execute(f"ALTER TABLE {table} ADD COLUMN {name} {decl}")
    execute("INSERT OR IGNORE INTO meta(key, value) VALUES ('schema_version', '1')")
