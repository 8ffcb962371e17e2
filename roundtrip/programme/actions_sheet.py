"""programme.xlsx's actions sheet read and checked: the biggest sheet (a regional programme
holds 180,000 rows), so a row with nothing to check takes a fast path; any other row goes
through the row checks, which name every problem's cell as the file names it.
"""

from __future__ import annotations

from roundtrip.language import _
from roundtrip.programme.names import ID_PATTERN, flag_text, flag_words
from roundtrip.programme.rows import Checker, Row, Table
from roundtrip.programme.schedule import in_order, parse_bound

ActionFields = tuple[str, str, str, str, str, str, str, str, bool, tuple[str, ...], str, str]
"""id, priority, department, action, metric_text, schedule, responsible, origin, active,
partners, start, end."""


def read_actions(
    table: Table,
    chk: Checker,
    priority_ids: set[str] | None,
    department_ids: set[str] | None,
) -> list[ActionFields]:
    """Actions' fields (metrics are added once read); unknown references are checked when the
    sheet is known. Rows without any problem take the fast path; any other row goes through
    the row checks (the same messages, in row order)."""
    seen: dict[str, str] = {}
    words = flag_words()
    out: list[ActionFields] = []
    letter = table.letters["id"]
    match = ID_PATTERN.match
    col = table.column
    rows = zip(
        table.numbers,
        col("id"),
        col("priority"),
        col("department"),
        col("action"),
        col("metric_text"),
        col("schedule"),
        col("responsible"),
        col("origin"),
        col("active"),
        col("partners"),
        col("start"),
        col("end"),
        strict=True,
    )
    for i, row in enumerate(rows):
        number, aid, pid, did, text, mt, schedule, resp, origin, act, partners, start, end = row
        active = flag_text(act, True, words)
        if (
            not partners
            and not start
            and not end
            and aid
            and pid
            and did
            and text
            and active is not None
            and (priority_ids is None or pid in priority_ids)
            and (department_ids is None or did in department_ids)
            and aid not in seen
            and match(aid)
        ):
            seen[aid] = f"{letter}{number}"
            out.append((aid, pid, did, text, mt, schedule, resp, origin, active, (), "", ""))
        else:
            _action_row(table.row(i), chk, priority_ids, department_ids, seen, out)
    return out


def _action_row(
    row: Row,
    chk: Checker,
    priority_ids: set[str] | None,
    department_ids: set[str] | None,
    seen: dict[str, str],
    out: list[ActionFields],
) -> None:
    sheet = "actions"
    chk.required(sheet, row, ("id", "priority", "department", "action"))
    aid = chk.ident(sheet, row, "id", seen)
    pid, did = row.text("priority"), row.text("department")
    if pid and priority_ids is not None and pid not in priority_ids:
        chk.add(
            sheet,
            row,
            "priority",
            _("unknown priority {value!r} (not on the {sheet} sheet)").format(
                value=pid, sheet=chk.names.sheet("priorities")
            ),
        )
    if did and department_ids is not None and did not in department_ids:
        chk.add(
            sheet,
            row,
            "department",
            _("unknown department {value!r} (not on the {sheet} sheet)").format(
                value=did, sheet=chk.names.sheet("departments")
            ),
        )
    active = chk.flag(sheet, row, "active", True)
    partners = _partners(row, chk, did, department_ids)
    start, end = _bounds(row, chk)
    if aid:
        out.append(
            (
                aid,
                pid,
                did,
                row.text("action"),
                row.text("metric_text"),
                row.text("schedule"),
                row.text("responsible"),
                row.text("origin"),
                active,
                partners,
                start,
                end,
            )
        )


def _partners(
    row: Row, chk: Checker, lead: str, department_ids: set[str] | None
) -> tuple[str, ...]:
    """The partner departments' ids (separated by ';' or ','), each checked."""
    sheet = "actions"
    out: list[str] = []
    for pid in (p.strip() for p in row.text("partners").replace(",", ";").split(";")):
        if not pid:
            continue
        if department_ids is not None and pid not in department_ids:
            chk.add(
                sheet,
                row,
                "partners",
                _("unknown department {value!r} (not on the {sheet} sheet)").format(
                    value=pid, sheet=chk.names.sheet("departments")
                ),
            )
        elif pid == lead:
            chk.add(
                sheet,
                row,
                "partners",
                _("{value!r} leads the action: it is not also its partner").format(value=pid),
            )
        elif pid not in out:
            out.append(pid)
    return tuple(out)


def _bounds(row: Row, chk: Checker) -> tuple[str, str]:
    """The schedule's start and end (a year or a period), each checked, and in order."""
    sheet = "actions"
    got = {}
    for key in ("start", "end"):
        bound = parse_bound(row.text(key))
        if bound is None:
            chk.add(
                sheet,
                row,
                key,
                _(
                    "{name} must be a year (2025) or a period (2025Q3, 2025H2), not {value!r}"
                ).format(name=chk.column(sheet, key), value=row.text(key)),
            )
        got[key] = bound or ""
    if not in_order(got["start"], got["end"]):
        chk.add(
            sheet,
            row,
            "end",
            _("{end_name} {end} is before {start_name} {start}").format(
                end_name=chk.column(sheet, "end"),
                end=got["end"],
                start_name=chk.column(sheet, "start"),
                start=got["start"],
            ),
        )
    return got["start"], got["end"]
