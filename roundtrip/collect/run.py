"""`roundtrip collect PERIOD [PATH ...]`: read returned files into the register.

Per file: hash its bytes; skip it when already stored; copy it into archive/<sha256><suffix>
first; read, validate and (when there is no error) store it in one transaction. A rejected file
never touches the register; it is logged in reports/PERIOD/rejections.jsonl (read by status).
Nothing a file contains can abort the run: every failure becomes a problem of that file. At the
end: reports/PERIOD/validation.xlsx (every problem of the run) and an annotated copy of each
file with problems in reports/PERIOD/feedback/.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roundtrip.collect.intake import Early, file_hash, iso_utc, take_in  # noqa: F401 - file_hash, iso_utc: re-exported
from roundtrip.collect.outcome import (
    ACCEPTED,
    ALREADY,
    REJECTED,
    SKIPPED,
    SUPERSEDED,
    WARNINGS,
    CollectResult,
    FileOutcome,
    collect_sources,
    programme_key,
)
from roundtrip.collect.recollect import all_collected_already
from roundtrip.collect.reporting import (  # noqa: F401 - re-exported: recollect and tests use them
    FEEDBACK_DIR,
    POOL_MIN_COPIES,
    REPORT_FILE,
    feedback_target,
    write_feedback,
)
from roundtrip.collect.store import (
    StoreRows,
    store_rows,
    store_submission,
    stored_hashes,
    stored_submission,
)
from roundtrip.errors import (
    Problem,
    ReturnError,
    RoundtripError,
    UsageError,
)
from roundtrip.language import _, format_number, set_console_language, tr
from roundtrip.parallel.heap import frozen_heap
from roundtrip.parallel.pool import Threshold, in_order, workers_for
from roundtrip.programme.periods import Period
from roundtrip.programme.source import Source, open_source
from roundtrip.progress import Progress, no_progress
from roundtrip.register import db as register
from roundtrip.register import rejections, shared
from roundtrip.register.programmes import agree
from roundtrip.register.rejections import REJECTIONS_FILE
from roundtrip.register.submissions import (
    StoredMeanwhile,
    after_storing,
    integrity_errors,
    secret,
    superseded_since,
)
from roundtrip.returns.read import read_return, scan_sources
from roundtrip.returns.safety import DEFAULT_LIMITS, TimeLimitError, time_limited
from roundtrip.returns.validate import prepare as prepare_validation
from roundtrip.returns.validate import validate_return
from roundtrip.workspace import Workspace, workspace_lock


@dataclass(frozen=True)
class _Unread:
    """Why a file could not be read; `final` when its bytes alone decide (not a timeout)."""

    problems: tuple[Problem, ...]
    final: bool = False


def _read(archived: Path, name: str, source: Source, period: Period, secret: bytes) -> StoreRows:
    lang = source.head.settings.language
    raw = read_return(archived, original_name=name, lang=lang)
    return store_rows(validate_return(raw, source.for_return(raw.identity), period, secret))


def _read_and_validate(
    archived: Path, name: str, source: Source, period: Period, secret: bytes
) -> StoreRows | _Unread:
    """The validated return's rows, or the problems that stopped the file from being read
    (in the programme's language: they are written into the annotated copy and the report)."""
    lang = source.head.settings.language
    try:
        return time_limited(
            DEFAULT_LIMITS.time_limit_s, name, lang, _read, archived, name, source, period, secret
        )
    except ReturnError as exc:
        p = exc.problem
        problem = Problem(name, p.message, p.sheet, p.cell, p.severity, p.value)
        return _Unread((problem,), final=not isinstance(exc, TimeLimitError))
    except RoundtripError as exc:
        message = tr(lang, "the file could not be read: {reason}").format(reason=exc)
        return _Unread((Problem(name, message),))
    except Exception as exc:  # noqa: BLE001 - nothing in a file may abort the run
        reason = f"{type(exc).__name__}: {exc}"
        message = tr(lang, "the file could not be read ({reason})").format(reason=reason)
        return _Unread((Problem(name, message),))


@dataclass(frozen=True)
class _Pending:
    """A file hashed and archived, waiting to be read, validated and stored."""

    name: str
    path: Path
    digest: str
    received_at: str
    archived: Path


@dataclass(frozen=True)
class _Run:
    """What every file of one collect run is handled with."""

    ws: Workspace
    conn: Any  # the register: sqlite3 (db.connect), or psycopg on a shared register
    source: Source  # the programme each return is validated against
    period: Period
    secret: bytes
    collected_at: str
    ledger: rejections.Pending  # the run's rejections, written at the end
    # The content hashes in the register (read once per run, kept up to date), so a new file
    # costs no query.
    known: set[str]
    early: Early | None = None  # files taken in while the programme loaded
    where: str = ""  # the workspace, as the register names where a file is archived

    def stored(self, digest: str) -> dict[str, Any] | None:
        return stored_submission(self.conn, digest) if digest in self.known else None

    @property
    def language(self) -> str:
        """The programme's language: the problems a run finds itself are written in it."""
        return self.source.head.settings.language

    def read(self, job: _Pending) -> StoreRows | _Unread:
        return _read_and_validate(job.archived, job.name, self.source, self.period, self.secret)


def _prepare(run: _Run, path: Path) -> FileOutcome | _Pending:
    """Take the file in (hash, archive: done already when run.early has it); an outcome when
    it is stored already or unreadable, else the job of reading it."""
    name = path.name
    early = run.early
    got = (early.get(path) if early else None) or take_in(run.ws.archive_dir, path)
    if got.error:
        message = tr(run.language, "the file cannot be read: {reason}").format(reason=got.error)
        return FileOutcome(name, path, REJECTED, problems=(Problem(name, message),))
    digest = got.digest
    old = run.stored(digest)
    if old is not None:
        return FileOutcome(name, path, ALREADY, old["department_id"], (), digest, int(old["id"]))
    if got.archived is None:  # not worth archiving: a return is tens of kB
        size = format_number(got.size / 1e6, run.language, decimals=0)
        message = tr(
            run.language,
            "the file is too large ({size} MB; a return is well under 1 MB): "
            "send the workbook you received, filled in",
        )
        too_big = Problem(name, message.format(size=size))
        run.ledger.add(
            digest,
            name,
            None,
            str(run.period),
            got.received_at,
            run.collected_at,
            (too_big,),
            final=True,
        )
        return FileOutcome(name, path, REJECTED, None, (too_big,), digest)
    return _Pending(name, path, digest, got.received_at, got.archived)


def _finish(run: _Run, job: _Pending, got: StoreRows | _Unread) -> FileOutcome:
    """Store a validated return (one transaction), or log why it was rejected."""
    name, path, digest, received_at = job.name, job.path, job.digest, job.received_at
    if isinstance(got, _Unread):
        problems, dept, final = got.problems, None, got.final
    else:
        problems, dept, final = got.problems, got.department_id, True
        if got.accepted:
            try:
                sid = store_submission(
                    run.conn,
                    got,
                    content_hash=digest,
                    original_name=name,
                    archive_path=job.archived.relative_to(run.ws.root).as_posix(),
                    received_at=received_at,
                    collected_at=run.collected_at,
                    signer=got.signer,
                    archived_in=run.where,
                )
            except StoredMeanwhile as exc:  # by another coordinator (a shared register)
                run.known.add(digest)
                return FileOutcome(name, path, ALREADY, dept, (), digest, exc.submission_id)
            except integrity_errors(run.conn) as exc:  # rolled back: the register is unchanged
                message = tr(run.language, "the return could not be stored ({reason})")
                problems = (*problems, Problem(name, message.format(reason=exc)))
                final = False
            else:
                run.known.add(digest)
                verdict = WARNINGS if got.warnings else ACCEPTED
                return FileOutcome(name, path, verdict, dept, problems, digest, sid)
    run.ledger.add(
        digest, name, dept, str(run.period), received_at, run.collected_at, problems, final=final
    )
    return FileOutcome(name, path, REJECTED, dept, problems, digest)


# Files worth taking in and reading in worker processes. Spawned workers (Windows) import
# roundtrip's readers first: 100 files took as long in a spawned pool as here (0.64 s against
# 0.65 s), 200 a quarter less (0.90 s against 1.17 s).
POOL_MIN_FILES = Threshold(50, spawned=150)
POOL_GROUP = 8  # files per task: each task costs this process some time to hand out
POOL_WINDOW = 16  # files read ahead per worker (bounds memory whatever the number of files)


def collect_period(
    ws: Workspace,
    period: str,
    paths: list[Path] | None = None,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
    *,
    pool_min: int = POOL_MIN_FILES,
    pool_group: int = POOL_GROUP,
    copies_pool_min: int = POOL_MIN_COPIES,
    database: str | None = None,
) -> CollectResult:
    """Collect returned files for `period` (default source: inbox/PERIOD/).

    `database`: a shared register's URL (PostgreSQL, register/shared.py) to store into instead
    of the workspace's roundtrip.db.

    From `pool_min` files on they are taken in by another process while the programme loads
    and read and validated by worker processes, `pool_group` files per task; from
    `copies_pool_min` annotated copies on, those are made by worker processes too. The
    outcome is the same either way."""
    if database:  # (the programme in force: the shared register's)
        agree(ws, database)
    with shared.reported(database):
        again = all_collected_already(ws, period, paths, database)
        if again is not None:
            return again
        with workspace_lock(ws), _early_intake(ws, period, paths, pool_min) as early:
            source = open_source(ws.programme_path, ws.cache_dir)
            try:
                with frozen_heap():  # the programme (a million objects): not walked by gc
                    pools = _Pools(pool_min, pool_group, copies_pool_min, database)
                    return _collect(ws, source, period, paths, progress, now, early, pools)
            finally:
                source.close()


@dataclass(frozen=True)
class _Pools:
    """collect_period's size thresholds for worker processes, passed down."""

    pool_min: int = POOL_MIN_FILES
    pool_group: int = POOL_GROUP
    copies_pool_min: int = POOL_MIN_COPIES
    database: str | None = None  # a shared register's URL (None: the workspace's roundtrip.db)


@contextmanager
def _early_intake(
    ws: Workspace, period: str, paths: list[Path] | None, pool_min: int
) -> Iterator[Early | None]:
    """Files taken in by another process while this one loads the programme (when there are
    enough files to read them in a pool anyway); None when not worth it or not possible."""
    from roundtrip.programme.periods import parse_period

    try:
        files, _ = scan_sources(list(collect_sources(ws, parse_period(period), paths)))
    except UsageError:
        files = []  # the run itself reports it, with the programme's cadence
    early = None
    if workers_for(len(files), pool_min) > 1:
        try:
            early = Early(ws.archive_dir, files)
        except (OSError, NotImplementedError):  # no processes here: taken in one by one
            early = None
    try:
        yield early
    finally:
        if early is not None:
            early.close()


def _collect(
    ws: Workspace,
    source: Source,
    period: str,
    paths: list[Path] | None,
    progress: Progress | None,
    now: dt.datetime | None,
    early: Early | None,
    pools: _Pools,
) -> CollectResult:
    """collect_period's work, under the workspace lock: every file taken in, read, validated
    and stored (or rejected) in file order; then what the run superseded, the rejections'
    log, the validation report and the annotated copies."""
    programme = source.head
    set_console_language(programme.settings.language)  # (the cached programme says it too)
    per = programme.settings.period(period)
    sources = collect_sources(ws, per, paths)
    files, skipped = scan_sources(list(sources))
    ledger = rejections.Pending(programme_key(ws))
    prepare_validation(programme)  # lookups built once, shared by forked readers
    conn = shared.connect(pools.database) if pools.database else register.connect(ws.db_path)
    try:
        collected_at = iso_utc(now or dt.datetime.now(dt.UTC))
        known = stored_hashes(conn)
        run = _Run(
            ws, conn, source, per, secret(conn), collected_at, ledger, known, early, ws.where()
        )
        each = _outcomes(run, files, workers_for(len(files), pools.pool_min), pools.pool_group)
        outcomes = list(
            (progress or no_progress)(each, _("Collecting {period}").format(period=per), len(files))
        )
        outcomes = _superseded(conn, outcomes)
        after_storing(conn, sum(o.verdict in (ACCEPTED, WARNINGS, SUPERSEDED) for o in outcomes))
    finally:
        conn.close()
    outcomes += [FileOutcome(p.name, p, SKIPPED, note=why) for p, why in skipped]
    rejections.append(ws.reports(per) / REJECTIONS_FILE, ledger.entries)
    outcomes, report = _feedback(outcomes, ws, per, programme.settings.language, pools)
    return CollectResult(str(per), tuple(outcomes), report, ws.reports(per) / FEEDBACK_DIR, sources)


def _outcomes(run: _Run, files: list[Path], workers: int, group: int) -> Iterator[FileOutcome]:
    """Each file's outcome, in file order. This process takes the files in (hash, archive)
    and stores them, one after the other, exactly as one by one; with several `workers` the
    reading and validating is done by worker processes a few files ahead, `group` files per
    task (and here again for any a killed worker did not deliver)."""
    jobs = (_prepare(run, path) for path in files)
    for job, read in in_order(
        jobs,
        run.read,
        _read_jobs,
        workers=workers,
        task=_reading,
        chunk=group,
        ahead=POOL_WINDOW,
        initializer=_init_reader,
        initargs=(run.source, run.period, run.secret),
    ):
        yield _settle(run, job, read)


def _settle(run: _Run, job: FileOutcome | _Pending, read: Callable[[], Any]) -> FileOutcome:
    """The file's outcome: decided when it was taken in, or the same bytes stored earlier
    in this run (a file seen twice), or its stored or rejected return (`read()`)."""
    if isinstance(job, FileOutcome):
        return job
    old = run.stored(job.digest)
    if old is not None:
        return FileOutcome(
            job.name, job.path, ALREADY, old["department_id"], (), job.digest, int(old["id"])
        )
    return _finish(run, job, read())


def _superseded(conn: Any, outcomes: list[FileOutcome]) -> list[FileOutcome]:
    """`outcomes`, a file stored in this run and superseded by a later one of it marked so."""
    stored = [o.submission_id for o in outcomes if o.verdict in (ACCEPTED, WARNINGS)]
    first_id = min(filter(None, stored), default=None)
    if first_id is None:
        return outcomes
    superseded = superseded_since(conn, first_id)  # (this run's ids: ids only grow)
    return [
        dataclasses.replace(o, verdict=SUPERSEDED)
        if o.verdict in (ACCEPTED, WARNINGS) and o.submission_id in superseded
        else o
        for o in outcomes
    ]


def _feedback(
    outcomes: list[FileOutcome], ws: Workspace, per: Period, language: str, pools: _Pools
) -> tuple[list[FileOutcome], Path | None]:
    """`outcomes` with their annotated copies, and the validation report (None when the run
    had no new file)."""
    fresh = [o for o in outcomes if o.verdict not in (ALREADY, SKIPPED)]
    if not fresh:
        return outcomes, None
    done, report = write_feedback(fresh, ws, per, language, pool_min=pools.copies_pool_min)
    by_id = {id(o): d for o, d in zip(fresh, done, strict=True)}
    return [by_id.get(id(o), o) for o in outcomes], report


# -- the reader processes ----------------------------------------------------------------------

_reader: tuple | None = None  # (source, period, secret) in a reader process


def _init_reader(*args: object) -> None:
    global _reader
    _reader = args
    # A return makes thousands of short-lived objects, none kept: collect the young ones
    # every 10,000 allocations rather than every 700 (~2 % of a reader's time).
    gc.set_threshold(10_000, 10, 10)


def _reading(job: FileOutcome | _Pending) -> tuple[Path, str] | None:
    """What a reader is given for the job (None: the file's outcome is known already)."""
    return (job.archived, job.name) if isinstance(job, _Pending) else None


def _read_jobs(jobs: list[tuple[Path, str]]) -> list[StoreRows | _Unread]:
    assert _reader is not None
    source, period, secret = _reader
    return [_read_and_validate(a, name, source, period, secret) for a, name in jobs]
