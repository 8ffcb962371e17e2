"""The master register workbook (roundtrip register): sheets, tables, provenance, streaming."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import zipfile

import openpyxl
import pytest
import soffice
from click.testing import CliRunner
from registry_builder import RegistryBuilder

from roundtrip.cli import main
from roundtrip.parallel.pool import inherits, workers_for
from roundtrip.programme.workbook import load_programme
from roundtrip.register.workbook import write_register

HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1:A2)"]
SHEETS = [
    "Nykytila",
    "Historia",
    "Mittarit",
    "Palautukset",
    "Ehdotukset",
    "Suunnitelman täydennykset",
    "Varoitukset",
]


@pytest.fixture
def ws(aura_ws):
    return aura_ws


@pytest.fixture
def filled(ws):
    """Three quarters of answers for two actions, one re-sent (superseded) return."""
    p = load_programme(ws.programme_path)
    a1, a2 = p.actions_of("SIV")[:2]
    m1 = next(m for a in p.actions for m in a.metrics if m.kind == "count")
    reg = RegistryBuilder(ws.db_path)
    reg.submission(
        "SIV",
        "2025Q1",
        "2025-04-02T09:00:00",
        answers=[(a1.id, "on_track", 20, HOSTILE[0]), (a2.id, "minor", 10, HOSTILE[1])],
        metrics=[(m1.id, m1.action_id, "count", 29000.0, "29000", HOSTILE[2])],
    )
    reg.submission(
        "SIV",
        "2025Q2",
        "2025-07-02T09:00:00",
        answers=[(a1.id, "major", 30, "first send"), (a2.id, None, None, None)],
        original_name="Sivistys Q2.xlsx",
    )
    reg.submission(
        "SIV",
        "2025Q2",
        "2025-07-05T09:00:00",  # re-sent: supersedes the first Q2 return
        answers=[(a1.id, "major", 35, "second send"), (a2.id, None, None, None)],
        metrics=[(m1.id, m1.action_id, "count", None, None, None)],
        proposals=[("P1", HOSTILE[3], "", "2026", "", "")],
        completions=[(a2.id, "schedule", "2026", "E5")],
        problems=[("warning", "Toimenpiteet", "L4", "135", "progress over 100?")],
        original_name="Sivistys Q2 korjattu.xlsx",
    )
    reg.submission("KUL", "2025Q3", "2025-10-02T09:00:00", answers=[])
    reg.close()
    return ws, p, a1, a2, m1


def rows(ws_sheet):
    return [list(r) for r in ws_sheet.iter_rows(min_row=2, values_only=True)]


def test_sheets_tables_and_provenance(filled):
    ws, p, a1, a2, m1 = filled
    out = write_register(ws)
    assert out == ws.root / "reports" / "register.xlsx"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == SHEETS
    expected_rows = {
        "Nykytila": len(p.actions),
        "Historia": 6,
        "Mittarit": 2,
        "Palautukset": 4,
        "Ehdotukset": 1,
        "Suunnitelman täydennykset": 1,
        "Varoitukset": 1,
    }
    for name, n in expected_rows.items():
        sheet = wb[name]
        (table,) = sheet.tables.values()
        last_col = openpyxl.utils.get_column_letter(sheet.max_column)
        assert table.ref == f"A1:{last_col}{n + 1}", name
        assert sheet.freeze_panes == "A2"

    hist = wb["Historia"]
    header = [c.value for c in hist[1]]
    assert header[:8] == [
        "Kausi",
        "Painopiste",
        "Toimiala",
        "Toimenpiteen tunnus",
        "Toimenpide",
        "Tila",
        "Eteneminen %",
        "Kommentti",
    ]
    data = rows(hist)
    first = data[0]  # ordered by action, period, submission
    assert first[:8] == [
        "2025Q1",
        a1.priority_id,
        "SIV",
        a1.id,
        a1.text,
        "Etenee suunnitellusti",
        20,
        HOSTILE[0],
    ]
    assert first[8:] == [
        1,
        "2025Q1_SIV.xlsx",
        "Toimenpiteet",
        "K4",
        "L4",
        "M4",
        dt.datetime(2025, 4, 2, 9, 0),  # a date cell, shown as Finnish writes it
        "voimassa",
    ]
    assert hist["O2"].number_format == "[$-40B]d\\.m\\.yyyy h\\.mm"
    q2 = [r for r in data if r[3] == a1.id and r[0] == "2025Q2"]
    assert [(r[7], r[-1]) for r in q2] == [("first send", "korvattu"), ("second send", "voimassa")]
    # formula-like text stays text
    assert hist["H2"].value == HOSTILE[0] and hist["H2"].data_type == "s"

    subs = rows(wb["Palautukset"])
    assert [s[0] for s in subs] == [1, 2, 3, 4]
    assert subs[1][10:12] == [None, None]  # approved by, approval date: none in these files
    assert subs[1][16] == 3 and subs[1][17] == "korvattu"
    assert subs[0][6:9] == [dt.datetime(2025, 4, 2, 9, 0)] * 2 + ["hyväksytty"]

    met = rows(wb["Mittarit"])
    assert met[0][9] == 29000 and met[0][10] == HOSTILE[2]
    assert wb["Mittarit"]["K2"].data_type == "s"
    assert met[0][5] == "lukumäärä" and met[0][14] == "K4"
    assert met[1][9] is None and met[1][-1] == "voimassa"

    prop = wb["Ehdotukset"]
    assert prop["D2"].value == HOSTILE[3] and prop["D2"].data_type == "s"
    comp = rows(wb["Suunnitelman täydennykset"])[0]
    assert comp[2:6] == [a2.id, a2.text, "aikataulu", "2026"] and comp[9] == "E5"
    warn = rows(wb["Varoitukset"])[0]
    assert warn[1] == "Sivistys Q2 korjattu.xlsx" and warn[4:8] == [
        "Toimenpiteet",
        "L4",
        "135",
        "progress over 100?",
    ]


def test_current_state_and_periods_since(filled):
    ws, p, a1, a2, _m1 = filled
    wb = openpyxl.load_workbook(write_register(ws))
    cur = wb["Nykytila"]
    data = {r[0]: r for r in rows(cur)}
    assert [r[0] for r in rows(cur)] == [a.id for a in p.actions]  # programme order
    # latest collected period is 2025Q3 (KUL): a1 answered in Q2 (the re-sent return)
    r1 = data[a1.id]
    assert r1[5:10] == ["Merkittäviä haasteita", 35, "second send", "2025Q2", 1]
    assert r1[11] == "Sivistys Q2 korjattu.xlsx" and r1[13] == "K4"
    # a2 left blank in Q2: its last answer is Q1, two periods ago
    assert data[a2.id][8:10] == ["2025Q1", 2]
    never = next(a for a in p.actions if a.id not in (a1.id, a2.id))
    assert data[never.id][5:10] == [None] * 5
    # the status cell wears the status colour
    row = [r[0] for r in rows(cur)].index(a1.id) + 2
    assert cur.cell(row, 6).fill.fgColor.rgb.endswith("F8696B")


def test_empty_register_still_has_tables(ws):
    wb = openpyxl.load_workbook(write_register(ws, ws.root / "out" / "empty.xlsx"))
    assert wb.sheetnames == SHEETS
    assert wb["Historia"].tables["rt_history"].ref == "A1:P2"  # one empty row, like Excel's own


def test_streamed_mode_matches_table_mode(filled):
    """Above the table limit the register is streamed with autofilters, same contents; a sheet
    over the row limit continues in 'Name (2)'."""
    ws, p, *_ = filled
    normal = openpyxl.load_workbook(write_register(ws, ws.root / "n.xlsx"))
    big = openpyxl.load_workbook(write_register(ws, ws.root / "b.xlsx", table_limit=0, max_rows=4))
    assert big.sheetnames[:3] == ["Nykytila", "Nykytila (2)", "Nykytila (3)"]
    assert "Historia (2)" in big.sheetnames
    for name in SHEETS:
        parts = [s for s in big.sheetnames if s == name or s.startswith(name + " (")]
        streamed = []
        for part in parts:
            sheet = big[part]
            assert not sheet.tables
            assert (
                sheet.auto_filter.ref
                == f"A1:{openpyxl.utils.get_column_letter(sheet.max_column)}{max(sheet.max_row, 2)}"
            )
            assert sheet.freeze_panes == "A2"
            assert [c.value for c in sheet[1]] == [c.value for c in normal[name][1]]
            streamed += rows(sheet)
        assert streamed == rows(normal[name]), name
    hist = big["Historia"]
    assert hist["H2"].value == HOSTILE[0] and hist["H2"].data_type == "s"


def test_languages(filled):
    ws, *_ = filled
    import dataclasses

    p = load_programme(ws.programme_path)
    sv = dataclasses.replace(p, settings=dataclasses.replace(p.settings, language="sv"))
    wb = openpyxl.load_workbook(write_register(ws, ws.root / "sv.xlsx", sv))
    assert wb.sheetnames[:2] == ["Nuläge", "Historik"]


def test_cli_register(filled):
    ws, *_ = filled
    runner = CliRunner()
    result = runner.invoke(main, ["-w", str(ws.root), "register", "-o", str(ws.root / "x.xlsx")])
    assert result.exit_code == 0, result.output
    assert (ws.root / "x.xlsx").is_file() and "x.xlsx" in result.output
    result = runner.invoke(main, ["-w", str(ws.root), "register"])
    assert result.exit_code == 0 and (ws.root / "reports" / "register.xlsx").is_file()


def test_end_to_end_through_collect(ws):
    """Generate, fill as a department would, collect for real, then export."""
    from roundtrip.collect.run import collect_period
    from roundtrip.demo.fill import ActionAnswer, fill_return
    from roundtrip.returns.generate import generate_period

    p = load_programme(ws.programme_path)
    now = dt.datetime(2025, 10, 1, 12, 0, tzinfo=dt.UTC)
    gen = generate_period(ws, "2025Q3", ["SIV"], now=now)
    acts = p.actions_of("SIV")
    answers = {acts[0].id: ActionAnswer("Valmis", 100, HOSTILE[3])}
    dst = ws.inbox("2025Q3") / "palautus.xlsx"
    dst.parent.mkdir(parents=True, exist_ok=True)
    fill_return(gen.files[0].path, dst, answers, signer="Sanna Sivistys")
    collect_period(ws, "2025Q3", now=now)
    wb = openpyxl.load_workbook(write_register(ws))
    hist = [r for r in rows(wb["Historia"]) if r[3] == acts[0].id]
    assert len(hist) == 1
    r = hist[0]
    assert r[5:8] == ["Valmis", 100, HOSTILE[3]] and r[9] == "palautus.xlsx"
    assert r[10] == "Toimenpiteet" and r[11] and r[-1] == "voimassa"
    cur = {row[0]: row for row in rows(wb["Nykytila"])}
    assert cur[acts[0].id][8:10] == ["2025Q3", 0]
    subs = rows(wb["Palautukset"])
    assert subs[0][9] == "Sanna Sivistys"


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_streamed_workbook_opens_in_libreoffice(filled, tmp_path):
    """The hand-written (streamed) xlsx is a valid workbook for LibreOffice too."""

    ws, *_ = filled
    src = write_register(ws, tmp_path / "big.xlsx", table_limit=0)
    out = tmp_path / "lo"
    soffice.convert(src, out, "ods")
    resaved = out / "big.ods"
    assert resaved.is_file()
    from python_calamine import CalamineWorkbook

    book = CalamineWorkbook.from_path(str(resaved))
    assert book.sheet_names == SHEETS
    hist = book.get_sheet_by_name("Historia").to_python()
    assert hist[1][7] == HOSTILE[0]  # still text after LibreOffice read it


def test_stream_book_splits_big_sheets_and_stays_plain_zip(tmp_path):
    """A streamed sheet continues in 'Name (2)' at the byte cap too; no zip64 headers (Excel
    is picky about streamed zip64), text with XML specials and control characters survives."""
    import zipfile

    from roundtrip.xlsx.stream import StreamBook
    from roundtrip.xlsx.tables import INT, Col

    path = tmp_path / "s.xlsx"
    book = StreamBook(path, max_bytes=70_000)
    t = book.table("Data & more", "rt_data", [Col("a", 10), Col("n", 8, INT)], ["A <1>", "N"])
    texts = [f"<&> row {i} \x01 " + "x" * 100 for i in range(2000)]
    for i, text in enumerate(texts):
        t.add([text, i], {1: book.fill("#FF0000")} if i == 0 else None)
    t.close()
    book.close()
    wb = openpyxl.load_workbook(path)
    assert len(wb.sheetnames) > 1 and wb.sheetnames[1] == "Data & more (2)"
    got = [r for s in wb.worksheets for r in s.iter_rows(min_row=2, values_only=True)]
    assert [g[1] for g in got] == list(range(2000))
    # openpyxl leaves Excel's _x0001_ escape as it is; Excel and calamine read "\x01" back
    assert got[5][0] == texts[5].replace("\x01", "_x0001_")
    from python_calamine import CalamineWorkbook

    back = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    assert back[6][0] == texts[5]
    assert wb.worksheets[0]["A1"].value == "A <1>"
    assert wb.worksheets[0]["B2"].fill.fgColor.rgb == "FFFF0000"
    with zipfile.ZipFile(path) as zf:
        assert all(i.extract_version == 20 for i in zf.infolist())


def test_stream_book_keeps_escape_lookalikes_literal(tmp_path):
    """A comment that reads like Excel's "_xHHHH_" escape must arrive as typed, not as "A"."""
    from roundtrip.xlsx.stream import StreamBook
    from roundtrip.xlsx.tables import Col

    path = tmp_path / "s.xlsx"
    book = StreamBook(path)
    t = book.table("Data", "rt_data", [Col("a", 10)], ["A"])
    t.add(["see _x0041_ here"])
    t.close()
    book.close()
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "see _x005F_x0041_ here" in xml


