"""Alembic's environment for the register, run in code only (roundtrip.register.migrations
.upgrade): the connection is the register's own, already holding SQLite's write lock in
the transaction the upgrade is made in. There is no alembic.ini and no offline mode."""

from alembic import context

context.configure(connection=context.config.attributes["connection"], transactional_ddl=True)
with context.begin_transaction():
    context.run_migrations()
