"""Every action's health in one period, from the programme and the register's answers and
metric values (already read: this module does no I/O)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

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
    (action id, period) and the numeric metric values per (metric id, period)."""

    answers: Mapping[tuple[str, str], Answer]
    values: Mapping[tuple[str, str], float]
    # The periods the register holds returns for: a period nothing was collected for (before
    # the tool was used, or not yet) makes no action stale. None: every period counts.
    collected: frozenset[str] | None = None


def rules_of(programme: Programme) -> Rules:
    """The rules as the programme's settings tune them."""
    s = programme.settings
    return Rules(
        stale_periods=s.stale_periods,
        overdue_grace=s.overdue_grace,
        off_target_margin=s.off_target_margin,
    )


def health(
    programme: Programme, period: Period, register: Register, rules: Rules | None = None
) -> dict[str, tuple[Flag, ...]]:
    """Action id -> its flags in `period` (only actions with a flag are listed)."""
    rules = rules or rules_of(programme)
    lang = programme.settings.language
    first = _first(programme, period)
    history = [period.shift(-k) for k in range(rules.stale_periods + 1)]
    history = [p for p in history if first is None or p >= first]
    window = history[: rules.stale_periods]
    if register.collected is not None and any(str(p) not in register.collected for p in window):
        history = []  # a period of the window was never collected: nothing to call stale
    owners = {d.id: no_owner(d, lang) for d in programme.departments} if rules.no_owner else {}
    out: dict[str, tuple[Flag, ...]] = {}
    for action in programme.actions:
        if not action.active:
            continue
        flags: list[Flag] = []
        latest = _latest(action.id, period, first, register)
        if rules.overdue:
            flag = overdue(action, period, latest, programme.statuses, lang, rules.overdue_grace)
            if flag:
                flags.append(flag)
        if rules.stale_periods and not (latest and _is_closed(latest, programme)):
            answers = [register.answers.get((action.id, str(p))) for p in history]
            flag = stale(answers, rules.stale_periods, lang)
            if flag:
                flags.append(flag)
        if rules.off_target and first is not None:
            flags.extend(_off_target(programme, action, period, first, register, rules, lang))
        owner = owners.get(action.department_id)
        if owner:
            flags.append(owner)
        if flags:
            out[action.id] = tuple(flags)
    return out


def _is_closed(answer: Answer, programme: Programme) -> bool:
    return closed(answer.status_key, programme.statuses)


def _first(programme: Programme, period: Period) -> Period | None:
    text = programme.settings.first_period
    if not text:
        return None
    try:
        return programme.settings.period(text)
    except Exception:  # noqa: BLE001 - a checked programme has a good one; no first: no limit
        return None


def _latest(
    action_id: str, period: Period, first: Period | None, register: Register
) -> Answer | None:
    """The last answer at or before `period` that has a status."""
    p = period
    for _ in range(400):  # 100 years of quarters: the bound of any programme
        if first is not None and p < first:
            return None
        got = register.answers.get((action_id, str(p)))
        if got is not None and got.status_key is not None:
            return got
        p = p.shift(-1)
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
        applies = target_for(m, period, last)
        if value is None or applies is None or not applies[1]:
            continue
        target, bound = applies
        target_date = bound_end(bound)
        flag = off_target(
            m.name,
            value,
            m.baseline,
            target,
            m.higher_is_better,
            first.start,
            target_date,
            period.end,
            lang,
            bound=bound,
            margin=rules.off_target_margin,
        )
        if flag:
            out.append(flag)
    return out
