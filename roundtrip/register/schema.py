"""The register's tables as SQLAlchemy Core metadata: the schema in one dialect-neutral form.

`db.SCHEMA` is the same schema as SQLite text, the form every existing roundtrip.db holds; a
test (tests/test_register_schema.py) reflects a register made by `db.connect` and holds it
equal to `METADATA` table by table (columns, types, defaults, keys, indexes), and makes the
same register on a real PostgreSQL (`create_register`), where a shared register lives
(issue 25). A change to the schema is made in both, and in a new revision (migrations/).

Types are the portable ones: Text, Integer, Float (REAL in SQLite, double precision in
PostgreSQL). Defaults are server defaults, so a row written by any client gets them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.schema import CreateIndex, CreateTable

from roundtrip.register.db import HEAD, SCHEMA_VERSION, VIEWS

METADATA = MetaData()


def _text(name: str) -> Column[str]:
    """A TEXT NOT NULL column that is '' unless given."""
    return Column(name, Text, nullable=False, server_default=text("''"))


def _submission() -> Column[int]:
    return Column("submission_id", Integer, ForeignKey("submissions.id"), nullable=False)


def _record_keys() -> tuple[Column, ...]:
    """The first columns of every record of a return: its submission, period, department."""
    return (
        _submission(),
        Column("period", Text, nullable=False),
        Column("department_id", Text, nullable=False),
    )


META = Table(
    "meta",
    METADATA,
    Column("key", Text, primary_key=True),
    Column("value", Text, nullable=False),
)

SUBMISSIONS = Table(
    "submissions",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("content_hash", Text, nullable=False, unique=True),  # sha256 of the file's bytes
    Column("original_name", Text, nullable=False),
    Column("archive_path", Text, nullable=False),  # relative to the workspace
    Column("department_id", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("received_at", Text, nullable=False),  # ISO 8601
    Column("collected_at", Text, nullable=False),
    Column("verdict", Text, nullable=False),  # 'accepted' or 'warnings'
    _text("signer"),
    _text("programme_version"),
    _text("generated_at"),
    Column("errors", Integer, nullable=False, server_default=text("0")),
    Column("warnings", Integer, nullable=False, server_default=text("0")),
    Column("superseded_by", Integer, ForeignKey("submissions.id")),
    _text("approved_by"),
    _text("approved_on"),
    _text("archived_in"),  # the workspace that archived the file (host:folder)
)
Index("submissions_dept_period", SUBMISSIONS.c.department_id, SUBMISSIONS.c.period)

PROGRAMME_VERSIONS = Table(  # programme.xlsx as published into the register (programmes.py)
    "programme_versions",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("content_hash", Text, nullable=False, unique=True),
    Column("data", LargeBinary, nullable=False),
    _text("version"),
    Column("published_at", Text, nullable=False),
    _text("published_from"),
)

ANSWERS = Table(
    "answers",
    METADATA,
    *_record_keys(),
    Column("action_id", Text, nullable=False),
    Column("status_key", Text),  # NULL when not answered
    Column("progress", Integer),  # 0..100 or NULL
    Column("comment", Text),
    Column("sheet", Text, nullable=False),
    _text("status_cell"),
    _text("progress_cell"),
    _text("comment_cell"),
    PrimaryKeyConstraint("submission_id", "action_id"),
)
Index("answers_action", ANSWERS.c.action_id, ANSWERS.c.period)
Index("answers_status", ANSWERS.c.submission_id, ANSWERS.c.period, ANSWERS.c.status_key)

METRIC_VALUES = Table(
    "metric_values",
    METADATA,
    *_record_keys(),
    Column("action_id", Text, nullable=False),
    Column("metric_id", Text, nullable=False),
    Column("kind", Text, nullable=False),
    Column("value_num", Float),  # count/number/percent; yes/no as 1/0
    Column("value_text", Text),  # canonical text, NULL when not answered
    Column("comment", Text),
    Column("sheet", Text, nullable=False),
    _text("value_cell"),
    _text("comment_cell"),
    PrimaryKeyConstraint("submission_id", "metric_id"),
)
Index("metric_values_metric", METRIC_VALUES.c.metric_id, METRIC_VALUES.c.period)

PLAN_COMPLETIONS = Table(
    "plan_completions",
    METADATA,
    *_record_keys(),
    Column("action_id", Text, nullable=False),
    Column("field", Text, nullable=False),  # 'metric', 'schedule' or 'responsible'
    Column("value", Text, nullable=False),
    Column("sheet", Text, nullable=False),
    Column("cell", Text, nullable=False),
    PrimaryKeyConstraint("submission_id", "action_id", "field"),
)

PROPOSALS = Table(
    "proposals",
    METADATA,
    *_record_keys(),
    _text("priority_id"),
    Column("action", Text, nullable=False),
    _text("metric"),
    _text("schedule"),
    _text("responsible"),
    _text("comment"),
    Column("sheet", Text, nullable=False),
    Column("row", Integer, nullable=False),
    PrimaryKeyConstraint("submission_id", "row"),
)

PROBLEMS = Table(  # warnings of accepted submissions (errors reject a file)
    "problems",
    METADATA,
    _submission(),
    Column("severity", Text, nullable=False),
    _text("sheet"),
    _text("cell"),
    _text("value"),
    Column("message", Text, nullable=False),
)

MAILINGS = Table(
    "mailings",
    METADATA,
    Column("id", Integer, primary_key=True),
    Column("department_id", Text, nullable=False),
    Column("period", Text, nullable=False),
    Column("kind", Text, nullable=False),  # 'request', 'before', 'late' or 'rejected'
    Column("at", Text, nullable=False),  # ISO 8601 in UTC
    Column("how", Text, nullable=False),  # 'draft' or 'sent'
    Column("recipient", Text, nullable=False),
    _text("path"),
)
Index("mailings_period", MAILINGS.c.period, MAILINGS.c.department_id, MAILINGS.c.kind)

ALEMBIC_VERSION = Table(  # as Alembic makes it: the register's revision
    "alembic_version",
    METADATA,
    Column("version_num", String(32), nullable=False),
    PrimaryKeyConstraint("version_num", name="alembic_version_pkc"),
)

# The view every reader of current answers starts from (db.SCHEMA's last statement).
CURRENT_SUBMISSIONS_VIEW = (
    "CREATE VIEW current_submissions AS SELECT * FROM submissions WHERE superseded_by IS NULL"
)


def create_statements(dialect: Any) -> list[str]:
    """The statements that make a new register at the newest revision on an empty database of
    `dialect` (an SQLAlchemy dialect): the tables, their indexes, the views, the revision
    stamp (Alembic's recipe: create, then stamp head) and meta.schema_version, as db.connect
    makes a new roundtrip.db."""
    out = []
    for table in METADATA.sorted_tables:
        out.append(str(CreateTable(table).compile(dialect=dialect)).strip())
        out.extend(
            str(CreateIndex(index).compile(dialect=dialect)).strip()
            for index in sorted(table.indexes, key=lambda i: i.name or "")
        )
    out.extend((CURRENT_SUBMISSIONS_VIEW, *VIEWS))
    # (constants of this module, not anyone's input)
    out.append(f"INSERT INTO alembic_version (version_num) VALUES ('{HEAD}')")
    out.append(f"INSERT INTO meta (key, value) VALUES ('schema_version', '{SCHEMA_VERSION}')")
    return out


def create_register(conn: Connection) -> None:
    """create_statements on an SQLAlchemy connection, in the caller's transaction
    (PostgreSQL's DDL is transactional: a failure leaves nothing behind)."""
    for sql in create_statements(conn.dialect):
        conn.exec_driver_sql(sql)
