"""What several coordinators of one register share: the programme versions published into
it, and the workspace each collected file was archived in.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# Frozen as this revision makes them (never taken from db.py or schema.py). The one word the
# two databases spell apart: bytes are a BLOB in SQLite, a BYTEA in PostgreSQL; and
# PostgreSQL's id is SERIAL, as SQLAlchemy makes an integer primary key there.
PROGRAMMES = """
CREATE TABLE IF NOT EXISTS programme_versions (
    id             {id},
    content_hash   TEXT NOT NULL UNIQUE,   -- sha256 of programme.xlsx's bytes
    data           {bytes} NOT NULL,       -- programme.xlsx as it was published
    version        TEXT NOT NULL DEFAULT '',  -- the programme's own version label
    published_at   TEXT NOT NULL,          -- ISO 8601 in UTC
    published_from TEXT NOT NULL DEFAULT ''  -- the workspace it came from (host:folder)
)
"""
ARCHIVED_IN = "ALTER TABLE submissions ADD COLUMN archived_in TEXT NOT NULL DEFAULT ''"


def upgrade() -> None:
    bind = op.get_bind()
    pg = bind.dialect.name == "postgresql"
    bind.exec_driver_sql(
        PROGRAMMES.format(
            id="SERIAL NOT NULL PRIMARY KEY" if pg else "INTEGER PRIMARY KEY",
            bytes="BYTEA" if pg else "BLOB",
        )
    )
    # (a register some test or tool made from the newest schema text has it already)
    if "archived_in" not in {c["name"] for c in sa.inspect(bind).get_columns("submissions")}:
        bind.exec_driver_sql(ARCHIVED_IN)


def downgrade() -> None:
    raise NotImplementedError("restore the backup made before the upgrade instead")
