"""The council summary workbook (and its PDF): `roundtrip summary PERIOD [--pdf]`.

Figures come from summary_data (pure aggregation over the register); the sheets are drawn by
summary_sheets. The workbook is written atomically, in the programme's language.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import xlsxwriter

from roundtrip.errors import RoundtripError, WorkspaceError
from roundtrip.language import N_, _, format_number
from roundtrip.language.wording import wording
from roundtrip.parallel.heap import collector_paused, frozen_heap
from roundtrip.programme.model import Programme
from roundtrip.programme.periods import Period
from roundtrip.progress import Progress, no_progress
from roundtrip.register import shared
from roundtrip.register.db import register_error
from roundtrip.register.programmes import agree
from roundtrip.summary.data import NOT_ANSWERED, Lists, SummaryData, load_lists, load_summary
from roundtrip.summary.metrics import write_metrics
from roundtrip.summary.overview import write_overview
from roundtrip.summary.sheets import (
    NOT_ANSWERED_CHART,
    Context,
    make_formats,
    unique_sheet_name,
    write_action_list,
    write_departments,
    write_trend,
)
from roundtrip.workspace import Workspace, atomic_path, cannot_write
from roundtrip.xlsx.bulk import PARALLEL_MIN_ROWS, finish, render_ahead, render_here

PDF_TIMEOUT = 180  # seconds
INSTALL_HINT = (
    "winget install --id TheDocumentFoundation.LibreOffice -e"
    if os.name == "nt"
    else "apt-get install libreoffice-calc-nogui"
)

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "constant_memory": True,
}


class PdfError(RoundtripError):
    """The workbook was written but could not be rendered to PDF."""

    exit_code = 1


def render_summary(
    data: SummaryData,
    programme: Programme,
    output: Path,
    *,
    pool_min_rows: int = PARALLEL_MIN_ROWS,
) -> Path:
    """Write the summary workbook for `data` to `output` (atomically)."""
    return render_lists(data, lambda: data, programme, output, pool_min_rows=pool_min_rows)


def render_lists(
    lists: Lists | SummaryData,
    figures: Callable[[], SummaryData],
    programme: Programme,
    output: Path,
    *,
    pool_min_rows: int = PARALLEL_MIN_ROWS,
) -> Path:
    """render_summary from load_lists' two steps: the long lists' sheets are drawn first and
    their rows start rendering in worker processes (from `pool_min_rows` rows on); then
    `figures()` is counted and the other sheets drawn meanwhile."""
    for _step in _render_steps(lists, figures, programme, Path(output), pool_min_rows):
        pass
    return Path(output)


RENDER_STEPS = 4  # _render_steps' steps


def _render_steps(
    lists: Lists | SummaryData,
    figures: Callable[[], SummaryData],
    programme: Programme,
    output: Path,
    pool_min_rows: int,
) -> Iterator[str]:
    """render_lists one step at a time (RENDER_STEPS), for a progress bar: the long lists
    drawn (their rows started in workers), the figures counted and drawn, the rows rendered
    here, the file finished. The collector is paused throughout."""
    with collector_paused():
        yield from _render_summary(lists, figures, programme, output, pool_min_rows)


def _render_summary(
    lists: Lists | SummaryData,
    figures: Callable[[], SummaryData],
    programme: Programme,
    output: Path,
    pool_min_rows: int,
) -> Iterator[str]:
    lang = programme.settings.language
    words = wording(lang)
    w = words["summary"]
    labels = {s.key: s.label for s in programme.statuses}
    labels[NOT_ANSWERED] = w["not_answered"]
    colours = {s.key: s.colour for s in programme.statuses}
    colours[NOT_ANSWERED] = NOT_ANSWERED_CHART
    with atomic_path(output) as tmp, tempfile.TemporaryDirectory(prefix="rt-summary-") as scratch:
        wb = xlsxwriter.Workbook(str(tmp), {**WORKBOOK_OPTIONS, "tmpdir": scratch})
        wb.set_properties(
            {
                "title": w["title"].format(programme=programme.settings.name, period=lists.period),
                "company": programme.settings.organisation,
                "author": "roundtrip",
            }
        )
        # Every sheet in its place first; the sheets are drawn in another order.
        taken: set[str] = set()
        overview, attention, departments = (
            wb.add_worksheet(unique_sheet_name(w[key], taken))
            for key in ("overview", "attention", "departments")
        )
        titles = {p.id: p.title for p in programme.priorities}
        first = [p.id for p in programme.priorities]  # each a sheet, even with no actions
        by_priority = [
            (f"{pid} {titles.get(pid, '')}".strip(), rows)
            for pid, rows in lists.actions.grouped(lambda a: a.priority_id, first).items()
        ]
        priority_sheets = [
            wb.add_worksheet(unique_sheet_name(t, taken)) for t, _rows in by_priority
        ]
        metrics = wb.add_worksheet(unique_sheet_name(w["metrics"], taken))
        trend = None
        if len(lists.periods) >= 2:
            trend = wb.add_worksheet(unique_sheet_name(w["trend"], taken))

        # The long lists, their rows rendered by worker processes while the figures are
        # counted and drawn here.
        ctx = Context(wb, make_formats(wb, programme, words), w, labels, colours, programme, lists)
        for (title, rows), sheet in zip(by_priority, priority_sheets, strict=True):
            write_action_list(ctx, sheet, title, rows)
        write_metrics(ctx, metrics)
        ahead = render_ahead(ctx.blocks, Path(scratch) / "blocks", pool_min_rows)
        started = len(ctx.blocks)
        try:
            yield "lists"
            data = figures()
            full = Context(  # the figures too, and the same list of blocks
                ctx.wb, ctx.fmt, ctx.words, ctx.labels, ctx.colours, ctx.programme, data, ctx.blocks
            )
            write_overview(full, overview)
            write_action_list(
                full,
                attention,
                w["attention_title"].format(period=data.period),
                data.attention,
                intro=w["attention_intro"].format(stale=2)
                + (
                    "\n"
                    + w["attention_more"].format(
                        n=format_number(data.attention_more, lang), column=w["health"]
                    )
                    if data.attention_more
                    else ""
                ),
            )
            write_departments(full, departments)
            if trend is not None:
                write_trend(full, trend)
            yield "figures"
            done = render_here(ctx.blocks, Path(scratch) / "blocks", started) if ahead else None
            yield "rows"
            wb.close()
            finish(tmp, ctx.blocks, ahead, done, pool_min_rows)
        except BaseException:
            if ahead is not None:
                ahead.close()  # no worker left writing into the scratch folder
            raise
    yield "written"


def build_summary(
    conn: Any,
    programme: Programme,
    period: Period,
    output: Path,
    *,
    pool_min_rows: int = PARALLEL_MIN_ROWS,
) -> Path:
    """Aggregate the register and write the summary workbook: the core of write_summary."""
    data = load_summary(conn, programme, period)
    return render_summary(data, programme, output, pool_min_rows=pool_min_rows)


def _early_side(conn: Any, period: str, database: str | None):
    """start_side for `period` as written (its cadence is checked once the programme is
    loaded); None when the text is no period at all (the programme's parser says why)."""
    from roundtrip.programme.periods import parse_period
    from roundtrip.summary.passes import start_side

    try:
        return start_side(conn, str(parse_period(period)), database=database)
    except (RoundtripError, ValueError):
        return None


SUMMARY_STEPS = 2 + RENDER_STEPS  # write_summary's progress steps
PROGRESS_LABEL = N_("Writing the summary")  # translated where shown (the CLI)


def write_summary(
    ws: Workspace,
    period: str,
    output: Path | None = None,
    pdf: bool = False,
    progress: Progress | None = None,
    *,
    pool_min_rows: int = PARALLEL_MIN_ROWS,
    database: str | None = None,
) -> list[Path]:
    """Write reports/PERIOD/summary.xlsx (or `output`), and its PDF with `pdf`; the paths.

    `progress` is called once, with the steps of the work (SUMMARY_STEPS of them). The
    passes over the register run in worker processes beside the rest, and so does the
    rendering of the long lists' rows from `pool_min_rows` rows on. `database`: a shared
    register's URL (register/shared.py), read instead of the workspace's roundtrip.db."""
    where: list[Path] = []  # the target, once the programme says the period
    if database:  # (the programme in force: the shared register's)
        agree(ws, database)
    with shared.reported(database, storing=False):
        conn = shared.opened(ws.db_path, database)
    try:
        with shared.reported(database, storing=False):
            steps = _summary_steps(conn, ws, period, output, where, pool_min_rows, database)
            for _step in (progress or no_progress)(steps, PROGRESS_LABEL, SUMMARY_STEPS):
                pass
    except sqlite3.Error as exc:
        raise register_error(ws.db_path, exc) from exc
    except (OSError, xlsxwriter.exceptions.FileCreateError) as exc:
        if where:
            raise cannot_write(where[0], exc) from exc
        raise WorkspaceError(_("cannot write the summary: {reason}").format(reason=exc)) from exc
    finally:
        conn.close()
    target = where[0]
    paths = [target]
    if pdf:
        paths.append(to_pdf(target))
    return paths


def _summary_steps(
    conn: Any,
    ws: Workspace,
    period: str,
    output: Path | None,
    where: list[Path],
    pool_min_rows: int,
    database: str | None,
) -> Iterator[str]:
    """write_summary's work, one step at a time (SUMMARY_STEPS); the target goes in `where`."""
    from roundtrip.programme.workbook import load_programme

    # The passes over every answer need no programme: they start while it loads.
    side = _early_side(conn, period, database)
    try:
        programme = load_programme(ws.programme_path, ws.cache_dir)
        per = programme.settings.period(period)
    except BaseException:
        if side is not None:
            side.close()
        raise
    if side is not None and str(per) != side.period:
        side.close()
        side = None
    target = Path(output) if output else ws.reports(per) / "summary.xlsx"
    where.append(target)
    yield "programme"
    with frozen_heap():  # the programme: not walked by the collector again
        lists, figures = load_lists(conn, programme, per, side)
        yield "loaded"
        yield from _render_steps(lists, figures, programme, target, pool_min_rows)


def find_soffice() -> str | None:
    """LibreOffice's soffice: on the PATH, else (Windows, where its installer does not add
    it to the PATH) in its usual folders under Program Files."""
    found = shutil.which("soffice") or shutil.which("libreoffice")
    if found or os.name != "nt":
        return found
    for base in (os.environ.get("PROGRAMFILES"), os.environ.get("PROGRAMFILES(X86)")):
        candidate = Path(base or "C:\\Program Files") / "LibreOffice" / "program" / "soffice.exe"
        if candidate.is_file():
            return str(candidate)
    return None


def to_pdf(xlsx: Path, output: Path | None = None) -> Path:
    """Render `xlsx` to PDF with LibreOffice headless (private profile, time limit)."""
    soffice = find_soffice()
    if soffice is None:
        raise PdfError(
            _(
                "wrote {path}, but --pdf needs LibreOffice, which is not installed: "
                "install it with '{command}' (or from libreoffice.org) and run again"
            ).format(path=xlsx, command=INSTALL_HINT)
        )
    target = output or xlsx.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="rt-pdf-") as tmp:
        profile = Path(tmp) / f"lo-{uuid.uuid4().hex}"
        cmd = [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            tmp,
            str(xlsx),
        ]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PDF_TIMEOUT)
        except subprocess.TimeoutExpired as exc:
            raise PdfError(
                _("wrote {path}, but LibreOffice did not finish the PDF in {seconds} s").format(
                    path=xlsx, seconds=PDF_TIMEOUT
                )
            ) from exc
        produced = Path(tmp) / (xlsx.stem + ".pdf")
        if not produced.is_file():
            detail = (proc.stderr or proc.stdout or "").strip().splitlines()
            if detail:
                message = _("wrote {path}, but LibreOffice could not make a PDF of it: {reason}")
            else:
                message = _("wrote {path}, but LibreOffice could not make a PDF of it")
            raise PdfError(message.format(path=xlsx, reason=detail[-1] if detail else ""))
        with atomic_path(target) as out:
            shutil.copyfile(produced, out)
    return target
