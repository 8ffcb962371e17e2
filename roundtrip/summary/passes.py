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
from roundtrip.register.reads import (
    action_histories,
    answer_count,
    file_of,
    metric_values,
    summary_periods,
)

# Stored answers worth worker processes for the passes. Forked ones cost next to nothing; a
# spawned one (Windows) imports roundtrip first, a few tenths of a second of the other core
# while the programme loads here. The whole summary, passes here / in spawned workers: 6,000
# answers 0.25 / 0.34 s, 180,000 answers 6.65 / 6.45 s, 1.44 million 10.0 / 8.7 s.
POOL_MIN_ANSWERS = Threshold(0, spawned=100_000)


def start_side(
    conn: Any, p: str, pool_min: int | None = None, database: str | None = None
) -> Beside:
    """Start the per-action history and the metric values of the periods up to `p` in worker
    processes (see Beside): passes over every answer that need no programme. With fewer than
    `pool_min` (default POOL_MIN_ANSWERS) answers stored they are done here, when their
    results are asked for. `database`: the URL of the shared register `conn` is on."""
    periods = summary_periods(conn, p)
    answers = answer_count(conn)
    least = minimum(POOL_MIN_ANSWERS if pool_min is None else pool_min)
    return Beside(
        (database or file_of(conn)) if answers >= least else "",
        [[("histories", action_histories, (p,))], [("metrics", metric_values, (p, periods))]],
        period=p,
    )


def _on_own_connection(path: str, fn, *args):
    """Run fn(connection, *args) on a connection of this process's own: read-only to the
    register file at `path`, or to the shared register whose URL `path` is."""
    if "://" in path:
        from roundtrip.register.shared import connect

        conn = connect(path)
    else:
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

    def result(self, name: str, conn: Any) -> Any:
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
