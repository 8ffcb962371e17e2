"""The catalogue's checks, shared by tests/test_catalogue.py and scripts/catalogue.py check."""

from __future__ import annotations

import string
import sys
from pathlib import Path

from babel.messages.catalog import Catalog

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))

from catalogue import read, template  # noqa: E402

from roundtrip.language.catalogue import LANGUAGES  # noqa: E402


def placeholders(text: str) -> set[str]:
    """The names of the {fields} in a format string ({n}, {file}, {x!r} -> x)."""
    try:
        return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}
    except ValueError as exc:
        return {f"<not a format string: {exc}>"}


def _forms(value: object) -> tuple[str, ...]:
    if isinstance(value, (tuple, list)):
        return tuple(str(v or "") for v in value)
    return (str(value or ""),)


def catalogue_problems(pot: Catalog, catalogues: dict[str, Catalog]) -> list[str]:
    """Every message of `pot` present and translated in every language, same placeholders."""
    out: list[str] = []
    for language, cat in catalogues.items():
        for message in pot:
            if not message.id:
                continue
            name = f"{language}: {message.id!r}" + (
                f" (context {message.context!r})" if message.context else ""
            )
            found = cat.get(message.id, context=message.context)
            if found is None:
                out.append(f"{name}: missing from the catalogue (run scripts/catalogue.py update)")
                continue
            if found.fuzzy:
                out.append(f"{name}: marked fuzzy (check the translation, then remove the mark)")
            ids = _forms(message.id)
            expected = placeholders(ids[0]) | (placeholders(ids[1]) if len(ids) > 1 else set())
            for form in _forms(found.string):
                if not form:
                    out.append(f"{name}: no translation")
                elif ("{" in ids[0] + ids[-1] or "{" in form) and (
                    placeholders(form) - expected
                    or (len(ids) == 1 and placeholders(form) != expected)
                ):
                    out.append(
                        f"{name}: placeholders {sorted(placeholders(form))} differ from "
                        f"{sorted(expected)}"
                    )
    return out


def problems() -> list[str]:
    return catalogue_problems(template(), {lang: read(lang) for lang in LANGUAGES})
