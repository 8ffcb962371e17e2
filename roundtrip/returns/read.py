"""Read a returned workbook into raw cells with their coordinates (no interpretation).

python-calamine reads every format (xlsx, xlsm, xlsb, xls, ods) fast. openpyxl (read-only,
with defusedxml) is used only for xlsx-family files and only when needed: to find formulas
that have no saved result, the text of error cells (#DIV/0! pasted as a value, which calamine
reads as empty), and the number format of cells that may hold a percentage as a
fraction (0.5 shown as 50 %). The core properties (who saved the file) are read directly.

Percentages: openpyxl is asked for a cell's number format only when an xlsx-family file has a
progress or metric value between 0 (exclusive) and 1 (inclusive): the only values for which a
%-format changes the reading (0.5 shown as 50 %). Other cells, and every cell of .ods/.xls/.xlsb
files, keep percent_format=None (unknown); normalize warns when such a fraction is ambiguous.

Nothing here trusts positions: sheets are found by name in any language or by their header
row, columns by header text, and the identity sheet by name or by its keys in column A.

Problems are written in `lang`, the programme's language: the department head reads them in
the annotated copy and the coordinator in the validation report.
"""

from __future__ import annotations

import dataclasses
import functools
import io
import os
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

import python_calamine as pc

from roundtrip.errors import Problem, ReturnError
from roundtrip.language import N_, _, format_number, tr, trn
from roundtrip.language.wording import wording
from roundtrip.returns.cell_formats import (
    has_formula_or_error,
    inspect_cells,
    is_ooxml,
    number_formats,
    sheet_parts,
    signer_of,
)
from roundtrip.returns.contract import (
    COLUMNS,
    IDENTITY_FIELDS,
    SIGNATURE_FIELD,
    header,
    norm_label,
)
from roundtrip.returns.contract import header_lookup as _header_lookup
from roundtrip.returns.contract import sheet_name_lookup as _sheet_name_lookup
from roundtrip.returns.normalize import is_blank, to_text
from roundtrip.returns.raw import RawCell, RawReturn, RawRow, RawSheet
from roundtrip.returns.safety import MESSAGES as SAFETY_MESSAGES
from roundtrip.returns.safety import ensure_safe, is_lock_file
from roundtrip.returns.signoff_read import find_signoff
from roundtrip.xlsx.text import column_letter

DATA_KEYS = ("actions", "metrics", "proposals")
READABLE_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".xls", ".ods"})
HEADER_SCAN_ROWS = 10
MAX_ROWS = 100_000  # a return has tens of rows; anything beyond is ignored with a warning

# Headers that tell the three data sheets apart, and the columns each one must have.
DISTINCT = {
    "actions": ("action_id", "status"),
    "metrics": ("metric_id", "value"),
    "proposals": ("priority", "action"),
}
REQUIRED = {
    "actions": ("action_id", "status", "progress", "comment"),
    "metrics": ("metric_id", "value"),
    "proposals": ("priority", "action"),
}
# The columns whose cells validation reads, where not all of them: the IDs, the answers and
# the locked texts it compares. The others (the previous period's answers, a metric's context)
# are only looked at to tell a blank row, so no cell is made for them.
READ_COLUMNS = {
    "actions": (
        "action_id", "priority", "action", "metric", "schedule", "responsible",
        "status", "progress", "comment",
    ),
    "metrics": ("metric_id", "metric", "value", "comment"),
}  # fmt: skip
# Columns whose numbers may be percentages stored as fractions.
PERCENT_COLUMNS = {"actions": ("progress",), "metrics": ("value",)}


@functools.cache
def header_lookup(key: str) -> Mapping[str, str]:
    """contract.header_lookup, built once per run (it normalises every language's wording)."""
    return MappingProxyType(_header_lookup(key))


@functools.cache
def sheet_name_lookup() -> Mapping[str, str]:
    return MappingProxyType(_sheet_name_lookup())


def _fail(file: str, message: str) -> ReturnError:
    return ReturnError(Problem(file, message))


def _grid(wb: pc.CalamineWorkbook, name: str, max_rows: int | None = None) -> list[list]:
    sheet = wb.get_sheet_by_name(name)
    return sheet.to_python(skip_empty_area=False, nrows=max_rows)


def _value(v: object) -> object:
    """Calamine's empty cell is ''; we use None."""
    return None if isinstance(v, str) and v == "" else v


def _header_in(grid: list[list], key: str) -> tuple[int, dict[str, int]] | None:
    """(0-based header row, column key -> 0-based column) when a row matches `key`'s headers."""
    lookup = header_lookup(key)
    for r, row in enumerate(grid[:HEADER_SCAN_ROWS]):
        found: dict[str, int] = {}
        for c, v in enumerate(row):
            if isinstance(v, str) and v:
                k = lookup.get(norm_label(v))
                if k and k not in found:
                    found[k] = c
        if all(k in found for k in DISTINCT[key]):
            return r, found
    return None


