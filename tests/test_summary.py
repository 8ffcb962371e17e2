"""The council summary: every figure from a real register with known answers, cell by cell."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import zipfile
from pathlib import Path

import openpyxl
import pytest
from register_builder import known_register, small_programme

import roundtrip.summary.workbook as summary_module
from roundtrip.parallel.pool import inherits
from roundtrip.programme.periods import parse_period
from roundtrip.summary.data import NOT_ANSWERED, load_summary
from roundtrip.summary.workbook import build_summary, to_pdf

# Spawned workers render only blocks whose rows can be pickled; the summary's are closures
# over its figures, rendered here (xlsx/bulk.py's docstring).
SPAWNED_ROWS = "the summary's rows are rendered by forked workers only"

Q3 = parse_period("2025Q3")
pytestmark = pytest.mark.filterwarnings("ignore:Sparkline Group extension")


@pytest.fixture(scope="module")
def summary(tmp_path_factory) -> Path:
    d = tmp_path_factory.mktemp("summary")
    conn = known_register(d / "roundtrip.db")
    try:
        return build_summary(conn, small_programme("en"), Q3, d / "summary.xlsx")
    finally:
        conn.close()


@pytest.fixture(scope="module")
def book(summary):
    return openpyxl.load_workbook(summary)


def rows(sheet) -> list[tuple]:
    return [tuple(r) for r in sheet.iter_rows(values_only=True)]


def row_after(sheet, label: str, col: int = 0) -> tuple:
    for r in sheet.iter_rows(values_only=True):
        if r[col] == label:
            return tuple(r)
    raise AssertionError(f"no row {label!r} in {sheet.title}")


def test_sheets_in_order(book):
    assert book.sheetnames == [
        "Overview",
        "Attention",
        "Departments",
        "P1 Partnership",
        "P2 Location",
        "Metrics",
        "Trend",
    ]


def test_headline_figures_and_change(book):
    ov = book["Overview"]
    assert ov["A1"].value == "Test & Vitality Programme: status report 2025Q3"
    assert row_after(ov, "Figure")[:4] == ("Figure", "2025Q3", "2025Q2", "Change")
    assert row_after(ov, "Actions (active)")[:4] == ("Actions (active)", 6, 6, 0)
    assert row_after(ov, "Completed")[:4] == ("Completed", 1, 1, 0)
    assert row_after(ov, "On track")[:4] == ("On track", 1, 1, 0)
    assert row_after(ov, "Problems (minor or major)")[:4] == ("Problems (minor or major)", 1, 3, -2)
    assert row_after(ov, "Not answered")[:4] == ("Not answered", 2, 1, 1)
    assert row_after(ov, "Returns expected")[:3] == ("Returns expected", 3, 3)
    assert row_after(ov, "Returns received")[:4] == ("Returns received", 2, 3, -1)
    rate = row_after(ov, "Return rate")
    assert rate[1] == pytest.approx(2 / 3) and rate[2] == pytest.approx(1.0)
    assert row_after(ov, "Returned on time")[:4] == ("Returned on time", 1, 2, -1)


def test_change_per_status(book):
    ov = book["Overview"]
    col = next(c.column - 1 for r in ov.iter_rows() for c in r if c.value == "Status")
    per_status = {}
    for r in rows(ov):
        if isinstance(r[col], str):
            numbers = tuple(v for v in r[col + 1 :] if v is not None)[:3]
            if all(isinstance(v, int) for v in numbers):
                per_status.setdefault(r[col], numbers)
    assert per_status["Some disruption"] == (2, 0, -2)
    assert per_status["Major disruption"] == (1, 1, 0)
    assert per_status["Cancelled"] == (0, 1, 1)
    assert per_status["Not answered"] == (1, 2, 1)


def test_priority_status_table(book):
    ov = book["Overview"]
    head = row_after(ov, "Priority area")
    assert head[:9] == (
        "Priority area",
        "Not started",
        "On track",
        "Some disruption",
        "Major disruption",
        "Completed",
        "Cancelled",
        "Not answered",
        "Total",
    )
    assert row_after(ov, "P1 Partnership")[1:9] == (0, 0, 0, 1, 1, 1, 0, 3)
    assert row_after(ov, "P2 Location")[1:9] == (0, 1, 0, 0, 0, 0, 2, 3)
    assert row_after(ov, "Total")[1:9] == (0, 1, 0, 1, 1, 1, 2, 6)


def test_changed_actions(book):
    ov = book["Overview"]
    data = rows(ov)
    start = next(i for i, r in enumerate(data) if r[0] == "Action")
    changed = [(r[0], r[1], r[3], r[5]) for r in data[start + 1 :] if r[0]]  # two-column cells
    assert changed == [
        ("P1-01 Business village project", "Alpha services", "On track", "Completed"),
        ("P1-02 Business survey", "Alpha services", "Some disruption", "Major disruption"),
        ("P1-03 Complaint handling", "Beta office", "Major disruption", "Cancelled"),
        ("P2-01 Plots for companies", "Beta office", "Some disruption", "On track"),
    ]


def test_attention_list(book):
    sh = book["Attention"]
    data = rows(sh)
    start = next(i for i, r in enumerate(data) if r[0] == "ID")
    listed = [(r[0], r[3], r[7]) for r in data[start + 1 :] if r[0]]
    assert listed == [
        ("P1-02", "Major disruption", "-budget cut"),
        ("P1-03", "Cancelled", "@SUM(A1)"),
        ("P2-03", "No answer for 3 periods", ""),
    ]


def test_departments(book):
    sh = book["Departments"]
    alpha = row_after(sh, "Alpha services")
    assert alpha[2:8] == (2, "On time", dt.datetime(2025, 10, 10), 2, 1, 1)  # a date cell
    assert row_after(sh, "Beta office")[2:8] == (2, "Late", dt.datetime(2025, 10, 20), 2, 1, 0)
    assert row_after(sh, "Gamma works")[2:8] == (2, "Missing", "", 0, 0, 0)
    assert all(r[0] != "Delta unit" for r in rows(sh))  # no active actions: not expected
    assert row_after(sh, "Total")[3] == "2 / 3"


def test_priority_sheet_actions(book):
    sh = book["P1 Partnership"]
    data = rows(sh)
    start = next(i for i, r in enumerate(data) if r[0] == "ID")
    got = {r[0]: r[1:9] for r in data[start + 1 :] if r[0]}
    assert got["P1-01"] == (
        "Business village project",
        "Alpha services",
        "Completed",
        "On track",  # previous period's status
        100,
        "22 pcs (target 20)",
        "started",  # the latest comment, from 2025Q1
        "2025Q1",
    )
    assert got["P1-03"][2:6] == ("Cancelled", "Major disruption", 20, "15% (target 10)")
    fill = sh.cell(start + 2, 4).fill.fgColor.rgb  # P1-01's status cell
    assert fill.endswith("4F81BD")


def test_metrics_over_periods(book):
    sh = book["Metrics"]
    head = row_after(sh, "Metric ID")
    assert head[5:10] == ("2025Q1", "2025Q2", "2025Q3", "Trend", "Target met")
    # the superseded return's 99 never shows
    assert row_after(sh, "P1-01-M1")[4:10] == ("20", 5, 12, 22, None, "Yes")
    assert row_after(sh, "P1-03-M1")[4:10] == ("10", 30, None, 15, None, "No")


def test_trend(book):
    sh = book["Trend"]
    assert row_after(sh, "2025Q1")[1:9] == (1, 3, 1, 0, 0, 0, 1, 6)
    assert row_after(sh, "2025Q2")[1:9] == (0, 1, 2, 1, 1, 0, 1, 6)
    assert row_after(sh, "2025Q3")[1:9] == (0, 1, 0, 1, 1, 1, 2, 6)


def test_text_from_returns_stays_text(tmp_path):
    conn = known_register(tmp_path / "roundtrip.db")
    q2 = build_summary(conn, small_programme(), parse_period("2025Q2"), tmp_path / "q2.xlsx")
    q3 = build_summary(conn, small_programme(), Q3, tmp_path / "q3.xlsx")
    conn.close()
    seen = set()
    for path in (q2, q3):
        wb = openpyxl.load_workbook(path)
        for sheet in wb.worksheets:
            for r in sheet.iter_rows():
                for c in r:
                    if isinstance(c.value, str) and c.value[:1] in "=+-@":
                        assert c.data_type == "s", (path.name, sheet.title, c.coordinate)
                        seen.add(c.value)
    assert {'=HYPERLINK("http://x")', "@SUM(A1)", "-budget cut", "+ok"} <= seen
    with zipfile.ZipFile(q3) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/"):
                assert "<f>" not in z.read(name).decode()


def _sheet_xml(path: Path, book, title: str) -> str:
    index = book.sheetnames.index(title) + 1
    with zipfile.ZipFile(path) as z:
        return z.read(f"xl/worksheets/sheet{index}.xml").decode()


def test_charts_and_their_ranges(summary):
    with zipfile.ZipFile(summary) as z:
        charts = sorted(n for n in z.namelist() if re.match(r"xl/charts/chart\d+\.xml", n))
        xml = [z.read(n).decode() for n in charts]
    assert len(charts) == 2
    bar, trend = xml
    assert '<c:barDir val="bar"/>' in bar and '<c:grouping val="stacked"/>' in bar
    refs = re.findall(r"<c:f>([^<]+)</c:f>", bar)
    # the priority rows (P1, P2), below the key figures and the computed health's five rows
    assert "Overview!$A$24:$A$25" in refs
    assert "Overview!$E$23" in refs  # major disruption: its header and values
    assert "Overview!$E$24:$E$25" in refs
    assert bar.count("<c:ser>") == 7
    assert "F8696B" in bar  # the major-disruption colour
    assert '<c:barDir val="col"/>' in trend and trend.count("<c:ser>") == 7
    assert "Trend!$A$4:$A$6" in re.findall(r"<c:f>([^<]+)</c:f>", trend)


def test_sparklines_on_metric_rows(summary, book):
    xml = _sheet_xml(summary, book, "Metrics")
    assert "x14:sparklineGroup" in xml
    pairs = re.findall(r"<xm:f>([^<]+)</xm:f><xm:sqref>([^<]+)</xm:sqref>", xml)
    assert pairs == [("Metrics!F4:H4", "I4"), ("Metrics!F5:H5", "I5")]


def test_print_setup(summary, book):
    xml = _sheet_xml(summary, book, "Attention")
    assert 'orientation="landscape"' in xml and 'paperSize="9"' in xml
    assert 'fitToHeight="0"' in xml
    assert "&amp;P" in xml and "&amp;N" in xml and "2025Q3" in xml
    assert "Test &amp;&amp; Vitality Programme" in xml  # & escaped in the header
    assert book["Attention"].print_title_rows == "$4:$4"


def test_in_the_programme_language(tmp_path):
    conn = known_register(tmp_path / "roundtrip.db")
    out = build_summary(conn, small_programme("fi"), Q3, tmp_path / "fi.xlsx")
    conn.close()
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:3] == ["Yhteenveto", "Käsiteltävät", "Toimialat"]
    assert row_after(wb["Yhteenveto"], "Ei vastausta")[1] == 2


def test_first_period_has_no_change_and_no_trend(tmp_path):
    conn = known_register(tmp_path / "roundtrip.db")
    data = load_summary(conn, small_programme(), parse_period("2025Q1"))
    out = build_summary(conn, small_programme(), parse_period("2025Q1"), tmp_path / "q1.xlsx")
    conn.close()
    assert data.previous == "" and data.previous_counts is None and data.changes == ()
    assert data.counts[NOT_ANSWERED] == 1  # P2-03 answered without a status
    wb = openpyxl.load_workbook(out)
    assert "Trend" not in wb.sheetnames
    assert any(
        isinstance(v, str) and v.startswith("The register holds no answers")
        for r in rows(wb["Overview"])
        for v in r
    )


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_pdf(summary, tmp_path):
    pdf = to_pdf(summary, tmp_path / "summary.pdf")
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF")
    assert len(re.findall(rb"/Type\s*/Page\b(?!s)", data)) >= 7


def test_pdf_without_libreoffice_says_how_to_install(summary, monkeypatch, tmp_path):
    from roundtrip.summary.workbook import PdfError

    monkeypatch.setenv("PATH", str(tmp_path))  # no soffice anywhere
    with pytest.raises(PdfError, match="apt-get install libreoffice-calc-nogui") as exc:
        to_pdf(summary)
    assert exc.value.exit_code == 1
    assert summary.is_file()  # the workbook stays


def test_long_change_list_points_to_the_priority_sheets(tmp_path, monkeypatch):
    import roundtrip.summary.overview as overview

    monkeypatch.setattr(overview, "CHANGES_LISTED", 3)
    conn = known_register(tmp_path / "roundtrip.db")
    out = build_summary(conn, small_programme(), Q3, tmp_path / "s.xlsx")
    conn.close()
    texts = [v for r in rows(openpyxl.load_workbook(out)["Overview"]) for v in r if v]
    assert any(str(v).startswith("4 actions changed status") for v in texts)
    assert "P1-01 Business village project" not in texts


def test_awkward_text_survives_the_fast_rows(tmp_path):
    from register_builder import add_submission

    conn = known_register(tmp_path / "roundtrip.db")
    awkward = '  a&b <c> "q" tab\there  '
    add_submission(conn, "A", "2025Q4", "2026-01-05T09:00:00", [("P1-01", "done", 100, awkward)])
    out = build_summary(conn, small_programme(), parse_period("2025Q4"), tmp_path / "s.xlsx")
    conn.close()
    sheet = openpyxl.load_workbook(out)["P1 Partnership"]
    got = {r[0]: r[7] for r in sheet.iter_rows(values_only=True)}
    assert got["P1-01"] == awkward
    # A literal "_x0041_" is escaped as Excel (and xlsxwriter) do, so Excel shows it as typed.
    from roundtrip.xlsx.bulk import row_xml

    assert "<t>_x005F_x0041_ x_x0001_</t>" in row_xml(0, [(0, "_x0041_ x\x01", 1)])


def test_in_memory_register_gives_the_same_figures(tmp_path):
    import sqlite3

    conn = known_register(tmp_path / "roundtrip.db")
    memory = sqlite3.connect(":memory:")
    conn.backup(memory)
    on_file = load_summary(conn, small_programme(), Q3)
    in_memory = load_summary(memory, small_programme(), Q3)  # the trend runs inline
    conn.close()
    memory.close()
    assert in_memory == on_file


@pytest.mark.skipif(not inherits(), reason=SPAWNED_ROWS)
def test_rows_rendered_in_worker_processes_are_the_inline_rows(tmp_path, monkeypatch):
    """Big row blocks are rendered by forked workers: the file is the same, part by part.
    (Spawned workers: test_start_methods.py.)"""
    import roundtrip.xlsx.bulk as bulk
    from roundtrip.parallel.pool import workers_for

    if workers_for(2, 2) < 2:
        pytest.skip("one CPU: rows are always rendered inline")
    conn = known_register(tmp_path / "roundtrip.db")
    made = {}
    for mode, threshold in (("inline", 10**9), ("workers", 0)):
        rendered: list[dict] = []

        def recording(self, _real=bulk.Ahead.files, _into=rendered):
            _into.append(_real(self))
            return _into[-1]

        monkeypatch.setattr(bulk.Ahead, "files", recording)
        here: list[dict] = []

        def recording_here(*args, _real=summary_module.render_here, _into=here):
            _into.append(_real(*args))
            return _into[-1]

        monkeypatch.setattr(summary_module, "render_here", recording_here)
        out = build_summary(
            conn, small_programme(), Q3, tmp_path / f"{mode}.xlsx", pool_min_rows=threshold
        )
        with zipfile.ZipFile(out) as zf:
            made[mode] = {n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"}
        made[mode + " blocks"] = sum(len(r) for r in rendered)
        made[mode + " here"] = sum(len(r) for r in here)
        monkeypatch.undo()
    conn.close()
    assert made["inline blocks"] == made["inline here"] == 0
    assert made["workers blocks"] >= 2  # the priority sheets' rows came from the workers
    assert made["workers here"] == 1  # the attention list's, drawn after the figures
    assert made["inline"] == made["workers"]


def test_the_lists_rows_are_under_way_before_the_figures_are_counted(tmp_path, monkeypatch):
    """The long lists' rows start rendering (worker processes) before the figures are counted,
    and the figures are counted once."""
    import roundtrip.summary.data as sd

    events: list[str] = []
    real_lists = sd.load_lists

    def lists(*args):
        got, figures = real_lists(*args)

        def counted():
            events.append("figures")
            return figures()

        return got, counted

    def ahead(blocks, folder, pool_min_rows):
        events.append(f"ahead {len(blocks)}")

    monkeypatch.setattr(summary_module, "render_ahead", ahead)
    conn = known_register(tmp_path / "roundtrip.db")
    try:
        got, figures = lists(conn, small_programme(), Q3)
        summary_module.render_lists(got, figures, small_programme(), tmp_path / "s.xlsx")
    finally:
        conn.close()
    # two priority sheets and the metric sheet, each a block, before the figures
    assert events == ["ahead 3", "figures"]


@pytest.mark.skipif(not inherits(), reason=SPAWNED_ROWS)
def test_a_failure_after_the_rows_started_stops_their_workers(tmp_path, monkeypatch):
    """Counting the figures fails while workers render the lists' rows: the workers are
    stopped, the error goes on, and no workbook is left."""
    import roundtrip.xlsx.bulk as bulk
    from roundtrip.parallel.pool import workers_for

    if workers_for(2, 2) < 2:
        pytest.skip("one CPU: rows are always rendered inline")
    closed: list[bool] = []
    real_close = bulk.Ahead.close

    def close(self):
        closed.append(True)
        real_close(self)

    monkeypatch.setattr(bulk.Ahead, "close", close)

    def figures():
        raise RuntimeError("counting failed")

    conn = known_register(tmp_path / "roundtrip.db")
    try:
        lists, _ = summary_module.load_lists(conn, small_programme(), Q3)
    finally:
        conn.close()
    out = tmp_path / "s.xlsx"
    with pytest.raises(RuntimeError, match="counting failed"):
        summary_module.render_lists(lists, figures, small_programme(), out, pool_min_rows=0)
    assert closed == [True]
    assert not out.exists()
    assert bulk._forked == ()


@pytest.mark.parametrize("period", ["2025H1", "2025", "next quarter"])
def test_a_period_the_programme_does_not_use_is_one_clear_line(aura_ws, period):
    """The passes over the register start before the programme is loaded; a period of the
    wrong cadence (or none) still ends as one clear message and no summary."""
    from click.testing import CliRunner

    from roundtrip.cli import main

    result = CliRunner().invoke(main, ["-w", str(aura_ws.root), "summary", period])
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output and len(result.output.strip().splitlines()) == 1
    assert not list(aura_ws.root.rglob("summary.xlsx"))


def test_stale_actions_are_listed_longest_unanswered_first_then_in_programme_order(tmp_path):
    conn = known_register(tmp_path / "roundtrip.db")
    try:
        data = load_summary(conn, small_programme(), parse_period("2026Q1"))
    finally:
        conn.close()
    listed = [(r.action_id, r.periods_since_answer) for r in data.attention]
    assert listed == [
        ("P2-03", 5),
        ("P2-02", 3),
        ("P1-01", 2),
        ("P1-02", 2),
        ("P1-03", 2),
        ("P2-01", 2),
    ]


def test_action_rows_are_made_when_read_not_when_the_figures_are(tmp_path, monkeypatch):
    import roundtrip.summary.data as sd

    made: list[str] = []
    row = sd.ActionRow

    def counted(*args, **kwargs):
        made.append(args[0])
        return row(*args, **kwargs)

    monkeypatch.setattr(sd, "ActionRow", counted)
    conn = known_register(tmp_path / "roundtrip.db")
    try:
        data = load_summary(conn, small_programme(), Q3)
    finally:
        conn.close()
    assert made == []  # the figures (counts, changes, the attention order) need no rows
    assert isinstance(data.actions, sd.Rows)
    assert [r.action_id for r in data.actions] == [
        "P1-01",
        "P1-02",
        "P1-03",
        "P2-01",
        "P2-02",
        "P2-03",
    ]
    assert len(made) == 6


def test_rows_read_as_the_tuple_of_their_rows():
    from roundtrip.summary.data import Rows

    calls: list[int] = []

    def make(n: int) -> str:
        calls.append(n)
        return f"row{n}"

    rows = Rows([3, 1, 2, 5], make)
    assert calls == []
    made = ("row3", "row1", "row2", "row5")
    assert len(rows) == 4 and tuple(rows) == made and list(rows) == list(made)
    assert rows[0] == "row3" and rows[-1] == "row5" and rows[1:3] == ("row1", "row2")
    assert rows == made and rows == list(made) and rows != made[:3] and rows != ("x",) * 4
    assert "row2" in rows and rows.index("row2") == 2
    groups = rows.grouped(lambda n: "odd" if n % 2 else "even", first=["none", "even"])
    assert list(groups) == ["none", "even", "odd"]
    assert tuple(groups["none"]) == () and tuple(groups["even"]) == ("row2",)
    assert tuple(groups["odd"]) == ("row3", "row1", "row5")  # in the rows' order


def test_a_summary_too_big_for_a_plain_zip_is_written_through_zipfile(tmp_path, monkeypatch):
    """finish() joins deflated parts into a plain zip; past its 4 GB sizes (here made small)
    it writes the same parts through zipfile, with zip64 where needed."""
    import roundtrip.xlsx.zip_copy as zc

    conn = known_register(tmp_path / "roundtrip.db")
    made = {}
    for mode in ("plain", "zip64"):
        if mode == "zip64":
            monkeypatch.setattr(zc, "_SMALL", 2_000)
        out = build_summary(conn, small_programme(), Q3, tmp_path / f"{mode}.xlsx")
        with zipfile.ZipFile(out) as zf:
            assert zf.testzip() is None
            made[mode] = {n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"}
            made[mode + " 64"] = any(i.extract_version >= 45 for i in zf.infolist())
    conn.close()
    assert made["plain"] == made["zip64"]
    assert not made["plain 64"] and made["zip64 64"]


def test_progress_steps_through_the_work_and_the_summary_is_the_same(aura_ws):
    """A region's summary takes a quarter of a minute: `progress` gets each step as it is done
    (the file exists only at the last), and the workbook is the one written without it."""
    from roundtrip.summary.workbook import SUMMARY_STEPS, write_summary

    target = aura_ws.root / "with-progress.xlsx"
    seen = []

    def progress(items, label, total):
        seen.append((label, total))
        for step in items:
            seen.append((step, target.exists()))
            yield step

    assert write_summary(aura_ws, "2025Q3", target, progress=progress) == [target]
    plain = write_summary(aura_ws, "2025Q3", aura_ws.root / "plain.xlsx")[0]
    assert seen[0] == ("Writing the summary", SUMMARY_STEPS)
    assert seen[1:] == [
        ("programme", False),
        ("loaded", False),
        ("lists", False),
        ("figures", False),
        ("rows", False),
        ("written", True),
    ]

    def members(path):
        with zipfile.ZipFile(path) as zf:
            return {n: zf.read(n) for n in zf.namelist() if n != "docProps/core.xml"}

    assert members(target) == members(plain)


def test_a_summary_open_in_excel_is_one_clear_line(aura_ws, open_in_excel):
    """On Windows the summary cannot be replaced while it is open in Excel: one line naming
    it, saying to close it."""
    from click.testing import CliRunner

    from roundtrip.cli import main

    open_in_excel("summary.xlsx")
    result = CliRunner().invoke(main, ["-w", str(aura_ws.root), "summary", "2025Q3"])
    assert result.exit_code == 2 and "Traceback" not in result.output
    (line,) = result.output.strip().splitlines()
    assert "cannot write" in line and "summary.xlsx (Permission denied)" in line
    assert "close it" in line


NBSP = "\u00a0"
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def _texts(wb) -> list[str]:
    return [v for sh in wb.worksheets for r in sh.iter_rows(values_only=True) for v in r if v]


def test_the_finnish_summary_writes_dates_numbers_and_percentages_as_finnish(demo_base):
    path = demo_base / "reports" / "2025Q3" / "summary.xlsx"
    wb = openpyxl.load_workbook(path)
    overview, departments = wb["Yhteenveto"], wb["Toimialat"]
    assert overview["A2"].value == (
        "Auran kunta · raportointikausi 2025Q3 (1.7.2025–30.9.2025) · "
        "palautus viimeistään 14.10.2025"
    )
    assert not [t for t in _texts(wb) if isinstance(t, str) and ISO_DATE.search(t)]
    rate = next(r for r in overview.iter_rows() if r[0].value == "Palautusaste")[1]
    assert rate.value == 0.75 and rate.number_format == f'[$-40B]0"{NBSP}"%'
    head = next(
        i for i, r in enumerate(departments.iter_rows(values_only=True)) if r[0] == "Toimiala"
    )
    received = departments.cell(head + 2, 5)  # the first department's return
    assert isinstance(received.value, dt.datetime)  # a date cell, not ISO text
    assert received.number_format == "[$-40B]d\\.m\\.yyyy"
    total = next(r for r in departments.iter_rows() if r[0].value == "Yhteensä")
    assert total[6].number_format == rate.number_format  # every percentage alike


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_the_finnish_summary_reads_finnish_in_libreoffice(demo_base, tmp_path):
    from soffice import convert

    utf8 = "csv:Text - txt - csv (StarCalc):44,34,76,1"  # the first sheet, as shown
    csv = convert(demo_base / "reports" / "2025Q3" / "summary.xlsx", tmp_path, utf8)
    text = csv.read_text(encoding="utf-8")
    assert f"75{NBSP}%" in text  # the return rate, as the PDF shows it
    assert "1.7.2025–30.9.2025" in text and "14.10.2025" in text
    assert not re.search(r"\d%", text)  # no 0% beside 75 %


def test_percent_metrics_as_each_language_writes_them(tmp_path):
    conn = known_register(tmp_path / "roundtrip.db")
    paths = {
        lang: build_summary(conn, small_programme(lang), Q3, tmp_path / f"{lang}.xlsx")
        for lang in ("fi", "sv", "en")
    }
    conn.close()
    texts = {lang: _texts(openpyxl.load_workbook(p)) for lang, p in paths.items()}
    assert f"15{NBSP}% (tavoite 10)" in texts["fi"]
    assert f"15{NBSP}% (mål 10)" in texts["sv"]
    assert "15% (target 10)" in texts["en"]


def test_a_swedish_programme_s_summary_is_swedish(tmp_path):
    conn = known_register(tmp_path / "roundtrip.db")
    out = build_summary(conn, small_programme("sv"), Q3, tmp_path / "sv.xlsx")
    conn.close()
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[:3] == ["Sammandrag", "Att behandla", "Sektorer"]
    assert wb.sheetnames[-2:] == ["Mätare", "Utveckling"]
    overview = wb["Sammandrag"]
    assert overview["A1"].value == "Test & Vitality Programme: lägesrapport 2025Q3"
    assert overview["A2"].value == (
        "Testville · rapporteringsperiod 2025Q3 (1.7.2025–30.9.2025) · svar senast 14.10.2025"
    )
    assert row_after(overview, "Inget svar")[1] == 2
    head = row_after(wb["Sektorer"], "Sektor")
    assert head[:5] == ("Sektor", "Kontaktperson", "Åtgärder (gällande)", "Svar", "Inkom")
    assert row_after(wb["Sektorer"], "Gamma works")[3] == "Saknas"
    assert "Sida &amp;P / &amp;N" in _sheet_xml(out, wb, "Sammandrag")
    assert not [t for t in _texts(wb) if isinstance(t, str) and ISO_DATE.search(t)]


def test_an_english_programme_s_summary_writes_english_dates(tmp_path):
    conn = known_register(tmp_path / "roundtrip.db")
    out = build_summary(conn, small_programme("en"), Q3, tmp_path / "en.xlsx")
    conn.close()
    wb = openpyxl.load_workbook(out)
    assert wb["Overview"]["A2"].value == (
        "Testville · reporting period 2025Q3 (Jul 1, 2025 to Sep 30, 2025) · "
        "returns due Oct 14, 2025"
    )
    rate = row_after(wb["Overview"], "Return rate")
    assert rate[1] == pytest.approx(2 / 3)
    cell = next(r for r in wb["Overview"].iter_rows() if r[0].value == "Return rate")[1]
    assert cell.number_format == "[$-409]0%"
