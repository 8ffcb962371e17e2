"""Turn raw cell values (as a spreadsheet reader gives them) into exact typed values. PURE.

Every parser either returns an exact value or raises NormError with a message a department
head understands. Nothing is guessed: `29 000` is 29000 (never 29), `1,234.5` is an error
(mixed separators), 2.5 is not a count.

Numbers
  - numbers from the file keep their shortest decimal form (0.1 stays 0.1: Decimal(repr(x)));
  - text: optional sign (-, +, U+2212), digits grouped by thousands with a space, U+00A0,
    U+202F or U+2009 (groups of exactly three), one decimal separator, comma or point;
  - a trailing `%` is accepted (and dropped) where the field is a percentage;
  - a trailing unit equal to the metric's unit (`12 kpl`) is accepted and dropped.

Percentages (progress %, percent metrics)
  - a cell whose number format contains `%` holds a fraction: 0.5 shown as `50 %` is 50;
  - a cell whose number format is unknown (e.g. .ods/.xls read without formats) holding a
    fraction 0 < x < 1 is taken as written (0.5 means 0.5 %) with a warning, because it may
    have been meant as 50 %.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from roundtrip.programme.model import Status
from roundtrip.returns.contract import norm_label

# Excel's epoch for serial dates (1900 system, with its fictitious 29 Feb 1900).
_EXCEL_EPOCH = dt.datetime(1899, 12, 30)
_GROUP_SEPARATORS = " \u00a0\u202f\u2009"
_EXCEL_ERRORS = {
    "#n/a",
    "#value!",
    "#ref!",
    "#name?",
    "#div/0!",
    "#num!",
    "#null!",
    "#getting_data",
    "#spill!",
    "#calc!",
}
_NUMBER = re.compile(r"^([+-]?)(\d{1,3}(?:[ ]\d{3})+|\d+)(?:([.,])(\d+))?$")
_DATE_TEXT = re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2}))?)?$")

YES_WORDS = frozenset({"kyllä", "kylla", "k", "ja", "j", "yes", "y", "1", "true", "tosi", "sant"})
NO_WORDS = frozenset({"ei", "e", "nej", "n", "no", "0", "false", "epätosi", "falskt"})


class NormError(ValueError):
    """A value that cannot be read exactly; the message is meant for the person who typed it."""


@dataclass(frozen=True)
class Num:
    """An exact number and a warning about how it was read ('' when none)."""

    value: Decimal
    warning: str = ""

    @property
    def text(self) -> str:
        return decimal_text(self.value)


def is_blank(value: object) -> bool:
    """None, empty text or text of only whitespace (incl. no-break spaces)."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.replace("\u00a0", " ").replace("\u202f", " ").strip()
    return False


def excel_error(value: object) -> str | None:
    """The Excel error text (`#DIV/0!`) when the value is one, else None."""
    if isinstance(value, str) and value.strip().casefold() in _EXCEL_ERRORS:
        return value.strip()
    return None


def decimal_text(d: Decimal) -> str:
    """Canonical text: no exponent, no trailing zeros (29000, 1234.5, -0.25)."""
    whole = d.to_integral_value()
    if d == whole:  # (not quantize: it fails beyond the context's 28 digits, e.g. for 1E+28)
        return format(whole, "f")
    s = format(d.normalize(), "f")
    return s


def _clean_text(value: str) -> str:
    s = value.strip()
    for ch in _GROUP_SEPARATORS:
        s = s.replace(ch, " ")
    s = s.replace("\u2212", "-")
    return " ".join(s.split())


