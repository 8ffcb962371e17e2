"""The council summary workbook (and its PDF): `roundtrip summary PERIOD [--pdf]`.

Figures come from summary_data (pure aggregation over the register); the sheets are drawn by
summary_sheets. The workbook is written atomically, in the programme's language.
"""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
import subprocess
import tempfile
import uuid
from collections.abc import Callable
from pathlib import Path

import xlsxwriter

from .errors import RoundtripError, WorkspaceError
from .heap import collector_paused, frozen_heap
from .model import Programme
from .periods import Period
from .register import connect
from .resources import wording
from .summary_data import NOT_ANSWERED, Lists, SummaryData, load_lists, load_summary
from .summary_metrics import write_metrics
from .summary_overview import write_overview
from .summary_sheets import (
    NOT_ANSWERED_CHART,
    Context,
    make_formats,
    unique_sheet_name,
    write_action_list,
    write_departments,
    write_trend,
)
from .workspace import Workspace, atomic_path
from .xlsx_bulk import finish, render_ahead, render_here

PDF_TIMEOUT = 180  # seconds
INSTALL_HINT = "apt-get install libreoffice-calc-nogui"

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "constant_memory": True,
}


class PdfError(RoundtripError):
    """The workbook was written but could not be rendered to PDF."""

    exit_code = 1


def render_summary(data: SummaryData, programme: Programme, output: Path) -> Path:
    """Write the summary workbook for `data` to `output` (atomically)."""
    return render_lists(data, lambda: data, programme, output)


def render_lists(
    lists: Lists | SummaryData,
    figures: Callable[[], SummaryData],
    programme: Programme,
    output: Path,
) -> Path:
    """render_summary from load_lists' two steps: the long lists' sheets are drawn first and
    their rows start rendering in worker processes; then `figures()` is counted and the
    other sheets drawn meanwhile."""
    with collector_paused():
        return _render_summary(lists, figures, programme, Path(output))


def _render_summary(
    lists: Lists | SummaryData,
    figures: Callable[[], SummaryData],
    programme: Programme,
    output: Path,
) -> Path:
    words = wording(programme.settings.language)
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
        priority_sheets = [wb.add_worksheet(unique_sheet_name(t, taken)) for t, _ in by_priority]
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
        ahead = render_ahead(ctx.blocks, Path(scratch) / "blocks")
        started = len(ctx.blocks)
        try:
            data = figures()
            ctx = dataclasses.replace(ctx, data=data)  # the same list of blocks
            write_overview(ctx, overview)
            write_action_list(
                ctx,
                attention,
                w["attention_title"].format(period=data.period),
                data.attention,
                intro=w["attention_intro"].format(stale=2),
            )
            write_departments(ctx, departments)
            if trend is not None:
                write_trend(ctx, trend)
            done = render_here(ctx.blocks, Path(scratch) / "blocks", started) if ahead else None
            wb.close()
            finish(tmp, ctx.blocks, ahead, done)
        except BaseException:
            if ahead is not None:
                ahead.close()  # no worker left writing into the scratch folder
            raise
    return output


def build_summary(
    conn: sqlite3.Connection, programme: Programme, period: Period, output: Path
) -> Path:
    """Aggregate the register and write the summary workbook: the core of write_summary."""
    return render_summary(load_summary(conn, programme, period), programme, output)


def _early_side(conn: sqlite3.Connection, period: str):
    """start_side for `period` as written (its cadence is checked once the programme is
    loaded); None when the text is no period at all (the programme's parser says why)."""
    from .periods import parse_period
    from .summary_passes import start_side

    try:
        return start_side(conn, str(parse_period(period)))
    except (RoundtripError, ValueError):
        return None


def write_summary(
    ws: Workspace, period: str, output: Path | None = None, pdf: bool = False
) -> list[Path]:
    """Write reports/PERIOD/summary.xlsx (or `output`), and its PDF with `pdf`; the paths."""
    from .programme import load_programme

    try:
        conn = connect(ws.db_path)
    except sqlite3.Error as exc:
        raise WorkspaceError(f"cannot open the register {ws.db_path}: {exc}") from exc
    try:
        # The passes over every answer need no programme: they start while it loads.
        side = _early_side(conn, period)
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
        with frozen_heap():  # the programme: not walked by the collector again
            render_lists(*load_lists(conn, programme, per, side), programme, target)
    except sqlite3.Error as exc:
        raise WorkspaceError(f"cannot read the register {ws.db_path}: {exc}") from exc
    except OSError as exc:
        raise WorkspaceError(f"cannot write {target}: {exc}") from exc
    finally:
        conn.close()
    paths = [target]
    if pdf:
        paths.append(to_pdf(target))
    return paths


def to_pdf(xlsx: Path, output: Path | None = None) -> Path:
    """Render `xlsx` to PDF with LibreOffice headless (private profile, time limit)."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        raise PdfError(
            f"wrote {xlsx}, but --pdf needs LibreOffice, which is not installed: "
            f"install it with '{INSTALL_HINT}' (or from libreoffice.org) and run again"
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
                f"wrote {xlsx}, but LibreOffice did not finish the PDF in {PDF_TIMEOUT} s"
            ) from exc
        produced = Path(tmp) / (xlsx.stem + ".pdf")
        if not produced.is_file():
            detail = (proc.stderr or proc.stdout or "").strip().splitlines()
            raise PdfError(
                f"wrote {xlsx}, but LibreOffice could not make a PDF of it"
                + (f": {detail[-1]}" if detail else "")
            )
        with atomic_path(target) as out:
            shutil.copyfile(produced, out)
    return target
