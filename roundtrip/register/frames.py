"""The register as pandas DataFrames, for analysts (docs/register.md).

    from roundtrip.register import frames
    answers = frames.answers("aura", "2025Q3")

Each function reads one of the register's read-only views (v_current_answers,
v_metric_values, v_submissions: what the register holds, row for row) and adds what only the
programme knows, in the programme's language: the action's text and priority, the
department's name, the status's label, the metric's name, unit and the target that applies
in the period. Health is computed, never stored, so it has no view: health() computes it as
``roundtrip status`` and the summary do.

pandas is an optional extra (``pip install 'roundtrip[pandas]'``): without it, importing this
module is one clear line saying so.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

from roundtrip.errors import RoundtripError, WorkspaceError
from roundtrip.language import _
from roundtrip.programme.model import Programme
from roundtrip.programme.targets import target_for, target_number
from roundtrip.programme.workbook import load_programme
from roundtrip.register import shared
from roundtrip.register.db import connect, register_error
from roundtrip.register.health import register_health
from roundtrip.workspace import Workspace


class PandasMissing(RoundtripError, ImportError):
    """pandas, an optional extra, is not installed."""


try:
    import pandas as pd
except ImportError as exc:  # (the line a person reads, not Python's)
    raise PandasMissing(
        _(
            "the analysts' DataFrames need pandas, which is not installed: "
            "pip install 'roundtrip[pandas]'"
        )
    ) from exc

__all__ = ["answers", "health", "metric_values", "submissions"]

WorkspaceLike = Workspace | Path | str


def answers(
    workspace: WorkspaceLike, period: str | None = None, *, database: str | None = None
) -> pd.DataFrame:
    """The answers that count (v_current_answers), of `period` or of every period: one row
    per department's answer on an action, with the programme's labels."""
    ws, programme = _open(workspace)
    frame = _read(ws, "v_current_answers", _period(programme, period), database)
    actions = _lookup(frame["action_id"], {a.id: a for a in programme.actions})
    priorities = {p.id: p.title for p in programme.priorities}
    statuses = _lookup(frame["status_key"], {s.key: s for s in programme.statuses})
    frame["priority_id"] = [a.priority_id if a else None for a in actions]
    frame["priority"] = [priorities.get(a.priority_id) if a else None for a in actions]
    frame["action"] = [a.text if a else None for a in actions]
    frame["department"] = _names(programme, frame["department_id"])
    frame["status"] = [s.label if s else None for s in statuses]
    frame["done"] = [bool(s and s.done) for s in statuses]
    frame["progress"] = frame["progress"].astype("Int64")  # (a whole number or none)
    return _arranged(
        frame,
        "period priority_id priority action_id action department_id department status_key "
        "status done progress comment",
    )


def metric_values(
    workspace: WorkspaceLike, period: str | None = None, *, database: str | None = None
) -> pd.DataFrame:
    """The metric values that count (v_metric_values), with the metric's name, unit,
    baseline and the target that applies in the value's period (its number in
    ``target_value`` when it is one, and the period the target is due in ``target_bound``)."""
    ws, programme = _open(workspace)
    frame = _read(ws, "v_metric_values", _period(programme, period), database)
    metrics = _lookup(frame["metric_id"], {m.id: m for a in programme.actions for m in a.metrics})
    settings = programme.settings
    targets = [
        target_for(m, settings.period(p), settings.last_period) if m else None
        for m, p in zip(metrics, frame["period"], strict=True)
    ]
    frame["action"] = _lookup(frame["action_id"], {a.id: a.text for a in programme.actions})
    frame["department"] = _names(programme, frame["department_id"])
    frame["metric"] = [m.name if m else None for m in metrics]
    frame["unit"] = [m.unit if m else None for m in metrics]
    frame["baseline"] = [m.baseline if m else None for m in metrics]
    frame["target"] = [t[0] if t else None for t in targets]
    frame["target_value"] = [target_number(t[0]) if t else None for t in targets]
    frame["target_bound"] = [t[1] if t else None for t in targets]
    frame["higher_is_better"] = [m.higher_is_better if m else None for m in metrics]
    return _arranged(
        frame,
        "period action_id action department_id department metric_id metric unit kind "
        "value_num value_text baseline target target_value target_bound higher_is_better",
    )


def submissions(
    workspace: WorkspaceLike, period: str | None = None, *, database: str | None = None
) -> pd.DataFrame:
    """Every stored return (v_submissions), superseded ones too (``is_current`` 0), with the
    department's name and the sign-off."""
    ws, programme = _open(workspace)
    frame = _read(ws, "v_submissions", _period(programme, period), database)
    frame["department"] = _names(programme, frame["department_id"])
    return _arranged(frame, "submission_id period department_id department")


