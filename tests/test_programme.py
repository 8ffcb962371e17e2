"""programme.xlsx: written with xlsxwriter, edited with openpyxl as a coordinator would, loaded."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import openpyxl
import pytest
import soffice
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from roundtrip.cli import main
from roundtrip.errors import ConfigError
from roundtrip.language import tr
from roundtrip.programme.bundled import load_example, with_version
from roundtrip.programme.model import (
    LANGUAGES,
    METRIC_KINDS,
    SMTP_SECURITIES,
    Action,
    Department,
    Metric,
    Priority,
    Programme,
)
from roundtrip.programme.names import (
    COLUMN_NAMES,
    COLUMNS,
    SETTING_KEYS,
    SETTING_NAMES,
    SHEET_NAMES,
    cadence_name,
    column_name,
    flag_name,
    fold,
    kind_name,
    setting_name,
    sheet_name,
    sign_off_name,
)
from roundtrip.programme.workbook import load_programme, write_programme


@pytest.fixture(scope="module")
def aura():
    return load_example("aura")


def in_language(p: Programme, language: str) -> Programme:
    """`p` with another language (its programme.xlsx is then written in that language)."""
    return with_version(
        dataclasses.replace(p, settings=dataclasses.replace(p.settings, language=language))
    )


@pytest.fixture(scope="module")
def aura_bytes(aura, tmp_path_factory) -> dict[str, bytes]:
    """The Aura programme.xlsx in each language (Aura's own is Finnish)."""
    out = {}
    for language in LANGUAGES:
        path = tmp_path_factory.mktemp(f"aura-{language}") / "programme.xlsx"
        write_programme(in_language(aura, language), path)
        out[language] = path.read_bytes()
    return out


@pytest.fixture
def written(tmp_path: Path, aura_bytes) -> Path:
    """Aura's programme.xlsx as `init --example aura` writes it: in Finnish."""
    path = tmp_path / "programme.xlsx"
    path.write_bytes(aura_bytes["fi"])
    return path


def find_row(ws, column: int, value) -> int:
    for row in ws.iter_rows(min_row=1):
        if row[column - 1].value == value:
            return row[0].row
    raise AssertionError(f"{value!r} not found on {ws.title}")


def edit(path: Path, fn) -> None:
    wb = openpyxl.load_workbook(path)
    fn(wb)
    wb.save(path)


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_programme(path)
    return [str(p) for p in info.value.problems]


def test_aura_round_trips_through_programme_xlsx(written: Path, aura):
    back = load_programme(written)
    assert back == aura
    assert back.version == aura.version
    assert sum(len(a.metrics) for a in back.actions) == sum(len(a.metrics) for a in aura.actions)


@pytest.mark.parametrize("language", LANGUAGES)
def test_each_language_writes_and_reads_the_same_programme(tmp_path: Path, aura, language):
    p = in_language(aura, language)
    path = tmp_path / "programme.xlsx"
    write_programme(p, path)
    assert load_programme(path) == p
    # Its sheets, headers and settings are in its language.
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [sheet_name(k, language) for k in COLUMNS]
    for key, columns in COLUMNS.items():
        headers = [c.value for c in wb[sheet_name(key, language)][1]]
        assert headers == [column_name(key, c, language) for c in columns]


def test_the_names_are_finnish_swedish_and_english(aura_bytes, tmp_path: Path):
    expected = {
        "fi": [
            "asetukset",
            "painopisteet",
            "toimialat",
            "toimenpiteet",
            "mittarit",
            "välitavoitteet",
            "tilat",
        ],
        "sv": [
            "inställningar",
            "fokusområden",
            "sektorer",
            "åtgärder",
            "mätare",
            "delmål",
            "statusar",
        ],
        "en": [
            "settings",
            "priorities",
            "departments",
            "actions",
            "metrics",
            "targets",
            "statuses",
        ],
    }
    for language, sheets in expected.items():
        path = tmp_path / f"{language}.xlsx"
        path.write_bytes(aura_bytes[language])
        wb = openpyxl.load_workbook(path)
        assert wb.sheetnames == sheets
    fi = openpyxl.load_workbook(tmp_path / "fi.xlsx")
    assert [c.value for c in fi["toimenpiteet"][1]][:4] == [
        "tunnus",
        "painopiste",
        "toimiala",
        "toimenpide",
    ]
    settings = {r[0].value: r[1].value for r in fi["asetukset"].iter_rows(min_row=2)}
    assert settings["kieli"] == "fi" and settings["raportointiväli"] == "vuosineljännes"
    sv = openpyxl.load_workbook(tmp_path / "sv.xlsx")
    assert [c.value for c in sv["mätare"][1]][:3] == ["mätarens kod", "åtgärdens kod", "mätare"]
    assert {r[0].value for r in sv["inställningar"].iter_rows(min_row=2)} >= {"språk", "namn"}


def test_no_name_means_two_things():
    """Across the three languages, no sheet, column or setting name stands for two keys."""
    for names in (SHEET_NAMES, SETTING_NAMES, *COLUMN_NAMES.values()):
        for key, message in names.items():
            for language in LANGUAGES:
                name = tr(language, message)
                others = [k for k, m in names.items() if k != key]
                clashes = [
                    k for k in others if any(fold(tr(x, names[k])) == fold(name) for x in LANGUAGES)
                ]
                assert not clashes, (language, key, name, clashes)


def test_an_english_programme_xlsx_still_reads(tmp_path: Path, aura_bytes, aura):
    """Every programme.xlsx written before the names were translated has English names."""
    path = tmp_path / "programme.xlsx"
    path.write_bytes(aura_bytes["en"])
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[3] == "actions" and wb["actions"]["A1"].value == "id"
    assert wb["settings"]["B6"].value == "quarter"
    assert load_programme(path) == in_language(aura, "en")


def as_before_translation(path: Path) -> None:
    """Rewrite a Finnish programme.xlsx as roundtrip wrote every one before its names were
    translated: English sheets, headers, settings, flags, kinds and cadence (language fi)."""
    fi = "fi"
    english = {
        **{flag_name(True, fi): "yes", flag_name(False, fi): "no"},
        **{kind_name(k, fi): k for k in METRIC_KINDS},
        **{cadence_name(c, fi): c for c in ("quarter", "half", "year")},
        **{setting_name(k, fi): k for k in SETTING_KEYS},
    }

    def fn(wb):
        for key, columns in COLUMNS.items():
            ws = wb[sheet_name(key, fi)]
            ws.title = key
            for cell, column in zip(ws[1], columns, strict=True):
                cell.value = column
            for row in ws.iter_rows(min_row=2):
                for cell in row[:2] if key == "settings" else row:  # (not the help)
                    if isinstance(cell.value, str) and cell.value in english:
                        cell.value = english[cell.value]

    edit(path, fn)


def test_a_finnish_programme_with_english_names_still_reads(written: Path, aura):
    """Every workspace made before: a Finnish programme in a programme.xlsx with English
    names. It reads as before, and its problems name its (English) sheets and columns."""
    as_before_translation(written)
    wb = openpyxl.load_workbook(written)
    assert wb.sheetnames == list(COLUMNS) and wb["settings"]["A6"].value == "cadence"
    assert load_programme(written) == aura
    edit(written, lambda wb: CASES["bad flag"][0](wb, "en"))
    assert problems_of(written) == [
        "programme.xlsx: actions!I2: active must be yes or no, not 'maybe'"
    ]


def test_names_are_read_in_any_language_case_and_spacing(written: Path, aura):
    """Sheet by sheet, header by header, setting by setting: any of fi, sv, en, mixed, in any
    case, with spaces or underscores."""

    def fn(wb):
        wb["toimenpiteet"].title = "Actions"
        wb["tilat"].title = "  STATUSAR "
        ws = wb["Actions"]
        ws["A1"].value, ws["C1"].value, ws["I1"].value = "ID", "Sektor", "Active"
        met = wb["mittarit"]
        met["A1"].value, met["H1"].value = "Metric ID", "higher is better"
        st = wb["asetukset"]
        st["A1"].value = "Key"
        st.cell(find_row(st, 1, "raportointiväli"), 1).value = "cadence"
        st.cell(find_row(st, 1, "cadence"), 2).value = "Kvartal"
        st.cell(find_row(st, 1, "kieli"), 1).value = "Språk"

    edit(written, fn)
    assert load_programme(written) == aura


def test_written_file_guides_the_coordinator(written: Path):
    wb = openpyxl.load_workbook(written)
    actions = wb["toimenpiteet"]
    assert actions["A1"].font.b
    assert actions.freeze_panes == "A2"
    assert actions.auto_filter.ref
    metrics = wb["mittarit"].data_validations.dataValidation
    formulas = {dv.formula1 for dv in metrics}
    assert '"lukumäärä,luku,prosentti,kyllä/ei,teksti"' in formulas
    assert "'toimenpiteet'!$A$2:$A$1016" in formulas
    flags = {dv.formula1 for dv in actions.data_validations.dataValidation}
    assert '"kyllä,ei"' in flags and "'painopisteet'!$A$2:$A$1054" in flags
    prompts = {dv.prompt for dv in actions.data_validations.dataValidation}
    assert "Tunnus välilehdeltä toimialat." in prompts and "Valitse kyllä tai ei." in prompts


def test_same_programme_gives_same_bytes(tmp_path: Path, aura):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_programme(aura, a)
    write_programme(aura, b)
    assert a.read_bytes() == b.read_bytes()


def test_numbers_typed_by_excel_are_understood(written: Path, aura):
    def typed(wb):
        st = wb["asetukset"]
        st.cell(find_row(st, 1, "palautusaika (päivää)"), 2).value = 21.0
        pr = wb["painopisteet"]
        pr.cell(find_row(pr, 1, "P1"), 1).value = 1
        act = wb["toimenpiteet"]
        for row in act.iter_rows(min_row=2):
            if row[1].value == "P1":
                row[1].value = 1.0
        met = wb["mittarit"]
        met.cell(find_row(met, 1, "P1-06-M1"), 7).value = 12.0  # target typed as a number
        met.cell(find_row(met, 1, "P1-06-M1"), 8).value = False  # Excel boolean

    edit(written, typed)
    p = load_programme(written)
    assert p.settings.deadline_days == 21
    assert p.priorities[0].id == "1"
    assert {a.priority_id for a in p.actions if a.id.startswith("P1-")} == {"1"}
    m = next(a for a in p.actions if a.id == "P1-06").metrics[0]
    assert m.target == "12" and m.higher_is_better is False
    assert p.version == with_version(dataclasses.replace(p, version="")).version


# (edit, expected sheet and cell, expected words) per error kind. Sheets, columns and settings
# are named by key: each case is tried on a programme.xlsx in each language, and the words
# (the console's, English in tests) name them as that file does: {name} is the column or
# setting of the cell, {first_period} a setting, {sheet} the sheet referred to.
def _set(sheet: str, key_col: int, key, col: int, value):
    def fn(wb, language):
        ws = wb[sheet_name(sheet, language)]
        wanted = setting_name(key, language) if sheet == "settings" else key
        ws.cell(find_row(ws, key_col, wanted), col).value = value

    return fn


CASES = {
    "duplicate priority": (
        _set("priorities", 1, "P2", 1, "P1"),
        ("priorities", "id", "A3"),
        "duplicate {name}",
    ),
    "duplicate department": (
        _set("departments", 1, "HAL", 1, "YEP"),
        ("departments", "id", "A3"),
        "duplicate {name} 'YEP'",
    ),
    "duplicate action": (
        _set("actions", 1, "P1-02", 1, "P1-01"),
        ("actions", "id", "A3"),
        "duplicate {name}",
    ),
    "duplicate metric": (
        _set("metrics", 1, "P1-01-M2", 1, "P1-01-M1"),
        ("metrics", "metric_id", "A3"),
        "duplicate {name} 'P1-01-M1' (first at A2)",
    ),
    "unknown department": (
        _set("actions", 1, "P1-03", 3, "XYZ"),
        ("actions", "department", "C4"),
        "unknown department 'XYZ' (not on the {departments} sheet)",
    ),
    "unknown priority": (
        _set("actions", 1, "P1-03", 2, "P9"),
        ("actions", "priority", "B4"),
        "unknown priority 'P9' (not on the {priorities} sheet)",
    ),
    "unknown kind": (
        _set("metrics", 1, "P1-01-M1", 4, "money"),
        ("metrics", "kind", "D2"),
        "unknown metric kind 'money' (use {count}, ",
    ),
    "metric of unknown action": (
        _set("metrics", 1, "P1-01-M1", 2, "P7-01"),
        ("metrics", "action_id", "B2"),
        "unknown action 'P7-01' (not on the {actions} sheet)",
    ),
    "unparseable period": (
        _set("settings", 1, "first_period", 2, "Q3/2023"),
        ("settings", "first_period", "B7"),
        "{name}: not a period",
    ),
    "period of wrong cadence": (
        _set("settings", 1, "last_period", 2, "2026H2"),
        ("settings", "last_period", "B8"),
        "cadence",
    ),
    "first after last": (
        _set("settings", 1, "first_period", 2, "2027Q1"),
        ("settings", "last_period", "B8"),
        "{name} 2026Q4 is before {first_period} 2027Q1",
    ),
    "bad cadence": (
        _set("settings", 1, "cadence", 2, "monthly"),
        ("settings", "cadence", "B6"),
        "unknown cadence 'monthly' (use {quarter}, {half} or {year})",
    ),
    "bad language": (
        _set("settings", 1, "language", 2, "de"),
        ("settings", "language", "B5"),
        "unknown language",
    ),
    "bad deadline": (
        _set("settings", 1, "deadline_days", 2, "two weeks"),
        ("settings", "deadline_days", "B9"),
        "{name} must be a whole number",
    ),
    "fractional deadline": (
        _set("settings", 1, "deadline_days", 2, 14.5),
        ("settings", "deadline_days", "B9"),
        "whole",
    ),
    "empty action text": (
        _set("actions", 1, "P1-05", 4, None),
        ("actions", "action", "D6"),
        "{name} is empty",
    ),
    "empty programme name": (
        _set("settings", 1, "name", 2, "  "),
        ("settings", "name", "B3"),
        "{name} is empty",
    ),
    "bad colour": (
        _set("statuses", 1, "major", 3, "red"),
        ("statuses", "colour", "C5"),
        "{name} must be #RRGGBB",
    ),
    "bad flag": (
        _set("actions", 1, "P1-01", 9, "maybe"),
        ("actions", "active", "I2"),
        "{name} must be {yes} or {no}, not 'maybe'",
    ),
    "bad department address": (
        _set("departments", 1, "HAL", 4, "hallinto at aura.example"),
        ("departments", "email", "D3"),
        "{name} 'hallinto at aura.example' is not an e-mail address",
    ),
    "two department addresses": (
        _set("departments", 1, "HAL", 4, "a@aura.example;b@aura.example"),
        ("departments", "email", "D3"),
        "is not an e-mail address (write one address",
    ),
    "bad coordinator address": (
        _set("settings", 1, "coordinator_email", 2, "Miia Lehtonen"),
        ("settings", "coordinator_email", "B11"),
        "{name} 'Miia Lehtonen' is not an e-mail address",
    ),
    "bad sender address": (
        _set("settings", 1, "mail_sender", 2, "elinvoima@aura"),
        ("settings", "mail_sender", "B17"),
        "{name} 'elinvoima@aura' is not an e-mail address",
    ),
    "bad reminder gap": (
        _set("settings", 1, "reminder_gap_days", 2, -1),
        ("settings", "reminder_gap_days", "B12"),
        "{name} must be a whole number of days 0–366, not '-1'",
    ),
    "bad smtp host": (
        _set("settings", 1, "smtp_host", 2, "smtp aura fi"),
        ("settings", "smtp_host", "B13"),
        "{name} must be a mail server's name",
    ),
    "bad smtp port": (
        _set("settings", 1, "smtp_port", 2, 70000),
        ("settings", "smtp_port", "B14"),
        "{name} must be a whole number 0–65535, not '70000'",
    ),
    "unknown partner": (
        _set("actions", 1, "P1-03", 10, "SIV; XYZ"),
        ("actions", "partners", "J4"),
        "unknown department 'XYZ' (not on the {departments} sheet)",
    ),
    "lead as partner": (
        _set("actions", 1, "P1-01", 10, "YEP"),
        ("actions", "partners", "J2"),
        "'YEP' leads the action: it is not also its partner",
    ),
    "bad schedule start": (
        _set("actions", 1, "P1-01", 11, "syksy"),
        ("actions", "start", "K2"),
        "{name} must be a year (2025) or a period (2025Q3, 2025H2), not 'syksy'",
    ),
    "schedule end before start": (
        lambda wb, language: (
            _set("actions", 1, "P1-01", 11, "2024q1")(wb, language),
            _set("actions", 1, "P1-01", 12, "2023H2")(wb, language),
        ),
        ("actions", "end", "L2"),
        "{name} 2023H2 is before ",
    ),
    "bad partners_report": (
        _set("settings", 1, "partners_report", 2, "often"),
        ("settings", "partners_report", "B20"),
        "{name} must be {yes} or {no}, not 'often'",
    ),
    "bad smtp security": (
        _set("settings", 1, "smtp_security", 2, "tls"),
        ("settings", "smtp_security", "B15"),
        "{name} must be starttls, ssl or none, not 'tls'",
    ),
    "bad mail limit": (
        _set("settings", 1, "mail_limit_mb", 2, "ten"),
        ("settings", "mail_limit_mb", "B18"),
        "{name} must be a number of megabytes above 0, such as 10, not 'ten'",
    ),
    "zero mail limit": (
        _set("settings", 1, "mail_limit_mb", 2, 0),
        ("settings", "mail_limit_mb", "B18"),
        "{name} must be a number of megabytes above 0",
    ),
    "unknown setting": (
        _set("settings", 1, "coordinator", 1, "coordinater"),
        ("settings", "", "A10"),
        "unknown setting 'coordinater' (known: {programme_id}, {name}, ",
    ),
}


def expected(case: str, language: str) -> tuple[str, str]:
    """The location and the words of CASES[case] in a programme.xlsx in `language`."""
    _fn, (sheet, key, cell), words = CASES[case]
    names = {k: sheet_name(k, language) for k in COLUMNS}
    names |= {k: setting_name(k, language) for k in SETTING_KEYS}
    names |= {k: cadence_name(k, language) for k in ("quarter", "half", "year")}
    names |= {k: kind_name(k, language) for k in ("count",)}
    names |= {"yes": flag_name(True, language), "no": flag_name(False, language)}
    if key:
        names["name"] = (
            setting_name(key, language)
            if sheet == "settings"
            else column_name(sheet, key, language)
        )
    return f"{sheet_name(sheet, language)}!{cell}", words.format(**names)


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_each_error_names_file_sheet_and_cell(tmp_path: Path, aura_bytes, case: str, language):
    path = tmp_path / "programme.xlsx"
    path.write_bytes(aura_bytes[language])
    edit(path, lambda wb: CASES[case][0](wb, language))
    where, words = expected(case, language)
    problems = problems_of(path)
    assert any(p.startswith(f"programme.xlsx: {where}: ") and words in p for p in problems), (
        where,
        words,
        problems,
    )


def test_the_finnish_file_s_problems_name_its_finnish_cells(written: Path):
    edit(written, lambda wb: CASES["unknown department"][0](wb, "fi"))
    [problem] = problems_of(written)
    assert problem == (
        "programme.xlsx: toimenpiteet!C4: unknown department 'XYZ' (not on the toimialat sheet)"
    )


def test_missing_sheet_and_missing_column(written: Path):
    def fn(wb):
        del wb["tilat"]
        wb["toimenpiteet"]["C1"].value = "dept"  # renamed header: the column is now missing

    edit(written, fn)
    problems = problems_of(written)
    assert "programme.xlsx: tilat: missing sheet 'tilat'" in problems
    assert any(
        p.startswith("programme.xlsx: toimenpiteet!A1: missing column 'toimiala' (the header ")
        and "tunnus, painopiste, toimiala, toimenpide" in p
        for p in problems
    )


def test_missing_names_are_named_in_the_file_s_language(tmp_path: Path, aura_bytes):
    path = tmp_path / "programme.xlsx"
    path.write_bytes(aura_bytes["sv"])

    def fn(wb):
        del wb["statusar"]
        st = wb["inställningar"]
        st.delete_rows(find_row(st, 1, "namn"))

    edit(path, fn)
    problems = problems_of(path)
    assert "programme.xlsx: statusar: missing sheet 'statusar'" in problems
    assert "programme.xlsx: inställningar!A2: missing setting 'namn'" in problems


def test_columns_are_found_by_name_not_position(written: Path, aura):
    def fn(wb):
        ws = wb["toimialat"]
        ws.insert_cols(1)
        ws["A1"].value = "notes"
        ws["A2"].value = "moved"

    edit(written, fn)
    assert load_programme(written).departments == aura.departments


def test_all_problems_are_reported_at_once(written: Path):
    def fn(wb):
        for case in ("bad colour", "unknown department", "bad language"):
            CASES[case][0](wb, "fi")

    edit(written, fn)
    problems = problems_of(written)
    assert len(problems) == 3
    assert any("tilat!C5" in p for p in problems)
    assert any("toimenpiteet!C4" in p for p in problems)
    assert any("asetukset!B5" in p for p in problems)


@pytest.mark.parametrize("content", [b"not a workbook at all", b"PK\x03\x04broken zip"])
def test_non_xlsx_or_corrupt_file_is_one_clear_line(tmp_path: Path, content: bytes):
    path = tmp_path / "programme.xlsx"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as info:
        load_programme(path)
    text = str(info.value)
    assert text.startswith("programme.xlsx: ") and "\n" not in text


def _two_problems(wb):
    CASES["bad colour"][0](wb, "fi")
    CASES["bad flag"][0](wb, "fi")


def test_check_exits_2_with_every_problem(tmp_path: Path):
    """`check` on the Finnish programme.xlsx `init --example aura` writes names its cells and
    columns as the file does (the console is English in tests)."""
    runner = CliRunner()
    ws = tmp_path / "ws"
    assert runner.invoke(main, ["init", str(ws), "--example", "aura"]).exit_code == 0
    edit(ws / "programme.xlsx", _two_problems)
    result = runner.invoke(main, ["-w", str(ws), "check"])
    assert result.exit_code == 2
    assert "Error: 2 problems in programme.xlsx" in result.output
    assert "programme.xlsx: tilat!C5: väri must be #RRGGBB (e.g. #63BE7B), not 'red'" in (
        result.output
    )
    assert "programme.xlsx: toimenpiteet!I2: voimassa must be kyllä or ei, not 'maybe'" in (
        result.output
    )
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    ("language", "lines"),
    [
        (
            "fi",
            [
                "Virhe: 2 virhettä tiedostossa programme.xlsx",
                "programme.xlsx: tilat!C5: väri: anna väri muodossa #RRGGBB (esim. #63BE7B), "
                "nyt 'red'",
                "programme.xlsx: toimenpiteet!I2: voimassa: arvon pitää olla kyllä tai ei "
                "(nyt 'maybe')",
            ],
        ),
        (
            "sv",
            [
                "programme.xlsx: tilat!C5: väri: ange färgen som #RRGGBB (t.ex. #63BE7B), nu 'red'",
            ],
        ),
    ],
)
def test_check_speaks_the_console_language(tmp_path: Path, language, lines):
    runner = CliRunner()
    ws = tmp_path / "ws"
    assert runner.invoke(main, ["init", str(ws), "--example", "aura"]).exit_code == 0
    edit(ws / "programme.xlsx", _two_problems)
    result = runner.invoke(main, ["--lang", language, "-w", str(ws), "check"])
    assert result.exit_code == 2
    for line in lines:
        assert line in result.output, result.output


