"""What was mailed to each department: the register's `mailings` table (roundtrip mail).

One row per message: a request for a period's return, a reminder before or after the
deadline, or a request to correct a rejected file, either written as a draft (.eml) or sent
through SMTP. `roundtrip mail` reads it so as not to repeat a reminder of the same kind within
the programme's reminder_gap_days; `roundtrip status` shows each department's latest.

The table is created by db.SCHEMA (CREATE TABLE IF NOT EXISTS), so a register made before it
existed gains it when next opened with db.connect. A register opened read-only (status) may
still lack it: the readers here then find nothing mailed.

Moments are stored as ISO 8601 text in UTC and come back as timezone-aware UTC datetimes.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from dataclasses import dataclass
from typing import Any

from roundtrip.language import C_, Message

KINDS = ("request", "before", "late", "rejected")
HOWS = ("draft", "sent")
# What a person calls each kind (`tr(language, KIND_WORDS[kind])`).
KIND_WORDS: dict[str, Message] = {
    "request": C_("mailing kind", "request"),
    "before": C_("mailing kind", "reminder before the deadline"),
    "late": C_("mailing kind", "reminder"),
    "rejected": C_("mailing kind", "correction request"),
}


@dataclass(frozen=True)
class Mailing:
    department_id: str
    period: str
    kind: str  # one of KINDS
    at: dt.datetime  # timezone-aware, UTC
    how: str  # one of HOWS
    recipient: str
    path: str = ""  # the draft written ("" when none)


def record(
    conn: Any,
    department_id: str,
    period: str,
    kind: str,
    at: dt.datetime,
    how: str,
    recipient: str,
    path: str = "",
) -> None:
    """Record one message drafted or sent: a single INSERT.

    It neither begins nor commits a transaction; the caller owns that, as with every write to
    the register. On a connection from db.connect (autocommit: isolation_level None) or
    shared.connect (autocommit) the row is stored when this returns, unless the caller has begun a transaction (``BEGIN
    IMMEDIATE`` ... ``COMMIT``, as collect's store_submission does), which then holds it.

    `at` must be timezone-aware (it is stored in UTC); `kind` one of KINDS, `how` one of HOWS
    (anything else is a programming error: ValueError).
    """
    if kind not in KINDS:
        raise ValueError(f"unknown mailing kind {kind!r} (one of {KINDS})")
    if how not in HOWS:
        raise ValueError(f"unknown mailing {how!r} (one of {HOWS})")
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError(f"the moment of a mailing must be timezone-aware, not {at!r}")
    row = (department_id, period, kind, _stored(at), how, recipient, path)
    if isinstance(conn, sqlite3.Connection):
        conn.execute(
            "INSERT INTO mailings (department_id, period, kind, at, how, recipient, path) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            row,
        )
        return
    from roundtrip.register.schema import MAILINGS as T
    from roundtrip.register.shared import execute

    names = ("department_id", "period", "kind", "at", "how", "recipient", "path")
    execute(conn, T.insert().values(dict(zip(names, row, strict=True))))


def last_mailed(conn: Any, period: str) -> dict[tuple[str, str], dt.datetime]:
    """(department id, kind) -> the latest moment a message of that kind was drafted or sent
    to that department for `period` (timezone-aware, UTC)."""
    out: dict[tuple[str, str], dt.datetime] = {}
    for m in mailings_of(conn, period):
        key = (m.department_id, m.kind)
        if key not in out or m.at > out[key]:
            out[key] = m.at
    return out


def mailings_of(conn: Any, period: str) -> list[Mailing]:
    """Every message drafted or sent for `period`, oldest first (none when the register has
    no mailings table yet: an old register opened read-only)."""
    if not isinstance(conn, sqlite3.Connection):  # a shared register (register/shared.py)
        from roundtrip.register.reads import run_statement

        rows = run_statement(conn, "mailings", p=period)
    elif not _has_table(conn):
        return []
    else:
        cur = conn.cursor()
        cur.row_factory = None
        rows = cur.execute(
            "SELECT department_id, period, kind, at, how, recipient, path FROM mailings "
            "WHERE period = ? ORDER BY id",
            (period,),
        ).fetchall()
    got = [Mailing(d, p, k, _moment(at), h, r, path) for d, p, k, at, h, r, path in rows]
    got.sort(key=lambda m: m.at)  # (stable: recorded order among equal moments)
    return got


def _has_table(conn: sqlite3.Connection) -> bool:
    row = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'mailings'"
    ).fetchone()
    return row is not None


def _stored(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat()


def _moment(text: str) -> dt.datetime:
    """A stored moment as a timezone-aware UTC datetime (naive text is taken as UTC)."""
    t = dt.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    if t.tzinfo is None:
        return t.replace(tzinfo=dt.UTC)
    return t.astimezone(dt.UTC)
