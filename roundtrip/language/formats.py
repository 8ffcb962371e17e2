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
    from babel.numbers import format_decimal

    if decimals is None:
        return format_decimal(value, locale=locale_of(language))
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(value, format=pattern, locale=locale_of(language))


def format_percent(fraction: float, language: str, decimals: int = 0) -> str:
    """A fraction (0.75) as a percentage (75 % in fi and sv, 75% in en)."""
    from babel.numbers import format_percent as babel_percent

    loc = locale_of(language)
    pattern = loc.percent_formats[None].pattern  # "#,##0 %" in fi, "#,##0%" in en
    if decimals:
        head, _, tail = pattern.rpartition("0")
        pattern = f"{head}0.{'0' * decimals}{tail}"
    return babel_percent(fraction, format=pattern, locale=loc)
