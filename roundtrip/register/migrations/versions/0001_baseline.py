"""The baseline: the register as roundtrip made it before migrations (schema_version "1").

Revision ID: 0001
Revises: (none)
"""

from __future__ import annotations

from typing import Any

from alembic import op

from roundtrip.register.migrations import baseline

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()

    def execute(sql: str) -> list[Any]:
        result = bind.exec_driver_sql(sql)
        return list(result.fetchall()) if result.returns_rows else []

    baseline.upgrade(execute)


def downgrade() -> None:
    raise NotImplementedError("the baseline is not undone: restore the backup file instead")
