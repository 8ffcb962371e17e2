"""What an annotated copy says, and where: shared by both ways of writing one.

The annotated copy is written by patching the returned package (collect.annotate, the usual
way) or through openpyxl (collect.feedback, for what patching declines); both take their words,
colours, comment text, problem cells and list-sheet title from here, so they say the same.
Pure: no files.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from roundtrip.errors import Problem
from roundtrip.resources import wording

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")

ERROR_FILL = "FFC7CE"  # red (Excel's "bad")
WARNING_FILL = "FFEB9C"  # amber (Excel's "neutral")
ERROR_FONT = "9C0006"
WARNING_FONT = "9C5700"


def words(language: str) -> dict[str, str]:
    return wording(language)["report"]


def severity_rank(p: Problem) -> int:
    return 0 if p.severity == "error" else 1


def wrapped_lines(text: str, width: float) -> int:
    """Rough number of wrapped lines `text` needs in a column `width` characters wide."""
    chars = max(1, int(width * 1.1))
    return sum(max(1, -(-len(part) // chars)) for part in str(text or "").split("\n"))


def sheet_title(name: str) -> str:
    """A valid Excel sheet name (31 characters, no []:*?/\\)."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", name).strip("' ") or "Sheet"
    return cleaned[:31]


def comment_line(p: Problem, w: dict[str, str]) -> str:
    sev = w["error"] if p.severity == "error" else w["warning"]
    return f"{sev}: {p.message}"


# The control characters XML 1.0 forbids (tab, line feed and carriage return are allowed):
# openpyxl's ILLEGAL_CHARACTERS_RE, here so that an annotated copy made straight in the XML
# never imports openpyxl (half a second in every process making copies).
ILLEGAL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def clean(value: object, limit: int = 32767) -> str:
    """Text openpyxl can store: no XML-illegal control characters, Excel's length limit."""
    return ILLEGAL_CHARACTERS.sub("\ufffd", "" if value is None else str(value))[:limit]


def unique_title(names: Iterable[str], base: str) -> str:
    """`base`, or `base (2)`... when a sheet of that name exists (Excel compares names
    case-insensitively)."""
    existing = {t.casefold() for t in names}
    if base.casefold() not in existing:
        return base
    n = 2
    while f"{base[:27]} ({n})".casefold() in existing:
        n += 1
    return f"{base[:27]} ({n})"


def first_cell(ref: str) -> str | None:
    """`B7` (or the first cell of `B7:C9`) in canonical form, or None when not a cell."""
    if not ref:
        return None
    m = _CELL.match(ref.split(":")[0].strip())
    if not m:
        return None
    col, row = m.group(1).upper(), int(m.group(2))
    if row < 1 or row > 1_048_576 or _column_index(col) > 16_384:
        return None
    return f"{col}{row}"


def _column_index(col: str) -> int:
    n = 0
    for ch in col:
        n = n * 26 + ord(ch) - 64
    return n
