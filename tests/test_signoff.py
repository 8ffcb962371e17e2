"""Sign-off (issue 24): who approved a return and when, on real files.

Aura workspaces whose programme.xlsx says `hyväksyntä` = ei käytössä / varoitus / pakollinen
(written into the file with openpyxl, as a coordinator edits it), their workbooks generated,
filled as department heads fill them (openpyxl), collected; the verdicts, the problems with
their cells, the register and the register workbook. Also: workbooks made before the cells
existed, cells moved by inserted columns, and a register made before the columns existed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import shutil
import sqlite3
from pathlib import Path

import openpyxl
import pytest
from ooxml import validate_xlsx
from openpyxl.utils import get_column_letter
from register_builder import SUBMISSIONS_BEFORE_SIGNOFF

from roundtrip.collect.run import collect_period
from roundtrip.demo.fill import ActionAnswer, fill_return, signoff_cells
from roundtrip.errors import ConfigError
from roundtrip.language import tr
from roundtrip.language.wording import wording
from roundtrip.programme.bundled import load_example, with_version
from roundtrip.programme.names import setting_name, sign_off_name
from roundtrip.programme.workbook import load_programme, write_programme
from roundtrip.register import db as register
from roundtrip.register.workbook import write_register
from roundtrip.returns.generate import generate_period
from roundtrip.returns.read import read_return
from roundtrip.workspace import Workspace

PERIOD = "2025Q3"
GENERATED = dt.datetime(2025, 9, 30, 12, 0)
COLLECTED = dt.datetime(2025, 10, 20, 12, 0, tzinfo=dt.UTC)
DEPTS = ("SIV", "VAP")
MODES = ("off", "warn", "required")
FI = wording("fi")["signoff"]  # Hyväksynyt, Hyväksytty pvm
ACTIONS = "Toimenpiteet"
APPROVER = "Anu Heikkilä"
APPROVED = dt.date(2025, 10, 9)


def set_sign_off(root: Path, mode: str) -> None:
    """Write `sign_off` into programme.xlsx as a coordinator would: the value, in Finnish,
    in the row of the setting (Aura's file has it, written by init)."""
    path = Workspace(root).programme_path
    wb = openpyxl.load_workbook(path)
    sheet = wb["asetukset"]
    [row] = [r for r in sheet.iter_rows(min_row=2) if r[0].value == "hyväksyntä"]
    row[1].value = sign_off_name(mode, "fi")
    wb.save(path)


@pytest.fixture(scope="module")
def templates(aura_base, tmp_path_factory) -> dict[str, Path]:
    """mode -> an Aura workspace with sign_off = mode and DEPTS' workbooks generated."""
    out = {}
    for mode in MODES:
        root = tmp_path_factory.mktemp(f"signoff-{mode}") / "aura"
        shutil.copytree(aura_base, root)
        set_sign_off(root, mode)
        generate_period(Workspace(root), PERIOD, list(DEPTS), now=GENERATED)
        out[mode] = root
    return out


def workspace(templates, tmp_path, mode: str) -> Workspace:
    root = tmp_path / mode
    shutil.copytree(templates[mode], root)
    (root / "inbox" / PERIOD).mkdir(parents=True, exist_ok=True)
    return Workspace(root)


def outbox_file(ws: Workspace, dept: str) -> Path:
    [f] = [p for p in ws.outbox(PERIOD).glob("*.xlsx") if f"_{dept}_" in p.name]
    return f


def fill(ws: Workspace, dept: str, name: str | None = None, **signoff) -> Path:
    """A complete return of `dept` in the inbox, with the sign-off given (None: left empty)."""
    p = load_programme(ws.programme_path, ws.cache_dir)
    answers = {a.id: ActionAnswer("Etenee suunnitellusti", 50, None) for a in p.actions_of(dept)}
    metrics = {
        m.id: "Kyllä" if m.kind == "yesno" else 3 for a in p.actions_of(dept) for m in a.metrics
    }
    return fill_return(
        outbox_file(ws, dept),
        ws.inbox(PERIOD) / (name or f"{dept}.xlsx"),
        answers,
        metrics,
        signer=f"Head of {dept}",
        **signoff,
    )


def collect(ws: Workspace):
    result = collect_period(ws, PERIOD, now=COLLECTED)
    return {f.department_id: f for f in result.files}


def signoff_problems(outcome) -> list[tuple[str, str, str, str]]:
    """(severity, sheet, cell, message) of the problems about the sign-off."""
    words = (*FI.values(), "hyväksytty")  # the labels, and "palautusta ei ole hyväksytty"
    return [
        (p.severity, p.sheet, p.cell, p.message)
        for p in outcome.problems
        if any(w in p.message for w in words)
    ]


def submissions(ws: Workspace) -> dict[str, tuple[str, str]]:
    conn = sqlite3.connect(ws.db_path)
    try:
        rows = conn.execute(
            "SELECT department_id, approved_by, approved_on FROM submissions "
            "WHERE superseded_by IS NULL"
        ).fetchall()
    finally:
        conn.close()
    return {d: (by, on) for d, by, on in rows}


def empty_name(lang: str = "fi") -> str:
    message = tr(lang, "{label} is empty: write the name of the person who approved the return")
    return message.format(label=wording(lang)["signoff"]["approved_by"])


def empty_date(lang: str = "fi") -> str:
    message = tr(lang, "{label} is empty: write the date the return was approved")
    return message.format(label=wording(lang)["signoff"]["approved_on"])


def not_signed_off(lang: str = "fi") -> str:
    words = wording(lang)["signoff"]
    return tr(
        lang,
        "the return was not signed off: this workbook has no {approved_by} and "
        "{approved_on} cells (it was made before they existed)",
    ).format(approved_by=words["approved_by"], approved_on=words["approved_on"])


# ----------------------------------------------------------------------------- the workbook


@pytest.mark.parametrize("mode", MODES)
def test_the_workbook_has_the_two_cells_above_the_answers(templates, mode):
    wb = openpyxl.load_workbook(outbox_file(Workspace(templates[mode]), "SIV"))
    ws = wb[ACTIONS]
    status = [c.value for c in ws[3]].index("Tila") + 1  # the status column's header
    label, value = get_column_letter(status), get_column_letter(status + 1)
    assert (ws[f"{label}1"].value, ws[f"{label}2"].value) == ("Hyväksynyt", "Hyväksytty pvm")
    assert {str(r) for r in ws.merged_cells.ranges} == {f"{value}1:M1", f"{value}2:M2"}
    assert [
        list(wb.defined_names[n].destinations) for n in ("rt_approved_by", "rt_approved_on")
    ] == [
        [(ACTIONS, f"${value}$1")],
        [(ACTIONS, f"${value}$2")],
    ]
    # Yellow input cells, unlocked; the name as text, the date as a date, checked by Excel.
    name, date = ws[f"{value}1"], ws[f"{value}2"]
    assert not name.protection.locked and not date.protection.locked
    assert name.fill.fgColor.rgb.endswith("FFF2CC") and date.fill.fgColor.rgb.endswith("FFF2CC")
    assert name.number_format == "@"
    assert date.number_format == r"[$-40B]d\.m\.yyyy"
    [check] = [v for v in ws.data_validations.dataValidation if str(v.sqref) == f"{value}2"]
    assert check.type == "date" and check.errorStyle in (None, "stop")  # stop: the default
    assert (check.formula1, check.formula2) == ("36526", "73050")  # 1.1.2000 .. 31.12.2099
    # The instructions ask for them when the programme does.
    instructions = " ".join(
        str(c.value) for row in wb["Ohjeet"].iter_rows() for c in row if c.value is not None
    )
    asked = {
        "off": None,
        "warn": FI["warn"],
        "required": FI["required"],
    }[mode]
    if asked is None:
        assert "Hyväksynyt" not in instructions
    else:
        assert (
            asked.format(approved_by="Hyväksynyt", approved_on="Hyväksytty pvm", sheet=ACTIONS)
            in instructions
        )
    assert "ei hyväksytä ilman niitä" in instructions if mode == "required" else True


def test_the_cells_in_swedish_and_english(tmp_path):
    p = load_example("aura")
    for lang, labels in (
        ("sv", ("Godkänd av", "Godkännandedatum")),
        ("en", ("Approved by", "Approval date")),
    ):
        sv = with_version(
            dataclasses.replace(p, settings=dataclasses.replace(p.settings, language=lang))
        )
        from roundtrip.returns.workbook import write_return_workbook

        out = tmp_path / f"{lang}.xlsx"
        write_return_workbook(
            out, sv, "SIV", sv.settings.period(PERIOD), b"k" * 32, None, GENERATED
        )
        ws = openpyxl.load_workbook(out)[wording(lang)["sheets"]["actions"]]
        assert (ws["K1"].value, ws["K2"].value) == labels
        assert validate_xlsx(out) == []


# ----------------------------------------------------------------------------- collect


def test_a_signed_return_is_stored_with_its_approver(templates, tmp_path):
    ws = workspace(templates, tmp_path, "required")
    fill(ws, "SIV", approved_by=APPROVER, approved_on=APPROVED)
    fill(ws, "VAP", approved_by="=Timo Laaksonen", approved_on="9.10.2025")  # typed as text
    found = collect(ws)
    assert found["SIV"].verdict == "accepted", found["SIV"].problems
    assert found["VAP"].verdict == "accepted", found["VAP"].problems
    assert submissions(ws) == {
        "SIV": (APPROVER, "2025-10-09"),
        "VAP": ("=Timo Laaksonen", "2025-10-09"),
    }
    # The register workbook's Palautukset sheet: both columns, named in Finnish.
    wb = openpyxl.load_workbook(write_register(ws))
    sheet = wb[wording("fi")["register"]["submissions"]]
    rows = list(sheet.iter_rows(values_only=True))
    head = list(rows[0])
    assert head[head.index("Tallentaja") + 1 : head.index("Tallentaja") + 3] == [
        "Hyväksynyt",
        "Hyväksytty pvm",
    ]
    by, on = head.index("Hyväksynyt"), head.index("Hyväksytty pvm")
    dept = head.index("Toimiala")
    cells = {r[dept]: (r[by], r[on]) for r in rows[1:]}
    assert cells == {"SIV": (APPROVER, "2025-10-09"), "VAP": ("=Timo Laaksonen", "2025-10-09")}
    assert sheet.cell(2, by + 1).data_type == "s"  # text, never a formula


@pytest.mark.parametrize("mode", MODES)
def test_an_empty_sign_off_is_what_the_setting_says(templates, tmp_path, mode):
    ws = workspace(templates, tmp_path, mode)
    fill(ws, "SIV")  # nothing in the two cells
    fill(ws, "VAP", approved_by="Timo Laaksonen")  # the name, not the date
    found = collect(ws)
    siv, vap = found["SIV"], found["VAP"]
    if mode == "off":
        assert (siv.verdict, vap.verdict) == ("accepted", "accepted")
        assert signoff_problems(siv) == signoff_problems(vap) == []
        assert submissions(ws) == {"SIV": ("", ""), "VAP": ("Timo Laaksonen", "")}
        return
    severity = "warning" if mode == "warn" else "error"
    assert signoff_problems(siv) == [
        (severity, ACTIONS, "L1", empty_name()),
        (severity, ACTIONS, "L2", empty_date()),
    ]
    assert signoff_problems(vap) == [(severity, ACTIONS, "L2", empty_date())]
    if mode == "warn":
        assert (siv.verdict, vap.verdict) == ("warnings", "warnings")
        assert submissions(ws) == {"SIV": ("", ""), "VAP": ("Timo Laaksonen", "")}
        # The warnings are stored with the return, and the annotated copy points at the cells.
        assert siv.feedback is not None and validate_xlsx(siv.feedback) == []
        comments = {
            c.coordinate: c.comment.text
            for row in openpyxl.load_workbook(siv.feedback)[ACTIONS].iter_rows(max_row=2)
            for c in row
            if c.comment is not None
        }
        assert set(comments) == {"L1", "L2"} and empty_name() in comments["L1"]
    else:
        assert (siv.verdict, vap.verdict) == ("rejected", "rejected")
        assert submissions(ws) == {}


@pytest.mark.parametrize("mode", MODES)
def test_a_date_that_is_no_date_is_a_cell_problem(templates, tmp_path, mode):
    ws = workspace(templates, tmp_path, mode)
    fill(ws, "SIV", approved_by=APPROVER, approved_on="ensi viikolla")
    fill(ws, "VAP", approved_by="Timo Laaksonen", approved_on=12)  # 12.1.1900 to Excel
    found = collect(ws)
    severity = "warning" if mode == "off" else "error"
    [(sev, sheet, cell, message)] = signoff_problems(found["SIV"])
    assert (sev, sheet, cell) == (severity, ACTIONS, "L2")
    assert message.startswith("Hyväksytty pvm: solussa pitää olla päivämäärä: ")
    [(sev, sheet, cell, message)] = signoff_problems(found["VAP"])
    assert (sev, sheet, cell) == (severity, ACTIONS, "L2")
    assert "vuosi 1900 ei voi olla oikein" in message
    if mode == "off":  # accepted, the name kept, the date not
        assert found["SIV"].verdict == "warnings"
        assert submissions(ws) == {"SIV": (APPROVER, ""), "VAP": ("Timo Laaksonen", "")}
    else:
        assert found["SIV"].verdict == found["VAP"].verdict == "rejected"


def sorted_and_shifted(path: Path, *, keep_names: bool) -> None:
    """What a department's Excel does to the actions sheet: rows sorted (reversed), a column
    inserted before the status column; the defined names moved with it as Excel moves them
    (`keep_names`), or lost (a program that drops them: the labels are left)."""
    wb = openpyxl.load_workbook(path)
    ws = wb[ACTIONS]
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=4, max_row=ws.max_row)]
    for r, values in enumerate(reversed(data), start=4):
        for c, v in enumerate(values, start=1):
            ws.cell(r, c).value = v
    for rng in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(rng))
    ws.insert_cols(11)  # before Tila (K)
    for r in (1, 2):
        ws.merge_cells(f"M{r}:N{r}")
    for key, row in (("rt_approved_by", 1), ("rt_approved_on", 2)):
        if keep_names:
            wb.defined_names[key].attr_text = f"{ACTIONS}!$M${row}"
        else:
            del wb.defined_names[key]
    wb.save(path)


