"""Feedback to the coordinator and the departments: the validation report and annotated copies.

`write_validation_report` lists every problem of a collect run (one row per problem, errors
first) in a workbook the coordinator can filter. `write_annotated_copy` hands a department its
own returned file back with every problem cell highlighted (red for errors, amber for warnings)
and explained in a cell comment, plus a new first sheet listing every problem.

Both are called by collect. Text from returns is always written as text, never as a formula.
Only RoundtripError subclasses are raised; a file openpyxl cannot open (.xls, .ods, .csv,
encrypted, corrupt, suspiciously large) is not annotated: `write_annotated_copy` returns None
and the caller lists its problems only.
"""

from __future__ import annotations

import logging
import re
import warnings
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import xlsxwriter

from roundtrip.collect.annotation import (
    ERROR_FILL,
    ERROR_FONT,
    WARNING_FILL,
    WARNING_FONT,
    clean,
    comment_line,
    first_cell,
    severity_rank,
    sheet_title,
    unique_title,
    words,
    wrapped_lines,
)
from roundtrip.errors import Problem
from roundtrip.workspace import atomic_path, cannot_write
from roundtrip.xlsx.text import COMMENT_UNITS, CONTROL, LOOKALIKE, fit, protected

log = logging.getLogger(__name__)

XLSX_OPTIONS = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}


ANNOTATABLE = {".xlsx", ".xlsm", ".xltx", ".xltm"}
# A return is a few hundred kB; refuse to inflate anything absurd (zip bombs) for annotation.
MAX_UNCOMPRESSED = 200 * 1024 * 1024
MAX_RATIO = 200


# --------------------------------------------------------------------------- report


def write_validation_report(
    rows: Sequence[tuple[str, Problem]], target: Path, language: str
) -> Path:
    """Write the validation report: one row per problem, errors first, as an Excel table.

    `rows` are (department id or "", problem). Columns: file, department, sheet, cell, value,
    message, severity. With no rows the report still exists and says there were no problems.
    """
    w = words(language)
    ordered = sorted(rows, key=lambda r: severity_rank(r[1]))  # stable: keeps collect's order
    keys = ("file", "department", "sheet", "cell", "value", "message", "severity")
    widths = (34, 12, 16, 8, 24, 70, 11)
    try:
        with atomic_path(Path(target)) as tmp:
            wb = xlsxwriter.Workbook(str(tmp), XLSX_OPTIONS)
            wb.set_properties({"title": w["sheet_name"], "author": w["author"]})
            ws = wb.add_worksheet(sheet_title(w["sheet_name"]))
            wrap = wb.add_format({"text_wrap": True, "valign": "top"})
            top = wb.add_format({"valign": "top"})
            sev_fmt = {
                "error": wb.add_format(
                    {"bg_color": "#" + ERROR_FILL, "font_color": "#" + ERROR_FONT, "valign": "top"}
                ),
                "warning": wb.add_format(
                    {
                        "bg_color": "#" + WARNING_FILL,
                        "font_color": "#" + WARNING_FONT,
                        "valign": "top",
                    }
                ),
            }
            for col, width in enumerate(widths):
                ws.set_column(col, col, width, wrap if keys[col] in ("message", "value") else top)
            data: list[list[str]] = []
            for dept, p in ordered:
                sev = w["error"] if p.severity == "error" else w["warning"]
                data.append([p.file, dept, p.sheet, p.cell, p.value, p.message, sev])
            if not data:
                data.append(["", "", "", "", "", w["no_problems"], ""])
            for r, values in enumerate(data, start=1):
                for c, v in enumerate(values):  # (xlsxwriter cuts at 32,767 characters)
                    ws.write_string(r, c, fit(str(v or "")))
            for r, (_dept, p) in enumerate(ordered, start=1):
                fmt = sev_fmt["error" if p.severity == "error" else "warning"]
                ws.write_string(r, 6, data[r - 1][6], fmt)
            for r, values in enumerate(data, start=1):  # wrapped text needs its height
                lines = max(
                    wrapped_lines(values[5], widths[5]), wrapped_lines(values[4], widths[4])
                )
                if lines > 1:
                    ws.set_row(r, 15 * lines)
            ws.add_table(
                0,
                0,
                len(data),
                len(keys) - 1,
                {
                    "name": "rt_problems",
                    "style": "Table Style Light 9",
                    "columns": [{"header": w[k]} for k in keys],
                },
            )
            ws.freeze_panes(1, 0)
            ws.set_landscape()
            ws.fit_to_pages(1, 0)
            ws.repeat_rows(0)
            wb.close()
    except (OSError, xlsxwriter.exceptions.FileCreateError) as exc:
        raise cannot_write(Path(target), exc) from exc
    return Path(target)


# --------------------------------------------------------------------------- annotated copy


