"""A small programme and a real roundtrip.db with known answers, for the summary tests.

Plain SQL inserts through register.connect: no mocks, the same schema collect writes.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path

from registry_builder import insert_submission

from roundtrip.programme.bundled import default_status_scale, with_version
from roundtrip.programme.model import Action, Department, Metric, Priority, Programme, Settings
from roundtrip.register.db import connect


def small_programme(language: str = "en") -> Programme:
    settings = Settings(
        programme_id="test-programme",
        name="Test & Vitality Programme",
        organisation="Testville",
        language=language,
        cadence="quarter",
        first_period="2025Q1",
        last_period="2026Q4",
        deadline_days=14,
    )
    actions = (
        Action(
            "P1-01",
            "P1",
            "A",
            "Business village project",
            metrics=(
                Metric("P1-01-M1", "P1-01", "Companies taking part", "count", "pcs", "", "20"),
            ),
        ),
        Action("P1-02", "P1", "A", "Business survey"),
        Action(
            "P1-03",
            "P1",
            "B",
            "Complaint handling",
            metrics=(
                Metric("P1-03-M1", "P1-03", "Complaint share", "percent", "%", "", "10", False),
            ),
        ),
        Action("P2-01", "P2", "B", "Plots for companies"),
        Action("P2-02", "P2", "C", "Road maintenance"),
        Action("P2-03", "P2", "C", "Cycle paths"),
        Action("P2-04", "P2", "D", "Retired action", active=False),
    )
    return with_version(
        Programme(
            settings,
            (Priority("P1", "Partnership"), Priority("P2", "Location")),
            (
                Department("A", "Alpha services", "Ann"),
                Department("B", "Beta office", "Bob"),
                Department("C", "Gamma works", "Cid"),
                Department("D", "Delta unit", "Dan"),
            ),
            actions,
            default_status_scale(language),
        )
    )


Answer = tuple[str, str | None, int | None, str | None]  # action, status key, progress, comment
Value = tuple[str, str, str, float | None, str | None]  # metric, action, kind, num, text


def add_submission(
    conn: sqlite3.Connection,
    department: str,
    period: str,
    received_at: str,
    answers: Sequence[Answer] = (),
    values: Sequence[Value] = (),
) -> int:
    """Store one accepted return; an older return of the same department/period is superseded."""
    metrics = [(m, a, k, num, txt, None) for m, a, k, num, txt in values]
    return insert_submission(
        conn,
        department,
        period,
        received_at,
        answers=answers,
        metrics=metrics,
        sheet="Actions",
        metrics_sheet="Metrics",
    )


def known_register(path: Path) -> sqlite3.Connection:
    """Three quarters of known answers (see test_summary.py for the expected figures)."""
    conn = connect(path)
    # 2025Q1: everyone answers; P2-03 has a row without a status.
    add_submission(
        conn,
        "A",
        "2025Q1",
        "2025-04-10T09:00:00",
        [("P1-01", "on_track", 10, "started"), ("P1-02", "not_started", None, None)],
        [("P1-01-M1", "P1-01", "count", 5, "5")],
    )
    add_submission(
        conn,
        "B",
        "2025Q1",
        "2025-04-11T09:00:00",
        [("P1-03", "on_track", 20, None), ("P2-01", "minor", 10, "slow start")],
        [("P1-03-M1", "P1-03", "percent", 30, "30")],
    )
    add_submission(
        conn,
        "C",
        "2025Q1",
        "2025-04-12T09:00:00",
        [("P2-02", "on_track", 30, None), ("P2-03", None, None, None)],
    )
    # 2025Q2: A returns twice (the first is superseded), C is late; P2-03 absent.
    add_submission(
        conn,
        "A",
        "2025Q2",
        "2025-07-05T09:00:00",
        [("P1-01", "cancelled", 0, "wrong file"), ("P1-02", "cancelled", 0, "wrong file")],
        [("P1-01-M1", "P1-01", "count", 99, "99")],
    )
    add_submission(
        conn,
        "A",
        "2025Q2",
        "2025-07-10T09:00:00",
        [("P1-01", "on_track", 40, None), ("P1-02", "minor", 20, "survey delayed")],
        [("P1-01-M1", "P1-01", "count", 12, "12")],
    )
    add_submission(
        conn,
        "B",
        "2025Q2",
        "2025-07-01T09:00:00",
        [("P1-03", "major", 20, '=HYPERLINK("http://x")'), ("P2-01", "minor", 20, None)],
    )
    add_submission(conn, "C", "2025Q2", "2025-07-20T09:00:00", [("P2-02", "done", 100, "ready")])
    # 2025Q3: A on time, B late, C missing.
    add_submission(
        conn,
        "A",
        "2025Q3",
        "2025-10-10T09:00:00",
        [("P1-01", "done", 100, None), ("P1-02", "major", 30, "-budget cut")],
        [("P1-01-M1", "P1-01", "count", 22, "22")],
    )
    add_submission(
        conn,
        "B",
        "2025Q3",
        "2025-10-20T09:00:00",
        [("P1-03", "cancelled", 20, "@SUM(A1)"), ("P2-01", "on_track", 50, "+ok")],
        [("P1-03-M1", "P1-03", "percent", 15, "15")],
    )
    return conn


# The submissions table as roundtrip made it before the sign-off columns (schema 1 as it was),
# with its index and view: run before the schema, whose CREATE ... IF NOT EXISTS keeps it.
SUBMISSIONS_BEFORE_SIGNOFF = """
CREATE TABLE submissions (
    id                INTEGER PRIMARY KEY,
    content_hash      TEXT NOT NULL UNIQUE,
    original_name     TEXT NOT NULL,
    archive_path      TEXT NOT NULL,
    department_id     TEXT NOT NULL,
    period            TEXT NOT NULL,
    received_at       TEXT NOT NULL,
    collected_at      TEXT NOT NULL,
    verdict           TEXT NOT NULL,
    signer            TEXT NOT NULL DEFAULT '',
    programme_version TEXT NOT NULL DEFAULT '',
    generated_at      TEXT NOT NULL DEFAULT '',
    errors            INTEGER NOT NULL DEFAULT 0,
    warnings          INTEGER NOT NULL DEFAULT 0,
    superseded_by     INTEGER REFERENCES submissions(id)
);
CREATE INDEX submissions_dept_period ON submissions(department_id, period);
CREATE VIEW current_submissions AS SELECT * FROM submissions WHERE superseded_by IS NULL;
"""
