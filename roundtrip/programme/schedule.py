"""An action's schedule: its bounds (a year or a period) and reading them out of the words
a plan writes ("2020–2021", "2024 →", "syksyllä 2025", "Ohjelmakaudella 2023-2026").

Pure functions: no I/O. A bound is text, ``2025`` (a year), ``2025Q3`` (a quarter) or
``2025H2`` (a half-year), whatever the programme's cadence: a schedule is written in years
more often than in the reporting periods.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from roundtrip.programme.model import BOUND_PATTERN

_BOUND = re.compile(BOUND_PATTERN)
_LOOSE_BOUND = re.compile(r"^\s*(\d{4})\s*(?:([QqHh])\s*([1-4]))?\s*$")


def parse_bound(text: str) -> str | None:
    """`text` as a bound (``2025``, ``2025Q3``, ``2025H2``; case and spaces ignored), or None
    when it is not one. ``""`` stays ``""`` (an open bound)."""
    if not text.strip():
        return ""
    m = _LOOSE_BOUND.match(text)
    if not m:
        return None
    year, letter, index = m.groups()
    if letter is None:
        return year
    letter = letter.upper()
    if letter == "H" and index not in ("1", "2"):
        return None
    return f"{year}{letter}{index}"


def bound_dates(bound: str) -> tuple[dt.date, dt.date]:
    """The first and the last day a bound covers (``2025H2`` -> 1.7.2025, 31.12.2025)."""
    m = _BOUND.match(bound)
    if not m:
        raise ValueError(f"not a schedule bound: {bound!r}")
    year, letter, index = int(m.group(1)), m.group(2), m.group(3)
    if letter is None:
        return dt.date(year, 1, 1), dt.date(year, 12, 31)
    months = 3 if letter == "Q" else 6
    first_month = (int(index) - 1) * months + 1
    last_month = first_month + months - 1
    last = (
        dt.date(year, 12, 31)
        if last_month == 12
        else dt.date(year, last_month + 1, 1) - dt.timedelta(days=1)
    )
    return dt.date(year, first_month, 1), last


def in_order(start: str, end: str) -> bool:
    """Whether a schedule from `start` to `end` is possible (either may be open)."""
    if not start or not end:
        return True
    return bound_dates(start)[0] <= bound_dates(end)[1]


@dataclass(frozen=True)
class Reading:
    """What a schedule's words were read as: bounds, and how (for the import report)."""

    start: str = ""
    end: str = ""
    how: str = ""  # "range", "from", "until", "year", "season", "period", "continuous", ""
