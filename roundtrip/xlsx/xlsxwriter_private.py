"""Every use of xlsxwriter's private API, in one place: what each buys, and what keeps it safe.

xlsxwriter's public API (write_string, write_number, add_format...) does everything roundtrip
writes, and is used everywhere else. Two things it cannot do, and one it does slowly:

* `xf_index`: a format's style index before the workbook is closed (the public API assigns
  it when closing). The rows that bulk writes as XML text around xlsxwriter's sheet frame
  (the summary's big row blocks) must name it; calling it also registers the format, so it is
  written into styles.xml.
* `Sheet`, a worksheet class with two short cuts that write the same bytes as xlsxwriter:
  every validation and conditional-format formula (a number, a quoted status label, a
  defined name) goes through xlsxwriter's future-function expansion, some 450 regex
  substitutions each needing `NAME(`: without a "(" none can match, so only the plain
  expansion runs (`_prepare_formula`). And the usual cells (a formatted shared string, a
  number, a formatted blank) are written in one f-string, without xlsxwriter's attribute
  list and escaping of "A1" and "3" (`_write_cell`), which a return spends much of its
  writing time on. Anything else goes xlsxwriter's own way.

Both short cuts are tested against xlsxwriter's own output (tests/test_golden.py compares the
return workbook with golden files part by part, tests/test_returnbook.py the two short cuts
with xlsxwriter's plain Worksheet), and pyproject.toml pins xlsxwriter to the minor version
they were tested with: a new xlsxwriter is a deliberate upgrade, with those tests run.
"""

from __future__ import annotations

import weakref
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.worksheet import CellBlankTuple, CellNumberTuple, CellStringTuple, Worksheet

from roundtrip.xlsx.text import LETTERS, column_letter

_SHARED: weakref.WeakKeyDictionary[Format, int] = weakref.WeakKeyDictionary()


def xf_index(fmt: Format) -> int:
    """The format's style index; registers it so it is written into styles.xml (call before
    the workbook is closed). A format equal to an earlier one shares that one's index (and
    xlsxwriter would compute its key again every time: kept here)."""
    got = fmt.xf_index
    if got is None:
        got = _SHARED.get(fmt)
        if got is None:
            got = _SHARED[fmt] = fmt._get_xf_index()
    return got


_STRING, _NUMBER, _BLANK = CellStringTuple, CellNumberTuple, CellBlankTuple
_USUAL_CELLS = frozenset((_STRING, _NUMBER, _BLANK))


class Sheet(Worksheet):
    """xlsxwriter's worksheet with the two short cuts of the module's docstring. Add sheets
    with ``wb.add_worksheet(name, worksheet_class=Sheet)``."""

    def _prepare_formula(self, formula: str, expand_future_functions: bool = False) -> str:
        if "(" not in formula:
            expand_future_functions = False
        return super()._prepare_formula(formula, expand_future_functions)

    def _write_cell(self, row: int, col: int, cell: Any) -> None:
        """The usual cells in one write, the same XML as xlsxwriter's (its numbers "%.16G");
        anything else goes its way."""
        kind = cell.__class__
        fmt = cell.format
        if fmt is None or self.constant_memory or kind not in _USUAL_CELLS:
            super()._write_cell(row, col, cell)
            return
        s = xf_index(fmt)
        ref = f"{LETTERS[col] if col < len(LETTERS) else column_letter(col + 1)}{row + 1}"
        if kind is _STRING:
            self.fh.write(f'<c r="{ref}" s="{s}" t="s"><v>{cell.string}</v></c>')
        elif kind is _NUMBER:
            self.fh.write(f'<c r="{ref}" s="{s}"><v>{cell.number:.16G}</v></c>')
        else:
            self.fh.write(f'<c r="{ref}" s="{s}"/>')
