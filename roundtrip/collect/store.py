"""Store one validated return in the register: one transaction, all or nothing.

A newer return for the same department and period supersedes the current one. "Newer" means a
later `received_at` (the file's modification time); on a tie, the one collected later wins.
An older file that arrives after a newer one is stored too (it is history) but is marked as
superseded by the current one at once.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, fields
from operator import attrgetter

from roundtrip.errors import Problem, UsageError, WithProblems
from roundtrip.language import _
from roundtrip.returns.validated import (
    Answer,
    MetricValue,
    PlanCompletion,
    Proposal,
    ValidatedReturn,
)


def is_stored(conn: sqlite3.Connection, content_hash: str) -> bool:
    """True when a file with these bytes was already stored."""
    row = conn.execute(
        "SELECT 1 FROM submissions WHERE content_hash = ? LIMIT 1", (content_hash,)
    ).fetchone()
    return row is not None


def stored_hashes(conn: sqlite3.Connection) -> set[str]:
    """The content hashes of every stored file (a few MB at 100,000 files)."""
    return {row[0] for row in conn.execute("SELECT content_hash FROM submissions")}


def stored_submission(conn: sqlite3.Connection, content_hash: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM submissions WHERE content_hash = ?", (content_hash,)
    ).fetchone()


@dataclass(frozen=True)
class StoreRows(WithProblems):
    """A validated return as the rows store writes: plain tuples, each in its table's column
    order after (submission_id, period, department_id). Cheap to send between processes: a
    reader process sends this, not the ValidatedReturn, which pickles far slower.
    """

    department_id: str | None
    period: str
    programme_version: str
    generated_at: str
    signer: str
    problems: tuple[Problem, ...]
    answers: tuple[tuple, ...]
    metric_values: tuple[tuple, ...]
    plan_completions: tuple[tuple, ...]
    proposals: tuple[tuple, ...]
    approved_by: str = ""  # the sign-off (ValidatedReturn's)
    approved_on: str = ""


# Each record's fields are its table's columns, in the same order.
_COLUMNS = {
    "answers": [f.name for f in fields(Answer)],
    "metric_values": [f.name for f in fields(MetricValue)],
    "plan_completions": [f.name for f in fields(PlanCompletion)],
    "proposals": [f.name for f in fields(Proposal)],
}
_answer_row, _metric_row, _plan_row, _proposal_row = (
    attrgetter(*names) for names in _COLUMNS.values()
)


def store_rows(validated: ValidatedReturn) -> StoreRows:
    """The rows `validated` is stored as. PURE."""
    return StoreRows(
        validated.department_id,
        validated.period,
        validated.programme_version,
        validated.generated_at,
        validated.signer,
        validated.problems,
        tuple(map(_answer_row, validated.answers)),
        tuple(map(_metric_row, validated.metric_values)),
        tuple(map(_plan_row, validated.plan_completions)),
        tuple(map(_proposal_row, validated.proposals)),
        validated.approved_by,
        validated.approved_on,
    )


def _insert(table: str, columns: list[str]) -> str:
    names = ", ".join(["submission_id", "period", "department_id", *columns])
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * (len(columns) + 3))})"


_INSERTS = tuple((table, _insert(table, names)) for table, names in _COLUMNS.items())


def store_submission(
    conn: sqlite3.Connection,
    validated: ValidatedReturn | StoreRows,
    *,
    content_hash: str,
    original_name: str,
    archive_path: str,
    received_at: str,
    collected_at: str,
    signer: str = "",
) -> int:
    """Write the submission and all its records in one transaction; returns its id.

    Refuses a return with errors (those never reach the register).
    """
    rows = validated if isinstance(validated, StoreRows) else store_rows(validated)
    if rows.errors or not rows.department_id:
        raise UsageError(
            _("{file}: a return with errors cannot be stored").format(file=original_name)
        )
    dept, period = rows.department_id, rows.period
    warnings = rows.warnings
    try:
        conn.execute("BEGIN IMMEDIATE")
        cur = conn.execute(
            """INSERT INTO submissions (content_hash, original_name, archive_path,
                   department_id, period, received_at, collected_at, verdict, signer,
                   programme_version, generated_at, errors, warnings, approved_by,
                   approved_on)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?, ?, ?)""",
            (
                content_hash,
                original_name,
                archive_path,
                dept,
                period,
                received_at,
                collected_at,
                "warnings" if warnings else "accepted",
                signer,
                rows.programme_version,
                rows.generated_at,
                len(warnings),
                rows.approved_by,
                rows.approved_on,
            ),
        )
        sid = cur.lastrowid
        assert sid is not None  # set by the INSERT just made
        _supersede(conn, sid, dept, period, received_at)
        for table, sql in _INSERTS:
            records = getattr(rows, table)
            if records:
                conn.executemany(sql, [(sid, period, dept, *r) for r in records])
        if warnings:
            conn.executemany(
                """INSERT INTO problems (submission_id, severity, sheet, cell, value, message)
                   VALUES (?, ?, ?, ?, ?, ?)""",
                [(sid, w.severity, w.sheet, w.cell, w.value, w.message) for w in warnings],
            )
        conn.execute("COMMIT")
    except BaseException:
        # Not after a COMMIT that went through (Ctrl-C can land just after it: the return is
        # stored and the interrupt goes on), nor when BEGIN itself failed (the register busy).
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    return sid


def _supersede(
    conn: sqlite3.Connection, new_id: int, dept: str, period: str, received_at: str
) -> None:
    current = conn.execute(
        """SELECT id, received_at FROM submissions
           WHERE department_id = ? AND period = ? AND superseded_by IS NULL AND id != ?
           ORDER BY received_at DESC, id DESC""",
        (dept, period, new_id),
    ).fetchall()
    if not current:
        return
    head = current[0]
    if received_at >= head["received_at"]:
        # The new file is the newest: it supersedes every current one.
        conn.executemany(
            "UPDATE submissions SET superseded_by = ? WHERE id = ?",
            [(new_id, row["id"]) for row in current],
        )
    else:
        # An older file arriving late: history, superseded by the current one at once.
        conn.execute("UPDATE submissions SET superseded_by = ? WHERE id = ?", (head["id"], new_id))
