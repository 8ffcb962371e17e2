"""programme.xlsx format constants, its names in fi, sv and en, and row-level checks.

Pure functions over cell values (used by roundtrip.programme.workbook): every problem
becomes a Problem with sheet and cell, named as the file names them.

The names below are the one table of what programme.xlsx calls its sheets, columns,
settings and words: each is a catalogue message, so the file is written in the programme's
language and read in any of the three (sheet by sheet, header by header, setting by
setting; case, spaces and underscores ignored). The English names are the message ids and
the internal keys, so every programme.xlsx written before the translation still reads.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

from roundtrip.errors import Problem, UsageError
from roundtrip.language import C_, N_, Message, _, language_of, tr
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
from roundtrip.programme.periods import CADENCE_NAMES, CADENCES, parse_period

FILE_LABEL = "programme.xlsx"

# ---------------------------------------------------------------------------- names

SHEET_NAMES: dict[str, Message] = {
    "settings": C_("programme sheet", "settings"),
    "priorities": C_("programme sheet", "priorities"),
    "departments": C_("programme sheet", "departments"),
    "actions": C_("programme sheet", "actions"),
    "metrics": C_("programme sheet", "metrics"),
    "statuses": C_("programme sheet", "statuses"),
}
# sheet -> column -> name, in the written order; the first column of each is its key column.
COLUMN_NAMES: dict[str, dict[str, Message]] = {
    "settings": {
        "key": C_("programme settings column", "key"),
        "value": C_("programme settings column", "value"),
        "help": C_("programme settings column", "help"),
    },
    "priorities": {
        "id": C_("programme priorities column", "id"),
        "title": C_("programme priorities column", "title"),
    },
    "departments": {
        "id": C_("programme departments column", "id"),
        "name": C_("programme departments column", "name"),
        "contact": C_("programme departments column", "contact"),
        "email": C_("programme departments column", "email"),
    },
    "actions": {
        "id": C_("programme actions column", "id"),
        "priority": C_("programme actions column", "priority"),
        "department": C_("programme actions column", "department"),
        "action": C_("programme actions column", "action"),
        "metric_text": C_("programme actions column", "metric_text"),
        "schedule": C_("programme actions column", "schedule"),
        "responsible": C_("programme actions column", "responsible"),
        "origin": C_("programme actions column", "origin"),
        "active": C_("programme actions column", "active"),
    },
    "metrics": {
        "metric_id": C_("programme metrics column", "metric_id"),
        "action_id": C_("programme metrics column", "action_id"),
        "metric": C_("programme metrics column", "metric"),
        "kind": C_("programme metrics column", "kind"),
        "unit": C_("programme metrics column", "unit"),
        "baseline": C_("programme metrics column", "baseline"),
        "target": C_("programme metrics column", "target"),
        "higher_is_better": C_("programme metrics column", "higher_is_better"),
    },
    "statuses": {
        "key": C_("programme statuses column", "key"),
        "label": C_("programme statuses column", "label"),
        "colour": C_("programme statuses column", "colour"),
        "done": C_("programme statuses column", "done"),
        "needs_comment": C_("programme statuses column", "needs_comment"),
        "attention": C_("programme statuses column", "attention"),
        "aliases": C_("programme statuses column", "aliases"),
    },
}
COLUMNS: dict[str, tuple[str, ...]] = {sheet: tuple(c) for sheet, c in COLUMN_NAMES.items()}
SETTING_NAMES: dict[str, Message] = {
    "programme_id": C_("programme setting", "programme_id"),
    "name": C_("programme setting", "name"),
    "organisation": C_("programme setting", "organisation"),
    "language": C_("programme setting", "language"),
    "cadence": C_("programme setting", "cadence"),
    "first_period": C_("programme setting", "first_period"),
    "last_period": C_("programme setting", "last_period"),
    "deadline_days": C_("programme setting", "deadline_days"),
    "coordinator": C_("programme setting", "coordinator"),
    "coordinator_email": C_("programme setting", "coordinator_email"),
}
SETTINGS_HELP = {
    "programme_id": N_(
        "Stable identifier of the programme (letters, digits, - _ .); never change it"
    ),
    "name": N_("Programme name, shown in every workbook"),
    "organisation": N_("Organisation (municipality)"),
    "language": N_("Workbook language: fi, sv or en"),
    "cadence": N_("Reporting cadence: {quarter}, {half} or {year}"),
    "first_period": N_("First reporting period, e.g. 2023Q3 (2023H2 or 2023 for other cadences)"),
    "last_period": N_("Last reporting period, e.g. 2026Q4"),
    "deadline_days": N_("Days after the end of a period by which returns are due"),
    "coordinator": N_("Coordinator's name, shown in the instructions"),
    "coordinator_email": N_("Coordinator's e-mail, shown in the instructions"),
}
SETTING_KEYS = tuple(SETTING_NAMES)
REQUIRED_SETTINGS = ("programme_id", "name", "language", "cadence")
YES_NAME = C_("programme value", "yes")
NO_NAME = C_("programme value", "no")
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


def fold(text: str) -> str:
    """A name as compared: case, spaces and underscores ignored ("Metric ID" = "metric_id")."""
    return "".join(text.replace("_", " ").split()).casefold()


Lookup = dict[str, tuple[str, frozenset[str]]]
"""A folded name -> (the internal key it names, the languages that name it so)."""


def _lookup(names: Mapping[str, Message]) -> Lookup:
    found: dict[str, tuple[str, set[str]]] = {}
    for key, message in names.items():
        for lang in LANGUAGES:
            # The first key keeps a name (tests/test_programme checks that none is shared).
            entry = found.setdefault(fold(tr(lang, message)), (key, set()))
            if entry[0] == key:
                entry[1].add(lang)
        found.setdefault(fold(key), (key, {"en"}))  # the internal key, always
    return {name: (key, frozenset(langs)) for name, (key, langs) in found.items()}


@functools.cache
def sheet_lookup() -> Lookup:
    return _lookup(SHEET_NAMES)


@functools.cache
def column_lookup(sheet: str) -> Lookup:
    return _lookup(COLUMN_NAMES[sheet])


@functools.cache
def setting_lookup() -> Lookup:
    return _lookup(SETTING_NAMES)


@functools.cache
def cadence_lookup() -> dict[str, str]:
    return {name: key for name, (key, _langs) in _lookup(CADENCE_NAMES).items()}


def sheet_name(sheet: str, language: str) -> str:
    """What a programme.xlsx in `language` calls `sheet` ("actions" -> "toimenpiteet")."""
    return tr(language, SHEET_NAMES[sheet])


def column_name(sheet: str, column: str, language: str) -> str:
    """What a programme.xlsx in `language` calls `column` of `sheet`."""
    return tr(language, COLUMN_NAMES[sheet][column])


def setting_name(key: str, language: str) -> str:
    """What a programme.xlsx in `language` calls the setting `key`."""
    return tr(language, SETTING_NAMES[key])


def cadence_name(cadence: str, language: str) -> str:
    return tr(language, CADENCE_NAMES[cadence]) if cadence in CADENCE_NAMES else cadence


def kind_name(kind: str, language: str) -> str:
    """A metric kind as written in `language` ("count" -> "lukumäärä")."""
    return str(wording(language)["kinds"].get(kind, kind))


def flag_name(value: bool, language: str) -> str:
    return tr(language, YES_NAME if value else NO_NAME)


def most_common_language(languages: Iterable[frozenset[str]], default: str) -> str:
    """The language most of the names found are in (`default` first on a tie, or none)."""
    counts: Counter[str] = Counter()
    for langs in languages:
        counts.update(langs)
    if not counts:
        return default
    best = max(counts.values())
    order = [default, *LANGUAGES]
    return next(lang for lang in order if counts.get(lang) == best)


class Names:
    """What one programme.xlsx calls its sheets, columns and settings: as the file has them,
    else as the file's language would (for what is missing), so every problem names a cell
    the way the coordinator sees it."""

    def __init__(self, language: str):
        self.language = language  # the language most of the file's sheet names are in
        self.sheets: dict[str, str] = {}  # sheet -> its title in the file
        self.headers: dict[str, dict[str, str]] = {}  # sheet -> column -> its header text
        self.sheet_languages: dict[str, str] = {}  # sheet -> the language of its headers
        self.settings: dict[str, str] = {}  # setting -> its name in the file

    def sheet(self, sheet: str) -> str:
        return self.sheets.get(sheet) or sheet_name(sheet, self.language)

    def column(self, sheet: str, column: str) -> str:
        got = self.headers.get(sheet, {}).get(column)
        return got or column_name(sheet, column, self.sheet_languages.get(sheet, self.language))

    def setting(self, key: str) -> str:
        return self.settings.get(key) or setting_name(key, self.language)

    def word(self, message: Message | str) -> str:
        """A word of the file's language (yes, no, a cadence)."""
        return tr(self.language, message)

    def yes_no(self) -> dict[str, str]:
        return {"yes": self.word(YES_NAME), "no": self.word(NO_NAME)}


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


