"""Last answers from the register, shown beside the inputs of the next return workbook."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from roundtrip.errors import UsageError
from roundtrip.programme.model import Programme
from roundtrip.programme.periods import Period, parse_period
from roundtrip.register.db import query


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
    """The latest answer per action and value per metric before some period; an action with
    partners has its lead's answer in `actions`, and each partner's own in `shared`."""

    actions: Mapping[str, PreviousAnswer] = field(default_factory=dict)
    metrics: Mapping[str, PreviousValue] = field(default_factory=dict)
    shared: Mapping[tuple[str, str], PreviousAnswer] = field(default_factory=dict)


def _period_of(text: str, cadence: str) -> Period | None:
    try:
        return parse_period(text, cadence)
    except UsageError:
        return None  # another cadence's period (programme changed cadence): not comparable


MAX_FILTERED = 500  # departments named in the query (beyond: all read, as for a full run)


def last_answers(
    conn: Any,
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
    only the 180,000 latest are wanted. `conn`: the workspace's register (sqlite3, from
    db.connect) or a shared one (psycopg, from shared.connect).
    """
    cadence = programme.settings.cadence
    labels: dict[str, str] = {}
    for st in programme.statuses:
        labels.setdefault(st.key, st.label)  # the first, as status_by_key finds it
    usable = _usable_periods(conn, cadence, before)
    if not usable:
        return Previous()
    texts = tuple(usable)
    pairs = programme.partner_pairs()
    if departments is not None and not departments:
        return Previous()
    if not isinstance(conn, sqlite3.Connection):  # a shared register (register/shared.py)
        answers, values, leads, partners = _latest_on_postgresql(conn, usable, departments, pairs)
    elif departments is not None and len(departments) <= MAX_FILTERED:
        answers, values = _latest_of_departments(conn, usable, texts, tuple(departments))
    else:
        answers, values = _latest_of_all(conn, usable)
    shared: dict[tuple[str, str], PreviousAnswer] = {}
    if pairs:  # the answers above are anyone's: a shared action's are the lead's or a partner's
        if isinstance(conn, sqlite3.Connection):
            leads, partners = _latest_of_shared(conn, usable, texts, pairs)
        for aid in {a for a, _d in pairs}:
            if aid in leads:
                answers[aid] = leads[aid]
            else:
                answers.pop(aid, None)
        shared = {k: _answer(r, usable[r[1]][1], labels) for k, r in partners.items()}
    return Previous(
        actions=Made({k: (r, usable[r[1]][1]) for k, r in answers.items()}, _answer, labels),
        metrics=Made({k: (r, usable[r[1]][1]) for k, r in values.items()}, _value, labels),
        shared=shared,
    )


# The rows that say something: a status, a progress or a comment; a metric value.
_ANSWERED = (
    "(status_key IS NOT NULL OR progress IS NOT NULL OR (comment IS NOT NULL AND comment <> ''))"
)
_VALUED = "value_text IS NOT NULL AND value_text <> ''"
_ANSWER_COLUMNS = "action_id, period, status_key, progress, comment, submission_id"
_VALUE_COLUMNS = "metric_id, period, value_text, submission_id"

Rows = dict[str, tuple]  # key (action or metric id) -> its latest row (key, period, ...)


def _current(texts: tuple[str, ...], departments: tuple[str, ...] = ()) -> str:
    """The current submissions of the periods `texts` (of `departments`): the SQL and its
    parameters are (*texts, *departments)."""
    sql = f"SELECT id FROM current_submissions WHERE period IN ({', '.join('?' * len(texts))})"
    if departments:
        sql += f" AND department_id IN ({', '.join('?' * len(departments))})"
    return sql


def _rank(usable: dict[str, tuple[int, str]], texts: tuple[str, ...]) -> tuple[str, tuple]:
    """The SQL (and its parameters) of a row's rank: its period's ordinal, then its submission
    (ids only grow). With one MAX() in a grouped query, SQLite returns the other columns
    from the row of the maximum: each key's latest row."""
    sql = (
        "MAX((CASE period "
        + " ".join("WHEN ? THEN ?" for _ in texts)
        + f" END) * {1 << 40} + submission_id)"
    )
    return sql, tuple(x for text in texts for x in (text, usable[text][0]))


