"""Import a raw action table (like the Aura seed) into a Programme, with a report of every guess.

Sources: tab-separated .txt as copied out of a word processor (page titles repeated on every
page, a preamble, `Painopiste N. TITLE` headings and `KUKA / MITÄ / MITTARI /SEURANTA /
AIKATAULU / VASTUUTAHO` header rows), or .xlsx / .csv with those columns (the header row is
found by its names; a `Painopiste` column may replace the headings). Reading is at the edges;
`parse_rows` is pure.

Rules (the decisions of examples/aura/README.md):
- a blank KUKA continues the department (and the remark origin) of the row above;
- `Elinvoimatyöryhmän huomio …` rows are the working group's remarks: origin = that text,
  owned by the department whose section they stand in;
- rows without action text are dropped and reported, except the page-split row: a row with a
  metric but no action, followed by a blank-KUKA row with an action and no metric, is merged;
- a metric cell that is really a schedule moves to the schedule when that is empty;
- metric kinds are guessed from wording; several metrics in one cell are split.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from roundtrip.errors import ConfigError, Problem
from roundtrip.language import _, console_language, ngettext
from roundtrip.language.wording import wording
from roundtrip.programme.bundled import default_status_scale, with_version
from roundtrip.programme.model import Action, Department, Metric, Priority, Programme, Settings
from roundtrip.programme.tables.read import RawLine, read_table

COLUMN_NAMES = {
    "department": ("kuka", "toimiala", "department", "who", "vem", "sektor"),
    "action": ("mitä", "mita", "toimenpide", "action", "what", "vad", "åtgärd"),
    "metric": ("mittari/seuranta", "mittariseuranta", "mittari", "seuranta", "metric", "mätare"),
    "schedule": ("aikataulu", "schedule", "tidtabell"),
    "responsible": ("vastuutaho", "responsible", "ansvarig"),
    "priority": ("painopiste", "priority", "prioritet"),
}
KNOWN_DEPARTMENTS = {
    "yritys- ja elinkeinopalvelut": "YEP",
    "hallintotoimisto": "HAL",
    "sivistystoimi": "SIV",
    "kulttuuritoimi": "KUL",
    "vapaa-aikatoimi": "VAP",
    "tekninen toimi": "TEK",
    "elinvoimatyöryhmä": "EVT",
    "muu, mikä?": "MUU",
    "muu": "MUU",
}
OTHER_NAME = "Muu, mikä?"
HEADING = re.compile(r"^\s*(?:painopiste|priority|prioritet)\s*(\d+)\s*[.:)]?\s*(.*)$", re.I)
REMARK = re.compile(r"^\s*elinvoimatyöryhmän\s+huomio\b", re.I)
YEAR_RANGE = re.compile(r"\b(20\d\d)\s*[-–]\s*(20\d\d)\b")
SCHEDULE_WORDS = re.compile(
    r"\b(ohjelmakaudella|ohjelmakauden|vuosina|vuonna|vuosittain|koko ajan|säännöllisesti|"
    r"jatkuvasti|syksy|syksyllä|kevät|keväällä|alkaen|mennessä|aikana|valmistelu)\b",
    re.I,
)
SCHEDULE_ONLY = re.compile(r"^(koko ajan|säännöllisesti|jatkuvasti|vuosittain)\.?$", re.I)
CAPITAL_SPLIT = re.compile(r"(?<=[a-zåäöü.]) (?=[A-ZÅÄÖ][a-zåäö])")
COUNT_WORDS = ("lukumäärä", "määrä")
YESNO_WORDS = ("toteutuminen", "toteutunut prosessi")


@dataclass(frozen=True)
class ImportResult:
    programme: Programme
    report: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        return list(self.report)


def read_lines(path: Path) -> list[RawLine]:
    """The source table as lines of cells (tables.read); one clear error when it cannot be read."""
    return read_table(path)


def import_table(path: Path, organisation: str = "") -> ImportResult:
    """Read a raw action table and build a Programme, with a report of every decision."""
    path = Path(path)
    return parse_rows(read_lines(path), path.name, organisation=organisation)


# --------------------------------------------------------------------------- parsing


def _norm(text: str) -> str:
    return re.sub(r"\s+", "", text.lower())


def _header_map(cells: tuple[str, ...]) -> dict[str, int] | None:
    found: dict[str, int] = {}
    for i, cell in enumerate(cells):
        name = _norm(cell)
        for key, names in COLUMN_NAMES.items():
            if key not in found and name in {_norm(n) for n in names}:
                found[key] = i
    if "department" in found and "action" in found:
        return found
    return None


def sentence_case(text: str) -> str:
    """`KUNNAN JA YRITYSTEN` -> `Kunnan ja yritysten` (only when the text is all capitals)."""
    text = " ".join(text.split())
    if text and text == text.upper() and any(c.isalpha() for c in text):
        return text[:1] + text[1:].lower()
    return text


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")


def department_id(name: str, taken: Iterable[str] = ()) -> str:
    """A short, stable, uppercase id for a department name (known names, else initials)."""
    taken = set(taken)
    known = KNOWN_DEPARTMENTS.get(" ".join(name.lower().split()))
    if known and known not in taken:
        return known
    words = [w for w in re.split(r"[^A-Za-z0-9]+", _ascii(name).upper()) if w]
    if not words:
        base = "DEP"
    elif len(words) == 1:
        base = words[0][:3]
    else:
        base = "".join(w[0] for w in words)[:4]
        if len(base) < 3:
            base = (base + words[-1][1:])[:3]
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}{n}", n + 1
    return candidate


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", _ascii(text).lower()).strip("-") or "programme"


def looks_like_schedule(text: str) -> bool:
    t = text.strip()
    if SCHEDULE_ONLY.match(t):
        return True
    if not re.search(r"\b20\d\d\b", t):
        return False
    rest = SCHEDULE_WORDS.sub(" ", YEAR_RANGE.sub(" ", t))
    rest = re.sub(r"\b20\d\d\b|[-–.,/]", " ", rest)
    return not rest.strip()


def split_metrics(text: str) -> list[str]:
    """Metric phrases of one cell: split on newlines, `;`, `, ` between phrases, and a
    lowercase word followed by a capitalised one; never on ` / `."""
    pieces: list[str] = []
    for part in re.split(r"[\n;]+", text):
        commas = part.split(", ")
        phrases = len(commas) > 1 and all(len(c.split()) >= 2 for c in commas)
        chunks = commas if phrases else [part]
        for chunk in chunks:
            pieces.extend(CAPITAL_SPLIT.split(chunk))
    out = []
    for piece in pieces:
        piece = piece.strip().rstrip(".").strip()
        if piece:
            out.append(piece[:1].upper() + piece[1:])
    return out


def guess_kind(name: str) -> tuple[str, str]:
    """(kind, the words that decided it) from a metric's wording."""
    low = name.lower()
    for word in YESNO_WORDS:
        if word in low:
            return "yesno", word
    if re.search(r"\blkm\b", low):
        return "count", "lkm"
    for word in COUNT_WORDS:
        if word in low:
            return "count", word
    if "%" in low or "prosentti" in low:
        return "percent", "%"
    return "text", ""


