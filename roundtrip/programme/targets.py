"""A metric's targets by year or period: which one applies in a period, and the straight line
from the baseline to a target.

Pure functions: no I/O. A metric has its single `target` (for the end of the programme) and,
from the targets sheet of programme.xlsx, `targets`: (bound, value) pairs in bound order, the
bound a year (``2025``) or a period (``2025Q3``, ``2025H2``) as in roundtrip.programme.schedule.

    target_for(metric, period, last_bound)  -> (value, bound) | None
    target_line(baseline, target, start, target_date, at)  -> float | None
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from roundtrip.programme.model import Metric
from roundtrip.programme.periods import Period
from roundtrip.programme.schedule import bound_dates


@lru_cache(maxsize=4096)
def target_number(text: str) -> float | None:
    """A target or baseline written by a person as a number (``1 234,5``, ``20 %``, ``0.5``),
    or None when it is not one."""
    s = "".join(str(text or "").replace(",", ".").replace("%", "").split())
    s = s.replace("\u00a0", "").replace("\u202f", "")
    try:
        return float(s)
    except ValueError:
        return None


def bound_end(bound: str) -> dt.date:
    """The last day a bound covers: the date its target is due (``2025H1`` -> 30.6.2025)."""
    return bound_dates(bound)[1]


def target_for(metric: Metric, period: Period, last_bound: str = "") -> tuple[str, str] | None:
    """(value, bound) of the target that applies in `period`.

    With targets by year or period (``metric.targets``): the first whose bound ends on or
    after the period's last day (the next milestone: in 2025Q3 a target for 2025 applies, in
    2026Q1 the one for 2026), else, after the last bound, the last one. Without them: the
    single ``metric.target`` with `last_bound` (pass the programme's last period, e.g.
    ``str(settings.last_period)``; "" when it has none) as its bound. None when the metric
    has no target at all."""
    if metric.targets:
        end = period.end
        for bound, value in metric.targets:
            if bound_end(bound) >= end:
                return value, bound
        bound, value = metric.targets[-1]
        return value, bound
    if metric.target:
        return metric.target, last_bound
    return None


def target_line(
    baseline: str, target: str, start: dt.date, target_date: dt.date, at: dt.date
) -> float | None:
    """The straight line from `baseline` on `start` (the programme's first day) to `target` on
    `target_date` (bound_end of the target's bound), at the date `at`: held at the baseline
    before `start` and at the target from `target_date` on. None when the baseline or the
    target is not a number."""
    base, goal = target_number(baseline), target_number(target)
    if base is None or goal is None:
        return None
    if target_date <= start or at >= target_date:
        return goal
    if at <= start:
        return base
    share = (at - start).days / (target_date - start).days
    return base + (goal - base) * share
