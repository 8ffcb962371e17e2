"""The analysts' views and DataFrames (issue 25, item 4) over the demo's workspace: they hold
exactly what the register holds, with the programme's words in its language; the views are
read with plain sqlite3, read-only, and cannot be written through. docs/register.md's
examples run as written."""

from __future__ import annotations

import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from roundtrip.errors import RoundtripError, UsageError, WorkspaceError
from roundtrip.health.rules import FLAGS
from roundtrip.programme.workbook import load_programme
from roundtrip.register import frames
from roundtrip.register.db import connect
from roundtrip.register.health import register_health
from roundtrip.workspace import Workspace

PERIOD = "2025Q3"
DOC = Path(__file__).parent.parent / "docs" / "register.md"


def read_only(ws: Path) -> sqlite3.Connection:
    return sqlite3.connect((ws / "roundtrip.db").resolve().as_uri() + "?mode=ro", uri=True)


def sql(ws: Path, text: str, args: tuple = ()) -> list[tuple]:
    conn = read_only(ws)
    try:
        return conn.execute(text, args).fetchall()
    finally:
        conn.close()


# ----------------------------------------------------------------------------- DataFrames


def test_answers_are_the_current_answers_with_finnish_labels(demo_ws):
    for period in (None, "2025Q1", PERIOD):
        where = "" if period is None else " AND a.period = ?"
        [(n,)] = sql(
            demo_ws,
            "SELECT count(*) FROM answers a JOIN submissions s ON s.id = a.submission_id "
            "WHERE s.superseded_by IS NULL" + where,
            () if period is None else (period,),
        )
        frame = frames.answers(demo_ws, period)
        assert len(frame) == n > 0, period
    frame = frames.answers(demo_ws, PERIOD)
    assert set(frame["period"]) == {PERIOD}
    # A known action, its status from the register, its label as the programme says it.
    [(key, progress, dept)] = sql(
        demo_ws,
        "SELECT a.status_key, a.progress, a.department_id FROM answers a "
        "JOIN submissions s ON s.id = a.submission_id "
        "WHERE s.superseded_by IS NULL AND a.period = ? AND a.action_id = 'P1-02'",
        (PERIOD,),
    )
    row = frame[frame["action_id"] == "P1-02"].iloc[0]
    assert (row["status_key"], row["progress"], row["department_id"]) == (key, progress, dept)
    assert key == "done" and row["status"] == "Valmis" and bool(row["done"])
    assert row["action"] == "Tiedon tuottaminen yrityksistä toimialoille"
    assert row["department"] == "Yritys- ja elinkeinopalvelut"
    assert row["priority"] == "Kunnan ja yritysten välinen kumppanuus"
    labels = dict(zip(frame["status_key"], frame["status"], strict=True))
    assert labels.get("minor") == "Pieniä haasteita"


def test_metric_values_carry_their_target(demo_ws):
    [(n,)] = sql(
        demo_ws,
        "SELECT count(*) FROM metric_values m JOIN submissions s ON s.id = m.submission_id "
        "WHERE s.superseded_by IS NULL AND m.period = ?",
        (PERIOD,),
    )
    frame = frames.metric_values(demo_ws, PERIOD)
    assert len(frame) == n > 0
    [(value,)] = sql(
        demo_ws,
        "SELECT m.value_num FROM metric_values m JOIN submissions s ON s.id = m.submission_id "
        "WHERE s.superseded_by IS NULL AND m.period = ? AND m.metric_id = 'P1-01-M2'",
        (PERIOD,),
    )
    row = frame[frame["metric_id"] == "P1-01-M2"].iloc[0]
    assert row["value_num"] == value
    assert row["metric"] == "Osallistuneiden yritysten lkm" and row["unit"] == "kpl"
    assert (row["target"], row["target_value"], row["target_bound"]) == ("40", 40.0, "2026Q4")
    assert len(frames.metric_values(demo_ws)) > n  # every period


def test_submissions_are_every_stored_return(demo_ws):
    [(n, current)] = sql(
        demo_ws, "SELECT count(*), sum(superseded_by IS NULL) FROM submissions", ()
    )
    frame = frames.submissions(demo_ws)
    assert len(frame) == n and int(frame["is_current"].sum()) == current == n
    # One return superseded (as a newer one of the same department would): still listed,
    # not current, and its answers no longer count.
    answers_before = len(frames.answers(demo_ws))
    conn = sqlite3.connect(demo_ws / "roundtrip.db")
    [(old, new, k)] = conn.execute(
        "SELECT min(s.id), max(s.id), (SELECT count(*) FROM answers WHERE submission_id = "
        "min(s.id)) FROM submissions s"
    ).fetchall()
    conn.execute("UPDATE submissions SET superseded_by = ? WHERE id = ?", (new, old))
    conn.commit()
    conn.close()
    frame = frames.submissions(demo_ws)
    row = frame[frame["submission_id"] == old].iloc[0]
    assert (row["is_current"], row["superseded_by"]) == (0, new)
    assert int(frame["is_current"].sum()) == n - 1
    assert len(frames.answers(demo_ws)) == answers_before - k and k > 0
    q3 = frames.submissions(demo_ws, PERIOD)
    [(m,)] = sql(demo_ws, "SELECT count(*) FROM submissions WHERE period = ?", (PERIOD,))
    assert len(q3) == m
    unsigned = q3[(q3["is_current"] == 1) & (q3["approved_by"] == "")]
    assert list(unsigned["department_id"]) == ["VAP"]  # (the demo signs off all but one)


