"""The health rules: what nobody reports but the council most needs to see. Pure functions
over the programme and the answers of the register, computed when read (never stored, so
never stale themselves).

- **overdue**: the schedule's end has passed (the period reported starts after the last day
  its `end` bound covers) and the action is not done or cancelled;
- **stale**: for `stale_periods` periods running, no answer, or the same status and progress
  as the period before with no comment;
- **off target**: a metric behind the straight line from its baseline (at the programme's
  first period) to its target (at the target's date), as `higher_is_better` reads "behind";
- **no owner**: the department has no contact person named (a shared mailbox is nobody).

Each flag says why in one line, in the programme's language.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from roundtrip.language import format_number, tr
from roundtrip.programme.model import Action, Department, Status
from roundtrip.programme.periods import Period
from roundtrip.programme.schedule import bound_dates
from roundtrip.programme.targets import target_line, target_number

FLAGS = ("overdue", "stale", "off_target", "no_owner")
CLOSED_KEYS = ("cancelled",)  # beside every status marked done


@dataclass(frozen=True)
class Rules:
    """How the programme tunes the rules (its settings); each can be switched off."""

    stale_periods: int = 2  # 0: no stale flags
    overdue_grace: int = 0  # periods past the schedule's end before overdue
    off_target_margin: int = 0  # % behind the line that is still on target
    overdue: bool = True
    off_target: bool = True
    no_owner: bool = True


class Answer(NamedTuple):
    """One department's answer to an action in one period, as the register holds it (a
    tuple: a regional register's window is hundreds of thousands of them)."""

    status_key: str | None
    progress: int | None
    comment: str = ""  # only whether it is empty matters


@dataclass(frozen=True)
class Flag:
    kind: str  # one of FLAGS
    reason: str  # one line, in the programme's language


def closed(status_key: str | None, statuses: Sequence[Status]) -> bool:
    """Whether an action with this status needs no more work (done, or cancelled)."""
    if status_key is None:
        return False
    if status_key in CLOSED_KEYS:
        return True
    return any(s.key == status_key and s.done for s in statuses)


def _label(status_key: str | None, statuses: Sequence[Status], lang: str) -> str:
    if status_key is None:
        return tr(lang, "no answer")
    return next((s.label for s in statuses if s.key == status_key), status_key)


def overdue(
    action: Action,
    period: Period,
    answer: Answer | None,
    statuses: Sequence[Status],
    lang: str,
    grace: int = 0,
) -> Flag | None:
    """The action's schedule ended before `period` began (`grace` periods before) and it is
    not done or cancelled."""
    if not action.end or not action.active:
        return None
    if period.shift(-grace).start <= bound_dates(action.end)[1]:
        return None  # the period the schedule ends in is not yet past it
    status = answer.status_key if answer else None
    if closed(status, statuses):
        return None
    reason = tr(lang, "schedule ended {end}, status: {status}").format(
        end=action.end, status=_label(status, statuses, lang)
    )
    return Flag("overdue", reason)


def is_update(answer: Answer | None, previous: Answer | None) -> bool:
    """Whether `answer` (a period's) updates the action: it has a status, and a comment or a
    status or progress other than `previous` (the period before's; None: no answer then)."""
    if answer is None or answer.status_key is None:
        return False
    return (
        previous is None
        or previous.status_key != answer.status_key
        or previous.progress != answer.progress
        or bool((answer.comment or "").strip())
    )


def stale(history: Sequence[Answer | None], periods: int, lang: str) -> Flag | None:
    """Flag when none of the last `periods` periods updates the action (is_update): each has
    no answer, or the status and progress of the period before with no comment. `history` is
    newest first and holds `periods` + 1 entries where the programme had run that long
    (fewer: no flag)."""
    if periods <= 0 or len(history) < periods:
        return None
    before = list(history[1 : periods + 1]) + [None] * (periods + 1 - len(history))
    window = history[:periods]
    if any(is_update(a, b) for a, b in zip(window, before, strict=True)):
        return None
    return stale_flag(periods, any(a is not None and a.status_key for a in window), lang)


@lru_cache(maxsize=64)
def stale_flag(periods: int, answered: bool, lang: str) -> Flag:
    """The stale flag of an action not updated for `periods` periods; `answered`: it was
    answered in them (the same answer again), else not at all. (One flag object for all the
    actions it fits: a regional programme has tens of thousands.)"""
    if not answered:
        reason = tr(lang, "no answer for {n} periods").format(n=periods)
    else:
        reason = tr(lang, "no update for {n} periods (status and progress unchanged, no comment)")
        reason = reason.format(n=periods)
    return Flag("stale", reason)


def off_target(
    name: str,
    value: float | None,
    baseline: str,
    target: str,
    higher_is_better: bool,
    start: dt.date,
    target_date: dt.date,
    at: dt.date,
    lang: str,
    bound: str = "",
    margin: int = 0,
) -> Flag | None:
    """A metric whose value at `at` is behind the line from its baseline to its target
    (exactly on the line is on target). Nothing to say without a value, a numeric baseline
    and a numeric target."""
    expected = target_line(baseline, target, start, target_date, at)
    goal = target_number(target)
    if value is None or expected is None or goal is None:
        return None
    slack = abs(expected) * margin / 100
    behind = value < expected - slack if higher_is_better else value > expected + slack
    if not behind:
        return None
    reason = tr(
        lang,
        "{metric}: {value}, behind the line to its target ({expected} by now, {target} by {bound})",
    )
    return Flag(
        "off_target",
        reason.format(
            metric=name,
            value=format_number(value, lang),
            expected=format_number(round(expected, 2), lang),
            target=format_number(goal, lang),
            bound=bound or target_date.isoformat(),
        ),
    )


def no_owner(department: Department, lang: str) -> Flag | None:
    """A department without a named contact person (a shared mailbox is no owner)."""
    if department.contact.strip():
        return None
    reason = tr(lang, "{department} has no contact person").format(department=department.name)
    return Flag("no_owner", reason)
