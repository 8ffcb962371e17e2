"""A return's sign-off checked: who approved it, and when. PURE.

The programme's `sign_off` setting (model.SIGN_OFF_MODES) decides what an empty name or date
is: nothing (off), a warning (warn: the file is accepted) or an error (required: the file is
rejected), each at its cell. A date that cannot be read as one is the usual cell problem, an
error (only a warning while sign_off is off: nobody was asked for it). A workbook made before
the cells existed has none: with warn or required it gets the one problem, without a cell.
"""

from __future__ import annotations

import datetime as dt

from roundtrip.language import N_, tr
from roundtrip.language.wording import wording
from roundtrip.returns.contract import SIGNOFF_YEARS
from roundtrip.returns.normalize import NormError, is_blank, parse_date, to_text
from roundtrip.returns.raw import RawSignOff
from roundtrip.returns.validated import Problems


def check_signoff(found: RawSignOff | None, mode: str, out: Problems) -> tuple[str, str]:
    """(approved by, approved on as an ISO date), "" for what is empty or unreadable; the
    problems into `out` as `mode` (off, warn, required) says."""
    words = wording(out.lang)["signoff"]
    report = out.error if mode == "required" else out.warning
    if found is None:
        if mode in ("warn", "required"):
            message = tr(
                out.lang,
                "the return was not signed off: this workbook has no {approved_by} and "
                "{approved_on} cells (it was made before they existed)",
            )
            report(
                message.format(approved_by=words["approved_by"], approved_on=words["approved_on"])
            )
        return "", ""
    name = date = ""
    sheet, cell = found.cells.get("approved_by", ("", None))
    if cell is not None and not is_blank(cell.value):
        name = to_text(cell.value)
    elif mode in ("warn", "required"):
        message = tr(
            out.lang, "{label} is empty: write the name of the person who approved the return"
        )
        report(message.format(label=words["approved_by"]), sheet, cell.ref if cell else "")
    sheet, cell = found.cells.get("approved_on", ("", None))
    if cell is not None and not is_blank(cell.value):
        try:
            date = _approval_date(cell.value).isoformat()
        except NormError as exc:
            message = tr(out.lang, "{label} must be a date: {reason}")
            bad = out.warning if mode == "off" else out.error
            bad(
                message.format(label=words["approved_on"], reason=exc.text(out.lang)),
                sheet,
                cell.ref,
                cell.value,
            )
    elif mode in ("warn", "required"):
        message = tr(out.lang, "{label} is empty: write the date the return was approved")
        report(message.format(label=words["approved_on"]), sheet, cell.ref if cell else "")
    return name, date


def _approval_date(value: object) -> dt.date:
    """A date from the cell (parse_date), within SIGNOFF_YEARS."""
    day = parse_date(value)
    if not SIGNOFF_YEARS[0] <= day.year <= SIGNOFF_YEARS[1]:
        raise NormError(N_("the year {year} cannot be right"), year=str(day.year))
    return day
