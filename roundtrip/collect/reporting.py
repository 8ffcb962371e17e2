"""collect's feedback: the validation report of a run and the annotated copies of its files.

Each file with problems gets a copy of itself with the problem cells marked (feedback.py);
many copies are spread over worker processes.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from roundtrip.errors import RoundtripError
from roundtrip.language import C_, tr
from roundtrip.parallel.pool import Threshold, map_in_order, workers_for
from roundtrip.programme.periods import Period
from roundtrip.returns.safety import DEFAULT_LIMITS, time_limited
from roundtrip.workspace import Workspace, fitted_name

if TYPE_CHECKING:
    from roundtrip.collect.outcome import FileOutcome

REPORT_FILE = "validation.xlsx"
FEEDBACK_DIR = "feedback"
# Annotated copies worth a pool (each one is quick to patch: ~4 ms). Spawned workers
# (Windows) import roundtrip's reading and writing first: 96 copies took as long in a spawned
# pool as here (0.36 s against 0.40 s), 192 a quarter less (0.57 s against 0.75 s).
POOL_MIN_COPIES = Threshold(32, spawned=128)


def write_feedback(
    outcomes: list[FileOutcome],
    ws: Workspace,
    period: Period,
    language: str,
    *,
    pool_min: int = POOL_MIN_COPIES,
) -> tuple[list[FileOutcome], Path | None]:
    """Write the validation report and annotated copies (when feedback.py is available);
    from `pool_min` copies on they are made by worker processes."""
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
            target = feedback_target(ws, period, o.name, o.path.suffix, language)
            # A file whose department was identified was read, so it passed the full safety
            # check already (its archived copy has the same bytes): no need to repeat it.
            checked = o.department_id is not None
            jobs[i] = (o.name, archived, o.problems, target, language, {"checked": checked})
    copies = _annotated_copies(write_annotated_copy, list(jobs.values()), pool_min)
    made = dict(zip(jobs, copies, strict=True))
    out = [dataclasses.replace(o, feedback=made.get(i)) for i, o in enumerate(outcomes)]
    return out, report


def feedback_target(ws: Workspace, period: Period, name: str, suffix: str, language: str) -> Path:
    """Where the annotated copy of the file `name` (with `suffix`) is written: its name says,
    in the programme's language, what it is (`HAL raportti_kommentoitu.xlsx`)."""
    mark = tr(language, C_("file name", "feedback"))
    folder = ws.reports(period) / FEEDBACK_DIR
    return folder / fitted_name(folder, Path(name).stem, f"_{mark}{suffix}")


def _annotated_copy(write: Callable[..., Path | None], job: tuple) -> Path | None:
    name, *args, options = job  # args: source, problems, target, language
    try:  # bounded like reading: a pathological file must not stall the run
        return time_limited(DEFAULT_LIMITS.time_limit_s, name, args[3], write, *args, **options)
    except RoundtripError:
        return None


def _copies(write: Callable[..., Path | None], jobs: list[tuple]) -> list[Path | None]:
    """(In a worker) the annotated copies of `jobs`."""
    return [_annotated_copy(write, job) for job in jobs]


def _annotated_copies(
    write: Callable[..., Path | None], jobs: list[tuple], pool_min: int = POOL_MIN_COPIES
) -> list[Path | None]:
    """The annotated copy of each job (None where none could be made), in order.

    From `pool_min` copies on they are spread over the CPUs: each is its own file, written
    from the archived original by the same function, so the files are the same wherever they
    were written (a killed worker's half-written copies are removed, the rest made here).
    """
    return list(
        map_in_order(
            jobs,
            functools.partial(_annotated_copy, write),
            functools.partial(_copies, write),
            workers=workers_for(len(jobs), pool_min),
            chunk=4,
            temporaries={Path(job[3]).parent for job in jobs},
        )
    )
