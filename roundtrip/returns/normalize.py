"""Turn raw cell values (as a spreadsheet reader gives them) into exact typed values. PURE.

Every parser either returns an exact value or raises NormError with a message a department
head understands, in the programme's language: the error keeps its English message id and
values, and `exc.text(lang)` writes it (numbers with the language's decimal sign). Nothing is guessed: `29 000` is 29000 (never 29), `1,234.5` is an error
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
from typing import Any

from roundtrip.language import N_, tr
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


class Number(str):
    """A number written with '.' as its decimal sign, shown with the language's sign."""


def shown(value: object, lang: str) -> str:
    """A message value as the reader of `lang` reads it: 1234,5 in fi and sv, 1234.5 in en.

    Only the decimal sign changes: the digits stay those the person typed (no grouping, no
    rounding), so a message about an exact value shows it exactly.
    """
    if isinstance(value, Decimal):
        value = Number(decimal_text(value))
    if isinstance(value, Number) and lang in ("fi", "sv"):
        return value.replace(".", ",")
    return str(value)


class Note:
    """A message for the person who typed a value: an English message id (marked with N_)
    and its values, written in a language when it is shown."""

    __slots__ = ("message", "params")

    def __init__(self, message: str, **params: Any) -> None:
        self.message = message
        self.params = params

    def text(self, lang: str) -> str:
        """The message in `lang` (fi, sv, en)."""
        values = {k: shown(v, lang) for k, v in self.params.items()}
        return tr(lang, self.message).format(**values)

    def __str__(self) -> str:
        return self.text("en")

    def __repr__(self) -> str:
        return f"Note({self.message!r}, **{self.params!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Note):
            return NotImplemented
        return (self.message, self.params) == (other.message, other.params)

    def __hash__(self) -> int:
        return hash(self.message)


class NormError(ValueError):
    """A value that cannot be read exactly; the message is meant for the person who typed it.

    `text(lang)` is the message in the programme's language; str() is the English.
    """

    def __init__(self, message: str, **params: Any) -> None:
        super().__init__(message)
        self.note = Note(message, **params)

    def text(self, lang: str) -> str:
        return self.note.text(lang)

    def __str__(self) -> str:
        return self.note.text("en")

    def __reduce__(self) -> tuple[Any, ...]:
        return (_norm_error, (self.note.message, self.note.params))


def _norm_error(message: str, params: dict[str, Any]) -> NormError:
    return NormError(message, **params)


@dataclass(frozen=True)
class Num:
    """An exact number and a note on how it was read (None when none)."""

    value: Decimal
    warning: Note | None = None

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
        raise NormError(N_("expected a number, found a TRUE/FALSE value"))
    if isinstance(value, int):
        d = Decimal(value)
        return Num(d * 100) if (percent and percent_format) else Num(d)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise NormError(N_("expected a number"))
        d = Decimal(repr(value))
        if percent and percent_format:
            return Num((d * 100).normalize())
        if percent and percent_format is None and 0 < abs(d) < 1:
            note = N_("read as {value}%; if you meant {percent}%, type {percent}")
            return Num(d, Note(note, value=d, percent=d * 100))
        return Num(d)
    if isinstance(value, Decimal):
        return Num(value)
    if isinstance(value, (dt.date, dt.datetime, dt.time, dt.timedelta)):
        raise NormError(N_("expected a number, found a date or time"))
    if not isinstance(value, str):
        raise NormError(N_("expected a number"))
    err = excel_error(value)
    if err:
        raise NormError(N_("the cell shows an Excel error ({error}), not a number"), error=err)
    s = _clean_text(value)
    if not s:
        raise NormError(N_("expected a number, the cell is empty"))
    if percent and s.endswith("%"):
        s = s[:-1].rstrip()
    elif unit and norm_label(s).endswith(" " + norm_label(unit)):
        s = s[: len(s) - len(unit)].rstrip()
    m = _NUMBER.match(s)
    if not m:
        # The examples are forms this parser reads: a space groups thousands (never a comma
        # or a point: 29,000 would be read as ambiguous), the decimal sign is the language's.
        if "," in s and "." in s:
            raise NormError(
                N_(
                    "cannot read this number exactly: it mixes ',' and '.' "
                    "(write e.g. {plain} or {grouped})"
                ),
                plain=Number("1234.5"),
                grouped=Number("1 234.5"),
            )
        raise NormError(
            N_("not a number (write e.g. {whole}, {grouped} or {decimal})"),
            whole="29000",
            grouped="29 000",
            decimal=Number("1234.5"),
        )
    sign, whole, sep, frac = m.groups()
    digits = whole.replace(" ", "")
    if sep and len(frac) == 3 and " " not in whole and digits.strip("0"):
        raise NormError(
            N_(
                "cannot read {text!r} exactly: it may mean {decimal} or {thousands} (write "
                "{thousands} or {grouped} for the whole number, {longer} for the decimal number)"
            ),
            text=s,
            decimal=Number(f"{digits}.{frac}"),
            thousands=f"{digits}{frac}",
            grouped=f"{digits} {frac}",
            longer=Number(f"{digits}.{frac}0"),
        )
    text = f"{'-' if sign == '-' else ''}{digits}" + (f".{frac}" if frac else "")
    try:
        return Num(Decimal(text))
    except InvalidOperation as exc:  # pragma: no cover - regex guarantees digits
        raise NormError(N_("expected a number")) from exc


_EXACT = 2.0**53  # every whole float below this is exactly the integer its text shows


def parse_whole(
    value: object,
    *,
    low: int | None = None,
    high: int | None = None,
    percent: bool = False,
    percent_format: bool | None = None,
    unit: str = "",
) -> tuple[int, Note | None]:
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
            return n, None
    num = parse_decimal(value, percent=percent, percent_format=percent_format, unit=unit)
    d = num.value
    if d != d.to_integral_value():
        raise NormError(N_("{value} is not a whole number"), value=d)
    n = int(d)
    _check_range(Decimal(n), low, high)
    return n, num.warning


def _check_range(d: Decimal, low: int | float | None, high: int | float | None) -> None:
    if low is not None and high is not None and not (low <= d <= high):
        raise NormError(N_("{value} is not between {low} and {high}"), value=d, low=low, high=high)
    if low is not None and d < low:
        raise NormError(N_("{value} is less than {low}"), value=d, low=low)
    if high is not None and d > high:
        raise NormError(N_("{value} is more than {high}"), value=d, high=high)


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


_YESNO = N_("expected yes or no (Yes/No or 1/0)")


def parse_yesno(value: object, extra_yes: Iterable[str] = (), extra_no: Iterable[str] = ()) -> bool:
    """Yes/no in Finnish, Swedish or English, 1/0 or TRUE/FALSE."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if value == 1:
            return True
        if value == 0:
            return False
        raise NormError(_YESNO)
    key = norm_label(value)
    if key in YES_WORDS or key in {norm_label(w) for w in extra_yes}:
        return True
    if key in NO_WORDS or key in {norm_label(w) for w in extra_no}:
        return False
    raise NormError(_YESNO)


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
        if known:
            raise NormError(
                N_("not a status from the list (choose one of: {labels})"), labels=known
            )
        raise NormError(N_("not a status from the list"))
    return key


def excel_serial_to_datetime(serial: float) -> dt.datetime:
    if not (1 <= serial < 2958466):  # 1900-01-01 .. 9999-12-31
        raise NormError(N_("not a date"))
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
            raise NormError(N_("not a valid date: {text}"), text=s) from exc
    raise NormError(N_("not a date (write e.g. 15.3.2025 or 2025-03-15)"))


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