def _members(path):
    with zipfile.ZipFile(path) as zf:
        return {name: zf.read(name) for name in zf.namelist()}


def test_streamed_register_made_in_two_processes_equals_one_made_in_one(filled):
    """The history sheet is made by a forked worker meanwhile: the same bytes, in the same
    order, as when this process makes every sheet; only the first sheet is the selected tab;
    the scratch folder is gone."""
    ws, *_ = filled
    two = write_register(ws, ws.root / "two.xlsx", table_limit=0, max_rows=4)
    one = write_register(ws, ws.root / "one.xlsx", table_limit=0, max_rows=4, pool_min=10**9)
    got, want = _members(two), _members(one)
    assert list(got) == list(want)
    assert got == want
    selected = [n for n, data in got.items() if b'tabSelected="1"' in data]
    assert selected == ["xl/worksheets/sheet1.xml"]
    assert not list(ws.root.glob(".stream-*"))


@pytest.mark.skipif(not inherits(), reason="a method patched here reaches forked workers only")
def test_a_failing_worker_leaves_no_register_and_no_scratch(filled, monkeypatch):
    import sqlite3

    from roundtrip.errors import WorkspaceError
    from roundtrip.register import workbook as export

    def broken(self):
        raise sqlite3.OperationalError("disk I/O error")

    ws, *_ = filled
    monkeypatch.setattr(export._Writer, "history", broken)
    target = ws.root / "reports" / "register.xlsx"
    with pytest.raises(WorkspaceError, match="disk I/O error"):
        write_register(ws, target, table_limit=0)
    assert not target.exists()
    assert not list(target.parent.glob(".stream-*"))


