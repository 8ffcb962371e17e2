"""Shared actions (issue 22): a lead department and its partners, through every output.

The Aura example with two shared actions: P1-08 is led by SIV with TEK, VAP and KEH (a
department with no actions of its own) as partners, P1-10 by KUL with SIV as its partner.
Workbooks are generated, filled as people fill them (openpyxl), collected, and the register
and the summary are read back cell by cell: with partners_report on, and off.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import sqlite3
import zipfile
from pathlib import Path

import openpyxl
import pytest
from ooxml import validate_xlsx

from roundtrip.collect.outcome import ACCEPTED, REJECTED, WARNINGS
from roundtrip.collect.run import collect_period
from roundtrip.demo.fill import ActionAnswer, _find_sheet, _header_map, _rows_by_id, fill_return
from roundtrip.init import init_workspace
from roundtrip.language import format_percent, tr
from roundtrip.language.wording import wording
from roundtrip.programme.bundled import load_example
from roundtrip.programme.cache import Slices, content_key
from roundtrip.programme.model import Department, Programme
from roundtrip.programme.source import Whole
from roundtrip.programme.workbook import load_programme, write_programme
from roundtrip.register.status import period_status
from roundtrip.register.workbook import write_register
from roundtrip.returns.generate import generate_period
from roundtrip.summary.data import load_summary
from roundtrip.summary.workbook import build_summary, write_summary
from roundtrip.workspace import Workspace

PERIOD = "2025Q3"
MADE = dt.datetime(2025, 9, 30, 12, 0)
NOW = dt.datetime(2025, 10, 10, 9, 0, tzinfo=dt.UTC)
SHARED = "P1-08"  # SIV leads it; TEK, VAP and KEH are its partners
SIV_SHARES = "P1-10"  # KUL leads it; SIV is its partner
ON_TRACK, MINOR, MAJOR, DONE = (
    "Etenee suunnitellusti",
    "Pieniä haasteita",
    "Merkittäviä haasteita",
    "Valmis",
)
PARTNERS_FI = "Kumppanit"  # the return workbook's column
pytestmark = pytest.mark.filterwarnings("ignore:Sparkline Group extension")


def with_partners(report: bool, base: Programme | None = None) -> Programme:
    p = base or load_example("aura")
    partners = {SHARED: ("TEK", "VAP", "KEH"), SIV_SHARES: ("SIV",)}
    return dataclasses.replace(
        p,
        actions=tuple(
            dataclasses.replace(a, partners=partners[a.id]) if a.id in partners else a
            for a in p.actions
        ),
        departments=(*p.departments, Department("KEH", "Kehitysyksikkö")),
        settings=dataclasses.replace(p.settings, partners_report=report),
    )


def workspace(root: Path, programme: Programme) -> Workspace:
    """A workspace as the fixtures make one (init), with `programme` as its programme.xlsx."""
    init_workspace(root, example="aura")
    ws = Workspace(root)
    write_programme(programme, ws.programme_path)
    return ws


def _generated(tmp_path_factory, report: bool) -> Path:
    root = tmp_path_factory.mktemp("partners") / "aura"
    ws = workspace(root, with_partners(report))
    generate_period(ws, PERIOD, now=MADE)
    return root


@pytest.fixture(scope="module")
def made_on(tmp_path_factory) -> Path:
    """partners_report on, the workbooks of 2025Q3 generated."""
    return _generated(tmp_path_factory, True)


@pytest.fixture(scope="module")
def made_off(tmp_path_factory) -> Path:
    """partners_report off (the partners named all the same), the workbooks generated."""
    return _generated(tmp_path_factory, False)


def _copy(made: Path, tmp_path: Path) -> Workspace:
    root = tmp_path / "aura"
    shutil.copytree(made, root)
    Workspace(root).inbox(PERIOD).mkdir(parents=True, exist_ok=True)
    return Workspace(root)


@pytest.fixture
def ws_on(made_on, tmp_path) -> Workspace:
    return _copy(made_on, tmp_path)


@pytest.fixture
def ws_off(made_off, tmp_path) -> Workspace:
    return _copy(made_off, tmp_path)


@pytest.fixture(params=[True, False], ids=["report", "lead-only"])
def either(request) -> tuple[Workspace, bool]:
    """(a copy of made_on or made_off, partners_report)."""
    return request.getfixturevalue("ws_on" if request.param else "ws_off"), request.param


def outbox_file(ws: Workspace, dept: str, period: str = PERIOD) -> Path:
    [f] = [p for p in ws.outbox(period).glob("*.xlsx") if f"_{dept}_" in p.name]
    return f


def action_rows(path: Path) -> dict[str, dict[str, object]]:
    """The actions sheet as a person reads it: action ID -> {column key: value}."""
    wb = openpyxl.load_workbook(path)
    sheet = _find_sheet(wb, "actions")
    hrow, cols = _header_map(sheet, "actions")
    return {
        aid: {key: sheet.cell(r, c).value for key, c in cols.items()}
        for aid, r in _rows_by_id(sheet, hrow, cols["action_id"]).items()
    }


def headers(path: Path, sheet_name: str = "Toimenpiteet", row: int = 3) -> list[object]:
    wb = openpyxl.load_workbook(path)
    return [c.value for c in wb[sheet_name][row]]


def has_partner_line(path: Path) -> bool:
    """Whether the instructions sheet explains the rows of actions another department leads."""
    wb = openpyxl.load_workbook(path)
    lines = [str(c.value) for c in wb["Ohjeet"]["A"] if c.value]
    return any(x.startswith("Rivit, joiden Kumppanit-sarakkeessa on vastuutoimiala") for x in lines)


def metric_ids(path: Path) -> set[str]:
    wb = openpyxl.load_workbook(path)
    return {
        str(r[0]) for r in wb["Mittarit"].iter_rows(min_row=4, values_only=True) if r[0] is not None
    }


def identity(path: Path) -> dict[str, str]:
    wb = openpyxl.load_workbook(path)
    return {str(r[0]): str(r[1] or "") for r in wb["Tunniste"].iter_rows(values_only=True)}


def answer_all(ws: Workspace, p: Programme, dept: str, answers: dict[str, ActionAnswer]) -> Path:
    """Fill `dept`'s workbook: every row it lists, `answers` where given, else on track; each
    of its metrics a count of 3 (or yes)."""
    src = outbox_file(ws, dept)
    listed = [a for a in identity(src)["action_ids"].split()]
    filled = {aid: answers.get(aid, ActionAnswer(ON_TRACK, 50, None)) for aid in listed}
    metrics = {
        m.id: "Kyllä" if m.kind == "yesno" else 3
        for a in p.actions_of(dept)
        for m in a.metrics
        if m.id in metric_ids(src)
    }
    return fill_return(src, ws.inbox(PERIOD) / f"{dept}.xlsx", filled, metrics, signer=dept)


# ----------------------------------------------------------------------------- workbooks


def test_the_leads_workbook_names_its_partners_and_a_partners_names_the_lead(either):
    ws, report = either
    siv = action_rows(outbox_file(ws, "SIV"))
    assert PARTNERS_FI in headers(outbox_file(ws, "SIV"))
    assert siv[SHARED]["partners"] == "Tekninen toimi; Vapaa-aikatoimi; Kehitysyksikkö"
    assert siv["P1-09"]["partners"] is None  # not shared
    tek = outbox_file(ws, "TEK")
    if report:
        assert siv[SIV_SHARES]["partners"] == "Vastuutoimiala: Kulttuuritoimi"
        assert action_rows(tek)[SHARED]["partners"] == "Vastuutoimiala: Sivistystoimi"
        assert identity(outbox_file(ws, "KEH"))["action_ids"] == SHARED
        # The metrics of a shared action are its lead's to report.
        assert f"{SHARED}-M1" in metric_ids(outbox_file(ws, "SIV"))
        assert f"{SHARED}-M1" not in metric_ids(tek)
        assert f"{SIV_SHARES}-M1" not in metric_ids(outbox_file(ws, "SIV"))
        assert f"{SIV_SHARES}-M1" in metric_ids(outbox_file(ws, "KUL"))
    else:
        assert SIV_SHARES not in siv
        assert SHARED not in action_rows(tek) and PARTNERS_FI not in headers(tek)
        assert identity(outbox_file(ws, "KEH"))["action_ids"] == ""
    # A department with no shared action keeps the workbook it had: no partners column.
    assert PARTNERS_FI not in headers(outbox_file(ws, "HAL"))
    # Only a partner's instructions explain the rows of actions another department leads.
    assert has_partner_line(outbox_file(ws, "SIV")) is report
    assert not has_partner_line(outbox_file(ws, "HAL"))
    assert not has_partner_line(outbox_file(ws, "KUL"))  # it leads P1-10, partners nothing


def test_a_partner_answers_status_progress_and_comment_and_the_partners_cell_is_locked(ws_on):
    ws = ws_on
    wb = openpyxl.load_workbook(outbox_file(ws, "TEK"))
    sheet = wb["Toimenpiteet"]
    hrow, cols = _header_map(sheet, "actions")
    r = _rows_by_id(sheet, hrow, cols["action_id"])[SHARED]
    for key in ("status", "progress", "comment"):
        assert sheet.cell(r, cols[key]).protection.locked is False
    assert sheet.cell(r, cols["partners"]).protection.locked is True
    assert sheet.protection.sheet
    assert has_partner_line(outbox_file(ws, "TEK"))
    errors = validate_xlsx(outbox_file(ws, "TEK")) + validate_xlsx(outbox_file(ws, "SIV"))
    assert errors == []


def test_the_chase_list_expects_a_partner_with_only_shared_actions_when_partners_report(
    either,
):
    ws, report = either
    rows = {r.department_id: r.state for r in period_status(ws, PERIOD).rows}
    assert ("KEH" in rows) is report
    assert rows.get("KEH") in (None, "missing")
    slices = Slices.open(ws.cache_dir, content_key(ws.programme_path))
    assert slices is not None
    with slices:
        assert ("KEH" in slices.active_departments()) is report
        assert slices.active_departments() == Whole(slices.whole()).active_departments()
        part = slices.department("KEH")  # a partner's slice holds the actions it shares
        assert [a.id for a in part.actions] == [SHARED]
        assert [a.id for a in part.reported_by("KEH")] == ([SHARED] if report else [])


# ----------------------------------------------------------------------------- collect


def fill_and_collect(ws: Workspace):
    p = load_programme(ws.programme_path)
    answer_all(ws, p, "SIV", {
        SHARED: ActionAnswer(DONE, 100, "Kurssit pidetty"),
        SIV_SHARES: ActionAnswer(MINOR, 30, "Tilat puuttuvat"),
    })  # fmt: skip
    answer_all(ws, p, "TEK", {SHARED: ActionAnswer(MAJOR, 10, "Ei resursseja")})
    answer_all(ws, p, "VAP", {SHARED: ActionAnswer(ON_TRACK, 60, None)})
    answer_all(ws, p, "KUL", {SIV_SHARES: ActionAnswer(ON_TRACK, 40, None)})
    result = collect_period(ws, PERIOD, now=NOW)
    return p, result


@pytest.fixture(scope="module")
def collected(tmp_path_factory) -> Path:
    """partners_report on: SIV, TEK, VAP and KUL returned (KEH did not)."""
    root = tmp_path_factory.mktemp("collected") / "aura"
    ws = workspace(root, with_partners(True))
    generate_period(ws, PERIOD, now=MADE)
    ws.inbox(PERIOD).mkdir(parents=True, exist_ok=True)
    _p, result = fill_and_collect(ws)
    assert {f.department_id: f.verdict for f in result.files} == dict.fromkeys(
        ("KUL", "SIV", "TEK", "VAP"), ACCEPTED
    ), [p.message for f in result.files for p in f.problems]
    return root


def answers(ws: Workspace, action_id: str) -> dict[str, tuple]:
    conn = sqlite3.connect(ws.db_path)
    try:
        rows = conn.execute(
            "SELECT department_id, status_key, progress, comment FROM answers WHERE action_id = ?",
            (action_id,),
        ).fetchall()
    finally:
        conn.close()
    return {r[0]: tuple(r[1:]) for r in rows}


def test_each_departments_answer_is_stored_under_its_own_submission(collected):
    ws = Workspace(collected)
    assert answers(ws, SHARED) == {
        "SIV": ("done", 100, "Kurssit pidetty"),
        "TEK": ("major", 10, "Ei resursseja"),
        "VAP": ("on_track", 60, None),
    }
    assert answers(ws, SIV_SHARES) == {
        "KUL": ("on_track", 40, None),
        "SIV": ("minor", 30, "Tilat puuttuvat"),
    }
    conn = sqlite3.connect(ws.db_path)
    try:
        metric_from = conn.execute(
            "SELECT department_id FROM metric_values WHERE action_id IN (?, ?)",
            (SHARED, SIV_SHARES),
        ).fetchall()
        submissions = dict(conn.execute("SELECT department_id, id FROM submissions"))
        own = conn.execute(
            "SELECT COUNT(*) FROM answers a JOIN submissions s ON s.id = a.submission_id "
            "WHERE a.department_id != s.department_id"
        ).fetchone()[0]
    finally:
        conn.close()
    assert sorted(metric_from) == [("KUL",), ("SIV",)]  # the leads' only
    assert set(submissions) == {"KUL", "SIV", "TEK", "VAP"} and own == 0


def test_the_register_workbook_shows_the_lead_and_each_partner(collected):
    ws = Workspace(collected)
    path = write_register(ws)
    assert validate_xlsx(path) == []
    wb = openpyxl.load_workbook(path)
    history = list(wb["Historia"].iter_rows(values_only=True))
    head = list(history[0])
    assert head[:5] == ["Kausi", "Painopiste", "Toimiala", "Rooli", "Toimenpiteen tunnus"]
    status = head.index("Tila")
    got = {(r[2], r[3], r[status]) for r in history[1:] if r[4] == SHARED}
    assert got == {
        ("SIV", "vastuutoimiala", DONE),
        ("TEK", "kumppani", MAJOR),
        ("VAP", "kumppani", ON_TRACK),
    }
    current = list(wb["Nykytila"].iter_rows(values_only=True))
    head = list(current[0])
    assert head[:4] == ["Toimenpiteen tunnus", "Painopiste", "Toimiala", "Rooli"]
    status = head.index("Tila")
    rows = [(r[2], r[3], r[status]) for r in current[1:] if r[0] == SHARED]
    assert rows == [
        ("SIV", "vastuutoimiala", DONE),  # the lead's row first, then each partner's
        ("TEK", "kumppani", MAJOR),
        ("VAP", "kumppani", ON_TRACK),
        ("KEH", "kumppani", None),  # not returned
    ]
    assert [(r[2], r[3], r[status]) for r in current[1:] if r[0] == "P1-09"] == [
        ("SIV", "vastuutoimiala", ON_TRACK)
    ]


def _priority_rows(wb, prefix: str) -> tuple[list[object], dict[str, tuple]]:
    [name] = [n for n in wb.sheetnames if n.startswith(prefix)]
    rows = list(wb[name].iter_rows(values_only=True))
    head = next(list(r) for r in rows if r[0] == SUMMARY["action_id"])
    return head, {str(r[0]): r for r in rows if r[0] and str(r[0]).startswith("P")}


SUMMARY = wording("fi")["summary"]


def _figure(wb, key: str) -> object:
    label = SUMMARY[key]
    return next(r[1] for r in wb[SUMMARY["overview"]].iter_rows(values_only=True) if r[0] == label)


def test_the_summary_counts_the_leads_answer_and_shows_the_partners_beside_it(collected):
    ws = Workspace(collected)
    [path] = write_summary(ws, PERIOD)
    assert validate_xlsx(path) == []
    wb = openpyxl.load_workbook(path)
    head, rows = _priority_rows(wb, "P1")
    assert head[-2] == SUMMARY["partners"] == "Kumppanien vastaukset"
    assert head[-1] == SUMMARY["health"]
    status, partners = head.index(SUMMARY["status"]), head.index(SUMMARY["partners"])
    pct = {n: format_percent(n / 100, "fi") for n in (10, 30, 60)}
    assert rows[SHARED][status] == DONE  # SIV's, the lead's
    assert rows[SHARED][partners] == "\n".join(
        (
            f"Tekninen toimi: {MAJOR}, {pct[10]} – Ei resursseja",
            f"Vapaa-aikatoimi: {ON_TRACK}, {pct[60]}",
            f"Kehitysyksikkö: {SUMMARY['not_answered']}",
        )
    )
    assert rows[SIV_SHARES][status] == ON_TRACK  # KUL's
    assert not rows[SIV_SHARES][head.index(SUMMARY["comment"])]  # KUL wrote none
    assert rows[SIV_SHARES][partners] == f"Sivistystoimi: {MINOR}, {pct[30]} – Tilat puuttuvat"
    assert rows["P1-09"][partners] is None
    # Counted once each, the lead's: TEK's major and SIV's minor problems are partners' answers.
    p = load_programme(ws.programme_path)
    active = sum(1 for a in p.actions if a.active)
    assert _figure(wb, "actions") == active
    assert _figure(wb, "done") == 1
    assert _figure(wb, "problems") == 0
    assert _figure(wb, "returns_expected") == 9  # KEH too
    assert _figure(wb, "returns_received") == 4
    conn = sqlite3.connect(ws.db_path)
    try:
        data = load_summary(conn, p, p.settings.period(PERIOD))
    finally:
        conn.close()
    assert dict(data.trend)[PERIOD] == tuple(data.counts.values())  # (no sheet for one period)
    assert sum(data.counts.values()) == active and data.counts["major"] == 0
    attention = {str(r[0]) for r in wb[SUMMARY["attention"]].iter_rows(values_only=True)}
    assert SHARED not in attention  # TEK's major problem is not the action's status
    departments = {r[0]: r for r in wb[SUMMARY["departments"]].iter_rows(values_only=True)}
    assert departments["Kehitysyksikkö"][2:4] == (0, SUMMARY["missing"])


def test_next_quarters_workbooks_show_each_departments_own_last_answer(collected, tmp_path):
    root = tmp_path / "aura"
    shutil.copytree(collected, root)
    ws = Workspace(root)
    generate_period(ws, "2025Q4", now=dt.datetime(2025, 12, 31, 12, 0))
    siv = action_rows(outbox_file(ws, "SIV", "2025Q4"))
    tek = action_rows(outbox_file(ws, "TEK", "2025Q4"))
    kul = action_rows(outbox_file(ws, "KUL", "2025Q4"))
    assert (siv[SHARED]["prev_status"], siv[SHARED]["prev_comment"]) == (DONE, "Kurssit pidetty")
    assert (tek[SHARED]["prev_status"], tek[SHARED]["prev_comment"]) == (MAJOR, "Ei resursseja")
    assert (siv[SIV_SHARES]["prev_status"], siv[SIV_SHARES]["prev_progress"]) == (MINOR, 30)
    assert (kul[SIV_SHARES]["prev_status"], kul[SIV_SHARES]["prev_progress"]) == (ON_TRACK, 40)
    keh = action_rows(outbox_file(ws, "KEH", "2025Q4"))
    assert keh[SHARED]["prev_status"] is None  # it never answered


# ----------------------------------------------------------------------------- lead only


def parts(path: Path) -> dict[str, bytes]:
    """The package's parts but the core properties (the moment it was written)."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n != "docProps/core.xml"}


