"""Storing a return in the register and finding stored ones, the same on SQLite and PostgreSQL.

Each statement is defined once, in SQLAlchemy Core over register/schema.py's tables
(`_core`), compiled for the register's driver (sqlite3: `?`; psycopg: `%s`) and run by the
driver with plain tuples, as many rows at a time as a return has. On SQLite the compiled text
is kept below as it is (`SQLITE`), so a command that stores into the embedded register never
imports SQLAlchemy (0.2 s a command; `collect` finding every file stored already takes 0.9 s
in all); tests/test_register_submissions.py holds each text equal to its Core statement.

One return is one transaction. A newer return for the same department and period supersedes
the current one, decided inside the transaction: on SQLite the transaction holds the whole
register (BEGIN IMMEDIATE); on PostgreSQL, where several coordinators store at once, it holds
a lock on the department and period (pg_advisory_xact_lock), so two returns of one department
never both stay current, and the content hash is unique: the same file stored by two
coordinators at once is stored once (`StoredMeanwhile` for the second).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from functools import cache
from typing import Any

# Each record's columns after (submission_id, period, department_id), by table, in the table's
# order (as SQLAlchemy writes an INSERT): the order of the tuples store() is given
# (collect/store.py's StoreRows, made by these names from the validated records' fields).
RECORD_COLUMNS = {
    "answers": (
        "action_id", "status_key", "progress", "comment", "sheet", "status_cell",
        "progress_cell", "comment_cell",
    ),
    "metric_values": (
        "action_id", "metric_id", "kind", "value_num", "value_text", "comment", "sheet",
        "value_cell", "comment_cell",
    ),
    "plan_completions": ("action_id", "field", "value", "sheet", "cell"),
    "proposals": (
        "priority_id", "action", "metric", "schedule", "responsible", "comment", "sheet", "row",
    ),
}  # fmt: skip
HEAD_COLUMNS = (
    "content_hash", "original_name", "archive_path", "department_id", "period", "received_at",
    "collected_at", "verdict", "signer", "programme_version", "generated_at", "errors",
    "warnings", "approved_by", "approved_on", "archived_in",
)  # fmt: skip
PROBLEM_COLUMNS = ("submission_id", "severity", "sheet", "cell", "value", "message")


class StoredMeanwhile(Exception):
    """The file was stored by another coordinator while this one stored it (PostgreSQL):
    nothing of this attempt is kept; `submission_id` is the stored one's."""

    def __init__(self, submission_id: int) -> None:
        super().__init__(submission_id)
        self.submission_id = submission_id


def _insert_sql(table: str, columns: Sequence[str]) -> str:
    names = ", ".join(f'"{c}"' if c in ("row", "key") else c for c in columns)  # (SQL words)
    return f"INSERT INTO {table} ({names}) VALUES ({', '.join('?' * len(columns))})"


_KEYS = ("submission_id", "period", "department_id")

# The statements as SQLAlchemy compiles them for SQLite (held equal to _core by a test).
SQLITE = {
    "hashes": "SELECT submissions.content_hash \nFROM submissions",
    "stored": "SELECT submissions.id, submissions.department_id, submissions.period \n"
    "FROM submissions \nWHERE submissions.content_hash = ?",
    "submission": _insert_sql("submissions", HEAD_COLUMNS),
    "current": "SELECT submissions.id, submissions.received_at \nFROM submissions \n"
    "WHERE submissions.department_id = ? AND submissions.period = ? AND "
    "submissions.superseded_by IS NULL AND submissions.id != ? "
    "ORDER BY submissions.received_at DESC, submissions.id DESC",
    "supersede": "UPDATE submissions SET superseded_by=? WHERE submissions.id = ?",
    "superseded_since": "SELECT submissions.id \nFROM submissions \n"
    "WHERE submissions.id >= ? AND submissions.superseded_by IS NOT NULL",
    "problems": _insert_sql("problems", PROBLEM_COLUMNS),
    "secret": 'SELECT meta.value \nFROM meta \nWHERE meta."key" = ?',
    "new_secret": 'INSERT INTO meta ("key", value) VALUES (?, ?) ON CONFLICT DO NOTHING',
    **{t: _insert_sql(t, (*_KEYS, *cols)) for t, cols in RECORD_COLUMNS.items()},
}