def _latest_of_departments(
    conn: sqlite3.Connection,
    usable: dict[str, tuple[int, str]],
    texts: tuple[str, ...],
    departments: tuple[str, ...],
) -> tuple[Rows, Rows]:
    """The latest rows of a few departments' submissions, found through the submissions."""
    rank, ranks = _rank(usable, texts)
    within = ", ".join("?" * len(texts))
    args = (*ranks, *texts, *departments, *texts)
    where = f"WHERE submission_id IN ({_current(texts, departments)}) AND period IN ({within})"
    answers = query(
        conn,
        f"SELECT {_ANSWER_COLUMNS}, {rank} FROM answers {where} AND {_ANSWERED} GROUP BY action_id",
        args,
    )
    values = query(
        conn,
        f"SELECT {_VALUE_COLUMNS}, {rank} FROM metric_values {where} AND {_VALUED} "
        "GROUP BY metric_id",
        args,
    )
    return {r[0]: r for r in answers}, {r[0]: r for r in values}


def _latest_of_shared(
    conn: sqlite3.Connection,
    usable: dict[str, tuple[int, str]],
    texts: tuple[str, ...],
    pairs: frozenset[tuple[str, str]],
) -> tuple[Rows, dict[tuple[str, str], tuple]]:
    """The latest rows of the actions with partners: (action -> the latest of every answer
    but its partners', (action, partner) -> the partner's latest), along the action index."""
    ids = sorted({a for a, _d in pairs})
    rank, ranks = _rank(usable, texts)
    within = ", ".join("?" * len(texts))
    leads: Rows = {}
    partners: dict[tuple[str, str], tuple] = {}
    for i in range(0, len(ids), MAX_FILTERED):
        chunk = ids[i : i + MAX_FILTERED]
        rows = query(
            conn,
            f"SELECT {_ANSWER_COLUMNS}, department_id, {rank} FROM answers "
            f"WHERE action_id IN ({', '.join('?' * len(chunk))}) "
            f"AND submission_id IN ({_current(texts)}) AND period IN ({within}) AND {_ANSWERED} "
            "GROUP BY action_id, department_id",
            (*ranks, *chunk, *texts, *texts),
        )
        for r in rows:
            aid, dept = r[0], r[6]
            if (aid, dept) in pairs:
                partners[(aid, dept)] = r
            elif aid not in leads or r[7] > leads[aid][7]:
                leads[aid] = r
    return leads, partners


def _latest_of_all(
    conn: sqlite3.Connection, usable: dict[str, tuple[int, str]]
) -> tuple[Rows, Rows]:
    """Every key's latest row, in two steps. The newest period's rows come through the
    submissions (most of the answer: a few hundred thousand rows, where the register holds
    millions); only keys that have none there are looked for in the older periods, along
    the key's index, skipping every key found (a temporary table of them). Walking every
    row along the index in one step looks each up in the table at random, which is much
    slower over many periods (docs/benchmarks.md)."""
    top = max(ordinal for ordinal, _ in usable.values())
    newest = tuple(t for t, (ordinal, _) in usable.items() if ordinal == top)
    older = tuple(t for t in usable if t not in newest)
    out: list[Rows] = []
    for table, columns, key, said, index in (
        ("answers", _ANSWER_COLUMNS, "action_id", _ANSWERED, "answers_action"),
        ("metric_values", _VALUE_COLUMNS, "metric_id", _VALUED, "metric_values_metric"),
    ):
        where = (
            f"WHERE submission_id IN ({_current(newest)}) "
            f"AND period IN ({', '.join('?' * len(newest))}) AND {said}"
        )
        # In submission order: a key answered twice in the period keeps its later answer.
        sql = f"SELECT {columns} FROM {table} {where} ORDER BY submission_id"
        latest = {r[0]: r for r in query(conn, sql, (*newest, *newest))}
        if older:
            # The keys found, by the same condition (one statement: one transaction).
            conn.execute("DROP TABLE IF EXISTS temp.rt_found")
            conn.execute("CREATE TEMP TABLE rt_found (id TEXT PRIMARY KEY) WITHOUT ROWID")
            try:
                conn.execute(
                    f"INSERT OR IGNORE INTO temp.rt_found SELECT {key} FROM {table} {where}",
                    (*newest, *newest),
                )
                rank, ranks = _rank(usable, older)
                rows = query(
                    conn,
                    f"SELECT {columns}, {rank} FROM {table} INDEXED BY {index} "
                    f"WHERE {key} NOT IN (SELECT id FROM temp.rt_found) "
                    f"AND +submission_id IN ({_current(older)}) "
                    f"AND +period IN ({', '.join('?' * len(older))}) AND {said} "
                    f"GROUP BY {key}",
                    (*ranks, *older, *older),
                )
                latest.update((r[0], r) for r in rows)
            finally:
                conn.execute("DROP TABLE IF EXISTS temp.rt_found")
        out.append(latest)
    return out[0], out[1]


