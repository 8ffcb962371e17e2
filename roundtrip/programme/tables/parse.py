"""A real action table's lines into draft actions, with a note of every decision and the cell
it came from. Pure: the lines come from roundtrip.programme.tables.read.

What it knows of real tables:
- the header row is found by its names (tables.columns), anywhere among a table's first rows,
  again in every Word table and sheet; a title and notes above it are the preamble;
- headings give the priority areas: ``Painopiste 1. TITLE`` lines, a Word heading (or a
  short paragraph) above a table; a priority column does the same row by row;
- a blank (or merged) department cell continues the row above; a working group's remark in
  the department column (``Elinvoimatyöryhmän huomio …``) is the origin of the rows it heads;
- a row with no action text is dropped and reported, except the row a page broke: a metric
  with no action, followed by a blank-department row with the action and no metric, is one
  action; a row whose action cell is merged with the one above adds to that action;
- several parties in the department cell: the first leads unless one is marked, the rest are
  partners (and so are the parties of a partners column).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from roundtrip.language import _
from roundtrip.programme.tables.columns import (
    SCAN_ROWS,
    TARGET_KEY,
    Header,
    named,
    recognise,
    suggest_columns,
)
from roundtrip.programme.tables.guess import (
    action_number,
    department_id,
    number_cell,
    parties,
    sentence_case,
)
from roundtrip.programme.tables.lines import RawLine

HEADING = re.compile(
    r"^\s*(?:painopiste(?:alue)?|priority(?:\s+area)?|prioritet|fokusområde|teema|theme|tema|"
    r"strateginen\s+tavoite|goal|mål)\b\s*(\d+)?\s*[.:)–-]?\s*(.*)$",
    re.I,
)
NUMBERED_HEADING = re.compile(r"^\s*(\d{1,2})\s*[.)]\s+(\S.*)$")
REMARK = re.compile(r"^\s*elinvoimatyöryhmän\s+huomio\b", re.I)
OTHER_NAME = "Muu, mikä?"
SHORT_HEADING = 100  # a paragraph this short above a table, without a full stop, heads it


class CellRef:
    """Where a cell is, said only when a note needs it (a large table has many cells and
    few notes: the words are looked up in the catalogue then)."""

    __slots__ = ("column", "line")

    def __init__(self, line: RawLine, column: int | None = None):
        self.line, self.column = line, column

    def __str__(self) -> str:
        return self.line.ref(self.column)

    def __format__(self, spec: str) -> str:
        return format(str(self), spec)


# A target for an action's metric: (the year or period as written, "" for none; the value; its
# cell; the cell of the year when a column gives it, else None: the header names it).
Target = tuple[str, str, CellRef, CellRef | None]


@dataclass
class Draft:
    """An action being assembled (mutable only while parsing)."""

    where: RawLine
    priority: str
    department: str
    partners: tuple[str, ...]
    text: str
    number: str = ""
    metric: str = ""
    schedule: str = ""
    start: str = ""
    end: str = ""
    responsible: str = ""
    origin: str = ""
    refs: dict[str, CellRef] = field(default_factory=dict)  # key -> the cell it came from
    targets: list[Target] = field(default_factory=list)  # for its metric


@dataclass
class Parsed:
    """Everything parse_lines found, for tables.build."""

    drafts: list[Draft] = field(default_factory=list)
    priorities: dict[str, str] = field(default_factory=dict)  # id -> title, in order
    priority_refs: dict[str, object] = field(default_factory=dict)  # id -> where it was named
    departments: dict[str, str] = field(default_factory=dict)  # id -> name, in order
    department_refs: dict[str, object] = field(default_factory=dict)
    title: str = ""
    languages: list[str] = field(default_factory=list)
    report: list[str] = field(default_factory=list)  # notes on rows, in the order found
    partner_notes: list[str] = field(default_factory=list)  # a cell naming several parties
    headers: list[tuple[str, Header]] = field(default_factory=list)  # (where, header)
    unread: list[tuple[str, tuple[str, ...], str]] = field(default_factory=list)
    # (a table not read: where, the header-like cells seen, the --columns line to write)
    no_department: bool = False

    _by_name: dict[str, str] = field(default_factory=dict)  # name in lower case -> id

    def department_for(self, name: str, where: object) -> str:
        did = self._by_name.get(name.lower())
        if did is None:
            did = department_id(name, self.departments)
            self.departments[did] = name
            self.department_refs[did] = where
            self._by_name[name.lower()] = did
        return did


def _scope(line: RawLine) -> tuple[str, int]:
    return (line.sheet, line.table)


@dataclass
class _State:
    out: Parsed
    header: Header | None = None
    header_scope: tuple[str, int] | None = None
    header_width: int = 0
    read: set[tuple[str, int]] = field(default_factory=set)  # tables and sheets read
    priority: str = ""
    heading: tuple[str, str, str] | None = None  # (number, title, where) waiting for a table
    department: str = ""
    partners: tuple[str, ...] = ()
    origin: str = ""
    pending: tuple[RawLine, dict[str, str]] | None = None
    last: Draft | None = None

    def set_priority(self, number: str, title: str, where: object) -> None:
        p = self.out.priorities
        pid = f"P{int(number)}" if number else f"P{len(p) + 1}"
        while not number and pid in p:
            pid = f"P{int(pid[1:]) + 1}"
        if pid not in p or title:
            p[pid] = sentence_case(title) or p.get(pid, "")
            self.out.priority_refs.setdefault(pid, where)
        self.priority, self.department, self.partners, self.origin = pid, "", (), ""
        self.last = None


def parse_lines(lines: list[RawLine], given: dict[str, str] | None = None) -> Parsed:
    """The drafts, priorities, departments and notes of a table's lines."""
    st = _State(Parsed())
    scope_rows: dict[tuple[str, int], list[RawLine]] = {}
    sheets = list(dict.fromkeys(ln.sheet for ln in lines if ln.sheet and any(ln.cells)))
    for line in lines:
        if line.kind != "row":
            _paragraph(st, line)
            continue
        if not any(line.cells):
            continue
        scope = _scope(line)
        seen = scope_rows.setdefault(scope, [])
        seen.append(line)
        if len(seen) == 1 and (line.table or line.sheet):
            _new_table(st, line, len(sheets) > 1)
        scanning = len(seen) <= SCAN_ROWS or named(line.cells)
        header = recognise(line.cells, given) if scanning else None
        if header is not None:
            if st.header is None or header.columns != st.header.columns:
                st.out.headers.append((line.ref(), header))
                st.out.languages.extend(header.languages)
            st.header, st.header_scope, st.header_width = header, scope, len(line.cells)
            st.read.add(scope)
            continue
        if scope != st.header_scope:
            if len(seen) == 1 and line.table and len(line.cells) == st.header_width:
                st.header_scope = scope  # a Word table broken across pages goes on
                st.read.add(scope)
            else:
                _preamble(st, line)
                continue
        _row(st, line)
    _drop_pending(st)
    for scope, rows in scope_rows.items():
        if scope not in st.read:
            cells, suggestion = suggest_columns([r.cells for r in rows])
            st.out.unread.append((rows[0].ref(), cells, suggestion))
    return st.out


