"""The council summary's figures, aggregated from the register (pure: no files written).

Every figure comes from the register's *current* submissions (a superseded return never
counts). "Not answered" means an active action with no answer in the period, or an answer with
no status. Aggregation happens in SQL (GROUP BY over the register, joined to a temporary table
of the programme's active actions); Python only touches one row per action or metric, and the
action lists' rows are made only when read (`Rows`): where their sheets are rendered.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple, TypeVar, overload

from roundtrip.health.compute import flag_counts, quiet_of, rules_of, stale_window
from roundtrip.health.rules import Flag
from roundtrip.language.wording import wording
from roundtrip.parallel.heap import collector_paused
from roundtrip.programme.model import Action, Programme
from roundtrip.programme.periods import Period, parse_period
from roundtrip.programme.targets import target_for
from roundtrip.register.health import register_health
from roundtrip.register.reads import (
    action_histories,
    collected_periods,
    lead_answers,
    period_answers,
    returns_of,
    same_cadence,
    status_trend,
    summary_periods,
)
from roundtrip.summary.answers import partner_lines
from roundtrip.summary.passes import Beside, start_side
from roundtrip.summary.values import metric_text, on_track

T = TypeVar("T")
NOT_ANSWERED = ""  # the status key used for "not answered" in count tables
PROBLEM_KEYS = ("minor", "major")
ON_TRACK_KEY = "on_track"
STALE_PERIODS = 2  # no answer for this many periods or more: listed for the council
# Actions listed on the attention sheet for what the health rules find alone, at most: a
# page a council reads (and prints), not a register. The others are counted in a line above
# the list and shown beside every action on the priority sheets (the health column).
ATTENTION_HEALTH_ROWS = 1000
# The order they are listed in: what the council can act on first.
HEALTH_ORDER = ("overdue", "off_target", "stale", "no_owner")

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


class ActionRow(NamedTuple):
    """One action's row in the summary's lists. A NamedTuple, not a frozen dataclass, for
    the same immutability at a fifth of the cost: a regional summary makes 205,000 of them
    (0.3 us each instead of 1.7 us; benchmarks/bench_rows.py)."""

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
    # With partners_report: each partner's own answer this period, one line each
    # ("Sivistystoimi: On track, 40 % – comment"); the status above is the lead's.
    partners: str = ""
    # Computed health (roundtrip.health): each flag's reason, one line each; "" when none.
    health: str = ""


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


class MetricRow(NamedTuple):
    """One metric's row on the metrics sheet (a NamedTuple as ActionRow: 60,000 of them)."""

    metric_id: str
    action_id: str
    name: str
    kind: str
    unit: str
    target: str
    higher_is_better: bool
    values: tuple[float | str | None, ...]  # one per SummaryData.periods
    on_track: bool | None  # against target_now when given, else target; None: no target or value
    # The target that applies in the summary's period, (value, its year or period), when the
    # programme gives some metric targets by year or period (programme.targets.target_for).
    target_now: tuple[str, str] | None = None


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
    actions: Rows[ActionRow]  # programme order: made from the active programme actions
    changes: tuple[Change, ...]
    departments: tuple[DepartmentRow, ...]
    attention: Rows[ActionRow]  # attention statuses first, then stale, then health flags
    metrics: tuple[MetricRow, ...]
    trend: tuple[tuple[str, tuple[int, ...]], ...]  # (period, count per status key)
    # Computed health: flag kind (health.rules.FLAGS) -> actions with that flag, this period
    health_counts: Mapping[str, int] = field(default_factory=dict)
    # Actions flagged by the health rules alone beyond ATTENTION_HEALTH_ROWS (not listed)
    attention_more: int = 0


