"""The message catalogue: gettext translations read from the Babel-kept ``.po`` files.

The ``.po`` files are the source (reviewed, diffed, edited with any PO editor); each is read
once a process with Babel and turned into a standard ``gettext.GNUTranslations`` in memory, so
no compiled ``.mo`` file is kept in the repository or needs a build step (reading the three
catalogues costs a few milliseconds; ``benchmarks/`` and docs/development.md have the figure).
"""

from __future__ import annotations

import functools
import gettext
import hashlib
import io
import locale
import os
from dataclasses import dataclass
from pathlib import Path

LANGUAGES: tuple[str, ...] = ("fi", "sv", "en")
DOMAIN = "roundtrip"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
ENV = "ROUNDTRIP_LANG"

# Names a person may write for a language (programme settings, --lang), folded to lower case.
_NAMES = {
    "fi": "fi",
    "fin": "fi",
    "suomi": "fi",
    "finnish": "fi",
    "finska": "fi",
    "sv": "sv",
    "swe": "sv",
    "svenska": "sv",
    "ruotsi": "sv",
    "swedish": "sv",
    "en": "en",
    "eng": "en",
    "english": "en",
    "englanti": "en",
    "engelska": "en",
}


@dataclass(frozen=True)
class Message:
    """A message with a context (``msgctxt``): the same English words, told apart."""

    context: str
    id: str


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark `message` for the catalogue; translate it later with tr() or _()."""
    return message


def C_(context: str, message: str) -> Message:  # noqa: N802 - the gettext convention
    """Mark `message` with a context for the catalogue; translate it later with tr()."""
    return Message(context, message)


def language_of(value: object) -> str | None:
    """fi, sv or en for a language code or name ("fi", "Suomi", "svenska", "en-GB"), else None."""
    text = str(value or "").strip().lower().replace("-", "_")
    return _NAMES.get(text) or _NAMES.get(text.split("_")[0])


@functools.cache
def translations(language: str) -> gettext.NullTranslations:
    """The catalogue of `language` (fi, sv, en) as a gettext translations object."""
    path = LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"
    if language not in LANGUAGES or not path.is_file():
        return gettext.NullTranslations()
    return gettext.GNUTranslations(io.BytesIO(compiled(path, language)))


def compiled(po: Path, language: str) -> bytes:
    """The .mo bytes of the catalogue `po`: compiled with Babel once, then kept beside it.

    Like Python's own .pyc files: ``locale/.compiled/LANG-HASH.mo``, named by the hash of the
    .po's bytes (so an edited catalogue is compiled again) and git-ignored. Reading the .mo
    costs about 1 ms where parsing the .po costs 25-30 ms and Babel's import 25 ms more, on
    every command; where the folder cannot be written (a read-only installation), it is
    compiled in memory each time.
    """
    source = po.read_bytes()
    digest = hashlib.sha256(source).hexdigest()[:16]
    cached = LOCALE_DIR / ".compiled" / f"{language}-{digest}.mo"
    try:
        return cached.read_bytes()
    except OSError:
        pass
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    buffer = io.BytesIO()
    write_mo(buffer, read_po(io.BytesIO(source), locale=language), use_fuzzy=False)
    data = buffer.getvalue()
    try:
        cached.parent.mkdir(exist_ok=True)
        for old in cached.parent.glob(f"{language}-*.mo"):
            old.unlink(missing_ok=True)
        temporary = cached.with_name(f"{cached.name}.{os.getpid()}.tmp")
        temporary.write_bytes(data)
        os.replace(temporary, cached)  # whole or not at all, also with two processes at once
    except OSError:
        pass  # read-only: compiled in memory again next time
    return data


def tr(language: str, message: str | Message) -> str:
    """`message` in `language`: the words of a document written in the programme's language."""
    t = translations(language)
    if isinstance(message, Message):
        return t.pgettext(message.context, message.id)
    return t.gettext(message)


def trn(language: str, singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in `language`."""
    return translations(language).ngettext(singular, plural, n)


# The console language: pinned by --lang or ROUNDTRIP_LANG, else follows the programme loaded.
_console: str | None = None
_pinned = False


def _system_language() -> str:
    for name in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        found = language_of(os.environ.get(name, "").split(":")[0].split(".")[0])
        if found:
            return found
    try:
        code = locale.getlocale()[0] or ""
    except ValueError:
        code = ""
    # Windows names its locales "Finnish_Finland", "Swedish_Sweden".
    return language_of(code) or language_of(code.split("_")[0]) or "en"


def console_language() -> str:
    """The language of console lines now."""
    if _console is not None:
        return _console
    return language_of(os.environ.get(ENV)) or _system_language()


def pin_console_language(language: str) -> None:
    """Use `language` on the console from now on, whatever programme is loaded (--lang)."""
    global _console, _pinned
    found = language_of(language)
    if found is None:
        raise ValueError(f"unknown language {language!r}")  # the CLI offers fi, sv, en only
    _console, _pinned = found, True


def set_console_language(language: str) -> None:
    """Speak the language of the programme just loaded, unless the user chose one."""
    global _console
    found = language_of(language)
    if found is None or _pinned or language_of(os.environ.get(ENV)):
        return
    _console = found


def reset_console_language() -> None:
    """Forget the console language (tests; a new command in the same process)."""
    global _console, _pinned
    _console, _pinned = None, False


def _(message: str) -> str:
    """`message` in the console language."""
    return tr(console_language(), message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form for `n`, in the console language."""
    return trn(console_language(), singular, plural, n)