def annotatable(source: Path, *, checked: bool = False) -> bool:
    """Whether openpyxl can safely open `source` for annotation (an xlsx-family zip, sane size).

    checked=True: the caller has already run safety.check_file on these exact bytes with no
    error, so that full (streaming) check is not run again; the cheap checks still are: the
    suffix, the zip directory, the declared sizes and ratio, [Content_Types].xml.
    """
    source = Path(source)
    if source.suffix.lower() not in ANNOTATABLE or not source.is_file():
        return False
    try:
        with zipfile.ZipFile(source) as zf:
            infos = zf.infolist()
            total = sum(i.file_size for i in infos)
            packed = sum(i.compress_size for i in infos) or 1
            names = {i.filename for i in infos}
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    if "[Content_Types].xml" not in names:
        return False
    if total > MAX_UNCOMPRESSED or total / packed > MAX_RATIO:
        return False
    if checked:
        return True
    try:  # the same pre-parse checks collect runs: real sizes, entity bombs, damage
        from roundtrip.returns.safety import is_safe

        return is_safe(source)
    except Exception:  # noqa: BLE001 - when in doubt, do not hand the file to openpyxl
        return False


def write_annotated_copy(
    source: Path, problems: Sequence[Problem], target: Path, language: str, *, checked: bool = False
) -> Path | None:
    """A copy of the returned file with every problem cell highlighted and commented.

    Errors get a red fill, warnings amber; the cell comment holds every message for that cell.
    A new first sheet ("Korjattavaa" / "Att åtgärda" / "To fix") lists every problem with its
    sheet and cell (linked), including file-level problems and cells that no longer exist.
    `problem.sheet` is the sheet name as found in the file, so renamed files and sheets work.

    Returns the written path (its suffix follows the source: a macro file stays .xlsm), or None
    when the file cannot be annotated (.xls, .ods, .csv, encrypted, corrupt, too large): the
    caller then lists the problems only. Raises only WorkspaceError (target not writable).

    checked=True: the caller has already run safety.check_file on these exact bytes with no
    error (collect's archived copy, named for the SHA-256 of its content), so `annotatable`
    skips that full decompression and keeps only its cheap checks.
    """
    source, target = Path(source), Path(target)
    if not annotatable(source, checked=checked):
        return None
    suffix = source.suffix.lower()
    if target.suffix.lower() != suffix:
        target = target.with_suffix(suffix)
    if suffix == ".xlsx":  # patch the package directly (the fast path); None: use openpyxl
        try:
            from roundtrip.collect.annotate import write_fast_copy

            fast = write_fast_copy(source, problems, target, language)
        except Exception as exc:  # noqa: BLE001 - any failure of the fast path: openpyxl
            log.info("fast annotation of %s failed, using openpyxl: %s", source, exc)
            fast = None
        if fast is not None:
            return fast
    try:
        wb = _load(source, keep_vba=suffix in (".xlsm", ".xltm"))
    except Exception as exc:  # noqa: BLE001 - any reader failure means "cannot annotate"
        log.info("cannot annotate %s: %s", source, exc)
        return None
    try:
        _annotate(wb, problems, words(language))
    except Exception as exc:  # noqa: BLE001 - a workbook openpyxl half-understands
        log.info("cannot annotate %s: %s", source, exc)
        return None
    try:
        with atomic_path(target) as tmp:
            try:
                wb.save(str(tmp))
            except OSError:
                raise
            except Exception as exc:  # noqa: BLE001 - openpyxl cannot write what it read
                log.info("cannot save annotated %s: %s", source, exc)
                raise _NotSaved from exc  # (a return here would rename the half-written file)
    except _NotSaved:
        return None
    except OSError as exc:
        raise cannot_write(Path(target), exc) from exc
    return target


class _NotSaved(Exception):
    """openpyxl failed to write the annotated copy: it is abandoned, not renamed into place."""


def _load(source: Path, keep_vba: bool) -> Any:
    import openpyxl

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "extension is not supported" etc.
        wb = openpyxl.load_workbook(str(source), keep_vba=keep_vba, rich_text=True)
    _keep_literals(wb)
    return wb


# openpyxl reads a literal "_xHHHH_" that Excel stored protected (_x005F_xHHHH_) as "_xHHHH_"
# and writes it back as it is, which Excel then decodes ("_x0041_" would come back as "A").
# An "_xHHHH_" of a character Excel itself writes that way (a control character) is taken for
# Excel's escape and left as it is.
_READ_LOOKALIKE = re.compile(LOOKALIKE)
_EXCEL_ESCAPES = re.compile(f"[{CONTROL}]")


def _literal(m: re.Match[str]) -> str:
    s = m.group(0)
    return s if _EXCEL_ESCAPES.match(chr(int(s[2:6], 16))) else "_x005F" + s


