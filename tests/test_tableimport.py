"""Importing raw action tables: the real seed, and small .csv / .xlsx tables."""

from __future__ import annotations

from pathlib import Path

import pytest
import xlsxwriter

from roundtrip.errors import ConfigError
from roundtrip.programme.bundled import load_example
from roundtrip.programme.tables.guess import (
    department_id,
    guess_kind,
    looks_like_schedule,
    split_metrics,
)
from roundtrip.programme.tables.importer import import_table, parse_table
from roundtrip.programme.tables.read import RawLine
from roundtrip.programme.workbook import load_programme, write_programme

SEED = Path(__file__).parent / "fixtures" / "elinvoimaohjelma-2023-2026.txt"


@pytest.fixture(scope="module")
def seed():
    return import_table(SEED)


def by_department(p):
    return {
        d.id: [(a.priority_id, a.text, a.origin) for a in p.actions if a.department_id == d.id]
        for d in p.departments
    }


def test_seed_gives_the_curated_example(seed):
    aura = load_example("aura")
    got = seed.programme
    assert {(d.id, d.name) for d in got.departments} == {(d.id, d.name) for d in aura.departments}
    assert by_department(got) == by_department(aura)
    assert [a.id for a in got.actions] == [a.id for a in aura.actions]
    assert [(p.id, p.title) for p in got.priorities] == [(p.id, p.title) for p in aura.priorities]
    # schedules (as written and as bounds) and responsibles as in the example (P1-09's
    # schedule moved from the metric)
    assert [(a.schedule, a.start, a.end, a.responsible, a.partners) for a in got.actions] == [
        (a.schedule, a.start, a.end, a.responsible, a.partners) for a in aura.actions
    ]


def test_seed_decisions_are_reported(seed):
    report = "\n".join(seed.report)
    assert "line 39: dropped a row with no action text (Vapaa-aikatoimi); department VAP" in report
    assert "line 42: dropped" in report and "line 105: dropped" in report
    assert "line 85 and line 89: one action split across a page: merged" in report
    assert "P1-09: metric 'Ohjelmakaudella 2023-2026' is a schedule" in report
    assert "line 65, column 1: no department after a remark row" in report
    assert "line 81, column 1: no department after a remark row" in report
    assert "P1-06-M1 'Toteutuneet yhteistyöt': kind guessed text" in report


def test_seed_metrics_split_and_kinds_guessed(seed):
    p = seed.programme
    act = {a.id: a for a in p.actions}
    assert [(m.id, m.name, m.kind) for m in act["P1-01"].metrics] == [
        ("P1-01-M1", "Hankkeen toteutuminen", "yesno"),
        ("P1-01-M2", "Osallistuneiden yritysten lkm", "count"),
    ]
    assert act["P1-01"].metric_text == "Hankkeen toteutuminen, osallistuneiden yritysten lkm."
    assert [m.name for m in act["P2-02"].metrics] == [
        "Toteutuneet koulutukset",
        "Onnistuneet rekrytoinnit",
    ]
    assert [m.name for m in act["P3-11"].metrics] == ["Hankintojen lkm / paikalliset yritykset"]
    assert act["P3-11"].department_id == "TEK"
    assert act["P1-09"].metrics == () and act["P1-09"].metric_text == ""


def test_seed_settings_and_round_trip(seed, tmp_path: Path):
    s = seed.programme.settings
    assert s.name == "Elinvoimaohjelman toimenpiteet toimintakaudelle 2023-2026"
    assert (s.language, s.cadence, s.first_period, s.last_period) == (
        "fi",
        "quarter",
        "2023Q1",
        "2026Q4",
    )
    path = tmp_path / "programme.xlsx"
    write_programme(seed.programme, path)
    assert load_programme(path) == seed.programme


@pytest.mark.parametrize(
    "text, pieces",
    [
        (
            "Hankkeen toteutuminen, osallistuneiden yritysten lkm.",
            ["Hankkeen toteutuminen", "Osallistuneiden yritysten lkm"],
        ),
        (
            "Toteutuneet koulutukset Onnistuneet rekrytoinnit",
            ["Toteutuneet koulutukset", "Onnistuneet rekrytoinnit"],
        ),
        ("Yritystapahtumien / kurssien lukumäärä", ["Yritystapahtumien / kurssien lukumäärä"]),
        ("Asiakkaat; palautteet\nKäynnit", ["Asiakkaat", "Palautteet", "Käynnit"]),
        ("Lukumäärä, kpl", ["Lukumäärä, kpl"]),
    ],
)
def test_split_metrics(text, pieces):
    assert split_metrics(text)[0] == pieces


