"""The register read for one period and the periods up to it: the answers, values, returns
and status counts that the summary and the stale rule count.

Each read is written twice, with one meaning:
- for the embedded register (sqlite3), in the SQL texts tuned for SQLite's planner, so no
  command imports SQLAlchemy for it (0.2-0.4 s a process);
- for a shared register (PostgreSQL, register/shared.py), in SQLAlchemy Core over
  register.schema's tables, compiled for psycopg.
The Python around them is shared: both give the same rows to the same loop.
tests/test_register_reads.py collects the same returns into both and holds every read equal.

Period texts are compared as SQLite compares them, character by character (`COLLATE "C"` on
PostgreSQL, whatever the database's own collation).
"""

from __future__ import annotations

import sqlite3
from functools import cache
from typing import Any

from roundtrip.register.db import query

Answer = tuple[str | None, int | None, str | None]  # status key, progress, comment

# Answers of current submissions: one period's through the answers' primary key; all periods'
# by one sequential scan (`+column` keeps SQLite from using an index where a scan is faster).
CURRENT_SUBMISSIONS = "SELECT id FROM current_submissions WHERE period {op} ?"

# Whether an answer's comment says anything (spaces, tabs, line breaks and no-break spaces
# are nothing): the stale rule's "with no comment". SQLite's text of `said`.
COMMENTED = "TRIM(COALESCE(comment, ''), ' ' || char(9, 10, 13, 160)) <> ''"
BLANK = " \t\n\r\xa0"


def said(comment: str | None) -> bool:
    """COMMENTED in Python (a shared register's rows)."""
    return bool(comment and comment.strip(BLANK))


def shared(conn: Any) -> bool:
    """Whether `conn` is a shared register's (psycopg) connection."""
    return not isinstance(conn, sqlite3.Connection)


def file_of(conn: Any) -> str:
    """The main database file of `conn` ("" for an in-memory or a shared register)."""
    if shared(conn):
        return ""
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main":
            return row[2] or ""
    return ""


def same_cadence(a: str, b: str) -> bool:
    """2025Q3 and 2024Q1 are, 2025H1 and 2025Q1 are not (a programme may change cadence)."""
    return len(a) == len(b) and a[4:5] == b[4:5]


def summary_periods(conn: Any, p: str) -> list[str]:
    """The periods of p's cadence with current submissions, up to p (p included)."""
    if shared(conn):
        got = sorted(r[0] for r in run_statement(conn, "periods_upto", p=p))
    else:
        got = [
            r[0]
            for r in query(
                conn,
                "SELECT DISTINCT period FROM current_submissions WHERE period <= ? ORDER BY period",
                (p,),
            )
        ]
    periods = [q for q in got if same_cadence(q, p)]
    if p not in periods:
        periods.append(p)
    return periods


def collected_periods(conn: Any) -> frozenset[str]:
    """The periods with a current submission."""
    if shared(conn):
        return frozenset(r[0] for r in run_statement(conn, "periods"))
    return frozenset(
        r[0] for r in query(conn, "SELECT DISTINCT period FROM current_submissions", ())
    )


def answer_count(conn: Any) -> int:
    """About how many answers are stored (to decide whether worker processes pay)."""
    if shared(conn):
        row = conn.execute(
            "SELECT GREATEST(reltuples, 0) FROM pg_class WHERE oid = 'answers'::regclass"
        ).fetchone()
        return int(row[0]) if row else 0
    return conn.execute("SELECT MAX(rowid) FROM answers").fetchone()[0] or 0  # (at once)


def metric_values(conn: Any, p: str, periods: list[str]) -> dict[str, list[float | str | None]]:
    """Every value of every period so far, pivoted per metric (the number, else the text:
    COALESCE in SQL and one dict lookup a row, 0.74 s for 720,000 values where a tuple
    unpacked and setdefault a row took 0.88 s)."""
    index = {q: i for i, q in enumerate(periods)}
    out: dict[str, list[float | str | None]] = {}
    get, n = out.get, len(periods)
    if shared(conn):
        rows: Any = (
            (mid, mp, text if num is None else num)
            for mid, mp, num, text in run_statement(conn, "values_upto", p=p)
        )
    else:
        rows = query(
            conn,
            "SELECT metric_id, period, COALESCE(value_num, value_text) FROM metric_values "
            f"WHERE +submission_id IN ({CURRENT_SUBMISSIONS.format(op='<=')}) AND +period <= ? "
            "AND value_text IS NOT NULL",
            (p, p),
        )
    for mid, mp, value in rows:
        i = index.get(mp)
        if i is not None:
            row = get(mid)
            if row is None:
                row = out[mid] = [None] * n
            row[i] = value
    return out


