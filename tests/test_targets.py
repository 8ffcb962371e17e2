"""Metric targets by year or period (issue 24, item 2): the targets sheet of programme.xlsx,
the target that applies in a period, the line to a target, the import and the summary."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from register_builder import known_register, small_programme

from roundtrip.cli import main
from roundtrip.errors import ConfigError
from roundtrip.language import tr
from roundtrip.programme.bundled import load_example, programme_from_dict, with_version
from roundtrip.programme.model import Metric
from roundtrip.programme.names import COLUMNS, column_name, sheet_name
from roundtrip.programme.periods import parse_period
from roundtrip.programme.tables.importer import import_table
from roundtrip.programme.targets import bound_end, target_for, target_line, target_number
from roundtrip.programme.workbook import load_programme, write_programme
from roundtrip.summary.workbook import build_summary

Q3 = parse_period("2025Q3")

_STAGED = Metric(
    "M1",
    "A1",
    "Charging points",
    "count",
    baseline="10",
    target="60",
    targets=(("2025", "30"), ("2026H1", "40"), ("2027Q3", "50")),
)


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2024Q1", ("30", "2025")),  # before the first bound: the first milestone
        ("2025Q4", ("30", "2025")),  # the period a bound ends: still that bound
        ("2026Q1", ("40", "2026H1")),  # the day after: the next
        ("2026Q2", ("40", "2026H1")),
        ("2026Q3", ("50", "2027Q3")),
        ("2027Q3", ("50", "2027Q3")),
        ("2028Q1", ("50", "2027Q3")),  # after the last bound: the last
        ("2025", ("30", "2025")),  # a year-long period
        ("2026", ("50", "2027Q3")),  # 2026H1 ends before the year does
        ("2025H2", ("30", "2025")),
    ],
)
def test_target_for_takes_the_next_milestone(period, expected):
    assert target_for(_STAGED, parse_period(period), "2030Q4") == expected


def test_target_for_without_targets_by_period():
    single = Metric("M1", "A1", "m", "count", target="60")
    assert target_for(single, parse_period("2025Q1"), "2030Q4") == ("60", "2030Q4")
    assert target_for(single, parse_period("2031Q1")) == ("60", "")
    assert target_for(Metric("M1", "A1", "m"), parse_period("2025Q1"), "2030Q4") is None


def test_target_line():
    start, due = dt.date(2024, 1, 1), bound_end("2025")
    assert due == dt.date(2025, 12, 31)
    assert target_line("10", "30", start, due, start) == 10
    assert target_line("10", "30", start, due, dt.date(2023, 6, 1)) == 10  # before the start
    assert target_line("10", "30", start, due, due) == 30
    assert target_line("10", "30", start, due, dt.date(2027, 1, 1)) == 30  # held after
    half = start + (due - start) / 2
    assert target_line("10", "30", start, due, half) == pytest.approx(20)
    assert target_line("100", "40 %", start, due, half) == pytest.approx(70)  # falling
    assert target_line("1 000,5", "2000.5", start, due, due) == 2000.5
    assert target_line("", "30", start, due, half) is None
    assert target_line("10", "more", start, due, half) is None
    assert target_line("10", "30", due, due, half) == 30  # no span: the target


def test_target_number():
    assert target_number("1 234,5") == 1234.5
    assert target_number("20 %") == 20
    assert target_number("yes") is None
    assert target_number("") is None


# --------------------------------------------------------------------------- programme.xlsx


@pytest.fixture(scope="module")
def staged_aura():
    """Aura with targets by year or period on two of its metrics."""
    aura = load_example("aura")
    counted = [m for a in aura.actions for m in a.metrics if m.kind in ("count", "number")]
    assert len(counted) >= 2
    targets = {
        counted[0].id: (("2024", "3"), ("2025H2", "5")),
        counted[1].id: (("2025Q3", "1 200,5"),),
    }
    actions = tuple(
        dataclasses.replace(
            a,
            metrics=tuple(
                dataclasses.replace(m, targets=targets[m.id]) if m.id in targets else m
                for m in a.metrics
            ),
        )
        for a in aura.actions
    )
    return with_version(dataclasses.replace(aura, actions=actions, version=""))


def _staged(p) -> dict[str, tuple]:
    return {m.id: m.targets for a in p.actions for m in a.metrics if m.targets}


@pytest.mark.parametrize("language", ["fi", "sv", "en"])
def test_targets_sheet_round_trips(tmp_path: Path, staged_aura, language):
    p = dataclasses.replace(
        staged_aura, settings=dataclasses.replace(staged_aura.settings, language=language)
    )
    p = with_version(dataclasses.replace(p, version=""))
    path = tmp_path / "programme.xlsx"
    write_programme(p, path)
    back = load_programme(path)
    assert back == p and len(_staged(back)) == 2
    wb = openpyxl.load_workbook(path)
    title = {"fi": "välitavoitteet", "sv": "delmål", "en": "targets"}[language]
    assert wb.sheetnames.index(title) == wb.sheetnames.index(sheet_name("metrics", language)) + 1
    ws = wb[title]
    assert [c.value for c in ws[1]] == [
        column_name("targets", c, language) for c in COLUMNS["targets"]
    ]
    first = next(iter(_staged(p)))
    assert [c.value for c in ws[2]] == [first, "2024", "3"]
    # The period column tells what to write; the metric column is a dropdown of metric ids.
    shown = {str(v.sqref): v for v in ws.data_validations.dataValidation}
    assert shown["B2:B1004"].prompt == tr(language, "A year (2025) or a period (2025Q3, 2025H2).")
    assert shown["A2:A1004"].type == "list"


def test_targets_change_the_version_and_the_cache_keeps_them(tmp_path: Path, staged_aura):
    aura = load_example("aura")
    assert staged_aura.version != aura.version
    path = tmp_path / "programme.xlsx"
    write_programme(staged_aura, path)
    cache = tmp_path / ".cache"
    cache.mkdir()
    first = load_programme(path, cache)
    assert (cache / "programme.json").exists()
    again = load_programme(path, cache)  # from the cache
    assert again == first == staged_aura and _staged(again) == _staged(staged_aura)


def test_a_programme_xlsx_without_the_targets_sheet_reads_as_before(tmp_path: Path):
    aura = load_example("aura")
    path = tmp_path / "programme.xlsx"
    write_programme(aura, path)
    wb = openpyxl.load_workbook(path)
    del wb["välitavoitteet"]
    wb.save(path)
    back = load_programme(path)
    assert back == aura and back.version == aura.version


def _problems(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as info:
        load_programme(path)
    return [str(p) for p in info.value.problems]


def test_each_problem_of_the_targets_sheet_names_its_cell(tmp_path: Path):
    aura = load_example("aura")
    metrics = [m for a in aura.actions for m in a.metrics]
    count = next(m for m in metrics if m.kind == "count")
    yesno = next(m for m in metrics if m.kind == "yesno")
    path = tmp_path / "programme.xlsx"
    write_programme(aura, path)
    wb = openpyxl.load_workbook(path)
    ws = wb["välitavoitteet"]
    for values in (
        [count.id, "2025", "10"],  # 2: fine
        ["NOPE-M9", "2025", "10"],  # 3: unknown metric
        [count.id, "2025Q5", "10"],  # 4: no such period
        [count.id, "2025", "12"],  # 5: the same metric and year again
        [count.id, "2025H2", "12"],  # 6: ends the day 2025 does
        [count.id, "2026", "paljon"],  # 7: not a number for a count
        [yesno.id, "2026", "kyllä"],  # 8: fine for a yes/no metric
        [count.id, "", "5"],  # 9: no period
    ):
        ws.append(values)
    wb.save(path)
    assert _problems(path) == [
        "programme.xlsx: välitavoitteet!A3: unknown metric 'NOPE-M9' (not on the mittarit sheet)",
        "programme.xlsx: välitavoitteet!B4: vuosi tai jakso must be a year (2025) or a period "
        "(2025Q3, 2025H2), not '2025Q5'",
        f"programme.xlsx: välitavoitteet!B5: a second target for {count.id} in 2025 (first at B2)",
        f"programme.xlsx: välitavoitteet!B6: 2025H2 ends on the day 2025 does (at B2): give "
        f"{count.id} one target for that date",
        f"programme.xlsx: välitavoitteet!C7: tavoite 'paljon' is not a number (metric "
        f"{count.id} is of kind lukumäärä)",
        "programme.xlsx: välitavoitteet!B9: vuosi tai jakso is empty (required)",
    ]


def test_a_toml_programme_gives_targets_in_bound_order():
    data = {
        "settings": {"programme_id": "t", "name": "T", "organisation": "O", "language": "en"},
        "priorities": [{"id": "P1", "title": "One"}],
        "departments": [{"id": "D", "name": "Dept"}],
        "actions": [
            {
                "id": "A1",
                "priority": "P1",
                "department": "D",
                "action": "Do",
                "metrics": [
                    {
                        "id": "A1-M1",
                        "name": "Points",
                        "kind": "count",
                        "target": "60",
                        "targets": [
                            {"period": "2026", "target": "40"},
                            {"period": "2025H1", "target": 20},
                        ],
                    }
                ],
            }
        ],
    }
    metric = programme_from_dict(data).actions[0].metrics[0]
    assert metric.targets == (("2025H1", "20"), ("2026", "40"))


# --------------------------------------------------------------------------- import


def test_a_table_s_target_year_columns_give_the_metric_its_targets(tmp_path: Path):
    source = tmp_path / "ohjelma.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Toimenpiteet"
    for values in (
        ["Ilmasto-ohjelma 2024-2030"],
        ["Toimenpide", "Vastuutaho", "Mittari", "Tavoite", "Tavoite 2025", "Tavoitetaso 2030"],
        ["Latauspisteet", "Tekninen toimi", "Latauspisteiden lukumäärä", "Kasvu", "10", "40"],
        ["Pyöräreitit", "Tekninen toimi", "1) Reittien km 2) Käyttäjien määrä", "Kasvu", "5", ""],
        ["Kyselyt", "Sivistystoimi", "", "Osallisuus", "12", ""],
        ["Kävijät", "Sivistystoimi", "Kävijöiden määrä", "Osallisuus", "paljon", "900"],
    ):
        ws.append(values)
    wb.save(source)
    ws_dir = tmp_path / "ws"
    made = CliRunner().invoke(
        main, ["--lang", "en", "init", str(ws_dir), "--from-table", str(source)]
    )
    assert made.exit_code == 0, made.output
    p = load_programme(ws_dir / "programme.xlsx")  # the targets sheet, written and read back
    assert [x.title for x in p.priorities] == ["Kasvu", "Osallisuus"]  # "Tavoite": priorities
    assert _staged(p) == {
        "P1-01-M1": (("2025", "10"), ("2030", "40")),
        "P2-02-M1": (("2030", "900"),),
    }
    report = (ws_dir / "reports" / "import-report.txt").read_text("utf-8")
    assert "'Tavoite 2025' → target 2025, 'Tavoitetaso 2030' → target 2030" in report
    metrics = report.split("Metrics:")[1]
    assert "Toimenpiteet!E3: P1-01-M1: target '10' for 2025" in metrics
    assert "Toimenpiteet!F3: P1-01-M1: target '40' for 2030" in metrics
    assert (
        "Toimenpiteet!E4: P1-02: target '5' for 2025 not placed: the action has 2 metrics "
        "(give it in programme.xlsx's targets sheet)" in metrics
    )
    assert (
        "Toimenpiteet!E5: P2-01: target '12' for 2025 not placed: the action has no metric"
        in metrics
    )
    assert (
        "Toimenpiteet!E6: P2-02-M1: target 'paljon' for 2025 is not a number: not placed "
        "(the metric's kind is count)" in metrics
    )


def test_a_target_value_column_takes_its_year_from_the_target_year_column(tmp_path: Path):
    source = tmp_path / "actions.csv"
    with open(source, "w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows(
            [
                ["Action", "Department", "Indicator", "Target value", "Target year"],
                ["Solar panels", "Property services", "Number of panels", "120", "2027"],
                ["Bike lanes", "Planning", "Number of lanes", "8", "soon"],
                ["Survey", "Planning", "Number of answers", "300", ""],
            ]
        )
    result = import_table(source)
    metrics = [a.metrics[0] for a in result.programme.actions]
    assert [(m.target, m.targets) for m in metrics] == [
        ("", (("2027", "120"),)),
        ("", ()),
        ("300", ()),  # no year: the single target, for the end of the programme
    ]
    assert [a.end for a in result.programme.actions] == ["", "", ""]  # not the schedule's end
    report = "\n".join(result.report)
    assert "line 1: columns" in report and "'Target year' → period" in report
    assert "line 2, column 4: P1-01-M1: target '120' for 2027" in report
    assert (
        "line 3, column 5: P1-02: target year 'soon' is not a year or a period: target '8' "
        "not placed" in report
    )
    assert "line 4, column 4: P1-03-M1: target '300' for the end of the programme" in report


# --------------------------------------------------------------------------- summary


def _with_targets(p, targets: dict[str, tuple]):
    actions = tuple(
        dataclasses.replace(
            a,
            metrics=tuple(
                dataclasses.replace(m, targets=targets[m.id]) if m.id in targets else m
                for m in a.metrics
            ),
        )
        for a in p.actions
    )
    return with_version(dataclasses.replace(p, actions=actions, version=""))


def _row(sheet, first: str) -> tuple:
    return next(tuple(r) for r in sheet.iter_rows(values_only=True) if r[0] == first)


@pytest.mark.filterwarnings("ignore:Sparkline Group extension")
@pytest.mark.parametrize(
    ("language", "period", "words"),
    [
        ("en", "2025Q3", ("Metric ID", "Final target", "Target now", "Target by", "Metrics")),
        ("fi", "2025Q3", ("Mittarin tunnus", "Lopullinen tavoite", "Tavoite nyt",
                          "Tavoitteen ajankohta", "Mittarit")),
        ("sv", "2025Q1", ("Mätarens ID", "Slutligt mål", "Mål nu", "Målets tidpunkt",
                          "Mätare")),
    ],
)  # fmt: skip
def test_the_summary_s_metric_sheet_shows_the_target_that_applies_now(
    tmp_path: Path, language, period, words
):
    conn = known_register(tmp_path / "roundtrip.db")
    p = _with_targets(
        small_programme(language), {"P1-01-M1": (("2025Q1", "8"), ("2025", "15"), ("2026", "18"))}
    )
    try:
        out = build_summary(conn, p, parse_period(period), tmp_path / "summary.xlsx")
    finally:
        conn.close()
    metric_id, final, now, by, title = words
    sheet = openpyxl.load_workbook(out)[title]
    assert _row(sheet, metric_id)[4:7] == (final, now, by)
    if period == "2025Q3":
        assert _row(sheet, "P1-01-M1")[4:7] == ("20", "15", "2025")  # the year's target
    else:
        assert _row(sheet, "P1-01-M1")[4:7] == ("20", "8", "2025Q1")  # the quarter's
    # A metric without targets by period: its single target, for the programme's last period.
    assert _row(sheet, "P1-03-M1")[4:7] == ("10", "10", "2026Q4")


@pytest.mark.filterwarnings("ignore:Sparkline Group extension")
@pytest.mark.parametrize(("now", "met"), [("25", "No"), ("22", "Yes"), ("12", "Yes")])
def test_target_met_is_judged_against_the_target_that_applies_now(tmp_path: Path, now, met):
    """2025Q3's value 22 against the milestone for 2025 (the final target is 20): behind a
    milestone of 25 although past the final target, on a milestone of 22, past one of 12."""
    conn = known_register(tmp_path / "roundtrip.db")
    p = _with_targets(small_programme("en"), {"P1-01-M1": (("2025", now), ("2026", "40"))})
    try:
        out = build_summary(conn, p, Q3, tmp_path / "summary.xlsx")
    finally:
        conn.close()
    row = _row(openpyxl.load_workbook(out)["Metrics"], "P1-01-M1")
    assert row[4:7] == ("20", now, "2025") and row[9] == 22
    assert row[-1] == met


@pytest.mark.filterwarnings("ignore:Sparkline Group extension")
def test_without_targets_by_period_the_metric_sheet_is_as_before(tmp_path: Path):
    conn = known_register(tmp_path / "roundtrip.db")
    try:
        out = build_summary(conn, small_programme("en"), Q3, tmp_path / "summary.xlsx")
    finally:
        conn.close()
    sheet = openpyxl.load_workbook(out)["Metrics"]
    assert _row(sheet, "Metric ID")[4:6] == ("Target", "2025Q1")
    assert _row(sheet, "P1-01-M1")[4:6] == ("20", 5)
