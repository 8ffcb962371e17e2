"""The sign-off cells of a return workbook (xlsxwriter): who approved it, and when.

Laid out as roundtrip.returns.contract says (SIGNOFF_*): on each of the rows above the
actions sheet's header, a locked label in the status column and an input cell merged over
the columns after it, right above the answers a department head fills in. Each value cell
has a defined name, which the reader finds it by (returns.signoff_read).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from roundtrip.returns import contract as c
from roundtrip.returns.styles import Styles


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def write_signoff_cells(
    wb: Workbook,
    ws: Worksheet,
    st: Styles,
    words: Mapping[str, str],
    col: Mapping[str, int],
    sheet_name: str,
    example: str,
) -> None:
    """The two sign-off cells on the actions sheet `ws` (named `sheet_name`), its columns'
    indices `col` by key; `words` the [signoff] wording, `example` a date as the language
    writes it (the deadline), shown in the input messages."""
    label = col[c.SIGNOFF_LABEL_COLUMN]
    first, last = label + 1, col[c.SIGNOFF_LAST_COLUMN]
    sheet = quote_sheetname(sheet_name)
    title = {key: _cut(words[key], 32) for key in c.SIGNOFF_KEYS}
    validations: dict[str, dict[str, Any]] = {
        "approved_by": {
            "validate": "length",
            "criteria": "<=",
            "value": 255,
            "input_title": title["approved_by"],
            "input_message": _cut(words["approved_by_prompt"], 255),
        },
        "approved_on": {
            "validate": "date",
            "criteria": "between",
            "minimum": dt.date(c.SIGNOFF_YEARS[0], 1, 1),
            "maximum": dt.date(c.SIGNOFF_YEARS[1], 12, 31),
            "input_title": title["approved_on"],
            "input_message": _cut(words["approved_on_prompt"].format(example=example), 255),
            "error_title": title["approved_on"],
            "error_message": _cut(words["approved_on_error"].format(example=example), 255),
            "error_type": "stop",
        },
    }
    for key in c.SIGNOFF_KEYS:
        r = c.SIGNOFF_ROWS[key] - 1
        fmt = st.input_text if key == "approved_by" else st.input_date
        ws.write_string(r, label, words[key], st.label)
        ws.merge_range(r, first, r, last, "", fmt)
        if ws.data_validation(r, first, r, first, validations[key]) != 0:  # pragma: no cover
            raise ValueError(f"invalid data validation {validations[key]!r}")
        wb.define_name(c.SIGNOFF_NAMES[key], f"={sheet}!{xl_rowcol_to_cell(r, first, True, True)}")
