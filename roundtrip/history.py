"""Last answers from the register, shown beside the inputs of the next return workbook."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Mapping
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


def _status_label(programme: Programme, key: str | None) -> str:
    if not key:
        return ""
    try:
        return programme.status_by_key(key).label
    except KeyError:
        return key


def last_answers(conn: sqlite3.Connection, programme: Programme, before: Period) -> Previous:
    """Per action and metric, the latest answer from a period earlier than `before`.

    Only submissions that currently count (`current_submissions`) are used, and only
    answers that say something (a status, a progress or a comment; a metric value).
    """
    cadence = programme.settings.cadence
    answers = conn.execute(
        """
        SELECT a.action_id, a.period, a.status_key, a.progress, a.comment, s.id AS sid
        FROM answers a JOIN current_submissions s ON s.id = a.submission_id
        WHERE a.status_key IS NOT NULL OR a.progress IS NOT NULL
              OR (a.comment IS NOT NULL AND a.comment <> '')
        """
    )
    values = conn.execute(
        """
        SELECT m.metric_id, m.period, m.value_text, s.id AS sid
        FROM metric_values m JOIN current_submissions s ON s.id = m.submission_id
        WHERE m.value_text IS NOT NULL AND m.value_text <> ''
        """
    )
    return Previous(
        actions=_latest(
            answers,
            "action_id",
            cadence,
            before,
            lambda r, p: PreviousAnswer(
                period=str(p),
                status=_status_label(programme, r["status_key"]),
                progress=None if r["progress"] is None else int(r["progress"]),
                comment=r["comment"] or "",
            ),
        ),
        metrics=_latest(
            values,
            "metric_id",
            cadence,
            before,
            lambda r, p: PreviousValue(str(p), r["value_text"]),
        ),
    )


def _latest(
    rows: Iterable[sqlite3.Row],
    key: str,
    cadence: str,
    before: Period,
    make: Callable[[sqlite3.Row, Period], Any],
) -> dict[str, Any]:
    """Per `key`, the row of the latest period before `before` (later submission on a tie),
    turned into its answer by `make(row, period)`; sorted by key."""
    best: dict[str, tuple[tuple[int, int], Any, Period]] = {}
    for r in rows:
        p = _period_of(r["period"], cadence)
        if p is None or p >= before:
            continue
        rank = (p.ordinal(), r["sid"])
        old = best.get(r[key])
        if old is None or rank > old[0]:
            best[r[key]] = (rank, r, p)
    return {k: make(r, p) for k, (_, r, p) in sorted(best.items())}
