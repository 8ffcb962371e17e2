"""store_submission: one transaction, supersession by received_at then collection order."""

from __future__ import annotations

import dataclasses
import sqlite3

import pytest

from roundtrip.collect.store import is_stored, store_submission
from roundtrip.errors import Problem, UsageError
from roundtrip.register import db as register
from roundtrip.returns.validated import (
    Answer,
    MetricValue,
    PlanCompletion,
    Proposal,
    ValidatedReturn,
)


def validated(dept: str = "YEP", progress: int = 50, **over) -> ValidatedReturn:
    base = ValidatedReturn(
        file="a.xlsx",
        department_id=dept,
        period="2025Q3",
        programme_version="v1",
        generated_at="2025-09-30T12:00:00Z",
        answers=(
            Answer("P1-01", "on_track", progress, "ok", "Toimenpiteet", "K4", "L4", "M4"),
            Answer("P1-02", None, None, None, "Toimenpiteet", "K5", "L5", "M5"),
        ),
        metric_values=(
            MetricValue(
                "P1-01-M2", "P1-01", "count", 29000.0, "29000", None, "Mittarit", "K5", "L5"
            ),
        ),
        plan_completions=(PlanCompletion("P1-02", "schedule", "Syksy 2025", "Toimenpiteet", "E5"),),
        proposals=(Proposal("P1", "Idea", "", "", "", "", "Ehdotukset", 4),),
        problems=(
            Problem("a.xlsx", "action P1-02 was not answered", "Toimenpiteet", "K5", "warning"),
        ),
        signer="Matti",
    )
    return dataclasses.replace(base, **over)


@pytest.fixture
def conn(tmp_path):
    c = register.connect(tmp_path / "roundtrip.db")
    yield c
    c.close()


def store(conn, v, digest, received, collected="2025-10-10T09:00:00Z"):
    return store_submission(
        conn,
        v,
        content_hash=digest,
        original_name=f"{digest}.xlsx",
        archive_path=f"archive/{digest}.xlsx",
        received_at=received,
        collected_at=collected,
        signer=v.signer,
    )


def test_everything_is_stored_with_provenance(conn):
    sid = store(conn, validated(), "h1", "2025-10-01T08:00:00Z")
    assert is_stored(conn, "h1") and not is_stored(conn, "h2")
    sub = conn.execute("SELECT * FROM submissions WHERE id = ?", (sid,)).fetchone()
    assert (sub["verdict"], sub["warnings"], sub["errors"], sub["signer"]) == (
        "warnings",
        1,
        0,
        "Matti",
    )
    assert conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 2
    mv = conn.execute("SELECT * FROM metric_values").fetchone()
    assert (mv["value_num"], mv["value_text"], mv["value_cell"]) == (29000.0, "29000", "K5")
    assert conn.execute("SELECT value FROM plan_completions").fetchone()[0] == "Syksy 2025"
    assert conn.execute("SELECT action FROM proposals").fetchone()[0] == "Idea"
    assert conn.execute("SELECT cell FROM problems").fetchone()[0] == "K5"


def test_a_return_with_errors_is_refused(conn):
    bad = validated(problems=(Problem("a.xlsx", "bad", "S", "A1"),))
    with pytest.raises(UsageError):
        store(conn, bad, "h1", "2025-10-01T08:00:00Z")
    assert conn.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0


def test_a_failure_midway_rolls_everything_back(conn):
    a = validated().answers[0]
    broken = validated(answers=(a, a))  # the same action twice violates the primary key
    with pytest.raises(sqlite3.IntegrityError):
        store(conn, broken, "h1", "2025-10-01T08:00:00Z")
    for table in ("submissions", "answers", "metric_values", "plan_completions", "proposals"):
        assert conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0  # noqa: S608
    assert not conn.in_transaction


def test_supersession_by_received_at_then_collection_order(conn):
    s1 = store(conn, validated(progress=10), "h1", "2025-10-01T08:00:00Z")
    s2 = store(conn, validated(progress=20), "h2", "2025-10-02T08:00:00Z")  # newer
    s0 = store(conn, validated(progress=5), "h0", "2025-09-30T08:00:00Z")  # older, arrives late
    s3 = store(conn, validated(progress=30), "h3", "2025-10-02T08:00:00Z")  # tie: later wins
    other = store(conn, validated("HAL"), "h4", "2025-09-01T08:00:00Z")
    sup = {r["id"]: r["superseded_by"] for r in conn.execute("SELECT * FROM submissions")}
    assert sup[s1] == s2 and sup[s2] == s3 and sup[s0] == s2 and sup[s3] is None
    assert sup[other] is None
    current = conn.execute("SELECT id FROM current_submissions WHERE department_id = 'YEP'")
    assert [r["id"] for r in current] == [s3]


