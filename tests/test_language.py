"""The console language: --lang, ROUNDTRIP_LANG, the programme's, the system's; locale formats."""

from __future__ import annotations

import datetime as dt

import pytest
from click.testing import CliRunner

from roundtrip.cli import main
from roundtrip.language import (
    console_language,
    format_date,
    format_datetime,
    format_number,
    format_percent,
    language_of,
    pin_console_language,
)
from roundtrip.programme.workbook import load_programme

NBSP = "\u00a0"


@pytest.fixture
def no_language_env(monkeypatch):
    for name in ("ROUNDTRIP_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.delenv(name, raising=False)


def test_the_console_follows_the_programme_loaded(aura_ws, no_language_env):
    assert console_language() == "en"  # nothing chosen, no system language: English
    load_programme(aura_ws.programme_path, aura_ws.cache_dir)
    assert console_language() == "fi"  # the Aura programme is Finnish


def test_roundtrip_lang_and_lang_option_win_over_the_programme(
    aura_ws, no_language_env, monkeypatch
):
    monkeypatch.setenv("ROUNDTRIP_LANG", "sv")
    load_programme(aura_ws.programme_path, aura_ws.cache_dir)
    assert console_language() == "sv"
    monkeypatch.delenv("ROUNDTRIP_LANG")
    pin_console_language("en")
    load_programme(aura_ws.programme_path, aura_ws.cache_dir)
    assert console_language() == "en"


@pytest.mark.parametrize(
    ("variable", "value", "expected"),
    [("LANG", "fi_FI.UTF-8", "fi"), ("LC_ALL", "sv_FI.UTF-8", "sv"), ("LANG", "de_DE", "en")],
)
def test_without_a_programme_the_system_language_is_used(
    no_language_env, monkeypatch, variable, value, expected
):
    monkeypatch.setenv(variable, value)
    assert console_language() == expected


def test_language_names_a_person_writes():
    assert language_of("Suomi") == "fi"
    assert language_of("svenska") == "sv"
    assert language_of("en-GB") == "en"
    assert language_of("Finnish_Finland") == "fi"  # how Windows names its locale
    assert language_of("de") is None


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["--lang", "fi", "--help"], "Käyttö:"),
        (["--lang", "sv", "--help"], "Användning:"),
        (["--lang", "en", "--help"], "Usage:"),
    ],
)
def test_help_speaks_the_chosen_language(args, expected):
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert expected in result.output


def test_an_unknown_language_is_refused_with_the_choices():
    result = CliRunner().invoke(main, ["--lang", "de", "--help"])
    assert result.exit_code == 2
    assert "fi" in result.output and "sv" in result.output


def test_dates_numbers_and_percentages_by_locale():
    day = dt.date(2025, 10, 14)
    assert format_date(day, "fi") == "14.10.2025"
    assert format_date("2025-10-14", "sv") == "14.10.2025"
    assert format_date(day, "en") == "Oct 14, 2025"
    assert format_number(1234.5, "fi") == f"1{NBSP}234,5"
    assert format_number(1234.5, "en") == "1,234.5"
    assert format_percent(0.75, "fi") == f"75{NBSP}%"
    assert format_percent(0.75, "sv") == f"75{NBSP}%"
    assert format_percent(0, "fi") == f"0{NBSP}%"
    assert format_percent(0.75, "en") == "75%"
    assert format_percent(0.7556, "fi", 1) == f"75,6{NBSP}%"
    assert format_datetime(dt.datetime(2025, 10, 14, 13, 5), "fi") == "14.10.2025 13.05"
    assert format_date(None, "fi") == ""
    assert format_date("not a date", "fi") == "not a date"


def test_help_in_a_workspace_speaks_its_programmes_language(aura_ws, no_language_env):
    load_programme(aura_ws.programme_path, aura_ws.cache_dir)  # as any command before it did
    result = CliRunner().invoke(main, ["-w", str(aura_ws.root), "collect", "--help"])
    assert result.exit_code == 0, result.output
    assert "Käyttö:" in result.output
    chosen = CliRunner().invoke(main, ["--lang", "en", "-w", str(aura_ws.root), "collect", "-h"])
    assert "Usage:" in chosen.output


def test_numbers_formatted_without_babel_are_babel_s():
    """format_number's quick path (ints, floats of up to three decimals) writes exactly what
    Babel's format_decimal writes, in every language; anything else goes to Babel."""
    import random

    from babel.numbers import format_decimal

    from roundtrip.language.formats import _quick_number, locale_of

    rng = random.Random(24)
    values = [0, 1, -1, 999, 1000, -1234567, 0.5, 2.675, -0.0, 0.001, 999.999, 1e14 + 0.5]
    values += [round(rng.uniform(-1e7, 1e7), rng.randint(0, 3)) for _ in range(5000)]
    values += [rng.randint(-(10**13), 10**13) for _ in range(1000)]
    values += [rng.uniform(-1e16, 1e16) for _ in range(200)] + [1 / 3, 0.1 + 0.2]
    quick = 0
    for language in ("fi", "sv", "en"):
        for v in values:
            fast = _quick_number(v, language)
            if fast is not None:
                quick += 1
                assert fast == format_decimal(v, locale=locale_of(language)), (v, language)
            assert format_number(v, language) == format_decimal(v, locale=locale_of(language))
    assert quick > len(values) * 2  # most take the quick path
    assert format_number(1e300, "fi") == "1e+300"  # beyond Babel: written, not an error
