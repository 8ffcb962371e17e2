"""Registers for the tests on both backends: a workspace's SQLite register copied into a
shared one on PostgreSQL."""

from __future__ import annotations

import sqlite3

from roundtrip.register import shared


def copy_register(sqlite_path, url: str) -> None:
    """Every stored row of a workspace's register into a new shared register (ids kept; a
    submission's superseded_by set once every submission is there), so one set of returns
    can be read from both."""
    from roundtrip.register.submissions import RECORD_COLUMNS

    local = sqlite3.connect(sqlite_path)
    conn = shared.connect(url)
    try:
        head = [r[1] for r in local.execute("PRAGMA table_info(submissions)")]
        cols = ", ".join(head)
        subs = local.execute(f"SELECT {cols} FROM submissions ORDER BY id").fetchall()
        with conn.cursor() as cur:
            cur.executemany(
                f"INSERT INTO submissions ({cols}) VALUES ({', '.join(['%s'] * len(head))})",
                [
                    tuple(None if c == "superseded_by" else v for c, v in zip(head, r, strict=True))
                    for r in subs
                ],
            )
            by = head.index("superseded_by")
            cur.executemany(
                "UPDATE submissions SET superseded_by = %s WHERE id = %s",
                [(r[by], r[0]) for r in subs if r[by] is not None],
            )
            for table in (*RECORD_COLUMNS, "problems", "mailings"):
                names = [r[1] for r in local.execute(f"PRAGMA table_info({table})")]
                got = local.execute(f"SELECT {', '.join(names)} FROM {table}").fetchall()
                cur.executemany(
                    f"INSERT INTO {table} ({', '.join(names)}) "
                    f"VALUES ({', '.join(['%s'] * len(names))})",
                    got,
                )
            for table in ("submissions", "mailings"):  # (the next id after the copied ones)
                cur.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT COALESCE(MAX(id), 0) + 1 FROM {table}), false)"
                )
    finally:
        local.close()
        conn.close()
