"""Validate a raw return against the programme and the period being collected. PURE.

Every problem is a Problem pointing at the file, the sheet as named in the file and the cell.
Errors reject the whole file; warnings are stored with it. Nothing is guessed: a value that
cannot be read exactly is an error. Messages are in the programme's language (they are written
into the annotated copy and the validation report).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from roundtrip.language import N_, format_number, tr, trn
from roundtrip.language.wording import wording
from roundtrip.programme.model import Action, Metric, Programme
from roundtrip.programme.periods import Period
from roundtrip.returns import contract
from roundtrip.returns.identity_check import check_identity
from roundtrip.returns.normalize import (
    NormError,
    excel_error,
    is_blank,
    parse_decimal,
    parse_number_in_range,
    parse_status,
    parse_whole,
    parse_yesno,
    status_lookup,
    to_text,
)
from roundtrip.returns.raw import RawCell, RawReturn, RawRow, RawSheet
from roundtrip.returns.signoff import check_signoff
from roundtrip.returns.text import plan_metric_text
from roundtrip.returns.validated import (
    Answer,
    MetricValue,
    PlanCompletion,
    Problems,
    Proposal,
    ValidatedReturn,
)

# A reference into another workbook: [1]Sheet!A1 (OOXML) or [name.xlsx]Sheet!A1.
_EXTERNAL = re.compile(r"\[(?:\d+|[^\]]*\.(?:xls[xmb]?|ods|csv))\]", re.IGNORECASE)
PLAN_FIELDS = ("metric", "schedule", "responsible")
# (The reader makes cells only for read.READ_COLUMNS: a column read here must be listed there.)


# ---------------------------------------------------------------------------- lookups


@dataclass(frozen=True)
class _Index:
    """A programme's lookups, built once per programme object (not once per file)."""

    programme: Programme
    department_ids: frozenset[str]
    actions: dict[str, Action]
    metrics: dict[str, Metric]
    status_lookup: dict[str, str]


_index_cache: _Index | None = None


def _index(programme: Programme) -> _Index:
    global _index_cache
    cached = _index_cache  # one read: safe if another thread replaces it meanwhile
    if cached is None or cached.programme is not programme:
        # One department's slice of the programme after another (programme_source): the
        # departments and statuses are the same objects, and so are their lookups.
        prev = (  # the lookups cached for the same departments
            cached
            if cached is not None and cached.programme.departments is programme.departments
            else None
        )
        cached = _Index(
            programme,
            prev.department_ids
            if prev is not None
            else frozenset(d.id for d in programme.departments),
            {a.id: a for a in programme.actions},
            {m.id: m for a in programme.actions for m in a.metrics},
            prev.status_lookup
            if prev is not None and prev.programme.statuses is programme.statuses
            else status_lookup(programme.statuses),
        )
        _index_cache = cached
    return cached


def prepare(programme: Programme) -> None:
    """Build the lookups validation uses now, not on the first file: reader processes forked
    afterwards share them instead of each building its own."""
    _index(programme)
    for pr in programme.priorities[:1]:
        programme.priority(pr.id)


# ---------------------------------------------------------------------------- rows

# The messages about rows of one kind (actions, metrics): whole sentences for the translators.
_ROW_MESSAGES = {
    "action": {
        "unknown": N_("unknown action ID {id!r}: do not change or add IDs"),
        "twice": N_("action {id} appears twice (also on row {row}): keep one row"),
        "deleted": N_("the row of action {id} was deleted: not answered"),
    },
    "metric": {
        "unknown": N_("unknown metric ID {id!r}: do not change or add IDs"),
        "twice": N_("metric {id} appears twice (also on row {row}): keep one row"),
        "deleted": N_("the row of metric {id} was deleted: not answered"),
    },
}


def _without_id(lang: str, what: str, n: int) -> str:
    """The warning about `n` rows with values but no ID."""
    if what == "action":
        message = trn(
            lang,
            "a row without action ID: its values were ignored",
            "{n} rows without action ID: their values were ignored",
            n,
        )
    else:
        message = trn(
            lang,
            "a row without metric ID: its values were ignored",
            "{n} rows without metric ID: their values were ignored",
            n,
        )
    return message.format(n=format_number(n, lang))


