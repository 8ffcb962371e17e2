"""One period's answers from the register, as the summary counts them: each action's own
answer (its lead's), the partners' answers beside it (issue 22), and each department's return.

An answer on a shared action from one of its partners (`pairs`: (action, partner department))
is never the action's: its status is counted once, the lead's.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping

from roundtrip.language import format_percent
from roundtrip.programme.model import Action
from roundtrip.register.db import query
from roundtrip.summary.passes import CURRENT_SUBMISSIONS

Answer = tuple[str | None, int | None, str | None]  # status key, progress, comment


# Whether an answer's comment says anything (spaces, tabs, line breaks and no-break spaces
# are nothing): the stale rule's "with no comment", as register.health asks it.
COMMENTED = "TRIM(COALESCE(comment, ''), ' ' || char(9, 10, 13, 160)) <> ''"


def lead_answers(
    conn: sqlite3.Connection, period: str, pairs: frozenset[tuple[str, str]] = frozenset()
) -> tuple[dict[str, tuple[str | None, int | None]], set[str]]:
    """action -> (status key, progress) of its answer in `period`, never a partner's (`pairs`:
    (action, partner department)), and the actions whose answer has a comment."""
    statuses, _partners, commented = period_answers(conn, period, pairs)
    return statuses, commented


def period_answers(
    conn: sqlite3.Connection, period: str, pairs: frozenset[tuple[str, str]]
) -> tuple[dict[str, tuple[str | None, int | None]], dict[tuple[str, str], Answer], set[str]]:
    """lead_answers' two, and the partners' answers: (action, partner department) -> its
    Answer."""
    where = f"WHERE submission_id IN ({CURRENT_SUBMISSIONS.format(op='=')}) AND period = ?"
    if not pairs:
        rows = query(
            conn,
            f"SELECT action_id, status_key, progress, {COMMENTED} FROM answers {where}",
            (period, period),
        ).fetchall()
        return {r[0]: (r[1], r[2]) for r in rows}, {}, {r[0] for r in rows if r[3]}
    statuses: dict[str, tuple[str | None, int | None]] = {}
    partners: dict[tuple[str, str], Answer] = {}
    commented: set[str] = set()
    for aid, key, progress, comment, dept, said in query(
        conn,
        "SELECT action_id, status_key, progress, comment, department_id, "
        f"{COMMENTED} FROM answers {where}",
        (period, period),
    ):
        if (aid, dept) in pairs:
            partners[(aid, dept)] = (key, progress, comment)
        else:
            statuses[aid] = (key, progress)
            if said:
                commented.add(aid)
    return statuses, partners, commented


def returns_of(conn: sqlite3.Connection, period: str) -> dict[str, str]:
    """department id -> received_at of its current submission for `period`."""
    rows = query(
        conn,
        "SELECT department_id, MAX(received_at) FROM current_submissions WHERE period = ? "
        "GROUP BY department_id",
        (period,),
    )
    return {r[0]: r[1] or "" for r in rows}


def partner_lines(
    action: Action,
    answers: Mapping[tuple[str, str], Answer],
    names: Mapping[str, str],
    labels: Mapping[str, str],
    language: str,
) -> str:
    """Each partner's answer on `action`, a line each: "Sivistystoimi: On track, 40 % – comment"
    (`labels`: status key -> label, "" for not answered)."""
    lines = []
    for dept in dict.fromkeys(d for d in action.partners if d != action.department_id):
        key, progress, comment = answers.get((action.id, dept)) or (None, None, None)
        text = f"{names.get(dept, dept)}: {labels.get(key or '') or labels['']}"
        if progress is not None:
            text += ", " + format_percent(progress / 100, language)
        if comment and comment.strip():
            text += " – " + comment.strip()
        lines.append(text)
    return "\n".join(lines)
