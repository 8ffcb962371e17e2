"""`roundtrip status PERIOD`: who has returned, who is late, who was rejected (the chase list).

A department with an accepted current submission for the period is *returned* (*late* when it
arrived after the deadline: period end + settings.deadline_days), else *rejected* when collect
logged a rejected file for it (reports/PERIOD/rejections.jsonl), else *missing*. Reads only:
the register (roundtrip.db) and the rejection log; never changes anything. Each department's
latest message for the period (roundtrip mail: register/mailings.py) is shown too, in a column
of its own that appears once anything was mailed.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from roundtrip.errors import printable
from roundtrip.language import (
    N_,
    _,
    console_language,
    format_date,
    format_datetime,
    ngettext,
    set_console_language,
    tr,
)
from roundtrip.parallel.heap import frozen_heap
from roundtrip.programme.model import Programme
from roundtrip.register import shared
from roundtrip.register.db import query, register_error
from roundtrip.register.mailings import KIND_WORDS, last_mailed
from roundtrip.register.programmes import agree
from roundtrip.register.rejections import REJECTIONS_FILE, read_entries
from roundtrip.workspace import Workspace

RETURNED, LATE, REJECTED, MISSING = "returned", "late", "rejected", "missing"
# How the chase list counts each health flag (health.rules.FLAGS), in the console language.
HEALTH_WORDS: dict[str, Callable[[int], str]] = {
    "overdue": lambda n: ngettext("{n} overdue", "{n} overdue", n),
    "stale": lambda n: ngettext("{n} stale", "{n} stale", n),
    "off_target": lambda n: ngettext("{n} behind target", "{n} behind target", n),
    "no_owner": lambda n: ngettext("{n} without a contact", "{n} without a contact", n),
}
STATES = (RETURNED, LATE, REJECTED, MISSING)
# What the chase list calls each state (the states themselves are identifiers).
STATE_WORDS = {
    RETURNED: N_("returned"),
    LATE: N_("late"),
    REJECTED: N_("rejected"),
    MISSING: N_("missing"),
}


@dataclass(frozen=True)
class StatusRow:
    department_id: str
    department_name: str
    state: str  # one of STATES
    received_at: str = ""  # ISO 8601 as stored (returned/late: the accepted file; rejected: it)
    signer: str = ""  # who saved the accepted file
    days_late: int = 0  # returned: days after the deadline; missing/rejected: today - deadline
    # rejected: the first problem; returned: the first problem of a later file, rejected
    # (as written to the department: in the programme's language)
    message: str = ""
    file: str = ""  # the file name as received
    # Computed health (roundtrip.health) of the department's actions: flag kind -> actions
    health: tuple[tuple[str, int], ...] = ()
    warnings: int = 0  # returned: the accepted file's warnings
    mailed_kind: str = ""  # the latest message mailed for the period (mailings.KINDS), if any
    mailed_at: dt.datetime | None = None  # when (timezone-aware, UTC)

    def note(self) -> str:
        """The chase list's note on the row (console language)."""
        if self.state in (RETURNED, LATE):
            if self.message:
                return _("a later file was rejected: {problem}").format(
                    problem=_one_line(self.message)
                )
            if self.warnings:
                return ngettext("{n} warning", "{n} warnings", self.warnings).format(
                    n=self.warnings
                )
        return _one_line(self.message or self.file)

    def health_text(self) -> str:
        """ "2 overdue, 1 stale" (console language); "" when nothing is flagged."""
        return ", ".join(HEALTH_WORDS[kind](n).format(n=n) for kind, n in self.health if n)

    def mailed(self) -> str:
        """The latest message mailed, as "reminder Oct 21, 2025" (console language; the local
        date); "" when none."""
        if not self.mailed_kind or self.mailed_at is None:
            return ""
        lang = console_language()
        word = KIND_WORDS.get(self.mailed_kind)
        kind = tr(lang, word) if word is not None else self.mailed_kind
        return f"{kind} {format_date(self.mailed_at.astimezone().date(), lang)}"