@dataclass
class _Draft:
    """An action being assembled (mutable only inside parse_rows)."""

    line: int
    priority: str
    department: str
    text: str
    metric: str = ""
    schedule: str = ""
    responsible: str = ""
    origin: str = ""


@dataclass
class _State:
    file: str
    report: list[str] = field(default_factory=list)
    priorities: dict[str, str] = field(default_factory=dict)  # id -> title, in order
    departments: dict[str, str] = field(default_factory=dict)  # id -> name, in order
    drafts: list[_Draft] = field(default_factory=list)
    title: str = ""
    priority: str = ""
    department: str = ""
    origin: str = ""

    def department_for(self, name: str) -> str:
        for did, known in self.departments.items():
            if known.lower() == name.lower():
                return did
        did = department_id(name, self.departments)
        self.departments[did] = name
        return did

    def set_priority(self, number: str, title: str) -> None:
        pid = f"P{int(number)}" if number else f"P{len(self.priorities) + 1}"
        if pid not in self.priorities or title:
            self.priorities[pid] = sentence_case(title) or self.priorities.get(pid, "")
        self.priority, self.department, self.origin = pid, "", ""


def _cells(line: RawLine, cols: dict[str, int]) -> dict[str, str]:
    return {k: (line.cells[i] if i < len(line.cells) else "") for k, i in cols.items()}


