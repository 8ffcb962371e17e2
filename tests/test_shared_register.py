"""A register on PostgreSQL shared by several coordinators (issue 25): storing returns from
several processes at once loses or doubles none, supersession stays right, and what cannot be
used is one clear line. Real PostgreSQL (tests/conftest.py: skipped, with how to enable it,
where there is none)."""

from __future__ import annotations

import multiprocessing
import sqlite3

import pytest

from roundtrip.collect.outcome import ACCEPTED, ALREADY, WARNINGS
from roundtrip.collect.store import StoreRows, store_submission
from roundtrip.errors import WorkspaceError
from roundtrip.register import shared
from roundtrip.register.submissions import StoredMeanwhile, secret, stored_hashes
from tests.registers import copy_register


def _rows(dept: str, progress: int) -> StoreRows:
    return StoreRows(
        department_id=dept,
        period="2025Q3",
        programme_version="v1",
        generated_at="2025-09-30T12:00:00Z",
        signer="Matti",
        problems=(),
        answers=(
            ("P1-01", "on_track", progress, "Etenee – ”hyvin”", "Toimenpiteet", "K4", "L4", "M4"),
            ("P1-02", None, None, None, "Toimenpiteet", "K5", "L5", "M5"),
        ),
        metric_values=(("P1-01", "P1-01-M1", "count", 12.0, "12", None, "Mittarit", "K5", "L5"),),
        plan_completions=(("P1-02", "schedule", "Syksy 2025", "Toimenpiteet", "E5"),),
        proposals=(("P1", "Idea", "", "", "", "", "Ehdotukset", 4),),
    )


def _store_all(url: str, jobs: list, barrier=None, out=None) -> list[tuple[str, str, int]]:
    """(In a process of its own, as a second coordinator's collect is) store each job
    (department, content hash, received at, progress): (hash, "stored" or "meanwhile", id).
    With `barrier`, all the processes start storing at the same moment; with `out` (a queue)
    the result is put there."""
    conn = shared.connect(url)
    got = []
    try:
        if barrier is not None:
            barrier.wait(timeout=60)
        for dept, digest, received, progress in jobs:
            try:
                sid = store_submission(
                    conn,
                    _rows(dept, progress),
                    content_hash=digest,
                    original_name=f"{dept}.xlsx",
                    archive_path=f"archive/2025Q3/{digest}.xlsx",
                    received_at=received,
                    collected_at="2025-10-10T09:00:00Z",
                )
                got.append((digest, "stored", sid))
            except StoredMeanwhile as exc:
                got.append((digest, "meanwhile", exc.submission_id))
    finally:
        conn.close()
    if out is not None:
        out.put(got)
    return got


def _at_once(url: str, *job_lists: list) -> list[list[tuple[str, str, int]]]:
    """Each job list stored by a process of its own, all starting at the same moment
    (spawned: as on Windows, and in the emulation)."""
    shared.connect(url).close()  # (the register made first: the processes race to store)
    ctx = multiprocessing.get_context("spawn")
    barrier = ctx.Barrier(len(job_lists))
    queues = [ctx.Queue() for _ in job_lists]
    procs = [
        ctx.Process(target=_store_all, args=(url, jobs, barrier, q))
        for jobs, q in zip(job_lists, queues, strict=True)
    ]
    for p in procs:
        p.start()
    try:
        return [q.get(timeout=120) for q in queues]
    finally:
        for p in procs:
            p.join(timeout=60)


def _count(conn, sql: str) -> int:
    return conn.execute(sql).fetchone()[0]


def test_two_coordinators_store_different_departments_at_once(postgres_url):
    first = [(f"D{i:02}", f"h{i:02}", "2025-10-01T08:00:00Z", i) for i in range(40)]
    second = [(f"D{i:02}", f"h{i:02}", "2025-10-01T08:00:00Z", i) for i in range(40, 80)]
    got = _at_once(postgres_url, first, second)
    assert [len(g) for g in got] == [40, 40]
    assert {kind for g in got for _h, kind, _s in g} == {"stored"}
    conn = shared.connect(postgres_url)
    try:
        assert _count(conn, "SELECT COUNT(*) FROM submissions") == 80
        assert _count(conn, "SELECT COUNT(*) FROM current_submissions") == 80
        assert _count(conn, "SELECT COUNT(*) FROM answers") == 160
        assert _count(conn, "SELECT COUNT(*) FROM metric_values") == 80
        assert _count(conn, "SELECT COUNT(DISTINCT department_id) FROM v_current_answers") == 80
        assert stored_hashes(conn) == {f"h{i:02}" for i in range(80)}
        got_comment = conn.execute(
            "SELECT comment FROM answers a JOIN submissions s ON s.id = a.submission_id "
            "WHERE s.department_id = 'D07' AND a.action_id = 'P1-01'"
        ).fetchone()[0]
        assert got_comment == "Etenee – ”hyvin”"
    finally:
        conn.close()


