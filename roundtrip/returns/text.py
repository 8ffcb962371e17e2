"""Text that goes into a return workbook and its identity: pure functions, no I/O.

Shared by the writer (returnbook) and the reader side (validate), so both agree on what a
programme field looks like in the workbook.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from roundtrip.language.wording import wording
from roundtrip.programme.model import Action, Programme
from roundtrip.programme.periods import Period
from roundtrip.returns import contract as c


def iso_timestamp(moment: dt.datetime) -> str:
    """UTC, seconds, `Z`: the generated_at identity field."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def plan_metric_text(action: Action) -> str:
    """The `metric` plan column: the plan's wording, else the metric names, else blank."""
    return action.metric_text or "; ".join(m.name for m in action.metrics)


def partners_text(programme: Programme, action: Action, dept_id: str) -> str:
    """The `partners` column of `action` in `dept_id`'s workbook: on the lead's, the partners'
    names; on a partner's, who leads it ("Lead: Sivistystoimi"); "" for an unshared action."""
    if action.department_id != dept_id:
        lead = _name(programme, action.department_id)
        words = wording(programme.settings.language)["actions"]
        return str(words["lead_is"]).format(department=lead)
    names = dict.fromkeys(_name(programme, d) for d in action.partners if d != dept_id)
    return "; ".join(names)


def _name(programme: Programme, dept_id: str) -> str:
    try:
        return programme.department(dept_id).name
    except KeyError:
        return dept_id


def identity_fields(
    programme: Programme,
    department_id: str,
    period: Period | str,
    generated_at: dt.datetime,
    action_ids: Sequence[str],
    metric_ids: Sequence[str],
) -> dict[str, str]:
    fields = {
        "format_version": c.FORMAT_VERSION,
        "programme_id": programme.settings.programme_id,
        "programme_version": programme.version,
        "department_id": department_id,
        "period": str(period),
        "generated_at": iso_timestamp(generated_at),
        "language": programme.settings.language,
        "action_ids": " ".join(action_ids),
        "metric_ids": " ".join(metric_ids),
    }
    assert tuple(fields) == c.IDENTITY_FIELDS
    return fields


def needs_comment_text(programme: Programme) -> str:
    labels = [f'"{s.label}"' for s in programme.statuses if s.needs_comment]
    return " / ".join(labels) or "-"


def priority_choice(priority_id: str, title: str) -> str:
    """A priority as offered in the proposals dropdown: `P1 Title` (ID first, then a space)."""
    return f"{priority_id} {title}".strip()


def naive_utc(moment: dt.datetime) -> dt.datetime:
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC).replace(tzinfo=None)
    return moment.replace(microsecond=0)
