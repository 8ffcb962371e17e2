"""The department return workbook (xlsxwriter), following roundtrip.returns.contract exactly.

Sheets: instructions, actions, metrics, proposals, a hidden lists sheet feeding the dropdowns
through defined names, and a very hidden identity sheet whose values are all text and signed
with the workspace secret. Same inputs give a byte-identical file.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from xlsxwriter.utility import quote_sheetname, xl_rowcol_to_cell
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from roundtrip.errors import UsageError
from roundtrip.language import _, format_date, tr
from roundtrip.language.wording import wording
from roundtrip.programme.model import Department, Metric, Programme
from roundtrip.programme.periods import Period
from roundtrip.register.history import Previous
from roundtrip.returns import contract as c
from roundtrip.returns.hints import overdue_hints
from roundtrip.returns.signoff_cells import write_signoff_cells
from roundtrip.returns.styles import WORKBOOK_OPTIONS, Styles, make_styles, row_height
from roundtrip.returns.text import (  # noqa: F401  (re-exported: the writer's public text helpers)
    identity_fields,
    iso_timestamp,
    naive_utc,
    needs_comment_text,
    partners_text,
    plan_metric_text,
    priority_choice,
)
from roundtrip.workspace import atomic_path
from roundtrip.xlsx.number_formats import number_format
from roundtrip.xlsx.xlsxwriter_private import Sheet

H0 = c.HEADER_ROW - 1  # 0-based header row
D0 = c.FIRST_DATA_ROW - 1  # 0-based first data row
INSTRUCTIONS_WIDTH = 120
NUMBER_LIMIT = 10**15  # "any number" bounds for number metrics


@dataclass(frozen=True)
class ReturnInfo:
    """What was written: enough for a summary line and for tests."""

    path: Path
    department_id: str
    department_name: str
    period: str
    action_ids: tuple[str, ...]
    metric_ids: tuple[str, ...]
    identity: Mapping[str, str]
    signature: str

    @property
    def actions(self) -> int:
        return len(self.action_ids)

    @property
    def metrics(self) -> int:
        return len(self.metric_ids)


def _cut(text: str, n: int) -> str:
    return text if len(text) <= n else text[: n - 1] + "…"


def _validate(ws: Worksheet, r1: int, c1: int, r2: int, c2: int, opts: dict[str, Any]) -> None:
    """data_validation with Excel's length limits applied (xlsxwriter drops it otherwise)."""
    opts = dict(opts)
    for key, limit in (("input_title", 32), ("error_title", 32)):
        if key in opts:
            opts[key] = _cut(opts[key], limit)
    for key in ("input_message", "error_message"):
        if key in opts:
            opts[key] = _cut(opts[key], 255)
    if ws.data_validation(r1, c1, r2, c2, opts) != 0:  # pragma: no cover - a bug in our options
        raise ValueError(f"invalid data validation {opts!r}")


def _hf(text: str) -> str:
    """Escape text for an Excel header/footer."""
    return text.replace("&", "&&")


