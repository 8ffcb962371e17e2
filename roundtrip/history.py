"""Last answers from the register, shown beside the inputs of the next return workbook."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import UsageError
from .model import Programme
from .periods import Period, parse_period


@dataclass(frozen=True)
class PreviousAnswer:
    period: str
    status: str  # status label in the programme's language ("" when not answered)
    progress: int | None
    comment: str


@dataclass(frozen=True)
class PreviousValue:
    period: str
    value: str  # canonical text as stored in the register


@dataclass(frozen=True)
class Previous:
    """The latest answer per action and value per metric before some period."""

    actions: Mapping[str, PreviousAnswer] = field(default_factory=dict)
    metrics: Mapping[str, PreviousValue] = field(default_factory=dict)


def _period_of(text: str, cadence: str) -> Period | None:
    try:
        return parse_period(text, cadence)
    except UsageError:
        return None  # another cadence's period (programme changed cadence): not comparable


MAX_FILTERED = 500  # departments named in the query (beyond: all read, as for a full run)


def last_answers(
    conn: sqlite3.Connection,
    programme: Programme,
    before: Period,
    departments: Sequence[str] | None = None,
) -> Previous:
    """Per action and metric, the latest answer from a period earlier than `before`.

    Only submissions that currently count (`current_submissions`) are used, and only
    answers that say something (a status, a progress or a comment; a metric value). With
    `departments`, only those departments' answers are needed (others may be left out).
    """
    cadence = programme.settings.cadence
    labels: dict[str, str] = {}
    for st in programme.statuses:
        labels.setdefault(st.key, st.label)  # the first, as status_by_key finds it
    only, args = "", ()
    if departments is not None and len(departments) <= MAX_FILTERED:
        only = f" AND {{t}}.department_id IN ({', '.join('?' * len(departments))})"
        args = tuple(departments)
    answers = _plain(
        conn,
        """
        SELECT a.action_id, a.period, a.status_key, a.progress, a.comment, s.id
        FROM answers a JOIN current_submissions s ON s.id = a.submission_id
        WHERE (a.status_key IS NOT NULL OR a.progress IS NOT NULL
               OR (a.comment IS NOT NULL AND a.comment <> ''))"""
        + only.format(t="a"),
        args,
    )
    values = _plain(
        conn,
        """
        SELECT m.metric_id, m.period, m.value_text, s.id
        FROM metric_values m JOIN current_submissions s ON s.id = m.submission_id
        WHERE m.value_text IS NOT NULL AND m.value_text <> ''"""
        + only.format(t="m"),
        args,
    )
    return Previous(
        actions=_latest(
            answers,
            cadence,
            before,
            lambda r, period: PreviousAnswer(
                period=period,
                status=labels.get(r[2], r[2]) if r[2] else "",
                progress=None if r[3] is None else int(r[3]),
                comment=r[4] or "",
            ),
        ),
        metrics=_latest(values, cadence, before, lambda r, period: PreviousValue(period, r[2])),
    )


def _plain(conn: sqlite3.Connection, sql: str, args: tuple) -> sqlite3.Cursor:
    """Rows as plain tuples, whatever the connection's row factory (sqlite3.Row costs ~1 us
    a row; a register holds hundreds of thousands of answers a period)."""
    cur = conn.cursor()
    cur.row_factory = None
    return cur.execute(sql, args)


def _latest(
    rows: Iterable[tuple],
    cadence: str,
    before: Period,
    make: Callable[[tuple, str], Any],
) -> dict[str, Any]:
    """Per key (a row's first column), the row of the latest period (second column) before
    `before`, the later submission (last column) on a tie, turned into its answer by
    `make(row, period text)`; sorted by key. Each period's text is parsed once."""
    usable: dict[str, tuple[int, str] | None] = {}  # period text -> (ordinal, canonical text)
    best: dict[str, tuple[tuple[int, int], tuple, str]] = {}
    for r in rows:
        text = r[1]
        if text in usable:
            got = usable[text]
        else:
            p = _period_of(text, cadence)
            got = usable[text] = None if p is None or p >= before else (p.ordinal(), str(p))
        if got is None:
            continue
        rank = (got[0], r[-1])
        old = best.get(r[0])
        if old is None or rank > old[0]:
            best[r[0]] = (rank, r, got[1])
    return {k: make(r, period) for k, (_, r, period) in sorted(best.items())}
