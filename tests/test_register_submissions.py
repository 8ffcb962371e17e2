"""register/submissions.py: the SQLite texts kept for speed are what SQLAlchemy Core compiles
from the statements' one definition, and the record columns are the validated records'."""

from __future__ import annotations

from dataclasses import fields

import pytest
from sqlalchemy.dialects import sqlite
from sqlalchemy.dialects.postgresql import psycopg

from roundtrip.register import submissions
from roundtrip.returns.validated import Answer, MetricValue, PlanCompletion, Proposal


def test_the_sqlite_texts_are_the_core_statements_compiled():
    assert submissions.compiled(sqlite.dialect()) == submissions.SQLITE


def test_a_changed_text_is_told_apart(monkeypatch):
    """(The comparison can fail.)"""
    changed = {**submissions.SQLITE, "supersede": "UPDATE submissions SET superseded_by=?"}
    assert submissions.compiled(sqlite.dialect()) != changed


def test_postgresql_gets_every_statement_with_its_parameters_in_order():
    got = submissions.compiled(psycopg.dialect(paramstyle="format"))
    assert got.keys() == submissions.SQLITE.keys()
    assert "?" not in "".join(got.values())
    assert got["submission"].endswith("RETURNING submissions.id")
    assert got["new_secret"].endswith("ON CONFLICT DO NOTHING")


def test_parameters_out_of_order_are_refused(monkeypatch):
    monkeypatch.setitem(submissions._ORDER, "current", ("period", "department_id", "id"))
    with pytest.raises(AssertionError, match="current"):
        submissions.compiled(sqlite.dialect())


@pytest.mark.parametrize(
    ("table", "record"),
    [
        ("answers", Answer),
        ("metric_values", MetricValue),
        ("plan_completions", PlanCompletion),
        ("proposals", Proposal),
    ],
)
def test_the_record_columns_are_the_records_fields(table, record):
    assert set(submissions.RECORD_COLUMNS[table]) == {f.name for f in fields(record)}


def test_the_shared_registers_lookup_of_many_files_is_what_sqlalchemy_compiles():
    """STORED_ANY is kept as text (a collect run again imports no SQLAlchemy): it must be
    what SQLAlchemy makes of its Core statement for psycopg."""
    got = submissions._stored_any().compile(dialect=psycopg.dialect(paramstyle="format"))
    assert got.string == submissions.STORED_ANY
