"""The council summary's figures, aggregated from the register (pure: no files written).

Every figure comes from the register's *current* submissions (a superseded return never
counts). "Not answered" means an active action with no answer in the period, or an answer with
no status. Aggregation happens in SQL (GROUP BY over the register, joined to a temporary table
of the programme's active actions); Python only touches one row per action or metric.
"""

from __future__ import annotations

import contextlib
import gc
import sqlite3
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from .model import Programme
from .periods import Period, parse_period
from .resources import wording

NOT_ANSWERED = ""  # the status key used for "not answered" in count tables
PROBLEM_KEYS = ("minor", "major")
ON_TRACK_KEY = "on_track"
STALE_PERIODS = 2  # no answer for this many periods or more: listed for the council

RETURN_ON_TIME = "on_time"
RETURN_LATE = "late"
RETURN_MISSING = "missing"


@dataclass(frozen=True)
class Headline:
    actions: int
    done: int
    on_track: int
    problems: int
    not_answered: int
    returns_expected: int
    returns_received: int
    returns_on_time: int

    @property
    def return_rate(self) -> float | None:
        return self.returns_received / self.returns_expected if self.returns_expected else None


@dataclass(frozen=True)
class ActionRow:
    action_id: str
    priority_id: str
    text: str
    department: str  # department name
    status_key: str  # NOT_ANSWERED when none
    progress: int | None
    metrics: str  # "value unit (target ...)" per metric, joined with "; "
    comment: str  # latest comment up to this period
    comment_period: str  # the period the comment is from ("" when none)
    periods_since_answer: int  # 0 when answered in this period
    previous_key: str = NOT_ANSWERED  # status in the previous period


@dataclass(frozen=True)
class Change:
    action_id: str
    text: str
    department: str
    before: str  # status key (NOT_ANSWERED when none)
    after: str


@dataclass(frozen=True)
class DepartmentRow:
    department_id: str
    name: str
    contact: str
    actions: int
    returned: str  # RETURN_ON_TIME, RETURN_LATE or RETURN_MISSING
    received_at: str  # ISO date or ""
    answered: int
    open_problems: int

    @property
    def completion(self) -> float | None:
        return self.answered / self.actions if self.actions else None


@dataclass(frozen=True)
class MetricRow:
    metric_id: str
    action_id: str
    name: str
    kind: str
    unit: str
    target: str
    higher_is_better: bool
    values: tuple[float | str | None, ...]  # one per SummaryData.periods
    on_track: bool | None  # None: no target or no value


@dataclass(frozen=True)
class SummaryData:
    period: str
    previous: str  # the previous period ("" when the register holds nothing for it)
    periods: tuple[str, ...]  # periods with data up to and including `period`, in order
    deadline: str  # ISO date
    status_keys: tuple[str, ...]  # the programme's statuses, then NOT_ANSWERED
    headline: Headline
    previous_headline: Headline | None
    counts: Mapping[str, int]  # status key -> actions, this period
    previous_counts: Mapping[str, int] | None
    by_priority: tuple[tuple[str, tuple[int, ...]], ...]  # (priority id, count per status key)
    actions: tuple[ActionRow, ...]  # programme order
    changes: tuple[Change, ...]
    departments: tuple[DepartmentRow, ...]
    attention: tuple[ActionRow, ...]  # attention statuses first, then stale
    metrics: tuple[MetricRow, ...]
    trend: tuple[tuple[str, tuple[int, ...]], ...]  # (period, count per status key)


# ----------------------------------------------------------------------------- helpers


def parse_number(text: str) -> float | None:
    """A target or value written by a person: `1 234,5`, `20 %`, `0.5`; None when not numeric."""
    s = "".join(str(text or "").replace(",", ".").replace("%", "").split())
    s = s.replace("\u00a0", "").replace("\u202f", "")
    try:
        return float(s)
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _goal(target: str) -> float | None:
    return parse_number(target)  # 60,000 metrics share a few targets


def on_track(value: float | None, target: str, higher_is_better: bool) -> bool | None:
    goal = _goal(target) if target.__class__ is str else parse_number(target)
    if goal is None or value is None:
        return None
    return value >= goal if higher_is_better else value <= goal