@dataclass(frozen=True)
class StatusReport:
    period: str
    deadline: dt.date
    today: dt.date
    rows: tuple[StatusRow, ...]
    unidentified: tuple[dict[str, Any], ...] = ()  # rejected files with no department

    def count(self, *states: str) -> int:
        return sum(1 for r in self.rows if r.state in states)

    @property
    def exit_code(self) -> int:
        """1 while any department is missing or rejected, else 0."""
        return 1 if self.count(MISSING, REJECTED) else 0

    def total_line(self) -> str:
        n, got, late = len(self.rows), self.count(RETURNED, LATE), self.count(LATE)
        if late:
            line = _(
                "{got} of {n} returned ({late} late), {rejected} rejected, {missing} missing"
                " — deadline {deadline}"
            )
        else:
            line = _(
                "{got} of {n} returned, {rejected} rejected, {missing} missing"
                " — deadline {deadline}"
            )
        return line.format(
            got=got,
            n=n,
            late=late,
            rejected=self.count(REJECTED),
            missing=self.count(MISSING),
            deadline=format_date(self.deadline, console_language()),
        )

    def lines(self) -> list[str]:
        """An aligned table for the terminal, then the total line (console language)."""
        # The last mail's column only once anything was mailed for the period.
        mailed = any(r.mailed_kind for r in self.rows)
        health = any(r.health for r in self.rows)
        head = [_("Department"), _("State"), _("Received"), _("By"), _("Days late")]
        head += [_("Last mail")] if mailed else []
        head += [_("Health")] if health else []
        head += [_("Note")]
        table = [head]
        for r in self.rows:
            row = [
                f"{r.department_id} {r.department_name}".strip(),
                _(STATE_WORDS[r.state]),
                _short_time(r.received_at),
                printable(r.signer),
                str(r.days_late) if r.days_late > 0 else "",
            ]
            row += [r.mailed()] if mailed else []
            row += [r.health_text()] if health else []
            table.append([*row, r.note()])
        widths = [max(len(row[i]) for row in table) for i in range(len(head) - 1)]
        out = []
        for row in table:
            cells = [row[i].ljust(widths[i]) for i in range(len(widths))]
            out.append("  ".join([*cells, row[-1]]).rstrip())
        out.insert(1, "  ".join("-" * w for w in widths) + "  " + "-" * 4)
        for rej in self.unidentified:
            name = printable(str(rej.get("original_name", "?")))
            problem = _one_line(rej.get("first_message"))
            out.append(
                _("unidentified file rejected: {file}: {problem}").format(
                    file=name, problem=problem
                )
            )
        out.append(self.total_line())
        return out


def period_status(
    ws: Workspace,
    period: str,
    today: dt.date | None = None,
    programme: Programme | None = None,
    database: str | None = None,
) -> StatusReport:
    """The chase list for `period`, departments in programme order.

    `programme` defaults to the workspace's programme.xlsx (passing one avoids reloading; with
    a current cache only its head and index are read: programme_source.py). `database`: a
    shared register's URL, read instead of the workspace's roundtrip.db (the rejected files
    are the ones this workspace collected: each coordinator keeps their own log).
    """
    from roundtrip.programme.source import Whole, open_source

    if database and programme is None:  # (the programme in force: the shared register's)
        agree(ws, database)
    source = (
        Whole(programme) if programme is not None else open_source(ws.programme_path, ws.cache_dir)
    )
    set_console_language(source.head.settings.language)  # (the cached programme says it too)
    try:
        # (the programme: not walked by the collector again)
        with frozen_heap(), shared.reported(database, storing=False):
            report = _period_status(
                ws, period, today, source.head, source.active_departments(), database
            )
            whole = getattr(source, "whole", None)
            return _with_health(ws, report, whole() if whole else source.head, database)
    finally:
        source.close()


def _period_status(
    ws: Workspace,
    period: str,
    today: dt.date | None,
    programme: Programme,
    active: Collection[str],
    database: str | None = None,
) -> StatusReport:
    p = programme.settings.period(period)
    key = str(p)
    deadline = p.deadline(programme.settings.deadline_days)
    today = today or dt.date.today()
    accepted, mailings = _read_register(ws.db_path, key, database)
    rejections = read_rejections(ws.reports(key) / REJECTIONS_FILE)

    latest_rejection: dict[str, dict[str, Any]] = {}
    unidentified: list[dict[str, Any]] = []
    for rej in rejections:
        dept = rej.get("department_id")
        if not dept:
            unidentified.append(rej)
            continue
        prev = latest_rejection.get(dept)
        if prev is None or str(rej.get("collected_at", "")) >= str(prev.get("collected_at", "")):
            latest_rejection[dept] = rej

    names = {d.id: d.name for d in programme.departments}
    expected = [d.id for d in programme.departments if d.id in active]
    extra = sorted((set(accepted) | set(latest_rejection)) - set(expected))
    overdue = max(0, (today - deadline).days)

    latest_mail: dict[str, tuple[str, dt.datetime]] = {}
    for (dept, kind), at in mailings.items():
        if dept not in latest_mail or at > latest_mail[dept][1]:
            latest_mail[dept] = (kind, at)

    rows: list[StatusRow] = []
    for dept in [*expected, *extra]:
        name = names.get(dept, "")
        sub = accepted.get(dept)
        if sub is not None:
            received = _date_of(sub["received_at"])
            late = received is not None and received > deadline
            later = latest_rejection.get(dept)
            note = ""
            if later and str(later.get("received_at") or "") > str(sub["received_at"]):
                note = str(later.get("first_message") or "")
            rows.append(
                StatusRow(
                    dept,
                    name,
                    LATE if late else RETURNED,
                    received_at=sub["received_at"],
                    signer=sub["signer"],
                    days_late=(received - deadline).days if late and received else 0,
                    message=note,
                    file=sub["original_name"],
                    warnings=int(sub["warnings"] or 0),
                )
            )
        elif dept in latest_rejection:
            rej = latest_rejection[dept]
            rows.append(
                StatusRow(
                    dept,
                    name,
                    REJECTED,
                    received_at=str(rej.get("received_at") or ""),
                    days_late=overdue,
                    message=_one_line(rej.get("first_message")),
                    file=str(rej.get("original_name") or ""),
                )
            )
        else:
            rows.append(StatusRow(dept, name, MISSING, days_late=overdue))
        if dept in latest_mail:
            kind, at = latest_mail[dept]
            rows[-1] = replace(rows[-1], mailed_kind=kind, mailed_at=at)
    return StatusReport(key, deadline, today, tuple(rows), tuple(unidentified))