def test_a_broken_programme_is_told_in_its_own_language(tmp_path: Path, monkeypatch, written):
    """Without --lang or ROUNDTRIP_LANG the console speaks the programme's language, even
    when the programme cannot be loaded: its settings say which."""
    monkeypatch.delenv("ROUNDTRIP_LANG")
    edit(written, lambda wb: CASES["bad flag"][0](wb, "fi"))
    assert problems_of(written) == [
        "programme.xlsx: toimenpiteet!I2: voimassa: arvon pitää olla kyllä tai ei (nyt 'maybe')"
    ]


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_programme_survives_a_libreoffice_resave(written: Path, aura, tmp_path: Path):
    out = tmp_path / "lo"
    soffice.convert(written, out, "xlsx:Calc MS Excel 2007 XML", timeout=120)
    assert load_programme(out / "programme.xlsx") == aura


_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs", "Zl", "Zp"), blacklist_characters="\u0085"
    ),
    max_size=40,
).map(str.strip)
_ID = st.from_regex(r"[A-Z][A-Za-z0-9_.\-]{0,8}", fullmatch=True)
_EMAIL = st.one_of(
    st.just(""),
    st.from_regex(
        r"[a-z][a-z0-9_+\-]{0,8}(\.[a-z0-9]{1,4})?@[a-z0-9\-]{1,8}\.[a-z]{2,4}", fullmatch=True
    ),
)


