"""What the reader found in a returned workbook: cells with their coordinates, no meaning yet.

The types the reader (returns.read) produces and the pure validator (returns.validate)
consumes; kept apart so that validating needs no spreadsheet library.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import NamedTuple

from roundtrip.errors import Problem
from roundtrip.returns.normalize import to_text


class RawCell(NamedTuple):
    """One cell as read. A named tuple, not a dataclass: a return has about a thousand of
    them, and a named tuple is the cheaper to make (docs/benchmarks.md)."""

    value: object  # as the reader gives it: None, str, float, int, bool, date, datetime...
    ref: str  # A1 reference
    percent_format: bool | None = None  # the cell shows a %; None when not known
    formula: str = ""  # the formula, when the cell holds one

    @property
    def text(self) -> str:
        return to_text(self.value)


class RawRow(NamedTuple):
    """One row as read (a named tuple, as RawCell: a return has ~100 of them)."""

    row: int  # 1-based
    cells: Mapping[str, RawCell]  # column key -> cell (the sheet's READ_COLUMNS)

    def value(self, key: str) -> object:
        c = self.cells.get(key)
        return None if c is None else c.value


@dataclass(frozen=True)
class RawSheet:
    key: str  # actions / metrics / proposals
    name: str  # the sheet name as found in the file
    header_row: int  # 1-based
    columns: Mapping[str, str]  # column key -> column letter
    rows: tuple[RawRow, ...]  # on ID-keyed sheets: the rows with an ID
    # ID-keyed sheets: rows with values but no ID (not kept), and the first such value.
    unidentified: int = 0
    first_unidentified: RawCell | None = None


@dataclass(frozen=True)
class RawSignOff:
    """The sign-off cells found (contract.SIGNOFF_KEYS): key -> (sheet name as found, cell).
    A key whose cell was not found is absent; a workbook made before the cells existed has
    no RawSignOff at all."""

    cells: Mapping[str, tuple[str, RawCell]] = field(default_factory=dict)


@dataclass(frozen=True)
class RawReturn:
    file: str  # the original file name
    identity: Mapping[str, str] = field(default_factory=dict)  # field -> text; {} if none
    identity_sheet: str = ""
    identity_cells: Mapping[str, str] = field(default_factory=dict)  # field -> A1 of its value
    sheets: Mapping[str, RawSheet] = field(default_factory=dict)
    problems: tuple[Problem, ...] = ()  # structural problems found while reading
    signer: str = ""  # lastModifiedBy (else creator) of the file
    signoff: RawSignOff | None = None  # who approved it and when; None: no such cells
