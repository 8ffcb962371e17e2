"""Reading programme.xlsx's sheets into Tables (columns found by header name).

Cell values come from python-calamine (many times faster than openpyxl's read-only mode on
a regional programme); openpyxl only when calamine cannot open the file.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Sequence
from itertools import compress
from pathlib import Path
from typing import Any

from roundtrip.errors import ConfigError, Problem
from roundtrip.programme.sheets import COLUMNS, REQUIRED_COLUMNS, Table, cell_text, text_of
from roundtrip.xlsx.text import column_letter


class Sheets:
    """A workbook's sheets as grids of cell values (row 0 is sheet row 1, column 0 is A).

    Read with python-calamine (openpyxl's read-only mode is far slower on big sheets);
    openpyxl only when calamine cannot open the file.
    Both give the cached values of formulas.
    """

    def __init__(
        self,
        titles: list[str],
        grid: Callable[[str], Sequence[Sequence[Any]]],
        close: Callable[[], None] = lambda: None,
    ):
        self.titles = titles
        self.grid = grid
        self.close = close


def open_workbook(path: Path) -> Sheets:
    name = path.name
    if not path.is_file():
        raise ConfigError([Problem(name, "file not found")], f"{path}: file not found")
    try:
        from python_calamine import CalamineWorkbook

        book = CalamineWorkbook.from_path(str(path))
        return Sheets(
            list(book.sheet_names),
            lambda title: book.get_sheet_by_name(title).to_python(skip_empty_area=False),
            book.close,
        )
    except Exception:  # noqa: BLE001 - openpyxl decides what is wrong with the file
        return _openpyxl_sheets(path)


def _openpyxl_sheets(path: Path) -> Sheets:
    from openpyxl import load_workbook

    name = path.name
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
        try:
            grids = {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
        finally:
            wb.close()
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ConfigError(
            [], f"{name}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})"
        ) from exc
    except Exception as exc:  # any parser failure of a corrupt file is one clear line
        raise ConfigError(
            [], f"{name}: cannot read the workbook ({type(exc).__name__}: {exc})"
        ) from exc
    return Sheets(list(grids), grids.__getitem__)


def sheet_rows(wb: Sheets, sheet: str, problems: list[Problem], file: str) -> Table | None:
    """The data rows of `sheet`, columns found by header name; None when unusable."""
    by_lower = {title.strip().lower(): title for title in wb.titles}
    title = by_lower.get(sheet)
    if title is None:
        problems.append(Problem(file, f"missing sheet {sheet!r}", sheet=sheet))
        return None
    try:
        rows = wb.grid(title)
    except Exception as exc:  # noqa: BLE001 - a damaged sheet is one clear line
        raise ConfigError(
            [], f"{file}: cannot read sheet {title!r} ({type(exc).__name__}: {exc})"
        ) from exc
    wanted = COLUMNS[sheet]
    header_at, header = 0, {}
    for i, cells in enumerate(rows[:10]):
        names = {cell_text(v).lower(): c for c, v in enumerate(cells) if cell_text(v)}
        if wanted[0] in names:
            header_at, header = i, names
            break
    missing = [c for c in REQUIRED_COLUMNS[sheet] if c not in header]
    if missing:
        for name in missing:
            problems.append(
                Problem(
                    file,
                    f"missing column {name!r} (the header row must name: "
                    f"{', '.join(REQUIRED_COLUMNS[sheet])})",
                    sheet=title,
                    cell=f"A{header_at + 1}",
                )
            )
        return None
    cols = [(name, header[name]) for name in wanted if name in header]
    width = max(c for _, c in cols) + 1
    body = [
        r if len(r) >= width else (*r, *([None] * (width - len(r)))) for r in rows[header_at + 1 :]
    ]
    values = {name: [r[c] for r in body] for name, c in cols}
    texts = {name: [text_of(v) for v in values[name]] for name in values}
    numbers = list(range(header_at + 2, header_at + 2 + len(body)))
    keep = list(map(any, zip(*texts.values(), strict=True)))
    if not all(keep):  # blank rows are left out
        numbers = list(compress(numbers, keep))
        values = {k: list(compress(v, keep)) for k, v in values.items()}
        texts = {k: list(compress(v, keep)) for k, v in texts.items()}
    letters = {name: column_letter(c + 1) for name, c in cols}
    return Table(title, letters, numbers, values, texts)