def _with_health(
    ws: Workspace, report: StatusReport, programme: Programme, database: str | None = None
) -> StatusReport:
    """Each department's row with how many of its actions each health rule flags."""
    from roundtrip.health.rules import FLAGS
    from roundtrip.register.health import register_health

    if not database and not ws.db_path.exists():
        return report
    conn = shared.opened(ws.db_path, database)
    try:
        flags = register_health(conn, programme, programme.settings.period(report.period))
    finally:
        conn.close()
    lead = {a.id: a.department_id for a in programme.actions}
    counts: dict[str, dict[str, int]] = {}
    for aid, fs in flags.items():
        per = counts.setdefault(lead.get(aid, ""), dict.fromkeys(FLAGS, 0))
        for kind in {f.kind for f in fs}:
            per[kind] += 1
    rows = tuple(
        replace(r, health=tuple(counts[r.department_id].items()))
        if r.department_id in counts
        else r
        for r in report.rows
    )
    return replace(report, rows=rows)


def read_rejections(path: Path) -> list[dict[str, Any]]:
    """The rejection log, one entry per file content (the latest entry wins)."""
    by_hash: dict[str, dict[str, Any]] = {}
    for i, e in enumerate(read_entries(path)):
        by_hash[str(e.get("content_hash") or f"line-{i}")] = e
    return list(by_hash.values())


def _read_register(
    db_path: Path, period: str, database: str | None = None
) -> tuple[dict[str, Any], dict[tuple[str, str], dt.datetime]]:
    """department id -> its current (not superseded) accepted submission for `period` (a
    row by column name); and (department id, kind) -> when a message of that kind was last
    mailed for it. From the shared register at `database` when one is given."""
    if database:
        conn = shared.connect(database)
        try:
            return _accepted(conn, period), last_mailed(conn, period)
        finally:
            conn.close()
    if not db_path.is_file():
        return {}, {}
    try:
        conn = sqlite3.connect(db_path.resolve().as_uri() + "?mode=ro", uri=True, timeout=30)
        try:
            return _accepted(conn, period), last_mailed(conn, period)
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise register_error(db_path, exc) from exc


_ACCEPTED = ("department_id", "received_at", "signer", "original_name", "warnings")


def _accepted(conn: Any, period: str) -> dict[str, dict[str, Any]]:
    """department id -> its current submission for `period` (the latest received wins)."""
    if isinstance(conn, sqlite3.Connection):
        rows = query(
            conn,
            f"SELECT {', '.join(_ACCEPTED)} FROM submissions "
            "WHERE superseded_by IS NULL AND period = ? ORDER BY received_at, id",
            (period,),
        ).fetchall()
    else:
        from roundtrip.register.reads import run_statement

        rows = run_statement(conn, "accepted", p=period)
    return {r[0]: dict(zip(_ACCEPTED, r, strict=True)) for r in rows}


def _date_of(iso: str) -> dt.date | None:
    try:
        return dt.datetime.fromisoformat(str(iso).replace("Z", "+00:00")).date()
    except ValueError:
        try:
            return dt.date.fromisoformat(str(iso)[:10])
        except ValueError:
            return None


def _short_time(iso: str) -> str:
    """A stored moment as date and minutes in the console language, on the clock it was
    stored with."""
    if not iso:
        return ""
    try:
        t = dt.datetime.fromisoformat(str(iso).replace("Z", "+00:00"))
    except ValueError:
        return str(iso)
    return format_datetime(t.replace(tzinfo=None), console_language())


def _one_line(text: object, limit: int = 100) -> str:
    """One line of at most `limit` characters; control characters escaped (file names...)."""
    s = printable(" ".join(str(text or "").split()))
    return s if len(s) <= limit else s[: limit - 1] + "…"
