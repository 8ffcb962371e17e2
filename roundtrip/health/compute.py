"""Every action's health in one period, from the programme and the register's answers and
metric values (already read: this module does no I/O).

Made for a regional programme (180,000 actions, 3,000 returns a period): the register gives
only the answers of the rules' window (the period and the `stale_periods` before it), each a
small tuple, and an action is looked at further only when a quick test says a rule may fire.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from roundtrip.health.rules import (
    Answer,
    Flag,
    Rules,
    closed,
    no_owner,
    off_target,
    overdue,
    stale,
)
from roundtrip.programme.model import Action, Programme
from roundtrip.programme.periods import Period
from roundtrip.programme.targets import bound_end, target_for


@dataclass(frozen=True)
class Register:
    """What the rules read from the register: the lead department's current answer per
    (action id, period) over the window (`window`), and the numeric metric values per
    (metric id, period)."""

    answers: Mapping[tuple[str, str], Answer]
    values: Mapping[tuple[str, str], float]
    # The periods the register holds returns for: a period nothing was collected for (before
    # the tool was used, or not yet) makes no action stale. None: every period counts.
    collected: frozenset[str] | None = None
    # Action id -> the last status it was given before the window, for actions with no
    # status in it (an overdue action reports the status it last had).
    earlier: Mapping[str, str | None] = field(default_factory=dict)


def rules_of(programme: Programme) -> Rules:
    """The rules as the programme's settings tune them."""
    s = programme.settings
    return Rules(
        stale_periods=s.stale_periods,
        overdue_grace=s.overdue_grace,
        off_target_margin=s.off_target_margin,
    )


def window(programme: Programme, period: Period, rules: Rules) -> list[Period]:
    """The periods whose answers the rules read: `period` and the `stale_periods` before it
    (none before the programme's first period), newest first."""
    first = _first(programme)
    periods = [period.shift(-k) for k in range(rules.stale_periods + 1)]
    return [p for p in periods if first is None or p >= first]


def health(
    programme: Programme, period: Period, register: Register, rules: Rules | None = None
) -> dict[str, tuple[Flag, ...]]:
    """Action id -> its flags in `period` (only actions with a flag are listed)."""
    rules = rules or rules_of(programme)
    lang = programme.settings.language
    statuses = programme.statuses
    first = _first(programme)
    history = [str(p) for p in window(programme, period, rules)]
    n = rules.stale_periods
    if register.collected is not None and any(p not in register.collected for p in history[:n]):
        history = []  # a period of the window was never collected: nothing to call stale
    closed_keys = {s.key for s in statuses if closed(s.key, statuses)}
    owners = {d.id: no_owner(d, lang) for d in programme.departments} if rules.no_owner else {}
    answers = register.answers
    out: dict[str, tuple[Flag, ...]] = {}
    for action in programme.actions:
        if not action.active:
            continue
        aid = action.id
        flags: list[Flag] = []
        got = [answers.get((aid, p)) for p in history]
        status = next((a.status_key for a in got if a is not None and a.status_key), None)
        if rules.overdue and action.end:
            last_key = status or register.earlier.get(aid)
            last = Answer(last_key, None) if last_key else None
            flag = overdue(action, period, last, statuses, lang, rules.overdue_grace)
            if flag:
                flags.append(flag)
        if n and len(got) >= n and status not in closed_keys and _quiet(got):
            flag = stale(got, n, lang)
            if flag:
                flags.append(flag)
        if rules.off_target and first is not None and action.metrics:
            flags.extend(_off_target(programme, action, period, first, register, rules, lang))
        owner = owners.get(action.department_id)
        if owner:
            flags.append(owner)
        if flags:
            out[aid] = tuple(flags)
    return out


def _quiet(got: list[Answer | None]) -> bool:
    """The quick test before `stale`: this period's answer is none, or the one before it
    with no comment."""
    answer = got[0]
    if answer is None or answer.status_key is None:
        return True
    previous = got[1] if len(got) > 1 else None
    return (
        previous is not None
        and previous.status_key == answer.status_key
        and previous.progress == answer.progress
        and not answer.comment
    )


def _first(programme: Programme) -> Period | None:
    text = programme.settings.first_period
    if not text:
        return None
    try:
        return programme.settings.period(text)
    except Exception:  # noqa: BLE001 - a checked programme has a good one; no first: no limit
        return None


def _off_target(
    programme: Programme,
    action: Action,
    period: Period,
    first: Period,
    register: Register,
    rules: Rules,
    lang: str,
) -> list[Flag]:
    last = programme.settings.last_period
    out = []
    for m in action.metrics:
        if m.kind not in ("count", "number", "percent"):
            continue
        value = register.values.get((m.id, str(period)))
        applies = target_for(m, period, last) if value is not None else None
        if applies is None or not applies[1]:
            continue
        target, bound = applies
        flag = off_target(
            m.name,
            value,
            m.baseline,
            target,
            m.higher_is_better,
            first.start,
            bound_end(bound),
            period.end,
            lang,
            bound=bound,
            margin=rules.off_target_margin,
        )
        if flag:
            out.append(flag)
    return out