def test_two_coordinators_store_the_same_files_once(postgres_url):
    jobs = [(f"D{i:02}", f"h{i:02}", "2025-10-01T08:00:00Z", i) for i in range(40)]
    got = _at_once(postgres_url, jobs, list(reversed(jobs)))
    outcomes: dict[str, list[str]] = {}
    ids: dict[str, set[int]] = {}
    for g in got:
        for digest, kind, sid in g:
            outcomes.setdefault(digest, []).append(kind)
            ids.setdefault(digest, set()).add(sid)
    assert all(sorted(k) == ["meanwhile", "stored"] for k in outcomes.values()), outcomes
    assert all(len(s) == 1 for s in ids.values())  # both name the one stored submission
    conn = shared.connect(postgres_url)
    try:
        assert _count(conn, "SELECT COUNT(*) FROM submissions") == 40
        assert _count(conn, "SELECT COUNT(*) FROM answers") == 80
        assert _count(conn, "SELECT COUNT(*) FROM problems") == 0
    finally:
        conn.close()


def test_one_department_from_two_coordinators_keeps_one_current_return(postgres_url):
    """Two hundred returns of one department at once, received at different times: the newest is
    the one current return, whichever coordinator stored it and in whatever order."""
    times = [f"2025-10-{d:02}T{h:02}:00:00Z" for d in range(1, 21) for h in range(10)]
    first = [("YEP", f"h{i:03}", times[i], i) for i in range(0, 200, 2)]
    second = [("YEP", f"h{i:03}", times[i], i) for i in range(199, 0, -2)]
    _at_once(postgres_url, first, second)
    conn = shared.connect(postgres_url)
    try:
        current = conn.execute(
            "SELECT content_hash FROM submissions WHERE superseded_by IS NULL"
        ).fetchall()
        assert [r[0] for r in current] == ["h199"]
        assert _count(conn, "SELECT COUNT(*) FROM submissions") == 200
        # every other return points at a return that is newer, or as new and stored later
        rows = conn.execute(
            "SELECT s.received_at, t.received_at FROM submissions s "
            "JOIN submissions t ON t.id = s.superseded_by"
        ).fetchall()
        assert len(rows) == 199 and all(newer >= older for older, newer in rows)
    finally:
        conn.close()


def test_every_coordinator_signs_with_the_one_secret(postgres_url):
    a, b = shared.connect(postgres_url), shared.connect(postgres_url)
    try:
        assert secret(a) == secret(b) and len(secret(a)) == 32
    finally:
        a.close()
        b.close()


def test_a_return_that_breaks_a_constraint_stores_nothing(postgres_url):
    conn = shared.connect(postgres_url)
    try:
        bad = _rows("YEP", 10)
        twice = StoreRows(**{**bad.__dict__, "answers": bad.answers[:1] * 2})
        with pytest.raises(shared_integrity_error()):
            _store_all_on(conn, twice)
        assert _count(conn, "SELECT COUNT(*) FROM submissions") == 0
        assert _count(conn, "SELECT COUNT(*) FROM answers") == 0
    finally:
        conn.close()


def shared_integrity_error():
    import psycopg

    return psycopg.IntegrityError


def _store_all_on(conn, rows: StoreRows) -> int:
    return store_submission(
        conn,
        rows,
        content_hash="h1",
        original_name="a.xlsx",
        archive_path="archive/a.xlsx",
        received_at="2025-10-01T08:00:00Z",
        collected_at="2025-10-10T09:00:00Z",
    )


