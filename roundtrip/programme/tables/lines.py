"""The lines every reader makes of a table (tables.read, tables.word): each knows the cell a
person finds it in; cell text cleaned once, the same for every format.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path

from roundtrip.errors import ConfigError
from roundtrip.language import _
from roundtrip.xlsx.text import column_letter

CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f]")  # not \t or \n


@dataclass(frozen=True)
class RawLine:
    """One line of a source table: a text line, a sheet row, a Word table row or paragraph."""

    number: int  # 1-based: line of a .txt/.csv, row of a sheet or Word table, paragraph number
    cells: tuple[str, ...]  # cleaned text (see clean_text)
    sheet: str = ""  # sheet name (.xlsx/.ods)
    table: int = 0  # 1-based Word table number (0: not a Word table)
    kind: str = "row"  # "row", "heading" (a Word heading paragraph) or "text" (another paragraph)
    continued: frozenset[int] = field(default_factory=frozenset)  # cells continuing the one above

    def ref(self, column: int | None = None) -> str:
        """Where a person finds this line, or its cell `column` (an index into `cells`)."""
        if self.sheet:
            if column is None:
                return _("{sheet}, row {row}").format(sheet=self.sheet, row=self.number)
            cell = f"{column_letter(column + 1)}{self.number}"
            return _("{sheet}!{cell}").format(sheet=self.sheet, cell=cell)
        if self.table:
            if column is None:
                return _("table {table}, row {row}").format(table=self.table, row=self.number)
            return _("table {table}, row {row}, column {column}").format(
                table=self.table, row=self.number, column=column + 1
            )
        if self.kind != "row":
            return _("paragraph {n}").format(n=self.number)
        if column is None:
            return _("line {line}").format(line=self.number)
        return _("line {line}, column {column}").format(line=self.number, column=column + 1)


def clean_text(value: object) -> str:
    """A cell's text: NBSP as space, line ends as \\n, control characters removed, stripped;
    a float that is an integer as the integer, a midnight datetime as its date."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, dt.datetime) and value.time() == dt.time(0):
        value = value.date()
    text = str(value).replace("\u00a0", " ").replace("\r\n", "\n").replace("\r", "\n")
    return CONTROL.sub("", text).strip()


def damaged(path: Path, detail: str) -> ConfigError:
    """The one line for a file that cannot be read as what its suffix says."""
    return ConfigError(
        [],
        _("{file} is damaged or not a {kind} file ({detail})").format(
            file=path.name, kind=path.suffix.lower(), detail=detail
        ),
    )