def test_helpers():
    assert guess_kind("Palautteiden määrä")[0] == "count"
    assert guess_kind("Toteutunut prosessi")[0] == "yesno"
    assert guess_kind("Toteutuneet yhteistyöt")[0] == "text"
    assert looks_like_schedule("Ohjelmakaudella 2023-2026")
    assert looks_like_schedule("Koko ajan")
    assert not looks_like_schedule("Lukumäärä / vuosi")
    assert not looks_like_schedule("Asiakkaat 2024")
    assert department_id("Muu, mikä?") == "MUU"
    assert department_id("Ympäristö- ja rakennusvalvonta") == "YJR"
    assert department_id("Kirjasto", taken={"KIR"}) == "KIR2"


SMALL = [
    ["Painopiste", "KUKA", "MITÄ", "MITTARI /SEURANTA", "AIKATAULU", "VASTUUTAHO"],
    [
        "Painopiste 1. PALVELUT",
        "Kirjasto",
        "Lukupiirit",
        "Lukupiirien lkm",
        "2025",
        "Kirjastonjohtaja",
    ],
    ["Painopiste 1. PALVELUT", "", "Aukioloajat, lauantait", "", "", ""],
    ["Painopiste 1. PALVELUT", "Elinvoimatyöryhmän huomio 1.2.2025", "Kirjastoauto", "", "", ""],
    ["Painopiste 2. YHTEISÖ", "Nuorisotoimi", "", "", "", ""],
    ["Painopiste 2. YHTEISÖ", "Muu, mikä?", "Talkoot", "Toteutuminen", "", ""],
]


def check_small(p, report, dropped: str):
    assert [(x.id, x.title) for x in p.priorities] == [("P1", "Palvelut"), ("P2", "Yhteisö")]
    assert [(d.id, d.name) for d in p.departments] == [
        ("KIR", "Kirjasto"),
        ("NUO", "Nuorisotoimi"),
        ("MUU", "Muu, mikä?"),
    ]
    assert [(a.id, a.department_id, a.text, a.origin) for a in p.actions] == [
        ("P1-01", "KIR", "Lukupiirit", ""),
        ("P1-02", "KIR", "Aukioloajat, lauantait", ""),
        ("P1-03", "KIR", "Kirjastoauto", "Elinvoimatyöryhmän huomio 1.2.2025"),
        ("P2-01", "MUU", "Talkoot", ""),
    ]
    assert p.actions[0].metrics[0].kind == "count"
    assert p.actions[3].metrics[0].kind == "yesno"
    assert any(line.strip().startswith(f"{dropped}: dropped") and "NUO" in line for line in report)


@pytest.mark.parametrize(
    "delimiter, encoding", [(";", "cp1252"), (",", "utf-8-sig"), ("\t", "utf-8")]
)
def test_csv_import(tmp_path: Path, delimiter: str, encoding: str):
    import csv

    path = tmp_path / "table.csv"
    with open(path, "w", newline="", encoding=encoding) as fh:
        csv.writer(fh, delimiter=delimiter).writerows(SMALL)
    result = import_table(path)
    check_small(result.programme, result.report, "line 5")


def test_xlsx_import_finds_header_below_a_title(tmp_path: Path):
    path = tmp_path / "table.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Taulukko")
    ws.write(0, 0, "KIRJASTON TOIMENPITEET 2025-2027")
    for r, row in enumerate(SMALL, start=2):
        for c, value in enumerate(row):
            if value:
                ws.write_string(r, c, value)
    wb.close()
    result = import_table(path)
    check_small(result.programme, result.report, "Taulukko, row 7")
    s = result.programme.settings
    assert (s.name, s.first_period, s.last_period) == (
        "Kirjaston toimenpiteet 2025-2027",
        "2025Q1",
        "2027Q4",
    )


def test_table_without_header_is_one_clear_error(tmp_path: Path):
    path = tmp_path / "notes.txt"
    path.write_text("Just some notes\nand more\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        import_table(path)
    assert str(info.value).startswith("notes.txt: no table found")


def test_a_lone_metric_row_is_dropped_and_reported():
    lines = [
        RawLine(1, ("KUKA", "MITÄ", "MITTARI")),
        RawLine(2, ("Sivistystoimi", "Do A", "")),
        RawLine(3, ("", "", "Orphan metric")),
        RawLine(4, ("Tekninen toimi", "Do B", "")),
    ]
    report = [line.strip() for line in parse_table(lines, "t.txt").report]
    assert "line 3: dropped a row with no action text (Orphan metric); department SIV kept" in (
        report
    )