def test_an_unreachable_server_is_one_line_without_the_password():
    url = "postgresql+psycopg://coordinator:sal4sana@127.0.0.1:1/roundtrip?connect_timeout=3"
    with pytest.raises(WorkspaceError) as got:
        shared.connect(url)
    line = str(got.value)
    assert "\n" not in line and "sal4sana" not in line
    assert line.startswith(
        "cannot use the register postgresql+psycopg://coordinator:***@127.0.0.1:1"
    )


def test_a_url_that_is_not_postgresql_is_refused():
    for url in ("mysql://x@y/z", "not a url"):
        with pytest.raises(WorkspaceError, match="postgresql\\+psycopg://USER@HOST/DATABASE"):
            shared.connect(url)


def test_wrong_credentials_are_one_line(postgres_url):
    scheme, rest = postgres_url.split("://", 1)
    url = f"{scheme}://no_such_coordinator@{rest.split('@', 1)[1]}"
    with pytest.raises(WorkspaceError, match="no_such_coordinator") as got:
        shared.connect(url)
    assert "\n" not in str(got.value)


def test_a_database_of_something_else_is_refused_and_left_alone(postgres_url, postgres):
    from sqlalchemy import text

    with postgres.begin() as c:
        c.execute(text("CREATE TABLE invoices (id INTEGER PRIMARY KEY)"))
    with pytest.raises(WorkspaceError, match="other tables"):
        shared.connect(postgres_url)
    from sqlalchemy import inspect

    assert inspect(postgres).get_table_names() == ["invoices"]


def test_a_register_at_another_revision_is_refused(postgres_url):
    conn = shared.connect(postgres_url)
    conn.execute("UPDATE alembic_version SET version_num = '0099'")
    conn.close()
    with pytest.raises(WorkspaceError, match="schema 0099"):
        shared.connect(postgres_url)


def test_an_older_shared_register_is_upgraded_in_one_transaction_and_keeps_every_row(
    demo_ws, postgres_url, capfd
):
    """A shared register at revision 0001 (the demo's rows in it, without the analysts'
    views) is upgraded by the first connection, keeping every row; a failing upgrade leaves
    it at 0001, views and rows as they were."""
    from roundtrip.register.migrations.views import VIEWS_V2

    copy_register(demo_ws / "roundtrip.db", postgres_url)
    conn = shared.connect(postgres_url)
    tables = ("submissions", "answers", "metric_values", "problems", "mailings", "meta")
    for name in VIEWS_V2:
        conn.execute(f"DROP VIEW {name}")
    conn.execute("DROP VIEW current_submissions")  # (over every column of submissions)
    conn.execute("DROP TABLE programme_versions")  # (what 0003 adds)
    conn.execute("ALTER TABLE submissions DROP COLUMN archived_in")
    conn.execute("CREATE VIEW current_submissions AS "
                 "SELECT * FROM submissions WHERE superseded_by IS NULL")  # fmt: skip
    every = {t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}"))) for t in tables}
    conn.execute("UPDATE alembic_version SET version_num = '0001'")

    def views() -> set[str]:
        return {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.views "
                "WHERE table_schema = current_schema()"
            )
        }

    assert views() == {"current_submissions"}
    # A view in the way that the upgrade cannot replace (another table's name): it fails and
    # leaves everything as it was.
    conn.execute("CREATE TABLE v_submissions (x int)")
    with pytest.raises(WorkspaceError, match="cannot use the register"):
        shared.connect(postgres_url)
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0001"
    assert views() == {"current_submissions"}
    conn.execute("DROP TABLE v_submissions")
    capfd.readouterr()

    shared.connect(postgres_url).close()
    assert "schema 0001 to 0003" in capfd.readouterr().err
    assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == "0003"
    assert views() == {"current_submissions", *VIEWS_V2}
    after = {t: sorted(map(tuple, conn.execute(f"SELECT * FROM {t}"))) for t in tables}
    after["submissions"] = [r[:-1] for r in after["submissions"]]  # (archived_in: '')
    assert after == every
    assert conn.execute("SELECT COUNT(*) FROM programme_versions").fetchone()[0] == 0
    assert conn.execute("SELECT COUNT(*) FROM v_current_answers").fetchone()[0] > 20
    shared.connect(postgres_url).close()  # (at the newest now: nothing said)
    assert "Upgraded" not in capfd.readouterr().err
    conn.close()


