"""The send-out's programme settings (issue 23) and the e-mail addresses `check` verifies.

reminder_gap_days, smtp_host, smtp_port, smtp_security, smtp_user, mail_sender, mail_limit_mb
and signature: written into programme.xlsx in its language and read back, taken as their
defaults from a programme.xlsx written before they existed, carried by the programme cache,
read from TOML, and left out of the programme version.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from roundtrip.cli import main
from roundtrip.errors import ConfigError
from roundtrip.programme.bundled import load_example, programme_from_dict, with_version
from roundtrip.programme.cache import Slices, content_key
from roundtrip.programme.model import (
    LANGUAGES,
    MAIL_SETTINGS,
    SMTP_PORTS,
    Programme,
    Settings,
    is_address,
)
from roundtrip.programme.names import SETTING_KEYS, column_name, setting_name, sheet_name
from roundtrip.programme.workbook import load_programme, write_programme

MAILING = {
    "reminder_gap_days": 9,
    "smtp_host": "smtp.aura.example",
    "smtp_port": 465,
    "smtp_security": "ssl",
    "smtp_user": "elinvoima",
    "mail_sender": "raportointi@aura.example",
    "mail_limit_mb": 7.5,
    "signature": "Miia Lehtonen\nelinvoimajohtaja vs.\nAuran kunta",
}


@pytest.fixture(scope="module")
def aura() -> Programme:
    return load_example("aura")


def in_language(p: Programme, language: str, **settings) -> Programme:
    return with_version(
        dataclasses.replace(
            p, settings=dataclasses.replace(p.settings, language=language, **settings)
        )
    )


def settings_rows(path: Path, language: str) -> dict[str, int]:
    """The settings sheet's rows by setting key."""
    ws = openpyxl.load_workbook(path)[sheet_name("settings", language)]
    names = {setting_name(k, language): k for k in SETTING_KEYS}
    return {names[row[0].value]: row[0].row for row in ws.iter_rows(min_row=2) if row[0].value}


def edit(path: Path, fn) -> None:
    wb = openpyxl.load_workbook(path)
    fn(wb)
    wb.save(path)


def test_the_defaults():
    s = Settings("p", "P", "O")
    assert (s.reminder_gap_days, s.smtp_host, s.smtp_port, s.smtp_security) == (
        5,
        "",
        0,
        "starttls",
    )
    assert (s.smtp_user, s.mail_sender, s.mail_limit_mb, s.signature) == ("", "", 10.0, "")
    assert s.smtp_port_or_default() == 587
    assert dataclasses.replace(s, smtp_security="ssl").smtp_port_or_default() == 465
    assert dataclasses.replace(s, smtp_security="none").smtp_port_or_default() == 25
    assert dataclasses.replace(s, smtp_port=2525).smtp_port_or_default() == 2525
    assert SMTP_PORTS == {"starttls": 587, "ssl": 465, "none": 25}
    # Never a password in programme.xlsx (ROUNDTRIP_SMTP_PASSWORD only).
    assert not [k for k in Settings.__dataclass_fields__ if "pass" in k]
    assert not [k for k in SETTING_KEYS if "pass" in k]


@pytest.mark.parametrize("language", LANGUAGES)
def test_mail_settings_round_trip_through_programme_xlsx(tmp_path: Path, aura, language):
    p = in_language(aura, language, **MAILING)
    path = tmp_path / "programme.xlsx"
    write_programme(p, path)
    back = load_programme(path)
    assert back == p
    assert {k: getattr(back.settings, k) for k in MAILING} == MAILING
    # Each is named in the file's language, with its help.
    wb = openpyxl.load_workbook(path)
    ws = wb[sheet_name("settings", language)]
    rows = settings_rows(path, language)
    assert set(MAIL_SETTINGS) <= set(rows)
    assert ws.cell(rows["smtp_port"], 2).value == 465
    assert ws.cell(rows["mail_limit_mb"], 2).value == 7.5
    assert ws.cell(rows["signature"], 2).value == MAILING["signature"]
    assert "ROUNDTRIP_SMTP_PASSWORD" in ws.cell(rows["smtp_user"], 3).value


def test_mail_settings_are_named_in_finnish_and_swedish(tmp_path: Path, aura):
    assert [setting_name(k, "fi") for k in MAIL_SETTINGS] == [
        "muistutusväli (päivää)",
        "SMTP-palvelin",
        "SMTP-portti",
        "SMTP-suojaus",
        "SMTP-käyttäjätunnus",
        "lähettäjän sähköposti",
        "liitteen enimmäiskoko (Mt)",
        "allekirjoitus",
    ]
    assert setting_name("reminder_gap_days", "sv") == "påminnelseintervall (dagar)"
    assert setting_name("mail_sender", "sv") == "avsändarens e-post"
    assert [setting_name(k, "en") for k in MAIL_SETTINGS] == list(MAIL_SETTINGS)


