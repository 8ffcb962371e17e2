"""`roundtrip generate PERIOD`: one return workbook per department into outbox/PERIOD/."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from xlsxwriter.exceptions import FileCreateError

from roundtrip.errors import UsageError
from roundtrip.language import _, ngettext
from roundtrip.parallel.heap import frozen_heap
from roundtrip.parallel.pool import Threshold, map_in_order, workers_for
from roundtrip.programme.model import Programme
from roundtrip.programme.periods import Period
from roundtrip.programme.source import Source, Whole, open_source
from roundtrip.progress import Progress, no_progress
from roundtrip.register import db as register
from roundtrip.register import shared
from roundtrip.register.history import Previous, last_answers
from roundtrip.register.programmes import agree
from roundtrip.register.submissions import secret as signing_secret
from roundtrip.returns.contract import return_filename
from roundtrip.returns.workbook import ReturnInfo, write_return_workbook
from roundtrip.workspace import Workspace, cannot_write


@dataclass(frozen=True)
class GenerateResult:
    period: str
    outbox: Path
    files: tuple[ReturnInfo, ...]
    notes: tuple[str, ...] = ()  # console lines, already in the console language

    def lines(self) -> list[str]:
        """The console lines, in the console language (built now, not when generated)."""
        out = [*self.notes]
        for f in self.files:
            actions = ngettext("{n:>3} action", "{n:>3} actions", f.actions).format(n=f.actions)
            metrics = ngettext("{n:>3} metric", "{n:>3} metrics", f.metrics).format(n=f.metrics)
            out.append(f"{f.department_id:<6} {actions} {metrics}  {f.path.name}")
        n_actions = sum(f.actions for f in self.files)
        n_metrics = sum(f.metrics for f in self.files)
        wrote = ngettext(
            "Wrote {n} workbook for {period} into {outbox} ({actions}, {metrics})",
            "Wrote {n} workbooks for {period} into {outbox} ({actions}, {metrics})",
            len(self.files),
        )
        out.append(
            wrote.format(
                n=len(self.files),
                period=self.period,
                outbox=self.outbox,
                actions=ngettext("{n} action", "{n} actions", n_actions).format(n=n_actions),
                metrics=ngettext("{n} metric", "{n} metrics", n_metrics).format(n=n_metrics),
            )
        )
        out.append(
            _(
                "Next: email each department its file; save the returns into {inbox} and run "
                "{command}"
            ).format(inbox=f"inbox/{self.period}/", command=f"'roundtrip collect {self.period}'")
        )
        return out


def default_now() -> dt.datetime:
    """SOURCE_DATE_EPOCH when set (reproducible builds), else now; UTC, whole seconds."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC).replace(tzinfo=None)
        except (ValueError, OverflowError, OSError) as exc:
            raise UsageError(
                _("SOURCE_DATE_EPOCH is not a Unix timestamp: {value!r}").format(value=epoch)
            ) from exc
    return dt.datetime.now(dt.UTC).replace(tzinfo=None, microsecond=0)


def select_departments(programme: Programme, departments: Sequence[str] | None) -> list[str]:
    """The department ids to generate, in programme order; unknown ids are a usage error."""
    known = [d.id for d in programme.departments]
    if not departments:
        return known
    wanted = [d.strip() for d in departments if d.strip()]
    by_fold = {k.casefold(): k for k in known}
    unknown = [d for d in wanted if d.casefold() not in by_fold]
    if unknown:
        message = ngettext(
            "unknown department: {unknown} (known: {known})",
            "unknown departments: {unknown} (known: {known})",
            len(unknown),
        )
        raise UsageError(message.format(unknown=", ".join(unknown), known=", ".join(known)))
    chosen = {by_fold[d.casefold()] for d in wanted}
    return [k for k in known if k in chosen]


def range_note(programme: Programme, period: Period) -> str:
    """A note when `period` lies outside the programme's first..last period ("" otherwise)."""
    s = programme.settings
    try:
        first = s.period(s.first_period) if s.first_period else None
        last = s.period(s.last_period) if s.last_period else None
    except UsageError:
        return ""
    if (first and period < first) or (last and period > last):
        span = f"{s.first_period or '…'}–{s.last_period or '…'}"
        return _("Note: {period} is outside the programme's periods ({span})").format(
            period=period, span=span
        )
    return ""


# Below this a process pool costs more than it saves. Spawned workers (Windows) start by
# importing roundtrip and unpickling the programme's head and the history: 50 departments of
# 60 actions took as long in a spawned pool as here (0.57 s against 0.60 s), 75 a quarter
# less (0.71 s against 0.92 s); forked ones pay from 25 on.
POOL_MIN_DEPARTMENTS = Threshold(50, spawned=60)
POOL_CHUNK = 10  # departments per task: small enough to spread, big enough to be cheap


