"""The register's record of what was mailed (register/mailings.py) and `status` showing it.

On a real roundtrip.db: messages recorded, the latest per department and kind, an old
register (made before the table existed) gaining the table when opened, and the chase list's
"Last mail" column in each console language.
"""

from __future__ import annotations

import datetime as dt
import sqlite3

import pytest
from click.testing import CliRunner
from registry_builder import RegistryBuilder

from roundtrip.cli import main
from roundtrip.programme.workbook import load_programme
from roundtrip.register.db import connect
from roundtrip.register.mailings import KINDS, Mailing, last_mailed, mailings_of, record
from roundtrip.register.status import period_status

PERIOD = "2025Q3"  # deadline 14.10.2025
UTC = dt.UTC


def at(day: int, hour: int = 12) -> dt.datetime:
    return dt.datetime(2025, 10, day, hour, 0, tzinfo=UTC)


def test_record_and_read_back(tmp_path):
    conn = connect(tmp_path / "roundtrip.db")
    record(conn, "SIV", PERIOD, "request", at(1), "draft", "sivistys@aura.example", "mail/a.eml")
    record(conn, "SIV", PERIOD, "late", at(16), "sent", "sivistys@aura.example")
    helsinki = dt.timezone(dt.timedelta(hours=3))
    record(conn, "SIV", PERIOD, "late", dt.datetime(2025, 10, 21, 9, 30, tzinfo=helsinki), "sent",
           "sivistys@aura.example")  # fmt: skip
    record(conn, "HAL", PERIOD, "rejected", at(18), "draft", "hallinto@aura.example")
    record(conn, "HAL", "2025Q2", "late", at(25), "sent", "hallinto@aura.example")
    conn.close()

    conn = connect(tmp_path / "roundtrip.db")  # stored: seen by a new connection
    got = last_mailed(conn, PERIOD)
    assert got == {
        ("SIV", "request"): at(1),
        ("SIV", "late"): dt.datetime(2025, 10, 21, 6, 30, tzinfo=UTC),
        ("HAL", "rejected"): at(18),
    }
    assert all(t.tzinfo is UTC for t in got.values())
    mails = mailings_of(conn, PERIOD)
    assert [(m.department_id, m.kind, m.at.day) for m in mails] == [
        ("SIV", "request", 1),
        ("SIV", "late", 16),
        ("HAL", "rejected", 18),
        ("SIV", "late", 21),
    ]
    assert mails[0] == Mailing(
        "SIV", PERIOD, "request", at(1), "draft", "sivistys@aura.example", "mail/a.eml"
    )
    assert mails[1].path == "" and mails[1].how == "sent"
    stored = conn.execute("SELECT at FROM mailings ORDER BY id").fetchall()
    assert stored[2]["at"] == "2025-10-21T06:30:00+00:00"  # ISO, in UTC
    assert last_mailed(conn, "2024Q1") == {} and mailings_of(conn, "2024Q1") == []
    conn.close()


def test_record_refuses_what_is_no_mailing(tmp_path):
    conn = connect(tmp_path / "roundtrip.db")
    assert KINDS == ("request", "before", "late", "rejected")
    with pytest.raises(ValueError, match="kind"):
        record(conn, "SIV", PERIOD, "reminder", at(1), "draft", "a@b.fi")
    with pytest.raises(ValueError, match="draft"):
        record(conn, "SIV", PERIOD, "late", at(1), "queued", "a@b.fi")
    with pytest.raises(ValueError, match="timezone"):
        record(conn, "SIV", PERIOD, "late", dt.datetime(2025, 10, 1), "sent", "a@b.fi")
    assert mailings_of(conn, PERIOD) == []
    conn.close()


