"""Store one validated return in the register: one transaction, all or nothing.

A newer return for the same department and period supersedes the current one. "Newer" means a
later `received_at` (the file's modification time); on a tie, the one collected later wins.
An older file that arrives after a newer one is stored too (it is history) but is marked as
superseded by the current one at once.
"""

from __future__ import annotations

import sqlite3

from .errors import UsageError
from .validate import ValidatedReturn


def is_stored(conn: sqlite3.Connection, content_hash: str) -> bool:
    """True when a file with these bytes was already stored."""
    row = conn.execute(
        "SELECT 1 FROM submissions WHERE content_hash = ? LIMIT 1", (content_hash,)
    ).fetchone()
    return row is not None


def stored_submission(conn: sqlite3.Connection, content_hash: str) -> sqlite3.Row | None:
    return conn.execute(
        "SELECT * FROM submissions WHERE content_hash = ?", (content_hash,)
    ).fetchone()


def store_submission(
    conn: sqlite3.Connection,
    validated: ValidatedReturn,
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
    if validated.errors or not validated.department_id:
        raise UsageError(f"{original_name}: a return with errors cannot be stored")
    dept, period = validated.department_id, validated.period
    warnings = validated.warnings
    conn.execute("BEGIN IMMEDIATE")
    try:
        cur = conn.execute(
            """INSERT INTO submissions (content_hash, original_name, archive_path,
                   department_id, period, received_at, collected_at, verdict, signer,
                   programme_version, generated_at, errors, warnings)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)""",
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
                validated.programme_version,
                validated.generated_at,
                len(warnings),
            ),
        )
        sid = int(cur.lastrowid)
        _supersede(conn, sid, dept, period, received_at)
        conn.executemany(
            """INSERT INTO answers (submission_id, period, department_id, action_id,
                   status_key, progress, comment, sheet, status_cell, progress_cell,
                   comment_cell) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (
                    sid,
                    period,
                    dept,
                    a.action_id,
                    a.status_key,
                    a.progress,
                    a.comment,
                    a.sheet,
                    a.status_cell,
                    a.progress_cell,
                    a.comment_cell,
                )
                for a in validated.answers
            ],
        )
        conn.executemany(
            """INSERT INTO metric_values (submission_id, period, department_id, action_id,
                   metric_id, kind, value_num, value_text, comment, sheet, value_cell,
                   comment_cell) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (
                    sid,
                    period,
                    dept,
                    m.action_id,
                    m.metric_id,
                    m.kind,
                    m.value_num,
                    m.value_text,
                    m.comment,
                    m.sheet,
                    m.value_cell,
                    m.comment_cell,
                )
                for m in validated.metric_values
            ],
        )
        conn.executemany(
            """INSERT INTO plan_completions (submission_id, period, department_id, action_id,
                   field, value, sheet, cell) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (sid, period, dept, c.action_id, c.field, c.value, c.sheet, c.cell)
                for c in validated.plan_completions
            ],
        )
        conn.executemany(
            """INSERT INTO proposals (submission_id, period, department_id, priority_id,
                   action, metric, schedule, responsible, comment, sheet, row)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (
                    sid,
                    period,
                    dept,
                    p.priority_id,
                    p.action,
                    p.metric,
                    p.schedule,
                    p.responsible,
                    p.comment,
                    p.sheet,
                    p.row,
                )
                for p in validated.proposals
            ],
        )
        conn.executemany(
            """INSERT INTO problems (submission_id, severity, sheet, cell, value, message)
               VALUES (?, ?, ?, ?, ?, ?)""",
            [(sid, w.severity, w.sheet, w.cell, w.value, w.message) for w in warnings],
        )
        conn.execute("COMMIT")
    except BaseException:
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