def values_upto(conn: Any, p: str) -> list[tuple[str, str, float | None, str]]:
    """(metric id, period, number, text) of every answered value in the current submissions
    up to `p` (the text: the canonical text of any kind, the number: count/number/percent)."""
    if shared(conn):
        return run_statement(conn, "values_upto", p=p)
    return query(
        conn,
        "SELECT m.metric_id, m.period, m.value_num, m.value_text FROM metric_values m "
        "WHERE m.submission_id IN (SELECT id FROM current_submissions WHERE period <= ?) "
        "AND m.period <= ? AND m.value_text IS NOT NULL",
        (p, p),
    ).fetchall()


def answers_upto(conn: Any, p: str) -> list[tuple[str, str, str, str | None, int | None, str]]:
    """(action id, period, department id, status key, progress, comment) of every answer in
    the current submissions up to `p`."""
    if shared(conn):
        return run_statement(conn, "answers_upto", p=p)
    return query(
        conn,
        "SELECT a.action_id, a.period, a.department_id, a.status_key, a.progress, a.comment "
        "FROM answers a WHERE a.submission_id IN "
        "(SELECT id FROM current_submissions WHERE period <= ?) AND a.period <= ?",
        (p, p),
    ).fetchall()


def return_count(conn: Any, p: str) -> tuple[int, str]:
    """How many current returns period `p` has, and when the latest was collected."""
    if shared(conn):
        n, latest = run_statement(conn, "return_count", p=p)[0]
    else:
        n, latest = query(
            conn,
            "SELECT COUNT(*), MAX(collected_at) FROM current_submissions WHERE period = ?",
            (p,),
        ).fetchone()
    return int(n or 0), str(latest or "")


def period_values(conn: Any, period: str) -> dict[str, float]:
    """metric id -> its numeric value in `period` (the current submissions')."""
    if shared(conn):
        return dict(run_statement(conn, "numbers", p=period))
    return dict(
        query(
            conn,
            "SELECT m.metric_id, m.value_num FROM metric_values m WHERE m.submission_id IN "
            "(SELECT id FROM current_submissions WHERE period = ?) "
            "AND m.period = ? AND m.value_num IS NOT NULL",
            (period, period),
        )
    )


def _temp_pairs(conn: sqlite3.Connection, pairs: tuple[tuple[str, str], ...]) -> str:
    """A temporary table of (action, partner department): the answers that are a partner's,
    never counted as the action's own. The condition an answer is one of them."""
    conn.execute("DROP TABLE IF EXISTS temp.rt_partners")
    conn.execute(
        "CREATE TEMP TABLE rt_partners (action_id TEXT, department_id TEXT, "
        "PRIMARY KEY (action_id, department_id)) WITHOUT ROWID"
    )
    conn.executemany("INSERT OR IGNORE INTO temp.rt_partners VALUES (?, ?)", pairs)
    return "(action_id, department_id) IN (SELECT action_id, department_id FROM temp.rt_partners)"


def _keys(pairs: tuple[tuple[str, str], ...]) -> list[str]:
    """(action, department) pairs as the shared register's statements take them."""
    return [f"{a}\x1f{d}" for a, d in pairs]


