"""`roundtrip status PERIOD`: returned / late / rejected / missing, days late, exit codes."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner
from registry_builder import RegistryBuilder

from roundtrip.cli import main
from roundtrip.programme.workbook import load_programme
from roundtrip.register.status import period_status, read_rejections

PERIOD = "2025Q3"  # ends 30.9.2025, deadline 14.10.2025 (deadline_days = 14)


@pytest.fixture
def ws(aura_ws):
    return aura_ws


def expected_departments(ws):
    p = load_programme(ws.programme_path)
    return [d.id for d in p.departments if p.actions_of(d.id)]


def reject(ws, period, dept, name, message, content_hash, collected_at="2025-10-10T10:00:00"):
    path = ws.reports(period) / "rejections.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    entry = {
        "content_hash": content_hash,
        "original_name": name,
        "department_id": dept,
        "period": period,
        "received_at": "2025-10-09T08:00:00",
        "collected_at": collected_at,
        "errors": 1,
        "warnings": 0,
        "first_message": message,
    }
    with open(path, "a", encoding="utf-8") as fh:
        fh.write(json.dumps(entry, ensure_ascii=False) + "\n")


def test_nothing_collected_everyone_missing(ws):
    depts = expected_departments(ws)
    rep = period_status(ws, PERIOD, today=dt.date(2025, 10, 20))
    assert [r.department_id for r in rep.rows] == depts
    assert {r.state for r in rep.rows} == {"missing"}
    assert all(r.days_late == 6 for r in rep.rows)
    assert rep.deadline == dt.date(2025, 10, 14)
    assert rep.exit_code == 1
    assert rep.lines()[-1] == (
        f"0 of {len(depts)} returned, 0 rejected, {len(depts)} missing — deadline Oct 14, 2025"
    )


def test_states_days_late_and_total(ws):
    depts = expected_departments(ws)
    a, b, c, d = depts[:4]
    reg = RegistryBuilder(ws.db_path)
    reg.submission(a, PERIOD, "2025-10-01T09:30:00", signer="Anna Aho")
    reg.submission(b, PERIOD, "2025-10-17T15:00:00+03:00", signer="Bertil B")  # 3 days late
    # c: rejected first, then an accepted file arrives: returned wins
    reject(ws, PERIOD, c, "c_old.xlsx", "Toimenpiteet!K5: not a status", "h-c")
    reg.submission(c, PERIOD, "2025-10-12T09:00:00")
    # d: rejected twice (same file twice in the log: deduplicated), nothing accepted
    reject(ws, PERIOD, d, "d.xlsx", "Tunniste: signature does not match", "h-d")
    reject(ws, PERIOD, d, "d.xlsx", "Tunniste: signature does not match", "h-d")
    reject(ws, PERIOD, None, "mystery.csv", "not a return workbook", "h-x")
    # another period's return does not count for this one
    reg.submission(depts[4], "2025Q2", "2025-07-01T09:00:00")
    reg.close()

    rep = period_status(ws, PERIOD, today=dt.date(2025, 10, 16))
    by = {r.department_id: r for r in rep.rows}
    assert by[a].state == "returned" and by[a].days_late == 0 and by[a].signer == "Anna Aho"
    assert by[b].state == "late" and by[b].days_late == 3
    assert by[c].state == "returned"
    assert by[d].state == "rejected" and by[d].days_late == 2
    assert "signature" in by[d].message and by[d].file == "d.xlsx"
    assert by[depts[4]].state == "missing" and by[depts[4]].days_late == 2
    assert rep.exit_code == 1
    n = len(depts)
    missing = n - 4
    assert rep.lines()[-1] == (
        f"3 of {n} returned (1 late), 1 rejected, {missing} missing — deadline Oct 14, 2025"
    )
    text = "\n".join(rep.lines())
    assert "mystery.csv" in text
    # aligned: every table row starts its State column at the same offset
    table = rep.lines()[2 : 2 + n]
    offsets = {
        line.index(r.state, len(r.department_id)) for line, r in zip(table, rep.rows, strict=True)
    }
    assert len(offsets) == 1


def test_before_deadline_missing_is_not_overdue(ws):
    rep = period_status(ws, PERIOD, today=dt.date(2025, 10, 1))
    assert all(r.days_late == 0 for r in rep.rows)


def test_superseded_submission_still_returned(ws):
    dept = expected_departments(ws)[0]
    reg = RegistryBuilder(ws.db_path)
    reg.submission(dept, PERIOD, "2025-10-02T09:00:00", signer="first")
    reg.submission(dept, PERIOD, "2025-10-20T09:00:00", signer="second")  # newer: late
    reg.close()
    row = period_status(ws, PERIOD, today=dt.date(2025, 10, 21)).rows[0]
    assert (row.state, row.signer, row.days_late) == ("late", "second", 6)


def test_read_rejections_skips_torn_lines(tmp_path):
    path = tmp_path / "rejections.jsonl"
    path.write_text('{"content_hash": "a", "department_id": "X"}\n{"content_ha', encoding="utf-8")
    assert read_rejections(path) == [{"content_hash": "a", "department_id": "X"}]
    assert read_rejections(tmp_path / "none.jsonl") == []


def test_cli_exit_codes(ws):
    runner = CliRunner()
    result = runner.invoke(main, ["-w", str(ws.root), "status", PERIOD])
    assert result.exit_code == 1
    assert "missing" in result.output and "deadline Oct 14, 2025" in result.output

    reg = RegistryBuilder(ws.db_path)
    for dept in expected_departments(ws):
        reg.submission(dept, PERIOD, "2025-10-03T12:00:00")
    reg.close()
    result = runner.invoke(main, ["-w", str(ws.root), "status", PERIOD])
    assert result.exit_code == 0, result.output
    assert "0 rejected, 0 missing" in result.output

    result = runner.invoke(main, ["-w", str(ws.root), "status", "2025H2"])
    assert result.exit_code == 2
    assert "cadence" in result.output


def test_later_rejected_file_is_noted(ws):
    dept = expected_departments(ws)[0]
    reg = RegistryBuilder(ws.db_path)
    reg.submission(dept, PERIOD, "2025-10-02T09:00:00")
    reg.close()
    reject(ws, PERIOD, dept, "fix.xlsx", "Toimenpiteet!K4: not a status", "h-late")
    row = period_status(ws, PERIOD, today=dt.date(2025, 10, 21)).rows[0]
    assert row.state == "returned" and row.message == "Toimenpiteet!K4: not a status"
    assert row.note() == "a later file was rejected: Toimenpiteet!K4: not a status"


def test_end_to_end_through_collect(ws):
    """Real generate, fill and collect: one return accepted, one rejected, the rest missing."""
    from roundtrip.collect.run import collect_period
    from roundtrip.demo.fill import ActionAnswer, fill_return
    from roundtrip.returns.generate import generate_period

    depts = expected_departments(ws)
    good, bad = depts[0], depts[1]
    p = load_programme(ws.programme_path)
    now = dt.datetime(2025, 10, 20, 8, 0, tzinfo=dt.UTC)
    gen = generate_period(ws, PERIOD, [good, bad], now=now)
    by_dept = {f.department_id: f.path for f in gen.files}
    inbox = ws.inbox(PERIOD)
    inbox.mkdir(parents=True, exist_ok=True)
    fill_return(
        by_dept[good],
        inbox / "ok.xlsx",
        {a.id: ActionAnswer("Etenee suunnitellusti", 50) for a in p.actions_of(good)},
        signer="Olli Ok",
    )
    fill_return(
        by_dept[bad],
        inbox / "broken.xlsx",
        {p.actions_of(bad)[0].id: ActionAnswer("Valmiss", 100)},
    )
    collect_period(ws, PERIOD, now=now)
    rep = period_status(ws, PERIOD, today=dt.date(2025, 10, 20))
    by = {r.department_id: r for r in rep.rows}
    assert by[good].state in ("returned", "late") and by[good].signer == "Olli Ok"
    assert by[bad].state == "rejected" and by[bad].file == "broken.xlsx"
    assert by[bad].message and by[bad].days_late == 6
    assert rep.exit_code == 1


def test_control_characters_in_names_are_escaped():
    """A sender's file name (or signer) with BEL/ESC is shown escaped, never sent raw."""
    from roundtrip.errors import Problem, printable
    from roundtrip.register.status import _one_line

    assert printable("ctrl\x07\x1b[31mred\x85 é") == "ctrl\\x07\\x1b[31mred\\x85 é"
    assert _one_line("ctrl\x07\x1b[31mred.xlsx") == "ctrl\\x07\\x1b[31mred.xlsx"
    assert str(Problem("a\x1b.xlsx", "bad", "S\x07", "A1")) == "a\\x1b.xlsx: S\\x07!A1: bad"
    # a right-to-left override would show "raport\u202excod.exe" as "raportexe.docx"
    assert printable("raport\u202excod.exe") == "raport\\u202excod.exe"


@pytest.mark.parametrize(
    ("language", "head", "state", "total"),
    [
        ("fi", "Toimiala", "puuttuu", "Palautettu: 0/{n}, hylätty: 0, puuttuu: {n} — määräaika"),
        ("sv", "Sektor", "saknas", "Inlämnade: 0 av {n}, avvisade: 0, saknas: {n} — sista"),
    ],
)
def test_chase_list_speaks_the_console_language(ws, language, head, state, total):
    """Headings, states, the total and the deadline in the console language (14.10.2025)."""
    from roundtrip.language import pin_console_language

    pin_console_language(language)
    rep = period_status(ws, PERIOD, today=dt.date(2025, 10, 20))
    lines, n = rep.lines(), len(rep.rows)
    assert lines[0].startswith(head) and all(state in line for line in lines[2 : 2 + n])
    assert lines[-1].startswith(total.format(n=n)) and lines[-1].endswith(" 14.10.2025")
