"""Who gets which message, from the register's state. PURE (no I/O).

The request goes to every department of the period. Reminders follow the chase list: a
department whose return is stored gets none; one whose file was rejected gets the request to
correct it; one that has not returned gets a reminder (before the deadline with ``--before N``
when it is at most N days away, after it always). A message of the same kind to the same
department is not planned again within the programme's ``reminder_gap_days`` unless forced.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass

from roundtrip.mail.message import BEFORE, LATE, REJECTED, REQUEST
from roundtrip.register.status import LATE as RETURNED_LATE
from roundtrip.register.status import MISSING, RETURNED, StatusReport
from roundtrip.register.status import REJECTED as STATE_REJECTED

# Why a department gets no message this time (console words, via the catalogue).
NO_ADDRESS = "no_address"
TOO_SOON = "too_soon"


@dataclass(frozen=True)
class Planned:
    department_id: str
    kind: str
    skip: str = ""  # NO_ADDRESS or TOO_SOON; "" when the message goes
    last: dt.datetime | None = None  # TOO_SOON: when the same kind went last


def plan(
    report: StatusReport,
    emails: Mapping[str, str],
    last_mailed: Mapping[tuple[str, str], dt.datetime],
    now: dt.datetime,
    *,
    reminders: bool = False,
    before: int | None = None,
    gap_days: int = 5,
    force: bool = False,
) -> list[Planned]:
    """The messages of one run, department by department in programme order.

    `emails`: department id -> its address ("" when programme.xlsx has none); only the
    departments in it are planned (the active ones). `last_mailed`: (department, kind) ->
    when the latest such message was drafted or sent.
    """
    out = []
    days_left = (report.deadline - report.today).days
    for row in report.rows:
        if row.department_id not in emails:
            continue
        kind = _kind(row.state, days_left, reminders, before)
        if kind is None:
            continue
        dept = row.department_id
        went = last_mailed.get((dept, kind))
        if not emails[dept]:
            out.append(Planned(dept, kind, NO_ADDRESS))
        elif not force and went is not None and now - went < dt.timedelta(days=gap_days):
            out.append(Planned(dept, kind, TOO_SOON, went))
        else:
            out.append(Planned(dept, kind))
    return out


def _kind(state: str, days_left: int, reminders: bool, before: int | None) -> str | None:
    if before is not None:  # the pre-deadline reminder, when the deadline is near
        return BEFORE if state == MISSING and 0 <= days_left <= before else None
    if not reminders:
        return REQUEST
    if state in (RETURNED, RETURNED_LATE):
        return None
    if state == STATE_REJECTED:
        return REJECTED
    return LATE if days_left < 0 else BEFORE
