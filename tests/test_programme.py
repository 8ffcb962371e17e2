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
from roundtrip.programme.bundled import load_example, with_version
from roundtrip.programme.model import METRIC_KINDS, Action, Department, Metric, Priority, Programme
from roundtrip.programme.workbook import load_programme, write_programme


@pytest.fixture(scope="module")
def aura():
    return load_example("aura")


@pytest.fixture(scope="module")
def aura_bytes(aura, tmp_path_factory) -> bytes:
    path = tmp_path_factory.mktemp("aura") / "programme.xlsx"
    write_programme(aura, path)
    return path.read_bytes()


@pytest.fixture
def written(tmp_path: Path, aura_bytes: bytes) -> Path:
    path = tmp_path / "programme.xlsx"
    path.write_bytes(aura_bytes)
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


def test_written_file_guides_the_coordinator(written: Path):
    wb = openpyxl.load_workbook(written)
    assert wb.sheetnames == [
        "settings",
        "priorities",
        "departments",
        "actions",
        "metrics",
        "statuses",
    ]
    actions = wb["actions"]
    assert [c.value for c in actions[1]][:4] == ["id", "priority", "department", "action"]
    assert actions["A1"].font.b
    assert actions.freeze_panes == "A2"
    assert actions.auto_filter.ref
    formulas = {dv.formula1 for dv in wb["metrics"].data_validations.dataValidation}
    assert '"count,number,percent,yesno,text"' in formulas
    flags = {dv.formula1 for dv in actions.data_validations.dataValidation}
    assert '"yes,no"' in flags


def test_same_programme_gives_same_bytes(tmp_path: Path, aura):
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_programme(aura, a)
    write_programme(aura, b)
    assert a.read_bytes() == b.read_bytes()


def test_numbers_typed_by_excel_are_understood(written: Path, aura):
    def typed(wb):
        st = wb["settings"]
        st.cell(find_row(st, 1, "deadline_days"), 2).value = 21.0
        pr = wb["priorities"]
        pr.cell(find_row(pr, 1, "P1"), 1).value = 1
        act = wb["actions"]
        for row in act.iter_rows(min_row=2):
            if row[1].value == "P1":
                row[1].value = 1.0
        met = wb["metrics"]
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


# (edit, expected location, expected words) per error kind
def _set(sheet: str, key_col: int, key, col: int, value):
    def fn(wb):
        ws = wb[sheet]
        ws.cell(find_row(ws, key_col, key), col).value = value

    return fn


