"""programme.xlsx format constants and row-level checks (used by roundtrip.programme).

Pure functions over cell values: every problem becomes a Problem with sheet and cell.
"""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openpyxl.utils import get_column_letter

from .errors import ConfigError, Problem, UsageError
from .model import (
    LANGUAGES,
    METRIC_KINDS,
    Action,
    Department,
    Metric,
    Priority,
    Settings,
    Status,
)
from .periods import CADENCES, parse_period
from .resources import wording

FILE_LABEL = "programme.xlsx"

SETTINGS_HELP = {
    "programme_id": "Stable identifier of the programme (letters, digits, - _ .); never change it",
    "name": "Programme name, shown in every workbook",
    "organisation": "Organisation (municipality)",
    "language": "Workbook language: fi, sv or en",
    "cadence": "Reporting cadence: quarter, half or year",
    "first_period": "First reporting period, e.g. 2023Q3 (2023H2 or 2023 for other cadences)",
    "last_period": "Last reporting period, e.g. 2026Q4",
    "deadline_days": "Days after the end of a period by which returns are due",
    "coordinator": "Coordinator's name, shown in the instructions",
    "coordinator_email": "Coordinator's e-mail, shown in the instructions",
}
SETTING_KEYS = tuple(SETTINGS_HELP)
REQUIRED_SETTINGS = ("programme_id", "name", "language", "cadence")

# sheet -> columns, in the written order; the first column of each is its key column.
COLUMNS: dict[str, tuple[str, ...]] = {
    "settings": ("key", "value", "help"),
    "priorities": ("id", "title"),
    "departments": ("id", "name", "contact", "email"),
    "actions": (
        "id",
        "priority",
        "department",
        "action",
        "metric_text",
        "schedule",
        "responsible",
        "origin",
        "active",
    ),
    "metrics": (
        "metric_id",
        "action_id",
        "metric",
        "kind",
        "unit",
        "baseline",
        "target",
        "higher_is_better",
    ),
    "statuses": ("key", "label", "colour", "done", "needs_comment", "attention", "aliases"),
}
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "settings": ("key", "value"),
    "priorities": ("id", "title"),
    "departments": ("id", "name"),
    "actions": ("id", "priority", "department", "action"),
    "metrics": ("metric_id", "action_id", "metric"),
    "statuses": ("key", "label", "colour"),
}
WIDTHS: dict[str, dict[str, float]] = {
    "settings": {"key": 20, "value": 40, "help": 70},
    "priorities": {"id": 8, "title": 60},
    "departments": {"id": 8, "name": 32, "contact": 32, "email": 30},
    "actions": {
        "id": 9,
        "priority": 9,
        "department": 11,
        "action": 60,
        "metric_text": 36,
        "schedule": 18,
        "responsible": 26,
        "origin": 36,
        "active": 8,
    },
    "metrics": {
        "metric_id": 12,
        "action_id": 9,
        "metric": 40,
        "kind": 9,
        "unit": 10,
        "baseline": 10,
        "target": 10,
        "higher_is_better": 16,
    },
    "statuses": {
        "key": 14,
        "label": 26,
        "colour": 10,
        "done": 8,
        "needs_comment": 15,
        "attention": 10,
        "aliases": 60,
    },
}
YES, NO = "yes", "no"
ROOM = 1000  # validated rows below the data, for the coordinator's additions
ID_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]*$")
COLOUR_PATTERN = re.compile(r"^#?([0-9A-Fa-f]{6})$")
FIXED_DATE = dt.datetime(2023, 1, 1)  # fixed document dates: same programme, same bytes


# --------------------------------------------------------------------------- reading


@dataclass(frozen=True)
class Row:
    """One data row of a sheet: values by column name, and where each sits."""

    number: int  # 1-based sheet row
    values: dict[str, Any]
    cells: dict[str, str]

    def text(self, key: str) -> str:
        return cell_text(self.values.get(key))

    def cell(self, key: str) -> str:
        return self.cells.get(key, f"A{self.number}")


def cell_text(value: Any) -> str:
    """A cell value as the text the coordinator meant (14.0 -> "14", dates as ISO)."""
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