class Rows(Sequence[T]):
    """Rows made from `items` by `make` when they are read, and not kept.

    The action lists of a regional summary are ~180,000 rows: the main process only needs a
    few figures per action (made without rows), and the rows themselves are made where the
    sheets' XML is rendered (worker processes, forked: nothing is pickled). Reading one gives
    what a tuple of the made rows would: equal when their rows are equal.
    """

    __slots__ = ("items", "make")
    __hash__ = None  # type: ignore[assignment]

    def __init__(self, items: Sequence[Any], make: Callable[[Any], T]) -> None:
        self.items = tuple(items)
        self.make = make

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, i: int) -> T: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[T, ...]: ...
    def __getitem__(self, i):
        if isinstance(i, slice):
            return tuple(map(self.make, self.items[i]))
        return self.make(self.items[i])

    def __iter__(self) -> Iterator[T]:
        return map(self.make, self.items)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    def __repr__(self) -> str:
        return f"Rows({len(self.items)} rows)"

    def grouped(self, key: Callable[[Any], str], first: Sequence[str] = ()) -> dict[str, Rows[T]]:
        """The rows split by key(item) (keys in `first` first, even when they have none), each
        group in this order."""
        groups: dict[str, list[Any]] = {k: [] for k in first}
        for item in self.items:
            groups.setdefault(key(item), []).append(item)
        return {k: Rows(items, self.make) for k, items in groups.items()}


# ----------------------------------------------------------------------------- helpers


def _headline(
    programme: Programme,
    expected: set[str],
    returns: Mapping[str, str],
    deadline: str,
    counts: Mapping[str, int],
) -> Headline:
    """The headline figures; `expected`: the departments with active actions."""
    done_keys = {s.key for s in programme.statuses if s.done}
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
    programme: Programme,
    active_ids: list[str],
    statuses: Mapping[str, tuple[str | None, int | None]],
) -> dict[str, int]:
    """Active actions per status key (NOT_ANSWERED for none or an unknown one)."""
    known = {s.key for s in programme.statuses}
    out = dict.fromkeys([*(s.key for s in programme.statuses), NOT_ANSWERED], 0)
    get = statuses.get
    for aid in active_ids:
        got = get(aid)
        key = got[0] if got else None
        out[key if key in known else NOT_ANSWERED] += 1
    return out


# ----------------------------------------------------------------------------- main


@dataclass(frozen=True)
class Lists:
    """The summary's long lists, ready before its figures: every active action's row (by
    priority when read through `Rows.grouped`) and every metric's row. The big sheets are
    drawn from these while the figures are still being counted (`load_lists`)."""

    period: str
    previous: str  # as SummaryData's
    periods: tuple[str, ...]
    actions: Rows[ActionRow]
    metrics: tuple[MetricRow, ...]


def load_summary(
    conn: Any, programme: Programme, period: Period, side: Beside | None = None
) -> SummaryData:
    """Aggregate everything the council summary shows for `period` from the register.

    `side`: the passes over every answer, started earlier with `start_side` (they need no
    programme, so they can run while it loads); closed here.
    """
    with collector_paused():
        return load_lists(conn, programme, period, side)[1]()


def load_lists(
    conn: Any, programme: Programme, period: Period, side: Beside | None = None
) -> tuple[Lists, Callable[[], SummaryData]]:
    """load_summary in two steps: the long lists, and the function counting the rest of the
    figures (the SummaryData, its lists the same objects), so the lists' sheets can be under
    way meanwhile. `side` is closed here."""
    with collector_paused():
        if side is None:
            side = start_side(conn, str(period))
        try:
            return _load_summary(conn, programme, period, side)
        finally:
            side.close()