def action_histories(
    conn: Any, p: str, partners: tuple[tuple[str, str], ...] = ()
) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Latest answered period and latest (period, comment) per action, up to `p`, in one scan
    (periods of one cadence have the same length, so MAX(period || comment) is the latest);
    without the answers of `partners` (action, partner department), which are not the lead's.

    The table is read in its own order and grouped by sorting (NOT INDEXED): walking the
    action index instead looks every answer up in the table at random, a third slower at
    1.4 million answers."""
    last_answered: dict[str, str] = {}
    comments: dict[str, tuple[str, str]] = {}
    if shared(conn):
        rows: Any = run_statement(conn, "histories", p=p, pairs=_keys(partners))
    else:
        skip = f"AND NOT {_temp_pairs(conn, partners)} " if partners else ""
        rows = query(
            conn,
            "SELECT action_id, MAX(CASE WHEN status_key IS NOT NULL THEN period END), "
            "MAX(CASE WHEN TRIM(COALESCE(comment, '')) <> '' "
            "THEN period || char(31) || comment END) "
            "FROM answers NOT INDEXED "
            f"WHERE submission_id IN ({CURRENT_SUBMISSIONS.format(op='<=')}) AND period <= ? "
            f"{skip}GROUP BY action_id",
            (p, p),
        ).fetchall()
        if partners:
            conn.execute("DROP TABLE IF EXISTS temp.rt_partners")
    for aid, answered, latest in rows:
        if answered:
            last_answered[aid] = answered
        if latest:
            cp, _, text = latest.partition("\x1f")
            comments[aid] = (cp, text)
    return last_answered, comments


def status_trend(
    conn: Any,
    keys: tuple[str, ...],
    inactive: tuple[str, ...],
    p: str,
    periods: list[str],
    partners: tuple[tuple[str, str], ...] = (),
) -> dict[str, dict[str, int]]:
    """Status distribution per period (status keys of the programme, its inactive action ids,
    its (action, partner department) pairs), the inactive actions' and the partners' answers
    left out."""
    rows: dict[str, dict[str, int]] = {q: {} for q in periods}
    if shared(conn):
        known = set(keys)
        for tp, key, n in run_statement(
            conn, "trend", p=p, inactive=list(inactive), pairs=_keys(partners)
        ):
            if tp in rows and key in known:
                rows[tp][key] = n
        return rows
    return _sqlite_trend(conn, keys, inactive, p, rows, partners)


def _sqlite_trend(
    conn: sqlite3.Connection,
    keys: tuple[str, ...],
    inactive: tuple[str, ...],
    p: str,
    rows: dict[str, dict[str, int]],
    partners: tuple[tuple[str, str], ...],
) -> dict[str, dict[str, int]]:
    """status_trend on SQLite: count every answer, then take the inactive actions' and the
    partners' out (few, through temporary tables)."""
    known = set(keys)
    out: list[str] = []
    if inactive:
        conn.execute("DROP TABLE IF EXISTS temp.rt_inactive")
        conn.execute("CREATE TEMP TABLE rt_inactive (action_id TEXT PRIMARY KEY)")
        conn.executemany(
            "INSERT OR IGNORE INTO temp.rt_inactive VALUES (?)", ((aid,) for aid in inactive)
        )
        out.append("action_id IN (SELECT action_id FROM temp.rt_inactive)")
    if partners:
        out.append(_temp_pairs(conn, partners))
    # Every answer, counted per submission along the covering index answers_status (in
    # index order: no sort of the 1.4 million answers, no table lookups).
    sums = ", ".join("SUM(status_key = ?)" for _ in keys)
    for tp, *counts in query(
        conn,
        f"SELECT period, {sums} FROM answers "
        f"WHERE submission_id IN ({CURRENT_SUBMISSIONS.format(op='<=')}) GROUP BY submission_id, period",
        (*keys, p),
    ):
        row = rows.get(tp)
        if row is not None:
            for key, n in zip(keys, counts, strict=True):
                if n:
                    row[key] = row.get(key, 0) + n
    if out:
        for tp, key, n in query(
            conn,
            "SELECT period, status_key, COUNT(*) FROM answers "
            f"WHERE +submission_id IN ({CURRENT_SUBMISSIONS.format(op='<=')}) "
            f"AND ({' OR '.join(out)}) GROUP BY period, status_key",
            (p,),
        ):
            if tp in rows and key in known:
                left = rows[tp].get(key, 0) - n
                if left:
                    rows[tp][key] = left
                else:  # (a key counted by none: absent, as it is from the first pass)
                    rows[tp].pop(key, None)
    conn.execute("DROP TABLE IF EXISTS temp.rt_inactive")
    conn.execute("DROP TABLE IF EXISTS temp.rt_partners")
    return rows


def lead_answers(
    conn: Any, period: str, pairs: frozenset[tuple[str, str]] = frozenset()
) -> tuple[dict[str, tuple[str | None, int | None]], set[str]]:
    """action -> (status key, progress) of its answer in `period`, never a partner's (`pairs`:
    (action, partner department)), and the actions whose answer has a comment."""
    statuses, _partners, commented = period_answers(conn, period, pairs)
    return statuses, commented


