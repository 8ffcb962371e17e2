"""The programme in force on a shared register: programme.xlsx as published into it, taken by
the workspace of every coordinator (issue 25).

Every command on a shared register first calls `agree(ws, url)`, which compares three
versions of programme.xlsx by their bytes' hash: the workspace's own (L), the register's
newest (T), and the one this workspace last took or published (B, kept in the workspace's
SHARED_FILE):

- the register has none yet: L is published (the first coordinator's programme);
- L is T: nothing to do;
- L is B, or another version the register holds (unchanged here): T is taken, written over
  programme.xlsx (what it replaces is in the register, so nothing is lost);
- L is new and T is B (changed here only): L is published and in force from now on;
- L is new and T is not B (changed here and, meanwhile, by another coordinator): nothing
  is published or replaced; T is saved beside as CONFLICT_FILE and the command stops with a
  line saying to bring the changes together into programme.xlsx and run it again.

A programme is published only when it loads (a broken one stops here, in this workspace),
in one transaction under a lock, where T is read again. Every version stays in the register.

Its statements are kept as text beside their Core (held equal by a test): a collect run
again imports no SQLAlchemy.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from roundtrip.errors import WorkspaceError
from roundtrip.language import _, console_language, format_datetime
from roundtrip.workspace import Workspace, atomic_write_bytes

SHARED_FILE = ".shared-programme"  # the hash of the version last taken or published here
CONFLICT_FILE = "programme.shared.xlsx"  # the register's newest, beside a conflicting edit

POSTGRESQL = {
    "lock": "SELECT pg_advisory_xact_lock(hashtext('roundtrip programme'))",
    "newest": "SELECT programme_versions.content_hash, programme_versions.published_at, "
    "programme_versions.published_from \n"
    "FROM programme_versions ORDER BY programme_versions.id DESC \n LIMIT %s",
    "data": "SELECT programme_versions.data \nFROM programme_versions \n"
    "WHERE programme_versions.content_hash = %s::VARCHAR",
    "held": "SELECT programme_versions.id \nFROM programme_versions \n"
    "WHERE programme_versions.content_hash = %s::VARCHAR",
    "publish": "INSERT INTO programme_versions (content_hash, data, version, published_at, "
    "published_from) VALUES (%s::VARCHAR, %s, %s::VARCHAR, %s::VARCHAR, %s::VARCHAR) "
    "ON CONFLICT DO NOTHING RETURNING programme_versions.id",
}


def core() -> dict[str, Any]:
    """POSTGRESQL's statements in SQLAlchemy Core (but the lock, which is PostgreSQL's own)."""
    from sqlalchemy import bindparam, select
    from sqlalchemy.dialects import postgresql

    from roundtrip.register.schema import PROGRAMME_VERSIONS as P

    return {
        "newest": select(P.c.content_hash, P.c.published_at, P.c.published_from)
        .order_by(P.c.id.desc())
        .limit(bindparam("n")),
        "data": select(P.c.data).where(P.c.content_hash == bindparam("content_hash")),
        "held": select(P.c.id).where(P.c.content_hash == bindparam("content_hash")),
        "publish": postgresql.insert(P)
        .values(
            content_hash=bindparam("content_hash"),
            data=bindparam("data"),
            version=bindparam("version"),
            published_at=bindparam("published_at"),
            published_from=bindparam("published_from"),
        )
        .on_conflict_do_nothing(),
    }


def agree(ws: Workspace, url: str, now: dt.datetime | None = None) -> str:
    """Bring the workspace's programme.xlsx and the shared register at `url` to the same
    version (the module's docstring); what was done: "same", "published" or "taken". A
    WorkspaceError when both changed."""
    from roundtrip.register.db import say
    from roundtrip.register.shared import connect, reported

    with reported(url, storing=False):
        conn = connect(url)
        try:
            with conn.transaction():
                conn.execute(POSTGRESQL["lock"])
                done, line, remembered = _agree(ws, conn, now or dt.datetime.now(dt.UTC))
        finally:
            conn.close()
    if remembered:  # (once committed: a base never names a version the register lacks)
        _remember(ws.root / SHARED_FILE, remembered)
    if line:
        say(line)
    return done


def in_force(url: str) -> bool:
    """Whether the shared register at `url` has a programme published."""
    from roundtrip.register.shared import connect, reported

    with reported(url, storing=False):
        conn = connect(url)
        try:
            return conn.execute(POSTGRESQL["newest"], (1,)).fetchone() is not None
        finally:
            conn.close()


def _agree(ws: Workspace, conn: Any, now: dt.datetime) -> tuple[str, str, str]:
    """(what was done, the line saying so, the version to remember as this one's base)."""
    path = ws.programme_path
    local = path.read_bytes() if path.is_file() else None
    mine = hashlib.sha256(local).hexdigest() if local is not None else None
    newest = conn.execute(POSTGRESQL["newest"], (1,)).fetchone()
    base_file = ws.root / SHARED_FILE
    base = base_file.read_text(encoding="ascii").strip() if base_file.is_file() else None
    if newest is None:
        if local is None:
            return "same", "", ""
        return "published", _publish(ws, conn, local, mine, now), mine or ""
    top, at, where = newest  # (its bytes fetched only when written here)
    if mine == top:
        return "same", "", top if base != top else ""
    if local is None or mine == base or _held(conn, mine):
        atomic_write_bytes(path, _data(conn, top))
        line = _(
            "Took programme.xlsx from the shared register: the version published {at} from {where}."
        ).format(at=_moment(at), where=where)
        return "taken", line, top
    if base == top:
        return "published", _publish(ws, conn, local, mine, now), mine or ""
    atomic_write_bytes(ws.root / CONFLICT_FILE, _data(conn, top))
    _remember(base_file, top)  # (what is published next is taken as made from it)
    raise WorkspaceError(
        _(
            "programme.xlsx was changed here, and another coordinator published a changed "
            "programme meanwhile ({at}, from {where}): theirs is saved as {copy}. Bring the "
            "changes together in programme.xlsx and run the command again. Nothing was changed."
        ).format(at=_moment(at), where=where, copy=CONFLICT_FILE)
    )


def _moment(stored: str) -> str:
    """A stored moment (ISO 8601, UTC) as the console's language writes it, local time."""
    try:
        at = dt.datetime.fromisoformat(stored).astimezone()
    except ValueError:
        return stored
    return format_datetime(at.replace(tzinfo=None), console_language())


def _data(conn: Any, content_hash: str) -> bytes:
    return bytes(conn.execute(POSTGRESQL["data"], (content_hash,)).fetchone()[0])


def _held(conn: Any, content_hash: str | None) -> bool:
    return conn.execute(POSTGRESQL["held"], (content_hash,)).fetchone() is not None


def _publish(ws: Workspace, conn: Any, data: bytes, content_hash: Any, now: dt.datetime) -> str:
    """Publish the workspace's programme (it must load: a broken one stops here)."""
    from roundtrip.programme.workbook import load_programme

    programme = load_programme(ws.programme_path, ws.cache_dir)
    conn.execute(
        POSTGRESQL["publish"],
        (content_hash, data, programme.version, now.replace(microsecond=0).isoformat(), ws.where()),
    )
    return _("Published programme.xlsx into the shared register (version {version}).").format(
        version=programme.version
    )


def _remember(base_file: Any, content_hash: str) -> None:
    if not base_file.is_file() or base_file.read_text(encoding="ascii").strip() != content_hash:
        atomic_write_bytes(base_file, content_hash.encode("ascii") + b"\n")
