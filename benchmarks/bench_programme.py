"""Programme loading speed and memory at scale (every command loads programme.xlsx first).

300 organisations x 10 departments = 3,000 departments x 60 actions: 180,000 actions, one
metric each (180,000 metrics). The programme is built in memory, written once with
write_programme (cached under benchmarks/results/cache/), then load_programme is timed in a
fresh subprocess, several times, with wall time, CPU time and peak RSS.

    .venv/bin/python benchmarks/bench_programme.py [--departments 3000] [--actions 60] [--repeat 3]

Measured 2026-11-27 on the shared 2-core build machine (load ~2; a plain 10-million-step
Python loop takes 1.6 s here, ~4x a laptop), 13 MB programme.xlsx:
before (openpyxl read-only, Row objects per row, asdict + json version, scans per lookup):
load_programme 67.5 s wall / 65.6 s CPU, peak RSS 945 MB; actions_of + department for
3,000 departments 31.5 s wall / 22.7 s CPU.
after: load_programme 8.5-9.7 s wall / 8.4-9.7 s CPU, peak RSS 461 MB; lookups 0.7-0.8 s
(building the index once). Of the load, ~4 s is python-calamine parsing the two big sheets,
~2.5 s the version hash (kept byte-compatible with earlier versions), the rest the checks
and the 360,000 objects.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from roundtrip.programme.bundled import default_status_scale, with_version
from roundtrip.programme.model import Action, Department, Metric, Priority, Programme, Settings

PRIORITIES = 6
CACHE = Path(__file__).parent / "results" / "cache"


def programme(departments: int, actions: int) -> Programme:
    settings = Settings(
        "bench", "Benchmark programme", "Bench town", "fi", "quarter", "2024Q1", "2026Q4"
    )
    acts = []
    for d in range(departments):
        for j in range(actions):
            aid = f"P{j % PRIORITIES + 1}-{d:04d}{j:02d}"
            metric = Metric(f"{aid}-M1", aid, f"Mittari {j}", "count", "kpl", "0", "50")
            acts.append(
                Action(
                    aid,
                    f"P{j % PRIORITIES + 1}",
                    f"D{d:04d}",
                    f"Toimenpide {j} osastolla {d}: selvitetään ja kehitetään palvelua",
                    (metric,),
                    metric_text=f"Mittari {j}",
                    schedule="2024-2026",
                    responsible=f"Vastuuhenkilö {d}",
                    active=j % 20 != 19,
                )
            )
    return with_version(
        Programme(
            settings,
            tuple(Priority(f"P{i + 1}", f"Painopiste {i + 1}") for i in range(PRIORITIES)),
            tuple(
                Department(f"D{d:04d}", f"Organisaatio {d // 10} / toimiala {d % 10}")
                for d in range(departments)
            ),
            tuple(acts),
            default_status_scale("fi"),
        )
    )


def run(path: Path) -> None:
    """Child process: time one load_programme and the per-department lookups."""
    from roundtrip.programme.workbook import load_programme

    t0, c0 = time.perf_counter(), time.process_time()
    prog = load_programme(path)
    t1, c1 = time.perf_counter(), time.process_time()
    n = sum(len(prog.actions_of(d.id)) + (prog.department(d.id) is d) for d in prog.departments)
    t2, c2 = time.perf_counter(), time.process_time()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"load_programme {t1 - t0:.2f} s wall / {c1 - c0:.2f} s CPU "
        f"({len(prog.actions)} actions, version {prog.version}); "
        f"actions_of+department for {len(prog.departments)} departments "
        f"{t2 - t1:.2f} s wall / {c2 - c1:.2f} s CPU ({n}); peak RSS {rss:.0f} MB; "
        f"load average {os.getloadavg()[0]:.1f}",
        flush=True,
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--departments", type=int, default=3000)
    ap.add_argument("--actions", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--run", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.run:
        run(args.run)
        return
    from roundtrip.programme.workbook import write_programme

    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"programme-{args.departments}x{args.actions}.xlsx"
    if not path.exists():
        t0 = time.perf_counter()
        write_programme(programme(args.departments, args.actions), path)
        print(
            f"programme.xlsx: {args.departments} x {args.actions} written in "
            f"{time.perf_counter() - t0:.1f} s ({path.stat().st_size / 1e6:.1f} MB)"
        )
    for _ in range(args.repeat):
        subprocess.run([sys.executable, __file__, "--run", str(path)], check=True)


if __name__ == "__main__":
    main()
