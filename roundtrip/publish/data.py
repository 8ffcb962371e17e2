"""What the public progress site shows, read from the register and the programme.

Only what a resident may see: the current, accepted submissions of each period (a
superseded or rejected return never counts, proposals are never read), each action's own
answer (its lead department's: a partner's answer is never the action's), metric values, and
the computed health's reasons. Departments' comments and contact details are read only when
the programme's `publish_comments` setting says so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from roundtrip.programme.model import Action, Programme
from roundtrip.programme.periods import Period
from roundtrip.programme.targets import target_for, target_number
from roundtrip.register.health import register_health
from roundtrip.register.reads import answers_upto, return_count, summary_periods, values_upto

NOT_ANSWERED = ""  # the status key of an action with no answer (or an unknown status)
NOT_ANSWERED_COLOUR = "#D9D9D9"
# Computed-health flags left off the public site: "no owner" is about the municipality's own
# contact list, not about the action's progress.
PRIVATE_FLAGS = frozenset({"no_owner"})

Value = float | str | None


@dataclass(frozen=True)
class StatusView:
    key: str  # NOT_ANSWERED for "not answered"
    label: str
    colour: str  # "#RRGGBB", the programme's
    done: bool = False


@dataclass(frozen=True)
class Answer:
    """An action's answer in one period (its lead department's)."""

    period: str
    status_key: str  # NOT_ANSWERED when none
    progress: int | None
    comment: str  # "" unless the programme publishes comments


@dataclass(frozen=True)
class MetricView:
    id: str
    name: str
    kind: str
    unit: str
    baseline: str
    target: str  # the final target as written ("" when none)
    target_now: tuple[str, str] | None  # (value, its year or period) that applies now
    higher_is_better: bool
    values: tuple[tuple[str, Value], ...]  # (period, value) over the site's periods

    @property
    def latest(self) -> Value:
        """The latest value reported (in this period or an earlier one); None: none yet."""
        return next((v for _q, v in reversed(self.values) if v is not None), None)

    @property
    def latest_period(self) -> str:
        """The period of `latest` ("" when none)."""
        return next((q for q, v in reversed(self.values) if v is not None), "")

    @property
    def reached(self) -> bool | None:
        """Whether the latest value meets the target that applies now (None: no number)."""
        goal = target_number(self.target_now[0]) if self.target_now else None
        value = self.latest
        if goal is None or not isinstance(value, float | int) or self.kind == "text":
            return None
        return value >= goal if self.higher_is_better else value <= goal


@dataclass(frozen=True)
class ActionView:
    id: str
    priority_id: str
    text: str
    department: str  # the lead department's name
    schedule: str
    partners: tuple[str, ...]  # partner departments' names
    contact: str  # the department's contact person and e-mail; "" unless published
    email: str
    status_key: str  # this period's, NOT_ANSWERED when none
    progress: int | None
    comment: str  # this period's comment ("" unless published)
    history: tuple[Answer, ...]  # every period of the site, oldest first
    metrics: tuple[MetricView, ...]
    observations: tuple[str, ...]  # the computed health's reasons, one line each


@dataclass(frozen=True)
class PriorityView:
    id: str
    title: str
    actions: tuple[ActionView, ...]

    def count(self, key: str) -> int:
        return sum(1 for a in self.actions if a.status_key == key)


@dataclass(frozen=True)
class SiteData:
    programme: str
    organisation: str
    language: str
    period: str
    start: dt.date
    end: dt.date
    periods: tuple[str, ...]  # periods of the site's cadence with returns, up to `period`
    statuses: tuple[StatusView, ...]  # the programme's, then "not answered"
    priorities: tuple[PriorityView, ...]
    made_at: dt.datetime
    returns: int  # current, accepted returns of the period
    latest_collected: str  # ISO moment the latest of them was collected ("" when none)
    publish_comments: bool

    @property
    def actions(self) -> tuple[ActionView, ...]:
        return tuple(a for p in self.priorities for a in p.actions)

    def count(self, key: str) -> int:
        return sum(p.count(key) for p in self.priorities)

    def status(self, key: str) -> StatusView:
        for s in self.statuses:
            if s.key == key:
                return s
        return self.statuses[-1]


def load_site(
    conn: Any,
    programme: Programme,
    period: Period,
    made_at: dt.datetime | None = None,
    not_answered: str = "",
) -> SiteData:
    """Everything the site shows for `period`. `not_answered`: the label of no answer, in the
    programme's language."""
    st = programme.settings
    p = str(period)
    publish = st.publish_comments
    periods = tuple(summary_periods(conn, p))
    answers = _answers(conn, programme, p, publish)
    values = _metric_values(conn, p)
    flags = register_health(conn, programme, period)
    known = {s.key for s in programme.statuses}
    names = {d.id: d.name for d in programme.departments}
    departments = {d.id: d for d in programme.departments}
    last_bound = st.last_period

    def view(a: Action) -> ActionView:
        history = tuple(_answer(q, answers.get((a.id, q)), known) for q in periods)
        now = history[-1]
        dept = departments.get(a.department_id)
        metrics = tuple(
            MetricView(
                m.id,
                m.name,
                m.kind,
                m.unit,
                m.baseline,
                m.target,
                target_for(m, period, last_bound),
                m.higher_is_better,
                tuple((q, values.get((m.id, q))) for q in periods),
            )
            for m in a.metrics
        )
        return ActionView(
            id=a.id,
            priority_id=a.priority_id,
            text=a.text,
            department=names.get(a.department_id, a.department_id),
            schedule=a.schedule,
            partners=tuple(
                names.get(d, d) for d in dict.fromkeys(a.partners) if d != a.department_id
            ),
            contact=dept.contact if publish and dept else "",
            email=dept.email if publish and dept else "",
            status_key=now.status_key,
            progress=now.progress,
            comment=now.comment,
            history=history,
            metrics=metrics,
            observations=tuple(
                f.reason for f in flags.get(a.id, ()) if f.kind not in PRIVATE_FLAGS
            ),
        )

    active = [a for a in programme.actions if a.active]
    priorities = tuple(
        PriorityView(pr.id, pr.title, tuple(view(a) for a in active if a.priority_id == pr.id))
        for pr in programme.priorities
    )
    returns, latest = return_count(conn, p)
    statuses = (
        *(StatusView(s.key, s.label, s.colour, s.done) for s in programme.statuses),
        StatusView(NOT_ANSWERED, not_answered, NOT_ANSWERED_COLOUR),
    )
    return SiteData(
        programme=st.name,
        organisation=st.organisation,
        language=st.language,
        period=p,
        start=period.start,
        end=period.end,
        periods=periods,
        statuses=statuses,
        priorities=priorities,
        made_at=made_at or dt.datetime.now().astimezone(),
        returns=returns,
        latest_collected=latest,
        publish_comments=publish,
    )


