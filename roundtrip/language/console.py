"""Console output that never fails on its encoding.

A UTF-8 console gets every character as it is. Windows gives a program's redirected output
(``roundtrip collect 2025Q3 > loki.txt``) its ANSI code page, cp1252 in Finland and Sweden,
and a ``cmd`` window may be cp850; a container or an old service may be ASCII. None of them
has ``→``, and ASCII has no ``ä``. Printing such a character there raises UnicodeEncodeError,
which would end a command with a traceback in the middle of its report.

`prepare_console` makes ``sys.stdout`` and ``sys.stderr`` write what the encoding lacks
through `fallback` (the codec error handler ``roundtrip-fallback``): an arrow becomes
``->``, a dash ``-``, an ellipsis ``...``, a no-break space a space, a letter with a mark
its base letter (``ä`` → ``a``, in ASCII only: cp1252 and cp850 have it), and whatever has
no readable stand-in ``?``. Every line is still written, in full. `printable` does the same
to one string, for a writer that wraps the stream itself (click does, for an ASCII stream).
"""

from __future__ import annotations

import codecs
import contextlib
import os
import re
import shlex
import sys
import unicodedata
from typing import TextIO

FALLBACK = "roundtrip-fallback"

# Stand-ins that read the same; everything in them is ASCII.
_STAND_INS = {
    "→": "->",
    "←": "<-",
    "⇒": "=>",
    "↔": "<->",
    "…": "...",
    "–": "-",
    "—": "-",
    "‐": "-",
    "‑": "-",
    "−": "-",
    "\u00a0": " ",
    "\u202f": " ",
    "\u2009": " ",
    "‘": "'",
    "’": "'",
    "‚": ",",
    "“": '"',
    "”": '"',
    "„": '"',
    "«": '"',
    "»": '"',
    "•": "*",
    "·": ".",
    "×": "x",
    "≤": "<=",
    "≥": ">=",
    "≠": "!=",
    "✓": "v",
    "✔": "v",
    "✗": "x",
    "€": "EUR",
    "°": " deg",
}


def stand_in(char: str, encoding: str) -> str:
    """What to write for `char` where `encoding` cannot: a stand-in that reads the same, the
    letter without its marks, else ``?``. The result is always encodable in `encoding`."""
    for candidate in (_STAND_INS.get(char), _unmarked(char)):
        if candidate and _encodes(candidate, encoding):
            return candidate
    return "?"


def fallback(exc: UnicodeError) -> tuple[str, int]:
    """The codec error handler: the stand-ins of the characters `exc` could not encode."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    text = "".join(stand_in(c, exc.encoding) for c in exc.object[exc.start : exc.end])
    return text, exc.end


def prepare_console() -> None:
    """Let ``sys.stdout`` and ``sys.stderr`` write through `fallback` whatever their encoding
    lacks. Safe to call more than once, and on streams that are not text files."""
    try:
        codecs.lookup_error(FALLBACK)
    except LookupError:
        codecs.register_error(FALLBACK, fallback)
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is None:
            continue
        with contextlib.suppress(ValueError, OSError, TypeError):  # closed or detached: leave it
            reconfigure(errors=FALLBACK)


def printable(text: str, stream: TextIO | None) -> str:
    """`text` with what `stream`'s encoding lacks replaced by its stand-ins."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
        return text
    except UnicodeEncodeError:
        return "".join(c if _encodes(c, encoding) else stand_in(c, encoding) for c in text)
    except LookupError:  # an encoding Python does not know: leave it to the stream
        return text


_PLAIN_WORD = re.compile(r"[A-Za-z0-9_@%+=:,./\\-]+")


def shell_word(text: object, *, windows: bool | None = None) -> str:
    """`text` as one word of a command the user can copy into their shell: as it is when it
    needs no quoting, else quoted for PowerShell on Windows (``'Työtila ä'``, a ``'`` doubled)
    and for a POSIX shell elsewhere (`shlex.quote`). A workspace named ``Kehitys 2026``
    printed in a hint as ``roundtrip -w Kehitys 2026 status`` would run the wrong command."""
    word = str(text)
    if windows is None:
        windows = os.name == "nt"
    if word and _PLAIN_WORD.fullmatch(word) and not (windows and word.startswith("-")):
        return word
    if windows:
        return "'" + word.replace("'", "''") + "'"
    return shlex.quote(word)


def _unmarked(char: str) -> str:
    decomposed = unicodedata.normalize("NFKD", char)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _encodes(text: str, encoding: str) -> bool:
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True
