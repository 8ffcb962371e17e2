"""`roundtrip generate PERIOD`: a real workspace, real workbooks in outbox/PERIOD/."""

from __future__ import annotations

import datetime as dt
import shutil

import openpyxl
import pytest
from click.testing import CliRunner
from programme_copies import whole_and_sliced

from roundtrip.cli import main
from roundtrip.errors import UsageError
from roundtrip.language.wording import wording
from roundtrip.programme.workbook import load_programme
from roundtrip.register import db as register
from roundtrip.register.submissions import secret as signing_secret
from roundtrip.returns import contract as c
from roundtrip.returns.generate import default_now, generate_period
from roundtrip.workspace import Workspace

NOW = dt.datetime(2025, 10, 1, 6, 0, 0)


@pytest.fixture(scope="module")
def initialised(tmp_path_factory):
    root = tmp_path_factory.mktemp("init") / "ws"
    result = CliRunner().invoke(main, ["init", str(root), "--example", "aura"])
    assert result.exit_code == 0, result.output
    return root


@pytest.fixture()
def ws(tmp_path, initialised):
    """A fresh copy of a workspace made by `roundtrip init ws --example aura`."""
    shutil.copytree(initialised, tmp_path / "ws")
    return Workspace.find(tmp_path / "ws")


def identity(path):
    wb = openpyxl.load_workbook(path)
    sheet = wb[wording("fi")["sheets"]["identity"]]
    return {sheet.cell(r, 1).value: sheet.cell(r, 2).value for r in range(1, sheet.max_row + 1)}


def test_cli_generate_writes_one_workbook_per_department(ws):
    result = CliRunner().invoke(main, ["-w", str(ws.root), "generate", "2025Q3"])
    assert result.exit_code == 0, result.output
    programme = load_programme(ws.programme_path)
    expected = sorted(c.return_filename("2025Q3", d.id, d.name) for d in programme.departments)
    assert sorted(p.name for p in ws.outbox("2025Q3").iterdir()) == expected
    assert len(expected) == 8
    assert "Wrote 8 workbooks for 2025Q3" in result.output
    assert "SIV" in result.output and "2025Q3_SIV_Sivistystoimi.xlsx" in result.output


def test_generate_prepares_the_inbox_and_says_what_next(ws):
    assert not ws.inbox("2025Q3").exists()
    result = CliRunner().invoke(main, ["-w", str(ws.root), "generate", "2025Q3"])
    assert result.exit_code == 0, result.output
    assert ws.inbox("2025Q3").is_dir()
    assert "inbox/2025Q3/" in result.output and "roundtrip collect 2025Q3" in result.output


def test_every_workbook_is_signed_with_the_workspace_secret(ws):
    res = generate_period(ws, "2025Q3", now=NOW)
    conn = register.connect(ws.db_path)
    secret = signing_secret(conn)
    conn.close()
    for info in res.files:
        ident = identity(info.path)
        fields = {k: ident[k] for k in c.IDENTITY_FIELDS}
        assert fields["department_id"] == info.department_id
        assert c.verify(fields, ident[c.SIGNATURE_FIELD], secret)


def test_department_option_limits_the_run(ws):
    result = CliRunner().invoke(
        main, ["-w", str(ws.root), "generate", "2025Q3", "--department", "siv"]
    )
    assert result.exit_code == 0, result.output
    assert [p.name for p in ws.outbox("2025Q3").iterdir()] == ["2025Q3_SIV_Sivistystoimi.xlsx"]


def test_unknown_department_exits_2_listing_known_ones(ws):
    result = CliRunner().invoke(
        main, ["-w", str(ws.root), "generate", "2025Q3", "--department", "XYZ"]
    )
    assert result.exit_code == 2
    assert "XYZ" in result.output and "SIV" in result.output
    assert not ws.outbox("2025Q3").exists()


def test_period_of_another_cadence_exits_2(ws):
    result = CliRunner().invoke(main, ["-w", str(ws.root), "generate", "2025H2"])
    assert result.exit_code == 2
    assert "cadence" in result.output


def test_unknown_department_raises_usage_error(ws):
    with pytest.raises(UsageError, match="known: YEP"):
        generate_period(ws, "2025Q3", ["NOPE"])


