"""What programme.xlsx calls its sheets, columns, settings and words, in fi, sv and en.

The one table of programme.xlsx's names: each is a catalogue message, so the file is written
in the programme's language and read in any of the three (sheet by sheet, header by header,
setting by setting; case, spaces and underscores ignored). The English names are the message
ids and the internal keys, so every programme.xlsx written before the translation still
reads. `Names` is what one file calls them, so that every problem names a cell as the
coordinator sees it.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections import Counter
from collections.abc import Iterable, Mapping

from roundtrip.language import C_, N_, Message, tr
from roundtrip.language.wording import wording
from roundtrip.programme.model import LANGUAGES, METRIC_KINDS
from roundtrip.programme.periods import CADENCE_NAMES

FILE_LABEL = "programme.xlsx"

# ---------------------------------------------------------------------------- names

SHEET_NAMES: dict[str, Message] = {
    "settings": C_("programme sheet", "settings"),
    "priorities": C_("programme sheet", "priorities"),
    "departments": C_("programme sheet", "departments"),
    "actions": C_("programme sheet", "actions"),
    "metrics": C_("programme sheet", "metrics"),
    "targets": C_("programme sheet", "targets"),
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
        "partners": C_("programme actions column", "partners"),
        "start": C_("programme actions column", "start"),
        "end": C_("programme actions column", "end"),
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
    "targets": {
        "metric_id": C_("programme targets column", "metric_id"),
        "period": C_("programme targets column", "period"),
        "target": C_("programme targets column", "target"),
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
# Sheets a programme.xlsx may leave out (one written before they existed reads as before).
OPTIONAL_SHEETS = ("targets",)
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
    "reminder_gap_days": C_("programme setting", "reminder_gap_days"),
    "smtp_host": C_("programme setting", "smtp_host"),
    "smtp_port": C_("programme setting", "smtp_port"),
    "smtp_security": C_("programme setting", "smtp_security"),
    "smtp_user": C_("programme setting", "smtp_user"),
    "mail_sender": C_("programme setting", "mail_sender"),
    "mail_limit_mb": C_("programme setting", "mail_limit_mb"),
    "signature": C_("programme setting", "signature"),
    "partners_report": C_("programme setting", "partners_report"),
    "sign_off": C_("programme setting", "sign_off"),
    "stale_periods": C_("programme setting", "stale_periods"),
    "overdue_grace": C_("programme setting", "overdue_grace"),
    "off_target_margin": C_("programme setting", "off_target_margin"),
    "publish_comments": C_("programme setting", "publish_comments"),
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
    "partners_report": N_(
        "Partner departments report on the actions they share too ({yes}/{no}); {no}: only "
        "the lead department reports"
    ),
    "coordinator": N_("Coordinator's name, shown in the instructions"),
    "coordinator_email": N_("Coordinator's e-mail, shown in the instructions"),
    "reminder_gap_days": N_(
        "Days before a department gets the same kind of reminder again (roundtrip mail)"
    ),
    "smtp_host": N_(
        "Mail server that sends the messages (roundtrip mail --send); empty: drafts only"
    ),
    "smtp_port": N_(
        "Mail server port; 0: the usual one (587 with starttls, 465 with ssl, 25 with none)"
    ),
    "smtp_security": N_("Connection to the mail server: starttls, ssl or none"),
    "smtp_user": N_(
        "User name on the mail server. The password is never written here: it is read from "
        "the environment variable ROUNDTRIP_SMTP_PASSWORD"
    ),
    "mail_sender": N_("Sender (From) address of the messages; empty: the coordinator's e-mail"),
    "mail_limit_mb": N_(
        "Attachments larger than this many megabytes are flagged (many mail servers refuse "
        "10 MB and more)"
    ),
    "signature": N_(
        "Signature under every message; empty: the coordinator's name and the organisation"
    ),
    "sign_off": N_(
        "What collect does when a return's approver (a name and a date at the top of its "
        "actions sheet) is missing: {off}: nothing; {warn}: a warning, the return is "
        "accepted; {required}: the return is rejected"
    ),
    "stale_periods": N_(
        "Periods running without an answer, or with the same status and progress and no "
        "comment, before the summary calls an action stale (0: never)"
    ),
    "overdue_grace": N_(
        "Periods after the end of its schedule before the summary calls an unfinished action "
        "overdue (0: from the first period after the end)"
    ),
    "off_target_margin": N_(
        "How many per cent a metric may fall behind the straight line from its baseline to "
        "its target before the summary calls it behind target"
    ),
    "publish_comments": N_(
        "The public progress site (roundtrip publish) shows the departments' comments and "
        "contact details ({yes}/{no}); {no}: only statuses, progress and metrics"
    ),
}
SETTING_KEYS = tuple(SETTING_NAMES)
REQUIRED_SETTINGS = ("programme_id", "name", "language", "cadence")
YES_NAME = C_("programme value", "yes")
NO_NAME = C_("programme value", "no")
# The values of the sign_off setting (model.SIGN_OFF_MODES), written in the file's language.
SIGN_OFF_NAMES: dict[str, Message] = {
    "off": C_("programme value", "off"),
    "warn": C_("programme value", "warn"),
    "required": C_("programme value", "required"),
}
REQUIRED_COLUMNS: dict[str, tuple[str, ...]] = {
    "settings": ("key", "value"),
    "priorities": ("id", "title"),
    "departments": ("id", "name"),
    "actions": ("id", "priority", "department", "action"),
    "metrics": ("metric_id", "action_id", "metric"),
    "targets": ("metric_id", "period", "target"),
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
        "partners": 14,
        "start": 9,
        "end": 9,
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
    "targets": {"metric_id": 14, "period": 14, "target": 12},
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


@functools.cache
def sign_off_lookup() -> dict[str, str]:
    """A folded sign_off value in any language -> its key (off, warn, required)."""
    return {name: key for name, (key, _langs) in _lookup(SIGN_OFF_NAMES).items()}


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


def sign_off_name(mode: str, language: str) -> str:
    """A sign_off value as written in `language` ("required" -> "pakollinen")."""
    return tr(language, SIGN_OFF_NAMES[mode]) if mode in SIGN_OFF_NAMES else mode


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


_YES_WORDS = {"yes", "y", "true", "1", "x", "kyllä", "k", "ja", "j", "tosi", "sant"}
_NO_WORDS = {"no", "n", "false", "0", "ei", "e", "nej", "epätosi", "falskt", ""}


@functools.cache
def flag_words() -> tuple[frozenset[str], frozenset[str]]:
    """The yes and the no words, with the catalogue's in every language."""
    yes = {*_YES_WORDS, *(tr(lang, YES_NAME).casefold() for lang in LANGUAGES)}
    no = {*_NO_WORDS, *(tr(lang, NO_NAME).casefold() for lang in LANGUAGES)}
    return frozenset(yes), frozenset(no)


def flag_text(
    text: str, default: bool, words: tuple[frozenset[str], frozenset[str]]
) -> bool | None:
    """Checker.flag on a cell's text when it is a yes/no word or blank; None otherwise."""
    if not text:
        return default
    low = text.lower()
    yes, no = words
    return True if low in yes else False if low in no else None


@functools.cache
def kind_lookup() -> dict[str, str]:
    out = {k: k for k in METRIC_KINDS}
    for lang in LANGUAGES:
        for key, label in wording(lang).get("kinds", {}).items():
            out.setdefault(str(label).lower(), key)
    out.update({"yes/no": "yesno", "%": "percent", "boolean": "yesno"})
    return out
