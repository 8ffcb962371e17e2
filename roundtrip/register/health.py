"""The register's side of computed health: the answers and metric values the rules read
(roundtrip.health), taken from the current submissions when asked, never stored.

Only an action's own answer counts (its lead department's): a partner's answer on a shared
action says nothing of the action's schedule or its being stale.
"""

from __future__ import annotations

import sqlite3

from roundtrip.health.compute import Register, health, rules_of, window
from roundtrip.health.rules import Answer, Flag
from roundtrip.programme.model import Programme
from roundtrip.programme.periods import Period
from roundtrip.register.db import query

BATCH = 500  # action ids per query for the last status before the window


def read_register(conn: sqlite3.Connection, programme: Programme, period: Period) -> Register:
    """The lead departments' answers over the rules' window (health.compute.window), the
    last status before it of each action with a schedule's end and no status in it, and the
    numeric metric values of `period`. Whether a comment was written is all the rules need
    of it: it is read as "" or "c"."""
    periods = [str(p) for p in window(programme, period, rules_of(programme))]
    lead = {a.id: a.department_id for a in programme.actions}
    answers: dict[tuple[str, str], Answer] = {}
    marks = ", ".join("?" * len(periods))
    for aid, p, key, progress, commented, dept in query(
        conn,
        "SELECT a.action_id, a.period, a.status_key, a.progress, "
        "CASE WHEN TRIM(COALESCE(a.comment, '')) = '' THEN '' ELSE 'c' END, a.department_id "
        "FROM answers a WHERE a.submission_id IN "
        f"(SELECT id FROM current_submissions WHERE period IN ({marks})) "
        f"AND a.period IN ({marks})",  # by submission: the primary key's order, no scan
        (*periods, *periods),
    ):
        if lead.get(aid) == dept:
            answers[(aid, p)] = Answer(key, progress, commented)
    values: dict[tuple[str, str], float] = {}
    for mid, value in query(
        conn,
        "SELECT m.metric_id, m.value_num FROM metric_values m WHERE m.submission_id IN "
        "(SELECT id FROM current_submissions WHERE period = ?) "
        "AND m.period = ? AND m.value_num IS NOT NULL",
        (str(period), str(period)),
    ):
        values[(mid, str(period))] = float(value)
    collected = frozenset(
        r[0] for r in query(conn, "SELECT DISTINCT period FROM current_submissions", ())
    )
    return Register(answers, values, collected, _earlier(conn, programme, period, answers))


def _earlier(
    conn: sqlite3.Connection,
    programme: Programme,
    period: Period,
    answers: dict[tuple[str, str], Answer],
) -> dict[str, str | None]:
    """The last status before the window of each active action with a schedule's end and
    no status in the window (usually few: asked for by id)."""
    answered = {aid for (aid, _p), a in answers.items() if a.status_key}
    wanted = [a for a in programme.actions if a.end and a.active and a.id not in answered]
    out: dict[str, str | None] = {}
    for i in range(0, len(wanted), BATCH):
        lead = {a.id: a.department_id for a in wanted[i : i + BATCH]}
        marks = ", ".join("?" * len(lead))
        for aid, p, key, dept in query(
            conn,
            "SELECT a.action_id, a.period, a.status_key, a.department_id FROM answers a "
            "JOIN current_submissions s ON s.id = a.submission_id "
            f"WHERE a.action_id IN ({marks}) AND a.status_key IS NOT NULL AND a.period <= ? "
            "ORDER BY a.period",
            (*lead, str(period)),
        ):
            if lead.get(aid) == dept and len(p) == len(str(period)):
                out[aid] = key  # in period order: the last one stays
    return out


def register_health(
    conn: sqlite3.Connection, programme: Programme, period: Period
) -> dict[str, tuple[Flag, ...]]:
    """Every flagged action's flags in `period`, from the register as it is now."""
    return health(programme, period, read_register(conn, programme, period))