def test_the_caller_owns_the_transaction(tmp_path):
    """record() neither begins nor commits: inside the caller's transaction, a rollback takes
    it back; on its own (the register connection autocommits) it is stored at once."""
    path = tmp_path / "roundtrip.db"
    conn = connect(path)
    conn.execute("BEGIN IMMEDIATE")
    record(conn, "SIV", PERIOD, "late", at(16), "sent", "a@b.fi")
    record(conn, "HAL", PERIOD, "late", at(16), "sent", "c@d.fi")
    assert conn.in_transaction
    conn.execute("ROLLBACK")
    assert mailings_of(conn, PERIOD) == []
    record(conn, "SIV", PERIOD, "late", at(17), "sent", "a@b.fi")
    assert not conn.in_transaction
    other = connect(path)
    assert last_mailed(other, PERIOD) == {("SIV", "late"): at(17)}
    other.close()
    conn.close()


def old_register(path) -> None:
    """A roundtrip.db as every register made before issue 23: no mailings table (and, as
    before issue 25, no migrations: no alembic_version table, no analysts' views)."""
    conn = connect(path)
    conn.execute("DROP INDEX mailings_period")
    conn.execute("DROP TABLE mailings")
    conn.execute("DROP TABLE alembic_version")
    for view in ("v_current_answers", "v_metric_values", "v_submissions"):
        conn.execute(f"DROP VIEW {view}")
    conn.close()
    check = sqlite3.connect(path)
    assert not check.execute("SELECT name FROM sqlite_master WHERE name = 'mailings'").fetchall()
    check.close()


def test_an_old_register_gains_the_table_when_opened(tmp_path):
    path = tmp_path / "roundtrip.db"
    reg = RegistryBuilder(path)
    reg.submission("SIV", PERIOD, "2025-10-02T09:00:00")
    reg.close()
    old_register(path)
    # read-only (as status opens it): nothing mailed, no error
    ro = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    assert mailings_of(ro, PERIOD) == [] and last_mailed(ro, PERIOD) == {}
    ro.close()
    conn = connect(path)
    assert conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0] == "1"
    record(conn, "SIV", PERIOD, "request", at(1), "draft", "a@b.fi")
    assert last_mailed(conn, PERIOD) == {("SIV", "request"): at(1)}
    assert conn.execute("SELECT count(*) FROM submissions").fetchone()[0] == 1  # kept
    conn.close()


# ----------------------------------------------------------------------------- status


@pytest.fixture
def ws(aura_ws):
    return aura_ws


def departments(ws) -> list[str]:
    p = load_programme(ws.programme_path)
    return [d.id for d in p.departments if p.actions_of(d.id)]


def mail(ws, *rows) -> None:
    conn = connect(ws.db_path)
    for dept, kind, when in rows:
        record(conn, dept, PERIOD, kind, when, "draft", f"{dept.lower()}@aura.example")
    conn.close()


def test_status_shows_the_last_mail_of_each_department(ws):
    a, b, c = departments(ws)[:3]
    reg = RegistryBuilder(ws.db_path)
    reg.submission(c, PERIOD, "2025-10-10T09:00:00")
    reg.close()
    mail(
        ws,
        (a, "request", at(1)),
        (a, "before", at(13)),
        (a, "late", at(21)),
        (b, "request", at(1)),
        (c, "request", at(1)),
        (a, "request", at(2)),  # recorded later, but not the latest
    )
    mail_other_period = connect(ws.db_path)
    record(mail_other_period, b, "2025Q2", "late", at(30), "sent", "b@aura.example")
    mail_other_period.close()

    rep = period_status(ws, PERIOD, today=dt.date(2025, 10, 22))
    by = {r.department_id: r for r in rep.rows}
    assert (by[a].mailed_kind, by[a].mailed_at) == ("late", at(21))
    assert (by[b].mailed_kind, by[b].mailed_at) == ("request", at(1))
    assert by[c].state == "returned" and by[c].mailed() == "request Oct 1, 2025"
    assert by[a].mailed() == "reminder Oct 21, 2025"
    d = departments(ws)[3]
    assert by[d].mailed() == "" and by[d].mailed_at is None

    lines = rep.lines()
    head = lines[0].split()
    assert head[:6] == ["Department", "State", "Received", "By", "Days", "late"]
    assert lines[0].index("Last mail") < lines[0].index("Note")
    row_a = next(line for line in lines if line.startswith(a + " "))
    assert "missing" in row_a and "reminder Oct 21, 2025" in row_a
    col = lines[0].index("Last mail")
    assert row_a[col:].startswith("reminder Oct 21, 2025")
    row_d = next(line for line in lines if line.startswith(d + " "))
    assert row_d[col:].strip() == ""
    assert rep.exit_code == 1  # the mailings change no state


