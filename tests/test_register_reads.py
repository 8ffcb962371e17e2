"""The register's reads (roundtrip.register.reads, register.health, the chase list and the
summary) give the same on a shared register (PostgreSQL) as on the embedded one (SQLite),
read from the same returns: the demo's three quarters copied from one into the other.
Real PostgreSQL (tests/conftest.py: skipped, with how to enable it, where there is none)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from openpyxl import load_workbook

from roundtrip.cli import main
from roundtrip.programme.workbook import load_programme
from roundtrip.register import db, reads, shared
from roundtrip.register.health import read_register, register_health
from tests.registers import copy_register

PERIODS = ("2025Q1", "2025Q2", "2025Q3")


@pytest.fixture
def both(demo_ws, postgres_url):
    """(the demo's programme, its SQLite register, the same rows in a shared register)."""
    copy_register(demo_ws / "roundtrip.db", postgres_url)
    local, there = db.connect(demo_ws / "roundtrip.db"), shared.connect(postgres_url)
    try:
        yield load_programme(demo_ws / "programme.xlsx"), local, there
    finally:
        local.close()
        there.close()


def test_every_read_of_a_period_is_the_same_from_either_register(both):
    programme, local, there = both
    ids = [a.id for a in programme.actions]
    lead = {a.id: a.department_id for a in programme.actions}
    # Arguments the demo's programme does not have, to hold the conditions on them too:
    # "inactive" actions and "partner" answers (here some of the leads' own).
    inactive = tuple(ids[:5])
    pairs = tuple((a.id, a.department_id) for a in programme.actions[5:12])
    keys = tuple(s.key for s in programme.statuses)
    assert reads.collected_periods(local) == reads.collected_periods(there) == set(PERIODS)
    for p in (*PERIODS, "2025Q4"):
        periods = reads.summary_periods(local, p)
        assert periods == reads.summary_periods(there, p), p
        for name, call in {
            "metric_values": lambda c, p=p, q=periods: reads.metric_values(c, p, q),
            "period_values": lambda c, p=p: reads.period_values(c, p),
            "histories": lambda c, p=p: reads.action_histories(c, p),
            "histories of leads": lambda c, p=p: reads.action_histories(c, p, pairs),
            "trend": lambda c, p=p, q=periods: reads.status_trend(c, keys, (), p, q),
            "trend of some": lambda c, p=p, q=periods: reads.status_trend(
                c, keys, inactive, p, q, pairs
            ),
            "answers": lambda c, p=p: reads.period_answers(c, p, frozenset()),
            "answers with partners": lambda c, p=p: reads.period_answers(c, p, frozenset(pairs)),
            "returns": lambda c, p=p: reads.returns_of(c, p),
            "last statuses": lambda c, p=p: reads.last_statuses(c, ids, lead, p, batch=7),
        }.items():
            assert call(local) == call(there), (name, p)
    # (a comparison of something: the last quarter's figures are there)
    assert len(reads.metric_values(there, "2025Q3", list(PERIODS))) > 5
    statuses, partners, commented = reads.period_answers(there, "2025Q3", frozenset(pairs))
    assert len(statuses) > 20 and len(partners) >= 3 and commented
    trend = reads.status_trend(there, keys, inactive, "2025Q3", list(PERIODS), pairs)
    whole = reads.status_trend(there, keys, (), "2025Q3", list(PERIODS))
    assert sum(trend["2025Q3"].values()) < sum(whole["2025Q3"].values())


def test_health_is_the_same_from_either_register(both):
    """The stale rule asked in SQL on SQLite and found from the answers on PostgreSQL."""
    programme, local, there = both
    flagged = 0
    for p in PERIODS:
        period = programme.settings.period(p)
        a, b = read_register(local, programme, period), read_register(there, programme, period)
        assert a == b, p
        flags = register_health(there, programme, period)
        assert flags == register_health(local, programme, period), p
        flagged += len(flags)
    assert flagged > 5


def _cells(path) -> dict[str, list[tuple]]:
    wb = load_workbook(path)
    try:
        return {ws.title: list(ws.iter_rows(values_only=True)) for ws in wb.worksheets}
    finally:
        wb.close()


def test_the_summary_and_the_chase_list_are_the_same_from_either_register(demo_ws, postgres_url):
    """`summary` and `status` with --database: what the embedded register gives, cell for
    cell and line for line."""
    copy_register(demo_ws / "roundtrip.db", postgres_url)
    run = CliRunner()
    shared_run = ["-w", str(demo_ws), "--database", postgres_url]
    for p in ("2025Q2", "2025Q3"):
        mine = run.invoke(main, ["-w", str(demo_ws), "summary", p, "-o", str(demo_ws / "a.xlsx")])
        assert mine.exit_code == 0, mine.output
        theirs = run.invoke(main, [*shared_run, "summary", p, "-o", str(demo_ws / "b.xlsx")])
        assert theirs.exit_code == 0, theirs.output
        a, b = _cells(demo_ws / "a.xlsx"), _cells(demo_ws / "b.xlsx")
        assert a == b, p
        assert sum(len(rows) for rows in a.values()) > 100
        mine = run.invoke(main, ["-w", str(demo_ws), "status", p])
        theirs = run.invoke(main, [*shared_run, "status", p])
        assert (theirs.exit_code, theirs.output) == (mine.exit_code, mine.output), p
        assert len(mine.output.splitlines()) > 5


def test_a_server_gone_while_reading_is_one_line(demo_ws, postgres_url):
    """A shared register that cannot be reached: `summary` and `status` say so in one line,
    without the password, and write nothing."""
    url = "postgresql+psycopg://someone:secret-word@127.0.0.1:1/nothing"
    run = CliRunner()
    for command in (["summary", "2025Q3", "-o", str(demo_ws / "x.xlsx")], ["status", "2025Q3"]):
        got = run.invoke(main, ["-w", str(demo_ws), "--database", url, *command])
        assert got.exit_code != 0
        lines = got.output.strip().splitlines()
        assert len(lines) == 1 and "cannot use the register" in lines[0], lines
        assert "secret-word" not in got.output
    assert not (demo_ws / "x.xlsx").exists()
