"""Dates, numbers and percentages as a person of each language writes them (Babel, CLDR).

fi: 14.10.2025, 1 234,5, 75 %; sv (Finland's Swedish): 14.10.2025, 1 234,5, 75 %; en:
Oct 14, 2025, 1,234.5, 75%. The spaces in fi and sv are no-break spaces, as CLDR has them,
so a number never breaks across lines. Only what is shown is formatted: stored values stay
ISO dates and plain numbers.
"""

from __future__ import annotations

import datetime as dt
import functools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from babel import Locale

# Babel is imported when a date or number is first formatted, not with the package: most
# commands print a few lines and format no date at all (the import costs ~25 ms).

LOCALES = {"fi": "fi_FI", "sv": "sv_FI", "en": "en_US"}
# CLDR's "short" is the municipal 14.10.2025 in fi_FI and sv_FI; English reads "Oct 14, 2025".
_DATE_FORMAT = {"fi": "short", "sv": "short", "en": "medium"}


@functools.cache
def locale_of(language: str) -> Locale:
    from babel import Locale

    return Locale.parse(LOCALES.get(language, "en_US"))


def format_date(value: dt.date | str | None, language: str) -> str:
    """A date (or an ISO date string) as written in `language`; "" for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            day = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    else:
        day = value.date() if isinstance(value, dt.datetime) else value
    from babel.dates import format_date as babel_date

    return babel_date(day, _DATE_FORMAT.get(language, "medium"), locale=locale_of(language))


def format_datetime(value: dt.datetime | str | None, language: str) -> str:
    """A moment as date and minutes (14.10.2025 13.05), in `language`; "" for none."""
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value)
        except ValueError:
            return value
    else:
        moment = value
    from babel.dates import format_time

    # CLDR puts a narrow no-break space before "PM"; a plain no-break space reads the same and
    # exists in every console's encoding (cp1252, cp850).
    time = format_time(moment, "short", locale=locale_of(language)).replace("\u202f", "\u00a0")
    return f"{format_date(moment.date(), language)} {time}"


def format_number(value: float | int, language: str, decimals: int | None = None) -> str:
    """A number with the language's grouping and decimal sign (1 234,5)."""
    if decimals is None:
        quick = _quick_number(value, language)
        if quick is not None:
            return quick
    from babel.numbers import format_decimal

    pattern = None if decimals is None else "#,##0" + ("." + "0" * decimals if decimals else "")
    try:
        return format_decimal(value, format=pattern, locale=locale_of(language))
    except ArithmeticError:  # beyond what Babel's decimal context holds (1e300)
        return f"{value:g}"


def _quick_number(value: float | int, language: str) -> str | None:
    """format_number's default (CLDR's #,##0.###) for a number that needs no rounding (an int,
    or a float of at most three decimals under 10^15), or None: what Babel writes, with the
    locale's symbols put into Python's own formatting.

    What it buys: Babel's format_decimal costs ~5.7 us a number; a summary of 180,000 actions
    writes a metric value on each list row and the metrics sheet, ~1 s of its work. This
    takes ~1.2 us (benchmarks/bench_formats.py); tests/test_language.py holds it to Babel."""
    symbols = _number_symbols(language)
    if symbols is None:
        return None
    if value.__class__ is int:
        text = f"{value:,}"
    elif value.__class__ is float and -1e15 < value < 1e15 and round(value, 3) == value:
        text = f"{value:,.3f}".rstrip("0").rstrip(".")
    else:
        return None
    return text.translate(symbols)


@functools.cache
def _number_symbols(language: str) -> dict[int, str] | None:
    """The table turning Python's "1,234.5" into the language's, or None (Babel formats all)
    where the result would differ from Babel's on a probe of every sign and symbol."""
    from babel.numbers import format_decimal, get_decimal_symbol, get_group_symbol

    loc = locale_of(language)
    table = str.maketrans({",": get_group_symbol(loc), ".": get_decimal_symbol(loc)})
    for probe in (-1234567.125, 1000, 0.5, -0.0):
        mine = f"{probe:,}" if isinstance(probe, int) else f"{probe:,.3f}".rstrip("0").rstrip(".")
        if mine.translate(table) != format_decimal(probe, locale=loc):
            return None
    return table


def format_percent(fraction: float, language: str, decimals: int = 0) -> str:
    """A fraction (0.75) as a percentage (75 % in fi and sv, 75% in en)."""
    from babel.numbers import format_percent as babel_percent

    loc = locale_of(language)
    pattern = loc.percent_formats[None].pattern  # "#,##0 %" in fi, "#,##0%" in en
    if decimals:
        head, _, tail = pattern.rpartition("0")
        pattern = f"{head}0.{'0' * decimals}{tail}"
    return babel_percent(fraction, format=pattern, locale=loc)