@pytest.mark.parametrize("keep_names", [True, False])
def test_sorted_rows_and_an_inserted_column_keep_the_sign_off(templates, tmp_path, keep_names):
    ws = workspace(templates, tmp_path, "required")
    path = fill(ws, "SIV", approved_by=APPROVER, approved_on=APPROVED)
    sorted_and_shifted(path, keep_names=keep_names)
    raw = read_return(path, lang="fi")
    assert raw.signoff is not None
    cells = {k: (sheet, cell.ref, cell.value) for k, (sheet, cell) in raw.signoff.cells.items()}
    assert cells == {
        "approved_by": (ACTIONS, "M1", APPROVER),
        "approved_on": (ACTIONS, "M2", APPROVED),
    }
    found = collect(ws)
    assert found["SIV"].verdict in ("accepted", "warnings"), found["SIV"].problems
    assert submissions(ws) == {"SIV": (APPROVER, "2025-10-09")}


def test_a_defined_name_left_on_a_label_is_not_taken_for_the_value(templates, tmp_path):
    """openpyxl's insert_cols moves the cells but not the names: the name then points at the
    label, and the label says where the value is."""
    ws = workspace(templates, tmp_path, "warn")
    path = fill(ws, "SIV", approved_by=APPROVER, approved_on=APPROVED)
    wb = openpyxl.load_workbook(path)
    wb[ACTIONS].insert_cols(1)  # names still say $L$1, where the label now is
    wb.save(path)
    raw = read_return(path, lang="fi")
    assert raw.signoff is not None
    assert {k: c.value for k, (_s, c) in raw.signoff.cells.items()} == {
        "approved_by": APPROVER,
        "approved_on": APPROVED,
    }


