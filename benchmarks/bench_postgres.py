"""The commands that work on a shared register, on SQLite and on PostgreSQL, side by side.

    ROUNDTRIP_BENCH_DATABASE_URL=postgresql+psycopg://USER@/DB?host=/var/run/postgresql \\
        .venv/bin/python benchmarks/bench_postgres.py [--size 3000] [--repeat 1]

On benchmarks/run.py's synthetic workspace of SIZE returns (built and cached as there), each
run copies the workspace twice and runs, as `roundtrip` subprocesses, the same steps on the
workspace's roundtrip.db and on a fresh schema of the PostgreSQL database (made for the run,
dropped after it), alternating which backend goes first:

    generate PERIOD, collect PERIOD (cold), collect PERIOD again (every file stored),
    status PERIOD (the chase list, with health), summary PERIOD, register (the workbook),
    generate NEXT (the next quarter's workbooks, with the last answers)

Wall and CPU time (user + system, children included) as in run.py; the ratio PostgreSQL /
SQLite per step (issue 25: within 1.5x). The database user must be allowed to make schemas.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import uuid
from pathlib import Path
from urllib.parse import quote

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from benchmarks.run import (  # noqa: E402
    NEXT,
    PERIOD,
    build_base,
    copy_workspace,
    roundtrip_cmd,
    run_child,
)

STEPS = (
    "generate",
    "collect (cold)",
    "collect again",
    "status",
    "summary",
    "register",
    "generate next period",
)


def _steps(ws: Path, env_url: str | None) -> dict[str, tuple[float, float, float]]:
    """Every step on the workspace `ws`, on the shared register at `env_url` (None: its own)."""
    if env_url:
        os.environ["ROUNDTRIP_DATABASE_URL"] = env_url
    else:
        os.environ.pop("ROUNDTRIP_DATABASE_URL", None)
    rt = [*roundtrip_cmd(), "-q", "-w", str(ws)]
    try:
        return {
            "generate": run_child([*rt, "generate", PERIOD]),
            "collect (cold)": run_child([*rt, "collect", PERIOD]),
            "collect again": run_child([*rt, "collect", PERIOD]),
            "status": run_child([*rt, "status", PERIOD]),
            "summary": run_child([*rt, "summary", PERIOD]),
            "register": run_child([*rt, "register"]),
            "generate next period": run_child([*rt, "generate", NEXT]),
        }
    finally:
        os.environ.pop("ROUNDTRIP_DATABASE_URL", None)


def _stored(ws: Path, url: str | None) -> int:
    """How many returns the register holds (the same on both backends, or the run is void)."""
    from roundtrip.register import db, shared

    conn = shared.connect(url) if url else db.connect(ws / "roundtrip.db")
    try:
        return int(conn.execute("SELECT COUNT(*) FROM current_submissions").fetchone()[0])
    finally:
        conn.close()


def _same_secret(base: Path, url: str) -> None:
    """A new shared register at `url` holding the workspace's signing secret."""
    from roundtrip.register import db, shared
    from roundtrip.register.submissions import secret

    local = db.connect(base / "roundtrip.db")
    key = secret(local).hex()
    local.close()
    conn = shared.connect(url)
    conn.execute("INSERT INTO meta (key, value) VALUES ('secret', %s)", (key,))
    conn.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", type=int, default=3000, help="returns (default 3000)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each backend (default 1)")
    ap.add_argument("--actions", type=int, default=60)
    args = ap.parse_args()
    url = os.environ.get("ROUNDTRIP_BENCH_DATABASE_URL")
    if not url:
        raise SystemExit("set ROUNDTRIP_BENCH_DATABASE_URL to a PostgreSQL database")
    from sqlalchemy import create_engine, text

    base = build_base(args.size, args.actions, os.cpu_count() or 1)
    run_child([*roundtrip_cmd(), "-q", "-w", str(base), "check"])  # (the programme cached)
    admin = create_engine(url)
    runs: dict[str, list[dict]] = {"sqlite": [], "postgresql": []}
    with tempfile.TemporaryDirectory(prefix="rt-bench-pg-") as tmp:
        for r in range(args.repeat):
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            with admin.begin() as c:
                c.execute(text(f'CREATE SCHEMA "{schema}"'))
            there = (
                url + ("&" if "?" in url else "?") + "options=" + quote(f"-csearch_path={schema}")
            )
            _same_secret(base, there)  # (the cached inbox was signed with the workspace's)
            try:
                order = [("sqlite", None), ("postgresql", there)]
                for name, target in order if r % 2 == 0 else reversed(order):
                    ws = copy_workspace(base, Path(tmp) / f"{name}{r}")
                    runs[name].append(_steps(ws, target))
                    print(f"  run {r + 1} {name}: {_stored(ws, target)} returns stored", flush=True)
            finally:
                with admin.begin() as c:
                    c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()
    print(f"\n{args.size} returns, medians of {args.repeat} (wall s / CPU s)")
    print("| step | SQLite | PostgreSQL | PostgreSQL / SQLite |\n|---|---:|---:|---:|")
    for step in STEPS:
        a = [run[step] for run in runs["sqlite"]]
        b = [run[step] for run in runs["postgresql"]]
        wa, ca = statistics.median(x[0] for x in a), statistics.median(x[1] for x in a)
        wb, cb = statistics.median(x[0] for x in b), statistics.median(x[1] for x in b)
        print(f"| {step} | {wa:.2f} / {ca:.2f} | {wb:.2f} / {cb:.2f} | {wb / wa:.2f}× |")


if __name__ == "__main__":
    main()