def test_sqlite_registers_store_as_before(tmp_path):
    """The same module on the embedded register (the driver's own connection)."""
    from roundtrip.register import db

    conn = db.connect(tmp_path / "roundtrip.db")
    try:
        assert isinstance(conn, sqlite3.Connection)
        sid = _store_all_on(conn, _rows("YEP", 10))
        assert (
            conn.execute("SELECT COUNT(*) FROM answers WHERE submission_id = ?", (sid,)).fetchone()[
                0
            ]
            == 2
        )
        first = secret(conn)  # (made now; asked again, the stored one)
        assert len(first) == 32 and secret(conn) == first
    finally:
        conn.close()


def _collect(root: str, period: str, url: str, barrier=None, out=None) -> None:
    """(In a process of its own) one coordinator's `collect` into the shared register."""
    from pathlib import Path

    from roundtrip.collect.run import collect_period
    from roundtrip.workspace import Workspace

    if barrier is not None:
        barrier.wait(timeout=60)
    result = collect_period(Workspace(Path(root)), period, database=url)
    got = sorted((o.name, o.verdict) for o in result.files)
    if out is not None:
        out.put(got)


def test_two_workspaces_collect_into_one_register_at_once(aura_base, tmp_path, postgres_url):
    """Two coordinators' workspaces of one programme: each collects its departments' returns
    at the same moment, then one collects all of them again; every return is stored once."""
    import shutil

    from roundtrip.register import db
    from roundtrip.returns.generate import generate_period
    from roundtrip.workspace import Workspace
    from tests.corpus.build import NOW, PERIOD

    roots = [tmp_path / "north", tmp_path / "south"]
    for root in roots:
        shutil.copytree(aura_base, root)
    # One coordinator generates the period's workbooks, signed with the shared register's
    # secret (the register is made by the first command that opens it).
    made = generate_period(Workspace(roots[0]), PERIOD, now=NOW, database=postgres_url)
    sent = sorted(made.outbox.glob("*.xlsx"))
    assert len(sent) >= 4
    halves = (sent[::2], sent[1::2])
    for root, files in zip(roots, halves, strict=True):
        (root / "inbox" / PERIOD).mkdir(parents=True, exist_ok=True)
        for f in files:  # returned as sent (nothing filled in): read, validated, stored
            shutil.copy2(f, root / "inbox" / PERIOD / f.name)
    ctx = multiprocessing.get_context("spawn")
    barrier, queues = ctx.Barrier(2), [ctx.Queue(), ctx.Queue()]
    procs = [
        ctx.Process(target=_collect, args=(str(root), PERIOD, postgres_url, barrier, q))
        for root, q in zip(roots, queues, strict=True)
    ]
    for p in procs:
        p.start()
    got = [q.get(timeout=60) for q in queues]
    for p in procs:
        p.join(timeout=60)
    for files, outcomes in zip(halves, got, strict=True):
        assert [name for name, _v in outcomes] == sorted(f.name for f in files)
        assert {v for _name, v in outcomes} <= {ACCEPTED, WARNINGS}, outcomes

    for f in halves[0]:  # the north's files reach the south too: already stored, not again
        shutil.copy2(f, roots[1] / "inbox" / PERIOD / f.name)
    again: list = []
    _collect(str(roots[1]), PERIOD, postgres_url, out=_ListQueue(again))
    verdicts = dict(again[0])
    assert {verdicts[f.name] for f in halves[0]} == {ALREADY}
    assert {verdicts[f.name] for f in halves[1]} == {ALREADY}

    conn = shared.connect(postgres_url)
    try:
        assert _count(conn, "SELECT COUNT(*) FROM submissions") == len(sent)
        assert _count(conn, "SELECT COUNT(*) FROM current_submissions") == len(sent)
        stored = _count(conn, "SELECT COUNT(DISTINCT department_id) FROM v_current_answers")
        assert stored == len(sent)
        assert _count(conn, "SELECT COUNT(*) FROM answers") > 0
    finally:
        conn.close()
    # The workspaces' own registers were not written to.
    for root in roots:
        local = db.connect(root / "roundtrip.db")
        assert local.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0
        local.close()


class _ListQueue:
    def __init__(self, into: list) -> None:
        self.into = into

    def put(self, item) -> None:
        self.into.append(item)