def period_answers(
    conn: Any, period: str, pairs: frozenset[tuple[str, str]]
) -> tuple[dict[str, tuple[str | None, int | None]], dict[tuple[str, str], Answer], set[str]]:
    """lead_answers' two, and the partners' answers: (action, partner department) -> its
    Answer."""
    where = f"WHERE submission_id IN ({CURRENT_SUBMISSIONS.format(op='=')}) AND period = ?"
    if shared(conn):
        rows: Any = (
            (aid, key, progress, comment, dept, said(comment))
            for aid, key, progress, comment, dept in run_statement(conn, "answers", p=period)
        )
    elif not pairs:
        got = query(
            conn,
            f"SELECT action_id, status_key, progress, {COMMENTED} FROM answers {where}",
            (period, period),
        ).fetchall()
        return {r[0]: (r[1], r[2]) for r in got}, {}, {r[0] for r in got if r[3]}
    else:
        rows = query(
            conn,
            "SELECT action_id, status_key, progress, comment, department_id, "
            f"{COMMENTED} FROM answers {where}",
            (period, period),
        )
    statuses: dict[str, tuple[str | None, int | None]] = {}
    partners: dict[tuple[str, str], Answer] = {}
    commented: set[str] = set()
    for aid, key, progress, comment, dept, has in rows:
        if (aid, dept) in pairs:
            partners[(aid, dept)] = (key, progress, comment)
        else:
            statuses[aid] = (key, progress)
            if has:
                commented.add(aid)
    return statuses, partners, commented


def returns_of(conn: Any, period: str) -> dict[str, str]:
    """department id -> received_at of its current submission for `period`."""
    if shared(conn):
        rows: Any = run_statement(conn, "returns", p=period)
    else:
        rows = query(
            conn,
            "SELECT department_id, MAX(received_at) FROM current_submissions WHERE period = ? "
            "GROUP BY department_id",
            (period,),
        )
    return {r[0]: r[1] or "" for r in rows}


def last_statuses(
    conn: Any, ids: list[str], lead: dict[str, str], here: str, batch: int = 500
) -> dict[str, str | None]:
    """Action id -> the last status its lead gave it in period `here` or before (None: never),
    for the actions of `ids` (those whose schedule ended: usually few, asked for by id,
    `batch` at a time)."""
    out: dict[str, str | None] = dict.fromkeys(ids)
    for i in range(0, len(ids), batch):
        part = ids[i : i + batch]
        if shared(conn):
            rows: Any = run_statement(conn, "last_status", ids=part, p=here)
        else:
            marks = ", ".join("?" * len(part))
            rows = query(
                conn,
                "SELECT a.action_id, a.period, a.status_key, a.department_id FROM answers a "
                "JOIN current_submissions s ON s.id = a.submission_id "
                f"WHERE a.action_id IN ({marks}) AND a.status_key IS NOT NULL "
                "AND a.period <= ? ORDER BY a.period",
                (*part, here),
            )
        for aid, p, key, dept in rows:
            if lead.get(aid) == dept and len(p) == len(here):
                out[aid] = key  # in period order: the last one stays
    return out


def run_statement(conn: Any, name: str, **params: Any) -> list[tuple]:
    """One of the shared register's statements (`_statements`), run with `params`: from its
    text as SQLAlchemy compiles it for psycopg, kept in reads_postgresql.py (a command on a
    shared register then imports no SQLAlchemy: 0.3 s of a 1.7 s `status` at 3,000 returns;
    tests/test_register_reads.py holds the texts equal to the statements)."""
    from roundtrip.register.reads_postgresql import TEXTS

    text, names, given = TEXTS[name]
    args = [params[n] if n in params else given[n] for n in names]
    return [tuple(r) for r in conn.execute(text, args).fetchall()]


def compiled_texts() -> dict[str, tuple[str, tuple[str, ...], dict[str, Any]]]:
    """Every statement of `_statements` as reads_postgresql.TEXTS holds it: its text, its
    parameters' names in order, and the values Core wrote into it."""
    from sqlalchemy.dialects.postgresql import psycopg

    out = {}
    for name, stmt in sorted(_statements().items()):
        c = stmt.compile(dialect=psycopg.dialect(paramstyle="format"))
        names = tuple(c.positiontup or ())
        given = {n: c.params[n] for n in names if c.params.get(n) is not None}
        out[name] = (c.string, names, given)
    return out


