"""Store one validated return in the register: one transaction, all or nothing.

A newer return for the same department and period supersedes the current one. "Newer" means a
later `received_at` (the file's modification time); on a tie, the one collected later wins.
An older file that arrives after a newer one is stored too (it is history) but is marked as
superseded by the current one at once.
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from roundtrip.errors import Problem, UsageError, WithProblems
from roundtrip.language import _
from roundtrip.register.submissions import (
    RECORD_COLUMNS,
    store,
    stored_hashes,
    stored_submission,
)
from roundtrip.returns.validated import ValidatedReturn

__all__ = ["StoreRows", "is_stored", "store_rows", "store_submission", "stored_hashes",
           "stored_submission"]  # fmt: skip


def is_stored(conn: Any, content_hash: str) -> bool:
    """True when a file with these bytes was already stored."""
    return stored_submission(conn, content_hash) is not None


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


# Each record's fields, in its table's column order (register.submissions.RECORD_COLUMNS).
_answer_row, _metric_row, _plan_row, _proposal_row = (
    attrgetter(*RECORD_COLUMNS[t])
    for t in ("answers", "metric_values", "plan_completions", "proposals")
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


def store_submission(
    conn: Any,
    validated: ValidatedReturn | StoreRows,
    *,
    content_hash: str,
    original_name: str,
    archive_path: str,
    received_at: str,
    collected_at: str,
    signer: str = "",
    archived_in: str = "",
) -> int:
    """Write the submission and all its records in one transaction; returns its id
    (register.submissions.store: superseding, on SQLite or PostgreSQL).

    `archived_in`: the workspace whose archive_path it is (Workspace.where), so the file is
    found from a shared register. Refuses a return with errors (those never reach the
    register).
    """
    rows = validated if isinstance(validated, StoreRows) else store_rows(validated)
    if rows.errors or not rows.department_id:
        raise UsageError(
            _("{file}: a return with errors cannot be stored").format(file=original_name)
        )
    warnings = rows.warnings
    head = {
        "content_hash": content_hash,
        "original_name": original_name,
        "archive_path": archive_path,
        "department_id": rows.department_id,
        "period": rows.period,
        "received_at": received_at,
        "collected_at": collected_at,
        "verdict": "warnings" if warnings else "accepted",
        "signer": signer,
        "programme_version": rows.programme_version,
        "generated_at": rows.generated_at,
        "errors": 0,
        "warnings": len(warnings),
        "approved_by": rows.approved_by,
        "approved_on": rows.approved_on,
        "archived_in": archived_in,
    }
    records = {table: getattr(rows, table) for table in RECORD_COLUMNS}
    problems = [(w.severity, w.sheet, w.cell, w.value, w.message) for w in warnings]
    return store(conn, head, records, problems)
