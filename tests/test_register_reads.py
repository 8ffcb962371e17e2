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
        mine = run.invoke(main, ["-w", str(demo_ws), "status", p])  # (its exit code: 1)
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


def test_the_register_workbook_is_the_same_from_either_register(demo_ws, postgres_url):
    """`register` with --database: every sheet cell for cell, as tables and streamed."""
    copy_register(demo_ws / "roundtrip.db", postgres_url)
    from roundtrip.register.workbook import write_register
    from roundtrip.workspace import Workspace

    ws = Workspace(demo_ws)
    for limit in (20_000, 10):  # (tables; streamed, its history made by a second process)
        a = write_register(ws, demo_ws / "a.xlsx", table_limit=limit, pool_min=1)
        b = write_register(
            ws, demo_ws / "b.xlsx", table_limit=limit, pool_min=1, database=postgres_url
        )
        mine, theirs = _cells(a), _cells(b)
        assert mine == theirs, limit
        assert sum(len(rows) for rows in mine.values()) > 200


def test_the_public_page_is_the_same_from_either_register(demo_ws, postgres_url):
    """`publish` with --database: every file of the site byte for byte."""
    import datetime as dt

    from roundtrip.publish.site import write_site
    from roundtrip.workspace import Workspace

    copy_register(demo_ws / "roundtrip.db", postgres_url)
    ws, at = Workspace(demo_ws), dt.datetime(2025, 10, 20, 12, 0, tzinfo=dt.UTC)
    a = write_site(ws, "2025Q3", demo_ws / "a", made_at=at)
    b = write_site(ws, "2025Q3", demo_ws / "b", made_at=at, database=postgres_url)
    files = sorted(f.relative_to(a) for f in a.rglob("*") if f.is_file())
    assert files == sorted(f.relative_to(b) for f in b.rglob("*") if f.is_file())
    assert len(files) > 3
    for f in files:
        assert (a / f).read_bytes() == (b / f).read_bytes(), f


def test_reminders_mailed_from_either_register_are_the_same_and_recorded_there(
    demo_ws, postgres_url
):
    """`mail --reminders` with --database: the same drafts as from the embedded register,
    and each recorded in the shared register (a second run then drafts none)."""
    import datetime as dt

    from roundtrip.mail.run import mail_period
    from roundtrip.register.mailings import mailings_of
    from roundtrip.workspace import Workspace

    copy_register(demo_ws / "roundtrip.db", postgres_url)
    ws = Workspace(demo_ws)
    now = dt.datetime(2025, 10, 30, 9, 0, tzinfo=dt.UTC)
    there = shared.connect(postgres_url)
    try:
        before = len(mailings_of(there, "2025Q3"))
        theirs = mail_period(ws, "2025Q3", reminders=True, now=now, database=postgres_url)
        drafts = sorted(o.draft.name for o in theirs.outcomes if o.draft)
        assert drafts, theirs.lines()
        for o in theirs.outcomes:
            if o.draft:
                o.draft.unlink()
        recorded = mailings_of(there, "2025Q3")
        assert len(recorded) == before + len(drafts)
        mine = mail_period(ws, "2025Q3", reminders=True, now=now)
        assert sorted(o.draft.name for o in mine.outcomes if o.draft) == drafts
        again = mail_period(ws, "2025Q3", reminders=True, now=now, database=postgres_url)
        assert not [o for o in again.outcomes if o.draft]
    finally:
        there.close()


def test_the_analysts_frames_are_the_same_from_either_register(demo_ws, postgres_url):
    """roundtrip.register.frames with database=URL: every frame equal to the embedded
    register's, column types and row order included."""
    pd = pytest.importorskip("pandas")
    from roundtrip.register import frames

    copy_register(demo_ws / "roundtrip.db", postgres_url)
    for name in ("answers", "metric_values", "submissions"):
        for period in (None, "2025Q2"):
            fn = getattr(frames, name)
            mine, theirs = fn(demo_ws, period), fn(demo_ws, period, database=postgres_url)
            assert len(mine) > 3, name
            pd.testing.assert_frame_equal(mine, theirs, check_dtype=True)
    mine = frames.health(demo_ws, "2025Q3")
    pd.testing.assert_frame_equal(mine, frames.health(demo_ws, "2025Q3", database=postgres_url))
    assert len(mine) > 3


def test_the_texts_kept_for_postgresql_are_the_statements_compiled():
    """reads_postgresql.TEXTS (no SQLAlchemy import on a shared register's reads) must be
    what SQLAlchemy makes of reads' statements; after changing one, write them anew:
    python -c "from roundtrip.register import reads;
    reads.write_compiled_texts('roundtrip/register/reads_postgresql.py')" """
    from roundtrip.register.reads_postgresql import TEXTS

    assert reads.compiled_texts() == TEXTS
