"""How fast are return workbooks written?

    .venv/bin/python benchmarks/bench_generate.py [--departments 500] [--actions 60]

Times (1) the eight Aura workbooks and (2) a synthetic programme of many departments with
many actions each, serially and with a process pool, and prints ms per workbook.
Target: < 20 ms per Aura-sized workbook.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from roundtrip.programme.bundled import load_example, with_version  # noqa: E402
from roundtrip.programme.model import (  # noqa: E402
    METRIC_KINDS,
    Action,
    Department,
    Metric,
    Priority,
    Programme,
)
from roundtrip.register.history import Previous, PreviousAnswer  # noqa: E402
from roundtrip.returns.generate import generate_workbooks  # noqa: E402

NOW = dt.datetime(2025, 10, 1, 6, 0, 0)
SECRET = b"benchmark-secret"


def synthetic(departments: int, actions: int) -> Programme:
    base = load_example("aura")
    prios = tuple(
        Priority(f"P{i}", f"Painopiste {i}: kunnan elinvoima ja palvelut") for i in (1, 2, 3, 4)
    )
    depts = tuple(Department(f"D{d:03d}", f"Toimiala {d}, mikä?") for d in range(departments))
    acts = []
    for d in depts:
        for i in range(actions):
            aid = f"{d.id}-{i:02d}"
            kind = METRIC_KINDS[i % len(METRIC_KINDS)]
            metrics = (Metric(f"{aid}-M1", aid, f"Mittari {i} ({kind})", kind=kind, unit="kpl"),)
            acts.append(
                Action(
                    id=aid,
                    priority_id=prios[i % 4].id,
                    department_id=d.id,
                    text=f"Toimenpide {i}: yhteistyön tiivistäminen paikallisten toimijoiden kanssa",
                    metrics=metrics if i % 2 == 0 else (),
                    schedule="2024-2025" if i % 3 else "",
                    responsible="Toimialajohtaja" if i % 4 else "",
                )
            )
    return with_version(Programme(base.settings, prios, depts, tuple(acts), base.statuses))


def previous_for(p: Programme) -> Previous:
    return Previous(
        actions={
            a.id: PreviousAnswer("2025Q2", p.statuses[1].label, 50, "Edellinen kommentti")
            for a in p.actions[::2]
        }
    )


def _chunk(args):
    p, period, out, ids, prev = args
    return len(generate_workbooks(p, period, Path(out), ids, SECRET, prev, NOW, workers=1))


def run(p: Programme, out: Path, workers: int) -> tuple[int, float, float]:
    """(files, wall seconds, CPU seconds of this process)."""
    period = p.settings.period("2025Q3")
    ids = [d.id for d in p.departments]
    prev = previous_for(p)
    t = time.perf_counter()
    c0 = time.process_time()
    if workers <= 1:
        n = len(generate_workbooks(p, period, out, ids, SECRET, prev, NOW, workers=1))
    else:
        chunks = [ids[i::workers] for i in range(workers)]
        with ProcessPoolExecutor(workers) as pool:
            n = sum(pool.map(_chunk, [(p, period, str(out), c, prev) for c in chunks]))
    return n, time.perf_counter() - t, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--departments", type=int, default=500)
    ap.add_argument("--actions", type=int, default=60)
    ap.add_argument("--repeat", type=int, default=5, help="repeats of the Aura run")
    args = ap.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        aura = load_example("aura")
        run(aura, Path(tmp) / "warm", 1)
        runs = [run(aura, Path(tmp) / f"aura{i}", 1) for i in range(args.repeat)]
        n, wall, cpu = min(runs, key=lambda r: r[1])
        rows.append(("Aura (8 departments, 1-15 actions)", 1, n, wall, cpu))
        big = synthetic(args.departments, args.actions)
        for workers in (1, min(2, os.cpu_count() or 1)):
            n, wall, cpu = run(big, Path(tmp) / f"big{workers}", workers)
            label = f"synthetic ({args.departments} x {args.actions} actions)"
            rows.append((label, workers, n, wall, cpu if workers == 1 else float("nan")))
    print(f"load average: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPU(s)")
    head = (
        f"{'run':<40} {'workers':>7} {'files':>6} {'wall s':>7} {'ms/file':>8} {'CPU ms/file':>12}"
    )
    print(head)
    for label, workers, n, wall, cpu in rows:
        print(
            f"{label:<40} {workers:>7} {n:>6} {wall:>7.2f} {wall / n * 1000:>8.1f}"
            f" {cpu / n * 1000:>12.1f}"
        )


if __name__ == "__main__":
    main()