def test_the_defined_names_find_the_cells_without_their_labels(templates, tmp_path):
    """A label overwritten (the sheet unprotected, a note typed over it): the names still
    say where the cells are."""
    ws = workspace(templates, tmp_path, "required")
    path = fill(ws, "SIV", approved_by=APPROVER, approved_on=APPROVED)
    wb = openpyxl.load_workbook(path)
    wb[ACTIONS]["K1"].value = wb[ACTIONS]["K2"].value = "Johtaja"
    wb.save(path)
    found = collect(ws)
    assert found["SIV"].verdict == "accepted", found["SIV"].problems
    assert submissions(ws) == {"SIV": (APPROVER, "2025-10-09")}


def made_before_the_cells(path: Path) -> None:
    """The workbook as roundtrip wrote it before the sign-off existed: no labels, no input
    cells, no defined names."""
    wb = openpyxl.load_workbook(path)
    ws = wb[ACTIONS]
    for rng in list(ws.merged_cells.ranges):
        ws.unmerge_cells(str(rng))
    for row in ws.iter_rows(min_row=1, max_row=2, min_col=11, max_col=13):
        for c in row:
            c.value = None
    ws.data_validations.dataValidation = [
        v for v in ws.data_validations.dataValidation if str(v.sqref) not in ("L1", "L2")
    ]
    for key in ("rt_approved_by", "rt_approved_on"):
        del wb.defined_names[key]
    wb.save(path)