def _type_a_row(path: Path, action_id: str, status: str) -> None:
    """An ID and a status typed into the first empty row under the actions."""
    wb = openpyxl.load_workbook(path)
    sheet = _find_sheet(wb, "actions")
    hrow, cols = _header_map(sheet, "actions")
    r = max(_rows_by_id(sheet, hrow, cols["action_id"]).values()) + 1
    sheet.cell(r, cols["action_id"]).value = action_id
    sheet.cell(r, cols["status"]).value = status
    wb.save(path)


def test_without_partners_report_a_partner_answering_a_shared_action_is_told(ws_off):
    ws = ws_off
    p = load_programme(ws.programme_path)
    tek = answer_all(ws, p, "TEK", {})
    _type_a_row(tek, SHARED, MAJOR)
    answer_all(ws, p, "SIV", {SHARED: ActionAnswer(DONE, 100, None)})
    result = collect_period(ws, PERIOD, now=NOW)
    verdicts = {f.department_id: f for f in result.files}
    assert verdicts["SIV"].verdict == ACCEPTED
    assert verdicts["TEK"].verdict == REJECTED
    unknown = tr("fi", "unknown action ID {id!r}: do not change or add IDs").format(id=SHARED)
    assert unknown in [x.message for x in verdicts["TEK"].errors]
    assert answers(ws, SHARED) == {"SIV": ("done", 100, None)}