def test_the_mail_settings_are_not_part_of_the_programme_version(aura):
    """A new mail server must not make every workbook sent out 'from an earlier version'."""
    for language in LANGUAGES:
        assert in_language(aura, language, **MAILING).version == in_language(aura, language).version
    assert in_language(aura, "fi", deadline_days=21).version != in_language(aura, "fi").version


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_programme_xlsx_from_before_the_mail_settings_reads_with_the_defaults(
    tmp_path: Path, aura, language
):
    """Every programme.xlsx written before issue 23 lacks the rows: they take the defaults."""
    p = in_language(aura, language)
    path = tmp_path / "programme.xlsx"
    write_programme(in_language(aura, language, **MAILING), path)
    rows = settings_rows(path, language)

    def drop(wb):
        ws = wb[sheet_name("settings", language)]
        for key in sorted(MAIL_SETTINGS, key=rows.__getitem__, reverse=True):
            ws.delete_rows(rows[key])

    edit(path, drop)
    assert set(settings_rows(path, language)) == set(SETTING_KEYS) - set(MAIL_SETTINGS)
    back = load_programme(path)
    assert back == p and back.version == p.version
    assert back.settings.reminder_gap_days == 5 and back.settings.mail_limit_mb == 10.0


def test_blank_mail_settings_take_the_defaults(tmp_path: Path, aura):
    path = tmp_path / "programme.xlsx"
    write_programme(in_language(aura, "fi", **MAILING), path)
    rows = settings_rows(path, "fi")

    def blank(wb):
        for key in MAIL_SETTINGS:
            wb["asetukset"].cell(rows[key], 2).value = None

    edit(path, blank)
    assert load_programme(path).settings == aura.settings


def test_values_as_excel_and_people_type_them(tmp_path: Path, aura):
    path = tmp_path / "programme.xlsx"
    write_programme(aura, path)
    rows = settings_rows(path, "fi")

    def typed(wb):
        ws = wb["asetukset"]
        ws.cell(rows["reminder_gap_days"], 2).value = 7.0
        ws.cell(rows["smtp_port"], 2).value = "2525"
        ws.cell(rows["smtp_security"], 2).value = " SSL "
        ws.cell(rows["mail_limit_mb"], 2).value = "2,5"
        ws.cell(rows["mail_sender"], 2).value = " kirjaamo@aura.example "

    edit(path, typed)
    s = load_programme(path).settings
    assert (s.reminder_gap_days, s.smtp_port, s.smtp_security) == (7, 2525, "ssl")
    assert (s.mail_limit_mb, s.mail_sender) == (2.5, "kirjaamo@aura.example")


def test_the_written_file_guides_the_mail_settings(tmp_path: Path, aura):
    path = tmp_path / "programme.xlsx"
    write_programme(aura, path)
    rows = settings_rows(path, "fi")
    ws = openpyxl.load_workbook(path)["asetukset"]
    by_cell = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert by_cell[f"B{rows['smtp_security']}"].formula1 == '"starttls,ssl,none"'
    port = by_cell[f"B{rows['smtp_port']}"]
    assert (port.type, port.formula1, port.formula2) == ("whole", "0", "65535")
    gap = by_cell[f"B{rows['reminder_gap_days']}"]
    assert (gap.type, gap.formula1, gap.formula2) == ("whole", "0", "366")
    limit = by_cell[f"B{rows['mail_limit_mb']}"]
    assert (limit.type, limit.operator, limit.formula1) == ("decimal", "greaterThan", "0")
    assert limit.error == "Megatavujen määrä, suurempi kuin 0, esim. 10."


def test_the_cache_carries_the_mail_settings(tmp_path: Path, aura):
    p = in_language(aura, "sv", **MAILING)
    path, cache = tmp_path / "programme.xlsx", tmp_path / ".cache"
    write_programme(p, path)
    first = load_programme(path, cache)
    assert (cache / "programme.json").is_file()
    again = load_programme(path, cache)  # from the cache
    assert again == first == p
    assert isinstance(again.settings.mail_limit_mb, float)
    with Slices.open(cache, content_key(path)) as slices:
        assert slices.head.settings == p.settings


