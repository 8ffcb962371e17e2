"""`roundtrip register`: the master register workbook (reports/register.xlsx).

Sheets, in the programme's language, each a filterable table:

* Current: one row per action (programme order): its latest answer, the period of that answer
  and how many periods have passed since it, as of the latest collected period;
* History: every answer (action x period x submission), every field, with provenance
  (submission, file, sheet, cells, received) and whether the submission is current or superseded;
* Metrics: every metric value with kind, unit, baseline, target and its source cells;
* Submissions (all, superseded ones too), Proposals, Plan completions, Warnings.

Rows are streamed from SQLite in chunks. The usual register is written with xlsxwriter as Excel
tables; above TABLE_ROW_LIMIT rows in all (xlsxwriter holds every cell in memory, and its
constant_memory mode supports no tables) it is streamed by xlsxstream.StreamBook in flat memory
with an autofilter per sheet instead. A sheet that reaches Excel's row limit continues in
"History (2)" etc.
"""

from __future__ import annotations

import datetime as dt
import sqlite3
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from xlsxwriter.exceptions import FileCreateError

from roundtrip.errors import UsageError
from roundtrip.language import N_
from roundtrip.language.wording import wording
from roundtrip.parallel.heap import frozen_heap
from roundtrip.programme.model import Programme
from roundtrip.programme.periods import Period
from roundtrip.progress import Progress, no_progress
from roundtrip.register import shared
from roundtrip.register.columns import (
    COMPLETIONS,
    CURRENT,
    HISTORY,
    METRICS,
    PROPOSALS,
    SUBMISSIONS,
    WARNINGS,
    with_role,
)
from roundtrip.register.db import connect, refuse_newer, register_error
from roundtrip.register.health import register_health
from roundtrip.register.programmes import agree
from roundtrip.register.sheet_rows import (
    answered_actions,
    current_periods,
    latest_answers,
    row_count,
    sheet_rows,
)
from roundtrip.workspace import Workspace, atomic_path, cannot_write
from roundtrip.xlsx.number_formats import number_format
from roundtrip.xlsx.stream import POOL_MIN_SECTIONS, StreamBook
from roundtrip.xlsx.tables import Col, XlsxBook
from roundtrip.xlsx.text import MAX_ROWS

# Above this many rows in all, the workbook is streamed (xlsxstream) with autofilters.
TABLE_ROW_LIMIT = 20_000
PROGRESS_LABEL = N_("Writing the register")  # translated where shown (the CLI)
BATCH = 500  # actions per current-state query
Row = Mapping[str, Any]  # a stored row by column name (sqlite3.Row, or a dict)


def write_register(
    ws: Workspace,
    output: Path | None = None,
    programme: Programme | None = None,
    *,
    table_limit: int = TABLE_ROW_LIMIT,
    max_rows: int = MAX_ROWS - 1,
    progress: Progress | None = None,
    pool_min: int = POOL_MIN_SECTIONS,
    database: str | None = None,
) -> Path:
    """Write the master register workbook (default reports/register.xlsx); return its path.

    `programme` defaults to the workspace's programme.xlsx. `table_limit` (rows in all) decides
    between Excel tables and the constant-memory mode; `max_rows` is the data rows per sheet
    before a sheet continues in "Name (2)" (Excel's limit; smaller values are for tests).
    `progress` is called once, with the sheets' steps (SECTIONS of them, one as each sheet is
    finished). A streamed register's biggest sheet is made by a worker process meanwhile,
    when the register has at least `pool_min` sheets (StreamBook.run_sections). `database`:
    a shared register's URL (register/shared.py), written instead of the workspace's.
    """
    if programme is None:
        from roundtrip.programme.workbook import load_programme

        if database:  # (the programme in force: the shared register's)
            agree(ws, database)
        programme = load_programme(ws.programme_path, ws.cache_dir)
    target = Path(output) if output else ws.root / "reports" / "register.xlsx"
    where = database or ws.db_path
    with shared.reported(database, storing=False):
        conn = _open(where)
    try:
        if database is None:
            refuse_newer(conn, ws.db_path)  # (read-only: never upgraded here, but not misread)
        with shared.reported(database, storing=False):
            large = row_count(conn) > table_limit
        title, author = programme.settings.name, programme.settings.organisation
        moment = number_format("datetime", programme.settings.language)
        with atomic_path(target) as tmp, frozen_heap():
            book = (
                StreamBook(tmp, date_format=moment)
                if large
                else XlsxBook(tmp, title, author, date_format=moment)
            )
            try:
                writer = _Writer(book, conn, programme, max_rows, where, pool_min)
                with shared.reported(database, storing=False):
                    steps = writer.steps()
                    for _step in (progress or no_progress)(steps, PROGRESS_LABEL, SECTIONS):
                        pass
            except BaseException:
                if isinstance(book, StreamBook):
                    book.abandon()  # nothing to join: the file is discarded
                else:
                    book.close()
                raise
            book.close()
    except sqlite3.Error as exc:
        raise register_error(ws.db_path, exc) from exc
    except (OSError, FileCreateError) as exc:
        raise cannot_write(target, exc) from exc
    finally:
        conn.close()
    return target