@pytest.mark.parametrize("mode", MODES)
def test_a_workbook_made_before_the_cells_is_collected_as_before(templates, tmp_path, mode):
    ws = workspace(templates, tmp_path, mode)
    made_before_the_cells(outbox_file(ws, "SIV"))
    assert signoff_cells(openpyxl.load_workbook(outbox_file(ws, "SIV"))[ACTIONS]) == {}
    fill(ws, "SIV")
    assert read_return(ws.inbox(PERIOD) / "SIV.xlsx", lang="fi").signoff is None
    [siv] = collect(ws).values()
    if mode == "off":
        assert siv.verdict == "accepted" and signoff_problems(siv) == []
    elif mode == "warn":
        assert siv.verdict == "warnings"
        assert signoff_problems(siv) == [("warning", "", "", not_signed_off())]
    else:
        assert siv.verdict == "rejected"
        assert signoff_problems(siv) == [("error", "", "", not_signed_off())]


# ----------------------------------------------------------------------------- the setting


def test_the_setting_in_programme_xlsx(tmp_path):
    p = load_example("aura")
    assert p.settings.sign_off == "off"
    required = with_version(
        dataclasses.replace(p, settings=dataclasses.replace(p.settings, sign_off="required"))
    )
    path = tmp_path / "programme.xlsx"
    write_programme(required, path)
    wb = openpyxl.load_workbook(path)
    sheet = wb["asetukset"]
    last = next(r for r in range(1, sheet.max_row + 1) if sheet.cell(r, 1).value == "hyväksyntä")
    assert [sheet.cell(last, c).value for c in (1, 2)] == ["hyväksyntä", "pakollinen"]
    [check] = [v for v in sheet.data_validations.dataValidation if str(v.sqref) == f"B{last}"]
    assert check.type == "list" and check.formula1 == '"ei käytössä,varoitus,pakollinen"'
    assert load_programme(path).settings.sign_off == "required"
    # Read in any language, case and spaces aside; blank is off; anything else a problem.
    for written, mode in (
        ("Varning", "warn"),
        ("REQUIRED", "required"),
        ("Ei Käytössä", "off"),
        (None, "off"),
    ):
        sheet.cell(last, 2).value = written
        wb.save(path)
        assert load_programme(path).settings.sign_off == mode
    sheet.cell(last, 2).value = "joo"
    wb.save(path)
    with pytest.raises(ConfigError) as info:
        load_programme(path)
    [problem] = info.value.problems
    assert (problem.sheet, problem.cell) == ("asetukset", f"B{last}")
    assert "'joo'" in problem.message and "varoitus" in problem.message
    assert setting_name("sign_off", "sv") == "godkännande"