def _rows_by_id(
    sheet: RawSheet,
    id_key: str,
    allowed: Iterable[str],
    expected: Iterable[str],
    what: str,
    out: Problems,
) -> dict[str, RawRow]:
    """Rows by ID; unknown and duplicate IDs are errors, values in rows without ID warnings."""
    allowed = set(allowed)
    words = _ROW_MESSAGES[what]
    found: dict[str, RawRow] = {}
    for row in sheet.rows:
        id_cell = row.cells[id_key]
        rid = to_text(id_cell.value)
        if rid not in allowed:
            out.error(tr(out.lang, words["unknown"]).format(id=rid), sheet.name, id_cell.ref, rid)
            continue
        if rid in found:
            out.error(
                tr(out.lang, words["twice"]).format(id=rid, row=found[rid].row),
                sheet.name,
                id_cell.ref,
                rid,
            )
            continue
        found[rid] = row
    first = sheet.first_unidentified
    if sheet.unidentified and first is not None:
        out.warning(
            _without_id(out.lang, what, sheet.unidentified), sheet.name, first.ref, first.value
        )
    for rid in expected:
        if rid not in found:
            out.warning(tr(out.lang, words["deleted"]).format(id=rid), sheet.name)
    return found


def _readable(cell: RawCell | None, sheet: str, out: Problems) -> bool:
    """False (with an error) when the cell holds an Excel error or a formula without result."""
    if cell is None:
        return False
    v = cell.value
    if not cell.formula and not (isinstance(v, str) and "#" in v):
        return True  # the usual cell: no formula, and no Excel error (they all start with #)
    err = excel_error(v)
    if err:
        out.error(
            tr(out.lang, "the cell shows an Excel error ({error})").format(error=err),
            sheet,
            cell.ref,
            cell.value,
        )
        return False
    if cell.formula and _EXTERNAL.search(cell.formula):
        out.error(
            tr(
                out.lang,
                "the cell holds a formula that refers to another file ({formula}): "
                "type the value instead",
            ).format(formula=cell.formula),
            sheet,
            cell.ref,
            cell.formula,
        )
        return False
    if cell.formula and is_blank(cell.value):
        out.error(
            tr(
                out.lang,
                "the cell holds a formula ({formula}) without a saved result: type the value "
                "instead, or open and save the file in Excel",
            ).format(formula=cell.formula),
            sheet,
            cell.ref,
            cell.formula,
        )
        return False
    return True


def _text(cell: RawCell | None) -> str | None:
    if cell is None or is_blank(cell.value):
        return None
    return to_text(cell.value)


def _check_locked(
    row: RawRow, key: str, expected: str, sheet: str, out: Problems, *, loose: bool = False
) -> None:
    cell = row.cells.get(key)
    if cell is None or cell.value == expected:  # untouched, as it was written
        return
    text = to_text(cell.value)
    if text == expected:  # the usual case: untouched (equal texts normalise alike)
        return
    got = contract.norm_label(text)
    want = contract.norm_label(expected)
    if got == want or (loose and got and got in want):
        return
    out.warning(
        tr(
            out.lang,
            "a locked cell was changed: the change was ignored (the programme's text is kept)",
        ),
        sheet,
        cell.ref,
        cell.value,
    )


def _reports(programme: Programme, dept: str, action: Action) -> bool:
    """False for an action `dept` is only a partner of, when partners no longer report on
    them (a workbook made before the setting changed); anything else listed in the signed
    identity is answered (an action moved to another department since: matched by ID)."""
    if action.department_id == dept or dept not in action.partners:
        return True
    return programme.settings.partners_report