def test_health_is_what_the_register_computes(demo_ws):
    ws = Workspace(demo_ws)
    programme = load_programme(ws.programme_path, ws.cache_dir)
    conn = connect(ws.db_path)
    flags = register_health(conn, programme, programme.settings.period(PERIOD))
    conn.close()
    frame = frames.health(demo_ws, PERIOD)
    assert len(frame) == sum(len(f) for f in flags.values()) > 0
    assert set(frame["flag"]) <= set(FLAGS)
    assert {(a, f.kind, f.reason) for a, fs in flags.items() for f in fs} == set(
        zip(frame["action_id"], frame["flag"], frame["reason"], strict=True)
    )
    assert frame["department"].notna().all()


def test_bad_input_is_one_clear_error(demo_ws, tmp_path):
    with pytest.raises(UsageError):
        frames.answers(demo_ws, "2025-3")
    ws = tmp_path / "empty"
    shutil.copytree(demo_ws, ws, ignore=shutil.ignore_patterns("roundtrip.db*"))
    with pytest.raises(WorkspaceError, match="no register yet"):
        frames.answers(ws)
    assert not (ws / "roundtrip.db").exists()  # (nothing made)


def test_without_pandas_the_import_says_how_to_install_it():
    code = (
        "import sys; sys.modules['pandas'] = None\n"
        "try:\n"
        "    import roundtrip.register.frames\n"
        "except ImportError as exc:\n"
        "    from roundtrip.errors import RoundtripError\n"
        "    print(isinstance(exc, RoundtripError), exc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.startswith("True ")
    assert "pip install 'roundtrip[pandas]'" in out.stdout
    assert issubclass(frames.PandasMissing, RoundtripError)


# ----------------------------------------------------------------------------- the views


def test_the_views_are_read_with_plain_sqlite_read_only(demo_ws):
    conn = read_only(demo_ws)
    for view, table in (
        ("v_current_answers", "answers"),
        ("v_metric_values", "metric_values"),
    ):
        [(n,)] = conn.execute(f"SELECT count(*) FROM {view}").fetchall()
        [(m,)] = conn.execute(
            f"SELECT count(*) FROM {table} t JOIN submissions s ON s.id = t.submission_id "
            "WHERE s.superseded_by IS NULL"
        ).fetchall()
        assert n == m > 0, view
    [(n,)] = conn.execute("SELECT count(*) FROM v_submissions").fetchall()
    [(m,)] = conn.execute("SELECT count(*) FROM submissions").fetchall()
    assert n == m > 0
    conn.close()


@pytest.mark.parametrize(
    "statement",
    [
        "INSERT INTO v_submissions (submission_id, period) VALUES (999, '2025Q4')",
        "UPDATE v_current_answers SET status_key = 'done'",
        "DELETE FROM v_metric_values",
    ],
)
def test_nothing_is_written_through_a_view(demo_ws, statement):
    before = sql(demo_ws, "SELECT count(*) FROM submissions")
    conn = sqlite3.connect(demo_ws / "roundtrip.db")  # (even read-write)
    with pytest.raises(sqlite3.OperationalError, match="cannot modify .* because it is a view"):
        conn.execute(statement)
    conn.close()
    assert sql(demo_ws, "SELECT count(*) FROM submissions") == before


# ----------------------------------------------------------------------------- the docs


def blocks(language: str) -> list[str]:
    return re.findall(rf"^```{language}\n(.*?)^```", DOC.read_text(encoding="utf-8"), re.M | re.S)


def test_the_docs_examples_run(demo_ws, tmp_path, monkeypatch, capsys):
    shutil.copytree(demo_ws, tmp_path / "roundtrip-demo")
    monkeypatch.chdir(tmp_path)
    [python] = blocks("python")
    exec(compile(python, str(DOC), "exec"), {})
    out = capsys.readouterr().out
    assert "Valmis" in out and "target_value" in out and "reason" in out
    readme = (DOC.parent.parent / "README.md").read_text(encoding="utf-8")
    [example] = [
        b for b in re.findall(r"^```python\n(.*?)^```", readme, re.M | re.S) if "frames" in b
    ]
    scope: dict = {}
    exec(compile(example, "README.md", "exec"), scope)
    assert len(scope["answers"]) == len(frames.answers("roundtrip-demo", "2025Q3")) > 0
    for query in blocks("sql"):
        rows = sql(tmp_path / "roundtrip-demo", query)
        assert rows, query
    # The views the docs describe, with the columns their tables list.
    conn = read_only(tmp_path / "roundtrip-demo")
    text = DOC.read_text(encoding="utf-8")
    for view in ("v_current_answers", "v_metric_values", "v_submissions"):
        columns = [r[1] for r in conn.execute(f"PRAGMA table_info({view})")]
        section = text.split(f"**`{view}`**", 1)[1].split("**`v_", 1)[0].split("\n\n")[1]
        documented = re.findall(
            r"`(\w+)`", "\n".join(row.split("|")[1] for row in section.splitlines()[2:])
        )
        assert documented == columns, view
    conn.close()


def test_the_frames_are_dataframes(demo_ws):
    assert isinstance(frames.answers(demo_ws, PERIOD), pd.DataFrame)