def test_the_rows_a_reader_process_sends_store_the_same(tmp_path):
    """store_rows is what crosses from a reader process: plain tuples, stored identically."""
    import pickle

    from roundtrip.collect.store import store_rows

    v = validated()
    rows = pickle.loads(pickle.dumps(store_rows(v)))
    assert all(type(r) is tuple for r in rows.answers + rows.metric_values)
    stored = []
    for name, what in (("a", v), ("b", rows)):
        c = register.connect(tmp_path / f"{name}.db")
        store(c, what, "h1", "2025-10-01T08:00:00Z")
        stored.append(
            [
                [tuple(r) for r in c.execute(f"SELECT * FROM {t} ORDER BY 1, 2, 3")]
                for t in (
                    "submissions",
                    "answers",
                    "metric_values",
                    "plan_completions",
                    "proposals",
                    "problems",
                )
            ]
        )
        c.close()
    assert stored[0] == stored[1]
    assert stored[0][2][0][3:5] == ("P1-01", "P1-01-M2")  # action, metric: not swapped


class _InterruptedAt(sqlite3.Connection):
    """A register connection on which Ctrl-C lands just after (or instead of) one statement:
    the interrupt Python raises when the statement's C call returns."""

    after: str = ""  # the statement after which KeyboardInterrupt is raised
    before: str = ""  # the statement instead of which it is raised

    def execute(self, sql, *args):
        if self.before and sql.lstrip().startswith(self.before):
            raise KeyboardInterrupt
        got = super().execute(sql, *args)
        if self.after and sql.lstrip().startswith(self.after):
            raise KeyboardInterrupt
        return got


def _interrupted(path, **at) -> sqlite3.Connection:
    register.connect(path).close()  # the schema
    c = sqlite3.connect(str(path), isolation_level=None, factory=_InterruptedAt)
    c.row_factory = sqlite3.Row
    for k, v in at.items():
        setattr(c, k, v)
    return c


def test_ctrl_c_just_after_the_commit_keeps_the_return_and_goes_on(tmp_path):
    """The interrupt reaches the caller as an interrupt (not "cannot rollback - no transaction
    is active", which the CLI showed as a traceback), and the return stays stored."""
    c = _interrupted(tmp_path / "roundtrip.db", after="COMMIT")
    try:
        with pytest.raises(KeyboardInterrupt):
            store(c, validated(), "h1", "2025-10-01T08:00:00Z")
        assert not c.in_transaction
        assert is_stored(c, "h1")
        assert c.execute("SELECT COUNT(*) FROM answers").fetchone()[0] == 2
    finally:
        c.close()


@pytest.mark.parametrize("at", [{"after": "INSERT INTO submissions"}, {"before": "COMMIT"}])
def test_ctrl_c_inside_the_transaction_stores_nothing(tmp_path, at):
    c = _interrupted(tmp_path / "roundtrip.db", **at)
    try:
        with pytest.raises(KeyboardInterrupt):
            store(c, validated(), "h1", "2025-10-01T08:00:00Z")
        assert not c.in_transaction
        for table in ("submissions", "answers", "metric_values", "problems"):
            assert c.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0] == 0  # noqa: S608
    finally:
        c.close()


def test_a_busy_register_at_begin_is_the_error_itself(tmp_path):
    """BEGIN IMMEDIATE failing (another collect holds the register) raises its own error,
    not a failed ROLLBACK of a transaction that never started."""
    path = tmp_path / "roundtrip.db"
    holder = register.connect(path)
    holder.execute("BEGIN IMMEDIATE")
    c = sqlite3.connect(str(path), isolation_level=None, timeout=0)
    c.row_factory = sqlite3.Row
    try:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            store(c, validated(), "h1", "2025-10-01T08:00:00Z")
    finally:
        c.close()
        holder.execute("ROLLBACK")
        holder.close()
