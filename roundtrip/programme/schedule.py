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
from functools import lru_cache

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


@lru_cache(maxsize=4096)
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


# Words around a schedule's years that change nothing in its bounds.
_FILLER = re.compile(
    r"\b(?:ohjelmakaudella|ohjelmakauden\s+aikana|ohjelmakausi|koko\s+ohjelmakauden|"
    r"strategiakaudella|valtuustokaudella|vuosina|vuonna|vuosien|vuoden|aikana|välillä|"
    r"during|in|the|years?|programme\s+period|program\s+period|between|"
    r"under|året|åren|år|programperioden|perioden|mellan|"
    r"klo|n\.|noin|ca\.?|approx\.?|arviolta)\b",
    re.I,
)
_CONTINUOUS = re.compile(
    r"^(?:koko\s+ajan|jatkuva(?:sti)?|säännöllisesti|vuosittain|pysyvä(?:sti)?|"
    r"toistaiseksi|tarvittaessa|ongoing|continuous(?:ly)?|annually|regularly|on-?going|"
    r"permanent|fortlöpande|kontinuerligt|årligen|löpande|regelbundet|"
    r"koko\s+ohjelmakauden|ohjelmakaudella|koko\s+ohjelmakausi|throughout)\.?$",
    re.I,
)
_DASH = re.compile(r"\s*(?:[-–—‐‑]|\bto\b|\btill\b)\s*")
_ARROW = re.compile(r"\s*(?:→|->|–>|=>|⟶|>)\s*$")
_FROM = re.compile(
    r"\b(?:alkaen|lähtien|alkaa|aloitus|käynnistyy|from|start(?:s|ing)?|begins|onwards|från|"
    r"fr\.?o\.?m\.?|framåt|startar|börjar)\b",
    re.I,
)
_UNTIL = re.compile(
    r"\b(?:mennessä|asti|saakka|valmistuu|päättyy|by|until|before|ends|deadline|senast|"
    r"till\s+och\s+med|t\.?o\.?m\.?|innan|klart?|slutar)\b",
    re.I,
)
_SEASONS = (
    (re.compile(r"\b(?:syksy\w*|autumn|fall|höst\w*)\b", re.I), "H2", "H2"),
    (re.compile(r"\b(?:kevä\w*|kevät|spring|vår\w*)\b", re.I), "H1", "H1"),
    (re.compile(r"\b(?:kesä\w*|summer|sommar\w*|sommaren)\b", re.I), "Q3", "Q3"),
    (re.compile(r"\b(?:alku\w*|early|början)\b", re.I), "H1", "H1"),
    (re.compile(r"\b(?:loppu\w*|late|end\s+of|slutet)\b", re.I), "H2", "H2"),
)
_YEAR = r"(?:19|20)\d\d"
_DATE = re.compile(rf"\b(\d{{1,2}})\s*[./]\s*(\d{{1,2}})\s*[./]\s*({_YEAR})\b")
_MONTH_YEAR = re.compile(rf"\b(\d{{1,2}})\s*/\s*({_YEAR})\b")
_PERIOD = re.compile(
    rf"\b(?:({_YEAR})\s*[/ ]?\s*([QH])\s*([1-4])|([QH])\s*([1-4])\s*[/ ]?\s*({_YEAR}))\b", re.I
)


def _quarter(month: int) -> int:
    return (month - 1) // 3 + 1


def read_schedule(text: str) -> Reading:
    """The bounds a schedule's words give, or ``Reading()`` (kept as text only) when they are
    not clear. Conservative: a year next to words it does not know is not guessed at.

    ``2020–2021`` and ``Ohjelmakaudella 2023-2026`` -> 2020..2021, 2023..2026; ``2020 →`` and
    ``2024 alkaen`` -> from 2020, 2024; ``2025 mennessä`` -> until 2025; ``2030`` -> 2030;
    ``syksyllä 2024`` -> 2024H2; ``Q3/2024`` -> 2024Q3; ``1.3.2024–31.12.2025`` ->
    2024Q1..2025Q4; ``Koko ajan`` -> continuous (no bounds)."""
    raw = " ".join(text.replace("\u00a0", " ").split())
    if not raw:
        return Reading()
    if _CONTINUOUS.match(raw):
        return Reading(how="continuous")
    core = raw
    # Dates and month/year first: 1.3.2024 -> 2024Q1, 3/2024 -> 2024Q1.
    core = _DATE.sub(
        lambda m: (
            f"{m.group(3)}Q{_quarter(int(m.group(2)))}"
            if 1 <= int(m.group(2)) <= 12
            else m.group(0)
        ),
        core,
    )
    core = _MONTH_YEAR.sub(
        lambda m: (
            f"{m.group(2)}Q{_quarter(int(m.group(1)))}"
            if 1 <= int(m.group(1)) <= 12
            else m.group(0)
        ),
        core,
    )
    core = _PERIOD.sub(
        lambda m: (
            f"{m.group(1)}{m.group(2).upper()}{m.group(3)}"
            if m.group(1)
            else f"{m.group(6)}{m.group(4).upper()}{m.group(5)}"
        ),
        core,
    )
    season = ""
    for pattern, first, _last in _SEASONS:
        if pattern.search(core):
            if season:
                return Reading()  # two seasons: not a guess to make
            season = first
            core = pattern.sub(" ", core)
    frm = bool(_FROM.search(core)) or bool(_ARROW.search(core))
    until = bool(_UNTIL.search(core))
    core = _ARROW.sub(" ", _UNTIL.sub(" ", _FROM.sub(" ", core)))
    core = _FILLER.sub(" ", core)
    core = re.sub(r"[,.:;()]", " ", core)
    core = " ".join(core.split())
    bound = rf"{_YEAR}(?:[QH][1-4])?"
    m = re.fullmatch(rf"({bound})\s*(?:[-–—‐‑]|to|till)\s*({bound}|\d\d)", core, re.I)
    if m and not (frm or until or season):
        start, end = m.group(1), m.group(2)
        if len(end) == 2:  # 2020-21
            end = start[:2] + end
        start_b, end_b = parse_bound(start), parse_bound(end)
        if start_b and end_b and in_order(start_b, end_b):
            return Reading(start_b, end_b, "range")
        return Reading()
    m = re.fullmatch(rf"({bound})\s*(?:[-–—‐‑])?", core)
    if m and not (frm and until):
        value = parse_bound(m.group(1)) or ""
        if not value:
            return Reading()
        trailing_dash = core.endswith(("-", "–", "—"))
        if season:
            if len(value) != 4:
                return Reading()
            value = f"{value}{season}"
            if frm or trailing_dash:
                return Reading(value, "", "from")
            if until:
                return Reading("", value, "until")
            return Reading(value, value, "season")
        if frm or trailing_dash:
            return Reading(value, "", "from")
        if until:
            return Reading("", value, "until")
        return Reading(value, value, "period" if len(value) > 4 else "year")
    m = re.fullmatch(rf"[-–—‐‑]\s*({bound})", core)
    if m and not frm:
        value = parse_bound(m.group(1)) or ""
        return Reading("", value, "until") if value else Reading()
    return Reading()
