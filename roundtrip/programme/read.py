"""Reading programme.xlsx's sheets into Tables (sheets and columns found by name, in any of
the three languages: names.SHEET_NAMES, names.COLUMN_NAMES).

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
from roundtrip.language import _
from roundtrip.programme.names import (
    COLUMNS,
    REQUIRED_COLUMNS,
    Names,
    column_lookup,
    fold,
    most_common_language,
    sheet_lookup,
)
from roundtrip.programme.rows import Table, cell_text, text_of
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
        raise ConfigError(
            [Problem(name, _("file not found"))],
            _("{path}: file not found").format(path=path),
        )
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
            [],
            _("{file}: not a readable .xlsx workbook ({error})").format(
                file=name, error=f"{type(exc).__name__}: {exc}"
            ),
        ) from exc
    except Exception as exc:  # any parser failure of a corrupt file is one clear line
        raise ConfigError(
            [],
            _("{file}: cannot read the workbook ({error})").format(
                file=name, error=f"{type(exc).__name__}: {exc}"
            ),
        ) from exc
    return Sheets(list(grids), grids.__getitem__)


def find_sheets(wb: Sheets, default: str) -> Names:
    """Which of `wb`'s sheets is which (by name, in any language; the first sheet of a name
    wins), and the language most of their names are in (`default` when none is known)."""
    lookup = sheet_lookup()
    titles: dict[str, str] = {}
    languages = []
    for title in wb.titles:
        got = lookup.get(fold(title))
        if got is not None and got[0] not in titles:
            titles[got[0]] = title
            languages.append(got[1])
    names = Names(most_common_language(languages, default))
    names.sheets = titles
    return names


def sheet_rows(
    wb: Sheets, sheet: str, problems: list[Problem], file: str, names: Names
) -> Table | None:
    """The data rows of `sheet`, columns found by header name; None when unusable.

    What the file calls the sheet's columns is kept in `names` for the problems found later."""
    title = names.sheets.get(sheet)
    if title is None:
        name = names.sheet(sheet)
        problems.append(Problem(file, _("missing sheet {name!r}").format(name=name), sheet=name))
        return None
    try:
        rows = wb.grid(title)
    except Exception as exc:  # noqa: BLE001 - a damaged sheet is one clear line
        raise ConfigError(
            [],
            _("{file}: cannot read sheet {sheet!r} ({error})").format(
                file=file, sheet=title, error=f"{type(exc).__name__}: {exc}"
            ),
        ) from exc
    wanted = COLUMNS[sheet]
    lookup = column_lookup(sheet)
    header_at, header = 0, {}
    for i, cells in enumerate(rows[:10]):
        found: dict[str, tuple[int, str, frozenset[str]]] = {}
        for c, v in enumerate(cells):
            text = cell_text(v)
            got = lookup.get(fold(text)) if text else None
            if got is not None and got[0] not in found:
                found[got[0]] = (c, text, got[1])
        if wanted[0] in found:
            header_at, header = i, found
            break
    names.headers[sheet] = {key: text for key, (_c, text, _langs) in header.items()}
    names.sheet_languages[sheet] = most_common_language(
        [langs for _c, _t, langs in header.values()], names.language
    )
    missing = [c for c in REQUIRED_COLUMNS[sheet] if c not in header]
    if missing:
        required = ", ".join(names.column(sheet, c) for c in REQUIRED_COLUMNS[sheet])
        for key in missing:
            problems.append(
                Problem(
                    file,
                    _("missing column {name!r} (the header row must name: {names})").format(
                        name=names.column(sheet, key), names=required
                    ),
                    sheet=title,
                    cell=f"A{header_at + 1}",
                )
            )
        return None
    cols = [(name, header[name][0]) for name in wanted if name in header]
    width = max(c for _name, c in cols) + 1
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
