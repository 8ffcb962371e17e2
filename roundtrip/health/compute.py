"""Every action's health in one period, from the programme and what the register says of
that period (already read: this module does no I/O).

Made for a regional programme (180,000 actions, 3,000 returns a period): the register gives
what each rule asks, not its answers: the actions updated in none of the stale window's
periods, the last status of the actions whose schedule has ended, the metric values. An
action is looked at further only where one of these points a rule at it. `from_answers`
makes the same Register from answers held in memory: the reference the register's queries
are tested against.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from roundtrip.health.rules import (
    FLAGS,
    Answer,
    Flag,
    Rules,
    closed,
    is_update,
    no_owner,
    off_target,
    overdue,
    stale_flag,
)
from roundtrip.programme.model import Action, Programme
from roundtrip.programme.periods import Period
from roundtrip.programme.targets import bound_end, target_for


@dataclass(frozen=True)
class Register:
    """What the rules read from the register for one period's health.

    `quiet`: the active actions their lead department updated (rules.is_update) in none of
    the periods of `stale_window`, each with the newest status it gave again in them (None:
    no answer at all); empty when that window cannot make anything stale. `last_status`:
    action -> the last status its lead gave it up to the period (None: never), for the
    actions whose schedule has ended (`ended`). `values`: metric id -> its numeric value in
    the period.
    """

    quiet: Mapping[str, str | None] = field(default_factory=dict)
    last_status: Mapping[str, str | None] = field(default_factory=dict)
    values: Mapping[str, float] = field(default_factory=dict)
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


def window(programme: Programme, period: Period, rules: Rules) -> list[Period]:
    """The periods the stale rule reads: `period` and the `stale_periods` before it (none
    before the programme's first period), newest first."""
    first = _first(programme)
    periods = [period.shift(-k) for k in range(rules.stale_periods + 1)]
    return [p for p in periods if first is None or p >= first]


def stale_window(
    programme: Programme, period: Period, rules: Rules, collected: Iterable[str] | None = None
) -> list[tuple[Period, Period | None]]:
    """The `stale_periods` periods up to `period` that can make an action stale, newest
    first, each with the period before it (None: before the programme's first); [] when the
    programme has not run that long or one of them was never collected (`collected`)."""
    periods = window(programme, period, rules)
    n = rules.stale_periods
    if n <= 0 or len(periods) < n:
        return []
    if collected is not None:
        got = set(collected)
        if any(str(p) not in got for p in periods[:n]):
            return []
    return [
        (p, periods[k + 1] if k + 1 < len(periods) else None) for k, p in enumerate(periods[:n])
    ]


def ended(programme: Programme, period: Period, rules: Rules) -> list[Action]:
    """The active actions whose schedule ended before `period` (overdue once not done)."""
    if not rules.overdue:
        return []
    probe = Answer(None, None)  # any not-closed answer: whether the end has passed
    lang = programme.settings.language
    statuses = programme.statuses
    return [
        a
        for a in programme.actions
        if a.end and a.active and overdue(a, period, probe, statuses, lang, rules.overdue_grace)
    ]


def quiet_of(
    window: Sequence[tuple[str, str | None]],
    statuses: Mapping[str, Mapping[str, tuple[str | None, int | None]]],
    commented: Mapping[str, AbstractSet[str]],
    active: Iterable[str],
) -> dict[str, str | None]:
    """Register.quiet from each period's lead answers held in memory, as the summary has them:
    `window` as stale_window's, in text ((period, the period before or None)); `statuses`:
    period -> action -> (status key, progress) of its lead's answer, for every period of the
    window and the one before each; `commented`: period -> the actions whose lead's answer
    has a comment, for the window's periods; `active`: the active actions' ids.

    With sets, not action by action: at 180,000 actions and 2 periods the SQL that asks the
    register the same (register.health.quiet_pairs) took 1.3-2 s of a core, this 0.2 s with
    the answers the summary reads anyway."""
    if not window:
        return {}
    none: dict[str, tuple[str | None, int | None]] = {}
    updated: set[str] = set()
    for p, before in window:
        now = statuses.get(p, none)
        then = statuses.get(before, none) if before is not None else none
        said = commented.get(p, frozenset())
        get = then.get
        updated.update(
            aid
            for aid, answer in now.items()
            if answer[0] is not None and (aid in said or get(aid) != answer)
        )
    given = [statuses.get(p, none) for p, _before in window]  # newest first
    out: dict[str, str | None] = {}
    for aid in active:
        if aid in updated:
            continue
        key = None
        for answers in given:
            got = answers.get(aid)
            if got is not None and got[0] is not None:
                key = got[0]
                break
        out[aid] = key
    return out


def from_answers(
    programme: Programme,
    period: Period,
    answers: Mapping[tuple[str, str], Answer],
    values: Mapping[tuple[str, str], float] | None = None,
    collected: frozenset[str] | None = None,
    rules: Rules | None = None,
) -> Register:
    """The Register of `period` from the lead departments' answers held in memory, per
    (action id, period): what the register's queries make with SQL (register.health)."""
    rules = rules or rules_of(programme)
    quiet: dict[str, str | None] = {}
    periods = [
        (str(p), str(b) if b else None)
        for p, b in stale_window(programme, period, rules, collected)
    ]
    for a in programme.actions if periods else ():
        if not a.active:
            continue
        got = [(answers.get((a.id, p)), answers.get((a.id, b)) if b else None) for p, b in periods]
        if not any(is_update(answer, previous) for answer, previous in got):
            quiet[a.id] = next((ans.status_key for ans, _ in got if ans and ans.status_key), None)
    here = str(period)
    last: dict[str, str | None] = {}
    for a in ended(programme, period, rules):
        given = sorted(
            p for (aid, p), ans in answers.items()
            if aid == a.id and ans.status_key and len(p) == len(here) and p <= here
        )  # fmt: skip
        last[a.id] = answers[(a.id, given[-1])].status_key if given else None
    numbers = {mid: v for (mid, p), v in (values or {}).items() if p == here}
    return Register(quiet, last, numbers, collected)


def health(
    programme: Programme, period: Period, register: Register, rules: Rules | None = None
) -> dict[str, tuple[Flag, ...]]:
    """Action id -> its flags in `period`, in the order overdue, stale, off target, no owner
    (only actions with a flag are listed).

    Each rule looks only at the actions the register's sets point it to (the ended ones,
    those updated in none of the stale window's periods, those with a metric value), so
    that a programme of 180,000 actions is not walked action by action four times."""
    rules = rules or rules_of(programme)
    lang = programme.settings.language
    statuses = programme.statuses
    active = [a for a in programme.actions if a.active]
    found: dict[str, tuple[Flag, ...]] = {}  # (tuples as they grow: an action has one or two)

    def add(aid: str, flag: Flag | None) -> None:
        if flag is not None:
            found[aid] = (*found.get(aid, ()), flag)

    by_id = {a.id: a for a in active}
    for aid, key in register.last_status.items():
        action = by_id.get(aid)
        if action is not None and action.end:
            last = Answer(key, None) if key else None
            add(aid, overdue(action, period, last, statuses, lang, rules.overdue_grace))
    if register.quiet and stale_window(programme, period, rules, register.collected):
        closed_keys = {s.key for s in statuses if closed(s.key, statuses)}
        # One flag for each of the two reasons, shared: tens of thousands of actions have one
        said = {given: stale_flag(rules.stale_periods, given, lang) for given in (True, False)}
        for aid, status in register.quiet.items():
            if aid in by_id and status not in closed_keys:
                flag = said[status is not None]
                if flag is not None:  # (found holds only the overdue so far: few)
                    got = found.get(aid)
                    found[aid] = (*got, flag) if got else (flag,)
    first = _first(programme)
    if rules.off_target and first is not None and register.values:
        when = (first.start, period.end, programme.settings.last_period)
        for action in active:
            if action.metrics:
                for flag in _off_target(action, period, when, register.values, rules, lang):
                    add(action.id, flag)
    owners = {d.id: no_owner(d, lang) for d in programme.departments} if rules.no_owner else {}
    if any(owners.values()):
        for action in active:
            add(action.id, owners.get(action.department_id))
    return found


def _first(programme: Programme) -> Period | None:
    text = programme.settings.first_period
    if not text:
        return None
    try:
        return programme.settings.period(text)
    except Exception:  # noqa: BLE001 - a checked programme has a good one; no first: no limit
        return None


def _off_target(
    action: Action,
    period: Period,
    when: tuple[dt.date, dt.date, str],
    values: Mapping[str, float],
    rules: Rules,
    lang: str,
) -> list[Flag]:
    """The off-target flags of the action's metrics; `when`: the programme's first day, the
    period's last day and the programme's last period."""
    start, at, last = when
    out = []
    for m in action.metrics:
        value = values.get(m.id)
        if value is None or m.kind not in ("count", "number", "percent"):
            continue
        applies = target_for(m, period, last)
        if applies is None or not applies[1]:
            continue
        target, bound = applies
        flag = off_target(
            m.name,
            value,
            m.baseline,
            target,
            m.higher_is_better,
            start,
            bound_end(bound),
            at,
            lang,
            bound=bound,
            margin=rules.off_target_margin,
        )
        if flag:
            out.append(flag)
    return out


def flag_counts(flags: Mapping[str, tuple[Flag, ...]]) -> dict[str, int]:
    """Flag kind -> how many actions have it (an action's kinds counted once each)."""
    counts = dict.fromkeys(FLAGS, 0)
    for fs in flags.values():
        if len(fs) == 1:
            counts[fs[0].kind] = counts.get(fs[0].kind, 0) + 1
        else:
            for kind in {f.kind for f in fs}:
                counts[kind] = counts.get(kind, 0) + 1
    return counts