def generate_workbooks(
    programme: Programme | Source,
    period: Period,
    outbox: Path,
    department_ids: Sequence[str],
    secret: bytes,
    previous: Previous | None,
    now: dt.datetime,
    progress: Progress | None = None,
    workers: int | None = None,
    *,
    pool_min: int = POOL_MIN_DEPARTMENTS,
    chunk: int = POOL_CHUNK,
) -> tuple[ReturnInfo, ...]:
    """Write the workbooks of `department_ids` into `outbox` (no workspace, no register).

    Runs of at least `pool_min` departments are spread over a process pool (`workers`,
    default: as many as parallel.pool.workers_for gives), `chunk` departments per task;
    every workbook is written by the same code from the same inputs, so the files are the
    same byte for byte, and the result keeps the order of `department_ids`. A killed worker's
    half-written files are removed and the rest written here. `programme` may be a
    programme_source.Source: each workbook is then made from `for_department`'s programme.
    """
    source = Whole(programme) if isinstance(programme, Programme) else programme
    wrap = progress or no_progress
    ids = list(department_ids)
    workers = workers_for(len(ids), pool_min) if workers is None else workers
    args = (source, period, outbox, secret, previous, now)
    written = map_in_order(
        ids,
        lambda d: _write(args, d),
        _write_chunk,
        workers=workers if len(ids) > 1 else 1,
        chunk=chunk,
        initializer=_init_worker,
        initargs=args,  # (forked: inherited; spawned: pickled once, see parallel/pool.py)
        temporaries=[outbox],
    )
    return tuple(wrap(written, _("Generating {period}").format(period=period), len(ids)))


_job: tuple | None = None  # (source, period, outbox, secret, previous, now) of this process


def _init_worker(*args: object) -> None:
    global _job
    _job = args


def _write(job: tuple, dept_id: str) -> ReturnInfo:
    source, period, outbox, secret, previous, now = job
    programme = source.for_department(dept_id)  # (only its actions, from a current cache)
    dept = programme.department(dept_id)
    target = outbox / return_filename(str(period), dept.id, dept.name)
    try:
        return write_return_workbook(target, programme, dept.id, period, secret, previous, now)
    except (OSError, FileCreateError) as exc:  # (raised in a worker: reaches the caller as is)
        raise cannot_write(target, exc) from exc


def _write_chunk(dept_ids: list[str]) -> list[ReturnInfo]:
    assert _job is not None
    return [_write(_job, d) for d in dept_ids]


def generate_period(
    ws: Workspace,
    period: str,
    departments: Sequence[str] | None = None,
    progress: Progress | None = None,
    now: dt.datetime | None = None,
    *,
    pool_min: int = POOL_MIN_DEPARTMENTS,
    database: str | None = None,
) -> GenerateResult:
    """Write one return workbook per (selected) department into outbox/PERIOD/.

    `database`: a shared register's URL (PostgreSQL, register/shared.py): the workbooks are
    signed with its secret and show its last answers (work in progress, issue 25).

    With a current programme cache each workbook is made from its department's slice of it
    (programme_source.py): the whole programme is never built. From `pool_min` departments
    on, the workbooks are written by worker processes.
    """
    if database:  # (the programme in force: the shared register's)
        agree(ws, database)
    source = open_source(ws.programme_path, ws.cache_dir)
    try:
        with frozen_heap():  # the programme: not walked by every full gc, here or in workers
            return _generate(ws, source, period, departments, progress, now, pool_min, database)
    finally:
        source.close()


def _generate(
    ws: Workspace,
    source: Source,
    period: str,
    departments: Sequence[str] | None,
    progress: Progress | None,
    now: dt.datetime | None,
    pool_min: int,
    database: str | None = None,
) -> GenerateResult:
    programme = source.head
    per = programme.settings.period(period)
    dept_ids = select_departments(programme, departments)
    conn = shared.connect(database) if database else register.connect(ws.db_path)
    try:
        secret = signing_secret(conn)
        previous = last_answers(conn, programme, per, dept_ids if departments else None)
    finally:
        conn.close()
    outbox = ws.outbox(per)
    infos = generate_workbooks(
        source,
        per,
        outbox,
        dept_ids,
        secret,
        previous,
        now or default_now(),
        progress,
        pool_min=pool_min,
    )
    # The folder the returns go into, so the coordinator sees where to drop them.
    ws.inbox(per).mkdir(parents=True, exist_ok=True)
    note = range_note(programme, per)
    return GenerateResult(str(per), outbox, infos, (note,) if note else ())