def test_toml_reads_the_mail_settings_when_given(aura):
    base = {
        "programme_id": "x",
        "name": "X",
        "organisation": "Y",
        "language": "sv",
        "cadence": "quarter",
    }
    p = programme_from_dict({"settings": base})
    assert p.settings == Settings(**base)
    toml = {**base, "reminder_gap_days": 3, "mail_limit_mb": 5, "smtp_host": "localhost"}
    q = programme_from_dict({"settings": toml})
    assert (q.settings.reminder_gap_days, q.settings.smtp_host) == (3, "localhost")
    assert q.settings.mail_limit_mb == 5.0 and isinstance(q.settings.mail_limit_mb, float)
    assert q.version == p.version


@pytest.mark.parametrize(
    "text",
    [
        "elinvoima@aura.example",
        "matti.meikalainen@aura.fi",
        "first.last+tag@sub.domain.example",
        "o'brien@example.org",
        "kirjaamo@äänekoski.fi",
    ],
)
def test_addresses_that_pass(text):
    assert is_address(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "Miia Lehtonen",
        "miia@aura",
        "miia.aura.fi",
        "miia@@aura.fi",
        "a@b@aura.fi",
        "@aura.fi",
        "miia@.fi",
        "miia@aura.",
        "miia@aura..fi",
        "miia @aura.fi",
        "miia@aura.fi ",
        "a@aura.fi; b@aura.fi",
        "a@aura.fi,b@aura.fi",
        "Miia <miia@aura.fi>",
        "<miia@aura.fi>",
        "miia@aura.fi\n",
    ],
)
def test_addresses_that_do_not(text):
    assert not is_address(text)


def _bad_department_address(wb):
    wb["toimialat"]["D3"].value = "hallinto(at)aura.example"


def test_check_names_the_cell_of_a_bad_address(tmp_path: Path):
    """`check` on the Finnish programme.xlsx `init --example aura` writes: the departments'
    address column and the settings' addresses, each with its cell as the file names it."""
    runner = CliRunner()
    ws = tmp_path / "ws"
    assert runner.invoke(main, ["init", str(ws), "--example", "aura"]).exit_code == 0
    path = ws / "programme.xlsx"
    rows = settings_rows(path, "fi")

    def bad(wb):
        _bad_department_address(wb)
        wb["asetukset"].cell(rows["coordinator_email"], 2).value = "Miia Lehtonen"
        wb["asetukset"].cell(rows["mail_sender"], 2).value = "raportointi@aura"

    edit(path, bad)
    result = runner.invoke(main, ["-w", str(ws), "check"])
    assert result.exit_code == 2, result.output
    assert "Error: 3 problems in programme.xlsx" in result.output
    assert (
        "programme.xlsx: toimialat!D3: sähköposti 'hallinto(at)aura.example' is not an e-mail "
        "address (write one address, such as name@example.org, without spaces)"
    ) in result.output
    assert (
        f"programme.xlsx: asetukset!B{rows['coordinator_email']}: koordinaattorin sähköposti "
        "'Miia Lehtonen' is not an e-mail address"
    ) in result.output
    assert (
        f"programme.xlsx: asetukset!B{rows['mail_sender']}: lähettäjän sähköposti "
        "'raportointi@aura' is not an e-mail address"
    ) in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("language", "line"),
    [
        (
            "fi",
            "programme.xlsx: toimialat!D3: sähköposti 'hallinto(at)aura.example' ei ole "
            "sähköpostiosoite (kirjoita yksi osoite, esim. nimi@example.org, ilman välilyöntejä)",
        ),
        (
            "sv",
            "programme.xlsx: toimialat!D3: sähköposti 'hallinto(at)aura.example' är ingen "
            "e-postadress (skriv en adress, t.ex. namn@example.org, utan mellanslag)",
        ),
    ],
)
def test_a_bad_address_is_told_in_the_console_language(tmp_path: Path, language, line):
    runner = CliRunner()
    ws = tmp_path / "ws"
    assert runner.invoke(main, ["init", str(ws), "--example", "aura"]).exit_code == 0
    edit(ws / "programme.xlsx", _bad_department_address)
    result = runner.invoke(main, ["--lang", language, "-w", str(ws), "check"])
    assert result.exit_code == 2
    assert line in result.output, result.output


def test_a_swedish_file_names_its_own_cells(tmp_path: Path, aura):
    path = tmp_path / "programme.xlsx"
    write_programme(in_language(aura, "sv"), path)
    edit(path, lambda wb: wb["sektorer"].cell(2, 4, "inte en adress"))
    with pytest.raises(ConfigError) as info:
        load_programme(path)
    [problem] = [str(p) for p in info.value.problems]
    name = column_name("departments", "email", "sv")
    assert problem.startswith(f"programme.xlsx: sektorer!D2: {name} 'inte en adress' ")
