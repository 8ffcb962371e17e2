"""Fill a generated return workbook as a department head would (for tests and the demo).

The workbook is opened with openpyxl, rows are found by the ID column and columns by their
header text (in any language), values are written into the input cells only, and the file is
saved under a new name with `lastModifiedBy` set to the signer. Validations, defined names and
hidden sheets are kept by openpyxl as they were.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import openpyxl

from roundtrip.errors import UsageError
from roundtrip.language import _, console_language
from roundtrip.language.wording import wording
from roundtrip.returns.contract import (
    HEADER_ROW,
    header_lookup,
    norm_label,
    sheet_name_lookup,
    signoff_label_lookup,
)

_SCAN_ROWS = 12
# Columns whose headers tell the three data sheets apart (the actions sheet also has the
# proposals' priority/metric/schedule headers).
_DISTINCT = {
    "actions": ("action_id", "status"),
    "metrics": ("metric_id", "value"),
    "proposals": ("priority", "action"),
}


@dataclass(frozen=True)
class ActionAnswer:
    """One action's answer as a person types it: a status label, a progress %, a comment."""

    status: str | None = None
    progress: int | None = None
    comment: str | None = None


def _find_sheet(wb, key: str):
    names = sheet_name_lookup()
    for sheet in wb.worksheets:
        if names.get(norm_label(sheet.title)) == key:
            return sheet
    # Renamed: find it by its header row.
    for sheet in wb.worksheets:
        if _header_map(sheet, key)[1]:
            return sheet
    sheet = wording(console_language())["sheets"][key]
    raise UsageError(_("the workbook has no {sheet} sheet").format(sheet=sheet))


def _header_map(sheet, key: str) -> tuple[int, dict[str, int]]:
    """(header row, column key -> 1-based column) for the first row that looks like the header."""
    lookup = header_lookup(key)
    rows = sheet.iter_rows(min_row=1, max_row=_SCAN_ROWS, values_only=True)
    for r, values in enumerate(rows, start=1):
        found: dict[str, int] = {}
        for c, v in enumerate(values, start=1):
            k = lookup.get(norm_label(v)) if isinstance(v, str) else None
            if k and k not in found:
                found[k] = c
        if all(k in found for k in _DISTINCT[key]) and len(found) >= 3:
            return r, found
    return HEADER_ROW, {}


def _put(sheet, row: int, col: int, value: object) -> None:
    """Write a value as typed; text starting with '=' stays text (as with a leading ')."""
    cell = sheet.cell(row, col)
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
        cell.quotePrefix = True


def signoff_cells(sheet, header_row: int = HEADER_ROW) -> dict[str, tuple[int, int]]:
    """Sign-off key -> (row, column), 1-based, of its input cell: the cell right of its label
    above the header row, as a person finds it."""
    labels = signoff_label_lookup()
    out: dict[str, tuple[int, int]] = {}
    rows = sheet.iter_rows(min_row=1, max_row=max(header_row - 1, 1), values_only=True)
    for r, values in enumerate(rows, start=1):
        for c, v in enumerate(values, start=1):
            key = labels.get(norm_label(v)) if isinstance(v, str) else None
            if key is not None:
                out.setdefault(key, (r, c + 1))
    return out


def _rows_by_id(sheet, header_row: int, id_col: int) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in range(header_row + 1, sheet.max_row + 1):
        v = sheet.cell(r, id_col).value
        if v is not None and str(v).strip():
            out.setdefault(str(v).strip(), r)
    return out


def fill_return(
    src: Path,
    dst: Path,
    answers: Mapping[str, ActionAnswer],
    metrics: Mapping[str, object] | None = None,
    plan: Mapping[tuple[str, str], str] | None = None,
    proposals: Sequence[Mapping[str, str]] = (),
    signer: str = "",
    metric_comments: Mapping[str, str] | None = None,
    approved_by: str | None = None,
    approved_on: dt.date | str | None = None,
) -> Path:
    """Fill the return `src` and save it as `dst`.

    answers: action ID -> ActionAnswer (status label as shown in the dropdown).
    metrics: metric ID -> value as typed (number or text).
    plan: (action ID, 'metric' | 'schedule' | 'responsible') -> text for a blank plan field.
    proposals: rows of {'priority', 'action', 'metric', 'schedule', 'responsible', 'comment'}.
    approved_by, approved_on: the sign-off, typed into the cells right of their labels (a
    date as a date, text as typed).
    """
    wb = openpyxl.load_workbook(src)
    acts = _find_sheet(wb, "actions")
    hrow, cols = _header_map(acts, "actions")
    rows = _rows_by_id(acts, hrow, cols["action_id"])
    for action_id, ans in answers.items():
        r = rows.get(action_id)
        if r is None:
            raise UsageError(
                _("{file}: no row for the action {id}").format(file=src.name, id=action_id)
            )
        if ans.status is not None:
            _put(acts, r, cols["status"], ans.status)
        if ans.progress is not None:
            _put(acts, r, cols["progress"], ans.progress)
        if ans.comment is not None:
            _put(acts, r, cols["comment"], ans.comment)
    for (action_id, field), text in (plan or {}).items():
        r = rows.get(action_id)
        if r is None:
            raise UsageError(
                _("{file}: no row for the action {id}").format(file=src.name, id=action_id)
            )
        _put(acts, r, cols[field], text)
    signoff: dict[str, object] = {"approved_by": approved_by, "approved_on": approved_on}
    if any(v is not None for v in signoff.values()):
        where = signoff_cells(acts, hrow)
        for key, typed in signoff.items():
            if typed is not None:
                if key not in where:
                    raise UsageError(_("{file}: no cell for the sign-off").format(file=src.name))
                _put(acts, *where[key], typed)

    if metrics or metric_comments:
        msheet = _find_sheet(wb, "metrics")
        mrow, mcols = _header_map(msheet, "metrics")
        mrows = _rows_by_id(msheet, mrow, mcols["metric_id"])
        for metric_id, value in (metrics or {}).items():
            if metric_id not in mrows:
                raise UsageError(
                    _("{file}: no row for the metric {id}").format(file=src.name, id=metric_id)
                )
            _put(msheet, mrows[metric_id], mcols["value"], value)
        for metric_id, text in (metric_comments or {}).items():
            if metric_id not in mrows:
                raise UsageError(
                    _("{file}: no row for the metric {id}").format(file=src.name, id=metric_id)
                )
            _put(msheet, mrows[metric_id], mcols["comment"], text)

    if proposals:
        psheet = _find_sheet(wb, "proposals")
        prow, pcols = _header_map(psheet, "proposals")
        r = prow + 1
        for proposal in proposals:
            for key, text in proposal.items():
                _put(psheet, r, pcols[key], text)
            r += 1

    wb.properties.lastModifiedBy = signer or wb.properties.lastModifiedBy
    dst.parent.mkdir(parents=True, exist_ok=True)
    wb.save(dst)
    return dst
