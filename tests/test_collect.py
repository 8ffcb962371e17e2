"""collect end to end: real generated returns, filled as people do (and worse), collected.

Every test works on its own copy of one generated Aura workspace (init + generate 2025Q3 once).
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import os
import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from programme_copies import whole_and_sliced

from roundtrip import workspace as workspace_mod
from roundtrip.cli import main
from roundtrip.collect import intake as intake_mod
from roundtrip.collect import reporting
from roundtrip.collect import run as collect_mod
from roundtrip.collect.run import collect_period
from roundtrip.demo.fill import ActionAnswer, _find_sheet, _header_map, _rows_by_id, fill_return
from roundtrip.errors import BusyError, WorkspaceError
from roundtrip.init import init_workspace
from roundtrip.parallel.pool import inherits
from roundtrip.programme.workbook import load_programme
from roundtrip.returns.generate import generate_period
from roundtrip.workspace import Workspace, workspace_lock

PERIOD = "2025Q3"
NOW = dt.datetime(2025, 10, 10, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("collect") / "aura"
    init_workspace(root, example="aura")
    ws = Workspace(root)
    generate_period(ws, PERIOD, now=dt.datetime(2025, 9, 30, 12, 0))
    generate_period(ws, "2025Q2", ["YEP"], now=dt.datetime(2025, 6, 30, 12, 0))
    return root


@pytest.fixture
def ws(template, tmp_path) -> Workspace:
    root = tmp_path / "aura"
    shutil.copytree(template, root)
    (root / "inbox" / PERIOD).mkdir(parents=True, exist_ok=True)
    return Workspace(root)


@pytest.fixture(scope="module")
def programme(template):
    return load_programme(Workspace(template).programme_path)


def outbox_file(ws: Workspace, dept: str, period: str = PERIOD) -> Path:
    [f] = [p for p in ws.outbox(period).glob("*.xlsx") if f"_{dept}_" in p.name]
    return f


def answers_for(programme, dept: str, label: str = "Etenee suunnitellusti", progress=50):
    return {a.id: ActionAnswer(label, progress, None) for a in programme.actions_of(dept)}


def metrics_for(programme, dept: str):
    out = {}
    for a in programme.actions_of(dept):
        for m in a.metrics:
            out[m.id] = "Kyllä" if m.kind == "yesno" else 3
    return out


def good_return(ws, programme, dept: str, name: str | None = None, **kw) -> Path:
    dst = ws.inbox(PERIOD) / (name or f"{dept}.xlsx")
    return fill_return(
        outbox_file(ws, dept),
        dst,
        kw.pop("answers", None) or answers_for(programme, dept),
        kw.pop("metrics", None) or metrics_for(programme, dept),
        signer=kw.pop("signer", f"Head of {dept}"),
        **kw,
    )


def db(ws: Workspace) -> sqlite3.Connection:
    conn = sqlite3.connect(ws.db_path)
    conn.row_factory = sqlite3.Row
    return conn


def by_name(result):
    return {f.name: f for f in result.files}


def cell_of(path: Path, key: str, row_id: str, col: str) -> tuple[str, str]:
    """(sheet name, A1 ref) of a cell found the way a person finds it: by ID and header."""
    wb = openpyxl.load_workbook(path)
    sheet = _find_sheet(wb, key)
    hrow, cols = _header_map(sheet, key)
    id_key = "action_id" if key == "actions" else "metric_id"
    r = _rows_by_id(sheet, hrow, cols[id_key])[row_id]
    return sheet.title, f"{openpyxl.utils.get_column_letter(cols[col])}{r}"


# ----------------------------------------------------------------------------- messy but valid


def test_messy_return_is_read_exactly_with_source_cells(ws, programme):
    dept = "YEP"
    acts = [a.id for a in programme.actions_of(dept)]
    mets = {m.id: m for a in programme.actions_of(dept) for m in a.metrics}
    counts = [m for m in mets if mets[m].kind == "count"]
    yesno = [m for m in mets if mets[m].kind == "yesno"]
    answers = answers_for(programme, dept)
    answers[acts[0]] = ActionAnswer("Valmis ", 100, "Hanke valmis")
    answers[acts[1]] = ActionAnswer("  etenee SUUNNITELLUSTI", "50 %", None)
    answers[acts[2]] = ActionAnswer("Merkittäviä\u00a0haasteita", 10, '=HYPERLINK("x","y")')
    answers[acts[3]] = ActionAnswer("Completed", 100, None)  # another language's label
    metric_values = metrics_for(programme, dept)
    metric_values[counts[0]] = "29 000"
    metric_values[counts[1]] = "1\u00a0234"
    metric_values[counts[2]] = "1\u202f234"
    metric_values[yesno[0]] = "ja"
    blank_plan = next(a for a in programme.actions_of(dept) if not a.schedule)
    path = good_return(
        ws,
        programme,
        dept,
        "Palautus YEP (lopullinen).xlsx",
        answers=answers,
        metrics=metric_values,
        plan={(blank_plan.id, "schedule"): "Syksy 2025"},
        proposals=[{"priority": "P1 " + programme.priority("P1").title, "action": "Yrityssauna"}],
    )
    # Then the person sorts the rows, inserts a column, renames a sheet and formats a % cell.
    wb = openpyxl.load_workbook(path)
    acts_ws = _find_sheet(wb, "actions")
    hrow, cols = _header_map(acts_ws, "actions")
    first, last = hrow + 1, hrow + len(acts)
    rows = [[(c.value, c.data_type) for c in acts_ws[r]] for r in range(first, last + 1)]
    for i, values in enumerate(reversed(rows)):
        for j, (v, data_type) in enumerate(values, start=1):
            acts_ws.cell(first + i, j).value = v
            acts_ws.cell(first + i, j).data_type = data_type
    acts_ws.insert_cols(2)
    acts_ws.cell(hrow, 2).value = "Omat muistiinpanot"
    r4 = _rows_by_id(acts_ws, hrow, 1)[acts[4]]
    pcol = _header_map(acts_ws, "actions")[1]["progress"]
    acts_ws.cell(r4, pcol).value = 0.5
    acts_ws.cell(r4, pcol).number_format = "0 %"
    _find_sheet(wb, "metrics").title = "Mittarit oma"
    wb.save(path)

    result = collect_period(ws, PERIOD, now=NOW)
    assert result.exit_code == 0, result.lines()
    [f] = result.files
    assert f.verdict in ("accepted", "warnings") and f.department_id == dept

    conn = db(ws)
    sub = conn.execute("SELECT * FROM submissions").fetchone()
    assert sub["original_name"] == "Palautus YEP (lopullinen).xlsx"
    assert sub["signer"] == "Head of YEP" and sub["superseded_by"] is None
    assert (ws.root / sub["archive_path"]).read_bytes() == path.read_bytes()
    ans = {r["action_id"]: r for r in conn.execute("SELECT * FROM answers")}
    assert len(ans) == len(acts)
    assert (ans[acts[0]]["status_key"], ans[acts[0]]["progress"]) == ("done", 100)
    assert (ans[acts[1]]["status_key"], ans[acts[1]]["progress"]) == ("on_track", 50)
    assert ans[acts[2]]["status_key"] == "major"
    assert ans[acts[2]]["comment"] == '=HYPERLINK("x","y")'  # text stays text
    assert ans[acts[3]]["status_key"] == "done"
    assert ans[acts[4]]["progress"] == 50  # 0.5 in a %-formatted cell
    for aid in (acts[0], acts[4]):
        sheet, ref = cell_of(path, "actions", aid, "status")
        assert (ans[aid]["sheet"], ans[aid]["status_cell"]) == (sheet, ref)
    from openpyxl.utils import get_column_letter

    moved = get_column_letter(cols["status"] + 1)  # right by the inserted column
    assert ans[acts[0]]["status_cell"].rstrip("0123456789") == moved
    mv = {r["metric_id"]: r for r in conn.execute("SELECT * FROM metric_values")}
    assert (mv[counts[0]]["value_num"], mv[counts[0]]["value_text"]) == (29000.0, "29000")
    assert mv[counts[1]]["value_num"] == 1234.0 and mv[counts[2]]["value_num"] == 1234.0
    assert mv[yesno[0]]["value_text"] == "yes"
    assert mv[counts[0]]["sheet"] == "Mittarit oma"
    assert (mv[counts[0]]["sheet"], mv[counts[0]]["value_cell"]) == cell_of(
        path, "metrics", counts[0], "value"
    )
    [pc] = conn.execute("SELECT * FROM plan_completions").fetchall()
    assert (pc["action_id"], pc["field"], pc["value"]) == (blank_plan.id, "schedule", "Syksy 2025")
    [prop] = conn.execute("SELECT * FROM proposals").fetchall()
    assert (prop["priority_id"], prop["action"]) == ("P1", "Yrityssauna")
    assert (ws.reports(PERIOD) / "validation.xlsx").is_file()


# ----------------------------------------------------------------------------- rejected files


def test_rejected_files_leave_the_register_byte_for_byte_unchanged(ws, programme):
    good_return(ws, programme, "HAL")
    assert collect_period(ws, PERIOD, now=NOW).exit_code == 0
    before = ws.db_path.read_bytes()
    assert not Path(str(ws.db_path) + "-wal").exists()

    bad = ws.root / "bad"
    bad.mkdir()
    # another period's return
    fill_return(
        outbox_file(ws, "YEP", "2025Q2"), bad / "yep_q2.xlsx", answers_for(programme, "YEP")
    )
    # identity edited: signature fails
    p = good_return(ws, programme, "SIV", "siv_edited.xlsx")
    shutil.move(p, bad / p.name)
    wb = openpyxl.load_workbook(bad / p.name)
    ident = next(
        s for s in wb.worksheets if s.sheet_state != "visible" and s["A4"].value == "department_id"
    )
    ident["B4"] = "KUL"
    wb.save(bad / p.name)
    # a formula without a saved value (openpyxl never saves results)
    p = good_return(ws, programme, "TEK", "tek_formula.xlsx")
    shutil.move(p, bad / p.name)
    wb = openpyxl.load_workbook(bad / p.name)
    mid = next(m.id for a in programme.actions_of("TEK") for m in a.metrics if m.kind == "count")
    sheet, ref = cell_of(bad / p.name, "metrics", mid, "value")
    wb[sheet][ref] = "=2+3"
    wb.save(bad / p.name)
    # an unknown status pasted past the dropdown, a missing required comment
    answers = answers_for(programme, "KUL")
    ids = list(answers)
    answers[ids[0]] = ActionAnswer("Melkein valmis", 90, None)
    answers[ids[1]] = ActionAnswer("Keskeytetty", 0, None)
    fill_return(outbox_file(ws, "KUL"), bad / "kul.xlsx", answers, metrics_for(programme, "KUL"))
    # not workbooks at all
    (bad / "notes.csv").write_text("a;b\n1;2\n", encoding="utf-8")
    (bad / "broken.xlsx").write_bytes(b"PK\x03\x04 this is not a zip")
    (bad / "empty.xlsx").write_bytes(b"")
    (bad / "random.xlsx").write_bytes(os.urandom(3000))

    result = collect_period(ws, PERIOD, [bad], now=NOW)
    assert result.exit_code == 1
    assert all(f.verdict == "rejected" for f in result.files), result.lines()
    assert ws.db_path.read_bytes() == before
    files = by_name(result)
    assert any(
        "tämä on kauden 2025Q2 palautus eikä kauden 2025Q3" in e.message
        for e in files["yep_q2.xlsx"].errors
    )
    assert any(
        "ei ole luotu tässä työtilassa, tai sen tunnistevälilehteä on muokattu" in e.message
        for e in files["siv_edited.xlsx"].errors
    )
    [err] = files["tek_formula.xlsx"].errors
    assert (err.sheet, err.cell) == (sheet, ref)
    assert "jonka tulosta ei ole tallennettu" in err.message
    kul = {(e.cell, e.message.split(" (")[0]) for e in files["kul.xlsx"].errors}
    assert any(m.startswith("tila ei ole listalla") for _, m in kul)
    assert any("kommentti on pakollinen" in m for _, m in kul)
    for name in ("notes.csv", "broken.xlsx", "empty.xlsx", "random.xlsx"):
        assert files[name].errors and files[name].department_id is None
    text = "\n".join(result.lines())
    assert "Traceback" not in text
    assert f"tek_formula.xlsx: {sheet}!{ref}: " in text

    ledger = [
        json.loads(x) for x in (ws.reports(PERIOD) / "rejections.jsonl").read_text().splitlines()
    ]
    assert {e["original_name"] for e in ledger} == set(files)
    assert {e["department_id"] for e in ledger if e["original_name"] == "kul.xlsx"} == {"KUL"}
    # collecting the same rejected files again neither stores nor duplicates the ledger
    again = collect_period(ws, PERIOD, [bad], now=NOW)
    assert again.exit_code == 1 and ws.db_path.read_bytes() == before
    lines = (ws.reports(PERIOD) / "rejections.jsonl").read_text().splitlines()
    assert len(lines) == len(ledger)
    # every rejected file was archived, and annotated where it is a workbook
    assert (ws.reports(PERIOD) / "feedback" / "kul_kommentoitu.xlsx").is_file()
    archived = {p.name.split(".")[0] for p in ws.archive_dir.iterdir()}
    assert {f.content_hash for f in result.files} <= archived


# ----------------------------------------------------------------------------- idempotency


def test_collecting_twice_is_idempotent_and_lock_files_are_ignored(ws, programme):
    a = good_return(ws, programme, "VAP")
    shutil.copy(a, ws.inbox(PERIOD) / "VAP copy.xlsx")  # the same file twice in one run
    (ws.inbox(PERIOD) / "~$VAP.xlsx").write_bytes(b"\x00lock")
    (ws.inbox(PERIOD) / ".DS_Store").write_bytes(b"\x00")
    first = collect_period(ws, PERIOD, now=NOW)
    assert [f.name for f in first.files] == ["VAP copy.xlsx", "VAP.xlsx", "~$VAP.xlsx"]
    assert [f.verdict for f in first.files] in (
        ["warnings", "already collected", "skipped"],
        ["accepted", "already collected", "skipped"],
    )
    assert "~$VAP.xlsx: skipped (an Office lock file" in "\n".join(first.lines())
    assert first.exit_code == 0
    before = ws.db_path.read_bytes()
    second = collect_period(ws, PERIOD, now=NOW)
    assert [f.verdict for f in second.files] == ["already collected"] * 2 + ["skipped"]
    assert second.exit_code == 0
    assert ws.db_path.read_bytes() == before
    assert db(ws).execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 1


def test_a_rerun_over_stored_files_needs_no_programme_but_a_new_file_does(ws, programme):
    """Re-running over an inbox that is all stored is decided by hashes alone (at 180,000
    actions loading the programme is most of a re-run); any new file takes the full path."""
    good_return(ws, programme, "VAP")
    first = collect_period(ws, PERIOD, now=NOW)
    assert first.exit_code == 0
    good_programme = ws.programme_path.read_bytes()
    ws.programme_path.write_bytes(b"not a workbook")  # loading it now fails
    again = CliRunner().invoke(main, ["-w", str(ws.root), "collect", PERIOD])
    assert again.exit_code == 0, again.output
    assert "VAP.xlsx → VAP: already collected" in again.output
    good_return(ws, programme, "EVT")
    new = CliRunner().invoke(main, ["-w", str(ws.root), "collect", PERIOD])
    assert new.exit_code == 2 and "programme.xlsx" in new.output, new.output
    ws.programme_path.write_bytes(good_programme)
    assert collect_period(ws, PERIOD, now=NOW).count("accepted", "warnings") == 1


def test_a_rerun_reuses_final_rejections_until_the_programme_changes(ws, programme, monkeypatch):
    """A file rejected for what it contains is rejected again from the ledger, with the same
    problems, without reading it; a changed programme.xlsx means reading it again."""
    good_return(ws, programme, "VAP")
    answers = answers_for(programme, "KUL")
    answers[next(iter(answers))] = ActionAnswer("Melkein valmis", 90, None)
    fill_return(outbox_file(ws, "KUL"), ws.inbox(PERIOD) / "kul.xlsx", answers)
    (ws.inbox(PERIOD) / "broken.xlsx").write_bytes(b"PK\x03\x04 this is not a zip")
    first = collect_period(ws, PERIOD, now=NOW)
    assert [f.verdict for f in first.files] == ["accepted", "rejected", "rejected"]
    before = ws.db_path.read_bytes()

    def no_reading(*args, **kwargs):
        raise AssertionError("a finally rejected file was read again")

    monkeypatch.setattr(collect_mod, "read_return", no_reading)
    again = collect_period(ws, PERIOD, now=NOW)
    assert [f.line() for f in again.files] == [
        "VAP.xlsx → VAP: already collected",
        "broken.xlsx → ?: rejected (1 error)",
        "kul.xlsx → KUL: rejected (1 error)",
    ]
    assert [f.problems for f in again.files] == [f.problems for f in first.files]
    assert again.exit_code == 1 and ws.db_path.read_bytes() == before
    assert again.files[2].feedback == first.files[2].feedback is not None
    assert again.report == first.report
    lines = (ws.reports(PERIOD) / "rejections.jsonl").read_text().splitlines()
    assert len(lines) == 2

    # Under a changed programme the same bytes are read again (and logged again).
    wb = openpyxl.load_workbook(ws.programme_path)
    settings = wb["asetukset"]  # Aura's programme.xlsx is Finnish: its settings sheet
    settings["B3"] = str(settings["B3"].value) + " "
    wb.save(ws.programme_path)
    reread = collect_period(ws, PERIOD, now=NOW)  # nothing in a file aborts a run...
    assert all("read again" in f.problems[0].message for f in reread.files[1:])
    monkeypatch.undo()
    third = collect_period(ws, PERIOD, now=NOW)
    assert [f.verdict for f in third.files] == ["already collected", "rejected", "rejected"]
    assert [f.problems for f in third.files] == [f.problems for f in first.files]
    entries = [
        json.loads(x) for x in (ws.reports(PERIOD) / "rejections.jsonl").read_text().splitlines()
    ]
    keys = {e.get("programme_key") for e in entries if "problems" in e}
    assert len(keys) == 2  # final under the first programme, and again under the second


def test_a_timed_out_file_is_read_again(ws, programme, monkeypatch):
    """Running out of time is no verdict on the file: the next run reads it again."""
    good_return(ws, programme, "VAP")
    from roundtrip.returns.safety import TimeLimitError

    def slow(path, original_name=None, lang="en"):
        raise TimeLimitError(collect_mod.Problem(original_name or path.name, "took too long"))

    monkeypatch.setattr(collect_mod, "read_return", slow)
    assert collect_period(ws, PERIOD, now=NOW).files[0].verdict == "rejected"
    monkeypatch.undo()
    assert collect_period(ws, PERIOD, now=NOW).files[0].verdict in ("accepted", "warnings")


def test_a_file_that_makes_the_reader_spin_is_stopped_and_the_run_goes_on(
    ws, programme, monkeypatch
):
    """The time limit needs no signal (Windows has none): a reader spinning on one file is
    stopped with the time-limit message, and the next file is collected as usual."""
    import dataclasses
    import time

    good_return(ws, programme, "VAP", name="a-VAP.xlsx")
    good_return(ws, programme, "TEK", name="b-hidas-TEK.xlsx")
    real = collect_mod.read_return

    def spinning(path, original_name=None, lang="en"):
        if "hidas" in (original_name or path.name):
            end = time.monotonic() + 60
            while time.monotonic() < end:  # bounded, should the limit never come
                pass
        return real(path, original_name=original_name, lang=lang)

    monkeypatch.setattr(collect_mod, "read_return", spinning)
    limits = dataclasses.replace(collect_mod.DEFAULT_LIMITS, time_limit_s=0.3)
    monkeypatch.setattr(collect_mod, "DEFAULT_LIMITS", limits)
    started = time.monotonic()
    result = collect_period(ws, PERIOD, now=NOW)
    assert time.monotonic() - started < 30
    verdicts = {f.name: f.verdict for f in result.files}
    assert verdicts["a-VAP.xlsx"] in ("accepted", "warnings")
    assert verdicts["b-hidas-TEK.xlsx"] == "rejected"
    [slow] = [f for f in result.files if f.name == "b-hidas-TEK.xlsx"]
    from roundtrip.returns.safety import message

    expected = message(programme.settings.language, "time", seconds=0.3)
    assert [p.message for p in slow.problems] == [expected]


def test_archive_holds_exactly_the_bytes_hashed_even_after_a_crash(ws, programme):
    """archive/<sha256>.xlsx holds the bytes whose hash names it; a temporary file left by a
    killed run is overwritten, never taken for the archive."""
    import hashlib

    f = good_return(ws, programme, "VAP")
    digest = hashlib.sha256(f.read_bytes()).hexdigest()
    ws.archive_dir.mkdir(exist_ok=True)
    (ws.archive_dir / f".tmp-{digest}.xlsx").write_bytes(b"half a file")
    result = collect_period(ws, PERIOD, now=NOW)
    assert result.files[0].content_hash == digest
    archived = ws.archive_dir / f"{digest}.xlsx"
    assert hashlib.sha256(archived.read_bytes()).hexdigest() == digest
    assert [p.name for p in ws.archive_dir.iterdir()] == [archived.name]


@pytest.mark.parametrize("minimum", [10**9, 1], ids=["one by one", "taken in early"])
def test_an_archive_that_cannot_be_written_stops_the_run_and_stores_nothing(ws, programme, minimum):
    """Whether this process or the early intake's writes the archive, the run stops with one
    clear error and the register stays empty."""
    good_return(ws, programme, "VAP")
    good_return(ws, programme, "EVT")
    if ws.archive_dir.is_dir():
        ws.archive_dir.rmdir()
    ws.archive_dir.write_text("not a folder")
    with pytest.raises(WorkspaceError, match="cannot archive"):
        collect_period(ws, PERIOD, now=NOW, pool_min=minimum)
    assert db(ws).execute("SELECT count(*) FROM submissions").fetchone()[0] == 0


# ----------------------------------------------------------------------------- supersession


def test_newer_return_supersedes_and_an_older_one_arriving_late_does_not(ws, programme):
    dept = "EVT"
    old = good_return(
        ws, programme, dept, "evt_v1.xlsx", answers=answers_for(programme, dept, progress=10)
    )
    new = good_return(
        ws, programme, dept, "evt_v2.xlsx", answers=answers_for(programme, dept, progress=60)
    )
    t = dt.datetime(2025, 10, 5, 12, 0, tzinfo=dt.UTC).timestamp()
    os.utime(old, (t, t))
    os.utime(new, (t + 3600, t + 3600))
    oldest = good_return(
        ws, programme, dept, "evt_v0.xlsx", answers=answers_for(programme, dept, progress=5)
    )
    os.utime(oldest, (t - 3600, t - 3600))

    r1 = collect_period(ws, PERIOD, [old], now=NOW)
    r2 = collect_period(ws, PERIOD, [new], now=NOW)
    assert r1.files[0].verdict in ("accepted", "warnings")
    assert r2.files[0].verdict in ("accepted", "warnings")
    r3 = collect_period(ws, PERIOD, [oldest], now=NOW)  # older file arriving late
    assert r3.files[0].verdict == "superseded" and r3.exit_code == 0

    conn = db(ws)
    subs = {r["original_name"]: r for r in conn.execute("SELECT * FROM submissions")}
    assert subs["evt_v1.xlsx"]["superseded_by"] == subs["evt_v2.xlsx"]["id"]
    assert subs["evt_v0.xlsx"]["superseded_by"] == subs["evt_v2.xlsx"]["id"]
    assert subs["evt_v2.xlsx"]["superseded_by"] is None
    [current] = conn.execute("SELECT * FROM current_submissions WHERE department_id = ?", (dept,))
    assert current["original_name"] == "evt_v2.xlsx"
    progress = {
        r["progress"]
        for r in conn.execute(
            "SELECT progress FROM answers WHERE submission_id = ?", (current["id"],)
        )
    }
    assert progress == {60}


def test_another_departments_file_counts_for_the_department_in_its_identity(ws, programme):
    path = good_return(ws, programme, "HAL", "YEP_palautus.xlsx")
    named = path.with_name("..2025Q3..YEP...xlsx")  # a dot-name given explicitly is collected
    path.rename(named)
    result = collect_period(ws, PERIOD, [named], now=NOW)
    assert result.files[0].department_id == "HAL"
    assert db(ws).execute("SELECT department_id FROM submissions").fetchone()[0] == "HAL"


# ----------------------------------------------------------------------------- CLI and lock


def test_cli_exit_codes_and_no_traceback(ws, programme):
    runner = CliRunner()
    good_return(ws, programme, "TEK")
    ok = runner.invoke(main, ["-w", str(ws.root), "collect", PERIOD])
    assert ok.exit_code == 0, ok.output
    assert "TEK.xlsx → TEK: accepted" in ok.output

    (ws.inbox(PERIOD) / "broken.xlsx").write_bytes(b"PK\x03\x04garbage")
    bad = runner.invoke(main, ["-w", str(ws.root), "collect", PERIOD])
    assert bad.exit_code == 1
    assert "broken.xlsx → ?: rejected (1 error)" in bad.output
    assert "TEK.xlsx → TEK: already collected" in bad.output
    assert "Traceback" not in bad.output

    usage = runner.invoke(main, ["-w", str(ws.root), "collect", "2025H2"])
    assert usage.exit_code == 2 and "Traceback" not in usage.output


def test_a_second_collect_waits_then_stops_busy(ws, monkeypatch):
    monkeypatch.setattr(workspace_mod, "LOCK_WAIT_S", 0.3)
    with workspace_lock(ws), pytest.raises(BusyError, match="another roundtrip collect"):
        collect_period(ws, PERIOD, now=NOW)


def _copy_writer(src, problems, target, language, *, checked=False):
    if "bad" in src.name:
        from roundtrip.errors import WorkspaceError

        raise WorkspaceError("cannot annotate")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(f"{src.name} {len(problems)} {language} {checked}")
    return target


def test_many_annotated_copies_are_spread_over_processes_in_order(tmp_path):
    from roundtrip.errors import Problem

    jobs = [
        (
            f"f{i}.xlsx",
            tmp_path / ("bad.xlsx" if i == 3 else f"f{i}.xlsx"),
            (Problem(f"f{i}.xlsx", "x"),) * i,
            tmp_path / "out" / f"f{i}_feedback.xlsx",
            "fi",
            {"checked": i % 2 == 1},
        )
        for i in range(40)
    ]
    assert len(jobs) >= collect_mod.POOL_MIN_COPIES
    got = reporting._annotated_copies(_copy_writer, jobs)
    want = [None if i == 3 else tmp_path / "out" / f"f{i}_feedback.xlsx" for i in range(40)]
    assert got == want
    assert (tmp_path / "out" / "f5_feedback.xlsx").read_text() == "f5.xlsx 5 fi True"
    assert (tmp_path / "out" / "f6_feedback.xlsx").read_text() == "f6.xlsx 6 fi False"


_HERE = os.getpid()


def _copy_writer_killed_once(src, problems, target, language, *, checked=False):
    """_copy_writer, atomically; a worker process dies on f7, leaving f8 half written."""
    from roundtrip.workspace import atomic_path

    if os.getpid() != _HERE and src.name == "f7.xlsx":
        with atomic_path(target.with_name("f8_feedback.xlsx")) as tmp:
            tmp.write_text("half")
            os._exit(3)
    with atomic_path(target) as tmp:
        tmp.write_text(f"{src.name} {len(problems)} {language} {checked}")
    return target


def test_a_killed_copy_worker_leaves_the_copies_to_this_process(tmp_path):
    """A worker making annotated copies dies (out of memory, say): every copy is made here,
    in order, and nothing half written is left in the feedback folder."""
    from roundtrip.errors import Problem

    out = tmp_path / "out"
    jobs = [
        (f"f{i}.xlsx", tmp_path / f"f{i}.xlsx", (Problem(f"f{i}.xlsx", "x"),), out / f"f{i}_feedback.xlsx", "fi", {})
        for i in range(40)
    ]  # fmt: skip
    assert len(jobs) >= collect_mod.POOL_MIN_COPIES
    got = reporting._annotated_copies(_copy_writer_killed_once, jobs)
    assert got == [out / f"f{i}_feedback.xlsx" for i in range(40)]
    assert sorted(p.name for p in out.iterdir()) == sorted(f"f{i}_feedback.xlsx" for i in range(40))
    assert (out / "f8_feedback.xlsx").read_text() == "f8.xlsx 1 fi False"


def _register_rows(ws: Workspace) -> dict[str, list]:
    conn = db(ws)
    out = {
        t: _without_where(conn.execute(f"SELECT * FROM {t} ORDER BY 1, 2"))
        for t in ("submissions", "answers", "metric_values", "problems")
    }
    conn.close()
    return out


def _die_in_worker(*args):
    """A reader process that crashes (killed, out of memory...) on its first task."""
    os._exit(3)


def _take_in_elsewhere(archive_dir, paths):
    """intake.take_in_all, noting which process took the files in."""
    (archive_dir.parent / f"taken-in-by-{os.getpid()}").touch()
    return [intake_mod.take_in(archive_dir, p) for p in paths]


@pytest.mark.parametrize(
    "group, crash", [(1, None), (3, None), (4, None), (4, "readers"), (4, "intake")]
)
def test_reading_in_worker_processes_gives_the_serial_result(
    template, programme, tmp_path, monkeypatch, group, crash
):
    """Same outcomes, lines, register and ledger: duplicates (in one task and across tasks),
    a rejected file, a newer return; also when the reader processes die (read here instead)
    or the process taking the files in early dies (taken in here instead)."""
    monkeypatch.setattr(intake_mod, "take_in_all", _take_in_elsewhere)
    made = Workspace(tmp_path / "made")
    shutil.copytree(template, made.root)
    inbox = made.inbox(PERIOD)
    inbox.mkdir(parents=True, exist_ok=True)
    depts = [d.id for d in programme.departments if programme.actions_of(d.id)]
    for i, dept in enumerate(depts):
        good_return(made, programme, dept, f"{i:02d}_{dept}.xlsx")
    shutil.copyfile(inbox / f"00_{depts[0]}.xlsx", inbox / "01a_copy.xlsx")  # same bytes twice
    bad = answers_for(programme, depts[1], label="valmis?")
    good_return(made, programme, depts[1], "02a_bad.xlsx", answers=bad)
    shutil.copyfile(inbox / "02a_bad.xlsx", inbox / "02b_bad_again.xlsx")
    newer = answers_for(programme, depts[2], progress=90)
    good_return(made, programme, depts[2], "03a_newer.xlsx", answers=newer)
    for k, f in enumerate(sorted(inbox.iterdir())):
        t = NOW.timestamp() - 3600 + (k * 37) % 11 * 60
        os.utime(f, (t, t))
    runs = {}
    for mode, minimum in (("serial", 10**9), ("pool", 1)):
        ws = Workspace(tmp_path / mode)
        shutil.copytree(template, ws.root)
        shutil.copytree(inbox, ws.inbox(PERIOD), dirs_exist_ok=True)
        if crash == "readers" and mode == "pool":
            monkeypatch.setattr(collect_mod, "_read_jobs", _die_in_worker)
        if crash == "intake" and mode == "pool":
            monkeypatch.setattr(intake_mod, "take_in_all", _die_in_worker)
        result = collect_period(ws, PERIOD, now=NOW, pool_min=minimum, pool_group=group)
        taken_in_by = {p.name for p in ws.root.glob("taken-in-by-*")}
        if inherits():  # (what is patched here reaches forked processes only)
            assert bool(taken_in_by) == (mode == "pool" and crash != "intake")
        assert f"taken-in-by-{os.getpid()}" not in taken_in_by
        ledger = (ws.reports(PERIOD) / collect_mod.REJECTIONS_FILE).read_text()
        feedback = sorted(p.name for p in (ws.reports(PERIOD) / "feedback").glob("*"))
        lines = [x.replace(str(ws.root), "WS") for x in result.lines()]
        runs[mode] = (lines, _register_rows(ws), ledger, feedback)
        assert gc.get_freeze_count() == 0  # collect froze the heap while it ran, not after
    lines = runs["serial"][0]
    assert any("already collected" in x for x in lines) and any("rejected" in x for x in lines)
    assert any("superseded" in x for x in lines) and any("WS" in x for x in lines)
    assert runs["pool"] == runs["serial"]


@pytest.mark.parametrize("pool", [False, True])
def test_validating_against_department_slices_gives_the_whole_programme_result(
    template, programme, tmp_path, pool
):
    """With a current programme cache, collect validates each return against its department's
    slice of it; the result is the one the whole programme gives, also for returns of an
    earlier version whose actions have since moved or gone."""
    from roundtrip.programme.source import ByDepartment, Whole

    made = Workspace(tmp_path / "made")
    shutil.copytree(template, made.root)
    made.inbox(PERIOD).mkdir(parents=True, exist_ok=True)
    depts = [d.id for d in programme.departments if programme.actions_of(d.id)]
    for dept in depts:
        good_return(made, programme, dept)
    good_return(
        made, programme, depts[1], "bad.xlsx", answers=answers_for(programme, depts[1], "?")
    )
    # The programme changes after the returns went out: an action moves to another
    # department, one without metrics is removed.
    moved = programme.actions_of(depts[0])[0]
    gone = next(a for a in programme.actions_of(depts[1]) if not a.metrics)
    wb = openpyxl.load_workbook(made.programme_path)
    sheet = wb["toimenpiteet"]  # Aura's actions (programme.xlsx is in Finnish)
    for row in sheet.iter_rows(min_row=2):
        if row[0].value == moved.id:
            row[2].value = depts[2]
    [at] = [r[0].row for r in sheet.iter_rows(min_row=2) if r[0].value == gone.id]
    sheet.delete_rows(at)
    wb.save(made.programme_path)
    runs = {}
    for kind, ws in whole_and_sliced(made.root, tmp_path):
        result = collect_period(ws, PERIOD, now=NOW, pool_min=1 if pool else 10**9)
        lines = [x.replace(str(ws.root), "WS") for x in result.lines()]
        runs[kind] = (lines, _register_rows(ws))
    lines, stored = runs[Whole]
    problems = [str(r) for r in stored["problems"]]
    assert any(f"toimenpide {gone.id} ei ole enää ohjelmassa" in x for x in problems)
    assert any("rejected" in x for x in lines)
    assert runs[ByDepartment] == runs[Whole]


def test_one_departments_workbook_shows_the_same_history_as_in_a_full_run(ws, programme, tmp_path):
    """generate --department reads only that department's answers: its workbook is the one a
    full run makes, previous answers included."""
    dept = next(d.id for d in programme.departments if programme.actions_of(d.id))
    good_return(ws, programme, dept)
    collect_period(ws, PERIOD, now=NOW)
    other = Workspace(tmp_path / "other")
    shutil.copytree(ws.root, other.root)
    when = dt.datetime(2025, 12, 31, 12, 0)
    generate_period(ws, "2025Q4", now=when)
    generate_period(other, "2025Q4", [dept.lower()], now=when)
    [one] = list(other.outbox("2025Q4").iterdir())
    assert one.read_bytes() == (ws.outbox("2025Q4") / one.name).read_bytes()
    wb = openpyxl.load_workbook(one, read_only=True)
    texts = {str(c) for row in wb.worksheets[1].iter_rows(values_only=True) for c in row}
    assert PERIOD in texts  # the previous period's answers are in it


def test_an_error_of_the_system_is_one_clear_line_naming_the_file(ws):
    """An error no command turned into its own (here: the rejection log cannot be replaced,
    a folder has its name) is still one line naming the file, exit 2, never a traceback."""
    inbox = ws.inbox(PERIOD)
    inbox.mkdir(parents=True, exist_ok=True)
    (inbox / "junk.xlsx").write_bytes(b"not a workbook")
    (ws.reports(PERIOD) / collect_mod.REJECTIONS_FILE).mkdir(parents=True)
    result = CliRunner().invoke(main, ["-w", str(ws.root), "collect", PERIOD])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    last = result.output.strip().splitlines()[-1]
    log = ws.reports(PERIOD) / collect_mod.REJECTIONS_FILE
    assert (
        last == f"Error: {log}: Is a directory; a folder has that name: move or rename the folder"
    )


# ----------------------------------------------------------------------------- languages

# What an annotated copy and the validation report say around the problems, by language.
DOCUMENT_WORDS = {
    "fi": {
        "to_fix": "Korjattavaa",
        "banner": "Tiedostosta löytyi korjattavaa: korjaa korostetut solut ja lähetä tiedosto "
        "uudelleen.",
        "heads": ["Välilehti", "Solu", "Arvo", "Viesti", "Vakavuus"],
        "report": "Tarkistusraportti",
        "report_heads": ["Tiedosto", "Toimiala", "Välilehti", "Solu", "Arvo", "Viesti", "Vakavuus"],
        "error": "Virhe",
        "warning": "Varoitus",
        "too_large": "tiedosto on liian suuri",
    },
    "sv": {
        "to_fix": "Att åtgärda",
        "banner": "Filen innehåller problem: rätta de markerade cellerna och skicka filen igen.",
        "heads": ["Flik", "Cell", "Värde", "Meddelande", "Allvarlighet"],
        "report": "Granskningsrapport",
        "report_heads": ["Fil", "Sektor", "Flik", "Cell", "Värde", "Meddelande", "Allvarlighet"],
        "error": "Fel",
        "warning": "Varning",
        "too_large": "filen är för stor",
    },
}


def in_language(ws: Workspace, language: str) -> Workspace:
    """`ws` with its programme written in `language` (and its return workbooks made again)."""
    import dataclasses

    from roundtrip.programme.workbook import write_programme

    p = load_programme(ws.programme_path)
    settings = dataclasses.replace(p.settings, language=language)
    write_programme(dataclasses.replace(p, settings=settings), ws.programme_path)
    shutil.rmtree(ws.outbox(PERIOD))
    generate_period(ws, PERIOD, ["SIV", "KUL"], now=dt.datetime(2025, 9, 30, 12, 0))
    return ws


@pytest.mark.parametrize("language", ["fi", "sv"])
def test_the_annotated_copy_and_the_report_speak_the_programmes_language(
    ws, programme, monkeypatch, language
):
    """The Aura programme is Finnish; written in Swedish, the same rejected return comes back
    in Swedish: the list sheet, its banner and headings, the severity words, the cell notes,
    the report, and the problems collect finds itself (a file too large to be a return)."""
    import dataclasses

    from roundtrip.returns import safety

    words = DOCUMENT_WORDS[language]
    if language != "fi":
        in_language(ws, language)
    answers = answers_for(programme, "SIV")
    first = next(iter(answers))
    answers[first] = ActionAnswer("Etenee suunnitellusti", 135, None)  # over 100 %
    siv = good_return(ws, programme, "SIV", "siv.xlsx", answers=answers)
    big = good_return(ws, programme, "KUL", "kul_big.xlsx")
    limit = max(siv.stat().st_size, big.stat().st_size) + 10
    with big.open("ab") as fh:
        fh.write(b"\0" * 1000)  # too large to be a return, by the size of the file alone
    monkeypatch.setattr(
        intake_mod, "DEFAULT_LIMITS", dataclasses.replace(safety.DEFAULT_LIMITS, max_bytes=limit)
    )

    result = collect_period(ws, PERIOD, now=NOW)
    files = by_name(result)
    assert [f.verdict for f in result.files] == ["rejected", "rejected"], result.lines()
    [too_large] = files["kul_big.xlsx"].problems
    assert too_large.message.startswith(words["too_large"] + " (0 M")
    siv = files["siv.xlsx"]
    assert siv.feedback is not None
    wb = openpyxl.load_workbook(siv.feedback)
    fix = wb.worksheets[0]
    assert fix.title == words["to_fix"] and fix["A1"].value == words["banner"]
    assert [c.value for c in fix[3]] == words["heads"]
    listed = [[c.value for c in row] for row in fix.iter_rows(min_row=4)]
    assert {row[4] for row in listed} <= {words["error"], words["warning"]}
    assert listed[0][4] == words["error"]
    sheet, cell = listed[0][0], listed[0][1]
    assert wb[sheet][cell].comment.text.startswith(words["error"] + ": ")

    report = openpyxl.load_workbook(result.report)
    assert report.sheetnames == [words["report"]]
    rows = [[c.value for c in row] for row in report.worksheets[0].iter_rows()]
    assert rows[0] == words["report_heads"]
    assert {r[6] for r in rows[1:]} <= {words["error"], words["warning"]}
    assert [r[5] for r in rows[1:] if r[0] == "kul_big.xlsx"] == [too_large.message]


@pytest.mark.parametrize(
    ("language", "want"),
    [
        (
            "en",
            [
                "a.xlsx → SIV: accepted",
                "b.xlsx → KUL: accepted with 2 warnings",
                "c.xlsx → ?: rejected (1 error)",
                "d.xlsx → VAP: already collected",
                "",
                "c.xlsx: broken",
                "",
                "2025Q3: 4 files: 2 accepted, 1 rejected, 1 already collected",
                "Validation report: validation.xlsx",
            ],
        ),
        (
            "fi",
            [
                "a.xlsx → SIV: hyväksytty",
                "b.xlsx → KUL: hyväksytty, 2 varoitusta",
                "c.xlsx → ?: hylätty (1 virhe)",
                "d.xlsx → VAP: on jo rekisterissä",
                "",
                "c.xlsx: broken",
                "",
                "2025Q3: 4 tiedostoa: 2 hyväksyttyä, 1 hylätty, 1 jo rekisterissä",
                "Tarkistusraportti: validation.xlsx",
            ],
        ),
        (
            "sv",
            [
                "a.xlsx → SIV: godkänd",
                "b.xlsx → KUL: godkänd med 2 varningar",
                "c.xlsx → ?: avvisad (1 fel)",
                "d.xlsx → VAP: finns redan i registret",
                "",
                "c.xlsx: broken",
                "",
                "2025Q3: 4 filer: 2 godkända, 1 avvisad, 1 redan i registret",
                "Granskningsrapport: validation.xlsx",
            ],
        ),
    ],
)
def test_collect_results_speak_the_console_language(language, want):
    """The lines are made when printed, in the console language; a problem is quoted as the
    department got it (here "broken")."""
    from roundtrip.collect.outcome import CollectResult, FileOutcome
    from roundtrip.errors import Problem
    from roundtrip.language import pin_console_language

    pin_console_language(language)
    warn = Problem("b.xlsx", "w", severity="warning")
    files = (
        FileOutcome("a.xlsx", Path("a.xlsx"), "accepted", "SIV"),
        FileOutcome("b.xlsx", Path("b.xlsx"), "warnings", "KUL", (warn, warn)),
        FileOutcome("c.xlsx", Path("c.xlsx"), "rejected", None, (Problem("c.xlsx", "broken"),)),
        FileOutcome("d.xlsx", Path("d.xlsx"), "already collected", "VAP"),
    )
    assert CollectResult("2025Q3", files, Path("validation.xlsx")).lines() == want


def test_a_rerun_by_hashes_speaks_the_programmes_language_too(ws, programme, monkeypatch):
    """Without --lang the console follows the programme, also on a re-run that never loads
    it (read from the programme's cache) and on one with the programme cached."""
    from roundtrip.language.catalogue import ENV, reset_console_language

    good_return(ws, programme, "HAL")
    collect_period(ws, PERIOD, now=NOW)
    for name in (ENV, "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        monkeypatch.setenv(name, "") if name != ENV else monkeypatch.delenv(name)
    monkeypatch.setattr("locale.getlocale", lambda *a: ("en_US", "UTF-8"))
    reset_console_language()
    assert collect_period(ws, PERIOD, now=NOW).lines()[0] == "HAL.xlsx → HAL: on jo rekisterissä"
    good_return(ws, programme, "KUL")
    reset_console_language()
    lines = collect_period(ws, PERIOD, now=NOW).lines()
    assert "2025Q3: 2 tiedostoa: 1 hyväksytty, 0 hylättyä, 1 jo rekisterissä" in lines


def _without_where(cur) -> list[tuple]:
    """The rows without the column naming the workspace that archived each file (two
    workspaces compared: each names itself)."""
    keep = [i for i, d in enumerate(cur.description) if d[0] != "archived_in"]
    return [tuple(r[i] for i in keep) for r in cur]
