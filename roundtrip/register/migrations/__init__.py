"""The register's schema migrations, with Alembic (docs/register.md).

Each revision in versions/ changes the schema one step; its SQL is frozen in the revision
(or in a module of this package it names: baseline, views), never taken from db.py, which
holds the newest schema. Alembic runs in code on the register's own connection: no
alembic.ini, no offline mode. Only roundtrip.register.db and .shared import this package,
and only when a register needs upgrading: Alembic and SQLAlchemy take a quarter of a second to import,
more than opening a register at the newest revision takes.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

FOLDER = Path(__file__).parent


def _config(connection: Any = None) -> Any:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(FOLDER))
    config.attributes["connection"] = connection
    return config


def revisions() -> list[str]:
    """Every revision the scripts know, oldest first."""
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(_config())
    return [s.revision for s in reversed(list(script.walk_revisions()))]


def upgrade_connection(sa: Any, target: str = "head") -> None:
    """Upgrade the register on the SQLAlchemy connection `sa` to `target`, in the transaction
    the caller holds (a shared register: register/shared.py)."""
    from alembic import command

    command.upgrade(_config(sa), target)


class Upgrade:
    """Alembic on the register's own connection `conn`. Made before the caller takes SQLite's
    write lock (BEGIN IMMEDIATE): SQLAlchemy's first use of a connection ends with a
    rollback, which would end that transaction."""

    def __init__(self, conn: sqlite3.Connection):
        from sqlalchemy import create_engine
        from sqlalchemy.pool import StaticPool

        self.conn = conn
        engine = create_engine(
            "sqlite://", creator=lambda: conn, poolclass=StaticPool, pool_reset_on_return=None
        )
        self.sa = engine.connect()

    def run(self, target: str = "head") -> None:
        """Upgrade to `target` inside the transaction the caller holds, and commit it; on any
        failure the transaction is rolled back and the register is as it was."""
        from alembic import command
        from sqlalchemy.exc import DBAPIError

        assert self.conn.in_transaction, "run() inside the caller's BEGIN IMMEDIATE"
        try:
            with self.sa.begin():  # commits (sqlite3's commit()) or rolls back
                command.upgrade(_config(self.sa), target)
        except DBAPIError as exc:  # SQLite's own error, as the register's callers know it
            if isinstance(exc.orig, sqlite3.Error):
                raise exc.orig from exc
            raise
