"""read_return finds a return's sheets and columns whatever language they are named in, and
writes its problems in the language it is asked for (the programme's)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import openpyxl
import pytest

from roundtrip.language.wording import wording
from roundtrip.programme.bundled import load_example
from roundtrip.returns import contract as c
from roundtrip.returns.read import read_return
from roundtrip.returns.validate import validate_return
from roundtrip.returns.workbook import write_return_workbook

SECRET = b"s" * 32
NOW = dt.datetime(2025, 10, 1, 8, 0, 0)
P = load_example("aura")  # a Finnish programme
PERIOD = P.settings.period("2025Q3")


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    path = tmp_path_factory.mktemp("read-languages") / "siv.xlsx"
    write_return_workbook(path, P, "SIV", PERIOD, SECRET, None, NOW)
    return path


def _renamed(src, dst, language: str, answers: dict[str, str]):
    """The Finnish workbook with its sheets and headers in `language`, and statuses typed in."""
    wb = openpyxl.load_workbook(src)
    finnish = wording("fi")["sheets"]
    theirs = wording(language)["sheets"]
    for key in c.SHEET_KEYS:
        wb[finnish[key]].title = theirs[key]
    for key in ("actions", "metrics", "proposals"):
        ws = wb[theirs[key]]
        for i, text in enumerate(c.headers(language, key)):
            ws.cell(c.HEADER_ROW, i + 1, text)
    ws = wb[theirs["actions"]]
    status = c.headers(language, "actions").index(c.header(language, "actions", "status")) + 1
    for r in range(c.FIRST_DATA_ROW, ws.max_row + 1):
        label = answers.get(str(ws.cell(r, 1).value))
        if label:
            ws.cell(r, status, label)
    wb.save(dst)
    return dst


@pytest.mark.parametrize("language", ["sv", "en"])
def test_sheets_headers_and_statuses_in_any_language_are_read(generated, tmp_path, language):
    actions = [a.id for a in P.actions_of("SIV")]
    answers = dict(zip(actions, ["Klar", "Completed", "valmis", "On track"], strict=False))
    path = _renamed(generated, tmp_path / f"{language}.xlsx", language, answers)
    raw = read_return(path, lang="fi")
    assert set(raw.sheets) == {"actions", "metrics", "proposals"}
    assert raw.identity["department_id"] == "SIV"
    assert raw.sheets["actions"].name == wording(language)["sheets"]["actions"]
    v = validate_return(raw, P, PERIOD, SECRET)
    assert v.accepted, v.errors
    got = {a.action_id: a.status_key for a in v.answers if a.status_key}
    assert got == dict(zip(actions, ["done", "done", "done", "on_track"], strict=False))


@pytest.mark.parametrize(
    ("renamed", "language", "expected"),
    [
        ("Eteneminen %", "fi", "välilehdeltä Toimenpiteet puuttuu sarake 'Eteneminen %'"),
        ("Eteneminen %", "sv", "fliken Åtgärder saknar kolumnen 'Framsteg %'"),
        ("Eteneminen %", "en", "the sheet Actions has no column 'Progress %'"),
        ("Tila", "fi", "välilehden Toimenpiteet otsikkoriviä ei löytynyt"),
        ("Tila", "sv", "rubrikraden på fliken Åtgärder hittades inte"),
    ],
)
def test_a_missing_column_is_named_in_the_language_asked_for(
    generated, tmp_path, renamed, language, expected
):
    """The sheet and column are named as the programme's language names them (the sheet of
    the problem is the file's own name for it)."""
    wb = openpyxl.load_workbook(generated)
    ws = wb[wording("fi")["sheets"]["actions"]]
    ws.cell(c.HEADER_ROW, c.headers("fi", "actions").index(renamed) + 1, "Muu otsikko")
    wb.save(tmp_path / "renamed.xlsx")
    raw = read_return(tmp_path / "renamed.xlsx", lang=language)
    [problem] = raw.problems
    assert problem.message.startswith(expected), problem.message
    assert problem.sheet == wording("fi")["sheets"]["actions"]


def test_a_csv_file_is_refused_in_the_language_asked_for(tmp_path):
    from roundtrip.errors import ReturnError

    csv = tmp_path / "palautus.csv"
    csv.write_text("a;b\n1;2\n", encoding="utf-8")
    for language, start in (("fi", "CSV-tiedostoa ei voi"), ("sv", "en CSV-fil kan inte")):
        with pytest.raises(ReturnError) as info:
            read_return(csv, lang=language)
        assert info.value.problem.message.startswith(start)


def test_the_language_of_the_programme_reaches_the_problems(generated, tmp_path):
    """(The programme switched to Swedish: its validation speaks Swedish too.)"""
    sv = dataclasses.replace(P, settings=dataclasses.replace(P.settings, language="sv"))
    raw = read_return(generated, lang="sv")
    v = validate_return(raw, sv, PERIOD, SECRET)
    assert v.accepted and v.warnings
    assert all("besvarades inte" in w.message or "värde" in w.message for w in v.warnings)