def _load_summary(
    conn: Any, programme: Programme, period: Period, side: Beside
) -> tuple[Lists, Callable[[], SummaryData]]:
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
    # A partner's answer is never its action's: counted once, the lead's (issue 22).
    pairs = programme.partner_pairs()
    shared = tuple(sorted(pairs))
    # The stale rule's periods: this one and the previous are read for the figures anyway;
    # the others (the period before the window, a longer window) beside them, first: they
    # are wanted first (behind the trend, the main process waited 0.15-0.35 s for them at
    # 3,000 returns x 8 periods while the other worker stood idle).
    rules = rules_of(programme)
    window = [
        (str(q), str(b) if b is not None else None)
        for q, b in stale_window(programme, period, rules, collected_periods(conn))
    ]
    further = sorted({q for w in window for q in w if q is not None} - {p, prev})
    for q in further:
        side.add(f"health_{q}", lead_answers, (q, pairs))
    side.add("trend", status_trend, (keys, inactive, p, periods, *((shared,) if shared else ())))
    if shared:  # (the histories started before the programme was loaded hold partners' too)
        side.add("lead_histories", action_histories, (p, shared))
    active = [a for a in programme.actions if a.active]
    active_ids = [a.id for a in active]
    expected = {a.department_id for a in active}
    shows_partners = programme.shares_reports()
    if programme.settings.partners_report:  # partners return a workbook too
        expected |= {d for a in active for d in a.partners}
    statuses, partner_answers, commented = period_answers(conn, p, pairs)
    returns = returns_of(conn, p)
    counts = _counts(programme, active_ids, statuses)
    headline = _headline(programme, expected, returns, deadline, counts)
    # (read here: in a worker it waited 0.5 s behind the passes at 3,000 returns x 8 periods)
    prev_statuses, prev_commented = lead_answers(conn, prev, pairs) if has_prev else ({}, set())
    prev_counts = _counts(programme, active_ids, prev_statuses) if has_prev else None
    prev_headline = (
        _headline(programme, expected, returns_of(conn, prev), prev_deadline, prev_counts)
        if prev_counts is not None
        else None
    )

    answers = {p: (statuses, commented), prev: (prev_statuses, prev_commented)}
    answers.update((q, side.result(f"health_{q}", conn)) for q in further)
    quiet = quiet_of(
        window,
        {q: got[0] for q, got in answers.items()},
        {q: got[1] for q, got in answers.items()},
        active_ids,
    )
    metric_values = side.result("metrics", conn)
    numbers = {  # (this period's numeric values: the metrics pass holds them already)
        mid: got[-1] for mid, got in metric_values.items() if got[-1].__class__ is float
    }
    flags = register_health(conn, programme, period, quiet, numbers)
    last_answered, comments = side.result("lead_histories" if shared else "histories", conn)
    trend_rows = side.result("trend", conn)

    dept_names = {d.id: d.name for d in programme.departments}
    current_index = period.ordinal()
    first_ordinal = _ordinal(periods[0], period)
    ordinals = {q: _ordinal(q, period) for q in set(last_answered.values()) if same_cadence(q, p)}
    words = wording(programme.settings.language)
    labels = {s.key: s.label for s in programme.statuses}
    labels[NOT_ANSWERED] = words["summary"]["not_answered"]

    def since(aid: str, key: str) -> int:
        """Periods since the action's last answer (0: answered now)."""
        if key != NOT_ANSWERED:
            return 0
        last = last_answered.get(aid)
        if last in ordinals:
            return current_index - ordinals[last]
        return current_index - first_ordinal + 1

    def key_of(aid: str) -> str:
        return _known((statuses.get(aid) or (None,))[0], known)

    def before_of(aid: str) -> str:
        return _known((prev_statuses.get(aid) or (None,))[0], known)

    def action_row(a: Action) -> ActionRow:
        key = key_of(a.id)
        comment_period, comment = comments.get(a.id) or ("", "")
        parts = [
            metric_text(m.kind, (metric_values.get(m.id) or [None])[-1], m.unit, m.target, words)
            for m in a.metrics
        ]
        return ActionRow(
            a.id,
            a.priority_id,
            a.text,
            dept_names.get(a.department_id, a.department_id),
            key,
            (statuses.get(a.id) or (None, None))[1],
            "; ".join(parts),
            comment or "",
            comment_period or "",
            since(a.id, key),
            before_of(a.id),
            partner_lines(a, partner_answers, dept_names, labels, programme.settings.language)
            if shows_partners and a.partners
            else "",
            _reasons(flags.get(a.id)),
        )

    metric_rows: list[MetricRow] = []
    empty = [None] * len(periods)
    staged = any(m.targets for a in active for m in a.metrics)  # targets by year or period
    last_bound = programme.settings.last_period
    for a in active:
        for m in a.metrics:
            values = tuple(metric_values.get(m.id) or empty)
            latest = values[-1]
            num = latest if isinstance(latest, float | int) else None
            # Met or not against the target that applies now (the milestone shown beside it)
            now = target_for(m, period, last_bound) if staged else None
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
                    on_track(num, now[0] if now else m.target, m.higher_is_better),
                    now,
                )
            )

    lists = Lists(
        p, prev if has_prev else "", tuple(periods), Rows(active, action_row), tuple(metric_rows)
    )

    def figures() -> SummaryData:
        # The figures need each action's status, not its row: rows are made when read (Rows).
        tally: dict[str, dict[str, int]] = {
            pr.id: dict.fromkeys(status_keys, 0) for pr in programme.priorities
        }
        attention_keys = {s.key for s in programme.statuses if s.attention}
        order = {k: i for i, k in enumerate(status_keys)}
        flagged: list[tuple[int, int, Action]] = []
        stale: list[tuple[int, int, Action]] = []
        changes: list[Change] = []
        for i, a in enumerate(active):
            key = key_of(a.id)
            row = tally.get(a.priority_id)
            if row is None:
                row = tally[a.priority_id] = dict.fromkeys(status_keys, 0)
            row[key] += 1
            if key == NOT_ANSWERED:
                n = since(a.id, key)
                if n >= STALE_PERIODS:
                    stale.append((-n, i, a))
                continue
            if key in attention_keys:
                flagged.append((order[key], i, a))
            if has_prev:
                before = before_of(a.id)
                if before != key:
                    dept = dept_names.get(a.department_id, a.department_id)
                    changes.append(Change(a.id, a.text, dept, before, key))
        by_priority = [(pid, tuple(row[k] for k in status_keys)) for pid, row in tally.items()]
        flagged.sort(key=lambda t: t[:2])
        stale.sort(key=lambda t: t[:2])
        listed = {t[2].id for t in flagged + stale}
        unhealthy, more = _first_flagged(active, flags, listed)

        departments = _departments(programme, statuses, returns, deadline, known, expected)

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
            actions=lists.actions,
            changes=tuple(changes),
            departments=departments,
            attention=Rows([t[2] for t in flagged + stale] + unhealthy, action_row),
            metrics=lists.metrics,
            trend=trend,
            health_counts=flag_counts(flags),
            attention_more=more,
        )

    return lists, figures