def _core(dialect: str) -> dict[str, Any]:
    """The statements in SQLAlchemy Core, with their parameters in the order they are given
    (`dialect`: "sqlite" or "postgresql", for the one statement each spells its own way)."""
    from sqlalchemy import bindparam, insert, select, update
    from sqlalchemy.dialects import postgresql, sqlite

    from roundtrip.register.schema import META, PROBLEMS, SUBMISSIONS

    s = SUBMISSIONS.c
    tables = {t.name: t for t in SUBMISSIONS.metadata.tables.values()}

    def values(table: str, names: Iterable[str]) -> Any:
        return insert(tables[table]).values({n: bindparam(n) for n in names})

    return {
        "hashes": select(s.content_hash),
        "stored": select(s.id, s.department_id, s.period).where(
            s.content_hash == bindparam("content_hash")
        ),
        # (its id: lastrowid on SQLite, RETURNING on PostgreSQL)
        "submission": values("submissions", HEAD_COLUMNS).returning(s.id)
        if dialect == "postgresql"
        else values("submissions", HEAD_COLUMNS),
        "current": select(s.id, s.received_at)
        .where(
            s.department_id == bindparam("department_id"),
            s.period == bindparam("period"),
            s.superseded_by.is_(None),
            s.id != bindparam("id"),
        )
        .order_by(s.received_at.desc(), s.id.desc()),
        "supersede": update(SUBMISSIONS)
        .where(s.id == bindparam("id"))
        .values(superseded_by=bindparam("by")),
        "superseded_since": select(s.id).where(
            s.id >= bindparam("first"), s.superseded_by.is_not(None)
        ),
        "problems": insert(PROBLEMS).values({n: bindparam(n) for n in PROBLEM_COLUMNS}),
        "secret": select(META.c.value).where(META.c.key == bindparam("key")),
        # (a second coordinator may make it at the same moment: the first one's is kept)
        "new_secret": (postgresql if dialect == "postgresql" else sqlite)
        .insert(META)
        .values(key=bindparam("key"), value=bindparam("value"))
        .on_conflict_do_nothing(),
        **{t: values(t, (*_KEYS, *cols)) for t, cols in RECORD_COLUMNS.items()},
    }


def compiled(dialect: Any) -> dict[str, str]:
    """Every statement's text for `dialect` (an SQLAlchemy dialect whose paramstyle is
    positional), checked to take its parameters in the order the functions here give them."""
    out = {}
    for name, stmt in _core(dialect.name).items():
        c = stmt.compile(dialect=dialect)
        order = list(c.positiontup or ())
        expected = _ORDER.get(name)
        if expected is not None and order != list(expected):
            raise AssertionError(f"{name}: parameters {order}, not {list(expected)}")
        out[name] = c.string
    return out


_ORDER = {
    "current": ("department_id", "period", "id"),
    "supersede": ("by", "id"),
    "submission": HEAD_COLUMNS,
    "problems": PROBLEM_COLUMNS,
    "new_secret": ("key", "value"),
    **{t: (*_KEYS, *cols) for t, cols in RECORD_COLUMNS.items()},
}


@cache
def _postgresql() -> dict[str, str]:
    from sqlalchemy.dialects.postgresql import psycopg

    return compiled(psycopg.dialect(paramstyle="format"))


def _is_sqlite(conn: Any) -> bool:
    return isinstance(conn, sqlite3.Connection)


def _sql(conn: Any) -> dict[str, str]:
    return SQLITE if _is_sqlite(conn) else _postgresql()


def _rows(conn: Any, name: str, args: tuple = ()) -> list[tuple]:
    return [tuple(r) for r in conn.execute(_sql(conn)[name], args).fetchall()]


def _many(conn: Any, name: str, rows: list[tuple]) -> None:
    if _is_sqlite(conn):
        conn.executemany(SQLITE[name], rows)
    elif name in _COPIED:
        with conn.cursor() as cur, cur.copy(_COPIED[name]) as copy:
            for row in rows:
                copy.write_row(row)
    else:
        with conn.cursor() as cur:
            cur.executemany(_postgresql()[name], rows)


