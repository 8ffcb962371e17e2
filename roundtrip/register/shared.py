"""A register on PostgreSQL, shared by several coordinators (issue 25; work in progress:
`generate` and `collect` use it with --database URL or ROUNDTRIP_DATABASE_URL, the other
commands still only the workspace's roundtrip.db).

`connect(url)` opens it: an empty database is made a register (create_statements, under
a lock, so two coordinators starting at once make it once); one at another schema revision,
or a database holding other tables, is refused. The password is never in what is printed:
give it in the environment (PGPASSWORD) or ~/.pgpass, as libpq reads them.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from roundtrip.errors import WorkspaceError, printable
from roundtrip.language import _

SCHEMES = ("postgresql", "postgresql+psycopg")


def shown(url: str) -> str:
    """The URL as it may be printed: any password in it replaced by ***."""
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<?>"


def connect(url: str) -> Any:
    """A psycopg connection to the register at `url` (postgresql+psycopg://user@host/db), in
    autocommit mode (register.submissions begins each transaction itself). A WorkspaceError,
    one line, when it cannot be used. (No SQLAlchemy here: a command that only looks a few
    things up on the shared register, as collect run again does, saves its import.)"""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in SCHEMES:
        raise WorkspaceError(
            _(
                "the database URL {url} is not one: write it as postgresql+psycopg://USER@HOST/DATABASE"
            ).format(url=shown(url))
        )
    psycopg = driver()
    try:  # (libpq reads the URL itself: its query parameters, ~/.pgpass, PGPASSWORD)
        conn = psycopg.connect(f"postgresql://{rest}", autocommit=True)
    except psycopg.Error as exc:
        raise _unusable(url, exc) from None
    try:
        older = _ensure_register(conn, url)
        if older is not None:
            _upgrade(url, older)
    except psycopg.Error as exc:
        conn.close()
        raise _unusable(url, exc) from None
    except BaseException:
        conn.close()
        raise
    return conn


def driver() -> Any:
    """The psycopg module, or a WorkspaceError saying how to install it."""
    try:
        import psycopg
    except ImportError:
        raise WorkspaceError(
            _(
                "a shared register on PostgreSQL needs psycopg, which is not installed: "
                "pip install 'roundtrip[postgres]'"
            )
        ) from None
    return psycopg


def _ensure_register(conn: Any, url: str) -> str | None:
    """Make an empty database a register at the newest revision; refuse anything else that is
    not a register this roundtrip knows. The revision of an older register (None: it is at
    the newest)."""
    from roundtrip.register.db import HEAD, REVISIONS

    with conn.transaction():
        conn.execute("SELECT pg_advisory_xact_lock(hashtext('roundtrip register'))")
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT table_name FROM information_schema.tables "
                "WHERE table_schema = current_schema()"
            )
        }
        if not tables:
            _create(conn)
            return None
        revision = None
        if "alembic_version" in tables:
            got = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            revision = got[0] if got else None
        if revision is None or "submissions" not in tables:
            raise WorkspaceError(
                _(
                    "the database {url} holds other tables and no roundtrip register: give "
                    "an empty database (or one a roundtrip register is in). Nothing was changed."
                ).format(url=shown(url))
            )
        if revision not in REVISIONS:
            raise WorkspaceError(
                _(
                    "the register {path} is at schema {revision} and this roundtrip uses "
                    "{head}: every coordinator of a shared register needs the same roundtrip "
                    "version. Nothing was changed."
                ).format(path=shown(url), revision=revision, head=HEAD)
            )
        return None if revision == HEAD else str(revision)


def _upgrade(url: str, revision: str) -> None:
    """Upgrade the older register at `url` to the newest revision with Alembic, in one
    transaction (PostgreSQL's DDL is transactional: a failure leaves it as it was, so no
    copy is made aside), under the lock that making a register takes; the revision is read
    again under it, as another coordinator may have just upgraded it."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.exc import DBAPIError

    from roundtrip.register.db import HEAD, say
    from roundtrip.register.migrations import upgrade_connection

    engine = create_engine(url)
    try:
        with engine.begin() as sa:
            sa.execute(text("SELECT pg_advisory_xact_lock(hashtext('roundtrip register'))"))
            now = sa.execute(text("SELECT version_num FROM alembic_version")).scalar()
            if now == HEAD:
                return
            upgrade_connection(sa)
    except DBAPIError as exc:  # (the driver's own error, as connect reports it)
        if isinstance(exc.orig, Exception):
            raise exc.orig from None
        raise
    finally:
        engine.dispose()
    say(
        _("Upgraded the register {path} (schema {old} to {new}), in one transaction.").format(
            path=shown(url), old=revision, new=HEAD
        )
    )


def _create(conn: Any) -> None:
    """schema.create_statements for PostgreSQL, in the caller's transaction."""
    from sqlalchemy.dialects.postgresql import psycopg

    from roundtrip.register.schema import create_statements

    for sql in create_statements(psycopg.dialect()):
        conn.execute(sql)


def rows(conn: Any, stmt: Any, **params: Any) -> list[tuple]:
    """A SQLAlchemy Core statement run on a shared register's connection (compiled for
    psycopg; its parameters given by name, the ones written into it by Core itself taken
    from it)."""
    return [tuple(r) for r in execute(conn, stmt, **params).fetchall()]


def execute(conn: Any, stmt: Any, **params: Any) -> Any:
    """`rows` without fetching them: the cursor (a statement that returns none: an INSERT)."""
    from sqlalchemy.dialects.postgresql import psycopg

    compiled = stmt.compile(dialect=psycopg.dialect(paramstyle="format"))
    args = [params[n] if n in params else compiled.params[n] for n in compiled.positiontup or ()]
    return conn.execute(compiled.string, args)


@contextmanager
def reported(url: str | None, storing: bool = True) -> Iterator[None]:
    """The body's failures of the shared register at `url` (the server gone, a user who may
    not write) as one line. `storing` (collect): every return stored before stays stored
    (each was committed on its own), the one under way is not, and a re-run stores the rest.
    Nothing when `url` is None (the embedded register reports its own)."""
    if url is None:
        yield
        return
    psycopg = driver()
    try:
        yield
    except psycopg.Error as exc:
        after = (
            " "
            + _("The returns stored before it stay stored; run collect again to store the rest.")
            if storing
            else ""
        )
        raise WorkspaceError(f"{_unusable(url, exc)}{after}") from None


def opened(db_path: Any, url: str | None) -> Any:
    """A connection to the register: the shared one at `url`, else the workspace's file."""
    if url:
        return connect(url)
    from roundtrip.register.db import connect as connect_file

    return connect_file(db_path)


def _unusable(url: str, exc: Exception) -> WorkspaceError:
    """One line for a server that cannot be reached or refuses this user (the driver's own
    words, first line, quoted as they are)."""
    reason = printable(str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__)
    return WorkspaceError(
        _("cannot use the register {path}: {reason}.").format(path=shown(url), reason=reason)
    )