def _one_workspace(aura_base, tmp_path, url: str):
    """An Aura workspace with its period's returns in the inbox (as sent), generated on the
    shared register at `url` (signed with its secret)."""
    import shutil

    from roundtrip.returns.generate import generate_period
    from roundtrip.workspace import Workspace
    from tests.corpus.build import NOW, PERIOD

    root = tmp_path / "ws"
    shutil.copytree(aura_base, root)
    made = generate_period(Workspace(root), PERIOD, now=NOW, database=url)
    sent = sorted(made.outbox.glob("*.xlsx"))
    (root / "inbox" / PERIOD).mkdir(parents=True, exist_ok=True)
    for f in sent:
        shutil.copy2(f, root / "inbox" / PERIOD / f.name)
    return Workspace(root), PERIOD, sent


def test_a_user_who_may_only_read_is_one_line_and_stores_nothing(aura_base, tmp_path, postgres_url):
    """A coordinator given a read-only login: one line, nothing stored; with a login that may
    write, the same collect stores every return."""
    import uuid
    from urllib.parse import quote

    from roundtrip.collect.run import collect_period

    ws, period, sent = _one_workspace(aura_base, tmp_path, postgres_url)
    reader = f"reader_{uuid.uuid4().hex[:8]}"
    owner = shared.connect(postgres_url)
    schema = owner.execute("SELECT current_schema()").fetchone()[0]
    owner.execute(f'CREATE ROLE "{reader}"')
    owner.execute(f'GRANT USAGE ON SCHEMA "{schema}" TO "{reader}"')
    owner.execute(f'GRANT SELECT ON ALL TABLES IN SCHEMA "{schema}" TO "{reader}"')
    try:
        read_only = postgres_url + quote(f" -crole={reader}")  # (the options: search_path too)
        with pytest.raises(WorkspaceError) as got:
            collect_period(ws, period, database=read_only)
        line = str(got.value)
        assert "\n" not in line and "permission denied" in line and "run collect again" in line
        assert _count(owner, "SELECT COUNT(*) FROM submissions") == 0
        assert _count(owner, "SELECT COUNT(*) FROM answers") == 0

        result = collect_period(ws, period, database=postgres_url)
        assert result.count(ACCEPTED, WARNINGS) == len(sent)
        assert _count(owner, "SELECT COUNT(*) FROM submissions") == len(sent)
    finally:
        owner.execute(f'DROP OWNED BY "{reader}"')
        owner.execute(f'DROP ROLE "{reader}"')
        owner.close()