_YES_WORDS = {"yes", "y", "true", "1", "x", "kyllä", "k", "ja", "j", "tosi", "sant"}
_NO_WORDS = {"no", "n", "false", "0", "ei", "e", "nej", "epätosi", "falskt", ""}


def parse_flag(value: Any) -> bool | None:
    """yes/no in any of the accepted spellings; None when it is not one."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value) if value in (0, 1) else None
    text = cell_text(value).lower()
    if text in _YES_WORDS:
        return True
    if text in _NO_WORDS:
        return False
    return None


def _kind_lookup() -> dict[str, str]:
    out = {k: k for k in METRIC_KINDS}
    for lang in LANGUAGES:
        for key, label in wording(lang).get("kinds", {}).items():
            out.setdefault(str(label).lower(), key)
    out.update({"yes/no": "yesno", "%": "percent", "boolean": "yesno"})
    return out


def open_workbook(path: Path) -> Any:
    from openpyxl import load_workbook

    name = path.name
    if not path.is_file():
        raise ConfigError([Problem(name, "file not found")], f"{path}: file not found")
    try:
        return load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ConfigError(
            [], f"{name}: not a readable .xlsx workbook ({type(exc).__name__}: {exc})"
        ) from exc
    except Exception as exc:  # any parser failure of a corrupt file is one clear line
        raise ConfigError(
            [], f"{name}: cannot read the workbook ({type(exc).__name__}: {exc})"
        ) from exc


def sheet_rows(wb: Any, sheet: str, problems: list[Problem], file: str) -> list[Row] | None:
    """The data rows of `sheet`, columns found by header name; None when unusable."""
    by_lower = {ws.title.strip().lower(): ws for ws in wb.worksheets}
    ws = by_lower.get(sheet)
    if ws is None:
        problems.append(Problem(file, f"missing sheet {sheet!r}", sheet=sheet))
        return None
    rows = list(ws.iter_rows(values_only=True))
    wanted = COLUMNS[sheet]
    header_at, header = 0, {}
    for i, values in enumerate(rows[:10]):
        names = {cell_text(v).lower(): c for c, v in enumerate(values) if cell_text(v)}
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
                    sheet=ws.title,
                    cell=f"A{header_at + 1}",
                )
            )
        return None
    out = []
    for i in range(header_at + 1, len(rows)):
        values = rows[i]
        got: dict[str, Any] = {}
        cells: dict[str, str] = {}
        for name in wanted:
            c = header.get(name)
            if c is None:
                continue
            cells[name] = f"{get_column_letter(c + 1)}{i + 1}"
            got[name] = values[c] if c < len(values) else None
        if all(cell_text(v) == "" for v in got.values()):
            continue
        out.append(Row(i + 1, got, cells))
    return out


class Checker:
    """Collects problems while building the programme from rows."""

    def __init__(self, file: str):
        self.file = file
        self.problems: list[Problem] = []

    def add(self, sheet: str, row: Row, key: str, message: str, value: Any = None) -> None:
        self.problems.append(
            Problem(
                self.file, message, sheet=sheet, cell=row.cell(key), value=cell_text(value or "")
            )
        )

    def required(self, sheet: str, row: Row, keys: Iterable[str]) -> bool:
        ok = True
        for key in keys:
            if not row.text(key):
                self.add(sheet, row, key, f"{key} is empty (required)")
                ok = False
        return ok

    def ident(self, sheet: str, row: Row, key: str, seen: dict[str, str]) -> str | None:
        value = row.text(key)
        if not value:
            return None
        if not ID_PATTERN.match(value):
            self.add(
                sheet, row, key, f"{key} {value!r} may hold only letters, digits, '-', '_', '.'"
            )
            return None
        if value in seen:
            self.add(sheet, row, key, f"duplicate {key} {value!r} (first at {seen[value]})")
            return None
        seen[value] = row.cell(key)
        return value

    def flag(self, sheet: str, row: Row, key: str, default: bool) -> bool:
        raw = row.values.get(key)
        if cell_text(raw) == "":
            return default
        got = parse_flag(raw)
        if got is None:
            self.add(sheet, row, key, f"{key} must be yes or no, not {cell_text(raw)!r}", raw)
            return default
        return got


def read_settings(rows: list[Row], chk: Checker) -> Settings:
    sheet = "settings"
    found: dict[str, Any] = {}
    where: dict[str, Row] = {}
    for row in rows:
        key = row.text("key").lower()
        if not key:
            chk.add(sheet, row, "key", "setting name is empty")
        elif key not in SETTINGS_HELP:
            chk.add(
                sheet, row, "key", f"unknown setting {key!r} (known: {', '.join(SETTING_KEYS)})"
            )
        elif key in found:
            chk.add(
                sheet, row, "key", f"setting {key!r} given twice (first at row {where[key].number})"
            )
        else:
            found[key], where[key] = row.values.get("value"), row
    anchor = rows[0] if rows else Row(1, {}, {"key": "A1", "value": "B1"})
    for key in REQUIRED_SETTINGS:
        if key not in found:
            chk.add(sheet, anchor, "key", f"missing setting {key!r}")
        elif cell_text(found[key]) == "":
            chk.add(sheet, where[key], "value", f"{key} is empty (required)")

    def text(key: str) -> str:
        return cell_text(found.get(key))

    values: dict[str, Any] = {k: text(k) for k in SETTING_KEYS if k in found}
    if values.get("programme_id") and not ID_PATTERN.match(values["programme_id"]):
        chk.add(
            sheet,
            where["programme_id"],
            "value",
            "programme_id may hold only letters, digits, '-', '_', '.'",
        )
    lang = text("language").lower()
    if lang and lang not in LANGUAGES:
        chk.add(sheet, where["language"], "value", f"unknown language {lang!r} (use fi, sv or en)")
    values["language"] = lang if lang in LANGUAGES else "fi"
    cadence = text("cadence").lower()
    if cadence and cadence not in CADENCES:
        chk.add(
            sheet,
            where["cadence"],
            "value",
            f"unknown cadence {cadence!r} (use quarter, half or year)",
        )
    values["cadence"] = cadence if cadence in CADENCES else "quarter"
    if "deadline_days" in found and text("deadline_days"):
        raw = found["deadline_days"]
        try:
            number = float(str(raw).replace(",", ".").strip())
        except ValueError:
            number = -1.5
        if not number.is_integer() or not 0 <= number <= 366:
            chk.add(
                sheet,
                where["deadline_days"],
                "value",
                f"deadline_days must be a whole number of days 0–366, not {text('deadline_days')!r}",
            )
            values["deadline_days"] = 14
        else:
            values["deadline_days"] = int(number)
    else:
        values.pop("deadline_days", None)
    periods = {}
    for key in ("first_period", "last_period"):
        if text(key) and cadence in CADENCES:
            try:
                periods[key] = parse_period(text(key), cadence)
                values[key] = str(periods[key])
            except UsageError as exc:
                chk.add(sheet, where[key], "value", f"{key}: {exc}")
    if len(periods) == 2 and periods["first_period"] > periods["last_period"]:
        chk.add(
            sheet,
            where["last_period"],
            "value",
            f"last_period {periods['last_period']} is before first_period {periods['first_period']}",
        )
    values.setdefault("programme_id", "")
    values.setdefault("name", "")
    values.setdefault("organisation", "")
    return Settings(**values)


def read_priorities(rows: list[Row], chk: Checker) -> tuple[Priority, ...]:
    seen: dict[str, str] = {}
    out = []
    for row in rows:
        chk.required("priorities", row, ("id", "title"))
        pid = chk.ident("priorities", row, "id", seen)
        if pid:
            out.append(Priority(pid, row.text("title")))
    return tuple(out)


def read_departments(rows: list[Row], chk: Checker) -> tuple[Department, ...]:
    seen: dict[str, str] = {}
    out = []
    for row in rows:
        chk.required("departments", row, ("id", "name"))
        did = chk.ident("departments", row, "id", seen)
        if did:
            out.append(Department(did, row.text("name"), row.text("contact"), row.text("email")))
    return tuple(out)


def read_metrics(rows: list[Row], chk: Checker, action_ids: set[str]) -> dict[str, list[Metric]]:
    sheet = "metrics"
    kinds = _kind_lookup()
    seen: dict[str, str] = {}
    out: dict[str, list[Metric]] = {}
    for row in rows:
        chk.required(sheet, row, ("metric_id", "action_id", "metric"))
        mid = chk.ident(sheet, row, "metric_id", seen)
        aid = row.text("action_id")
        if aid and aid not in action_ids:
            chk.add(sheet, row, "action_id", f"unknown action {aid!r} (not on the actions sheet)")
        raw_kind = row.text("kind")
        kind = kinds.get(raw_kind.lower(), "") if raw_kind else "text"
        if not kind:
            chk.add(
                sheet,
                row,
                "kind",
                f"unknown metric kind {raw_kind!r} (use {', '.join(METRIC_KINDS)})",
            )
        hib = chk.flag(sheet, row, "higher_is_better", True)
        if mid and aid in action_ids and kind:
            out.setdefault(aid, []).append(
                Metric(
                    id=mid,
                    action_id=aid,
                    name=row.text("metric"),
                    kind=kind,
                    unit=row.text("unit"),
                    baseline=row.text("baseline"),
                    target=row.text("target"),
                    higher_is_better=hib,
                )
            )
    return out


def read_actions(
    rows: list[Row],
    chk: Checker,
    priority_ids: set[str] | None,
    department_ids: set[str] | None,
) -> list[tuple[Row, Action]]:
    """Actions without metrics yet; unknown references are checked when the sheet is known."""
    sheet = "actions"
    seen: dict[str, str] = {}
    out = []
    for row in rows:
        chk.required(sheet, row, ("id", "priority", "department", "action"))
        aid = chk.ident(sheet, row, "id", seen)
        pid, did = row.text("priority"), row.text("department")
        if pid and priority_ids is not None and pid not in priority_ids:
            chk.add(
                sheet, row, "priority", f"unknown priority {pid!r} (not on the priorities sheet)"
            )
        if did and department_ids is not None and did not in department_ids:
            chk.add(
                sheet,
                row,
                "department",
                f"unknown department {did!r} (not on the departments sheet)",
            )
        active = chk.flag(sheet, row, "active", True)
        if aid:
            out.append(
                (
                    row,
                    Action(
                        id=aid,
                        priority_id=pid,
                        department_id=did,
                        text=row.text("action"),
                        metric_text=row.text("metric_text"),
                        schedule=row.text("schedule"),
                        responsible=row.text("responsible"),
                        origin=row.text("origin"),
                        active=active,
                    ),
                )
            )
    return out


def read_statuses(rows: list[Row], chk: Checker) -> tuple[Status, ...]:
    sheet = "statuses"
    seen: dict[str, str] = {}
    labels: dict[str, str] = {}
    out = []
    for row in rows:
        chk.required(sheet, row, ("key", "label", "colour"))
        key = chk.ident(sheet, row, "key", seen)
        label = row.text("label")
        if label and label.lower() in labels:
            chk.add(
                sheet, row, "label", f"duplicate label {label!r} (first at {labels[label.lower()]})"
            )
        elif label:
            labels[label.lower()] = row.cell("label")
        colour_text = row.text("colour")
        m = COLOUR_PATTERN.match(colour_text)
        if colour_text and not m:
            chk.add(
                sheet, row, "colour", f"colour must be #RRGGBB (e.g. #63BE7B), not {colour_text!r}"
            )
        flags = {k: chk.flag(sheet, row, k, False) for k in ("done", "needs_comment", "attention")}
        aliases = tuple(a.strip() for a in row.text("aliases").split(";") if a.strip())
        if key and label and m:
            out.append(Status(key, label, "#" + m.group(1).upper(), aliases=aliases, **flags))
    if not rows:
        chk.problems.append(Problem(chk.file, "no statuses defined", sheet=sheet, cell="A2"))
    return tuple(out)
