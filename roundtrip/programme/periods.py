"""Reporting periods: quarters (2025Q3), half-years (2025H2) and years (2025)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from roundtrip.errors import UsageError
from roundtrip.language import C_, Message, _, console_language, tr

CADENCES = ("quarter", "half", "year")
# What programme.xlsx calls each cadence (written in the programme's language, read in any).
CADENCE_NAMES: dict[str, Message] = {
    "quarter": C_("programme cadence", "quarter"),
    "half": C_("programme cadence", "half"),
    "year": C_("programme cadence", "year"),
}
_PER_YEAR = {"quarter": 4, "half": 2, "year": 1}
_PATTERN = re.compile(r"^\s*(\d{4})\s*(?:([QqHh])\s*([1-4]))?\s*$")


@dataclass(frozen=True, order=True)
class Period:
    year: int
    index: int  # 1-based within the year
    cadence: str  # "quarter", "half" or "year"

    def __str__(self) -> str:
        if self.cadence == "quarter":
            return f"{self.year}Q{self.index}"
        if self.cadence == "half":
            return f"{self.year}H{self.index}"
        return f"{self.year}"

    @property
    def months(self) -> int:
        return 12 // _PER_YEAR[self.cadence]

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, (self.index - 1) * self.months + 1, 1)

    @property
    def end(self) -> dt.date:
        last_month = self.index * self.months
        if last_month == 12:
            return dt.date(self.year, 12, 31)
        return dt.date(self.year, last_month + 1, 1) - dt.timedelta(days=1)

    def deadline(self, days_after_end: int) -> dt.date:
        return self.end + dt.timedelta(days=days_after_end)

    def ordinal(self) -> int:
        return self.year * _PER_YEAR[self.cadence] + (self.index - 1)

    def shift(self, n: int) -> Period:
        per = _PER_YEAR[self.cadence]
        o = self.ordinal() + n
        return Period(o // per, o % per + 1, self.cadence)

    def previous(self) -> Period:
        return self.shift(-1)

    def next(self) -> Period:
        return self.shift(1)


def parse_period(text: str, cadence: str | None = None) -> Period:
    """Parse `2025Q3`, `2025H2` or `2025`; with `cadence`, insist on that kind."""
    m = _PATTERN.match(str(text))
    if not m:
        raise UsageError(
            _("not a period: {text!r} (use e.g. 2025Q3, 2025H2 or 2025)").format(text=text)
        )
    year, letter, idx = int(m.group(1)), (m.group(2) or "").upper(), m.group(3)
    if letter == "Q":
        p = Period(year, int(idx), "quarter")
    elif letter == "H":
        if int(idx) > 2:
            raise UsageError(
                _("not a period: {text!r} (half-years are H1 and H2)").format(text=text)
            )
        p = Period(year, int(idx), "half")
    else:
        p = Period(year, 1, "year")
    if cadence and p.cadence != cadence:
        example = str(Period(year, 1, cadence)).replace("Q1", "Q3").replace("H1", "H2")
        name = (
            tr(console_language(), CADENCE_NAMES[cadence]) if cadence in CADENCE_NAMES else cadence
        )
        raise UsageError(
            _(
                "period {text!r} does not fit the programme's cadence ({cadence}): use e.g. {example}"
            ).format(text=text, cadence=name, example=example)
        )
    return p


def period_range(first: Period, last: Period) -> list[Period]:
    if first.cadence != last.cadence:
        raise UsageError("period range mixes cadences")
    return [first.shift(i) for i in range(last.ordinal() - first.ordinal() + 1)]