def _identity_from(grid: list[list]) -> tuple[dict[str, str], dict[str, str]] | None:
    """Identity fields from a grid whose column A holds the identity keys."""
    values: dict[str, str] = {}
    cells: dict[str, str] = {}
    wanted = set(IDENTITY_FIELDS) | {SIGNATURE_FIELD}
    for r, row in enumerate(grid[:50]):
        if not row:
            continue
        k = row[0]
        if isinstance(k, str) and k.strip() in wanted:
            v = row[1] if len(row) > 1 else None
            values[k.strip()] = to_text(_value(v))
            cells[k.strip()] = f"B{r + 1}"
    if sum(1 for f in IDENTITY_FIELDS if f in values) < 3:
        return None
    return values, cells


ID_COLUMN = {"actions": "action_id", "metrics": "metric_id"}


def _sheet_rows(
    grid: list[list], key: str, header_row: int, cols: dict[str, int]
) -> tuple[list[RawRow], int, RawCell | None]:
    """(rows, number of rows without ID, first value in such a row).

    Blank rows are skipped; on ID-keyed sheets rows without an ID are only counted (a sheet
    with 100 000 pasted rows must not cost a million objects).
    """
    items = [(k, c, column_letter(c + 1)) for k, c in cols.items()]
    read = READ_COLUMNS.get(key)
    kept = items if read is None else [x for x in items if x[0] in read]
    width = max(cols.values(), default=-1) + 1
    id_col = cols.get(ID_COLUMN.get(key, ""))
    rows = []
    unidentified = 0
    first: RawCell | None = None
    for r in range(header_row + 1, min(len(grid), header_row + 1 + MAX_ROWS)):
        line = grid[r]
        if len(line) < width:  # calamine's grid is rectangular; a short row is padded
            line = [*line, *[""] * (width - len(line))]
        if id_col is not None:
            if _blank(line[id_col]):
                if first is None:
                    for _k, c, letter in items:
                        if not _blank(line[c]):
                            first = RawCell(_value(line[c]), f"{letter}{r + 1}")
                            break
                if first is not None and any(not _blank(line[c]) for _, c, _ in items):
                    unidentified += 1
                continue
        elif all(_blank(line[c]) for _, c, _ in items):
            continue
        num = str(r + 1)
        # tuple.__new__ skips the named tuple's Python-level __new__ (docs/benchmarks.md).
        cells = {
            k: _new(RawCell, (None if (v := line[c]) == "" else v, letter + num, None, ""))
            for k, c, letter in kept
        }
        rows.append(RawRow(r + 1, cells))
    return rows, unidentified, first


_new = tuple.__new__


def _blank(v: object) -> bool:
    return v is None or v == "" or (isinstance(v, str) and is_blank(v))


_ROW_OF = re.compile(r"[0-9]+$")


def _row_of(ref: str) -> int:
    m = _ROW_OF.search(ref)
    assert m is not None, ref  # a cell reference (our own wanted cells) ends with its row
    return int(m.group())


def _with_inspection(
    path: Path, package: Mapping[str, bytes], sheets: dict[str, RawSheet]
) -> dict[str, RawSheet]:
    """Fill in percent formats and formulas where they matter (xlsx family only)."""
    parts = sheet_parts(package)
    formulas = any(has_formula_or_error(data) for data in parts.values())
    wanted = _wanted(sheets, formulas)
    if not wanted:
        return sheets
    info = None
    if not formulas:
        try:
            info = number_formats(package, wanted)
        except Exception:  # noqa: BLE001 - openpyxl below has the last word
            info = None
    if info is None:
        info = inspect_cells(path, wanted)
    # The rows something is known about (a cell's ref ends with its row number).
    known_rows = {(name, _row_of(ref)) for name, ref in info}
    out = {}
    for key, s in sheets.items():
        if s.name not in wanted:
            out[key] = s
            continue
        rows = []
        for row in s.rows:
            if (s.name, row.row) not in known_rows:
                rows.append(row)  # nothing known: unchanged (no % format, no formula)
                continue
            cells = {}
            for k, cell in row.cells.items():
                fmt, formula, error = info.get((s.name, cell.ref), (None, "", ""))
                pct = None if fmt is None else "%" in fmt.replace('"%"', "")
                value = error if error and is_blank(cell.value) else cell.value
                cells[k] = RawCell(value, cell.ref, pct, formula)
            rows.append(RawRow(row.row, cells))
        out[key] = dataclasses.replace(s, rows=tuple(rows))
    return out


