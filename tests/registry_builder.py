"""Build a real roundtrip.db with plain SQL, for tests of status, export and summary.

The schema is roundtrip.register's; this helper only inserts rows the way collect would, so
tests of the readers do not depend on the whole collect pipeline.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from roundtrip.register import connect


class RegistryBuilder:
    def __init__(self, db_path: Path):
        self.conn: sqlite3.Connection = connect(db_path)
        self._n = 0

    def close(self) -> None:
        self.conn.close()

    def submission(
        self,
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
        """Store one accepted submission; a previous current one for the same department and
        period becomes superseded by it (as collect does).

        answers: (action_id, status_key, progress, comment) — cells D/E/F of row 4, 5, ...
        metrics: (metric_id, action_id, kind, value_num, value_text, comment)
        proposals: (priority_id, action, metric, schedule, responsible, comment)
        completions: (action_id, field, value, cell)
        problems: (severity, sheet, cell, value, message)
        """
        self._n += 1
        name = original_name or f"{period}_{department_id}.xlsx"
        c = self.conn
        c.execute("BEGIN")
        cur = c.execute(
            "INSERT INTO submissions(content_hash, original_name, archive_path, department_id, "
            "period, received_at, collected_at, verdict, signer, programme_version, generated_at, "
            "errors, warnings) VALUES (?,?,?,?,?,?,?,?,?,?,?,0,?)",
            (
                f"hash{self._n:06d}",
                name,
                f"archive/hash{self._n:06d}.xlsx",
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
        for i, (action_id, status_key, progress, comment) in enumerate(answers):
            row = 4 + i
            c.execute(
                "INSERT INTO answers VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (
                    sid,
                    period,
                    department_id,
                    action_id,
                    status_key,
                    progress,
                    comment,
                    sheet,
                    f"K{row}",
                    f"L{row}",
                    f"M{row}",
                ),
            )
        for i, (metric_id, action_id, kind, num, text, comment) in enumerate(metrics):
            row = 4 + i
            c.execute(
                "INSERT INTO metric_values VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                (
                    sid,
                    period,
                    department_id,
                    action_id,
                    metric_id,
                    kind,
                    num,
                    text,
                    comment,
                    metrics_sheet,
                    f"K{row}",
                    f"L{row}",
                ),
            )
        for i, prop in enumerate(proposals):
            c.execute(
                "INSERT INTO proposals VALUES (?,?,?,?,?,?,?,?,?,?,?)",
                (sid, period, department_id, *prop, "Ehdotukset", 4 + i),
            )
        for action_id, field, value, cell in completions:
            c.execute(
                "INSERT INTO plan_completions VALUES (?,?,?,?,?,?,?,?)",
                (sid, period, department_id, action_id, field, value, sheet, cell),
            )
        for prob in problems:
            c.execute("INSERT INTO problems VALUES (?,?,?,?,?,?)", (sid, *prob))
        c.execute("COMMIT")
        return sid
