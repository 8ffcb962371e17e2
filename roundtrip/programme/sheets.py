"""programme.xlsx format constants and row-level checks (used by roundtrip.programme.workbook).

Pure functions over cell values: every problem becomes a Problem with sheet and cell.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from roundtrip.errors import Problem, UsageError
from roundtrip.language.wording import wording
from roundtrip.programme.model import (
    LANGUAGES,
    METRIC_KINDS,
    Department,
    Metric,
    Priority,
    Settings,
    Status,
)
from roundtrip.programme.periods import CADENCES, parse_period

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


_YES_WORDS = {"yes", "y", "true", "1", "x", "kyllä", "k", "ja", "j", "tosi", "sant"}
_NO_WORDS = {"no", "n", "false", "0", "ei", "e", "nej", "epätosi", "falskt", ""}


def _flag_text(text: str, default: bool) -> bool | None:
    """Checker.flag on a cell's text when it is a yes/no word or blank; None otherwise."""
    if not text:
        return default
    low = text.lower()
    return True if low in _YES_WORDS else False if low in _NO_WORDS else None


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
    anchor = rows[0] if rows else Row(1, {}, {"key": "A", "value": "B"})
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


def read_metrics(table: Table, chk: Checker, action_ids: set[str]) -> dict[str, list[Metric]]:
    """Metrics by action id. Rows without any problem take the fast path; any other row goes
    through the row checks one by one (the same messages, in row order)."""
    kinds = _kind_lookup()
    seen: dict[str, str] = {}
    out: dict[str, list[Metric]] = {}
    letter = table.letters["metric_id"]
    match = ID_PATTERN.match
    col = table.column
    rows = zip(
        table.numbers,
        col("metric_id"),
        col("action_id"),
        col("metric"),
        col("kind"),
        col("unit"),
        col("baseline"),
        col("target"),
        col("higher_is_better"),
        strict=True,
    )
    for i, (number, mid, aid, name, raw_kind, unit, base, target, hib) in enumerate(rows):
        kind = kinds.get(raw_kind.lower(), "") if raw_kind else "text"
        higher = _flag_text(hib, True)
        if (
            mid
            and name
            and kind
            and higher is not None
            and aid in action_ids
            and mid not in seen
            and match(mid)
        ):
            seen[mid] = f"{letter}{number}"
            metric = Metric(mid, aid, name, kind, unit, base, target, higher)
            got = out.get(aid)
            if got is None:
                out[aid] = [metric]
            else:
                got.append(metric)
        else:
            _metric_row(table.row(i), chk, action_ids, kinds, seen, out)
    return out


def _metric_row(
    row: Row,
    chk: Checker,
    action_ids: set[str],
    kinds: dict[str, str],
    seen: dict[str, str],
    out: dict[str, list[Metric]],
) -> None:
    sheet = "metrics"
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


ActionFields = tuple[str, str, str, str, str, str, str, str, bool]
"""id, priority, department, action, metric_text, schedule, responsible, origin, active."""


def read_actions(
    table: Table,
    chk: Checker,
    priority_ids: set[str] | None,
    department_ids: set[str] | None,
) -> list[ActionFields]:
    """Actions' fields (metrics are added once read); unknown references are checked when the
    sheet is known. Rows without any problem take the fast path; any other row goes through
    the row checks (the same messages, in row order)."""
    seen: dict[str, str] = {}
    out: list[ActionFields] = []
    letter = table.letters["id"]
    match = ID_PATTERN.match
    col = table.column
    rows = zip(
        table.numbers,
        col("id"),
        col("priority"),
        col("department"),
        col("action"),
        col("metric_text"),
        col("schedule"),
        col("responsible"),
        col("origin"),
        col("active"),
        strict=True,
    )
    for i, (number, aid, pid, did, text, mt, schedule, resp, origin, act) in enumerate(rows):
        active = _flag_text(act, True)
        if (
            aid
            and pid
            and did
            and text
            and active is not None
            and (priority_ids is None or pid in priority_ids)
            and (department_ids is None or did in department_ids)
            and aid not in seen
            and match(aid)
        ):
            seen[aid] = f"{letter}{number}"
            out.append((aid, pid, did, text, mt, schedule, resp, origin, active))
        else:
            _action_row(table.row(i), chk, priority_ids, department_ids, seen, out)
    return out


def _action_row(
    row: Row,
    chk: Checker,
    priority_ids: set[str] | None,
    department_ids: set[str] | None,
    seen: dict[str, str],
    out: list[ActionFields],
) -> None:
    sheet = "actions"
    chk.required(sheet, row, ("id", "priority", "department", "action"))
    aid = chk.ident(sheet, row, "id", seen)
    pid, did = row.text("priority"), row.text("department")
    if pid and priority_ids is not None and pid not in priority_ids:
        chk.add(sheet, row, "priority", f"unknown priority {pid!r} (not on the priorities sheet)")
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
                aid,
                pid,
                did,
                row.text("action"),
                row.text("metric_text"),
                row.text("schedule"),
                row.text("responsible"),
                row.text("origin"),
                active,
            )
        )


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