def test_stream_book_beyond_a_plain_zip_is_written_by_zipfile(filled, monkeypatch):
    """Sizes a plain zip cannot hold: the sheets are inflated and written again by zipfile
    (zip64), the same members."""
    import roundtrip.xlsx.stream as xs
    from roundtrip.xlsx.zip_copy import TooLarge, ZipCopy

    class Small(ZipCopy):
        def add_deflated(self, *args, **kwargs):
            if self.central:
                raise TooLarge("too large for a plain zip")
            super().add_deflated(*args, **kwargs)

    ws, *_ = filled
    plain = write_register(ws, ws.root / "plain.xlsx", table_limit=0, max_rows=4)
    monkeypatch.setattr(xs, "ZipCopy", Small)
    big = write_register(ws, ws.root / "big.xlsx", table_limit=0, max_rows=4)
    assert _members(big) == _members(plain)
    openpyxl.load_workbook(big)


def test_a_failure_here_stops_the_worker(filled, monkeypatch):
    """When this process fails, the worker's sheet is not waited for: it is stopped (a guard
    timer ends the test run, with every thread's traceback, rather than let a wait for the
    worker's hour-long sleep hang it; faulthandler's, as no signal exists on Windows)."""
    import faulthandler
    import sqlite3
    import time

    from roundtrip.errors import WorkspaceError
    from roundtrip.register import workbook as export

    def slow(self):
        time.sleep(3600)

    def broken(self):
        raise sqlite3.OperationalError("disk I/O error")

    ws, *_ = filled
    monkeypatch.setattr(export._Writer, "history", slow)
    monkeypatch.setattr(export._Writer, "current", broken)
    faulthandler.dump_traceback_later(120, exit=True)
    try:
        with pytest.raises(WorkspaceError, match="disk I/O error"):
            write_register(ws, ws.root / "r.xlsx", table_limit=0)
    finally:
        faulthandler.cancel_dump_traceback_later()
    assert not (ws.root / "r.xlsx").exists()


