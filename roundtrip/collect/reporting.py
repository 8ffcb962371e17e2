"""collect's feedback: the validation report of a run and the annotated copies of its files.

Each file with problems gets a copy of itself with the problem cells marked (feedback.py);
many copies are spread over worker processes.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from roundtrip.errors import RoundtripError
from roundtrip.parallel.interrupts import ignore_interrupts, pool_in_use
from roundtrip.parallel.worker_ids import WorkerIds
from roundtrip.programme.periods import Period
from roundtrip.returns.generate import pool_workers
from roundtrip.returns.safety import DEFAULT_LIMITS, time_limit
from roundtrip.workspace import Workspace

if TYPE_CHECKING:
    from roundtrip.collect.outcome import FileOutcome

REPORT_FILE = "validation.xlsx"
FEEDBACK_DIR = "feedback"


def write_feedback(
    outcomes: list[FileOutcome], ws: Workspace, period: Period, language: str
) -> tuple[list[FileOutcome], Path | None]:
    """Write the validation report and annotated copies (when feedback.py is available)."""
    try:
        from roundtrip.collect.feedback import write_annotated_copy, write_validation_report
    except ImportError:  # pragma: no cover - feedback ships with roundtrip
        return outcomes, None
    reports = ws.reports(period)
    rows = [(o.department_id or "", p) for o in outcomes for p in o.problems]
    report = write_validation_report(rows, reports / REPORT_FILE, language)
    jobs = {}
    for i, o in enumerate(outcomes):
        if o.problems and o.content_hash:
            archived = ws.archive_dir / f"{o.content_hash}{o.path.suffix.lower()}"
            target = feedback_target(ws, period, o.name, o.path.suffix)
            # A file whose department was identified was read, so it passed the full safety
            # check already (its archived copy has the same bytes): no need to repeat it.
            checked = o.department_id is not None
            jobs[i] = (o.name, archived, o.problems, target, language, {"checked": checked})
    copies = _annotated_copies(write_annotated_copy, list(jobs.values()))
    made = dict(zip(jobs, copies, strict=True))
    out = [dataclasses.replace(o, feedback=made.get(i)) for i, o in enumerate(outcomes)]
    return out, report


def feedback_target(ws: Workspace, period: Period, name: str, suffix: str) -> Path:
    """Where the annotated copy of the file `name` (with `suffix`) is written."""
    return ws.reports(period) / FEEDBACK_DIR / f"{Path(name).stem}_feedback{suffix}"


POOL_MIN_COPIES = 32  # annotated copies (~8 ms each patching the xlsx) worth a pool


def _annotated_copy(write: Callable[..., Path], job: tuple) -> Path | None:
    name, *args, options = job
    try:  # bounded like reading: a pathological file must not stall the run
        with time_limit(DEFAULT_LIMITS.time_limit_s, name):
            return write(*args, **options)
    except RoundtripError:
        return None


def _init_copier(started: WorkerIds) -> None:
    ignore_interrupts()
    started.started()


def _annotated_copies(write: Callable[..., Path], jobs: list[tuple]) -> list[Path | None]:
    """The annotated copy of each job (None where none could be made), in order.

    Many copies are spread over the CPUs: each is its own file, written from the archived
    original by the same function, so the files are the same wherever they were written.
    """
    workers = pool_workers(len(jobs), POOL_MIN_COPIES)
    if workers > 1:
        import functools
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor
        from concurrent.futures.process import BrokenProcessPool

        ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else None)
        try:
            started = WorkerIds(ctx)
            pool = ProcessPoolExecutor(workers, ctx, initializer=_init_copier, initargs=(started,))
        except (OSError, NotImplementedError):  # no processes here: one by one
            pass
        else:
            try:
                with pool_in_use(pool):
                    work = functools.partial(_annotated_copy, write)
                    return list(pool.map(work, jobs, chunksize=4))
            except BrokenProcessPool:  # a worker was killed: every copy is made here
                started.remove_temporaries(Path(job[3]).parent for job in jobs)
            finally:
                started.close()
    return [_annotated_copy(write, job) for job in jobs]