def _wanted(sheets: dict[str, RawSheet], formulas: bool) -> dict[str, set[str]]:
    """Sheet -> refs whose format or formula matters: fractions, or every cell (formulas)."""
    wanted: dict[str, set[str]] = {}
    for s in sheets.values():
        if formulas:
            refs = {cell.ref for row in s.rows for cell in row.cells.values()}
        else:
            pct = PERCENT_COLUMNS.get(s.key, ())
            refs = set()
            for row in s.rows:
                for k in pct:
                    cell = row.cells.get(k)
                    if cell is None:
                        continue
                    v = cell.value
                    if v.__class__ in (int, float) and 0 < abs(v) <= 1:  # (not bool)
                        refs.add(cell.ref)
        if refs:
            wanted[s.name] = refs
    return wanted


def read_return(path: Path, original_name: str | None = None, *, lang: str) -> RawReturn:
    """Read a returned file. Raises ReturnError when it cannot be read at all.

    `lang`: the programme's language (fi, sv, en), the language of every problem.
    """
    name = original_name or path.name
    suffix = path.suffix.lower()
    if suffix == ".csv":
        raise _fail(
            name,
            tr(
                lang,
                "a CSV file cannot be collected: it has lost the hidden identity and the "
                "other sheets; please send the Excel file (.xlsx) you received",
            ),
        )
    if suffix not in READABLE_SUFFIXES:
        if path.suffix:
            message = tr(lang, "not a workbook roundtrip can read ({suffix})")
        else:
            message = tr(lang, "not a workbook roundtrip can read (the name has no extension)")
        raise _fail(name, message.format(suffix=path.suffix))
    try:
        package: dict[str, bytes] = {}  # the parts safety unpacks anyway, kept for below
        safety_warnings = ensure_safe(path, keep=package, lang=lang)
    except ReturnError as exc:
        raise _fail(name, exc.problem.message) from exc
    damaged = tr(lang, SAFETY_MESSAGES["damaged"])
    try:
        # By content, not by name: from_path picks its reader by the extension, so a real .xls
        # named .xlsx would be "invalid Zip archive". The size is bounded by ensure_safe.
        wb = pc.CalamineWorkbook.from_filelike(io.BytesIO(path.read_bytes()))
    except pc.PasswordError as exc:
        raise _fail(name, tr(lang, SAFETY_MESSAGES["password"])) from exc
    except Exception as exc:
        raise _fail(name, f"{damaged} ({exc})") from exc

    problems: list[Problem] = [
        Problem(name, w.message, w.sheet, w.cell, w.severity, w.value) for w in safety_warnings
    ]
    names = sheet_name_lookup()
    metas = [m for m in wb.sheets_metadata if m.typ == pc.SheetTypeEnum.WorkSheet]
    grids: dict[str, list[list]] = {}

    def sheet_grid(sheet_name: str, max_rows: int | None = None) -> list[list]:
        """The sheet's cells; a sheet calamine cannot parse (damaged XML...) is a ReturnError."""
        try:
            return _grid(wb, sheet_name, max_rows)
        except pc.CalamineError as exc:  # XmlError, ZipError, WorksheetNotFound...
            wb.close()
            raise ReturnError(Problem(name, damaged, sheet=sheet_name)) from exc

    def grid(sheet_name: str) -> list[list]:
        if sheet_name not in grids:
            grids[sheet_name] = sheet_grid(sheet_name)
        return grids[sheet_name]

    # Identity: by name in any language, else by content (a renamed sheet).
    identity: dict[str, str] = {}
    id_cells: dict[str, str] = {}
    id_sheet = ""
    by_name = [m.name for m in metas if names.get(norm_label(m.name)) == "identity"]
    others = [m.name for m in metas if m.name not in by_name]
    hidden = {m.name for m in metas if m.visible != pc.SheetVisibleEnum.Visible}
    others.sort(key=lambda n: n not in hidden)  # hidden sheets first
    for sheet_name in by_name + others:
        found = _identity_from(sheet_grid(sheet_name, 60))
        if found:
            identity, id_cells = found
            id_sheet = sheet_name
            break

    # Data sheets: by name in any language, else by their header row.
    sheets: dict[str, RawSheet] = {}
    taken: set[str] = {id_sheet}
    candidates = [m.name for m in metas if m.name != id_sheet]
    for key in DATA_KEYS:
        named = [n for n in candidates if names.get(norm_label(n)) == key and n not in taken]
        rest = [
            n
            for n in candidates
            if n not in taken
            and names.get(norm_label(n)) not in {"instructions", "lists", *DATA_KEYS}
        ]
        for sheet_name in named + rest:
            head = _header_in(grid(sheet_name), key)
            if head is None:
                continue
            hrow, cols = head
            missing = [k for k in REQUIRED[key] if k not in cols]
            if missing:
                problems.append(
                    Problem(
                        name,
                        _missing_columns(lang, key, missing),
                        sheet=sheet_name,
                        cell=f"A{hrow + 1}",
                    )
                )
            rows, unidentified, first = _sheet_rows(grid(sheet_name), key, hrow, cols)
            sheets[key] = RawSheet(
                key,
                sheet_name,
                hrow + 1,
                {k: column_letter(c + 1) for k, c in cols.items()},
                tuple(rows),
                unidentified,
                first,
            )
            taken.add(sheet_name)
            if len(grid(sheet_name)) > hrow + 1 + MAX_ROWS:
                message = tr(lang, "more than {n} rows: the rows after row {row} were not read")
                problems.append(
                    Problem(
                        name,
                        message.format(
                            n=format_number(MAX_ROWS, lang),
                            row=format_number(hrow + 1 + MAX_ROWS, lang),
                        ),
                        sheet_name,
                        severity="warning",
                    )
                )
            break
        else:
            if named:
                message = tr(
                    lang,
                    "the header row of the sheet {sheet} was not found in its first {n} rows: "
                    "do not delete or rename the headers",
                )
                sheet_word = wording(lang)["sheets"][key]
                problems.append(
                    Problem(name, message.format(sheet=sheet_word, n=HEADER_SCAN_ROWS), named[0])
                )
    kept = package if is_ooxml(package) else {}
    signoff = find_signoff(grid, {m.name for m in metas}, kept, sheets.get("actions"))
    wb.close()
    signer = ""
    if is_ooxml(package):
        try:
            sheets = _with_inspection(path, package, sheets)
        except Exception as exc:  # formats are a refinement: say so, keep the values
            message = tr(lang, "cell formats could not be read ({reason})")
            problems.append(Problem(name, message.format(reason=exc), severity="warning"))
        signer = signer_of(package)
    return RawReturn(
        file=name,
        identity=identity,
        identity_sheet=id_sheet,
        identity_cells=id_cells,
        sheets=sheets,
        problems=tuple(problems),
        signer=signer,
        signoff=signoff,
    )