def _new_table(st: _State, line: RawLine, sheet_names_head: bool) -> None:
    """The first row of a Word table or a sheet: the heading above it (or the sheet's name,
    when the workbook has a table per sheet) names its priority area."""
    _drop_pending(st)
    if st.heading is None and line.sheet and sheet_names_head:
        st.heading = ("", line.sheet, line.ref())
    if st.heading is not None:
        number, title, where = st.heading
        st.set_priority(number, title, where)
        st.heading = None
    else:
        st.department, st.partners, st.origin, st.last = "", (), "", None


def _paragraph(st: _State, line: RawLine) -> None:
    """A Word paragraph: the title, a priority heading, or a note between tables."""
    text = " ".join(line.cells[0].split()) if line.cells else ""
    if not text:
        return
    where = line.ref()
    if m := HEADING.match(text):
        st.heading = (m.group(1) or "", m.group(2) or text, where)
        return
    if not st.out.title and st.header is None and st.heading is None:
        st.out.title = text
        return
    short = len(text) <= SHORT_HEADING and not text.endswith((".", ":", ";"))
    if line.kind == "heading" or short:
        if m := NUMBERED_HEADING.match(text):
            st.heading = (m.group(1), m.group(2), where)
        else:
            st.heading = ("", text, where)
        return
    st.out.report.append(
        _("{where}: a note between the tables, not imported: {text!r}").format(
            where=where, text=_short(text)
        )
    )


