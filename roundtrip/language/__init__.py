"""Every word a person reads: the catalogue (fi, sv, en), the console language, locale formats.

The bottom layer: imports nothing of roundtrip. Two audiences, two rules:

* documents (return workbooks, annotated copies, the validation report, the register and
  summary workbooks, problems found in a returned file) are written in the *programme's*
  language: code asks for it by name, ``tr(lang, "...")`` or ``wording(lang)``;
* the console (every line a command prints, errors, progress labels, ``--help``) speaks the
  *console* language: ``_("...")``. It is ``--lang`` / ``ROUNDTRIP_LANG`` when given, else the
  language of the programme the command loaded, else the system's (fi, sv) or English.

Messages are gettext catalogues (``locale/LANG/LC_MESSAGES/roundtrip.po``) kept with Babel;
the English text is the message id. ``N_`` marks a message translated later, ``C_`` one with a
context (the workbook wording, whose English words repeat with different translations).
"""

from roundtrip.language.catalogue import (
    C_,
    LANGUAGES,
    N_,
    Message,
    _,
    console_language,
    language_of,
    ngettext,
    pin_console_language,
    set_console_language,
    tr,
    trn,
)
from roundtrip.language.formats import format_date, format_datetime, format_number, format_percent

__all__ = [
    "LANGUAGES",
    "C_",
    "N_",
    "Message",
    "_",
    "console_language",
    "format_date",
    "format_datetime",
    "format_number",
    "format_percent",
    "language_of",
    "ngettext",
    "pin_console_language",
    "set_console_language",
    "tr",
    "trn",
]