def _describe(cells: dict[str, str]) -> str:
    shown = " | ".join(v for v in cells.values() if v)
    return shown if len(shown) <= 80 else shown[:77] + "..."


def parse_rows(lines: list[RawLine], file: str, organisation: str = "") -> ImportResult:
    """Build the Programme from the table's lines (pure: no I/O)."""
    st = _State(file)
    cols: dict[str, int] | None = None
    pending: tuple[RawLine, dict[str, str], str, str] | None = None  # line, cells, dept, origin

    def drop_pending() -> None:
        nonlocal pending
        if pending is not None:
            line, cells, did, _origin = pending
            st.report.append(
                _(
                    "line {line}: dropped a row with no action text ({cells}); "
                    "department {department} kept"
                ).format(line=line.number, cells=_describe(cells), department=did)
            )
            pending = None

    for line in lines:
        nonempty = [c for c in line.cells if c]
        if not nonempty:
            continue
        first = nonempty[0]
        only_one = len(nonempty) == 1 and line.cells[0] == first
        if only_one and (m := HEADING.match(first)):
            drop_pending()
            st.set_priority(m.group(1), m.group(2))
            continue
        if only_one and st.title and first.lower() == st.title.lower():
            continue  # the page title repeated on every page: a page break
        header = _header_map(line.cells)
        if header:
            cols = header
            continue
        if cols is None:
            if not st.title and only_one:
                st.title = first  # the first text line; the rest before the table is preamble
            continue
        cells = _cells(line, cols)
        if cells.get("priority"):
            m = HEADING.match(cells["priority"])
            number = m.group(1) if m else ""
            title = m.group(2) if m else cells["priority"]
            known = [
                p for p, t in st.priorities.items() if t.lower() == sentence_case(title).lower()
            ]
            if known and not number:
                st.priority = known[0]
            elif f"P{number}" != st.priority:
                st.set_priority(number, title)
        if not st.priority:
            st.set_priority("1", "")
            st.report.append(
                _("line {line}: no priority heading before the table: using P1").format(
                    line=line.number
                )
            )
        kuka, text, metric = cells["department"], cells["action"], cells.get("metric", "")
        schedule, responsible = cells.get("schedule", ""), cells.get("responsible", "")

        # The page-split row: its action continues on the next page under a blank KUKA.
        if pending is not None:
            pline, pcells, pdid, porigin = pending
            if not kuka and text and not metric:
                st.drafts.append(
                    _Draft(
                        pline.number,
                        st.priority,
                        pdid,
                        text,
                        pcells.get("metric", ""),
                        schedule or pcells.get("schedule", ""),
                        responsible or pcells.get("responsible", ""),
                        porigin,
                    )
                )
                st.report.append(
                    _(
                        "lines {first} and {second}: one action split across a page: merged "
                        "({department}: {action!r} with metric {metric!r})"
                    ).format(
                        first=pline.number,
                        second=line.number,
                        department=pdid,
                        action=text,
                        metric=pcells.get("metric", ""),
                    )
                )
                pending = None
                continue
            drop_pending()

        if kuka and REMARK.match(kuka):
            if not st.department:
                st.department = st.department_for(OTHER_NAME)
                st.report.append(
                    _(
                        "line {line}: a remark with no department above it: given to {department}"
                    ).format(line=line.number, department=st.department)
                )
            st.origin = kuka
        elif kuka:
            st.department, st.origin = st.department_for(kuka), ""
        elif not st.department:
            st.department = st.department_for(OTHER_NAME)
            st.report.append(
                _(
                    "line {line}: blank KUKA with no department above it: given to {department}"
                ).format(line=line.number, department=st.department)
            )
        elif st.origin and text:
            st.report.append(
                _(
                    "line {line}: blank KUKA after a remark row: kept as the same remark "
                    "({department}, origin {origin!r}): {action!r}"
                ).format(line=line.number, department=st.department, origin=st.origin, action=text)
            )

        if not text:
            if metric or schedule or responsible:
                pending = (line, cells, st.department, st.origin)
            else:
                st.report.append(
                    _(
                        "line {line}: dropped a row with no action text ({cells}); "
                        "department {department} kept"
                    ).format(line=line.number, cells=_describe(cells), department=st.department)
                )
            continue
        st.drafts.append(
            _Draft(
                line.number,
                st.priority,
                st.department,
                text,
                metric,
                schedule,
                responsible,
                st.origin,
            )
        )
    drop_pending()
    if cols is None:
        raise ConfigError(
            [Problem(file, _("no header row naming KUKA and MITÄ (or department and action)"))],
            _("{file}: no action table found (no header row naming KUKA and MITÄ)").format(
                file=file
            ),
        )
    return ImportResult(_build(st, organisation), tuple(st.report))