def _actions(
    raw: RawReturn,
    programme: Programme,
    dept: str,
    out: Problems,
) -> tuple[list[Answer], list[PlanCompletion]]:
    sheet = raw.sheets.get("actions")
    ids = raw.identity.get("action_ids", "").split()
    by_id = _index(programme).actions
    expected: dict[str, Action] = {}
    for aid in ids:
        found = by_id.get(aid)
        if found is not None and not _reports(programme, dept, found):
            message = tr(
                out.lang,
                "action {id} is now reported by its lead department only: its answer was ignored",
            )
            out.warning(message.format(id=aid))
        elif found is not None:
            expected[aid] = found
        else:
            out.warning(
                tr(
                    out.lang, "action {id} is no longer in the programme: its answer was ignored"
                ).format(id=aid)
            )
    if sheet is None:
        if ids:
            out.error(
                tr(
                    out.lang,
                    "the sheet {sheet} is missing (or its header row was deleted): do not delete "
                    "or rename sheets",
                ).format(sheet=wording(out.lang)["sheets"]["actions"])
            )
        return [], []
    if any(k not in sheet.columns for k in ("action_id", "status", "progress", "comment")):
        return [], []  # the reader has reported the missing column
    rows = _rows_by_id(sheet, "action_id", ids, expected, "action", out)
    lookup = _index(programme).status_lookup
    labels = [s.label for s in programme.statuses]
    needs = {s.key for s in programme.statuses if s.needs_comment}
    answers: list[Answer] = []
    plans: list[PlanCompletion] = []
    priorities: dict[str, str] = {}  # priority id -> "P1 Title", as the locked cell shows it
    for aid, action in expected.items():
        row = rows.get(aid)
        if row is None:
            continue
        name = sheet.name
        sc, pc, cc = row.cells["status"], row.cells["progress"], row.cells["comment"]
        status_key = progress = None
        ok = True
        if _readable(sc, name, out) and not is_blank(sc.value):
            try:
                status_key = parse_status(sc.value, lookup, labels)
            except NormError as exc:
                out.error(exc.text(out.lang), name, sc.ref, sc.value)
                ok = False
        if _readable(pc, name, out) and not is_blank(pc.value):
            try:
                progress, warn = parse_whole(
                    pc.value, low=0, high=100, percent=True, percent_format=pc.percent_format
                )
                if warn:
                    message = tr(out.lang, "progress: {note}").format(note=warn.text(out.lang))
                    out.warning(message, name, pc.ref, pc.value)
            except NormError as exc:
                message = tr(out.lang, "progress must be a whole number 0–100: {reason}")
                out.error(message.format(reason=exc.text(out.lang)), name, pc.ref, pc.value)
                ok = False
        comment = _text(cc) if _readable(cc, name, out) else None
        if status_key in needs and not comment:
            label = programme.status_by_key(status_key).label
            message = tr(out.lang, "a comment is required with the status {label!r}")
            out.error(message.format(label=label), name, cc.ref)
        if ok and status_key is None and progress is None and comment is None:
            out.warning(tr(out.lang, "action {id} was not answered").format(id=aid), name, sc.ref)
        elif ok and status_key is None and is_blank(sc.value):
            out.warning(tr(out.lang, "action {id} has no status").format(id=aid), name, sc.ref)
        answers.append(Answer(aid, status_key, progress, comment, name, sc.ref, pc.ref, cc.ref))

        # Locked context, and plan fields: locked when the plan has them, else completions.
        prio = priorities.get(action.priority_id)
        if prio is None:
            try:
                title = programme.priority(action.priority_id).title
                prio = priorities[action.priority_id] = f"{action.priority_id} {title}"
            except KeyError:
                prio = action.priority_id
        _check_locked(row, "priority", prio, name, out)
        _check_locked(row, "action", action.text, name, out)
        plan_values = (plan_metric_text(action), action.schedule, action.responsible)
        for field, planned in zip(PLAN_FIELDS, plan_values, strict=True):
            cell = row.cells.get(field)
            if cell is None:
                continue
            if planned.strip():
                _check_locked(row, field, planned, name, out)
            elif not is_blank(cell.value) and _readable(cell, name, out):
                plans.append(PlanCompletion(aid, field, to_text(cell.value), name, cell.ref))
    return answers, plans


def _metric_value(
    metric: Metric, cell: RawCell, sheet: str, yes_no: tuple[set[str], set[str]], out: Problems
) -> tuple[float | None, str | None] | None:
    """(value_num, value_text) or None after reporting an error."""
    v = cell.value
    try:
        if metric.kind == "count":
            n, warn = parse_whole(v, low=0, unit=metric.unit)
            return float(n), str(n)
        if metric.kind == "number":
            num = parse_decimal(v, unit=metric.unit)
            return float(num.value), num.text
        if metric.kind == "percent":
            num = parse_number_in_range(
                v, low=0, high=100, percent=True, percent_format=cell.percent_format
            )
            if num.warning:
                out.warning(num.warning.text(out.lang), sheet, cell.ref, v)
            return float(num.value), num.text
        if metric.kind == "yesno":
            yes = parse_yesno(v, yes_no[0], yes_no[1])
            return (1.0, "yes") if yes else (0.0, "no")
        return None, to_text(v)
    except NormError as exc:
        message = tr(out.lang, _MUST_BE.get(metric.kind, _MUST_BE["text"]))
        out.error(message.format(id=metric.id, reason=exc.text(out.lang)), sheet, cell.ref, v)
        return None


_MUST_BE = {
    "count": N_("{id} must be a whole number, 0 or more: {reason}"),
    "number": N_("{id} must be a number: {reason}"),
    "percent": N_("{id} must be a percentage 0–100: {reason}"),
    "yesno": N_("{id} must be yes or no: {reason}"),
    "text": N_("{id} cannot be read: {reason}"),
}