class _Book:
    """Everything one workbook's sheet writers share."""

    def __init__(
        self,
        wb: Workbook,
        programme: Programme,
        dept: Department,
        period: Period,
        previous: Previous,
    ):
        self.wb = wb
        self.p = programme
        self.dept = dept
        self.period = period
        self.prev = previous
        self.lang = programme.settings.language
        self.words = wording(self.lang)
        self.names = self.words["sheets"]
        self.st: Styles = make_styles(wb, programme.statuses, number_format("date", self.lang))
        # The actions it leads, then (partners_report) those it is a partner of, whose
        # metrics only their lead reports.
        self.actions = programme.reported_by(dept.id)
        self.metrics: tuple[Metric, ...] = tuple(
            m for a in self.actions if a.department_id == dept.id for m in a.metrics
        )
        self.hints = overdue_hints(programme, dept.id, self.actions, period, previous)
        self.action_columns = c.action_columns(
            any(a.partners for a in self.actions), bool(self.hints)
        )
        self.action_by_id = {a.id: a for a in self.actions}
        self.deadline = format_date(period.deadline(programme.settings.deadline_days), self.lang)
        self.needs_comment = needs_comment_text(programme)

    def prompt(self, key: str) -> str:
        return self.words["prompts"][key].format(needs_comment=self.needs_comment)

    # ------------------------------------------------------------------ common layout
    def data_sheet(self, key: str, n_rows: int, freeze_col: int, title: str, sub: str) -> Worksheet:
        ws = self.wb.add_worksheet(self.names[key], worksheet_class=Sheet)
        cols = self.action_columns if key == "actions" else c.COLUMNS[key]
        ws.write_string(0, 0, title, self.st.title)
        ws.write_string(1, 0, sub, self.st.subtitle)
        heads = []
        for i, col in enumerate(cols):
            ws.set_column(i, i, col.width)
            text = c.header(self.lang, key, col.key)
            ws.write_string(H0, i, text, self.st.header)
            heads.append((text, col.width))
        ws.set_row(H0, row_height(heads, min_lines=2))
        last = D0 + max(n_rows, 1) - 1
        ws.autofilter(H0, 0, last, len(cols) - 1)
        ws.freeze_panes(D0, freeze_col)
        ws.protect(
            "",
            {
                "format_columns": True,
                "format_rows": True,
                "autofilter": True,
                "sort": True,
                "select_locked_cells": True,
                "select_unlocked_cells": True,
            },
        )
        self.print_setup(ws)
        return ws

    def print_setup(self, ws: Worksheet) -> None:
        ws.set_landscape()
        ws.set_paper(9)  # A4
        ws.fit_to_pages(1, 0)
        ws.repeat_rows(0, H0)
        ws.set_margins(left=0.4, right=0.4, top=0.75, bottom=0.6)
        head = (
            f"&L{_hf(_cut(self.p.settings.name, 70))}"
            f"&C{_hf(_cut(self.dept.name, 60))}&R{_hf(str(self.period))}"
        )
        ws.set_header(head, {"margin": 0.3})
        ws.set_footer("&L&A&R&P / &N", {"margin": 0.3})

    def status_colours(self, ws: Worksheet, cols: Sequence[int], n_rows: int) -> None:
        """One rule per status (cell == label -> its colour) over the given columns."""
        if not n_rows or not cols:
            return
        last = D0 + n_rows - 1
        ranges = " ".join(_runs(col, range(D0, last + 1)) for col in cols)
        for label, fmt in self.st.status_fills:
            value = '"' + label.replace('"', '""') + '"'
            ws.conditional_format(
                D0,
                cols[0],
                last,
                cols[0],
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": value,
                    "format": fmt,
                    "multi_range": ranges,
                },
            )

    # ------------------------------------------------------------------ sheets
    def instructions(self) -> None:
        ws = self.wb.add_worksheet(self.names["instructions"], worksheet_class=Sheet)
        w = self.words["instructions"]
        s = self.p.settings
        values = {
            "programme": s.name,
            "organisation": s.organisation,
            "department": self.dept.name,
            "period": str(self.period),
            "start": format_date(self.period.start, self.lang),
            "end": format_date(self.period.end, self.lang),
            "deadline": self.deadline,
            "coordinator": s.coordinator,
            "coordinator_email": s.coordinator_email,
            "needs_comment": self.needs_comment,
        }
        ws.set_column(0, 0, INSTRUCTIONS_WIDTH)
        ws.set_column(1, 1, 12)
        ws.write_string(0, 0, w["title"].format(**values), self.st.title)
        ws.write_string(1, 0, s.organisation, self.st.subtitle)
        row = 3
        for line in w["lines"]:
            if line:
                text = line.format(**values).strip()
                ws.write_string(row, 0, text, self.st.text)
                ws.set_row(row, row_height([(text, INSTRUCTIONS_WIDTH)]))
            row += 1
        row += 1
        if any(a.department_id != self.dept.id for a in self.actions):  # it is a partner
            partners = c.header(self.lang, "actions", "partners")
            text = w["partners_line"].format(column=partners)
            ws.write_string(row, 0, text, self.st.text)
            ws.set_row(row, row_height([(text, INSTRUCTIONS_WIDTH)]))
            row += 2
        if s.sign_off in ("warn", "required"):  # who approved the return, and when
            signoff = self.words["signoff"]
            text = signoff[s.sign_off].format(
                approved_by=signoff["approved_by"],
                approved_on=signoff["approved_on"],
                sheet=self.names["actions"],
            )
            ws.write_string(row, 0, text, self.st.bold)
            ws.set_row(row, row_height([(text, INSTRUCTIONS_WIDTH)]))
            row += 2
        ws.write_string(row, 0, c.header(self.lang, "actions", "status"), self.st.bold)
        row += 1
        for label, fmt in self.st.status_cells:
            ws.write_string(row, 0, label, fmt)
            row += 1
        ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
        self.print_setup(ws)
        ws.fit_to_pages(1, 1)
        ws.repeat_rows(0, 0)

    def titled_data_sheet(self, key: str, n: int):
        """The actions or metrics sheet with its title rows, frozen right of the action text."""
        t = self.words[key]
        fill = {"programme": self.p.settings.name, "department": self.dept.name}
        return self.data_sheet(
            key,
            n,
            _index(key, "action") + 1,
            t["title"].format(**fill, period=self.period),
            t["subtitle"].format(**fill, period=self.period, deadline=self.deadline),
        )

    def actions_sheet(self) -> None:
        key = "actions"
        n = len(self.actions)
        ws = self.titled_data_sheet(key, n)
        col = {k.key: i for i, k in enumerate(self.action_columns)}
        widths = {k.key: k.width for k in self.action_columns}
        st = self.st
        blank_plan: dict[str, list[int]] = {"metric": [], "schedule": [], "responsible": []}
        plan_prompt = {
            "validate": "any",
            "input_title": c.header(self.lang, key, "metric"),
            "input_message": self.prompt("plan"),
        }
        for i, a in enumerate(self.actions):
            r = D0 + i
            try:
                prio = f"{a.priority_id} {self.p.priority(a.priority_id).title}"
            except KeyError:
                prio = a.priority_id
            ws.write_string(r, col["action_id"], a.id, st.id)
            ws.write_string(r, col["priority"], prio, st.context)
            ws.write_string(r, col["action"], a.text, st.context)
            for field, value in (
                ("metric", plan_metric_text(a)),
                ("schedule", a.schedule),
                ("responsible", a.responsible),
            ):
                if value.strip():
                    ws.write_string(r, col[field], value, st.context)
                else:
                    ws.write_blank(r, col[field], None, st.input)
                    blank_plan[field].append(r)
            hint = self.hints.get(a.id, "")
            if "hint" in col:
                if hint:
                    ws.write_string(r, col["hint"], hint, st.context)
                else:
                    ws.write_blank(r, col["hint"], None, st.context)
            partners = ""
            if "partners" in col:
                partners = partners_text(self.p, a, self.dept.id)
                if partners:
                    ws.write_string(r, col["partners"], partners, st.context)
                else:
                    ws.write_blank(r, col["partners"], None, st.context)
            if a.department_id == self.dept.id:
                pa = self.prev.actions.get(a.id)
            else:  # its own last answer on an action it is a partner of
                pa = self.prev.shared.get((a.id, self.dept.id))
            for field in ("prev_period", "prev_status", "prev_progress", "prev_comment"):
                ws.write_blank(r, col[field], None, st.previous)
            if pa is not None:
                ws.write_string(r, col["prev_period"], pa.period, st.previous)
                if pa.status:
                    ws.write_string(r, col["prev_status"], pa.status, st.previous)
                if pa.progress is not None:
                    ws.write_number(r, col["prev_progress"], pa.progress, st.previous_number)
                if pa.comment:
                    ws.write_string(r, col["prev_comment"], pa.comment, st.previous)
            ws.write_blank(r, col["status"], None, st.input)
            ws.write_blank(r, col["progress"], None, st.input_number)
            ws.write_blank(r, col["comment"], None, st.input)
            texts = {
                "priority": prio,
                "action": a.text,
                "metric": plan_metric_text(a),
                "schedule": a.schedule,
                "responsible": a.responsible,
                "partners": partners,
                "hint": hint,
                "prev_status": pa.status if pa else "",
                "prev_comment": pa.comment if pa else "",
            }
            ws.set_row(
                r,
                row_height([(t, widths[k]) for k, t in texts.items() if k in widths], min_lines=2),
            )
        if n:
            last = D0 + n - 1
            _validate(
                ws,
                D0,
                col["status"],
                last,
                col["status"],
                {
                    "validate": "list",
                    "source": "=" + c.STATUS_NAME,
                    "input_title": self.prompt("status_title"),
                    "input_message": self.prompt("status"),
                    "error_title": self.prompt("status_title"),
                    "error_message": self.prompt("status_error"),
                    "error_type": "stop",
                },
            )
            _validate(
                ws,
                D0,
                col["progress"],
                last,
                col["progress"],
                {
                    "validate": "integer",
                    "criteria": "between",
                    "minimum": 0,
                    "maximum": 100,
                    "input_title": self.prompt("progress_title"),
                    "input_message": self.prompt("progress"),
                    "error_title": self.prompt("progress_title"),
                    "error_message": self.prompt("progress_error"),
                    "error_type": "stop",
                },
            )
        self.status_colours(ws, (col["prev_status"], col["status"]), n)
        write_signoff_cells(
            self.wb, ws, self.st, self.words["signoff"], col, self.names["actions"], self.deadline
        )
        for field, rows in blank_plan.items():
            if rows:
                opts = dict(
                    plan_prompt,
                    input_title=c.header(self.lang, key, field),
                    multi_range=_runs(col[field], rows),
                )
                _validate(ws, rows[0], col[field], rows[0], col[field], opts)

    def metrics_sheet(self) -> None:
        key = "metrics"
        n = len(self.metrics)
        ws = self.titled_data_sheet(key, n)
        col = {k.key: i for i, k in enumerate(c.METRIC_COLUMNS)}
        widths = {k.key: k.width for k in c.METRIC_COLUMNS}
        st = self.st
        kinds = self.words["kinds"]
        title = c.header(self.lang, key, "value")
        rows_of_kind: dict[str, list[int]] = {}
        for i, m in enumerate(self.metrics):
            r = D0 + i
            a = self.action_by_id[m.action_id]
            ws.write_string(r, col["metric_id"], m.id, st.id)
            ws.write_string(r, col["action_id"], a.id, st.context)
            ws.write_string(r, col["action"], a.text, st.context)
            ws.write_string(r, col["metric"], m.name, st.context)
            ws.write_string(r, col["kind"], kinds.get(m.kind, m.kind), st.context)
            ws.write_string(r, col["unit"], m.unit, st.context)
            ws.write_string(r, col["baseline"], m.baseline, st.context)
            ws.write_string(r, col["target"], m.target, st.context)
            pv = self.prev.metrics.get(m.id)
            ws.write_string(r, col["prev_period"], pv.period if pv else "", st.previous)
            ws.write_string(r, col["prev_value"], pv.value if pv else "", st.previous)
            ws.write_blank(r, col["value"], None, st.input_number)
            ws.write_blank(r, col["comment"], None, st.input)
            texts = {
                "action": a.text,
                "metric": m.name,
                "unit": m.unit,
                "baseline": m.baseline,
                "target": m.target,
                "prev_value": pv.value if pv else "",
            }
            ws.set_row(r, row_height([(t, widths[k]) for k, t in texts.items()], min_lines=2))
            rows_of_kind.setdefault(m.kind, []).append(r)
        # One validation per kind over all its rows (one per row: 5x the XML and its time).
        for kind, rows in rows_of_kind.items():
            opts = self.metric_validation(kind)
            opts["input_title"] = _cut(f"{title}: {kinds.get(kind, kind)}", 32)
            opts["multi_range"] = _runs(col["value"], rows)
            _validate(ws, rows[0], col["value"], rows[0], col["value"], opts)

    def metric_validation(self, kind: str) -> dict[str, Any]:
        prompt = self.prompt
        if kind == "count":
            opts: dict[str, Any] = {"validate": "integer", "criteria": ">=", "value": 0}
        elif kind == "number":
            opts = {
                "validate": "decimal",
                "criteria": "between",
                "minimum": -NUMBER_LIMIT,
                "maximum": NUMBER_LIMIT,
            }
        elif kind == "percent":
            opts = {"validate": "decimal", "criteria": "between", "minimum": 0, "maximum": 100}
        elif kind == "yesno":
            opts = {"validate": "list", "source": "=" + c.YESNO_NAME}
        else:
            return {"validate": "any", "input_message": prompt("text")}
        opts.update(
            input_message=prompt(kind),
            error_title=self.words["metrics"]["value"],
            error_message=prompt(f"{kind}_error"),
            error_type="stop",
        )
        return opts

    def proposals_sheet(self) -> None:
        key = "proposals"
        t = self.words[key]
        ws = self.data_sheet(key, c.PROPOSAL_ROWS, 0, t["title"], t["subtitle"])
        for r in range(D0, D0 + c.PROPOSAL_ROWS):
            ws.set_row(r, row_height([], min_lines=3))
            for i in range(len(c.PROPOSAL_COLUMNS)):
                ws.write_blank(r, i, None, self.st.input)
        _validate(
            ws,
            D0,
            _index(key, "priority"),
            D0 + c.PROPOSAL_ROWS - 1,
            _index(key, "priority"),
            {
                "validate": "list",
                "source": "=" + c.PRIORITY_NAME,
                "input_title": c.header(self.lang, key, "priority"),
                "input_message": self.prompt("priority"),
                "error_title": c.header(self.lang, key, "priority"),
                "error_message": self.prompt("priority"),
                "error_type": "stop",
            },
        )

    def lists_sheet(self) -> None:
        name = self.names["lists"]
        ws = self.wb.add_worksheet(name, worksheet_class=Sheet)
        ref = quote_sheetname(name)
        columns = (
            (c.STATUS_NAME, [s.label for s in self.p.statuses]),
            (c.YESNO_NAME, [self.words["yes"], self.words["no"]]),
            (c.PRIORITY_NAME, [priority_choice(p.id, p.title) for p in self.p.priorities]),
        )
        for j, (defined, values) in enumerate(columns):
            ws.set_column(j, j, 40)
            for i, v in enumerate(values):
                ws.write_string(i, j, v, self.st.hidden_text)
            first = xl_rowcol_to_cell(0, j, True, True)
            last = xl_rowcol_to_cell(max(len(values), 1) - 1, j, True, True)
            self.wb.define_name(defined, f"={ref}!{first}:{last}")
        ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
        ws.hide()

    def identity_sheet(self, fields: Mapping[str, str], signature: str) -> None:
        ws = self.wb.add_worksheet(self.names["identity"], worksheet_class=Sheet)
        ws.set_column(0, 0, 20, self.st.hidden_text)
        ws.set_column(1, 1, 80, self.st.hidden_text)
        rows = [*fields.items(), (c.SIGNATURE_FIELD, signature)]
        for i, (k, v) in enumerate(rows):
            ws.write_string(i, 0, k, self.st.hidden_text)
            ws.write_string(i, 1, v, self.st.hidden_text)
        ws.protect("", {"select_locked_cells": True, "select_unlocked_cells": True})
        ws.very_hidden()