def test_source_date_epoch_fixes_generated_at(monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1759300000")
    assert default_now() == dt.datetime(2025, 10, 1, 6, 26, 40)


def test_regenerating_with_same_now_is_byte_identical(ws):
    first = {i.path.name: i.path.read_bytes() for i in generate_period(ws, "2025Q3", now=NOW).files}
    second = {
        i.path.name: i.path.read_bytes() for i in generate_period(ws, "2025Q3", now=NOW).files
    }
    assert first == second


def test_previous_answers_come_from_the_register(ws):
    conn = register.connect(ws.db_path)
    conn.execute(
        "INSERT INTO submissions(id, content_hash, original_name, archive_path, department_id,"
        " period, received_at, collected_at, verdict)"
        " VALUES (1, 'h', 'f.xlsx', 'archive/h', 'SIV', '2025Q2', 'x', 'x', 'accepted')"
    )
    conn.execute(
        "INSERT INTO answers(submission_id, period, department_id, action_id, status_key,"
        " progress, comment, sheet) VALUES (1, '2025Q2', 'SIV', 'P1-09', 'major', 20,"
        " 'Rahoitus puuttuu', 'Toimenpiteet')"
    )
    conn.close()
    res = generate_period(ws, "2025Q3", ["SIV"], now=NOW)
    sheet = openpyxl.load_workbook(res.files[0].path)[wording("fi")["sheets"]["actions"]]
    assert [sheet[f"{x}5"].value for x in "AGHIJ"] == [
        "P1-09",
        "2025Q2",
        "Merkittäviä haasteita",
        20,
        "Rahoitus puuttuu",
    ]
    assert sheet["K5"].value is None


def test_progress_callback_wraps_the_department_loop(ws):
    seen = []

    def progress(items, label, total):
        seen.append((label, total))
        return items

    generate_period(ws, "2025Q3", progress=progress, now=NOW)
    assert seen == [("Generating 2025Q3", 8)]


def test_result_lines_one_per_file_and_a_total(ws):
    res = generate_period(ws, "2025Q3", ["SIV", "HAL"], now=NOW)
    lines = res.lines()
    assert len(lines) == 4
    assert lines[0].startswith("HAL") and "Hallintotoimisto" in lines[0]
    assert "6 actions" in lines[1] and "1 metric " in lines[1]
    assert lines[2].startswith("Wrote 2 workbooks for 2025Q3 into ")
    assert lines[2].endswith("(14 actions, 4 metrics)")
    assert lines[3].startswith("Next:")


def test_console_lines_and_progress_speak_the_console_language(ws):
    """The lines are built when printed, in the console language (here pinned to Finnish; the
    workbooks themselves follow the programme)."""
    from roundtrip.language import pin_console_language

    res = generate_period(ws, "2025Q3", ["SIV", "HAL"], now=NOW)
    seen = []

    def progress(items, label, total):
        seen.append(label)
        return items

    pin_console_language("fi")
    lines = res.lines()
    assert "6 toimenpidettä" in lines[1] and "1 mittari " in lines[1]
    assert lines[2].startswith("Luotiin 2 työkirjaa kaudelle 2025Q3 kansioon ")
    assert lines[2].endswith("(14 toimenpidettä, 4 mittaria)")
    assert lines[3].startswith("Seuraavaksi: lähetä kullekin toimialalle")
    generate_period(ws, "2025Q3", ["SIV"], progress=progress, now=NOW)
    assert seen == ["Luodaan työkirjat kaudelle 2025Q3"]
    pin_console_language("sv")
    assert res.lines()[2].startswith("Skapade 2 arbetsböcker för perioden 2025Q3 i mappen ")


def test_terminal_progress_bar_can_be_iterated(monkeypatch):
    import io
    import sys

    from roundtrip.cli import Context

    class Tty(io.StringIO):
        def isatty(self):
            return True

    monkeypatch.setattr(sys, "stderr", Tty())
    assert list(Context(None, False, False).progress(iter([1, 2, 3]), "Generating", 3)) == [1, 2, 3]


def test_period_outside_the_programme_is_noted_not_refused(ws):
    res = generate_period(ws, "2027Q1", ["SIV"], now=NOW)
    assert res.lines()[0] == "Note: 2027Q1 is outside the programme's periods (2023Q3–2026Q4)"
    assert len(res.files) == 1


def test_inactive_actions_are_left_out(tmp_path):
    import dataclasses

    from roundtrip.programme.bundled import load_example, with_version
    from roundtrip.returns.generate import generate_workbooks

    p = load_example("aura")
    acts = tuple(dataclasses.replace(a, active=a.id != "P2-08") for a in p.actions)
    p = with_version(dataclasses.replace(p, actions=acts))
    (info,) = generate_workbooks(p, p.settings.period("2025Q3"), tmp_path, ["SIV"], b"s", None, NOW)
    assert info.action_ids == ("P1-08", "P1-09", "P2-07", "P2-09", "P3-08")
    assert identity(info.path)["action_ids"] == "P1-08 P1-09 P2-07 P2-09 P3-08"


def test_a_process_pool_writes_the_same_bytes_in_the_same_order(tmp_path):
    from roundtrip.programme.bundled import load_example
    from roundtrip.register.history import Previous, PreviousAnswer
    from roundtrip.returns.generate import generate_workbooks

    p = load_example("aura")
    per = p.settings.period("2025Q3")
    ids = [d.id for d in p.departments]
    prev = Previous(actions={a.id: PreviousAnswer("2025Q2", "Valmis", 100, "x") for a in p.actions})
    serial = generate_workbooks(p, per, tmp_path / "serial", ids, b"s", prev, NOW, workers=1)
    seen = []

    def progress(items, label, total):
        assert total == len(ids)
        for item in items:
            seen.append(item.department_id)
            yield item

    pooled = generate_workbooks(p, per, tmp_path / "pool", ids, b"s", prev, NOW, progress, 2)
    assert [i.department_id for i in pooled] == ids == seen
    for a, b in zip(serial, pooled, strict=True):
        assert a.path.name == b.path.name
        assert a.path.read_bytes() == b.path.read_bytes()
        assert (a.action_ids, a.metric_ids, a.signature) == (
            b.action_ids,
            b.metric_ids,
            b.signature,
        )


@pytest.mark.parametrize("workers", ["one by one", "pool"])
def test_workbooks_from_department_slices_are_the_whole_programmes_byte_for_byte(
    initialised, tmp_path, workers
):
    """With a current programme cache each workbook is made from its department's slice of
    it; the files are exactly those made from the whole programme."""
    from roundtrip.programme.source import ByDepartment, Whole

    files = {}
    for kind, ws in whole_and_sliced(initialised, tmp_path):
        generate_period(
            ws,
            "2025Q3",
            now=dt.datetime(2025, 9, 30, 12, 0),
            pool_min=1 if workers == "pool" else 10**6,
        )
        files[kind] = {p.name: p.read_bytes() for p in ws.outbox("2025Q3").iterdir()}
    assert len(files[Whole]) > 5
    assert files[ByDepartment] == files[Whole]


def _die_on_the_second_chunk(dept_ids):
    """generate's worker task, killed (out of memory, say) on the second chunk of the Aura
    example's departments."""
    import os

    from roundtrip.returns import generate as generate_mod

    if "KUL" in dept_ids:
        os._exit(3)
    return generate_mod._write(generate_mod._job, dept_ids[0]), *(
        generate_mod._write(generate_mod._job, d) for d in dept_ids[1:]
    )


def test_a_killed_worker_leaves_the_rest_to_this_process(tmp_path, monkeypatch):
    """A pool whose worker dies mid-run still gives every workbook, the same bytes and
    order as one process, and leaves no half-written file in the outbox."""
    from roundtrip.programme.bundled import load_example
    from roundtrip.register.history import Previous
    from roundtrip.returns import generate as generate_mod
    from roundtrip.returns.generate import generate_workbooks

    p = load_example("aura")
    per = p.settings.period("2025Q3")
    ids = [d.id for d in p.departments]
    assert ids.index("KUL") >= 2  # (in the second chunk of two)
    serial = generate_workbooks(p, per, tmp_path / "serial", ids, b"s", Previous(), NOW, workers=1)
    monkeypatch.setattr(generate_mod, "_write_chunk", _die_on_the_second_chunk)
    pooled = generate_workbooks(
        p, per, tmp_path / "pool", ids, b"s", Previous(), NOW, workers=2, chunk=2
    )
    assert [i.department_id for i in pooled] == ids
    for a, b in zip(serial, pooled, strict=True):
        assert a.path.read_bytes() == b.path.read_bytes()
    assert sorted(f.name for f in (tmp_path / "pool").iterdir()) == sorted(
        f.name for f in (tmp_path / "serial").iterdir()
    )


def _one_line_error(result):
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and result.exception.__class__ is SystemExit
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot write ")
    return lines[0]


def test_a_workbook_that_cannot_be_replaced_is_one_clear_line(ws, open_in_excel):
    """On Windows a workbook open in Excel cannot be replaced (PermissionError): the error
    names the file and says to close it; a folder with the workbook's name says so too."""
    programme = load_programme(ws.programme_path)
    siv = c.return_filename("2025Q3", "SIV", programme.department("SIV").name)
    (ws.outbox("2025Q3") / siv).mkdir(parents=True)
    line = _one_line_error(CliRunner().invoke(main, ["-w", str(ws.root), "generate", "2025Q3"]))
    assert siv in line and "a folder has that name" in line
    (ws.outbox("2025Q3") / siv).rmdir()

    open_in_excel(siv)
    line = _one_line_error(CliRunner().invoke(main, ["-w", str(ws.root), "generate", "2025Q3"]))
    assert siv in line and "Permission denied" in line and "close it" in line
    assert not [p for p in ws.outbox("2025Q3").iterdir() if p.name.startswith(".tmp-")]
