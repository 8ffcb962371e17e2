"""Golden files for what collect, register and summary write: each compared part by part.

One small workspace (the Aura programme, three departments, two quarters) is made with every
run-dependent input fixed: the signing secret, the dates of generation and collection, the
returned files' modification times, and the filled files' own zip (openpyxl stamps the time
of saving into docProps/core.xml and the zip entries; the content hash, and so the archived
name the register shows, would change every run). Then:

* the register workbook, as Excel tables and streamed (StreamBook, forced by table_limit=0,
  with max_rows=12 so that sheets continue in "Name (2)"; its history sheet made by a forked
  worker and in this process: the same file),
* the council summary, its row blocks rendered inline and by worker processes (the same file),
* the annotated copy of a rejected return, by the fast path (collect/annotate.py, what collect
  writes) and by the openpyxl fallback,

are compared with tests/golden/*.xlsx (see golden_parts.py). After an intended change:
    ROUNDTRIP_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden_reports.py
and look at the diff (unzip -p) before committing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import sqlite3
import zipfile
from pathlib import Path

import pytest
from golden_parts import check_golden

from roundtrip.collect.feedback import write_annotated_copy
from roundtrip.collect.run import collect_period
from roundtrip.demo.fill import ActionAnswer, fill_return
from roundtrip.init import init_workspace
from roundtrip.register.workbook import write_register
from roundtrip.returns.generate import generate_period
from roundtrip.summary.workbook import write_summary
from roundtrip.workspace import Workspace

pytestmark = pytest.mark.filterwarnings("ignore:Sparkline Group extension")

SECRET = "00112233445566778899aabbccddeeff" * 2
DEPARTMENTS = ["SIV", "KUL", "VAP"]
ZIP_TIME = (2025, 10, 1, 9, 0, 0)
HOSTILE = '=HYPERLINK("http://evil","x")'


def _utc(*args: int) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def _settle(path: Path, when: dt.datetime) -> None:
    """The filled file the same on every run and machine: its zip entries dated ZIP_TIME and
    stored, core.xml dated `when`, and its modification time `when` (collect's received_at)."""
    stamp = when.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(path) as zf:
        members = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w") as out:
        for info, data in members:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>" + stamp, data)
            entry = zipfile.ZipInfo(info.filename, ZIP_TIME)
            entry.create_system = 3  # (stored, not deflated: the bytes, and so the content
            entry.external_attr = info.external_attr  # hash, depend on no zlib version)
            out.writestr(entry, data)
    os.utime(path, (when.timestamp(), when.timestamp()))


def _return(ws: Workspace, made, dept: str, name: str, when: dt.datetime, **fill) -> Path:
    src = next(f.path for f in made.files if f.department_id == dept)
    target = ws.root / "inbox" / name
    fill_return(src, target, signer=f"{dept} head", **fill)
    _settle(target, when)
    return target


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """Two quarters collected; in 2025Q3 SIV's return is rejected (several problems), KUL's
    has a warning, a plan completion and a proposal, and VAP sends its return twice."""
    root = tmp_path_factory.mktemp("golden") / "aura"
    init_workspace(root, example="aura")
    ws = Workspace(root)
    conn = sqlite3.connect(ws.db_path)
    with conn:
        conn.execute("UPDATE meta SET value = ? WHERE key = 'secret'", (SECRET,))
    conn.close()

    q2 = generate_period(ws, "2025Q2", DEPARTMENTS, now=_utc(2025, 7, 1, 8))
    on, minor = "Etenee suunnitellusti", "Pieniä haasteita"
    _return(
        ws, q2, "SIV", "2025Q2/Sivistys Q2.xlsx", _utc(2025, 7, 8, 9, 17),
        answers={
            "P1-08": ActionAnswer(on, 20, "Kurssit alkoivat"),
            "P1-09": ActionAnswer(minor, 10, "Resurssit & aikataulu <tiukka>"),
            "P2-07": ActionAnswer(on, 30, None),
        },
        metrics={"P1-08-M1": 3},
    )  # fmt: skip
    _return(
        ws, q2, "KUL", "2025Q2/KUL raportti.xlsx", _utc(2025, 7, 10, 10, 17),
        answers={"P1-10": ActionAnswer(on, 25, "Kesätapahtumat"), "P1-12": ActionAnswer(minor, 5)},
        metrics={"P1-10-M1": 4, "P1-11-M1": 1},
    )  # fmt: skip
    _return(
        ws, q2, "VAP", "2025Q2/vapaa-aika.xlsx", _utc(2025, 7, 14, 11, 17),
        answers={"P3-10": ActionAnswer(on, 40, "  välilyönnit alussa ja lopussa  ")},
    )  # fmt: skip
    first = collect_period(ws, "2025Q2", now=_utc(2025, 7, 21, 12))
    assert [f.verdict for f in first.files].count("rejected") == 0, first.lines()

    q3 = generate_period(ws, "2025Q3", DEPARTMENTS, now=_utc(2025, 10, 1, 8))
    _return(
        ws, q3, "SIV", "2025Q3/Sivistys palautus (2).xlsx", _utc(2025, 10, 9, 9, 17),
        answers={
            "P1-08": ActionAnswer("Merkittäviä haasteita", 25, ""),  # major without a comment
            "P1-09": ActionAnswer("Valmis osittain", 50, HOSTILE),  # not a status
            "P2-07": ActionAnswer(on, 135, "yli sadan"),  # progress over 100
        },
        metrics={"P1-08-M1": "50 %"},  # text in a count cell
    )  # fmt: skip
    _return(
        ws, q3, "KUL", "2025Q3/KUL raportti Q3.xlsx", _utc(2025, 10, 7, 10, 17),
        answers={
            "P1-10": ActionAnswer("Valmis ", 100, None),  # a trailing space: accepted
            "P1-12": ActionAnswer(on, 30, "+1+1"),
        },
        metrics={"P1-10-M1": 9, "P1-11-M1": 2},
        plan={("P1-12", "schedule"): "2026"},
        proposals=[{"priority": "P1", "action": "@SUM(A1:A2)", "comment": "uusi ehdotus"}],
    )  # fmt: skip
    _return(
        ws, q3, "VAP", "2025Q3/vapaa-aika.xlsx", _utc(2025, 10, 8, 11, 17),
        answers={"P3-10": ActionAnswer(minor, 45, "ensimmäinen versio")},
    )  # fmt: skip
    _return(
        ws, q3, "VAP", "2025Q3/vapaa-aika korjattu.xlsx", _utc(2025, 10, 10, 14, 17),
        answers={"P3-10": ActionAnswer(on, 50, "korjattu versio")},
    )  # fmt: skip
    result = collect_period(ws, "2025Q3", now=_utc(2025, 10, 21, 12))
    (siv,) = [f for f in result.files if f.department_id == "SIV"]
    assert siv.verdict == "rejected" and len(siv.problems) >= 3, result.lines()
    assert siv.feedback is not None, "collect made no annotated copy"
    conn = sqlite3.connect(ws.db_path)
    with conn:  # (the workspace that archived the files: host and folder differ run to run)
        conn.execute("UPDATE submissions SET archived_in = 'kone:/aura'")
    conn.close()
    return ws, siv


@pytest.mark.parametrize("form", ["tables", "streamed", "streamed in one process"])
def test_register_matches_golden(workspace, tmp_path, form):
    """A streamed register's history sheet is made by a forked worker meanwhile (where there
    are two CPUs), or here with pool_min out of reach: the same file either way."""
    ws, _ = workspace
    options = {}
    if form.startswith("streamed"):
        options = {"table_limit": 0, "max_rows": 12}
    if form == "streamed in one process":
        options["pool_min"] = 10**9
    out = write_register(ws, tmp_path / "register.xlsx", **options)
    check_golden(out, f"register_{form.split()[0]}")


@pytest.mark.parametrize("rows", ["inline", "workers"])
def test_summary_matches_golden(workspace, tmp_path, monkeypatch, rows):
    """The summary's row blocks (xlsx/bulk.py) are rendered in this process below
    `pool_min_rows` rows (PARALLEL_MIN_ROWS), by worker processes from it on: the same file."""
    import roundtrip.xlsx.bulk as bulk
    from roundtrip.parallel.pool import inherits, workers_for

    ws, _ = workspace
    ahead = []

    def files(self, _real=bulk.Ahead.files):
        ahead.append(_real(self))
        return ahead[-1]

    monkeypatch.setattr(bulk.Ahead, "files", files)
    threshold = 10**9 if rows == "inline" else 0
    (out,) = write_summary(ws, "2025Q3", tmp_path / "summary.xlsx", pool_min_rows=threshold)
    # (with one CPU the rows are always rendered here; spawned workers leave them here too:
    # they are made by closures, see xlsx/bulk.py)
    assert bool(ahead) == (rows == "workers" and workers_for(2, 2) >= 2 and inherits())
    check_golden(out, "summary_2025Q3")


def test_annotated_copy_by_collect_matches_golden(workspace):
    """The annotated copy collect wrote of the rejected return (reports/2025Q3/feedback/):
    the fast path's."""
    _, siv = workspace
    check_golden(siv.feedback, "annotated_SIV_2025Q3")


@pytest.mark.parametrize("path", ["fast", "openpyxl"])
def test_annotated_copy_matches_golden(workspace, tmp_path, monkeypatch, path):
    """The fast path (collect/annotate.py, patching the package: what collect uses) and the
    openpyxl fallback (used when the fast path declines), each with its golden file: the
    content is the same, the parts are named and laid out differently."""
    import roundtrip.collect.annotate as annotate

    ws, siv = workspace
    made = []

    def fast(*args, _real=annotate.write_fast_copy):
        made.append(_real(*args) if path == "fast" else None)
        return made[-1]

    monkeypatch.setattr(annotate, "write_fast_copy", fast)
    archived = ws.archive_dir / f"{siv.content_hash}.xlsx"
    out = write_annotated_copy(archived, siv.problems, tmp_path / "copy.xlsx", "fi", checked=True)
    assert out is not None and made == [out if path == "fast" else None], "not the path meant"
    check_golden(out, "annotated_SIV_2025Q3" + ("" if path == "fast" else "_openpyxl"))