def parse_decimal(
    value: object,
    *,
    percent: bool = False,
    percent_format: bool | None = None,
    unit: str = "",
) -> Num:
    """An exact number from a cell value.

    percent: the field is a percentage (a trailing % is allowed; fractions in %-formatted
    cells are scaled by 100). percent_format: whether the cell's number format shows a %
    (None when unknown).
    """
    if isinstance(value, bool):
        raise NormError("expected a number, found a TRUE/FALSE value")
    if isinstance(value, int):
        d = Decimal(value)
        return Num(d * 100) if (percent and percent_format) else Num(d)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NormError("expected a number")
        d = Decimal(repr(value))
        if percent and percent_format:
            return Num((d * 100).normalize())
        if percent and percent_format is None and 0 < abs(d) < 1:
            return Num(
                d,
                f"read as {decimal_text(d)} %; if you meant {decimal_text(d * 100)} %, "
                f"type {decimal_text(d * 100)}",
            )
        return Num(d)
    if isinstance(value, Decimal):
        return Num(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        raise NormError("expected a number, found a date or time")
    if not isinstance(value, str):
        raise NormError("expected a number")
    err = excel_error(value)
    if err:
        raise NormError(f"the cell shows an Excel error ({err}), not a number")
    s = _clean_text(value)
    if not s:
        raise NormError("expected a number, the cell is empty")
    if percent and s.endswith("%"):
        s = s[:-1].rstrip()
    elif unit and norm_label(s).endswith(" " + norm_label(unit)):
        s = s[: len(s) - len(unit)].rstrip()
    m = _NUMBER.match(s)
    if not m:
        if "," in s and "." in s:
            raise NormError(
                "cannot read this number exactly: it mixes ',' and '.' "
                "(write e.g. 1234,5 or 1 234,5)"
            )
        raise NormError("not a number (write e.g. 29000, 29 000 or 1234,5)")
    sign, whole, sep, frac = m.groups()
    digits = whole.replace(" ", "")
    if sep and len(frac) == 3 and " " not in whole and digits.strip("0"):
        raise NormError(
            f"cannot read {s!r} exactly: it may mean {digits}{sep}{frac} or {digits}{frac} "
            f"(write e.g. {digits}{frac} or {digits} {frac} for thousands, "
            f"{digits},{frac}0 for a decimal)"
        )
    text = f"{'-' if sign == '-' else ''}{digits}" + (f".{frac}" if frac else "")
    try:
        return Num(Decimal(text))
    except InvalidOperation as exc:  # pragma: no cover - regex guarantees digits
        raise NormError("not a number") from exc


_EXACT = 2.0**53  # every whole float below this is exactly the integer its text shows


def parse_whole(
    value: object,
    *,
    low: int | None = None,
    high: int | None = None,
    percent: bool = False,
    percent_format: bool | None = None,
    unit: str = "",
) -> tuple[int, str]:
    """A whole number (2.0 is fine, 2.5 is not) within [low, high]; returns (value, warning)."""
    if not (percent and percent_format) and (
        value.__class__ is int
        or (value.__class__ is float and value.is_integer() and -_EXACT < value < _EXACT)
    ):
        # The usual cell (a whole number, not bool, not to be scaled): no Decimal needed.
        # Out of range, it takes the general path below for its message. Floats beyond 2**53
        # take it too: they are read as their shortest text (1e+28 is 10**28, not int(1e28)).
        n = int(value)
        if (low is None or n >= low) and (high is None or n <= high):
            return n, ""
    num = parse_decimal(value, percent=percent, percent_format=percent_format, unit=unit)
    d = num.value
    if d != d.to_integral_value():
        raise NormError(f"{decimal_text(d)} is not a whole number")
    n = int(d)
    _check_range(Decimal(n), low, high)
    return n, num.warning


def _check_range(d: Decimal, low: int | float | None, high: int | float | None) -> None:
    if low is not None and high is not None and not (low <= d <= high):
        raise NormError(f"{decimal_text(d)} is not between {low} and {high}")
    if low is not None and d < low:
        raise NormError(f"{decimal_text(d)} is less than {low}")
    if high is not None and d > high:
        raise NormError(f"{decimal_text(d)} is more than {high}")


def parse_number_in_range(
    value: object,
    *,
    low: int | None = None,
    high: int | None = None,
    percent: bool = False,
    percent_format: bool | None = None,
    unit: str = "",
) -> Num:
    num = parse_decimal(value, percent=percent, percent_format=percent_format, unit=unit)
    _check_range(num.value, low, high)
    return num


def parse_yesno(value: object, extra_yes: Iterable[str] = (), extra_no: Iterable[str] = ()) -> bool:
    """Yes/no in Finnish, Swedish or English, 1/0 or TRUE/FALSE."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value == 1:
            return True
        if value == 0:
            return False
        raise NormError("expected yes or no (Kyllä/Ei, Ja/Nej, Yes/No, 1/0)")
    key = norm_label(value)
    if key in YES_WORDS or key in {norm_label(w) for w in extra_yes}:
        return True
    if key in NO_WORDS or key in {norm_label(w) for w in extra_no}:
        return False
    raise NormError("expected yes or no (Kyllä/Ei, Ja/Nej, Yes/No, 1/0)")


def status_lookup(statuses: Iterable[Status]) -> dict[str, str]:
    """Normalised label (programme language, aliases, key) -> status key."""
    out: dict[str, str] = {}
    for s in statuses:
        for label in (s.label, *s.aliases, s.key):
            out.setdefault(norm_label(label), s.key)
    return out


def parse_status(value: object, lookup: dict[str, str], labels: Iterable[str] = ()) -> str:
    """Status key for a label typed in any case, with stray spaces, in any language."""
    key = lookup.get(norm_label(value)) if isinstance(value, str) else None
    if key is None:
        known = ", ".join(labels)
        raise NormError(
            "not a status from the list" + (f" (choose one of: {known})" if known else "")
        )
    return key


def excel_serial_to_datetime(serial: float) -> dt.datetime:
    if not (1 <= serial < 2958466):  # 1900-01-01 .. 9999-12-31
        raise NormError("not a date")
    return _EXCEL_EPOCH + dt.timedelta(days=serial)


def parse_date(value: object) -> dt.date:
    """A date from a date/datetime, an Excel serial number, `15.3.2025` or `2025-03-15`."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return excel_serial_to_datetime(float(value)).date()
    if isinstance(value, str):
        s = value.strip()
        m = _DATE_TEXT.match(s)
        try:
            if m:
                return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            m = _ISO_DATE.match(s)
            if m:
                return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError as exc:
            raise NormError(f"not a valid date: {s}") from exc
    raise NormError("not a date (write e.g. 15.3.2025)")


def format_date(d: dt.date) -> str:
    """Finnish-style d.m.yyyy, the way it was most likely typed."""
    return f"{d.day}.{d.month}.{d.year}"


def to_text(value: object) -> str:
    """A cell value as the text a person would read: numbers without `.0`, dates d.m.yyyy.

    Keeps line breaks inside the text; strips leading/trailing whitespace.
    """
    if value.__class__ is str:  # most cells: the same as the last line below, sooner
        return value.replace("\r\n", "\n").replace("\u00a0", " ").strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return str(value)
        return decimal_text(Decimal(repr(value)))
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0):
            return format_date(value.date())
        return f"{format_date(value.date())} {value:%H:%M}"
    if isinstance(value, dt.date):
        return format_date(value)
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    s = str(value).replace("\r\n", "\n").replace("\u00a0", " ")
    return s.strip()
