"""Number formats of the cells a person reads, in the document's language (fi, sv, en).

A cell keeps its real value (a number, a date); its format says how it reads. Format codes
are stored in one syntax; the `[$-LCID]` prefix names the locale whose conventions apply, so
LibreOffice (which renders the summary's PDF) shows 1 234,5, 14.10.2025 and 75 % in a Finnish
or Swedish document on any machine, as format_number / format_date / format_percent write
them in text; Excel takes dates from the prefix and the separators from its own settings.
"""

from __future__ import annotations

NBSP = "\u00a0"
# fi_FI, sv_FI, en_US: the locales of roundtrip.language.formats.
LOCALE_IDS = {"fi": "[$-40B]", "sv": "[$-81D]", "en": "[$-409]"}

_NORDIC = {
    "int": "#,##0",
    "number": "#,##0.##",
    "percent": f'0"{NBSP}"%',
    "delta": "+#,##0;-#,##0;0",
    "date": r"d\.m\.yyyy",
    "datetime": r"d\.m\.yyyy h\.mm",
}
_FORMATS = {
    "fi": _NORDIC,
    "sv": _NORDIC,
    "en": {
        "int": "#,##0",
        "number": "#,##0.##",
        "percent": "0%",
        "delta": "+#,##0;-#,##0;0",
        "date": "mmm d, yyyy",
        "datetime": "mmm d, yyyy h:mm AM/PM",
    },
}
KINDS = tuple(_FORMATS["en"])


def number_format(kind: str, language: str) -> str:
    """The format code of a `kind` cell (int, number, percent, delta, date, datetime) in
    `language`: the locale's prefix and the pattern as that language writes it."""
    formats = _FORMATS.get(language, _FORMATS["en"])
    return LOCALE_IDS.get(language, LOCALE_IDS["en"]) + formats[kind]