def write_compiled_texts(path: Any) -> None:
    """(For developers, after a change to `_statements`) write reads_postgresql.py anew."""
    lines = [
        '"""reads._statements compiled for psycopg (written by reads.write_compiled_texts;',
        "tests/test_register_reads.py holds them equal). Do not edit by hand.\n\n"
        'python -c "from roundtrip.register import reads; '
        "reads.write_compiled_texts('roundtrip/register/reads_postgresql.py')\"",
        '"""',
        "",
        "TEXTS = {",
    ]
    for name, (text, names, given) in compiled_texts().items():
        lines.append(f"    {name!r}: (")
        lines.append(f"        {text!r},")
        lines.append(f"        {names!r},")
        lines.append(f"        {given!r},")
        lines.append("    ),")
    lines.append("}")
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")


@cache
def _statements() -> dict[str, Any]:
    """The reads above in SQLAlchemy Core, for a shared register: lists are bound as arrays
    (`= ANY`), so one statement serves any length."""
    from sqlalchemy import ARRAY, Text, and_, any_, bindparam, case, func, not_, select

    from roundtrip.register.schema import ANSWERS as A
    from roundtrip.register.schema import MAILINGS as T
    from roundtrip.register.schema import METRIC_VALUES as M
    from roundtrip.register.schema import SUBMISSIONS as S

    p = bindparam("p", type_=Text)
    pairs = bindparam("pairs", type_=ARRAY(Text))
    us = "\x1f"  # the unit separator: never in an id or a period

    def c(column: Any) -> Any:
        return column.collate("C")

    current = S.c.superseded_by.is_(None)
    upto = select(S.c.id).where(current, c(S.c.period) <= p)
    this = select(S.c.id).where(current, S.c.period == p)
    not_partner = not_((A.c.action_id + us + A.c.department_id) == any_(pairs))
    noted = func.trim(func.coalesce(A.c.comment, "")) != ""
    return {
        # (the chase list's: register/status.py, register/mailings.py)
        "accepted": select(
            S.c.department_id, S.c.received_at, S.c.signer, S.c.original_name, S.c.warnings
        )
        .where(current, S.c.period == p)
        .order_by(c(S.c.received_at), S.c.id),
        "mailings": select(T.c.department_id, T.c.period, T.c.kind, T.c.at, T.c.how)
        .add_columns(T.c.recipient, T.c.path)
        .where(T.c.period == p)
        .order_by(T.c.id),
        "periods": select(S.c.period).distinct().where(current),
        "periods_upto": select(S.c.period).distinct().where(current, c(S.c.period) <= p),
        "values_upto": select(M.c.metric_id, M.c.period, M.c.value_num, M.c.value_text).where(
            M.c.submission_id.in_(upto), c(M.c.period) <= p, M.c.value_text.is_not(None)
        ),
        "numbers": select(M.c.metric_id, M.c.value_num).where(
            M.c.submission_id.in_(this), M.c.period == p, M.c.value_num.is_not(None)
        ),
        "histories": select(
            A.c.action_id,
            func.max(case((A.c.status_key.is_not(None), c(A.c.period)))),
            func.max(case((noted, c(A.c.period + us + A.c.comment)))),
        )
        .where(A.c.submission_id.in_(upto), c(A.c.period) <= p, not_partner)
        .group_by(A.c.action_id),
        "trend": select(A.c.period, A.c.status_key, func.count())
        .where(
            A.c.submission_id.in_(upto),
            not_(A.c.action_id == any_(bindparam("inactive", type_=ARRAY(Text)))),
            not_partner,
        )
        .group_by(A.c.period, A.c.status_key),
        "answers": select(
            A.c.action_id, A.c.status_key, A.c.progress, A.c.comment, A.c.department_id
        ).where(A.c.submission_id.in_(this), A.c.period == p),
        "answers_upto": select(
            A.c.action_id, A.c.period, A.c.department_id, A.c.status_key, A.c.progress
        )
        .add_columns(A.c.comment)
        .where(A.c.submission_id.in_(upto), c(A.c.period) <= p),
        "return_count": select(func.count(), func.max(c(S.c.collected_at))).where(
            current, S.c.period == p
        ),
        "returns": select(S.c.department_id, func.max(c(S.c.received_at)))
        .where(current, S.c.period == p)
        .group_by(S.c.department_id),
        "last_status": select(A.c.action_id, A.c.period, A.c.status_key, A.c.department_id)
        .join(S, S.c.id == A.c.submission_id)
        .where(
            and_(current, A.c.status_key.is_not(None), c(A.c.period) <= p),
            A.c.action_id == any_(bindparam("ids", type_=ARRAY(Text))),
        )
        .order_by(c(A.c.period)),
    }
