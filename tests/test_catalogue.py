"""The message catalogue: every message in fi, sv and en, with the same placeholders."""

from __future__ import annotations

from babel.messages.catalog import Catalog
from catalogue_checks import catalogue_problems, placeholders, problems

from roundtrip.language import C_, N_, tr, trn
from roundtrip.language.catalogue import LANGUAGES, translations


def test_every_message_has_every_language_and_the_same_placeholders():
    assert problems() == []


def test_the_check_fails_on_a_missing_language_and_a_changed_placeholder():
    pot = Catalog()
    pot.add("{n} files", None)
    pot.add("Status", None, context="sheets")
    fi = Catalog(locale="fi")
    fi.add("{n} files", "{määrä} tiedostoa")
    sv = Catalog(locale="sv")
    sv.add("{n} files", "{n} filer")
    found = catalogue_problems(pot, {"fi": fi, "sv": sv})
    assert any("fi: '{n} files'" in p and "placeholders" in p for p in found)
    assert any("'Status'" in p and "missing" in p for p in found)
    assert not any(p.startswith("sv: '{n} files'") for p in found)


def test_placeholders_read_format_fields():
    assert placeholders("{n} files in {folder!r}, {x:>3}") == {"n", "folder", "x"}
    assert placeholders("100 %") == set()


def test_the_catalogues_translate():
    assert tr("fi", C_("sheets", "Actions")) == "Toimenpiteet"
    assert tr("sv", C_("sheets", "Actions")) == "Åtgärder"
    assert tr("en", C_("sheets", "Actions")) == "Actions"
    assert tr("fi", N_("no such message in any catalogue")) == "no such message in any catalogue"
    assert trn("en", "{n} file", "{n} files", 2) == "{n} files"
    for lang in LANGUAGES:
        assert translations(lang).info()["language"] == lang