def _preamble(st: _State, line: RawLine) -> None:
    """A line before the table's header: the title, a heading, or preamble."""
    nonempty = [c for c in line.cells if c]
    if len(nonempty) != 1:
        return
    text = nonempty[0]
    if m := HEADING.match(text):
        st.heading = None
        st.set_priority(m.group(1) or "", m.group(2), line.ref())
    elif not st.out.title:
        st.out.title = text


def _short(text: str, most: int = 70) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 3] + "..."


def _cells(line: RawLine, header: Header) -> tuple[dict[str, str], dict[str, CellRef], set[str]]:
    """The row's text per key, each cell's reference, and the keys whose cell is merged."""
    texts, refs, merged = {}, {}, set()
    for key, i in header.columns.items():
        texts[key] = line.cells[i] if i < len(line.cells) else ""
        refs[key] = CellRef(line, i)
        if i in line.continued:
            merged.add(key)
    return texts, refs, merged


def _row(st: _State, line: RawLine) -> None:
    assert st.header is not None
    out = st.out
    if st.heading is not None and not line.table:
        number, title, where = st.heading
        st.set_priority(number, title, where)
        st.heading = None
    cells, refs, merged = _cells(line, st.header)
    nonempty = [c for c in line.cells if c]
    only_one = len(nonempty) == 1
    m = HEADING.match(nonempty[0]) if only_one else None
    if m and (not cells.get("action") or m.group(1)):
        _drop_pending(st)
        st.set_priority(m.group(1) or "", m.group(2), line.ref())
        return
    if only_one and out.title and nonempty[0].lower() == out.title.lower():
        return  # the page title repeated on every page: a page break
    if cells.get("priority"):
        _priority_cell(st, cells["priority"], refs["priority"])
    if not st.priority:
        st.set_priority("", "", line.ref())
    text, metric = cells["action"], cells.get("metric", "")
    if not text and "action" in merged and st.last is not None:
        _add_to_last(st, line, cells)
        return
    if st.pending is not None:
        if _merge_pending(st, line, cells, refs):
            return
        _drop_pending(st)
    _department(st, line, cells, refs, merged)
    if not text:
        if metric or cells.get("schedule") or cells.get("responsible"):
            st.pending = (line, cells)
        else:
            _dropped(st, line, cells)
        return
    number = number_cell(cells.get("number", "")) or action_number(text)[0]
    partners = st.partners + _partners_cell(st, cells, refs, merged)
    partners = tuple(dict.fromkeys(p for p in partners if p != st.department))
    draft = Draft(
        line,
        st.priority,
        st.department,
        partners,
        text,
        number,
        metric,
        cells.get("schedule", ""),
        cells.get("start", ""),
        cells.get("end", ""),
        cells.get("responsible", ""),
        st.origin,
        refs,
        _targets(cells, refs),
    )
    out.drafts.append(draft)
    st.last = draft


def _priority_cell(st: _State, value: str, where: object) -> None:
    m = HEADING.match(value) or NUMBERED_HEADING.match(value)
    number = m.group(1) or "" if m else ""
    title = (m.group(2) if m else value) or value
    known = [p for p, t in st.out.priorities.items() if t.lower() == sentence_case(title).lower()]
    if known and not number:
        if known[0] != st.priority:
            st.priority, st.department, st.partners, st.origin = known[0], "", (), ""
    elif not (number and f"P{number}" == st.priority):
        st.set_priority(number, title, where)


def _department(
    st: _State, line: RawLine, cells: dict[str, str], refs: dict[str, CellRef], merged: set[str]
) -> None:
    """The lead department (and the partners its cell names) of the row."""
    out = st.out
    if "department" not in cells:
        if not st.department:
            name = _("Whole organisation")
            st.department = out.department_for(name, line.ref())
            out.no_department = True
        return
    kuka = cells["department"]
    where = refs["department"]
    if kuka and REMARK.match(kuka):
        if not st.department:
            st.department = out.department_for(OTHER_NAME, where)
            out.report.append(
                _("{where}: a remark with no department above it: given to {department}").format(
                    where=where, department=st.department
                )
            )
        st.origin = kuka
    elif kuka and "department" not in merged:
        names, marked = parties(kuka)
        ids = [out.department_for(n, where) for n in names]
        st.department, st.partners, st.origin = ids[0], tuple(ids[1:]), ""
        if len(ids) > 1:
            out.partner_notes.append(
                (
                    _("{where}: {lead} leads (marked in the cell), partners {partners}")
                    if marked
                    else _("{where}: {lead} leads (named first), partners {partners}")
                ).format(where=where, lead=ids[0], partners=", ".join(ids[1:]))
            )
    elif not st.department:
        st.department = out.department_for(OTHER_NAME, where)
        out.report.append(
            _("{where}: no department here or above: given to {department}").format(
                where=where, department=st.department
            )
        )
    elif st.origin and cells.get("action"):
        out.report.append(
            _(
                "{where}: no department after a remark row: kept as the same remark "
                "({department}, origin {origin!r}): {action!r}"
            ).format(
                where=where,
                department=st.department,
                origin=st.origin,
                action=_short(cells["action"]),
            )
        )