def format_number(value: float) -> str:
    if value == int(value):
        return f"{int(value):,}".replace(",", "\u00a0")
    return f"{value:,.2f}".rstrip("0").rstrip(".").replace(",", "\u00a0")


def _query(conn: sqlite3.Connection, sql: str, args: tuple = ()) -> sqlite3.Cursor:
    """Plain tuples, whatever the connection's row factory (sqlite3.Row costs ~1 us a row)."""
    cur = conn.cursor()
    cur.row_factory = None
    return cur.execute(sql, args)


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection meanwhile: hundreds of thousands of rows, tuples and
    dicts are made and kept, none in cycles, and the collector would walk them over and over
    (a large share of the time at 180,000 actions)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def _temp_inactive(conn: sqlite3.Connection, inactive: tuple[str, ...]) -> None:
    """A temporary table of the programme's inactive actions (few), to subtract in SQL."""
    conn.execute("DROP TABLE IF EXISTS temp.rt_inactive")
    conn.execute("CREATE TEMP TABLE rt_inactive (action_id TEXT PRIMARY KEY)")
    conn.executemany(
        "INSERT OR IGNORE INTO temp.rt_inactive VALUES (?)", ((aid,) for aid in inactive)
    )


# Answers of current submissions: one period's through the answers' primary key; all periods'
# by one sequential scan (`+column` keeps SQLite from using an index where a scan is faster).
_CURRENT = "SELECT id FROM current_submissions WHERE period {op} ?"


def _statuses(conn: sqlite3.Connection, period: str) -> dict[str, tuple[str | None, int | None]]:
    rows = _query(
        conn,
        "SELECT action_id, status_key, progress FROM answers "
        f"WHERE submission_id IN ({_CURRENT.format(op='=')}) AND period = ?",
        (period, period),
    )
    return {r[0]: (r[1], r[2]) for r in rows}


def _returns(conn: sqlite3.Connection, period: str) -> dict[str, str]:
    """department id -> received_at of its current submission for `period`."""
    rows = _query(
        conn,
        "SELECT department_id, MAX(received_at) FROM current_submissions WHERE period = ? "
        "GROUP BY department_id",
        (period,),
    )
    return {r[0]: r[1] or "" for r in rows}


def _headline(
    programme: Programme,
    returns: Mapping[str, str],
    deadline: str,
    counts: Mapping[str, int],
) -> Headline:
    done_keys = {s.key for s in programme.statuses if s.done}
    expected = {a.department_id for a in programme.actions if a.active}
    received = [d for d in expected if d in returns]
    return Headline(
        actions=sum(counts.values()),
        done=sum(n for k, n in counts.items() if k in done_keys),
        on_track=counts.get(ON_TRACK_KEY, 0),
        problems=sum(counts.get(k, 0) for k in PROBLEM_KEYS),
        not_answered=counts.get(NOT_ANSWERED, 0),
        returns_expected=len(expected),
        returns_received=len(received),
        returns_on_time=sum(1 for d in received if returns[d][:10] <= deadline),
    )


def _counts(
    programme: Programme, statuses: Mapping[str, tuple[str | None, int | None]]
) -> dict[str, int]:
    known = {s.key for s in programme.statuses}
    out = dict.fromkeys([*(s.key for s in programme.statuses), NOT_ANSWERED], 0)
    for a in programme.actions:
        if a.active:
            key = (statuses.get(a.id) or (None, None))[0]
            out[key if key in known else NOT_ANSWERED] += 1
    return out


# ----------------------------------------------------------------------------- main


def load_summary(
    conn: sqlite3.Connection, programme: Programme, period: Period, side: Beside | None = None
) -> SummaryData:
    """Aggregate everything the council summary shows for `period` from the register.

    `side`: the passes over every answer, started earlier with `start_side` (they need no
    programme, so they can run while it loads); closed here.
    """
    with collector_paused():
        if side is None:
            side = start_side(conn, str(period))
        try:
            return _load_summary(conn, programme, period, side)
        finally:
            side.close()


def summary_periods(conn: sqlite3.Connection, p: str) -> list[str]:
    """The periods of p's cadence with current submissions, up to p (p included)."""
    periods = [
        r[0]
        for r in _query(
            conn,
            "SELECT DISTINCT period FROM current_submissions WHERE period <= ? ORDER BY period",
            (p,),
        )
        if _same_cadence(r[0], p)
    ]
    if p not in periods:
        periods.append(p)
    return periods


