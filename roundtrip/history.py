"""Last answers from the register, shown beside the inputs of the next return workbook."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
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
    answers = query(
        conn,
        """
        SELECT a.action_id, a.period, a.status_key, a.progress, a.comment, s.id
        FROM answers a JOIN current_submissions s ON s.id = a.submission_id
        WHERE (a.status_key IS NOT NULL OR a.progress IS NOT NULL
               OR (a.comment IS NOT NULL AND a.comment <> ''))"""
        + only.format(t="a"),
        args,
    )
    values = query(
        conn,
        """
        SELECT m.metric_id, m.period, m.value_text, s.id
        FROM metric_values m JOIN current_submissions s ON s.id = m.submission_id
        WHERE m.value_text IS NOT NULL AND m.value_text <> ''"""
        + only.format(t="m"),
        args,
    )
    return Previous(
        actions=Made(_latest(answers, cadence, before), _answer, labels),
        metrics=Made(_latest(values, cadence, before), _value, labels),
    )


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


def _latest(rows: Iterable[tuple], cadence: str, before: Period) -> dict[str, tuple[tuple, str]]:
    """Per key (a row's first column), the row of the latest period (second column) before
    `before`, the later submission (last column) on a tie, with that period's text; sorted by
    key. Each period's text is parsed once."""
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
    return {k: (r, period) for k, (_, r, period) in sorted(best.items())}
