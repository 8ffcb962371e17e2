#!/usr/bin/env python3
"""Keep the message catalogues in step with the code (Babel).

    python scripts/catalogue.py update   # extract every marked message, merge into fi/sv/en
    python scripts/catalogue.py check    # what tests/test_catalogue.py checks, as a report

`update` extracts the messages marked in roundtrip/ (``_``, ``N_``, ``ngettext``, ``tr``,
``trn``, ``C_`` with its context), merges them into roundtrip/language/locale/LANG/LC_MESSAGES/
roundtrip.po keeping every translation, drops messages no longer in the code, and fills the
English catalogue with the message ids (English is the source language). New messages arrive
with an empty translation in fi and sv: write them, then run `check`.
"""

from __future__ import annotations

import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from roundtrip.language.catalogue import DOMAIN, LANGUAGES, LOCALE_DIR  # noqa: E402

KEYWORDS = {
    "_": None,
    "N_": None,
    "ngettext": (1, 2),
    "tr": (2,),
    "trn": (2, 3),
    "C_": ((1, "c"), 2),
}


def template() -> Catalog:
    """Every message marked in the package's code."""
    cat = Catalog(domain=DOMAIN, project="roundtrip", fuzzy=False)
    for filename, lineno, message, comments, context in extract_from_dir(
        ROOT / "roundtrip",
        method_map=[("**.py", "python")],
        keywords=KEYWORDS,
        comment_tags=("TRANSLATORS:",),
        strip_comment_tags=True,
    ):
        flags = ("python-brace-format",) if "{" in str(message) else ()
        cat.add(
            message,
            None,
            [(f"roundtrip/{filename}", lineno)],
            auto_comments=comments,
            context=context,
            flags=flags,
        )
    return cat


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}.po"


def read(language: str) -> Catalog:
    with open(po_path(language), "rb") as fh:
        return read_po(fh, locale=language, domain=DOMAIN)


def update() -> None:
    pot = template()
    for language in LANGUAGES:
        cat = read(language)
        pot.creation_date = cat.creation_date  # no churn in the header when nothing changed
        cat.update(pot, no_fuzzy_matching=True)
        cat.obsolete.clear()
        cat.fuzzy = False
        for message in cat:
            if not message.id:
                continue
            if language == "en":  # English is the source: its translation is the message id
                if isinstance(message.id, tuple) and not all(message.string or ()):
                    message.string = tuple(message.id)
                elif isinstance(message.id, str) and not message.string:
                    message.string = message.id
        with open(po_path(language), "wb") as fh:
            write_po(fh, cat, width=100, include_lineno=False, sort_by_file=False)
        missing = sum(
            1
            for m in cat
            if m.id and not (m.string if isinstance(m.string, str) else all(m.string or ()))
        )
        print(f"{language}: {len(cat)} messages, {missing} without a translation")


def check() -> int:
    """Print what is missing or inconsistent; the number of problems."""
    sys.path.insert(0, str(ROOT / "tests"))
    from catalogue_checks import problems  # the same checks the tests run

    found = problems()
    for line in found:
        print(line)
    print(f"{len(found)} problem(s)")
    return len(found)


if __name__ == "__main__":
    command = sys.argv[1] if len(sys.argv) > 1 else "check"
    if command == "update":
        update()
    elif command == "check":
        sys.exit(1 if check() else 0)
    else:
        sys.exit(__doc__)