def start_side(conn: sqlite3.Connection, p: str) -> Beside:
    """Start the per-action history and the metric values of the periods up to `p` in worker
    processes (see Beside): passes over every answer that need no programme."""
    periods = summary_periods(conn, p)
    return Beside(
        _db_path(conn),
        [[("histories", _histories, (p,))], [("metrics", _metric_values, (p, periods))]],
        period=p,
    )


def _load_summary(
    conn: sqlite3.Connection, programme: Programme, period: Period, side: Beside
) -> SummaryData:
    p = str(period)
    prev = str(period.previous())
    deadline = period.deadline(programme.settings.deadline_days).isoformat()
    prev_deadline = period.previous().deadline(programme.settings.deadline_days).isoformat()
    status_keys = (*(s.key for s in programme.statuses), NOT_ANSWERED)
    known = set(status_keys)

    periods = summary_periods(conn, p)
    has_prev = prev in periods

    keys = tuple(st.key for st in programme.statuses)
    inactive = tuple(a.id for a in programme.actions if not a.active)
    side.add("trend", _trend, (keys, inactive, p, periods))
    statuses = _statuses(conn, p)
    returns = _returns(conn, p)
    counts = _counts(programme, statuses)
    headline = _headline(programme, returns, deadline, counts)
    prev_statuses = _statuses(conn, prev) if has_prev else {}
    prev_counts = _counts(programme, prev_statuses) if has_prev else None
    prev_headline = (
        _headline(programme, _returns(conn, prev), prev_deadline, prev_counts)
        if prev_counts is not None
        else None
    )

    last_answered, comments = side.result("histories", conn)
    metric_values = side.result("metrics", conn)
    trend_rows = side.result("trend", conn)

    active = [a for a in programme.actions if a.active]
    dept_names = {d.id: d.name for d in programme.departments}
    current_index = period.ordinal()
    first_ordinal = _ordinal(periods[0], period)
    ordinals = {q: _ordinal(q, period) for q in set(last_answered.values()) if _same_cadence(q, p)}
    words = wording(programme.settings.language)

    metric_rows: list[MetricRow] = []
    actions: list[ActionRow] = []
    for a in active:
        key, progress = statuses.get(a.id) or (None, None)
        key = key if key in known else NOT_ANSWERED
        comment, comment_period = "", ""
        if a.id in comments:
            comment_period, comment = comments[a.id]
        if key != NOT_ANSWERED:
            since = 0
        elif last_answered.get(a.id) in ordinals:
            since = current_index - ordinals[last_answered[a.id]]
        else:
            since = current_index - first_ordinal + 1
        parts = []
        for m in a.metrics:
            values = tuple(metric_values.get(m.id) or [None] * len(periods))
            latest = values[-1]
            num = latest if isinstance(latest, float | int) else None
            metric_rows.append(
                MetricRow(
                    m.id,
                    a.id,
                    m.name,
                    m.kind,
                    m.unit,
                    m.target,
                    m.higher_is_better,
                    values,
                    on_track(num, m.target, m.higher_is_better),
                )
            )
            parts.append(_metric_text(m.kind, latest, m.unit, m.target, words))
        actions.append(
            ActionRow(
                a.id,
                a.priority_id,
                a.text,
                dept_names.get(a.department_id, a.department_id),
                key,
                progress,
                "; ".join(parts) if parts else "",
                comment or "",
                comment_period or "",
                since,
                _known((prev_statuses.get(a.id) or (None, None))[0], known),
            )
        )

    tally: dict[str, dict[str, int]] = {
        pr.id: dict.fromkeys(status_keys, 0) for pr in programme.priorities
    }
    for r in actions:
        row = tally.get(r.priority_id)
        if row is None:
            row = tally[r.priority_id] = dict.fromkeys(status_keys, 0)
        row[r.status_key] += 1
    by_priority = [(pid, tuple(row[k] for k in status_keys)) for pid, row in tally.items()]

    changes: list[Change] = []
    if has_prev:
        for r in actions:
            if r.status_key != NOT_ANSWERED and r.previous_key != r.status_key:
                changes.append(
                    Change(r.action_id, r.text, r.department, r.previous_key, r.status_key)
                )

    departments = _departments(programme, statuses, returns, deadline, known)

    attention_keys = {s.key for s in programme.statuses if s.attention}
    order = {k: i for i, k in enumerate(status_keys)}
    flagged = [r for r in actions if r.status_key in attention_keys]
    flagged.sort(key=lambda r: order[r.status_key])
    stale = [
        r
        for r in actions
        if r.status_key == NOT_ANSWERED and r.periods_since_answer >= STALE_PERIODS
    ]
    stale.sort(key=lambda r: -r.periods_since_answer)

    trend = tuple(
        (q, tuple(_with_not_answered(trend_rows[q], status_keys, len(active)))) for q in periods
    )
    return SummaryData(
        period=p,
        previous=prev if has_prev else "",
        periods=tuple(periods),
        deadline=deadline,
        status_keys=status_keys,
        headline=headline,
        previous_headline=prev_headline,
        counts=counts,
        previous_counts=prev_counts,
        by_priority=tuple(by_priority),
        actions=tuple(actions),
        changes=tuple(changes),
        departments=departments,
        attention=tuple(flagged + stale),
        metrics=tuple(metric_rows),
        trend=trend,
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


_side_jobs: list[list[tuple[str, Any, tuple]]] = []  # what forked workers run (inherited)


def _run_side(path: str, lane: int) -> dict[str, Any]:
    """Run one lane of side jobs in a worker: name -> result (or the SQLite error)."""
    out: dict[str, Any] = {}
    for name, fn, args in _side_jobs[lane]:
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
    """Queries run in forked worker processes, one process per lane of jobs run in order.

    Anything a worker could not do (no fork, a read-only WAL it cannot open, a broken pool)
    is done in this process by `result`, so the figures never depend on where they were
    computed. Forking after the programme is loaded means only the results are pickled.
    """

    def __init__(
        self, path: str, lanes: list[list[tuple[str, Any, tuple]]], period: str = ""
    ) -> None:
        global _side_jobs
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        self.jobs = {name: (fn, args) for lane in lanes for name, fn, args in lane}
        self.lanes: dict[str, Any] = {}
        self.pool = None
        self.path = path
        self.period = period  # the period whose passes these are
        if not path or "fork" not in mp.get_all_start_methods():
            return
        _side_jobs = lanes
        try:
            self.pool = ProcessPoolExecutor(len(lanes), mp.get_context("fork"))
            for i, lane in enumerate(lanes):
                future = self.pool.submit(_run_side, path, i)
                for name, _fn, _args in lane:
                    self.lanes[name] = future
        except (OSError, NotImplementedError):
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
        global _side_jobs
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        _side_jobs = []


def _metric_values(
    conn: sqlite3.Connection, p: str, periods: list[str]
) -> dict[str, list[float | str | None]]:
    """Every value of every period so far, pivoted per metric."""
    index = {q: i for i, q in enumerate(periods)}
    out: dict[str, list[float | str | None]] = {}
    for mid, mp, num, text in _query(
        conn,
        "SELECT metric_id, period, value_num, value_text FROM metric_values "
        f"WHERE +submission_id IN ({_CURRENT.format(op='<=')}) AND +period <= ? "
        "AND value_text IS NOT NULL",
        (p, p),
    ):
        i = index.get(mp)
        if i is not None:
            row = out.setdefault(mid, [None] * len(periods))
            row[i] = num if num is not None else text
    return out


def _histories(
    conn: sqlite3.Connection, p: str
) -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """Latest answered period and latest (period, comment) per action, up to `p`, in one scan
    (periods of one cadence have the same length, so MAX(period || comment) is the latest)."""
    last_answered: dict[str, str] = {}
    comments: dict[str, tuple[str, str]] = {}
    for aid, answered, latest in _query(
        conn,
        "SELECT action_id, MAX(CASE WHEN status_key IS NOT NULL THEN period END), "
        "MAX(CASE WHEN TRIM(COALESCE(comment, '')) <> '' THEN period || char(31) || comment END) "
        f"FROM answers WHERE +submission_id IN ({_CURRENT.format(op='<=')}) AND +period <= ? "
        "GROUP BY action_id",
        (p, p),
    ):
        if answered:
            last_answered[aid] = answered
        if latest:
            cp, _, text = latest.partition("\x1f")
            comments[aid] = (cp, text)
    return last_answered, comments


def _trend(
    conn: sqlite3.Connection,
    keys: tuple[str, ...],
    inactive: tuple[str, ...],
    p: str,
    periods: list[str],
) -> dict[str, dict[str, int]]:
    """Status distribution per period (status keys of the programme, its inactive action ids):
    count every answer, then take the inactive actions' out."""
    known = set(keys)
    rows: dict[str, dict[str, int]] = {q: {} for q in periods}
    passes = [(1, "")]
    if inactive:
        _temp_inactive(conn, inactive)
        passes.append((-1, "AND action_id IN (SELECT action_id FROM temp.rt_inactive)"))
    # Every answer, counted per submission along the covering index answers_status (in
    # index order: no sort of the 1.4 million answers, no table lookups).
    sums = ", ".join("SUM(status_key = ?)" for _ in keys)
    for tp, *counts in _query(
        conn,
        f"SELECT period, {sums} FROM answers "
        f"WHERE submission_id IN ({_CURRENT.format(op='<=')}) GROUP BY submission_id, period",
        (*keys, p),
    ):
        row = rows.get(tp)
        if row is not None:
            for key, n in zip(keys, counts, strict=True):
                if n:
                    row[key] = row.get(key, 0) + n
    for sign, extra in passes[1:]:
        for tp, key, n in _query(
            conn,
            "SELECT period, status_key, COUNT(*) FROM answers "
            f"WHERE +submission_id IN ({_CURRENT.format(op='<=')}) {extra} "
            "GROUP BY period, status_key",
            (p,),
        ):
            if tp in rows and key in known:
                rows[tp][key] = rows[tp].get(key, 0) + sign * n
    conn.execute("DROP TABLE IF EXISTS temp.rt_inactive")
    return rows


def _same_cadence(a: str, b: str) -> bool:
    """2025Q3 and 2024Q1 are, 2025H1 and 2025Q1 are not (a programme may change cadence)."""
    return len(a) == len(b) and a[4:5] == b[4:5]


def _known(key: str | None, known: set[str]) -> str:
    return key if key in known else NOT_ANSWERED


def _ordinal(text: str, like: Period) -> int:
    return parse_period(text, like.cadence).ordinal()


def _with_not_answered(row: Mapping[str, int], keys: tuple[str, ...], active: int) -> list[int]:
    values = [row.get(k, 0) for k in keys[:-1]]
    return [*values, max(active - sum(values), 0)]


def _metric_text(
    kind: str, value: float | str | None, unit: str, target: str, words: Mapping[str, Any]
) -> str:
    summary = words.get("summary", {})
    if value is None:
        shown = "–"
    elif kind == "yesno" and isinstance(value, float | int):
        shown = words["yes"] if value else words["no"]
    elif isinstance(value, float | int):
        shown = format_number(float(value)) + (f" {unit}" if unit else "")
    else:
        shown = str(value)
    if target:
        shown += " " + summary.get("target_of", "(target {target})").format(target=target)
    return shown


def _departments(
    programme: Programme,
    statuses: Mapping[str, tuple[str | None, int | None]],
    returns: Mapping[str, str],
    deadline: str,
    known: set[str],
) -> tuple[DepartmentRow, ...]:
    per: dict[str, list[int]] = {}  # dept -> [actions, answered, open problems]
    for a in programme.actions:
        if not a.active:
            continue
        c = per.setdefault(a.department_id, [0, 0, 0])
        key = (statuses.get(a.id) or (None, None))[0]
        c[0] += 1
        if key in known and key != NOT_ANSWERED:
            c[1] += 1
        if key in PROBLEM_KEYS:
            c[2] += 1
    out = []
    for d in programme.departments:
        if d.id not in per:
            continue
        n, answered, problems = per[d.id]
        received = returns.get(d.id)
        if received is None:
            state = RETURN_MISSING
        elif received[:10] <= deadline:
            state = RETURN_ON_TIME
        else:
            state = RETURN_LATE
        out.append(
            DepartmentRow(
                d.id, d.name, d.contact, n, state, (received or "")[:10], answered, problems
            )
        )
    return tuple(out)
