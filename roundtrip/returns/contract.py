"""The return workbook's shape, shared by the writer (generate) and the reader (collect).

Nothing here does I/O. The reader must never rely on positions alone: sheets are found by
name in any language (or by their header row), columns by header text in any language, and
rows by the action/metric ID in the ID column.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from roundtrip.language.wording import wording
from roundtrip.programme.model import LANGUAGES

FORMAT_VERSION = "1"

SHEET_KEYS = ("instructions", "actions", "metrics", "proposals", "lists", "identity")

HEADER_ROW = 3  # 1-based row of column headers on actions/metrics/proposals
FIRST_DATA_ROW = 4  # 1-based
PROPOSAL_ROWS = 15

# Defined names on the hidden lists sheet (list validations refer to these).
STATUS_NAME = "rt_status"
YESNO_NAME = "rt_yesno"
PRIORITY_NAME = "rt_priority"

ROLE_ID = "id"  # locked, identifies the row
ROLE_CONTEXT = "context"  # locked programme information
ROLE_PLAN = "plan"  # programme field: locked when filled, unlocked when blank in the plan
ROLE_PREVIOUS = "previous"  # locked, last period's answer
ROLE_INPUT = "input"  # unlocked, the department's answer


@dataclass(frozen=True)
class Column:
    key: str
    role: str
    width: float


ACTION_COLUMNS: tuple[Column, ...] = (
    Column("action_id", ROLE_ID, 9),
    Column("priority", ROLE_CONTEXT, 18),
    Column("action", ROLE_CONTEXT, 40),
    Column("metric", ROLE_PLAN, 26),
    Column("schedule", ROLE_PLAN, 13),
    Column("responsible", ROLE_PLAN, 18),
    Column("prev_period", ROLE_PREVIOUS, 9),
    Column("prev_status", ROLE_PREVIOUS, 16),
    Column("prev_progress", ROLE_PREVIOUS, 10),
    Column("prev_comment", ROLE_PREVIOUS, 26),
    Column("status", ROLE_INPUT, 22),
    Column("progress", ROLE_INPUT, 11),
    Column("comment", ROLE_INPUT, 40),
)

# The partners of a shared action, after `responsible`: only in a workbook that lists one (the
# lead's names its partners, a partner's names the lead), so a programme without partners
# keeps the workbook it had. The reader finds it by its header, and never needs it.
PARTNERS_COLUMN = Column("partners", ROLE_CONTEXT, 22)
ACTION_COLUMNS_WITH_PARTNERS: tuple[Column, ...] = (
    *ACTION_COLUMNS[: [col.key for col in ACTION_COLUMNS].index("responsible") + 1],
    PARTNERS_COLUMN,
    *ACTION_COLUMNS[[col.key for col in ACTION_COLUMNS].index("responsible") + 1 :],
)

# A hint from the health rules on the action's row (roundtrip.health: "schedule ended 2024:
# update the schedule or mark the action done"), last, after the answer it asks for: only in
# a workbook with one, so a workbook without hints is the one it was, and no answer column
# moves. Like the partners column, the reader finds it by its header and never needs it.
HINT_COLUMN = Column("hint", ROLE_CONTEXT, 30)


def _with_hint(columns: tuple[Column, ...]) -> tuple[Column, ...]:
    return (*columns, HINT_COLUMN)


METRIC_COLUMNS: tuple[Column, ...] = (
    Column("metric_id", ROLE_ID, 12),
    Column("action_id", ROLE_CONTEXT, 9),
    Column("action", ROLE_CONTEXT, 32),
    Column("metric", ROLE_CONTEXT, 32),
    Column("kind", ROLE_CONTEXT, 11),
    Column("unit", ROLE_CONTEXT, 9),
    Column("baseline", ROLE_CONTEXT, 10),
    Column("target", ROLE_CONTEXT, 10),
    Column("prev_period", ROLE_PREVIOUS, 9),
    Column("prev_value", ROLE_PREVIOUS, 12),
    Column("value", ROLE_INPUT, 14),
    Column("comment", ROLE_INPUT, 36),
)

PROPOSAL_COLUMNS: tuple[Column, ...] = (
    Column("priority", ROLE_INPUT, 24),
    Column("action", ROLE_INPUT, 40),
    Column("metric", ROLE_INPUT, 26),
    Column("schedule", ROLE_INPUT, 13),
    Column("responsible", ROLE_INPUT, 18),
    Column("comment", ROLE_INPUT, 36),
)

# Sign-off: who approved the return, and when. Two input cells at the top of the actions
# sheet, above the answers: on SIGNOFF_ROWS, the label (locked) in the column of
# SIGNOFF_LABEL_COLUMN and the value in the next one (merged over the columns up to
# SIGNOFF_LAST_COLUMN, so a name or a date has room). Above the header row, so sorting the
# answers never moves them. The reader finds each value cell by its defined name (which
# Excel and LibreOffice move with inserted columns), else as the cell right of its label in
# any language; a workbook made before they existed has neither.
SIGNOFF_KEYS = ("approved_by", "approved_on")
SIGNOFF_ROWS = {"approved_by": 1, "approved_on": 2}  # 1-based, above HEADER_ROW
SIGNOFF_LABEL_COLUMN = "status"
SIGNOFF_LAST_COLUMN = "comment"
SIGNOFF_NAMES = {"approved_by": "rt_approved_by", "approved_on": "rt_approved_on"}
SIGNOFF_YEARS = (2000, 2099)  # an approval date outside these years is a typing mistake

COLUMNS: dict[str, tuple[Column, ...]] = {
    "actions": ACTION_COLUMNS,
    "metrics": METRIC_COLUMNS,
    "proposals": PROPOSAL_COLUMNS,
}

# Identity sheet: column A key, column B value (all stored as text), one field per row,
# in this order from row 1, then the signature row.
IDENTITY_FIELDS = (
    "format_version",
    "programme_id",
    "programme_version",
    "department_id",
    "period",
    "generated_at",
    "language",
    "action_ids",  # space-separated, in row order of the actions sheet
    "metric_ids",  # space-separated, in row order of the metrics sheet
)
SIGNATURE_FIELD = "signature"


def norm_label(text: object) -> str:
    """Case-, width- and whitespace-insensitive form used to match labels and headers."""
    return _norm_label(str(text or ""))


@functools.lru_cache(maxsize=8192)  # the same headers and sheet names in every return
def _norm_label(text: str) -> str:
    s = unicodedata.normalize("NFKC", text)
    # Invisible format characters (zero-width space, BOM, soft hyphen...) never matter.
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Cf")
    return " ".join(s.split()).casefold()


def header(language: str, sheet_key: str, column_key: str) -> str:
    text: str = wording(language)[sheet_key][column_key]  # the catalogue: all strings
    return text


def headers(language: str, sheet_key: str) -> list[str]:
    return [header(language, sheet_key, c.key) for c in COLUMNS[sheet_key]]


def action_columns(partners: bool, hints: bool = False) -> tuple[Column, ...]:
    """The actions sheet's columns: with the partners column or without, with the hint
    column or without."""
    columns = ACTION_COLUMNS_WITH_PARTNERS if partners else ACTION_COLUMNS
    return _with_hint(columns) if hints else columns


def header_lookup(sheet_key: str) -> dict[str, str]:
    """Normalised header text (any language) -> column key."""
    out: dict[str, str] = {}
    every = (
        _with_hint(ACTION_COLUMNS_WITH_PARTNERS) if sheet_key == "actions" else COLUMNS[sheet_key]
    )
    for lang in LANGUAGES:
        for col in every:
            out.setdefault(norm_label(header(lang, sheet_key, col.key)), col.key)
    return out


def signoff_label_lookup() -> dict[str, str]:
    """Normalised label of a sign-off cell (any language) -> its key (approved_by...)."""
    out: dict[str, str] = {}
    for lang in LANGUAGES:
        for key in SIGNOFF_KEYS:
            out.setdefault(norm_label(wording(lang)["signoff"][key]), key)
    return out


def sheet_name_lookup() -> dict[str, str]:
    """Normalised sheet name (any language) -> sheet key."""
    out: dict[str, str] = {}
    for lang in LANGUAGES:
        for key, name in wording(lang)["sheets"].items():
            out.setdefault(norm_label(name), key)
    return out


def canonical(fields: Mapping[str, str]) -> bytes:
    """The signed message: every identity field in the fixed order, as text."""
    return "\n".join(f"{k}={fields.get(k, '')}" for k in IDENTITY_FIELDS).encode("utf-8")


def sign(fields: Mapping[str, str], secret: bytes) -> str:
    return hmac.new(secret, canonical(fields), hashlib.sha256).hexdigest()


def verify(fields: Mapping[str, str], signature: str, secret: bytes) -> bool:
    return hmac.compare_digest(sign(fields, secret), str(signature or "").strip().lower())


_WINDOWS_RESERVED = {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"} | {
    f"{p}{i}" for p in ("COM", "LPT") for i in (*range(1, 10), "¹", "²", "³")
}
_UNSAFE = re.compile(r'[<>:"/\\|?*,;\x00-\x1f\x7f-\x9f]+')


def safe_filename(stem: str, suffix: str = ".xlsx", max_len: int = 120) -> str:
    """A file name that is valid on Windows, macOS and Linux and survives email."""
    s = unicodedata.normalize("NFC", str(stem))
    s = _UNSAFE.sub(" ", s)
    s = "_".join(s.split())
    s = s.strip(" ._") or "file"
    if s.split(".")[0].upper() in _WINDOWS_RESERVED:
        s = "_" + s
    return s[:max_len].rstrip(" ._") + suffix


def return_filename(period: str, department_id: str, department_name: str) -> str:
    return safe_filename(f"{period}_{department_id}_{department_name}")