def _build(st: _State, organisation: str) -> Programme:
    actions: list[Action] = []
    kinds: list[str] = []
    kind_names = wording(console_language())["kinds"]
    counters: dict[str, int] = {}
    for d in st.drafts:
        counters[d.priority] = counters.get(d.priority, 0) + 1
        aid = f"{d.priority}-{counters[d.priority]:02d}"
        metric, schedule = d.metric, d.schedule
        if metric and not schedule and looks_like_schedule(metric):
            st.report.append(
                _(
                    "line {line}: {action}: metric {metric!r} is a schedule: moved to schedule"
                ).format(line=d.line, action=aid, metric=metric)
            )
            metric, schedule = "", metric
        metrics = []
        for n, name in enumerate(split_metrics(metric) if metric else [], start=1):
            kind, why = guess_kind(name)
            mid = f"{aid}-M{n}"
            metrics.append(Metric(mid, aid, name, kind, unit="kpl" if kind == "count" else ""))
            guessed = kind_names[kind]
            if why:
                line = _("{metric} {name!r}: kind guessed {kind} (from {words!r}): check it")
                kinds.append(line.format(metric=mid, name=name, kind=guessed, words=why))
            else:
                line = _("{metric} {name!r}: kind guessed {kind} (no wording to go by): check it")
                kinds.append(line.format(metric=mid, name=name, kind=guessed))
        actions.append(
            Action(
                id=aid,
                priority_id=d.priority,
                department_id=d.department,
                text=d.text,
                metrics=tuple(metrics),
                metric_text=metric,
                schedule=schedule,
                responsible=d.responsible,
                origin=d.origin,
            )
        )
    st.report.extend(kinds)
    remarks = sum(1 for a in actions if a.origin)
    if remarks:
        st.report.append(
            ngettext(
                "{n} action is the working group's remark, owned by the department whose "
                "section it stands in (origin column)",
                "{n} actions are the working group's remarks, each owned by the department "
                "whose section it stands in (origin column)",
                remarks,
            ).format(n=remarks)
        )
    name = sentence_case(st.title) or "Toimenpideohjelma"
    years = YEAR_RANGE.search(st.title)
    settings = Settings(
        programme_id=slug(name)[:60].strip("-"),
        name=name,
        organisation=organisation,
        language="fi",
        cadence="quarter",
        first_period=f"{years.group(1)}Q1" if years else "",
        last_period=f"{years.group(2)}Q4" if years else "",
    )
    return with_version(
        Programme(
            settings=settings,
            priorities=tuple(Priority(pid, t) for pid, t in st.priorities.items()),
            departments=tuple(Department(did, n) for did, n in st.departments.items()),
            actions=tuple(actions),
            statuses=default_status_scale("fi"),
        )
    )