def _first_flagged(
    active: Sequence[Action], flags: Mapping[str, tuple[Flag, ...]], listed: set[str]
) -> tuple[list[Action], int]:
    """The first ATTENTION_HEALTH_ROWS flagged actions not `listed`, by HEALTH_ORDER of their
    first-ranked flag and then in programme order, and how many more there are. One pass into
    a bucket per rank (a sort with a key over 80,000 flagged actions was 0.4 s)."""
    rank = {kind: i for i, kind in enumerate(HEALTH_ORDER)}
    buckets: list[list[Action]] = [[] for _ in range(len(rank) + 1)]
    for a in active:
        fs = flags.get(a.id)
        if fs and a.id not in listed:
            r = rank.get(fs[0].kind, len(rank))
            for f in fs[1:]:
                r = min(r, rank.get(f.kind, len(rank)))
            buckets[r].append(a)
    ordered = [a for bucket in buckets for a in bucket]
    return ordered[:ATTENTION_HEALTH_ROWS], max(len(ordered) - ATTENTION_HEALTH_ROWS, 0)


def _reasons(flags: tuple[Flag, ...] | None) -> str:
    """The health column's text: each flag's reason on a line of its own."""
    if not flags:  # (most rows: 205,000 rows in a regional summary)
        return ""
    return flags[0].reason if len(flags) == 1 else "\n".join(f.reason for f in flags)


def _known(key: str | None, known: set[str]) -> str:
    return key if key in known else NOT_ANSWERED


def _ordinal(text: str, like: Period) -> int:
    return parse_period(text, like.cadence).ordinal()


def _with_not_answered(row: Mapping[str, int], keys: tuple[str, ...], active: int) -> list[int]:
    values = [row.get(k, 0) for k in keys[:-1]]
    return [*values, max(active - sum(values), 0)]


def _departments(
    programme: Programme,
    statuses: Mapping[str, tuple[str | None, int | None]],
    returns: Mapping[str, str],
    deadline: str,
    known: set[str],
    expected: set[str],
) -> tuple[DepartmentRow, ...]:
    """Each expected department's return and its led actions' answers (a department that
    only partners, when partners report, has a row for its return, with no actions)."""
    # dept -> [actions, answered, open problems]
    per: dict[str, list[int]] = {dept: [0, 0, 0] for dept in expected}
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