def test_off_keeps_the_programme_version():
    """sign_off came after versions were written into workbooks: off, it leaves the version
    as it was; warn or required make a new one (the instructions change)."""
    p = load_example("aura")
    unbounded = tuple(dataclasses.replace(a, start="", end="") for a in p.actions)
    before = with_version(dataclasses.replace(p, actions=unbounded, version=""))
    assert before.version == "7a3e62e701b3"  # Aura's version before its schedules had bounds
    for mode in ("warn", "required"):
        changed = dataclasses.replace(before.settings, sign_off=mode)
        assert with_version(dataclasses.replace(before, settings=changed)).version != before.version


# ----------------------------------------------------------------------------- the register


def old_register(path: Path, secret: str = "00" * 32) -> None:
    """A register as roundtrip made it before the sign-off: schema 1 without its columns (the
    old submissions table, then the others as they are), the workspace's secret, one
    submission stored."""
    conn = sqlite3.connect(path)
    conn.executescript(SUBMISSIONS_BEFORE_SIGNOFF)
    conn.executescript(register.SCHEMA)  # CREATE ... IF NOT EXISTS: submissions stays old
    conn.execute("INSERT INTO meta(key, value) VALUES ('schema_version', '1')")
    conn.execute("INSERT INTO meta(key, value) VALUES ('secret', ?)", (secret,))
    conn.execute(
        "INSERT INTO submissions (content_hash, original_name, archive_path, department_id, "
        "period, received_at, collected_at, verdict) VALUES "
        "('h1', 'old.xlsx', 'archive/h1.xlsx', 'VAP', '2025Q2', '2025-07-10T09:00:00Z', "
        "'2025-07-20T12:00:00Z', 'accepted')"
    )
    conn.commit()
    conn.close()