CASES = {
    "duplicate priority": (_set("priorities", 1, "P2", 1, "P1"), "priorities!A3", "duplicate id"),
    "duplicate department": (
        _set("departments", 1, "HAL", 1, "YEP"),
        "departments!A3",
        "duplicate id 'YEP'",
    ),
    "duplicate action": (_set("actions", 1, "P1-02", 1, "P1-01"), "actions!A3", "duplicate id"),
    "duplicate metric": (
        _set("metrics", 1, "P1-01-M2", 1, "P1-01-M1"),
        "metrics!A3",
        "duplicate metric_id",
    ),
    "unknown department": (
        _set("actions", 1, "P1-03", 3, "XYZ"),
        "actions!C4",
        "unknown department 'XYZ'",
    ),
    "unknown priority": (_set("actions", 1, "P1-03", 2, "P9"), "actions!B4", "unknown priority"),
    "unknown kind": (
        _set("metrics", 1, "P1-01-M1", 4, "money"),
        "metrics!D2",
        "unknown metric kind",
    ),
    "metric of unknown action": (
        _set("metrics", 1, "P1-01-M1", 2, "P7-01"),
        "metrics!B2",
        "unknown action 'P7-01'",
    ),
    "unparseable period": (
        _set("settings", 1, "first_period", 2, "Q3/2023"),
        "settings!B7",
        "not a period",
    ),
    "period of wrong cadence": (
        _set("settings", 1, "last_period", 2, "2026H2"),
        "settings!B8",
        "cadence",
    ),
    "first after last": (
        _set("settings", 1, "first_period", 2, "2027Q1"),
        "settings!B8",
        "before first_period",
    ),
    "bad cadence": (_set("settings", 1, "cadence", 2, "monthly"), "settings!B6", "unknown cadence"),
    "bad language": (_set("settings", 1, "language", 2, "de"), "settings!B5", "unknown language"),
    "bad deadline": (
        _set("settings", 1, "deadline_days", 2, "two weeks"),
        "settings!B9",
        "deadline_days",
    ),
    "fractional deadline": (_set("settings", 1, "deadline_days", 2, 14.5), "settings!B9", "whole"),
    "empty action text": (_set("actions", 1, "P1-05", 4, None), "actions!D6", "action is empty"),
    "empty programme name": (_set("settings", 1, "name", 2, "  "), "settings!B3", "name is empty"),
    "bad colour": (_set("statuses", 1, "major", 3, "red"), "statuses!C5", "#RRGGBB"),
    "bad flag": (_set("actions", 1, "P1-01", 9, "maybe"), "actions!I2", "yes or no"),
    "unknown setting": (
        _set("settings", 1, "coordinator", 1, "coordinater"),
        "settings!A10",
        "unknown setting",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_error_names_file_sheet_and_cell(written: Path, case: str):
    fn, where, words = CASES[case]
    edit(written, fn)
    problems = problems_of(written)
    assert any(p.startswith(f"programme.xlsx: {where}: ") and words in p for p in problems), (
        problems
    )


def test_missing_sheet_and_missing_column(written: Path):
    def fn(wb):
        del wb["statuses"]
        wb["actions"]["C1"].value = "dept"  # renamed header: the column is now missing

    edit(written, fn)
    problems = problems_of(written)
    assert any(p.startswith("programme.xlsx: statuses: missing sheet") for p in problems)
    assert any(
        p.startswith("programme.xlsx: actions!A1: missing column 'department'") for p in problems
    )


def test_columns_are_found_by_name_not_position(written: Path, aura):
    def fn(wb):
        ws = wb["departments"]
        ws.insert_cols(1)
        ws["A1"].value = "notes"
        ws["A2"].value = "moved"

    edit(written, fn)
    assert load_programme(written).departments == aura.departments


def test_all_problems_are_reported_at_once(written: Path):
    def fn(wb):
        CASES["bad colour"][0](wb)
        CASES["unknown department"][0](wb)
        CASES["bad language"][0](wb)

    edit(written, fn)
    problems = problems_of(written)
    assert len(problems) == 3
    assert any("statuses!C5" in p for p in problems)
    assert any("actions!C4" in p for p in problems)
    assert any("settings!B5" in p for p in problems)


@pytest.mark.parametrize("content", [b"not a workbook at all", b"PK\x03\x04broken zip"])
def test_non_xlsx_or_corrupt_file_is_one_clear_line(tmp_path: Path, content: bytes):
    path = tmp_path / "programme.xlsx"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as info:
        load_programme(path)
    text = str(info.value)
    assert text.startswith("programme.xlsx: ") and "\n" not in text


def test_check_exits_2_with_every_problem(tmp_path: Path):
    runner = CliRunner()
    ws = tmp_path / "ws"
    assert runner.invoke(main, ["init", str(ws), "--example", "aura"]).exit_code == 0
    edit(ws / "programme.xlsx", lambda wb: (CASES["bad colour"][0](wb), CASES["bad flag"][0](wb)))
    result = runner.invoke(main, ["-w", str(ws), "check"])
    assert result.exit_code == 2
    assert "Error: 2 problem(s) in programme.xlsx" in result.output
    assert "programme.xlsx: statuses!C5: colour must be #RRGGBB" in result.output
    assert "programme.xlsx: actions!I2: active must be yes or no" in result.output
    assert "Traceback" not in result.output


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


@st.composite
def programmes(draw):
    base = load_example("aura")
    pids = draw(st.lists(_ID, min_size=1, max_size=3, unique=True))
    dids = draw(st.lists(_ID, min_size=1, max_size=3, unique=True))
    priorities = tuple(Priority(p, draw(_TEXT.filter(bool))) for p in pids)
    departments = tuple(
        Department(d, draw(_TEXT.filter(bool)), draw(_TEXT), draw(_TEXT)) for d in dids
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
            )
        )
    return with_version(
        Programme(base.settings, priorities, departments, tuple(actions), base.statuses)
    )


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(p=programmes())
def test_any_valid_programme_round_trips(tmp_path: Path, p):
    path = tmp_path / "programme.xlsx"
    write_programme(p, path)
    assert load_programme(path) == p
