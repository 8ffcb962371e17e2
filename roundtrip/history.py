"""Last answers from the register, shown beside the inputs of the next return workbook."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .errors import UsageError
from .model import Programme
from .periods import Period, parse_period
from .register import query


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
    answers that say something (a status, a progress or a comment; a metric value); on a tie
    of periods the later submission's. With `departments`, only those departments' answers
    are needed (others may be left out). SQLite keeps the latest row of each action itself:
    after two years of a regional programme the register holds 1.4 million answers, of which
    only the 180,000 latest are wanted.
    """
    cadence = programme.settings.cadence
    labels: dict[str, str] = {}
    for st in programme.statuses:
        labels.setdefault(st.key, st.label)  # the first, as status_by_key finds it
    usable = _usable_periods(conn, cadence, before)
    if not usable:
        return Previous()
    texts = tuple(usable)
    within = ", ".join("?" * len(texts))
    current = f"SELECT id FROM current_submissions WHERE period IN ({within})"
    args: tuple = texts
    few = departments is not None and len(departments) <= MAX_FILTERED
    if few:
        current += f" AND department_id IN ({', '.join('?' * len(departments))})"
        args += tuple(departments)
    args += texts

    def rows_of(table: str, index: str) -> str:
        """The usable answers of `table`: all of them in the order of the key's `index`
        (so they come grouped without a sort), or the few departments' through their
        submissions."""
        if few:
            return f"FROM {table} WHERE submission_id IN ({current}) AND period IN ({within})"
        return (
            f"FROM {table} INDEXED BY {index} "
            f"WHERE +submission_id IN ({current}) AND +period IN ({within})"
        )

    # Each key's latest row, kept by SQLite: its period's ordinal, then its submission (ids
    # only grow); the other columns of a query with one MAX() are the ones of its row.
    rank = (
        "MAX((CASE period "
        + " ".join("WHEN ? THEN ?" for _ in texts)
        + f" END) * {1 << 40} + submission_id)"
    )
    ranks = tuple(x for text in texts for x in (text, usable[text][0]))
    answers = query(
        conn,
        f"""
        SELECT action_id, period, status_key, progress, comment, submission_id, {rank}
        {rows_of("answers", "answers_action")}
        AND (status_key IS NOT NULL OR progress IS NOT NULL
             OR (comment IS NOT NULL AND comment <> ''))
        GROUP BY action_id ORDER BY action_id""",
        (*ranks, *args),
    )
    values = query(
        conn,
        f"""
        SELECT metric_id, period, value_text, submission_id, {rank}
        {rows_of("metric_values", "metric_values_metric")}
        AND value_text IS NOT NULL AND value_text <> ''
        GROUP BY metric_id ORDER BY metric_id""",
        (*ranks, *args),
    )
    return Previous(
        actions=Made({r[0]: (r, usable[r[1]][1]) for r in answers}, _answer, labels),
        metrics=Made({r[0]: (r, usable[r[1]][1]) for r in values}, _value, labels),
    )


def _usable_periods(
    conn: sqlite3.Connection, cadence: str, before: Period
) -> dict[str, tuple[int, str]]:
    """The stored periods of `cadence` earlier than `before`: text as stored -> (ordinal,
    canonical text). Another cadence's periods (a programme that changed cadence) are not
    comparable, so not used."""
    usable: dict[str, tuple[int, str]] = {}
    for (text,) in query(conn, "SELECT DISTINCT period FROM current_submissions"):
        p = _period_of(text, cadence)
        if p is not None and p < before:
            usable[text] = (p.ordinal(), str(p))
    return usable


def _answer(row: tuple, period: str, labels: Mapping[str, str]) -> PreviousAnswer:
    key = row[2]
    return PreviousAnswer(
        period=period,
        status=labels.get(key, key) if key else "",
        progress=None if row[3] is None else int(row[3]),
        comment=row[4] or "",
    )


def _value(row: tuple, period: str, labels: Mapping[str, str]) -> PreviousValue:
    return PreviousValue(period, row[2])


class Made(Mapping[str, Any]):
    """Key -> its previous answer, made from the stored row when asked for: a regional
    register holds 180,000 of them, and a workbook asks for its own sixty."""

    def __init__(
        self,
        found: dict[str, tuple[tuple, str]],
        make: Callable[[tuple, str, Mapping[str, str]], Any],
        labels: Mapping[str, str],
    ) -> None:
        self._found = found
        self._make = make
        self._labels = labels

    def __getitem__(self, key: str) -> Any:
        row, period = self._found[key]
        return self._make(row, period, self._labels)

    def __iter__(self) -> Iterator[str]:
        return iter(self._found)

    def __len__(self) -> int:
        return len(self._found)

    def __contains__(self, key: object) -> bool:
        return key in self._found
