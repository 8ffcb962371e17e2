"""What each sheet of the register workbook lists: its rows, by column name, in its order.

As register/reads.py: the embedded register (sqlite3) runs the SQL texts below, a shared one
(PostgreSQL) the same selections in SQLAlchemy Core (`_statements`); tests/test_register_reads.py
holds the two workbooks equal cell by cell. Rows come in chunks (flat memory): sqlite3.Row on
SQLite, dicts on PostgreSQL, both read as r["column"].
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping
from functools import cache
from typing import Any

CHUNK = 5_000

# The answers that say something (a status, a progress or a comment).
_ANSWERED = (
    "(a.status_key IS NOT NULL OR a.progress IS NOT NULL "
    "OR (a.comment IS NOT NULL AND a.comment <> ''))"
)

_SQLITE = {
    "history": "SELECT a.*, s.original_name, s.received_at, s.superseded_by FROM answers a "
    "JOIN submissions s ON s.id = a.submission_id "
    "ORDER BY a.action_id, a.period, a.submission_id",
    "metric_values": "SELECT m.*, s.original_name, s.received_at, s.superseded_by "
    "FROM metric_values m JOIN submissions s ON s.id = m.submission_id "
    "ORDER BY m.metric_id, m.period, m.submission_id",
    "submissions": "SELECT * FROM submissions ORDER BY period, department_id, id",
    "proposals": "SELECT p.*, s.original_name, s.superseded_by FROM proposals p "
    "JOIN submissions s ON s.id = p.submission_id "
    "ORDER BY p.period, p.department_id, p.submission_id, p.row",
    "completions": "SELECT c.*, s.original_name, s.superseded_by FROM plan_completions c "
    "JOIN submissions s ON s.id = c.submission_id "
    "ORDER BY c.action_id, c.field, c.period, c.submission_id",
    "warnings": "SELECT w.*, s.original_name, s.department_id, s.period, s.superseded_by "
    "FROM problems w JOIN submissions s ON s.id = w.submission_id "
    "ORDER BY s.period, s.department_id, w.submission_id, w.rowid",
}
TABLES = ("answers", "metric_values", "submissions", "proposals", "problems")


def sheet_rows(conn: Any, name: str) -> Iterator[Mapping[str, Any]]:
    """The rows of the sheet `name` (a key of _SQLITE), in its order."""
    if isinstance(conn, sqlite3.Connection):
        yield from _chunks(conn.execute(_SQLITE[name]))
    else:
        yield from _chunks(_shared_cursor(conn, _statements()[name], {}))


def row_count(conn: Any) -> int:
    """The rows of the sheets in all (TABLES': to choose tables or a streamed workbook)."""
    return sum(conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in TABLES)


def answered_actions(conn: Any) -> list[str]:
    """Every action id with a stored answer, sorted."""
    if isinstance(conn, sqlite3.Connection):
        return [r[0] for r in conn.execute("SELECT DISTINCT action_id FROM answers ORDER BY 1")]
    return sorted(r[0] for r in conn.execute("SELECT DISTINCT action_id FROM answers"))


def current_periods(conn: Any) -> list[str]:
    """The periods with a current submission."""
    return [
        r[0]
        for r in conn.execute("SELECT DISTINCT period FROM submissions WHERE superseded_by IS NULL")
    ]


def latest_answers(conn: Any, ids: list[str], by_department: bool) -> list[Mapping[str, Any]]:
    """For each action of `ids` (and department, `by_department`), its latest answered row in
    a current submission: action_id, period, department_id, status_key, progress, comment,
    submission_id, sheet, status_cell, original_name, received_at."""
    if isinstance(conn, sqlite3.Connection):
        marks = ",".join("?" * len(ids))
        # SQLite: with MAX(), the bare columns come from the row holding the maximum.
        sql = (
            "SELECT a.action_id, MAX(a.period) AS period, a.department_id, a.status_key, "
            "a.progress, a.comment, a.submission_id, a.sheet, a.status_cell, "
            "s.original_name, s.received_at FROM answers a JOIN submissions s "
            f"ON s.id = a.submission_id WHERE a.action_id IN ({marks}) "
            f"AND s.superseded_by IS NULL AND {_ANSWERED} GROUP BY a.action_id"
        )
        return conn.execute(sql + (", a.department_id" if by_department else ""), ids).fetchall()
    name = "latest_by_department" if by_department else "latest"
    return _shared_cursor(conn, _statements()[name], {"ids": ids}).fetchall()


def _chunks(cur: Any) -> Iterator[Any]:
    while True:
        chunk = cur.fetchmany(CHUNK)
        if not chunk:
            return
        yield from chunk


def _shared_cursor(conn: Any, stmt: Any, params: dict[str, Any]) -> Any:
    """A cursor of dict rows over `stmt` run on a shared register's connection."""
    from psycopg.rows import dict_row
    from sqlalchemy.dialects.postgresql import psycopg

    compiled = stmt.compile(dialect=psycopg.dialect(paramstyle="format"))
    args = [params[n] if n in params else compiled.params[n] for n in compiled.positiontup or ()]
    cur = conn.cursor(row_factory=dict_row)
    cur.execute(compiled.string, args)
    return cur


@cache
def _statements() -> dict[str, Any]:
    """_SQLITE and latest_answers in Core, for a shared register (texts compared as SQLite
    compares them: COLLATE "C"; a warning's place in its file by its row's physical order,
    where SQLite keeps its rowid)."""
    from sqlalchemy import ARRAY, Text, and_, any_, bindparam, func, literal_column, or_, select

    from roundtrip.register.schema import ANSWERS as A
    from roundtrip.register.schema import METRIC_VALUES as M
    from roundtrip.register.schema import PLAN_COMPLETIONS as C
    from roundtrip.register.schema import PROBLEMS as W
    from roundtrip.register.schema import PROPOSALS as P
    from roundtrip.register.schema import SUBMISSIONS as S

    def c(column: Any) -> Any:
        return column.collate("C")

    def joined(t: Any, *extra: Any) -> Any:
        return select(t, S.c.original_name, *extra, S.c.superseded_by).join(
            S, S.c.id == t.c.submission_id
        )

    answered = or_(
        A.c.status_key.is_not(None),
        A.c.progress.is_not(None),
        and_(A.c.comment.is_not(None), A.c.comment != ""),
    )

    def latest(by: tuple) -> Any:
        inner = (
            select(
                A.c.action_id,
                A.c.period,
                A.c.department_id,
                A.c.status_key,
                A.c.progress,
                A.c.comment,
                A.c.submission_id,
                A.c.sheet,
                A.c.status_cell,
                S.c.original_name,
                S.c.received_at,
                func.row_number()
                .over(partition_by=by, order_by=(c(A.c.period).desc(), A.c.submission_id))
                .label("rn"),
            )
            .join(S, S.c.id == A.c.submission_id)
            .where(
                A.c.action_id == any_(bindparam("ids", type_=ARRAY(Text))),
                S.c.superseded_by.is_(None),
                answered,
            )
            .subquery()
        )
        return select(*[col for col in inner.c if col.name != "rn"]).where(inner.c.rn == 1)

    return {
        "history": joined(A, S.c.received_at).order_by(
            c(A.c.action_id), c(A.c.period), A.c.submission_id
        ),
        "metric_values": joined(M, S.c.received_at).order_by(
            c(M.c.metric_id), c(M.c.period), M.c.submission_id
        ),
        "submissions": select(S).order_by(c(S.c.period), c(S.c.department_id), S.c.id),
        "proposals": joined(P).order_by(
            c(P.c.period), c(P.c.department_id), P.c.submission_id, P.c.row
        ),
        "completions": joined(C).order_by(
            c(C.c.action_id), c(C.c.field), c(C.c.period), C.c.submission_id
        ),
        "warnings": select(W, S.c.original_name, S.c.department_id, S.c.period, S.c.superseded_by)
        .join(S, S.c.id == W.c.submission_id)
        .order_by(
            c(S.c.period), c(S.c.department_id), W.c.submission_id, literal_column("problems.ctid")
        ),
        "latest": latest((A.c.action_id,)),
        "latest_by_department": latest((A.c.action_id, A.c.department_id)),
    }