@st.composite
def programmes(draw):
    base = load_example("aura")
    pids = draw(st.lists(_ID, min_size=1, max_size=3, unique=True))
    dids = draw(st.lists(_ID, min_size=1, max_size=3, unique=True))
    priorities = tuple(Priority(p, draw(_TEXT.filter(bool))) for p in pids)
    departments = tuple(
        Department(d, draw(_TEXT.filter(bool)), draw(_TEXT), draw(_EMAIL)) for d in dids
    )
    actions = []
    for i in range(draw(st.integers(0, 4))):
        aid = f"A{i}"
        metrics = tuple(
            Metric(
                f"{aid}-M{n}",
                aid,
                draw(_TEXT.filter(bool)),
                draw(st.sampled_from(METRIC_KINDS)),
                draw(_TEXT),
                draw(_TEXT),
                draw(_TEXT),
                draw(st.booleans()),
            )
            for n in range(draw(st.integers(0, 2)))
        )
        actions.append(
            Action(
                aid,
                draw(st.sampled_from(pids)),
                draw(st.sampled_from(dids)),
                draw(_TEXT.filter(bool)),
                metrics,
                draw(_TEXT),
                draw(_TEXT),
                draw(_TEXT),
                draw(_TEXT),
                draw(st.booleans()),
                partners=tuple(draw(st.lists(st.sampled_from(dids), unique=True, max_size=3))),
                **dict(zip(("start", "end"), draw(_BOUNDS), strict=True)),
            )
        )
        lead = actions[-1].department_id
        if lead in actions[-1].partners:
            actions[-1] = dataclasses.replace(
                actions[-1], partners=tuple(d for d in actions[-1].partners if d != lead)
            )
    settings = dataclasses.replace(
        base.settings,
        language=draw(st.sampled_from(LANGUAGES)),
        reminder_gap_days=draw(st.integers(0, 366)),
        smtp_host=draw(st.sampled_from(["", "localhost", "smtp.aura.example", "10.0.0.25"])),
        smtp_port=draw(st.integers(0, 65535)),
        smtp_security=draw(st.sampled_from(SMTP_SECURITIES)),
        smtp_user=draw(_TEXT),
        mail_sender=draw(_EMAIL),
        mail_limit_mb=draw(st.integers(1, 100_000).map(lambda n: n / 100)),
        signature=draw(_TEXT),
        partners_report=draw(st.booleans()),
    )
    return with_version(Programme(settings, priorities, departments, tuple(actions), base.statuses))