def _answer(period: str, got: tuple[str | None, int | None, str] | None, known: set[str]) -> Answer:
    if got is None:
        return Answer(period, NOT_ANSWERED, None, "")
    key, progress, comment = got
    return Answer(period, key if key in known else NOT_ANSWERED, progress, comment)


def _answers(
    conn: Any, programme: Programme, p: str, comments: bool
) -> Mapping[tuple[str, str], tuple[str | None, int | None, str]]:
    """(action, period) -> (status key, progress, comment) of the action's lead department in
    every current submission up to `p`; the comment "" unless `comments`."""
    lead = {a.id: a.department_id for a in programme.actions}
    out: dict[tuple[str, str], tuple[str | None, int | None, str]] = {}
    for aid, q, dept, key, progress, comment in answers_upto(conn, p):
        if lead.get(aid) == dept:
            text = (comment or "").strip() if comments else ""
            out[(aid, q)] = (key, progress, text)
    return out


def _metric_values(conn: Any, p: str) -> Mapping[tuple[str, str], Value]:
    """(metric, period) -> its value (a number, or the text of a text metric) up to `p`."""
    out: dict[tuple[str, str], Value] = {}
    for mid, q, num, text in values_upto(conn, p):
        out[(mid, q)] = float(num) if num is not None else str(text)
    return out