def test_without_partners_report_the_register_and_summary_are_those_without_partners(
    ws_off, tmp_path
):
    """Partners named but not reporting: the register and the summary are byte for byte
    those of the same answers under the programme without partners."""
    ws = ws_off
    fill_and_collect(ws)
    programme = load_programme(ws.programme_path)
    plain = load_example("aura")
    paths = {}
    for name, p in (("partners", programme), ("plain", plain)):
        paths[name] = (
            write_register(ws, tmp_path / f"register-{name}.xlsx", p),
            tmp_path / f"summary-{name}.xlsx",
        )
        conn = sqlite3.connect(ws.db_path)
        conn.row_factory = sqlite3.Row
        try:
            build_summary(conn, p, p.settings.period(PERIOD), paths[name][1])
        finally:
            conn.close()
    for a, b in zip(paths["partners"], paths["plain"], strict=True):
        assert parts(a) == parts(b), a.name
    wb = openpyxl.load_workbook(paths["partners"][1])
    _head, rows = _priority_rows(wb, "P1")
    assert rows[SHARED][3] == DONE and "Kumppanien vastaukset" not in _head


# ----------------------------------------------------------------------------- sent before


def test_workbooks_sent_out_before_partners_were_named_are_collected(tmp_path):
    ws = workspace(tmp_path / "aura", load_example("aura"))
    generate_period(ws, PERIOD, now=MADE)
    assert PARTNERS_FI not in headers(outbox_file(ws, "SIV"))
    write_programme(with_partners(True, load_programme(ws.programme_path)), ws.programme_path)
    ws.inbox(PERIOD).mkdir(parents=True, exist_ok=True)
    p = load_programme(ws.programme_path)
    answer_all(ws, p, "SIV", {SHARED: ActionAnswer(DONE, 100, None)})
    answer_all(ws, p, "TEK", {})
    result = collect_period(ws, PERIOD, now=NOW)
    assert {f.department_id: f.verdict for f in result.files} == {
        "SIV": WARNINGS,  # from an earlier version of the programme
        "TEK": WARNINGS,
    }
    assert answers(ws, SHARED) == {"SIV": ("done", 100, None)}


def test_a_partners_workbook_made_before_partners_stopped_reporting_is_answered_by_the_lead_only(
    tmp_path,
):
    ws = workspace(tmp_path / "aura", with_partners(True))
    generate_period(ws, PERIOD, now=MADE)
    ws.inbox(PERIOD).mkdir(parents=True, exist_ok=True)
    p = load_programme(ws.programme_path)
    answer_all(ws, p, "TEK", {SHARED: ActionAnswer(MAJOR, 10, "Ei resursseja")})
    write_programme(with_partners(False), ws.programme_path)
    [tek] = collect_period(ws, PERIOD, now=NOW).files
    assert tek.verdict == WARNINGS
    ignored = tr(
        "fi", "action {id} is now reported by its lead department only: its answer was ignored"
    ).format(id=SHARED)
    assert ignored in [x.message for x in tek.warnings]
    assert answers(ws, SHARED) == {}
    assert len(answers(ws, p.actions_of("TEK")[0].id)) == 1  # its own are stored
