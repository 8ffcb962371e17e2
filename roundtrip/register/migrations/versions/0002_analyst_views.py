"""The analysts' read-only views: v_current_answers, v_metric_values, v_submissions.

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

from alembic import op

from roundtrip.register.migrations.views import VIEWS_V2

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    bind = op.get_bind()
    for name, sql in VIEWS_V2.items():
        bind.exec_driver_sql(f"DROP VIEW IF EXISTS {name}")
        bind.exec_driver_sql(sql)


def downgrade() -> None:
    bind = op.get_bind()
    for name in VIEWS_V2:
        bind.exec_driver_sql(f"DROP VIEW IF EXISTS {name}")
