"""Time and peak memory of `roundtrip register` (write_register) on a synthetic large register.

Default size: 3,000 departments x 60 actions x 8 quarters = 1.44M answer rows (and, with
--metrics 1, as many metric values), built with executemany straight into a real roundtrip.db.

    .venv/bin/python benchmarks/bench_register.py [--departments 3000 --actions 60 --periods 8
                                                   --metrics 1 --dir /tmp/rt-bench]

Peak memory is the process's maximum resident set size (ru_maxrss) during write_register,
next to the resident size just before it (the programme of 180,000 actions is in memory then).

Measured on the 2-CPU build machine (load ~3 from other jobs), Python 3.11:

  size (answers + metric values)      mode                     write_register  RSS before -> peak
  3000 x 60 x 8: 1.44M + 1.44M rows   streamed (xlsxstream)    123 s, 235 MB   164 -> 198 MB
  100 x 60 x 4: 24k + 24k rows        Excel tables (xlsxwriter) 13.7 s, 3 MB    29 -> 251 MB
  8 x 7 x 14 (Aura-sized)             Excel tables              0.4 s            25 -> 34 MB

The first run of the streamed writer went through xlsxwriter's constant_memory mode instead:
about 15 µs per cell, i.e. ~13 minutes for this register; hence xlsxstream.py, and hence tables
only up to export.TABLE_ROW_LIMIT rows (xlsxwriter holds every cell in memory until close).
"""

from __future__ import annotations

import argparse
import gc
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from roundtrip.programme.bundled import default_status_scale  # noqa: E402
from roundtrip.programme.model import (  # noqa: E402
    Action,
    Department,
    Metric,
    Priority,
    Programme,
    Settings,
)
from roundtrip.programme.periods import Period  # noqa: E402
from roundtrip.register.db import connect  # noqa: E402
from roundtrip.register.workbook import write_register  # noqa: E402
from roundtrip.workspace import Workspace  # noqa: E402

STATUSES = ("not_started", "on_track", "minor", "major", "done", "cancelled")


def programme(n_depts: int, n_actions: int, n_metrics: int) -> Programme:
    depts = tuple(Department(f"D{d:04d}", f"Department {d}") for d in range(n_depts))
    actions = []
    for d in range(n_depts):
        for a in range(n_actions):
            aid = f"D{d:04d}-{a:02d}"
            metrics = tuple(
                Metric(f"{aid}-M{m + 1}", aid, f"Metric {m + 1} of {aid}", "count", "pcs")
                for m in range(n_metrics)
            )
            actions.append(
                Action(aid, f"P{a % 4 + 1}", f"D{d:04d}", f"Action {a} of department {d}", metrics)
            )
    settings = Settings("bench", "Benchmark programme", "Bench", "fi", "quarter", "2024Q1")
    priorities = tuple(Priority(f"P{i}", f"Priority {i}") for i in range(1, 5))
    return Programme(settings, priorities, depts, tuple(actions), default_status_scale("fi"))


def build(db: Path, n_depts: int, n_actions: int, n_periods: int, n_metrics: int) -> int:
    conn = connect(db)
    conn.execute("PRAGMA journal_mode = OFF")
    periods = [str(Period(2024, 1, "quarter").shift(i)) for i in range(n_periods)]
    conn.execute("BEGIN")
    subs = []
    sid = 0
    for p in periods:
        for d in range(n_depts):
            sid += 1
            subs.append(
                (
                    sid,
                    f"h{sid}",
                    f"{p}_D{d:04d}.xlsx",
                    f"archive/h{sid}.xlsx",
                    f"D{d:04d}",
                    p,
                    "2025-10-03T10:00:00",
                    "2025-10-03T10:05:00",
                    "accepted",
                    "Bench Person",
                )
            )
    conn.executemany(
        "INSERT INTO submissions(id, content_hash, original_name, archive_path, department_id, "
        "period, received_at, collected_at, verdict, signer) VALUES (?,?,?,?,?,?,?,?,?,?)",
        subs,
    )

    def answers():
        s = 0
        for p in periods:
            for d in range(n_depts):
                s += 1
                for a in range(n_actions):
                    row = 4 + a
                    yield (
                        s,
                        p,
                        f"D{d:04d}",
                        f"D{d:04d}-{a:02d}",
                        STATUSES[(a + s) % 6],
                        (a * 7 + s) % 101,
                        f"Comment on action {a} in {p}",
                        "Toimenpiteet",
                        f"K{row}",
                        f"L{row}",
                        f"M{row}",
                    )

    conn.executemany("INSERT INTO answers VALUES (?,?,?,?,?,?,?,?,?,?,?)", answers())

    def metric_values():
        s = 0
        for p in periods:
            for d in range(n_depts):
                s += 1
                row = 3
                for a in range(n_actions):
                    for m in range(n_metrics):
                        row += 1
                        v = (a * 13 + s + m) % 1000
                        yield (
                            s,
                            p,
                            f"D{d:04d}",
                            f"D{d:04d}-{a:02d}",
                            f"D{d:04d}-{a:02d}-M{m + 1}",
                            "count",
                            float(v),
                            str(v),
                            None,
                            "Mittarit",
                            f"K{row}",
                            f"L{row}",
                        )

    conn.executemany("INSERT INTO metric_values VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", metric_values())
    conn.execute("COMMIT")
    n = conn.execute("SELECT COUNT(*) FROM answers").fetchone()[0]
    conn.close()
    return n


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * resource.getpagesize() / 2**20


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--departments", type=int, default=3000)
    ap.add_argument("--actions", type=int, default=60)
    ap.add_argument("--periods", type=int, default=8)
    ap.add_argument("--metrics", type=int, default=1, help="metrics per action")
    ap.add_argument("--dir", type=Path, help="work folder (default: a temporary one, removed)")
    ap.add_argument("--reuse", action="store_true", help="keep an existing roundtrip.db in --dir")
    args = ap.parse_args()

    work = args.dir or Path(tempfile.mkdtemp(prefix="rt-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    db = work / "roundtrip.db"
    try:
        t0 = time.perf_counter()
        if db.exists() and args.reuse:
            n = args.departments * args.actions * args.periods
        else:
            if db.exists():
                db.unlink()
            n = build(db, args.departments, args.actions, args.periods, args.metrics)
        t_build = time.perf_counter() - t0
        prog = programme(args.departments, args.actions, args.metrics)
        gc.collect()
        before = rss_mb()
        t1 = time.perf_counter()
        out = write_register(Workspace(work), work / "register.xlsx", prog)
        t_write = time.perf_counter() - t1
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"register: {n:,} answers, {n * args.metrics:,} metric values "
            f"({args.departments} x {args.actions} x {args.periods}); built in {t_build:.1f} s"
        )
        print(
            f"write_register: {t_write:.1f} s, {out.stat().st_size / 2**20:.0f} MB xlsx; "
            f"RSS before {before:.0f} MB, peak {peak:.0f} MB"
        )
    finally:
        if args.dir is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