# A return's records go into PostgreSQL by COPY, its bulk path: the same columns as the
# INSERTs above, in the same order. At 3,000 returns (180,000 answers, 90,000 values) an
# executemany of INSERTs made collect 1.6x SQLite's time (benchmarks/bench_postgres.py).
_COPIED = {
    name: "COPY {} ({}) FROM STDIN".format(name, ", ".join(f'"{c}"' for c in cols))
    for name, cols in {
        **{t: (*_KEYS, *c) for t, c in RECORD_COLUMNS.items()},
        "problems": PROBLEM_COLUMNS,
    }.items()
}


def in_transaction(conn: Any) -> bool:
    """Whether `conn` (sqlite3, or psycopg in autocommit mode) is inside BEGIN ... COMMIT."""
    if _is_sqlite(conn):
        return bool(conn.in_transaction)
    from psycopg.pq import TransactionStatus

    # (UNKNOWN: the connection is gone, and the server rolled the transaction back)
    return conn.info.transaction_status in (
        TransactionStatus.ACTIVE,
        TransactionStatus.INTRANS,
        TransactionStatus.INERROR,
    )


def stored_hashes(conn: Any) -> set[str]:
    """The content hashes of every stored file (a few MB at 100,000 files)."""
    return {r[0] for r in _rows(conn, "hashes")}


def stored_submission(conn: Any, content_hash: str) -> dict[str, Any] | None:
    """The stored file with these bytes: its id, department and period; None when not stored."""
    got = _rows(conn, "stored", (content_hash,))
    if not got:
        return None
    sid, dept, period = got[0]
    return {"id": int(sid), "department_id": dept, "period": period}


# stored_submissions' statement on PostgreSQL, as SQLAlchemy compiles _stored_any() (held equal
# by a test): kept as text, so a collect run again imports no SQLAlchemy (0.16 s).
STORED_ANY = (
    "SELECT submissions.content_hash, submissions.id, submissions.department_id, "
    "submissions.period \nFROM submissions \nWHERE submissions.content_hash = ANY (%s::TEXT[])"
)


def _stored_any() -> Any:
    from sqlalchemy import ARRAY, Text, any_, bindparam, select

    from roundtrip.register.schema import SUBMISSIONS

    s = SUBMISSIONS.c
    hashes = bindparam("hashes", type_=ARRAY(Text))
    return select(s.content_hash, s.id, s.department_id, s.period).where(
        s.content_hash == any_(hashes)
    )


def stored_submissions(conn: Any, hashes: Sequence[str]) -> dict[str, dict[str, Any]]:
    """stored_submission of each of `hashes` that is stored: on a shared register in one
    query (3,000 round trips to the server took 0.35 s), on SQLite one lookup each."""
    if _is_sqlite(conn):
        return {h: got for h in hashes if (got := stored_submission(conn, h)) is not None}
    return {
        h: {"id": int(sid), "department_id": dept, "period": period}
        for h, sid, dept, period in conn.execute(STORED_ANY, (list(hashes),)).fetchall()
    }


def superseded_since(conn: Any, first_id: int) -> set[int]:
    """The ids from `first_id` on (ids only grow) that are superseded now."""
    return {int(r[0]) for r in _rows(conn, "superseded_since", (first_id,))}


# The tables a collect adds to: their planner statistics refreshed after a big one.
_STORED_TABLES = (
    "submissions", "answers", "metric_values", "plan_completions", "proposals", "problems",
)  # fmt: skip