def test_a_big_collect_leaves_the_planner_statistics_fresh(aura_base, tmp_path, postgres_url):
    """The first collect into a shared register refreshes its tables' statistics (else the
    next command's queries run planned blind until autovacuum comes); a collect that adds
    nothing, or a tenth or less of the register, leaves them to autovacuum."""
    from roundtrip.collect.run import collect_period
    from roundtrip.register.submissions import after_storing

    ws, period, sent = _one_workspace(aura_base, tmp_path, postgres_url)
    conn = shared.connect(postgres_url)
    try:
        stats = (
            "SELECT t.relname, t.last_analyze, c.reltuples FROM pg_stat_user_tables t "
            "JOIN pg_class c ON c.oid = t.relid "
            "WHERE t.relname IN ('submissions', 'answers') AND t.schemaname = current_schema()"
        )
        assert {r[0]: r[1] for r in conn.execute(stats)} == {"submissions": None, "answers": None}
        collect_period(ws, period, database=postgres_url)
        first = {r[0]: (r[1], r[2]) for r in conn.execute(stats)}
        assert first["submissions"][1] == len(sent)
        assert first["answers"][1] == _count(conn, "SELECT COUNT(*) FROM answers") > 0
        collect_period(ws, period, database=postgres_url)  # (every file stored already)
        assert {r[0]: (r[1], r[2]) for r in conn.execute(stats)} == first
        assert not after_storing(conn, len(sent) // 10)
        assert after_storing(conn, len(sent) // 10 + 1)
    finally:
        conn.close()


def test_a_connection_dropped_before_the_commit_stores_nothing_and_a_retry_stores_it(
    postgres_url,
):
    conn = shared.connect(postgres_url)
    admin = shared.connect(postgres_url)
    try:
        admin.execute("SELECT pg_terminate_backend(%s)", (conn.info.backend_pid,))
        import psycopg

        with pytest.raises(psycopg.OperationalError):
            _store_all_on(conn, _rows("YEP", 10))
        assert _count(admin, "SELECT COUNT(*) FROM submissions") == 0
        again = shared.connect(postgres_url)
        _store_all_on(again, _rows("YEP", 10))
        again.close()
        assert _count(admin, "SELECT COUNT(*) FROM submissions") == 1
        assert _count(admin, "SELECT COUNT(*) FROM answers") == 2
    finally:
        conn.close()
        admin.close()


def _previous(prev) -> tuple[dict, dict, dict]:
    return dict(prev.actions.items()), dict(prev.metrics.items()), dict(prev.shared)


def test_the_last_answers_on_postgresql_are_the_sqlite_ones(demo_ws, postgres_url):
    """The demo's three collected quarters in both registers: the last answers a next
    workbook shows (every department, and a few) are the same from either."""
    from roundtrip.programme.workbook import load_programme
    from roundtrip.register import db
    from roundtrip.register.history import last_answers

    copy_register(demo_ws / "roundtrip.db", postgres_url)
    programme = load_programme(demo_ws / "programme.xlsx")
    local, there = db.connect(demo_ws / "roundtrip.db"), shared.connect(postgres_url)
    try:
        depts = [d.id for d in programme.departments]
        for period in ("2025Q2", "2025Q3", "2025Q4"):
            before = programme.settings.period(period)
            for chosen in (None, depts[:2], []):
                a = _previous(last_answers(local, programme, before, chosen))
                b = _previous(last_answers(there, programme, before, chosen))
                assert a == b, (period, chosen)
        whole = _previous(last_answers(there, programme, programme.settings.period("2025Q4")))
        assert len(whole[0]) > 20 and len(whole[1]) > 5  # (a comparison of something)
    finally:
        local.close()
        there.close()


def test_the_command_line_generates_and_collects_on_a_shared_register(
    aura_base, tmp_path, postgres_url
):
    """`--database` (or ROUNDTRIP_DATABASE_URL): generate and collect use the shared register
    (the commands that read it: tests/test_register_reads.py), the workspace's own register
    is left empty."""
    import shutil

    from click.testing import CliRunner

    from roundtrip.cli import main
    from roundtrip.register import db
    from tests.corpus.build import PERIOD

    root = tmp_path / "ws"
    shutil.copytree(aura_base, root)
    run = CliRunner()
    got = run.invoke(main, ["-w", str(root), "--database", postgres_url, "generate", PERIOD])
    assert got.exit_code == 0, got.output
    inbox = root / "inbox" / PERIOD
    inbox.mkdir(parents=True, exist_ok=True)
    sent = sorted((root / "outbox" / PERIOD).glob("*.xlsx"))
    for f in sent:
        shutil.copy2(f, inbox / f.name)
    got = run.invoke(
        main, ["-w", str(root), "collect", PERIOD], env={"ROUNDTRIP_DATABASE_URL": postgres_url}
    )
    assert got.exit_code == 0, got.output
    conn = shared.connect(postgres_url)
    try:
        assert _count(conn, "SELECT COUNT(*) FROM current_submissions") == len(sent)
    finally:
        conn.close()
    local = db.connect(root / "roundtrip.db")
    assert local.execute("SELECT COUNT(*) FROM submissions").fetchone()[0] == 0
    local.close()

    # The chase list from the shared register has every return; the workspace's own, none.
    theirs = run.invoke(main, ["-w", str(root), "--database", postgres_url, "status", PERIOD])
    mine = run.invoke(main, ["-w", str(root), "status", PERIOD])
    assert (theirs.exit_code, mine.exit_code) == (0, 1), (theirs.output, mine.output)


def test_without_the_driver_installed_it_says_how_to_install_it(aura_ws, monkeypatch):
    """`pip install roundtrip` has no PostgreSQL driver: --database says what to install."""
    import sys

    from click.testing import CliRunner

    from roundtrip.cli import main

    monkeypatch.setitem(sys.modules, "psycopg", None)  # (import psycopg: ImportError)
    url = "postgresql+psycopg://koordinaattori@tietokanta/roundtrip"
    got = CliRunner().invoke(
        main, ["-w", str(aura_ws.root), "--database", url, "collect", "2025Q3"]
    )
    assert got.exit_code != 0
    lines = got.output.strip().splitlines()
    assert len(lines) == 1 and "pip install 'roundtrip[postgres]'" in lines[0], lines