def test_without_mailings_the_chase_list_is_as_before(ws):
    rep = period_status(ws, PERIOD, today=dt.date(2025, 10, 20))
    lines = rep.lines()
    # (Health: Aura's P2-02 and P2-05 are overdue, their schedules having ended in 2024)
    assert lines[0].split() == [
        "Department", "State", "Received", "By", "Days", "late", "Health", "Note"
    ]  # fmt: skip
    assert "Last mail" not in "\n".join(lines)
    # another period's mailing does not add the column either
    conn = connect(ws.db_path)
    record(conn, departments(ws)[0], "2025Q2", "late", at(1), "sent", "a@aura.example")
    conn.close()
    assert period_status(ws, PERIOD, today=dt.date(2025, 10, 20)).lines() == lines


def test_status_reads_an_old_register(ws):
    dept = departments(ws)[0]
    reg = RegistryBuilder(ws.db_path)
    reg.submission(dept, PERIOD, "2025-10-02T09:00:00")
    reg.close()
    old_register(ws.db_path)
    rep = period_status(ws, PERIOD, today=dt.date(2025, 10, 20))
    assert rep.rows[0].state == "returned" and rep.rows[0].mailed_kind == ""
    assert "Last mail" not in rep.lines()[0]


@pytest.mark.parametrize(
    ("language", "head", "words"),
    [
        (
            "fi",
            "Viimeisin viesti",
            {
                "request": "pyyntö 1.10.2025",
                "before": "muistutus ennen määräaikaa 13.10.2025",
                "late": "muistutus 21.10.2025",
                "rejected": "korjauspyyntö 18.10.2025",
            },
        ),
        (
            "sv",
            "Senaste meddelande",
            {
                "request": "begäran 1.10.2025",
                "before": "påminnelse före sista dagen 13.10.2025",
                "late": "påminnelse 21.10.2025",
                "rejected": "begäran om rättelse 18.10.2025",
            },
        ),
        (
            "en",
            "Last mail",
            {
                "request": "request Oct 1, 2025",
                "before": "reminder before the deadline Oct 13, 2025",
                "late": "reminder Oct 21, 2025",
                "rejected": "correction request Oct 18, 2025",
            },
        ),
    ],
)
def test_the_last_mail_in_the_console_language(ws, language, head, words):
    from roundtrip.language import pin_console_language

    depts = departments(ws)[:4]
    days = {"request": 1, "before": 13, "late": 21, "rejected": 18}
    mail(ws, *((d, k, at(days[k])) for d, k in zip(depts, KINDS, strict=True)))
    pin_console_language(language)
    lines = period_status(ws, PERIOD, today=dt.date(2025, 10, 22)).lines()
    assert head in lines[0]
    for dept, kind in zip(depts, KINDS, strict=True):
        row = next(line for line in lines if line.startswith(dept + " "))
        assert words[kind] in row, (row, words[kind])


def test_cli_status_shows_the_last_mail(ws):
    dept = departments(ws)[1]
    mail(ws, (dept, "late", at(21)))
    result = CliRunner().invoke(main, ["-w", str(ws.root), "status", PERIOD])
    assert result.exit_code == 1
    assert "Last mail" in result.output
    row = next(line for line in result.output.splitlines() if line.startswith(dept + " "))
    assert "reminder Oct 21, 2025" in row