def test_stream_book_cuts_a_text_longer_than_a_cell_holds(tmp_path):
    """A row whose only special thing is a text past Excel's 32,767 units is written the
    careful way: cut as xmltext.cell_text cuts it, the row's other texts as they are."""
    from roundtrip.xlsx.stream import StreamBook
    from roundtrip.xlsx.tables import Col
    from roundtrip.xlsx.text import cell_text

    path = tmp_path / "s.xlsx"
    book = StreamBook(path)
    t = book.table("Data", "rt_data", [Col("a", 10), Col("b", 10)], ["A", "B"])
    long = "ä€" * 20_000  # 40,000 characters, 40,000 UTF-16 units
    t.add(["short", long])
    t.close()
    book.close()
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert f'<t xml:space="preserve">{cell_text(long)}</t>' in xml
    assert len(cell_text(long)) == 32_767 and long not in xml
    assert '<t xml:space="preserve">short</t>' in xml


@pytest.mark.parametrize("streamed", [False, True], ids=["tables", "streamed, two processes"])
def test_progress_has_a_step_per_sheet_as_it_is_finished(filled, streamed):
    """A region's register takes a minute: `progress` gets one step per sheet, each after that
    sheet is written (the history, made aside when streamed, last), and the register is the
    one written without it."""
    ws, *_ = filled
    seen = []

    def progress(items, label, total):
        seen.append((label, total))
        for i in items:
            sheets = _sheets_written(ws) if streamed else None
            seen.append((i, sheets))
            yield i

    limit = {"table_limit": 0, "max_rows": 4} if streamed else {}
    with_bar = write_register(ws, ws.root / "bar.xlsx", progress=progress, **limit)
    plain = write_register(ws, ws.root / "plain.xlsx", **limit)
    assert seen[0] == ("Writing the register", 7)
    steps = [i for i, _ in seen[1:]]
    assert sorted(steps) == list(range(7))
    if streamed:
        if workers_for(len(steps), 2) > 1:  # (forked or spawned)
            assert steps == [0, 2, 3, 4, 5, 6, 1]  # the history, made by the worker, last
        made = [n for _, n in seen[1:]]
        assert made == sorted(made) and made[0] > 0  # each step after its sheet's parts
        assert _members(with_bar) == _members(plain)
    assert openpyxl.load_workbook(with_bar).sheetnames == openpyxl.load_workbook(plain).sheetnames


