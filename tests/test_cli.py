"""The command line speaks the console language: help, its own lines, click's usage errors."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

import roundtrip.demo.run as demo_run
from roundtrip.cli import main
from roundtrip.language import tr


def _flat(text: str) -> str:
    """The text with its lines joined (help is wrapped to the terminal's width)."""
    return " ".join(text.split())


def test_help_in_finnish():
    result = CliRunner().invoke(main, ["--lang", "fi", "--help"])
    assert result.exit_code == 0, result.output
    out = _flat(result.output)
    assert "Käyttö:" in out and "Valitsimet:" in out and "Komennot:" in out
    assert "Toimenpideohjelman raportointikierros Excelillä" in out
    assert "Työkansio (oletus: nykyinen kansio)." in out
    assert "Tarkista programme.xlsx ja ilmoita jokainen virhe ja sen solu." in out
    assert "Usage" not in out and "Workspace folder" not in out and "Validate" not in out


def test_a_command_s_help_in_swedish():
    result = CliRunner().invoke(main, ["--lang", "sv", "collect", "--help"])
    assert result.exit_code == 0, result.output
    out = _flat(result.output)
    assert "Användning: main collect" in out
    assert "Läs in returnerade filer (standard inbox/PERIOD/) i registret." in out
    assert "Visa den här hjälpen och avsluta." in out
    assert "Read returned files" not in out


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_every_command_and_option_help_is_translated(language):
    for name, command in main.commands.items():
        result = CliRunner().invoke(main, ["--lang", language, name, "--help"])
        assert result.exit_code == 0, (name, result.output)
        out = _flat(result.output)
        texts = [command.help or ""] + [p.help for p in command.params if getattr(p, "help", None)]
        for english in texts:
            translated = tr(language, english)
            assert translated != english, (name, english)
            assert _flat(translated) in out, (name, translated)
            assert _flat(english) not in out, (name, english)


def test_an_error_line_in_finnish(tmp_path):
    (tmp_path / "muistio.docx").write_text("oma")
    result = CliRunner().invoke(main, ["--lang", "fi", "demo", str(tmp_path)])
    assert result.exit_code == 2
    assert result.output.startswith("Virhe: ")
    assert "ei ole tyhjä eikä aiemman esimerkkiajon kansio" in result.output


def test_click_s_own_errors_follow_the_console_language():
    result = CliRunner().invoke(main, ["--lang", "fi", "summary"])
    assert result.exit_code == 2
    assert "Virhe: Puuttuva argumentti 'PERIOD'." in result.output
    assert "Ohjeen saat komennolla 'main summary --help'." in result.output
    result = CliRunner().invoke(main, ["--lang", "sv", "sumary"])
    assert "Fel: Kommandot 'sumary' finns inte. Menade du 'summary'?" in result.output
    result = CliRunner().invoke(main, ["summary"])  # the tests' console: English
    assert "Error: Missing argument 'PERIOD'." in result.output


def test_interrupted_in_swedish(tmp_path, monkeypatch):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(demo_run, "run_demo", interrupted)
    result = CliRunner().invoke(main, ["--lang", "sv", "demo", str(tmp_path / "d")])
    assert result.exit_code == 130
    assert result.output.strip() == "Avbrutet."


def test_check_s_line(aura_ws):
    english = CliRunner().invoke(main, ["-w", str(aura_ws.root), "check"])
    assert english.exit_code == 0, english.output
    assert "programme.xlsx: OK: 4 priorities, 8 departments, " in english.output
    finnish = CliRunner().invoke(main, ["--lang", "fi", "-w", str(aura_ws.root), "check"])
    assert "programme.xlsx: kunnossa: 4 painopistettä, 8 toimialaa, " in finnish.output
    assert "toimenpidettä" in finnish.output and "mittaria (versio " in finnish.output


def test_wrote_lines(aura_ws, tmp_path):
    out = tmp_path / "rekisteri.xlsx"
    args = ["--lang", "fi", "-w", str(aura_ws.root), "register", "-o", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"Tallennettu: {out}"


def test_version_line():
    from roundtrip import __version__

    result = CliRunner().invoke(main, ["--lang", "fi", "--version"])
    assert result.exit_code == 0
    assert result.output == f"roundtrip, versio {__version__}\n"
    assert CliRunner().invoke(main, ["--version"]).output == f"roundtrip, version {__version__}\n"
