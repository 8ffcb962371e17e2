"""Finding a returned workbook's sign-off cells: who approved it, and when.

Each value cell is found by its defined name (contract.SIGNOFF_NAMES, in xl/workbook.xml:
Excel and LibreOffice move it with inserted rows and columns), else as the cell right of its
label (any language) in the rows above the actions sheet's header, which sorting never
moves. The values are read as the reader gives them (calamine), no meaning yet: a workbook
made before the cells existed has neither, and gets no RawSignOff.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Mapping

from defusedxml import ElementTree as SafeET

from roundtrip.returns.contract import (
    SIGNOFF_KEYS,
    SIGNOFF_NAMES,
    norm_label,
    signoff_label_lookup,
)
from roundtrip.returns.raw import RawCell, RawSheet, RawSignOff
from roundtrip.xlsx.text import column_index, column_letter

Grid = list[list]
# A defined name's cell: Sheet!$L$1 or 'A sheet'!$L$1 (a range: its first cell).
_REFERENCE = re.compile(r"^(?:'((?:[^']|'')+)'|([^'!]+))!\$?([A-Za-z]{1,3})\$?(\d{1,7})(?::.*)?$")
_MAX_WORKBOOK_XML = 4_000_000


def defined_cells(package: Mapping[str, bytes]) -> dict[str, tuple[str, int, int]]:
    """Sign-off key -> (sheet, 0-based row, 0-based column) of its defined name in the
    package's xl/workbook.xml ({} when it has none, or is no xlsx)."""
    data = package.get("xl/workbook.xml")
    if not data or len(data) > _MAX_WORKBOOK_XML:
        return {}
    try:
        root = SafeET.fromstring(data)
    except Exception:  # noqa: BLE001 - a damaged part: the labels are the other way
        return {}
    keys = {name: key for key, name in SIGNOFF_NAMES.items()}
    found: dict[str, tuple[str, int, int]] = {}
    for el in root.iter():
        if not el.tag.endswith("definedName"):
            continue
        key = keys.get(str(el.get("name", "")))
        m = _REFERENCE.match((el.text or "").strip().lstrip("="))
        if key is None or m is None or key in found:
            continue
        quoted, plain = m.group(1), m.group(2)
        sheet = quoted.replace("''", "'") if quoted is not None else str(plain)
        found[key] = (sheet, int(m.group(4)) - 1, column_index(m.group(3)) - 1)
    return found


def _cell(grid: Grid, row: int, col: int) -> RawCell:
    line = grid[row] if 0 <= row < len(grid) else []
    v = line[col] if 0 <= col < len(line) else None
    return RawCell(None if v == "" else v, f"{column_letter(col + 1)}{row + 1}")


def find_signoff(
    grid: Callable[[str], Grid],
    sheet_names: Collection[str],
    package: Mapping[str, bytes],
    actions: RawSheet | None,
) -> RawSignOff | None:
    """The sign-off cells of a return: by defined name, else by label on the actions sheet.

    `grid(name)` gives a sheet's cells (calamine's, from A1), `sheet_names` the worksheets,
    `package` the xlsx parts the safety check kept ({} for other formats), `actions` the
    actions sheet as found (None when it was not)."""
    cells: dict[str, tuple[str, RawCell]] = {}
    labels = signoff_label_lookup()
    for key, (sheet, row, col) in defined_cells(package).items():
        if sheet in sheet_names:
            cell = _cell(grid(sheet), row, col)
            # A name left behind by a program that moved the cells without it (openpyxl's
            # insert_cols): it points at a label now, and the labels say where the cells are.
            if not (isinstance(cell.value, str) and norm_label(cell.value) in labels):
                cells[key] = (sheet, cell)
    if actions is not None and len(cells) < len(SIGNOFF_KEYS):
        rows = grid(actions.name)[: max(actions.header_row - 1, 0)]
        for r, line in enumerate(rows):
            for c, v in enumerate(line):
                label = labels.get(norm_label(v)) if isinstance(v, str) and v else None
                if label is not None and label not in cells:
                    cells[label] = (actions.name, _cell(rows, r, c + 1))
    return RawSignOff(cells) if cells else None