def _missing_columns(lang: str, key: str, missing: list[str]) -> str:
    """The error for a data sheet without some of its columns, named as the workbook names them."""
    columns = ", ".join(repr(_header(lang, key, k)) for k in missing)
    message = trn(
        lang,
        "the sheet {sheet} has no column {columns}: do not delete or rename columns",
        "the sheet {sheet} has no columns {columns}: do not delete or rename columns",
        len(missing),
    )
    return message.format(sheet=wording(lang)["sheets"][key], columns=columns)


def _header(lang: str, key: str, column: str) -> str:
    try:
        return header(lang, key, column)
    except KeyError:
        return column


def returned_files(paths: list[Path]) -> list[Path]:
    """Files under `paths` (recursively), skipping Office lock files (~$) and hidden files."""
    return scan_sources(paths)[0]


_LOCK = N_("an Office lock file left beside an open workbook, not a return")


def scan_sources(paths: list[Path]) -> tuple[list[Path], list[tuple[Path, str]]]:
    """(files to collect, [(skipped file, why)]).

    In folders (recursively): hidden files and folders (.name) are passed over silently, and
    Office/LibreOffice lock files (~$name.xlsx, .~lock.name#) are listed as skipped. A file
    named explicitly is collected whatever its name, unless it is a lock file.
    """
    lock = _(_LOCK)  # (a console line: the skipped files are listed by collect)
    files: list[Path] = []
    skipped: list[tuple[Path, str]] = []
    for p in paths:
        if p.is_dir():
            for rel in _files_under(p):
                f = p.joinpath(*rel)
                if is_lock_file(f) or rel[-1].startswith("~$"):
                    skipped.append((f, lock))
                elif not any(part.startswith(".") for part in rel):
                    files.append(f)
        elif is_lock_file(p) or p.name.startswith("~$"):
            skipped.append((p, lock))
        elif p.exists():
            files.append(p)
    return files, skipped


def _files_under(root: Path) -> list[tuple[str, ...]]:
    """Every file below `root` as its relative parts, in sorted(root.rglob("*")) order.

    os.walk and tuples of names instead of Path objects: an inbox of 3,000 returns cost a
    second in pathlib comparisons.
    """
    out: list[tuple[str, ...]] = []
    base = len(root.parts)
    for dirpath, _dirs, names in os.walk(root):
        prefix = Path(dirpath).parts[base:]
        for name in names:
            if os.path.isfile(os.path.join(dirpath, name)):
                out.append((*prefix, name))
    out.sort()
    return out


def column_keys(key: str) -> tuple[str, ...]:
    return tuple(c.key for c in COLUMNS[key])
