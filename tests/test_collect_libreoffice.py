"""A return filled and saved in LibreOffice (headless, through UNO) is collected exactly."""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sqlite3
import subprocess
from pathlib import Path

import openpyxl
import pytest
import soffice
from child import ENCODING as CHILD_ENCODING

from roundtrip.collect.run import collect_period
from roundtrip.demo.fill import _find_sheet, _header_map, _rows_by_id
from roundtrip.init import init_workspace
from roundtrip.programme.workbook import load_programme
from roundtrip.returns.generate import generate_period
from roundtrip.workspace import Workspace

SYSTEM_PYTHON = "/usr/bin/python3"
pytestmark = [
    pytest.mark.libreoffice,
    pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed"),
    pytest.mark.skipif(
        subprocess.run(
            [SYSTEM_PYTHON, "-c", "import uno"], capture_output=True, check=False
        ).returncode
        != 0
        if Path(SYSTEM_PYTHON).exists()
        else True,
        reason="python3-uno not available",
    ),
]


def locate(path: Path, key: str, row_id: str, col: str) -> tuple[str, str]:
    wb = openpyxl.load_workbook(path)
    sheet = _find_sheet(wb, key)
    hrow, cols = _header_map(sheet, key)
    r = _rows_by_id(sheet, hrow, cols["action_id" if key == "actions" else "metric_id"])[row_id]
    return sheet.title, f"{openpyxl.utils.get_column_letter(cols[col])}{r}"


def test_return_filled_in_libreoffice_is_collected(tmp_path):
    root = tmp_path / "aura"
    init_workspace(root, example="aura")
    ws = Workspace(root)
    generate_period(ws, "2025Q3", ["YEP"], now=dt.datetime(2025, 9, 30, 12, 0))
    programme = load_programme(ws.programme_path)
    [src] = ws.outbox("2025Q3").glob("*.xlsx")
    acts = [a.id for a in programme.actions_of("YEP")]
    count = next(m.id for a in programme.actions_of("YEP") for m in a.metrics if m.kind == "count")
    yesno = next(m.id for a in programme.actions_of("YEP") for m in a.metrics if m.kind == "yesno")

    edits = []

    def put(key, row_id, col, **what):
        sheet, cell = locate(src, key, row_id, col)
        edits.append({"sheet": sheet, "cell": cell, **what})
        return sheet, cell

    status_at = put("actions", acts[0], "status", string="Valmis")
    put("actions", acts[0], "progress", value=100)
    put("actions", acts[1], "status", string="Merkittäviä haasteita")
    put("actions", acts[1], "progress", string="40 %")
    put("actions", acts[1], "comment", string='=HYPERLINK("x") ei kaavaa')
    count_at = put("metrics", count, "value", formula="=20000+9000")  # saved with its result
    put("metrics", yesno, "value", string="Ei")
    edit_file = tmp_path / "edits.json"
    edit_file.write_text(json.dumps(edits), encoding="utf-8")
    dst = ws.inbox("2025Q3") / "YEP LibreOffice.xlsx"
    dst.parent.mkdir(parents=True, exist_ok=True)
    helper = Path(__file__).with_name("lo_fill.py")
    run = subprocess.run(
        [SYSTEM_PYTHON, str(helper), str(src), str(dst), str(edit_file)],
        capture_output=True,
        encoding=CHILD_ENCODING,
        timeout=240,
        check=False,
    )
    assert run.returncode == 0 and dst.is_file(), run.stderr[-2000:]

    result = collect_period(ws, "2025Q3")
    assert result.exit_code == 0, "\n".join(result.lines())
    [f] = result.files
    assert f.department_id == "YEP" and f.verdict in ("accepted", "warnings")

    conn = sqlite3.connect(ws.db_path)
    conn.row_factory = sqlite3.Row
    ans = {r["action_id"]: r for r in conn.execute("SELECT * FROM answers")}
    assert (ans[acts[0]]["status_key"], ans[acts[0]]["progress"]) == ("done", 100)
    assert (ans[acts[0]]["sheet"], ans[acts[0]]["status_cell"]) == status_at
    assert (ans[acts[1]]["status_key"], ans[acts[1]]["progress"]) == ("major", 40)
    assert ans[acts[1]]["comment"] == '=HYPERLINK("x") ei kaavaa'
    mv = {r["metric_id"]: r for r in conn.execute("SELECT * FROM metric_values")}
    assert (mv[count]["value_num"], mv[count]["value_text"]) == (29000.0, "29000")
    assert (mv[count]["sheet"], mv[count]["value_cell"]) == count_at
    assert mv[yesno]["value_text"] == "no"


def convert(src: Path, fmt: str, out_dir: Path) -> Path:
    return soffice.convert(src, out_dir, fmt)


def test_ods_and_xls_returns_are_collected(tmp_path):
    from roundtrip.demo.fill import ActionAnswer, fill_return

    root = tmp_path / "aura"
    init_workspace(root, example="aura")
    ws = Workspace(root)
    generate_period(ws, "2025Q3", ["SIV"], now=dt.datetime(2025, 9, 30, 12, 0))
    programme = load_programme(ws.programme_path)
    [src] = ws.outbox("2025Q3").glob("*.xlsx")
    answers = {a.id: ActionAnswer("Valmis", 100, "ok") for a in programme.actions_of("SIV")}
    metrics = {m.id: "29 000" for a in programme.actions_of("SIV") for m in a.metrics}
    filled = fill_return(src, tmp_path / "siv.xlsx", answers, metrics)
    out = tmp_path / "converted"
    out.mkdir()
    files = [convert(filled, "ods", out), convert(filled, "xls", out)]
    result = collect_period(ws, "2025Q3", files)
    assert result.exit_code == 0, "\n".join(result.lines())
    assert [f.department_id for f in result.files] == ["SIV", "SIV"]
    conn = sqlite3.connect(ws.db_path)
    rows = conn.execute(
        "SELECT s.original_name, a.status_key, a.progress, a.status_cell FROM answers a "
        "JOIN submissions s ON s.id = a.submission_id"
    ).fetchall()
    assert {r[0] for r in rows} == {"siv.ods", "siv.xls"}
    assert {(r[1], r[2]) for r in rows} == {("done", 100)}
    values = conn.execute("SELECT DISTINCT value_text FROM metric_values").fetchall()
    assert values == [("29000",)]