def _metrics(raw: RawReturn, programme: Programme, out: Problems) -> list[MetricValue]:
    ids = raw.identity.get("metric_ids", "").split()
    by_id = _index(programme).metrics
    expected: dict[str, Metric] = {}
    for mid in ids:
        if mid in by_id:
            expected[mid] = by_id[mid]
        else:
            out.warning(
                tr(
                    out.lang, "metric {id} is no longer in the programme: its value was ignored"
                ).format(id=mid)
            )
    sheet = raw.sheets.get("metrics")
    if sheet is None:
        if ids:
            out.error(
                tr(
                    out.lang,
                    "the sheet {sheet} is missing (or its header row was deleted): do not delete "
                    "or rename sheets",
                ).format(sheet=wording(out.lang)["sheets"]["metrics"])
            )
        return []
    if any(k not in sheet.columns for k in ("metric_id", "value")):
        return []
    rows = _rows_by_id(sheet, "metric_id", ids, expected, "metric", out)
    yes_words = {wording(lang)["yes"] for lang in ("fi", "sv", "en")}
    no_words = {wording(lang)["no"] for lang in ("fi", "sv", "en")}
    values: list[MetricValue] = []
    for mid, metric in expected.items():
        row = rows.get(mid)
        if row is None:
            continue
        name = sheet.name
        vc = row.cells["value"]
        cc = row.cells.get("comment")
        comment = _text(cc) if cc is not None and _readable(cc, name, out) else None
        value_num = value_text = None
        if _readable(vc, name, out) and not is_blank(vc.value):
            got = _metric_value(metric, vc, name, (yes_words, no_words), out)
            if got is not None:
                value_num, value_text = got
        elif is_blank(vc.value) and not vc.formula:
            out.warning(tr(out.lang, "metric {id} was not answered").format(id=mid), name, vc.ref)
        _check_locked(row, "metric", metric.name, name, out)
        values.append(
            MetricValue(
                mid,
                metric.action_id,
                metric.kind,
                value_num,
                value_text,
                comment,
                name,
                vc.ref,
                cc.ref if cc is not None else "",
            )
        )
    return values


def _priority_id(text: str, programme: Programme) -> str | None:
    t = contract.norm_label(text)
    for p in programme.priorities:
        pid, title = contract.norm_label(p.id), contract.norm_label(p.title)
        if t in (pid, title, f"{pid} {title}") or t.startswith((pid + " ", pid + ":")):
            return p.id
    return None


def _proposals(raw: RawReturn, programme: Programme, out: Problems) -> list[Proposal]:
    sheet = raw.sheets.get("proposals")
    if sheet is None:
        return []
    keys = [c.key for c in contract.PROPOSAL_COLUMNS]
    found: list[Proposal] = []
    for row in sheet.rows:
        texts: dict[str, str] = {}
        for k in keys:
            cell = row.cells.get(k)
            texts[k] = (
                (_text(cell) or "") if cell is not None and _readable(cell, sheet.name, out) else ""
            )
        if not any(texts.values()):
            continue
        first = next(c for c in row.cells.values() if not is_blank(c.value))
        if not texts["action"]:
            message = tr(out.lang, "a proposal without the proposed action was ignored")
            out.warning(message, sheet.name, first.ref)
            continue
        pid = ""
        if texts["priority"]:
            resolved = _priority_id(texts["priority"], programme)
            if resolved is None:
                pcell = row.cells["priority"]
                out.warning(
                    tr(out.lang, "unknown priority: the proposal was stored without one"),
                    sheet.name,
                    pcell.ref,
                    pcell.value,
                )
            else:
                pid = resolved
        found.append(
            Proposal(
                pid,
                texts["action"],
                texts["metric"],
                texts["schedule"],
                texts["responsible"],
                texts["comment"],
                sheet.name,
                row.row,
            )
        )
    return found


def validate_return(
    raw: RawReturn, programme: Programme, period: Period, secret: bytes
) -> ValidatedReturn:
    """Every problem of the return, and its clean records when there is no error.

    The messages are in the programme's language (programme.settings.language).
    """
    out = Problems(raw.file, programme.settings.language)
    out.items.extend(raw.problems)
    dept = check_identity(raw, programme, period, secret, out, _index(programme).department_ids)
    answers: list[Answer] = []
    plans: list[PlanCompletion] = []
    metrics: list[MetricValue] = []
    proposals: list[Proposal] = []
    approved_by = approved_on = ""
    if dept is not None:
        answers, plans = _actions(raw, programme, dept, out)
        metrics = _metrics(raw, programme, out)
        proposals = _proposals(raw, programme, out)
        approved_by, approved_on = check_signoff(raw.signoff, programme.settings.sign_off, out)
    return ValidatedReturn(
        file=raw.file,
        department_id=dept,
        period=str(period),
        programme_version=raw.identity.get("programme_version", ""),
        generated_at=raw.identity.get("generated_at", ""),
        answers=tuple(answers),
        metric_values=tuple(metrics),
        plan_completions=tuple(plans),
        proposals=tuple(proposals),
        problems=tuple(out.items),
        signer=raw.signer,
        approved_by=approved_by,
        approved_on=approved_on,
    )
