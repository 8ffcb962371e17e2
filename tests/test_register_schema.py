"""The register's schema in SQLAlchemy Core (register/schema.py) is the schema SQLite registers
have (db.SCHEMA), and makes the same register on a real PostgreSQL (issue 25)."""

from __future__ import annotations

import re
import sqlite3

import pytest
from sqlalchemy import create_engine, inspect, select, text
from sqlalchemy.exc import IntegrityError

from roundtrip.register import db
from roundtrip.register.schema import (
    ANSWERS,
    METADATA,
    SUBMISSIONS,
    create_register,
)
from roundtrip.register.submissions import secret

VIEWS = {"current_submissions", "v_current_answers", "v_metric_values", "v_submissions"}


def _kind(type_) -> str:
    """A column type as the schema means it, whatever the dialect calls it."""
    name = type(type_).__name__.upper()
    if name in ("REAL", "FLOAT", "DOUBLE", "DOUBLE_PRECISION"):
        return "REAL"
    if name in ("VARCHAR", "STRING"):
        return f"VARCHAR({type_.length})"
    if name in ("BLOB", "BYTEA", "LARGEBINARY"):
        return "BYTES"
    return name


def _default(value) -> str | None:
    """A server default as its value ('' and 0, however the dialect quotes or casts it)."""
    if value is None:
        return None
    value = str(getattr(value, "arg", value))
    value = re.sub(r"::\w+( \w+)?$", "", value.strip().strip("()"))
    return value


def _described(inspector, table: str) -> dict:
    pk = inspector.get_pk_constraint(table)["constrained_columns"]
    return {
        "columns": [
            (
                c["name"],
                _kind(c["type"]),
                # (SQLite lets a TEXT PRIMARY KEY be NULL, an old quirk; nothing stores one)
                c["nullable"] and c["name"] not in pk,
                # (PostgreSQL numbers an INTEGER PRIMARY KEY from a sequence, SQLite by rowid)
                None
                if str(c.get("default")).startswith("nextval(")
                else _default(c.get("default")),
            )
            for c in inspector.get_columns(table)
        ],
        "pk": pk,
        "fks": sorted(
            (tuple(fk["constrained_columns"]), fk["referred_table"], tuple(fk["referred_columns"]))
            for fk in inspector.get_foreign_keys(table)
        ),
        "indexes": sorted(
            (i["name"], tuple(i["column_names"]))
            for i in inspector.get_indexes(table)
            if not i.get("unique")  # (the unique constraints below, as PostgreSQL shows them)
        ),
        "unique": sorted(tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)),
    }


def _declared(table) -> dict:
    return {
        "columns": [
            (
                c.name,
                _kind(c.type),
                c.nullable,
                _default(c.server_default.arg.text if c.server_default is not None else None),
            )
            for c in table.columns
        ],
        "pk": [c.name for c in table.primary_key.columns],
        "fks": sorted(
            (
                (fk.parent.name,),
                fk.column.table.name,
                (fk.column.name,),
            )
            for fk in table.foreign_keys
        ),
        "indexes": sorted(
            (i.name, tuple(c.name for c in i.columns)) for i in table.indexes if not i.unique
        ),
        "unique": sorted((c.name,) for c in table.columns if c.unique),
    }


def _assert_schema(engine) -> None:
    inspector = inspect(engine)
    assert set(inspector.get_table_names()) == set(METADATA.tables)
    assert set(inspector.get_view_names()) == VIEWS
    for name, table in METADATA.tables.items():
        assert _described(inspector, name) == _declared(table), name


def test_the_metadata_is_the_schema_sqlite_registers_have(tmp_path):
    path = tmp_path / "roundtrip.db"
    db.connect(path).close()
    engine = create_engine(f"sqlite:///{path}")
    try:
        _assert_schema(engine)
    finally:
        engine.dispose()


def test_the_check_sees_a_difference(tmp_path):
    """A register one column short is told apart (the comparison can fail)."""
    path = tmp_path / "roundtrip.db"
    db.connect(path).close()
    conn = sqlite3.connect(path)
    conn.execute("ALTER TABLE mailings DROP COLUMN path")
    conn.close()
    engine = create_engine(f"sqlite:///{path}")
    try:
        with pytest.raises(AssertionError, match="mailings"):
            _assert_schema(engine)
    finally:
        engine.dispose()


def test_a_register_made_from_the_metadata_opens_at_the_newest_revision(tmp_path):
    """create_register on an empty SQLite file: db.connect opens it without an upgrade and
    stores into it."""
    path = tmp_path / "roundtrip.db"
    engine = create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        create_register(conn)
    engine.dispose()
    conn = db.connect(path)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == db.HEAD
        assert list(tmp_path.glob("*.backup-*")) == []  # (no upgrade made)
        assert len(secret(conn)) == 32
    finally:
        conn.close()


def _submission(**values) -> dict:
    row = {
        "content_hash": "a" * 64,
        "original_name": "Elinvoimapalvelut_2025Q3.xlsx",
        "archive_path": "archive/2025Q3/x.xlsx",
        "department_id": "ELI",
        "period": "2025Q3",
        "received_at": "2025-10-10T09:00:00",
        "collected_at": "2025-10-11T09:00:00",
        "verdict": "accepted",
    }
    row.update(values)
    return row


def test_the_register_on_postgresql(postgres):
    """The same tables, keys, indexes and views on a real PostgreSQL; a return stored and read
    through the analysts' view; the content hash unique there too."""
    with postgres.begin() as conn:
        create_register(conn)
    _assert_schema(postgres)
    with postgres.begin() as conn:
        sid = conn.execute(SUBMISSIONS.insert().values(**_submission())).inserted_primary_key[0]
        conn.execute(
            ANSWERS.insert().values(
                submission_id=sid, period="2025Q3", department_id="ELI", action_id="P1-01",
                status_key="on_track", progress=40, comment="Hyvin menee – ”lainaus”",
                sheet="Toimenpiteet", status_cell="E5",
            )
        )  # fmt: skip
    with postgres.connect() as conn:
        got = conn.execute(
            text("SELECT action_id, status_key, progress, comment, status_cell, signer "
                 "FROM v_current_answers JOIN submissions s ON s.id = submission_id")
        ).all()  # fmt: skip
        assert [tuple(r) for r in got] == [
            ("P1-01", "on_track", 40, "Hyvin menee – ”lainaus”", "E5", "")
        ]
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == db.HEAD
    with pytest.raises(IntegrityError), postgres.begin() as conn:
        conn.execute(SUBMISSIONS.insert().values(**_submission(department_id="HYV")))
    with postgres.connect() as conn:
        assert conn.execute(select(SUBMISSIONS.c.department_id)).scalars().all() == ["ELI"]


def test_a_failed_creation_leaves_nothing_on_postgresql(postgres):
    """PostgreSQL's DDL is transactional: a register half made is not left behind."""
    with pytest.raises(RuntimeError), postgres.begin() as conn:
        create_register(conn)
        raise RuntimeError("the connection dropped")
    assert inspect(postgres).get_table_names() == []
