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
from roundtrip.language.wording import wording
from roundtrip.xlsx.text import (
    MAX_CELL_UNITS,
    MAX_COLS,
    MAX_ROWS,
    MAX_SHEET_NAME,
    column_index,
    legal,
)

_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]{1,7})$")

ERROR_FILL = "FFC7CE"  # red (Excel's "bad")
WARNING_FILL = "FFEB9C"  # amber (Excel's "neutral")
ERROR_FONT = "9C0006"
WARNING_FONT = "9C5700"


def words(language: str) -> dict[str, str]:
    """The wording of reports and annotated copies in `language`."""
    got: dict[str, str] = wording(language)["report"]
    return got


def severity_rank(p: Problem) -> int:
    return 0 if p.severity == "error" else 1


def wrapped_lines(text: str, width: float) -> int:
    """Rough number of wrapped lines `text` needs in a column `width` characters wide."""
    chars = max(1, int(width * 1.1))
    return sum(max(1, -(-len(part) // chars)) for part in str(text or "").split("\n"))


def sheet_title(name: str) -> str:
    """A valid Excel sheet name (31 characters, no []:*?/\\)."""
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", name).strip("' ") or "Sheet"
    return cleaned[:MAX_SHEET_NAME]


def comment_line(p: Problem, w: dict[str, str]) -> str:
    sev = w["error"] if p.severity == "error" else w["warning"]
    return f"{sev}: {p.message}"


def clean(value: object, limit: int = MAX_CELL_UNITS) -> str:
    """Text any XML writer can store (openpyxl refuses control characters, and U+FFFE and
    U+FFFF are not XML at all): each such character U+FFFD, cut at `limit` UTF-16 units.
    Made here rather than by openpyxl, so that a copy made straight in the XML never imports
    openpyxl. The XML escaping is the writer's (the fast path: xlsx.text.cell_text)."""
    return legal(value, limit)


def unique_title(names: Iterable[str], base: str) -> str:
    """`base`, or `base (2)`... when a sheet of that name exists (Excel compares names
    case-insensitively)."""
    existing = {t.casefold() for t in names}
    if base.casefold() not in existing:
        return base
    n = 2
    while f"{base[:_SHORT]} ({n})".casefold() in existing:
        n += 1
    return f"{base[:_SHORT]} ({n})"


_SHORT = MAX_SHEET_NAME - 4  # room for " (n)"


def first_cell(ref: str) -> str | None:
    """`B7` (or the first cell of `B7:C9`) in canonical form, or None when not a cell."""
    if not ref:
        return None
    m = _CELL.match(ref.split(":")[0].strip())
    if not m:
        return None
    col, row = m.group(1).upper(), int(m.group(2))
    if row < 1 or row > MAX_ROWS or column_index(col) > MAX_COLS:
        return None
    return f"{col}{row}"