def health(workspace: WorkspaceLike, period: str, *, database: str | None = None) -> pd.DataFrame:
    """The health flags of `period` (overdue, stale, off target, no owner), computed from the
    programme and the register as they are now, as ``roundtrip status`` and the summary
    compute them: one row per flag, its reason in the programme's language."""
    ws, programme = _open(workspace)
    when = programme.settings.period(period)
    if database:
        with shared.reported(database, storing=False):
            conn = shared.connect(database)
            try:
                flags = register_health(conn, programme, when)
            finally:
                conn.close()
    else:
        _must_have_register(ws)
        conn = connect(ws.db_path)
        try:
            flags = register_health(conn, programme, when)
        except sqlite3.Error as exc:
            raise register_error(ws.db_path, exc) from exc
        finally:
            conn.close()
    actions = {a.id: a for a in programme.actions}
    rows = [
        (str(when), aid, action.text if action else None, action.department_id if action else None)
        + (f.kind, f.reason)
        for aid in sorted(flags)
        for action in [actions.get(aid)]
        for f in flags[aid]
    ]
    columns = ["period", "action_id", "action", "department_id", "flag", "reason"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["department"] = _names(programme, frame["department_id"])
    return _arranged(frame, "period action_id action department_id department flag reason")


def _arranged(frame: pd.DataFrame, lead: str) -> pd.DataFrame:
    """`frame` with the columns of `lead` first, in that order, then the others as they were."""
    first = lead.split()
    return frame[first + [c for c in frame.columns if c not in first]]


def _open(workspace: WorkspaceLike) -> tuple[Workspace, Programme]:
    ws = workspace if isinstance(workspace, Workspace) else Workspace.find(workspace)
    return ws, load_programme(ws.programme_path, ws.cache_dir)


def _period(programme: Programme, period: str | None) -> str | None:
    """`period` as the register writes it (checked against the programme's cadence)."""
    return None if period is None else str(programme.settings.period(period))


def _must_have_register(ws: Workspace) -> None:
    if not ws.db_path.is_file():
        raise WorkspaceError(
            _("{folder} has no register yet: collect the returns first.").format(folder=ws.root)
        )


_ORDER = {
    "v_current_answers": ("period", "action_id", "department_id"),
    "v_metric_values": ("period", "metric_id", "department_id"),
    "v_submissions": ("period", "department_id", "submission_id"),
}


def _read(ws: Workspace, view: str, period: str | None, database: str | None) -> pd.DataFrame:
    """Every row of `view` (of `period` when given), in a fixed order. The register is
    opened as every command opens it (an older one is upgraded first); the shared one at
    `database` when given."""
    if database:
        return _read_shared(database, view, period)
    _must_have_register(ws)
    where = "" if period is None else " WHERE period = ?"
    order = ", ".join(_ORDER[view])
    conn = connect(ws.db_path)
    try:
        return pd.read_sql_query(
            f"SELECT * FROM {view}{where} ORDER BY {order}",
            conn,
            params=() if period is None else (period,),
        )
    except (sqlite3.Error, pd.errors.DatabaseError) as exc:  # (pandas wraps SQLite's)
        cause = exc if isinstance(exc, sqlite3.Error) else exc.__cause__
        if not isinstance(cause, sqlite3.Error):
            raise
        raise register_error(ws.db_path, cause) from exc
    finally:
        conn.close()


def _read_shared(url: str, view: str, period: str | None) -> pd.DataFrame:
    """_read on a shared register: the same rows in the same order (texts ordered as SQLite
    orders them), its true/false columns as SQLite's 1/0."""
    from sqlalchemy import column, literal_column, select, table

    v = table(view, column("period"))
    stmt: Any = select(literal_column("*")).select_from(v)
    if period is not None:
        stmt = stmt.where(v.c.period == period)
    stmt = stmt.order_by(
        *(literal_column(c if c == "submission_id" else f'{c} COLLATE "C"')
          for c in _ORDER[view])
    )  # fmt: skip
    with shared.reported(url, storing=False):
        conn = shared.connect(url)
        try:
            cur = shared.execute(conn, stmt)
            names = [d.name for d in cur.description]
            frame = pd.DataFrame(cur.fetchall(), columns=names)
        finally:
            conn.close()
    for name in names:
        if frame[name].dtype == bool:
            frame[name] = frame[name].astype("int64")
    return frame


def _lookup(keys: Any, table: dict[str, Any]) -> list[Any]:
    return [table.get(k) if isinstance(k, str) else None for k in keys]


def _names(programme: Programme, ids: Any) -> list[str | None]:
    names: Callable[[str], str | None] = {d.id: d.name for d in programme.departments}.get
    return [names(i) if isinstance(i, str) else None for i in ids]
