"""The register's side of computed health: what the rules read (roundtrip.health), made by
SQL from the current submissions when asked, never stored.

The stale rule needs the actions updated in none of its window's periods. One query finds
them: every lead (action, department) pair of the programme, less the pairs that updated
the action in a period of the window (rules.is_update, said again in SQL), each with the
status it was given again (one: an action quiet for n periods gives the same status in each
period it answers). At 3,000 returns over 8 periods the window holds 530,000
answers: reading them into Python took 2 s of a 7 s summary, and this query 0.7 s when
half the actions are quiet, less when few are (benchmarks/, issue 24). The status command
and the register workbook use it. The summary reads every period's lead answers for its own
figures anyway and finds the same with sets (roundtrip.health.compute.quiet_of: 0.3 s of a
core where this query took 1.3-2 s); `from_answers` makes the whole Register from answers in
memory, and tests/test_health_register.py holds the three to each other.

Only an action's own answer counts (its lead department's): a partner's answer on a shared
action says nothing of the action's schedule or its being stale.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Mapping
from typing import Any

from roundtrip.health.compute import Register, ended, health, quiet_of, rules_of, stale_window
from roundtrip.health.rules import Flag
from roundtrip.programme.model import Programme
from roundtrip.programme.periods import Period
from roundtrip.register.db import query
from roundtrip.register.reads import (
    collected_periods,
    last_statuses,
    lead_answers,
    period_values,
    shared,
)

# The lead pairs as a table of keys "action<US>department" (US: the unit separator, char 31,
# never in an id), from a JSON array of such strings in :leads. One string a pair: json.dumps
# of 180,000 [action, department] lists took 0.46 s, of the strings 0.05 s.
_LEADS = "SELECT value AS k FROM json_each(:leads)"
_KEY = "a.action_id || char(31) || a.department_id"
_CURRENT = "(SELECT id FROM current_submissions WHERE period = {p})"
# The (action, department) pairs with an update in period {p}: an answer with a status, and
# a comment or a status or progress other than the same department's in the period {b}.
_UPDATED = (
    f"SELECT {_KEY} FROM answers a WHERE a.submission_id IN "
    + _CURRENT
    + " AND a.period = {p} AND a.status_key IS NOT NULL"  # (by submission: no scan)
)
_CHANGED = (
    " AND (TRIM(COALESCE(a.comment, ''), ' ' || char(9, 10, 13, 160)) <> '' OR NOT EXISTS ("
    "SELECT 1 FROM answers b WHERE b.action_id = a.action_id AND b.period = {b} "
    "AND b.department_id = a.department_id AND b.status_key = a.status_key "
    "AND b.progress IS a.progress AND b.submission_id IN " + _CURRENT.replace("{p}", "{b}") + "))"
)


Job = tuple[Callable[..., dict[str, str | None]], tuple[Any, ...]]


def quiet_job(conn: sqlite3.Connection, programme: Programme, period: Period) -> Job | None:
    """The stale rule's query as a job, (fn, args) with fn(connection, *args) -> Register.quiet,
    small and picklable, to run in a worker beside other reading. None when the rule has no
    window to look at."""
    window = stale_window(programme, period, rules_of(programme), collected_periods(conn))
    if not window:
        return None
    leads = json.dumps(
        [f"{a.id}\x1f{a.department_id}" for a in programme.actions if a.active],
        separators=(",", ":"),
    )
    periods = [(str(p), str(before) if before is not None else None) for p, before in window]
    return quiet_pairs, (leads, periods)


def read_register(
    conn: Any,
    programme: Programme,
    period: Period,
    quiet: Mapping[str, str | None] | None = None,
    values: Mapping[str, float] | None = None,
) -> Register:
    """What the health of `period` is computed from (see the module's docstring); `quiet`:
    the result of quiet_job's job when it was run elsewhere ({} when quiet_job gave none),
    `values`: the period's numeric metric values when they were read already."""
    rules = rules_of(programme)
    collected = collected_periods(conn)
    if quiet is None and shared(conn):  # (the sets of the summary: no json_each there)
        quiet = _quiet_from_answers(conn, programme, period, collected)
    if quiet is None:
        job = quiet_job(conn, programme, period)
        quiet = job[0](conn, *job[1]) if job is not None else {}
    if values is None:
        values = period_values(conn, str(period))
    done = ended(programme, period, rules)
    lead = {a.id: a.department_id for a in done}
    last = last_statuses(conn, list(lead), lead, str(period))
    return Register(quiet, last, values, collected)


def _quiet_from_answers(
    conn: Any, programme: Programme, period: Period, collected: frozenset[str]
) -> dict[str, str | None]:
    """Register.quiet from the lead answers of the stale window's periods (health.quiet_of),
    as the summary finds it: the shared register's way."""
    window = [
        (str(q), str(b) if b is not None else None)
        for q, b in stale_window(programme, period, rules_of(programme), collected)
    ]
    pairs = programme.partner_pairs()
    got = {q: lead_answers(conn, q, pairs) for q in {q for w in window for q in w if q}}
    return quiet_of(
        window,
        {q: a[0] for q, a in got.items()},
        {q: a[1] for q, a in got.items()},
        [a.id for a in programme.actions if a.active],
    )


def quiet_pairs(
    conn: sqlite3.Connection, leads: str, periods: list[tuple[str, str | None]]
) -> dict[str, str | None]:
    """Register.quiet: of the lead pairs `leads` (a JSON array of "action<US>department"), the
    active actions their lead updated in none of `periods` (each with the period before it,
    None before the programme's first), with the newest status given again in them."""
    args: dict[str, str] = {}
    updated = []
    for k, (p, before) in enumerate(periods):
        args[f"p{k}"] = p
        sql = _UPDATED.format(p=f":p{k}")
        if before is not None:  # (else the programme's first period: every answer updates)
            args[f"b{k}"] = before
            sql += _CHANGED.format(b=f":b{k}")
        updated.append(sql)
    args["leads"] = leads
    window = ", ".join(f":p{k}" for k in range(len(periods)))
    sql = (
        f"WITH quiet(k) AS ({_LEADS} EXCEPT {' EXCEPT '.join(updated)}), "
        "q(aid, dept) AS (SELECT substr(k, 1, instr(k, char(31)) - 1), "
        "substr(k, instr(k, char(31)) + 1) FROM quiet) "
        "SELECT q.aid, (SELECT a.status_key FROM answers a WHERE a.action_id = q.aid "
        f"AND a.period IN ({window}) AND a.department_id = q.dept "
        "AND a.status_key IS NOT NULL AND a.submission_id IN "
        f"(SELECT id FROM current_submissions WHERE period IN ({window})) "
        "LIMIT 1) FROM q"  # (a quiet action gives one status again, or none)
    )
    return dict(query(conn, sql, args).fetchall())


def register_health(
    conn: Any,
    programme: Programme,
    period: Period,
    quiet: Mapping[str, str | None] | None = None,
    values: Mapping[str, float] | None = None,
) -> dict[str, tuple[Flag, ...]]:
    """Every flagged action's flags in `period`, from the register as it is now (`quiet`,
    `values`: as read_register's)."""
    return health(programme, period, read_register(conn, programme, period, quiet, values))
