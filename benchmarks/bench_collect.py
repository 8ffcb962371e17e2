"""Collect speed: time per file for ~100 Aura-sized returns.

usage: python benchmarks/bench_collect.py [N_FILES]   (default 100)

With ROUNDTRIP_BENCH_DATABASE_URL (a PostgreSQL database you may make schemas in, as the
tests' ROUNDTRIP_TEST_DATABASE_URL) the same files are then collected into a shared register
there too, in a schema made for the run and dropped after it (issue 25).

Builds a throw-away Aura workspace, generates 2025Q3, fills N returns with simulate.fill_return
(every department, different answers so each file is distinct), then times:
  - read_return + validate_return per file (the per-file core),
  - a full `collect` run (hash, archive, read, validate, store, report, annotated copies),
  - a second `collect` run (every file already collected).
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from roundtrip.collect.run import collect_period
from roundtrip.demo.fill import ActionAnswer, fill_return
from roundtrip.init import init_workspace
from roundtrip.programme.workbook import load_programme
from roundtrip.register import db as register
from roundtrip.register.submissions import secret as signing_secret
from roundtrip.returns.generate import generate_period
from roundtrip.returns.read import read_return
from roundtrip.returns.validate import validate_return
from roundtrip.workspace import Workspace

LABELS = ["Ei aloitettu", "Etenee suunnitellusti", "Pieniä haasteita", "Valmis"]


def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "aura"
        init_workspace(root, example="aura")
        ws = Workspace(root)
        generate_period(ws, "2025Q3", now=dt.datetime(2025, 9, 30, 12))
        programme = load_programme(ws.programme_path)
        outbox = {p.name.split("_")[1]: p for p in ws.outbox("2025Q3").glob("*.xlsx")}
        depts = [d.id for d in programme.departments if programme.actions_of(d.id)]
        inbox = ws.inbox("2025Q3")
        t0 = time.perf_counter()
        files = []
        for i in range(n):
            dept = depts[i % len(depts)]
            answers = {
                a.id: ActionAnswer(
                    LABELS[(i + j) % len(LABELS)], (i * 7 + j) % 101, f"kommentti {i}"
                )
                for j, a in enumerate(programme.actions_of(dept))
            }
            metrics = {
                m.id: ("Kyllä" if m.kind == "yesno" else i + 1)
                for a in programme.actions_of(dept)
                for m in a.metrics
            }
            files.append(
                fill_return(outbox[dept], inbox / f"{i:03d}_{dept}.xlsx", answers, metrics)
            )
        print(f"prepared {n} returns in {time.perf_counter() - t0:.1f} s")
        sizes = [f.stat().st_size for f in files]
        print(f"file size: median {statistics.median(sizes) / 1024:.0f} kB")

        conn = register.connect(ws.db_path)
        secret = signing_secret(conn)
        conn.close()
        period = programme.settings.period("2025Q3")
        per_file = []
        for f in files:
            t = time.perf_counter()
            raw = read_return(f, lang=programme.settings.language)
            v = validate_return(raw, programme, period, secret)
            per_file.append(time.perf_counter() - t)
            assert not v.errors, v.errors[:3]
        print(
            f"read+validate per file: median {statistics.median(per_file) * 1000:.1f} ms, "
            f"max {max(per_file) * 1000:.1f} ms"
        )

        t = time.perf_counter()
        result = collect_period(ws, "2025Q3")
        total = time.perf_counter() - t
        assert result.exit_code == 0
        print(
            f"collect {n} files: {total:.2f} s total, {total / n * 1000:.1f} ms per file "
            f"({result.count('accepted', 'warnings')} accepted, "
            f"{result.count('superseded')} superseded)"
        )
        t = time.perf_counter()
        again = collect_period(ws, "2025Q3")
        total = time.perf_counter() - t
        assert again.count("already collected") == n
        print(
            f"collect again (all already collected): {total:.2f} s, {total / n * 1000:.1f} ms per file"
        )
        url = os.environ.get("ROUNDTRIP_BENCH_DATABASE_URL")
        if url:
            _on_postgresql(url, root, Path(tmp) / "shared", secret, n)


def _on_postgresql(url: str, root: Path, copy: Path, secret: bytes, n: int) -> None:
    """The same files collected from a copy of the workspace (nothing collected yet) into a
    fresh shared register on PostgreSQL."""
    import shutil
    import uuid
    from urllib.parse import quote

    import psycopg
    from sqlalchemy import create_engine, text

    from roundtrip.register import shared

    shutil.copytree(
        root, copy, ignore=shutil.ignore_patterns("roundtrip.db*", "archive", "reports")
    )
    schema = f"bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as c:
        c.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        there = url + ("&" if "?" in url else "?") + "options=" + quote(f"-csearch_path={schema}")
        conn = shared.connect(there)
        conn.execute("INSERT INTO meta (key, value) VALUES ('secret', %s)", (secret.hex(),))
        conn.close()
        t = time.perf_counter()
        result = collect_period(Workspace(copy), "2025Q3", database=there)
        total = time.perf_counter() - t
        assert result.exit_code == 0
        print(
            f"collect {n} files into PostgreSQL: {total:.2f} s total, "
            f"{total / n * 1000:.1f} ms per file"
        )
    except psycopg.Error as exc:
        print(f"PostgreSQL: {exc}")
    finally:
        with admin.begin() as c:
            c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 100)