def _runs(col: int, rows: Sequence[int] | range) -> str:
    """Cell ranges of `rows` (0-based, ascending) in column `col`: `D5:D7 D9`."""
    out: list[str] = []
    rows = list(rows)
    i = 0
    while i < len(rows):
        j = i
        while j + 1 < len(rows) and rows[j + 1] == rows[j] + 1:
            j += 1
        first = xl_rowcol_to_cell(rows[i], col)
        out.append(first if i == j else f"{first}:{xl_rowcol_to_cell(rows[j], col)}")
        i = j + 1
    return " ".join(out)


def _index(sheet_key: str, column_key: str) -> int:
    return [col.key for col in c.COLUMNS[sheet_key]].index(column_key)


def write_return_workbook(
    target: Path,
    programme: Programme,
    department_id: str,
    period: Period,
    secret: bytes,
    previous: Previous | None,
    generated_at: dt.datetime,
) -> ReturnInfo:
    """Write one department's return workbook to `target` (atomically)."""
    try:
        dept = programme.department(department_id)
    except KeyError:
        known = ", ".join(d.id for d in programme.departments)
        message = _("unknown department {department!r} (known: {known})")
        raise UsageError(message.format(department=department_id, known=known)) from None
    target = Path(target)
    with atomic_path(target) as tmp:
        wb = Workbook(str(tmp), WORKBOOK_OPTIONS)
        book = _Book(wb, programme, dept, period, previous or Previous())
        action_ids = tuple(a.id for a in book.actions)
        metric_ids = tuple(m.id for m in book.metrics)
        fields = identity_fields(programme, dept.id, period, generated_at, action_ids, metric_ids)
        signature = c.sign(fields, secret)
        book.instructions()
        book.actions_sheet()
        book.metrics_sheet()
        book.proposals_sheet()
        book.lists_sheet()
        book.identity_sheet(fields, signature)
        wb.set_properties(
            {
                "title": f"{programme.settings.name}: {dept.name} {period}",
                "subject": str(period),
                "author": programme.settings.organisation,
                "company": programme.settings.organisation,
                "comments": tr(book.lang, "roundtrip return workbook, format {version}").format(
                    version=c.FORMAT_VERSION
                ),
                "created": naive_utc(generated_at),
            }
        )
        wb.close()
    return ReturnInfo(
        path=target,
        department_id=dept.id,
        department_name=dept.name,
        period=str(period),
        action_ids=action_ids,
        metric_ids=metric_ids,
        identity=fields,
        signature=signature,
    )
