"""The register's side of computed health: the answers and metric values the rules read
(roundtrip.health), taken from the current submissions when asked, never stored.

Only an action's own answer counts (its lead department's): a partner's answer on a shared
action says nothing of the action's schedule or its being stale.
"""

from __future__ import annotations

import sqlite3

from roundtrip.health.compute import Register, health
from roundtrip.health.rules import Answer, Flag
from roundtrip.programme.model import Programme
from roundtrip.programme.periods import Period
from roundtrip.register.db import query

# Periods back from the one asked for that the latest status is looked for in (an overdue
# action reports the status it last had); older answers never decide a flag.
LOOK_BACK = 12


def read_register(conn: sqlite3.Connection, programme: Programme, period: Period) -> Register:
    """The lead departments' answers from LOOK_BACK periods before `period` up to it, and
    the numeric metric values of `period`."""
    first = str(period.shift(-LOOK_BACK))
    lead = {a.id: a.department_id for a in programme.actions}
    answers: dict[tuple[str, str], Answer] = {}
    for aid, p, key, progress, comment, dept in query(
        conn,
        "SELECT a.action_id, a.period, a.status_key, a.progress, a.comment, a.department_id "
        "FROM answers a JOIN current_submissions s ON s.id = a.submission_id "
        "WHERE a.period >= ? AND a.period <= ?",
        (first, str(period)),
    ):
        if lead.get(aid) == dept and _same_cadence(p, period):
            answers[(aid, p)] = Answer(key, progress, comment or "")
    values: dict[tuple[str, str], float] = {}
    for mid, value in query(
        conn,
        "SELECT m.metric_id, m.value_num FROM metric_values m "
        "JOIN current_submissions s ON s.id = m.submission_id "
        "WHERE m.period = ? AND m.value_num IS NOT NULL",
        (str(period),),
    ):
        values[(mid, str(period))] = float(value)
    collected = frozenset(
        r[0] for r in query(conn, "SELECT DISTINCT period FROM current_submissions", ())
    )
    return Register(answers, values, collected)


def _same_cadence(text: str, period: Period) -> bool:
    return len(text) == len(str(period))


def register_health(
    conn: sqlite3.Connection, programme: Programme, period: Period
) -> dict[str, tuple[Flag, ...]]:
    """Every flagged action's flags in `period`, from the register as it is now."""
    return health(programme, period, read_register(conn, programme, period))
