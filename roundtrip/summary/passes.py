"""The summary's passes over every stored answer and value, run beside the rest.

At 8 periods of 3,000 returns these are passes over 1.44 million answers: the latest answer
and comment of every action, every metric value, and the status trend. They need only the
register and the period, so write_summary starts them in worker processes (`Beside`)
before the programme is even loaded; summary_data.py builds the figures from their results.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import Any

from roundtrip.parallel.pool import Pool, Threshold, minimum
from roundtrip.register.db import query


def _temp_inactive(conn: sqlite3.Connection, inactive: tuple[str, ...]) -> None:
    """A temporary table of the programme's inactive actions (few), to subtract in SQL."""
    conn.execute("DROP TABLE IF EXISTS temp.rt_inactive")
    conn.execute("CREATE TEMP TABLE rt_inactive (action_id TEXT PRIMARY KEY)")
    conn.executemany(
        "INSERT OR IGNORE INTO temp.rt_inactive VALUES (?)", ((aid,) for aid in inactive)
    )


def _temp_partners(conn: sqlite3.Connection, pairs: tuple[tuple[str, str], ...]) -> str:
    """A temporary table of (action, partner department): the answers that are a partner's,
    never counted as the action's own. The condition an answer is one of them."""
    conn.execute("DROP TABLE IF EXISTS temp.rt_partners")
    conn.execute(
        "CREATE TEMP TABLE rt_partners (action_id TEXT, department_id TEXT, "
        "PRIMARY KEY (action_id, department_id)) WITHOUT ROWID"
    )
    conn.executemany("INSERT OR IGNORE INTO temp.rt_partners VALUES (?, ?)", pairs)
    return "(action_id, department_id) IN (SELECT action_id, department_id FROM temp.rt_partners)"


# Answers of current submissions: one period's through the answers' primary key; all periods'
# by one sequential scan (`+column` keeps SQLite from using an index where a scan is faster).
CURRENT_SUBMISSIONS = "SELECT id FROM current_submissions WHERE period {op} ?"


def summary_periods(conn: sqlite3.Connection, p: str) -> list[str]:
    """The periods of p's cadence with current submissions, up to p (p included)."""
    periods = [
        r[0]
        for r in query(
            conn,
            "SELECT DISTINCT period FROM current_submissions WHERE period <= ? ORDER BY period",
            (p,),
        )
        if same_cadence(r[0], p)
    ]
    if p not in periods:
        periods.append(p)
    return periods


# Stored answers worth worker processes for the passes. Forked ones cost next to nothing; a
# spawned one (Windows) imports roundtrip first, a few tenths of a second of the other core
# while the programme loads here. The whole summary, passes here / in spawned workers: 6,000
# answers 0.25 / 0.34 s, 180,000 answers 6.65 / 6.45 s, 1.44 million 10.0 / 8.7 s.
POOL_MIN_ANSWERS = Threshold(0, spawned=100_000)


def start_side(conn: sqlite3.Connection, p: str, pool_min: int | None = None) -> Beside:
    """Start the per-action history and the metric values of the periods up to `p` in worker
    processes (see Beside): passes over every answer that need no programme. With fewer than
    `pool_min` (default POOL_MIN_ANSWERS) answers stored they are done here, when their
    results are asked for."""
    periods = summary_periods(conn, p)
    answers = conn.execute("SELECT MAX(rowid) FROM answers").fetchone()[0] or 0  # (at once)
    least = minimum(POOL_MIN_ANSWERS if pool_min is None else pool_min)
    return Beside(
        _db_path(conn) if answers >= least else "",
        [[("histories", action_histories, (p,))], [("metrics", _metric_values, (p, periods))]],
        period=p,
    )


def _db_path(conn: sqlite3.Connection) -> str:
    """The main database file of `conn` ("" for an in-memory register)."""
    for row in conn.execute("PRAGMA database_list"):
        if row[1] == "main":
            return row[2] or ""
    return ""


def _on_own_connection(path: str, fn, *args):
    """Run fn(connection, *args) on a read-only connection of this thread's own."""
    conn = sqlite3.connect(Path(path).as_uri() + "?mode=ro", uri=True, timeout=30)
    try:
        return fn(conn, *args)
    finally:
        conn.close()


Job = tuple[str, Any, tuple]  # name, a module-level function fn(conn, *args), its args


def _run_side(path: str, lane: list[Job]) -> dict[str, Any]:
    """Run one lane of side jobs in a worker: name -> result (or the SQLite error)."""
    out: dict[str, Any] = {}
    for name, fn, args in lane:
        try:
            out[name] = _on_own_connection(path, fn, *args)
        except sqlite3.Error as exc:
            out[name] = exc
    return out


def _run_one(path: str, name: str, fn: Any, args: tuple) -> dict[str, Any]:
    """A job added after the workers started (its arguments were pickled)."""
    try:
        return {name: _on_own_connection(path, fn, *args)}
    except sqlite3.Error as exc:
        return {name: exc}