def _open(db_path: Path | str) -> Any:
    """The register read-only; an empty in-memory one when the workspace has none yet; the
    shared register whose URL `db_path` is (a str)."""
    if isinstance(db_path, str):
        return shared.connect(db_path)
    if not db_path.is_file():
        return connect(":memory:")
    conn = sqlite3.connect(db_path.resolve().as_uri() + "?mode=ro", uri=True, timeout=30)
    conn.row_factory = sqlite3.Row
    return conn


def _moment(stored: str | None) -> dt.datetime | str | None:
    """A stored ISO moment as a date cell's value, on the clock it was stored with (as the
    chase list shows it); text that is no moment stays text."""
    if not stored:
        return None
    try:
        return dt.datetime.fromisoformat(str(stored).replace("Z", "+00:00")).replace(tzinfo=None)
    except ValueError:
        return stored


# The register's sheets, in order, each written by the _Writer method of its name.
SHEETS = (
    "current",
    "history",
    "metric_values",
    "submissions",
    "proposals",
    "completions",
    "warnings",
)
SECTIONS = len(SHEETS)  # progress steps: one a sheet


class _Writer:
    def __init__(
        self,
        book: Any,
        conn: Any,
        p: Programme,
        max_rows: int,
        db_path: Path | str,
        pool_min: int = POOL_MIN_SECTIONS,
    ):
        self.book, self.conn, self.p = book, conn, p
        self.db_path = db_path
        self.pool_min = pool_min  # (StreamBook.sections_done)
        self.max_rows = max_rows
        self.w: dict[str, str] = wording(p.settings.language)["register"]
        self.kinds: dict[str, str] = wording(p.settings.language)["kinds"]
        self.actions = {a.id: a for a in p.actions}
        self.metrics = {m.id: m for a in p.actions for m in a.metrics}
        self.labels = {s.key: s.label for s in p.statuses}
        self.status_fmt = {s.key: book.fill(s.colour) for s in p.statuses}
        self.state = {True: self.w["is_current"], False: self.w["is_superseded"]}
        self.fields = {f: self.w[f"field_{f}"] for f in ("metric", "schedule", "responsible")}
        self.verdicts = {v: self.w[f"verdict_{v}"] for v in ("accepted", "warnings")}
        self._periods: dict[str, Period | None] = {}
        # Answers on shared actions: a partner's are never the lead's; with partners_report
        # both are shown, each row saying whose it is (the role column).
        self.pairs = p.partner_pairs()
        self.roles = p.shares_reports()
        self.role = {False: self.w["role_lead"], True: self.w["role_partner"]}

    def table(self, key: str, cols: tuple[Col, ...], wrap=("action", "comment", "message")):
        return self.book.table(
            self.w[key],
            f"rt_{key}",
            cols,
            [self.w[c.key] for c in cols],
            max_rows=self.max_rows,
            wrap_keys=wrap,
        )

    def write_all(self) -> None:
        for _step in self.steps():
            pass

    def steps(self) -> Iterator[int]:
        """Write the sheets, yielding as each is finished (SECTIONS steps in all)."""
        sections = [getattr(self, name) for name in SHEETS]
        if isinstance(self.book, StreamBook):
            # The history (every answer: the biggest sheet) is made by a second process
            # while this one makes the others: both cores, a little over half the time.
            aside = (SHEETS.index("history"),)
            yield from self.book.sections_done(
                sections, aside, child=self._own_connection, pool_min=self.pool_min
            )
        else:
            for i, section in enumerate(sections):
                section()
                yield i

    def _own_connection(self) -> None:
        """(In a forked worker) a connection of its own: one must not cross a fork. The
        inherited one is kept, never closed here (a shared register's would end the
        parent's session), until the worker ends without finalizers."""
        self._inherited = self.conn
        self.conn = _open(self.db_path)

    # -- sheets ---------------------------------------------------------------------------

    def current(self) -> None:
        cols = with_role(CURRENT) if self.roles else CURRENT
        t = self.table("current", cols, wrap=("action", "comment", "message", "health"))
        latest = self._latest_period()
        # Computed health in the latest period (roundtrip.health): on the lead's row.
        flags = register_health(self.conn, self.p, latest) if latest is not None else {}
        status_col = [c.key for c in cols].index("status")
        known = [a.id for a in self.p.actions]
        extra = [aid for aid in answered_actions(self.conn) if aid not in self.actions]
        order = known + extra
        last: dict[str, Row] = {}
        partnered: dict[tuple[str, str], Row] = {}
        for i, action_id in enumerate(order):
            if i % BATCH == 0:  # the latest answers of the next batch of actions (flat memory)
                last, partnered = self._last_answers(order[i : i + BATCH])
            a = self.actions.get(action_id)
            r = last.get(action_id)
            dept = a.department_id if a else (r["department_id"] if r else "")
            rows = [(dept, r, False)]
            if self.roles and a is not None:  # then each partner's own latest answer
                partners = dict.fromkeys(d for d in a.partners if d != a.department_id)
                rows += [(d, partnered.get((action_id, d)), True) for d in partners]
            for dept, r, partner in rows:
                since = None
                if r is not None and latest is not None:
                    answered = self._period(r["period"])
                    if answered is not None:
                        since = latest.ordinal() - answered.ordinal()
                key = r["status_key"] if r is not None else None
                t.add(
                    [
                        action_id,
                        a.priority_id if a else "",
                        dept,
                        *([self.role[partner]] if self.roles else []),
                        a.text if a else "",
                        (self.w["yes"] if a.active else self.w["no"]) if a else "",
                        self._label(key),
                        r["progress"] if r else None,
                        r["comment"] if r else None,
                        r["period"] if r else None,
                        since,
                        r["submission_id"] if r else None,
                        r["original_name"] if r else None,
                        r["sheet"] if r else None,
                        r["status_cell"] if r else None,
                        _moment(r["received_at"]) if r else None,
                        None
                        if partner
                        else "\n".join(f.reason for f in flags.get(action_id, ())) or None,
                    ],
                    {status_col: self.status_fmt[key]} if key in self.status_fmt else None,
                )
        t.close()

    def history(self) -> None:
        cols = with_role(HISTORY) if self.roles else HISTORY
        t = self.table("history", cols)
        status_col = [c.key for c in cols].index("status")
        for r in sheet_rows(self.conn, "history"):
            a = self.actions.get(r["action_id"])
            key = r["status_key"]
            t.add(
                [
                    r["period"],
                    a.priority_id if a else "",
                    r["department_id"],
                    *(
                        [self.role[(r["action_id"], r["department_id"]) in self.pairs]]
                        if self.roles
                        else []
                    ),
                    r["action_id"],
                    a.text if a else "",
                    self._label(key),
                    r["progress"],
                    r["comment"],
                    r["submission_id"],
                    r["original_name"],
                    r["sheet"],
                    r["status_cell"],
                    r["progress_cell"],
                    r["comment_cell"],
                    _moment(r["received_at"]),
                    self.state[r["superseded_by"] is None],
                ],
                {status_col: self.status_fmt[key]} if key in self.status_fmt else None,
            )
        t.close()

    def metric_values(self) -> None:
        t = self.table("metrics", METRICS)
        for r in sheet_rows(self.conn, "metric_values"):
            m = self.metrics.get(r["metric_id"])
            kind = r["kind"]
            numeric = kind in ("count", "number", "percent") and r["value_num"] is not None
            t.add(
                [
                    r["period"],
                    r["metric_id"],
                    r["action_id"],
                    r["department_id"],
                    m.name if m else "",
                    self.kinds.get(kind, kind),
                    m.unit if m else "",
                    m.baseline if m else "",
                    m.target if m else "",
                    r["value_num"] if numeric else r["value_text"],
                    r["comment"],
                    r["submission_id"],
                    r["original_name"],
                    r["sheet"],
                    r["value_cell"],
                    r["comment_cell"],
                    _moment(r["received_at"]),
                    self.state[r["superseded_by"] is None],
                ]
            )
        t.close()

    def submissions(self) -> None:
        t = self.table("submissions", SUBMISSIONS)
        # (a register read only, older than the sign-off or revision 0003, lacks columns)
        have: set[str] | None = None
        for r in sheet_rows(self.conn, "submissions"):
            if have is None:
                have = set(r.keys())
            signed = {"approved_by", "approved_on"} <= have
            t.add(
                [
                    r["id"],
                    r["department_id"],
                    r["period"],
                    r["original_name"],
                    r["archive_path"],
                    r["archived_in"] if "archived_in" in have else "",
                    _moment(r["received_at"]),
                    _moment(r["collected_at"]),
                    self.verdicts.get(r["verdict"], r["verdict"]),
                    r["signer"],
                    r["approved_by"] if signed else "",
                    r["approved_on"] if signed else "",
                    r["programme_version"],
                    _moment(r["generated_at"]),
                    r["errors"],
                    r["warnings"],
                    r["superseded_by"],
                    self.state[r["superseded_by"] is None],
                ]
            )
        t.close()

    def proposals(self) -> None:
        t = self.table("proposals", PROPOSALS)
        for r in sheet_rows(self.conn, "proposals"):
            t.add(
                [
                    r["period"],
                    r["department_id"],
                    r["priority_id"],
                    r["action"],
                    r["metric"],
                    r["schedule"],
                    r["responsible"],
                    r["comment"],
                    r["submission_id"],
                    r["original_name"],
                    r["sheet"],
                    r["row"],
                    self.state[r["superseded_by"] is None],
                ]
            )
        t.close()

    def completions(self) -> None:
        t = self.table("plan_completions", COMPLETIONS)
        for r in sheet_rows(self.conn, "completions"):
            a = self.actions.get(r["action_id"])
            t.add(
                [
                    r["period"],
                    r["department_id"],
                    r["action_id"],
                    a.text if a else "",
                    self.fields.get(r["field"], r["field"]),
                    r["value"],
                    r["submission_id"],
                    r["original_name"],
                    r["sheet"],
                    r["cell"],
                    self.state[r["superseded_by"] is None],
                ]
            )
        t.close()

    def warnings(self) -> None:
        t = self.table("warnings", WARNINGS)
        for r in sheet_rows(self.conn, "warnings"):
            t.add(
                [
                    r["submission_id"],
                    r["original_name"],
                    r["department_id"],
                    r["period"],
                    r["sheet"],
                    r["cell"],
                    r["value"],
                    r["message"],
                    self.state[r["superseded_by"] is None],
                ]
            )
        t.close()

    # -- helpers --------------------------------------------------------------------------

    def _last_answers(self, ids: list[str]) -> tuple[dict[str, Row], dict[tuple[str, str], Row]]:
        """(action id -> its latest answered row in a current submission, (action id, partner)
        -> the partner's): a partner's answer is never taken for the lead's."""
        if not self.pairs:
            return {r["action_id"]: r for r in latest_answers(self.conn, ids, False)}, {}
        last: dict[str, Row] = {}
        partnered: dict[tuple[str, str], Row] = {}
        for r in latest_answers(self.conn, ids, True):
            pair = (r["action_id"], r["department_id"])
            if pair in self.pairs:
                partnered[pair] = r
            elif pair[0] not in last or r["period"] > last[pair[0]]["period"]:
                last[pair[0]] = r
        return last, partnered

    def _label(self, key: str | None) -> str | None:
        if key is None:
            return None
        return self.labels.get(key, key)

    def _period(self, text: str) -> Period | None:
        if text in self._periods:  # a few periods, asked once a row
            return self._periods[text]
        try:
            got: Period | None = self.p.settings.period(text)
        except UsageError:  # a period of another cadence: no count
            got = None
        self._periods[text] = got
        return got

    def _latest_period(self) -> Period | None:
        periods = [
            p for text in current_periods(self.conn) if (p := self._period(text)) is not None
        ]
        return max(periods, key=Period.ordinal) if periods else None