def _latest_on_postgresql(
    conn: Any,
    usable: dict[str, tuple[int, str]],
    departments: Sequence[str] | None,
    pairs: frozenset[tuple[str, str]],
) -> tuple[Rows, Rows, Rows, dict[tuple[str, str], tuple]]:
    """What the SQLite queries above find, on a shared register, in the SQL both databases
    speak (a window function where SQLite keeps a grouped maximum's row): every key's latest
    row, and for the actions with partners each (action, department)'s latest. Rows as
    above: (key, period, ..., submission_id)."""
    from sqlalchemy import ARRAY, Text, and_, any_, bindparam, func, or_, select

    from roundtrip.register.schema import ANSWERS as A
    from roundtrip.register.schema import METRIC_VALUES as M
    from roundtrip.register.schema import SUBMISSIONS as S
    from roundtrip.register.shared import rows

    order = sorted(usable, key=lambda t: usable[t][0])  # oldest first: later ranks higher
    texts = bindparam("texts", type_=ARRAY(Text))
    current = select(S.c.id).where(S.c.superseded_by.is_(None), S.c.period == any_(texts))
    if departments is not None:
        current = current.where(S.c.department_id == any_(bindparam("depts", type_=ARRAY(Text))))
    said = {
        A: or_(A.c.status_key.is_not(None), A.c.progress.is_not(None),
               and_(A.c.comment.is_not(None), A.c.comment != "")),
        M: and_(M.c.value_text.is_not(None), M.c.value_text != ""),
    }  # fmt: skip
    columns = {
        A: (
            A.c.action_id,
            A.c.period,
            A.c.status_key,
            A.c.progress,
            A.c.comment,
            A.c.submission_id,
        ),
        M: (M.c.metric_id, M.c.period, M.c.value_text, M.c.submission_id),
    }

    def latest(table: Any, by: tuple, where: Any = None) -> Any:
        """Each partition's (`by`) latest row, its columns and `by`'s after the key's."""
        rank = func.array_position(bindparam("order", type_=ARRAY(Text)), table.c.period)
        inner = select(
            *columns[table],
            *by[1:],
            func.row_number()
            .over(partition_by=by, order_by=(rank.desc(), table.c.submission_id.desc()))
            .label("rn"),
        ).where(table.c.submission_id.in_(current), table.c.period == any_(texts), said[table])
        if where is not None:
            inner = inner.where(where)
        sub = inner.subquery()
        return select(*[c for c in sub.c if c.name != "rn"]).where(sub.c.rn == 1)

    args = {"order": order, "texts": list(usable), "depts": list(departments or ())}
    answers = {r[0]: r for r in rows(conn, latest(A, (A.c.action_id,)), **args)}
    values = {r[0]: r for r in rows(conn, latest(M, (M.c.metric_id,)), **args)}
    leads: Rows = {}
    partners: dict[tuple[str, str], tuple] = {}
    if pairs:
        ids = bindparam("ids", type_=ARRAY(Text))
        by_pair = latest(A, (A.c.action_id, A.c.department_id), A.c.action_id == any_(ids))
        for r in rows(conn, by_pair, ids=sorted({a for a, _d in pairs}), **args):
            aid, dept = r[0], r[6]
            if (aid, dept) in pairs:
                partners[(aid, dept)] = r
            elif aid not in leads or (usable[r[1]][0], r[5]) > (
                usable[leads[aid][1]][0],
                leads[aid][5],
            ):
                leads[aid] = r
    return answers, values, leads, partners


def _usable_periods(conn: Any, cadence: str, before: Period) -> dict[str, tuple[int, str]]:
    """The stored periods of `cadence` earlier than `before`: text as stored -> (ordinal,
    canonical text). Another cadence's periods (a programme that changed cadence) are not
    comparable, so not used."""
    usable: dict[str, tuple[int, str]] = {}
    for (text,) in conn.execute("SELECT DISTINCT period FROM current_submissions"):
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