def _partners_cell(
    st: _State, cells: dict[str, str], refs: dict[str, CellRef], merged: set[str]
) -> tuple[str, ...]:
    if "partners" not in cells:
        return ()
    if "partners" in merged and st.last is not None:
        return st.last.partners
    names, _marked = parties(cells["partners"])
    return tuple(st.out.department_for(n, refs["partners"]) for n in names)


def _targets(cells: dict[str, str], refs: dict[str, CellRef]) -> list[Target]:
    """The targets a row's cells give: a column per year ("Tavoite 2025"), or a value column
    with its year in another ("Target value" | "Target year")."""
    out: list[Target] = []
    for key, value in cells.items():
        if key.startswith(TARGET_KEY) and value and key in refs:
            out.append((key[len(TARGET_KEY) :], value, refs[key], None))
    value = cells.get("target_value", "")
    if value and "target_value" in refs:
        out.append(
            (cells.get("target_year", ""), value, refs["target_value"], refs.get("target_year"))
        )
    return out


def _add_to_last(st: _State, line: RawLine, cells: dict[str, str]) -> None:
    """A row whose action cell is merged with the one above: more of that action."""
    last = st.last
    assert last is not None
    added = []
    for key in ("metric", "schedule", "responsible"):
        value = cells.get(key, "")
        current = getattr(last, key)
        if value and value != current:
            setattr(last, key, f"{current}\n{value}" if current else value)
            added.append(value)
    last.targets.extend(_targets(cells, _cells(line, st.header)[1]) if st.header else [])
    if added:
        st.out.report.append(
            _("{where}: the action cell is merged with the row above: {added} added to it").format(
                where=line.ref(), added=", ".join(repr(_short(a, 40)) for a in added)
            )
        )


def _merge_pending(
    st: _State, line: RawLine, cells: dict[str, str], refs: dict[str, CellRef]
) -> bool:
    """The page-split row: a metric with no action, then the action with no department."""
    assert st.pending is not None
    pline, pcells = st.pending
    text = cells["action"]
    if cells.get("department") or not text or cells.get("metric"):
        return False
    number = action_number(text)[0]
    draft = Draft(
        pline,
        st.priority,
        st.department,
        st.partners,
        text,
        number,
        pcells.get("metric", ""),
        cells.get("schedule", "") or pcells.get("schedule", ""),
        cells.get("start", "") or pcells.get("start", ""),
        cells.get("end", "") or pcells.get("end", ""),
        cells.get("responsible", "") or pcells.get("responsible", ""),
        st.origin,
        refs,
        _targets(pcells, _cells(pline, st.header)[1] if st.header else {}) + _targets(cells, refs),
    )
    st.out.drafts.append(draft)
    st.last = draft
    st.out.report.append(
        _(
            "{first} and {second}: one action split across a page: merged "
            "({department}: {action!r} with metric {metric!r})"
        ).format(
            first=pline.ref(),
            second=line.ref(),
            department=st.department,
            action=text,
            metric=pcells.get("metric", ""),
        )
    )
    st.pending = None
    return True


def _dropped(st: _State, line: RawLine, cells: dict[str, str]) -> None:
    shown = " | ".join(v for v in cells.values() if v)
    st.out.report.append(
        _(
            "{where}: dropped a row with no action text ({cells}); department {department} kept"
        ).format(where=line.ref(), cells=_short(shown, 80), department=st.department)
    )


def _drop_pending(st: _State) -> None:
    if st.pending is not None:
        line, cells = st.pending
        st.pending = None
        _dropped(st, line, cells)
