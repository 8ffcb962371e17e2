"""Build a real roundtrip.db with plain SQL, for tests of status, export and summary.

The schema is roundtrip.register.db's; this helper only inserts rows the way collect would, so
tests of the readers do not depend on the whole collect pipeline.
"""

from __future__ import annotations

import itertools
import sqlite3
from collections.abc import Sequence
from pathlib import Path

from roundtrip.register.db import connect

_counter = itertools.count(1)


def insert_submission(
    conn: sqlite3.Connection,
    department_id: str,
    period: str,
    received_at: str,
    *,
    signer: str = "",
    original_name: str | None = None,
    warnings: int = 0,
    answers: Sequence[tuple] = (),
    metrics: Sequence[tuple] = (),
    proposals: Sequence[tuple] = (),
    completions: Sequence[tuple] = (),
    problems: Sequence[tuple] = (),
    sheet: str = "Toimenpiteet",
    metrics_sheet: str = "Mittarit",
) -> int:
    """Store one accepted submission in one transaction; a previous current one for the same
    department and period becomes superseded by it (as collect does).

    answers: (action_id, status_key, progress, comment) — cells K/L/M of row 4, 5, ...
    metrics: (metric_id, action_id, kind, value_num, value_text, comment)
    proposals: (priority_id, action, metric, schedule, responsible, comment)
    completions: (action_id, field, value, cell)
    problems: (severity, sheet, cell, value, message)
    """
    n = next(_counter)
    name = original_name or f"{period}_{department_id}.xlsx"
    c = conn
    c.execute("BEGIN")
    cur = c.execute(
        "INSERT INTO submissions(content_hash, original_name, archive_path, department_id, "
        "period, received_at, collected_at, verdict, signer, programme_version, generated_at, "
        "errors, warnings) VALUES (?,?,?,?,?,?,?,?,?,?,?,0,?)",
        (
            f"hash{n:06d}",
            name,
            f"archive/hash{n:06d}.xlsx",
            department_id,
            period,
            received_at,
            received_at,
            "warnings" if warnings else "accepted",
            signer,
            "v1",
            "2025-09-30T12:00:00",
            warnings,
        ),
    )
    sid = cur.lastrowid
    c.execute(
        "UPDATE submissions SET superseded_by = ? WHERE department_id = ? AND period = ? "
        "AND superseded_by IS NULL AND id <> ?",
        (sid, department_id, period, sid),
    )
    c.executemany(
        "INSERT INTO answers VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [
            (sid, period, department_id, a, st, pr, cm, sheet, f"K{r}", f"L{r}", f"M{r}")
            for r, (a, st, pr, cm) in enumerate(answers, start=4)
        ],
    )
    c.executemany(
        "INSERT INTO metric_values VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
        [
            (sid, period, department_id, a, m, k, num, txt, cm, metrics_sheet, f"K{r}", f"L{r}")
            for r, (m, a, k, num, txt, cm) in enumerate(metrics, start=4)
        ],
    )
    c.executemany(
        "INSERT INTO proposals VALUES (?,?,?,?,?,?,?,?,?,?,?)",
        [(sid, period, department_id, *p, "Ehdotukset", r) for r, p in enumerate(proposals, 4)],
    )
    c.executemany(
        "INSERT INTO plan_completions VALUES (?,?,?,?,?,?,?,?)",
        [(sid, period, department_id, a, f, v, sheet, cell) for a, f, v, cell in completions],
    )
    c.executemany("INSERT INTO problems VALUES (?,?,?,?,?,?)", [(sid, *p) for p in problems])
    c.execute("COMMIT")
    return sid


class RegistryBuilder:
    def __init__(self, db_path: Path):
        self.conn: sqlite3.Connection = connect(db_path)

    def close(self) -> None:
        self.conn.close()

    def submission(self, department_id: str, period: str, received_at: str, **kw) -> int:
        """See insert_submission."""
        return insert_submission(self.conn, department_id, period, received_at, **kw)