def _sheets_written(ws):
    """The deflated sheet parts in the streamed register's scratch folder so far."""
    return sum(len(list(folder.glob("*.deflate"))) for folder in ws.root.glob("**/.stream-*"))


def test_a_killed_worker_s_sheet_is_made_here(filled, monkeypatch):
    """The worker making the history dies (out of memory, say): this process makes the sheet
    instead, and the register is byte for byte the one made in one process."""
    from roundtrip.register import workbook as export

    ws, *_ = filled
    here = os.getpid()
    real = export._Writer.history

    def history(self):
        if os.getpid() != here:
            os._exit(3)
        return real(self)

    monkeypatch.setattr(export._Writer, "history", history)
    survived = write_register(ws, ws.root / "survived.xlsx", table_limit=0, max_rows=4)
    one = write_register(ws, ws.root / "one.xlsx", table_limit=0, max_rows=4, pool_min=10**9)
    assert _members(survived) == _members(one)
    assert not list(ws.root.glob("**/.stream-*"))


def test_a_register_open_in_excel_is_one_clear_line(filled, open_in_excel):
    """On Windows the register cannot be replaced while it is open in Excel: one line naming
    it, saying to close it; no temporary file left."""
    ws, *_ = filled
    open_in_excel("register.xlsx")
    result = CliRunner().invoke(main, ["-w", str(ws.root), "register"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    target = ws.root / "reports" / "register.xlsx"
    assert line == (
        f"Error: cannot write {target} (Permission denied); if it is open in Excel or another "
        "program, close it and run the command again"
    )
    assert not [p.name for p in target.parent.iterdir() if p.name.startswith(".tmp-")]