@functools.cache
def flag_words() -> tuple[frozenset[str], frozenset[str]]:
    """The yes and the no words, with the catalogue's in every language."""
    yes = {*_YES_WORDS, *(tr(lang, YES_NAME).casefold() for lang in LANGUAGES)}
    no = {*_NO_WORDS, *(tr(lang, NO_NAME).casefold() for lang in LANGUAGES)}
    return frozenset(yes), frozenset(no)


def _flag_text(
    text: str, default: bool, words: tuple[frozenset[str], frozenset[str]]
) -> bool | None:
    """Checker.flag on a cell's text when it is a yes/no word or blank; None otherwise."""
    if not text:
        return default
    low = text.lower()
    yes, no = words
    return True if low in yes else False if low in no else None


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


@functools.cache
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


def read_settings(rows: list[Row], chk: Checker) -> Settings:
    sheet = "settings"
    names = chk.names
    lookup = setting_lookup()
    found: dict[str, Any] = {}
    where: dict[str, Row] = {}
    for row in rows:
        written = row.text("key")
        key = lookup.get(fold(written), ("", frozenset()))[0]
        if not written:
            chk.add(sheet, row, "key", _("setting name is empty"))
        elif not key:
            known = ", ".join(names.setting(k) for k in SETTING_KEYS)
            chk.add(
                sheet,
                row,
                "key",
                _("unknown setting {name!r} (known: {known})").format(name=written, known=known),
            )
        elif key in found:
            chk.add(
                sheet,
                row,
                "key",
                _("setting {name!r} given twice (first at row {row})").format(
                    name=written, row=where[key].number
                ),
            )
        else:
            found[key], where[key] = row.values.get("value"), row
            names.settings[key] = written
    anchor = rows[0] if rows else Row(1, {}, {"key": "A", "value": "B"})
    for key in REQUIRED_SETTINGS:
        if key not in found:
            chk.add(
                sheet, anchor, "key", _("missing setting {name!r}").format(name=names.setting(key))
            )
        elif cell_text(found[key]) == "":
            chk.add(
                sheet,
                where[key],
                "value",
                _("{name} is empty (required)").format(name=names.setting(key)),
            )

    def text(key: str) -> str:
        return cell_text(found.get(key))

    values: dict[str, Any] = {k: text(k) for k in SETTING_KEYS if k in found}
    if values.get("programme_id") and not ID_PATTERN.match(values["programme_id"]):
        chk.add(
            sheet,
            where["programme_id"],
            "value",
            _("{name} may hold only letters, digits, '-', '_', '.'").format(
                name=names.setting("programme_id")
            ),
        )
    written_language = text("language")
    lang = language_of(written_language) if written_language else None
    if written_language and lang is None:
        chk.add(
            sheet,
            where["language"],
            "value",
            _("unknown language {value!r} (use fi, sv or en)").format(value=written_language),
        )
    values["language"] = lang or "fi"
    written_cadence = text("cadence")
    cadence = cadence_lookup().get(fold(written_cadence), "") if written_cadence else ""
    if written_cadence and not cadence:
        chk.add(
            sheet,
            where["cadence"],
            "value",
            _("unknown cadence {value!r} (use {quarter}, {half} or {year})").format(
                value=written_cadence, **{c: names.word(CADENCE_NAMES[c]) for c in CADENCES}
            ),
        )
    values["cadence"] = cadence or "quarter"
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
                _("{name} must be a whole number of days 0–366, not {value!r}").format(
                    name=names.setting("deadline_days"), value=text("deadline_days")
                ),
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
                chk.add(sheet, where[key], "value", f"{names.setting(key)}: {exc}")
    if len(periods) == 2 and periods["first_period"] > periods["last_period"]:
        chk.add(
            sheet,
            where["last_period"],
            "value",
            _("{last_name} {last} is before {first_name} {first}").format(
                last_name=names.setting("last_period"),
                last=periods["last_period"],
                first_name=names.setting("first_period"),
                first=periods["first_period"],
            ),
        )
    values.setdefault("programme_id", "")
    values.setdefault("name", "")
    values.setdefault("organisation", "")
    return Settings(**values)