_BOUNDS = st.sampled_from(
    [
        ("", ""),
        ("2024", "2026"),
        ("2025Q3", ""),
        ("", "2026H2"),
        ("2025H1", "2025Q2"),
        ("2030", "2030"),
    ]
)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(p=programmes())
def test_any_valid_programme_round_trips(tmp_path: Path, p):
    path = tmp_path / "programme.xlsx"
    write_programme(p, path)
    assert load_programme(path) == p


def test_docs_list_the_names_the_code_uses():
    """docs/programme-xlsx.md's tables of names are the catalogue's, in every language."""
    doc = (Path(__file__).parent.parent / "docs" / "programme-xlsx.md").read_text("utf-8")
    rows = {}
    for line in doc.splitlines():
        cells = [c.strip().strip("*").strip("`") for c in line.strip("|").split("|")]
        if line.startswith("| ") and len(cells) == 4 and cells[1] != "en":
            rows[cells[0]] = cells[1:]
    want = {k: [sheet_name(k, x) for x in ("en", "fi", "sv")] for k in COLUMNS}
    for key, columns in COLUMNS.items():
        for c in columns:
            want[f"{key}: {c}"] = [column_name(key, c, x) for x in ("en", "fi", "sv")]
    for k in SETTING_KEYS:
        want[k] = [setting_name(k, x) for x in ("en", "fi", "sv")]
    for k in ("quarter", "half", "year"):
        want[f"cadence {k}"] = [cadence_name(k, x) for x in ("en", "fi", "sv")]
    want["flag yes"] = [flag_name(True, x) for x in ("en", "fi", "sv")]
    want["flag no"] = [flag_name(False, x) for x in ("en", "fi", "sv")]
    for k in ("off", "warn", "required"):
        want[f"sign_off {k}"] = [sign_off_name(k, x) for x in ("en", "fi", "sv")]
    assert rows == want


def test_fields_added_later_change_no_version_while_unused(aura):
    """Partners, schedule bounds, partners_report and metric targets by period came after
    versions were first written into workbooks: unused, they leave the version as it was
    (every workbook sent out before stays current); used, they make a new one."""
    unbounded = tuple(dataclasses.replace(a, start="", end="") for a in aura.actions)
    before = with_version(dataclasses.replace(aura, actions=unbounded, version=""))
    assert before.version == "7a3e62e701b3"  # Aura's version before its schedules had bounds
    assert aura.version != before.version  # with them
    first = aura.actions[1]  # no bounds
    for changed in (
        dataclasses.replace(first, partners=("SIV",)),
        dataclasses.replace(first, start="2024"),
        dataclasses.replace(first, end="2026Q4"),
        dataclasses.replace(
            first,
            metrics=(Metric("X-M1", first.id, "m", "count", target="5", targets=(("2025", "3"),)),),
        ),
    ):
        p = dataclasses.replace(
            aura, actions=(aura.actions[0], changed, *aura.actions[2:]), version=""
        )
        assert with_version(p).version != aura.version
    p = dataclasses.replace(
        aura, settings=dataclasses.replace(aura.settings, partners_report=True), version=""
    )
    assert with_version(p).version != aura.version
