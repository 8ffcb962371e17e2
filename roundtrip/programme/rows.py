"""A sheet of programme.xlsx as rows, and the Checker that records every problem found.

`Row` holds a data row's values by column and where each sits; `Table` a big sheet kept as
columns; `Checker` turns a bad value into a Problem naming its sheet and cell as the file
names them (roundtrip.programme.names).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from roundtrip.errors import Problem
from roundtrip.language import _
from roundtrip.programme.names import (
    ID_PATTERN,
    NO,
    YES,
    Names,
    flag_words,
)


class Row:
    """One data row of a sheet: values by column name, and where each sits.

    `letters` maps a column name to its column letter; it is shared by every row of a sheet
    (a 180,000-row sheet would otherwise format 1.6 million cell references nobody reads).
    """

    __slots__ = ("number", "values", "letters", "texts")

    def __init__(self, number: int, values: dict[str, Any], letters: dict[str, str]):
        self.number = number  # 1-based sheet row
        self.values = values
        self.letters = letters
        self.texts = {k: cell_text(v) for k, v in values.items()}

    def text(self, key: str) -> str:
        return self.texts.get(key, "")

    def cell(self, key: str) -> str:
        return f"{self.letters.get(key, 'A')}{self.number}"


def cell_text(value: Any) -> str:
    """A cell value as the text the coordinator meant (14.0 -> "14", dates as ISO)."""
    if value.__class__ is str:
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return YES if value else NO
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value).strip()


def parse_flag(value: Any) -> bool | None:
    """yes/no in any of the accepted spellings; None when it is not one."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value) if value in (0, 1) else None
    text = cell_text(value).lower()
    yes, no = flag_words()
    if text in yes:
        return True
    if text in no:
        return False
    return None


def text_of(value: Any) -> str:
    """cell_text, quicker for the usual text cell."""
    return value.strip() if value.__class__ is str else cell_text(value)


class Table:
    """A sheet's non-blank data rows by column: raw values and their texts (cell_text)."""

    def __init__(
        self,
        title: str,
        letters: dict[str, str],
        numbers: list[int],
        values: dict[str, list[Any]],
        texts: dict[str, list[str]],
    ):
        self.title = title
        self.letters = letters  # column name -> column letter
        self.numbers = numbers  # 1-based sheet row of each data row
        self.values = values
        self.texts = texts

    def __len__(self) -> int:
        return len(self.numbers)

    def column(self, name: str) -> list[str]:
        """The texts of column `name` ("" throughout when the sheet lacks it)."""
        got = self.texts.get(name)
        return got if got is not None else [""] * len(self.numbers)

    def row(self, i: int) -> Row:
        return Row(self.numbers[i], {k: v[i] for k, v in self.values.items()}, self.letters)

    def rows(self) -> list[Row]:
        return [self.row(i) for i in range(len(self.numbers))]


class Checker:
    """Collects problems while building the programme from rows; messages in the console's
    language, naming sheets and columns as the file does (`names`)."""

    def __init__(self, file: str, names: Names | None = None):
        self.file = file
        self.names = names if names is not None else Names("en")
        self.problems: list[Problem] = []

    def add(self, sheet: str, row: Row, key: str, message: str, value: Any = None) -> None:
        self.problems.append(
            Problem(
                self.file,
                message,
                sheet=self.names.sheet(sheet),
                cell=row.cell(key),
                value=cell_text(value or ""),
            )
        )

    def column(self, sheet: str, key: str) -> str:
        return self.names.column(sheet, key)

    def required(self, sheet: str, row: Row, keys: Iterable[str]) -> bool:
        ok = True
        for key in keys:
            if not row.text(key):
                name = self.column(sheet, key)
                self.add(sheet, row, key, _("{name} is empty (required)").format(name=name))
                ok = False
        return ok

    def ident(self, sheet: str, row: Row, key: str, seen: dict[str, str]) -> str | None:
        value = row.text(key)
        if not value:
            return None
        name = self.column(sheet, key)
        if not ID_PATTERN.match(value):
            self.add(
                sheet,
                row,
                key,
                _("{name} {value!r} may hold only letters, digits, '-', '_', '.'").format(
                    name=name, value=value
                ),
            )
            return None
        if value in seen:
            self.add(
                sheet,
                row,
                key,
                _("duplicate {name} {value!r} (first at {cell})").format(
                    name=name, value=value, cell=seen[value]
                ),
            )
            return None
        seen[value] = row.cell(key)
        return value

    def flag(self, sheet: str, row: Row, key: str, default: bool) -> bool:
        raw = row.values.get(key)
        if cell_text(raw) == "":
            return default
        got = parse_flag(raw)
        if got is None:
            self.add(
                sheet,
                row,
                key,
                _("{name} must be {yes} or {no}, not {value!r}").format(
                    name=self.column(sheet, key), value=cell_text(raw), **self.names.yes_no()
                ),
                raw,
            )
            return default
        return got