def settings_language(rows: list[Row]) -> str | None:
    """The programme's language as its settings sheet gives it (None when it does not say),
    before any check: the console speaks it while the problems are told."""
    lookup = setting_lookup()
    for row in rows:
        if lookup.get(fold(row.text("key")), ("", frozenset()))[0] == "language":
            return language_of(row.text("value"))
    return None


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
    words = flag_words()
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
        higher = _flag_text(hib, True, words)
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
        chk.add(
            sheet,
            row,
            "action_id",
            _("unknown action {value!r} (not on the {sheet} sheet)").format(
                value=aid, sheet=chk.names.sheet("actions")
            ),
        )
    raw_kind = row.text("kind")
    kind = kinds.get(raw_kind.lower(), "") if raw_kind else "text"
    if not kind:
        language = chk.names.sheet_languages.get(sheet, chk.names.language)
        chk.add(
            sheet,
            row,
            "kind",
            _("unknown metric kind {value!r} (use {kinds})").format(
                value=raw_kind, kinds=", ".join(kind_name(k, language) for k in METRIC_KINDS)
            ),
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
    words = flag_words()
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
        active = _flag_text(act, True, words)
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
        chk.add(
            sheet,
            row,
            "priority",
            _("unknown priority {value!r} (not on the {sheet} sheet)").format(
                value=pid, sheet=chk.names.sheet("priorities")
            ),
        )
    if did and department_ids is not None and did not in department_ids:
        chk.add(
            sheet,
            row,
            "department",
            _("unknown department {value!r} (not on the {sheet} sheet)").format(
                value=did, sheet=chk.names.sheet("departments")
            ),
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
                sheet,
                row,
                "label",
                _("duplicate {name} {value!r} (first at {cell})").format(
                    name=chk.column(sheet, "label"), value=label, cell=labels[label.lower()]
                ),
            )
        elif label:
            labels[label.lower()] = row.cell("label")
        colour_text = row.text("colour")
        m = COLOUR_PATTERN.match(colour_text)
        if colour_text and not m:
            chk.add(
                sheet,
                row,
                "colour",
                _("{name} must be #RRGGBB (e.g. #63BE7B), not {value!r}").format(
                    name=chk.column(sheet, "colour"), value=colour_text
                ),
            )
        flags = {k: chk.flag(sheet, row, k, False) for k in ("done", "needs_comment", "attention")}
        aliases = tuple(a.strip() for a in row.text("aliases").split(";") if a.strip())
        if key and label and m:
            out.append(Status(key, label, "#" + m.group(1).upper(), aliases=aliases, **flags))
    if not rows:
        chk.problems.append(
            Problem(chk.file, _("no statuses defined"), sheet=chk.names.sheet(sheet), cell="A2")
        )
    return tuple(out)