def _keep_literals(wb: Any) -> None:
    """Protect again the literal "_xHHHH_" in the department's text cells (see above)."""
    from openpyxl.cell.rich_text import CellRichText

    for ws in wb.worksheets:
        for cell in getattr(ws, "_cells", {}).values():  # the cells there are, not the grid
            v = cell.value
            if isinstance(v, str) and "_x" in v and cell.data_type == "s":
                cell.value = _READ_LOOKALIKE.sub(_literal, v)
                cell.data_type = "s"  # (a text starting with "=" stays text)
            elif isinstance(v, CellRichText):
                for i, block in enumerate(v):
                    if isinstance(block, str):
                        v[i] = _READ_LOOKALIKE.sub(_literal, block)
                    else:
                        block.text = _READ_LOOKALIKE.sub(_literal, block.text)


def _annotate(wb: Any, problems: Sequence[Problem], w: dict[str, str]) -> None:
    from openpyxl.cell.cell import MergedCell
    from openpyxl.comments import Comment
    from openpyxl.styles import Font, PatternFill

    fills = {
        "error": PatternFill(fill_type="solid", start_color=ERROR_FILL, end_color=ERROR_FILL),
        "warning": PatternFill(fill_type="solid", start_color=WARNING_FILL, end_color=WARNING_FILL),
    }
    by_title = {ws.title: ws for ws in wb.worksheets}
    by_folded = {ws.title.casefold(): ws for ws in wb.worksheets}

    # Group the problems by target cell; remember which ones found a cell.
    grouped: dict[tuple[str, str], list[Problem]] = {}
    located: dict[int, tuple[str, str]] = {}
    for i, p in enumerate(problems):
        ws = (by_title.get(p.sheet) or by_folded.get(p.sheet.casefold())) if p.sheet else None
        coord = first_cell(p.cell)
        if ws is None or coord is None:
            continue
        cell = ws[coord]
        if isinstance(cell, MergedCell):  # annotate the merged range's top-left cell
            for rng in ws.merged_cells.ranges:
                if coord in rng:
                    cell = ws.cell(rng.min_row, rng.min_col)
                    break
        key = (ws.title, cell.coordinate)
        grouped.setdefault(key, []).append(p)
        located[i] = key

    for (title, coord), probs in grouped.items():
        cell = wb[title][coord]
        severity = "error" if any(p.severity == "error" for p in probs) else "warning"
        cell.fill = fills[severity]
        lines = [comment_line(p, w) for p in probs]
        old = cell.comment.text if cell.comment is not None else ""
        text = "\n".join(lines) + (f"\n---\n{old}" if old else "")
        comment = Comment(protected(clean(text, COMMENT_UNITS)), w["author"])
        comment.width = 320
        comment.height = max(80, 20 * (len(lines) + 1) + len(text) // 3)
        cell.comment = comment

    _list_sheet(wb, problems, located, w, fills, Font)


def _list_sheet(wb: Any, problems, located, w, fills, font_cls) -> None:
    from openpyxl.styles import Alignment
    from openpyxl.worksheet.hyperlink import Hyperlink
    from openpyxl.worksheet.properties import PageSetupProperties

    title = unique_title(wb.sheetnames, sheet_title(w["to_fix"]))
    ws = wb.create_sheet(title, 0)
    for other in wb.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.active = 0
    ws.sheet_state = "visible"

    bold = font_cls(bold=True)
    _text(ws.cell(1, 1), w["to_fix_title"]).font = font_cls(bold=True, size=12)
    heads = ("sheet", "cell", "value", "message", "severity")
    for c, key in enumerate(heads, start=1):
        _text(ws.cell(3, c), w[key]).font = bold
    order = sorted(range(len(problems)), key=lambda i: severity_rank(problems[i]))
    for r, i in enumerate(order, start=4):
        p = problems[i]
        sheet, cell = located.get(i, (p.sheet, p.cell))
        _text(ws.cell(r, 1), sheet)
        link = _text(ws.cell(r, 2), cell)
        if i in located:
            quoted = sheet.replace("'", "''")
            link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{quoted}'!{cell}")
            link.font = font_cls(color="0563C1", underline="single")
        _text(ws.cell(r, 3), p.value)
        _text(ws.cell(r, 4), p.message)
        sev = _text(ws.cell(r, 5), w["error"] if p.severity == "error" else w["warning"])
        sev.fill = fills["error" if p.severity == "error" else "warning"]
    if not problems:
        _text(ws.cell(4, 4), w["no_problems"])
    widths = (18, 8, 24, 80, 11)
    for col, width in zip("ABCDE", widths, strict=True):
        ws.column_dimensions[col].width = width
    for row in ws.iter_rows(min_row=4, max_col=5):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        lines = max(wrapped_lines(row[3].value, widths[3]), wrapped_lines(row[2].value, widths[2]))
        if lines > 1:
            ws.row_dimensions[row[0].row].height = 15 * lines
    ws.freeze_panes = "A4"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = "3:3"


def _text(cell: Any, value: object) -> Any:
    """Write `value` as a text cell (a leading '=' must never become a formula; a literal
    "_xHHHH_" is shown as it is)."""
    cell.value = protected(clean(value))
    cell.data_type = "s"
    return cell