def after_storing(conn: Any, stored: int) -> bool:
    """After a collect that stored `stored` returns: on a shared register (PostgreSQL), when
    they are more than a tenth of the register's returns (autovacuum's own rule) or its tables
    never had statistics, refresh them now (ANALYZE), as PostgreSQL advises after a bulk load.
    Autovacuum would within a minute; until then the next command's queries are planned
    blind: the register workbook right after the first collect of 3,000 returns took 15-38 s
    instead of 9 (~0.2 s here; benchmarks/bench_postgres.py). Whether it did. SQLite: nothing.
    A login that does not own the tables gets the server's warning, no error; statistics
    that cannot be refreshed now are autovacuum's (the returns are stored: no error)."""
    if stored <= 0 or _is_sqlite(conn):
        return False
    from psycopg import Error

    try:
        (known,) = conn.execute(
            "SELECT reltuples FROM pg_class WHERE oid = 'submissions'::regclass"
        ).fetchone()
        if known >= 0 and stored <= 0.1 * known:
            return False
        conn.execute("ANALYZE " + ", ".join(_STORED_TABLES))
    except Error:
        return False
    return True


def secret(conn: Any) -> bytes:
    """The register's HMAC secret (it signs the workbooks), made on first use: one for every
    coordinator of a shared register."""
    got = _rows(conn, "secret", ("secret",))
    if not got:
        import secrets

        conn.execute(_sql(conn)["new_secret"], ("secret", secrets.token_hex(32)))
        got = _rows(conn, "secret", ("secret",))
    return bytes.fromhex(got[0][0])


def store(
    conn: Any,
    head: dict[str, Any],
    records: dict[str, Sequence[tuple]],
    problems: Sequence[tuple],
) -> int:
    """Write one submission (`head`: HEAD_COLUMNS' values), its records (table -> tuples of
    RECORD_COLUMNS' values) and its warnings ((severity, sheet, cell, value, message)) in one
    transaction, superseding as the module says; returns its id. `conn`: sqlite3 from db.connect
    or psycopg in autocommit mode (both: each statement its own unless BEGIN is said)."""
    sql = _sql(conn)
    sqlite = _is_sqlite(conn)
    dept, period = head["department_id"], head["period"]
    try:
        if sqlite:
            conn.execute("BEGIN IMMEDIATE")
            cur = conn.execute(sql["submission"], tuple(head[c] for c in HEAD_COLUMNS))
            sid = cur.lastrowid
        else:
            conn.execute("BEGIN")
            conn.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (f"{dept}\x1f{period}",))
            sid = conn.execute(sql["submission"], tuple(head[c] for c in HEAD_COLUMNS)).fetchone()[
                0
            ]
        assert sid is not None  # set by the INSERT just made
        _supersede(conn, sid, dept, period, head["received_at"])
        for table in RECORD_COLUMNS:
            got = records.get(table)
            if got:
                _many(conn, table, [(sid, period, dept, *r) for r in got])
        if problems:
            _many(conn, "problems", [(sid, *p) for p in problems])
        conn.execute("COMMIT")
    except BaseException as exc:
        # Not after a COMMIT that went through (Ctrl-C can land just after it: the return is
        # stored and the interrupt goes on), nor when BEGIN itself failed (the register busy).
        if in_transaction(conn):
            conn.execute("ROLLBACK")
        if not sqlite and _is_integrity_error(exc):
            other = stored_submission(conn, head["content_hash"])
            if other is not None:
                raise StoredMeanwhile(other["id"]) from exc
        raise
    return int(sid)


def _is_integrity_error(exc: BaseException) -> bool:
    return isinstance(exc, integrity_errors(None))


def integrity_errors(conn: Any) -> tuple[type[Exception], ...]:
    """The driver's IntegrityError for `conn` (None: every driver's): a constraint the
    statement broke, rolled back."""
    if conn is not None and _is_sqlite(conn):
        return (sqlite3.IntegrityError,)
    import psycopg

    return (sqlite3.IntegrityError, psycopg.IntegrityError)


def _supersede(conn: Any, new_id: int, dept: str, period: str, received_at: str) -> None:
    current = _rows(conn, "current", (dept, period, new_id))
    if not current:
        return
    head_id, head_received = current[0]
    if received_at >= head_received:
        # The new file is the newest: it supersedes every current one.
        _many(conn, "supersede", [(new_id, row[0]) for row in current])
    else:
        # An older file arriving late: history, superseded by the current one at once.
        conn.execute(_sql(conn)["supersede"], (head_id, new_id))
