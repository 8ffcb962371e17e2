"""The health rules' hints on a department's next workbook, beside the action (roundtrip.health).

Only what the department can act on: an action its last answer left unfinished after its
schedule ended ("schedule ended 2024: update the schedule or mark the action done"). Made
from the workbook's own data (the department's actions and its last answers), so a worker
that writes the workbook from a slice of the programme needs nothing more.
"""

from __future__ import annotations

from collections.abc import Sequence

from roundtrip.health.rules import Answer, overdue
from roundtrip.language import tr
from roundtrip.programme.model import Action, Programme
from roundtrip.programme.periods import Period
from roundtrip.register.history import Previous


def overdue_hints(
    programme: Programme,
    dept_id: str,
    actions: Sequence[Action],
    period: Period,
    previous: Previous,
) -> dict[str, str]:
    """Action id -> its hint, in the programme's language, for the department's own actions."""
    lang = programme.settings.language
    keys = {s.label: s.key for s in programme.statuses}
    grace = programme.settings.overdue_grace
    out = {}
    for a in actions:
        if a.department_id != dept_id or not a.end:
            continue
        pa = previous.actions.get(a.id)
        last = Answer(keys.get(pa.status), pa.progress) if pa is not None else None
        if overdue(a, period, last, programme.statuses, lang, grace) is not None:
            out[a.id] = tr(
                lang, "Schedule ended {end}: update the schedule or mark the action done"
            ).format(end=a.end)
    return out