class Beside:
    """Queries run in worker processes, one process per lane of jobs run in order.

    What a worker is given is the register's path and the jobs (module-level functions and
    their few arguments): forked or spawned, it opens its own read-only connection. Anything
    a worker could not do (no process, a read-only WAL it cannot open, a broken pool) is done
    in this process by `result`, so the figures never depend on where they were computed.
    Only the results are pickled back.
    """

    def __init__(self, path: str, lanes: list[list[Job]], period: str = "") -> None:
        self.jobs = {name: (fn, args) for lane in lanes for name, fn, args in lane}
        self.lanes: dict[str, Any] = {}
        self.pool: Pool | None = None
        self.path = path
        self.period = period  # the period whose passes these are
        if not path:
            return
        self.pool = Pool.start(len(lanes))
        if self.pool is None:
            return
        try:
            for lane in lanes:
                future = self.pool.submit(_run_side, path, lane)
                for name, _fn, _args in lane:
                    self.lanes[name] = future
        except (OSError, NotImplementedError):  # then every query is done here
            self.pool.close(self.lanes.values())
            self.pool = None
            self.lanes = {}

    def add(self, name: str, fn: Any, args: tuple) -> None:
        """One more job (module-level `fn`, small picklable `args`) for the first free worker."""
        self.jobs[name] = (fn, args)
        if self.pool is not None:
            with contextlib.suppress(Exception):  # a broken pool: `result` computes it here
                self.lanes[name] = self.pool.submit(_run_one, self.path, name, fn, args)

    def result(self, name: str, conn: sqlite3.Connection) -> Any:
        future = self.lanes.get(name)
        if future is not None:
            try:
                got = future.result()[name]
            except Exception:  # noqa: BLE001 - a broken worker: compute it here instead
                got = None
            if got is not None and not isinstance(got, sqlite3.Error):
                return got
        fn, args = self.jobs[name]
        return fn(conn, *args)

    def close(self) -> None:
        """Stop the workers: queries still running are not wanted (an error, Ctrl-C)."""
        if self.pool is not None:
            self.pool.close(self.lanes.values())
            self.pool = None


def _metric_values(
    conn: sqlite3.Connection, p: str, periods: list[str]
) -> dict[str, list[float | str | None]]:
    """Every value of every period so far, pivoted per metric (the number, else the text:
    COALESCE in SQL and one dict lookup a row, 0.74 s for 720,000 values where a tuple
    unpacked and setdefault a row took 0.88 s)."""
    index = {q: i for i, q in enumerate(periods)}
    out: dict[str, list[float | str | None]] = {}
    get, n = out.get, len(periods)
    for mid, mp, value in query(
        conn,
        "SELECT metric_id, period, COALESCE(value_num, value_text) FROM metric_values "
        f"WHERE +submission_id IN ({CURRENT_SUBMISSIONS.format(op='<=')}) AND +period <= ? "
        "AND value_text IS NOT NULL",
        (p, p),
    ):
        i = index.get(mp)
        if i is not None:
            row = get(mid)
            if row is None:
                row = out[mid] = [None] * n
            row[i] = value
    return out


def action_histories(
    conn: sqlite3.Connection, p: str, partners: tuple[tuple[str, str], ...] = ()
) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Latest answered period and latest (period, comment) per action, up to `p`, in one scan
    (periods of one cadence have the same length, so MAX(period || comment) is the latest);
    without the answers of `partners` (action, partner department), which are not the lead's.

    The table is read in its own order and grouped by sorting (NOT INDEXED): walking the
    action index instead looks every answer up in the table at random, a third slower at
    1.4 million answers."""
    last_answered: dict[str, str] = {}
    comments: dict[str, tuple[str, str]] = {}
    skip = f"AND NOT {_temp_partners(conn, partners)} " if partners else ""
    for aid, answered, latest in query(
        conn,
        "SELECT action_id, MAX(CASE WHEN status_key IS NOT NULL THEN period END), "
        "MAX(CASE WHEN TRIM(COALESCE(comment, '')) <> '' THEN period || char(31) || comment END) "
        "FROM answers NOT INDEXED "
        f"WHERE submission_id IN ({CURRENT_SUBMISSIONS.format(op='<=')}) AND period <= ? "
        f"{skip}GROUP BY action_id",
        (p, p),
    ):
        if answered:
            last_answered[aid] = answered
        if latest:
            cp, _, text = latest.partition("\x1f")
            comments[aid] = (cp, text)
    if partners:
        conn.execute("DROP TABLE IF EXISTS temp.rt_partners")
    return last_answered, comments


def status_trend(
    conn: sqlite3.Connection,
    keys: tuple[str, ...],
    inactive: tuple[str, ...],
    p: str,
    periods: list[str],
    partners: tuple[tuple[str, str], ...] = (),
) -> dict[str, dict[str, int]]:
    """Status distribution per period (status keys of the programme, its inactive action ids,
    its (action, partner department) pairs): count every answer, then take the inactive
    actions' and the partners' out."""
    known = set(keys)
    rows: dict[str, dict[str, int]] = {q: {} for q in periods}
    passes = [(1, "")]
    out: list[str] = []
    if inactive:
        _temp_inactive(conn, inactive)
        out.append("action_id IN (SELECT action_id FROM temp.rt_inactive)")
    if partners:
        out.append(_temp_partners(conn, partners))
    if out:
        passes.append((-1, f"AND ({' OR '.join(out)})"))
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
    for sign, extra in passes[1:]:
        for tp, key, n in query(
            conn,
            "SELECT period, status_key, COUNT(*) FROM answers "
            f"WHERE +submission_id IN ({CURRENT_SUBMISSIONS.format(op='<=')}) {extra} "
            "GROUP BY period, status_key",
            (p,),
        ):
            if tp in rows and key in known:
                rows[tp][key] = rows[tp].get(key, 0) + sign * n
    conn.execute("DROP TABLE IF EXISTS temp.rt_inactive")
    conn.execute("DROP TABLE IF EXISTS temp.rt_partners")
    return rows


def same_cadence(a: str, b: str) -> bool:
    """2025Q3 and 2024Q1 are, 2025H1 and 2025Q1 are not (a programme may change cadence)."""
    return len(a) == len(b) and a[4:5] == b[4:5]