def columns(path: Path) -> list[str]:
    conn = sqlite3.connect(path)
    try:
        return [r[1] for r in conn.execute("PRAGMA table_info(submissions)")]
    finally:
        conn.close()


def test_an_old_register_gets_the_columns_when_opened(templates, tmp_path):
    ws = workspace(templates, tmp_path, "warn")
    conn = sqlite3.connect(ws.db_path)
    [(secret,)] = conn.execute("SELECT value FROM meta WHERE key = 'secret'").fetchall()
    conn.close()
    for name in ("roundtrip.db", "roundtrip.db-wal", "roundtrip.db-shm"):
        (ws.db_path.parent / name).unlink(missing_ok=True)
    old_register(ws.db_path, secret)  # the same workspace, its register as it was
    assert "approved_by" not in columns(ws.db_path)
    # The register workbook reads it read-only, as it is: the columns are there, empty.
    wb = openpyxl.load_workbook(write_register(ws, tmp_path / "before.xlsx"))
    rows = list(wb[wording("fi")["register"]["submissions"]].iter_rows(values_only=True))
    assert "Hyväksynyt" in rows[0] and rows[1][rows[0].index("Hyväksynyt")] is None
    # Opened for writing, it gets them, the old row with empty values; again is a no-op.
    register.connect(ws.db_path).close()
    register.connect(ws.db_path).close()
    new = sqlite3.connect(":memory:")
    new.executescript(register.SCHEMA)
    want = [r[1] for r in new.execute("PRAGMA table_info(submissions)")]
    assert columns(ws.db_path) == want and want[-3:-1] == ["approved_by", "approved_on"]
    conn = sqlite3.connect(ws.db_path)
    assert conn.execute(
        "SELECT approved_by, approved_on FROM current_submissions WHERE original_name = 'old.xlsx'"
    ).fetchall() == [("", "")]
    conn.close()
    # And collect stores into it.
    fill(ws, "SIV", approved_by=APPROVER, approved_on=APPROVED)
    assert collect(ws)["SIV"].verdict == "accepted"
    assert submissions(ws) == {"SIV": (APPROVER, "2025-10-09"), "VAP": ("", "")}


def test_the_columns_are_added_in_one_transaction(tmp_path, monkeypatch):
    """A failure while adding them leaves the register as it was (no column half added, and
    no backup copy left of a register that did not change)."""
    from roundtrip.register.migrations import baseline

    path = tmp_path / "roundtrip.db"
    old_register(path)
    broken = (("approved_by", "TEXT NOT NULL DEFAULT ''"), ("approved_on", "TEXT NOT NULL"))
    monkeypatch.setattr(baseline, "ADDED_COLUMNS", {"submissions": broken})
    with pytest.raises(Exception, match="NOT NULL|register"):
        register.connect(path)
    assert "approved_by" not in columns(path)
    assert not list(tmp_path.glob("roundtrip.db.backup-*"))
    monkeypatch.undo()
    register.connect(path).close()
    assert columns(path)[-3:-1] == ["approved_by", "approved_on"]


# ----------------------------------------------------------------------------- the demo


def test_the_demo_signs_off_all_but_one(demo_ws):
    conn = sqlite3.connect(Path(demo_ws) / "roundtrip.db")
    rows = conn.execute(
        "SELECT department_id, approved_by, approved_on, received_at FROM submissions "
        "WHERE period = '2025Q3' AND superseded_by IS NULL"
    ).fetchall()
    conn.close()
    unsigned = [d for d, by, on, _r in rows if not by]
    assert unsigned == ["VAP"]
    for _dept, by, on, received in rows:
        if by:
            assert " " in by and on == received[:10]  # a person's name; the day it was sent
