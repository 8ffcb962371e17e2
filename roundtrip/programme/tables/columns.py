"""Which column of a real action table holds what: the header row found by the names plans
give their columns in Finnish, Swedish and English, or named by the user (``--columns``).

Pure functions. A header cell is compared folded (case, punctuation and whitespace ignored:
``MITTARI /SEURANTA`` = ``mittariseuranta``), equal to a synonym or starting with one of six
letters or more and ending within three more (``Vastuutahot`` is ``vastuutaho`` + ``t``; a
data cell such as ``Toimenpide numero 12`` names nothing).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from roundtrip.errors import UsageError
from roundtrip.language import _, console_language
from roundtrip.programme.names import column_lookup, column_name
from roundtrip.programme.names import fold as names_fold
from roundtrip.programme.schedule import parse_bound, read_schedule

# What a column holds -> {language: names}. "department" names the lead's column strongly;
# "responsible" names a person or a party: it is the department column when no stronger
# name is there (VASTUUTAHO beside KUKA is the person responsible, alone it is the party).
SYNONYMS: dict[str, dict[str, tuple[str, ...]]] = {
    "action": {
        "fi": ("toimenpide", "toimenpiteet", "mitä", "mita", "tehtävä", "tehtävät", "toimet"),
        "sv": ("åtgärd", "åtgärder", "vad", "insats", "insatser", "aktivitet", "aktiviteter"),
        "en": ("action", "actions", "activity", "activities", "what", "task", "tasks"),
    },
    "department": {
        "fi": (
            "kuka",
            "toimiala",
            "toimialat",
            "vastuutoimiala",
            "vastuutoimialat",
            "vastuuyksikkö",
            "vastuuyksiköt",
            "yksikkö",
            "palvelualue",
            "kukavastaa",
            "vastuutoimija",
        ),
        "sv": ("vem", "förvaltning", "sektor", "enhet", "ansvarigförvaltning", "ansvarigenhet"),
        "en": ("who", "department", "departments", "division", "unit", "leaddepartment"),
    },
    "responsible": {
        "fi": ("vastuutaho", "vastuutahot", "vastuu", "vastuussa", "vastaa", "vastuuhenkilö"),
        "sv": ("ansvarig", "ansvar", "ansvarigpart", "ansvarsperson", "huvudansvar"),
        "en": (
            "partyresponsible",
            "responsible",
            "responsibleparty",
            "responsibleforimplementation",
            "responsibility",
            "lead",
            "owner",
        ),
    },
    "partners": {
        "fi": (
            "yhteistyötahot",
            "yhteistyötaho",
            "yhteistyökumppanit",
            "kumppanit",
            "muuttoimijat",
            "muutvastuutahot",
            "osallistujat",
        ),
        "sv": ("samarbetspartner", "samarbetsparter", "samarbete", "övrigaaktörer", "delaktiga"),
        "en": ("partners", "partner", "cooperation", "collaborators", "otherparties", "involved"),
    },
    "metric": {
        "fi": (
            "mittari",
            "mittarit",
            "mittariseuranta",
            "seuranta",
            "seurantamittari",
            "arviointi",
            "indikaattori",
            "indikaattorit",
        ),
        "sv": ("mätare", "mätetal", "indikator", "indikatorer", "uppföljning", "nyckeltal"),
        "en": ("metric", "metrics", "indicator", "indicators", "indicatorss", "kpi", "kpis"),
    },
    "schedule": {
        "fi": ("aikataulu", "ajankohta", "milloin", "aikajänne", "toteutusaika", "ajoitus"),
        "sv": ("tidtabell", "tidplan", "tidsplan", "när", "tidpunkt", "tidsram"),
        "en": ("schedule", "timetable", "timeline", "timing", "when", "timeframe", "startenddate"),
    },
    "start": {
        "fi": ("alkaa", "aloitus", "alkamisvuosi", "aloitusvuosi"),
        "sv": ("börjar", "start", "startår", "startdatum"),
        "en": ("startyear", "startdate", "begins"),
    },
    "end": {
        "fi": ("päättyy", "valmistuu", "tavoitevuosi", "valmistumisvuosi", "takaraja"),
        "sv": ("slutar", "målår", "slutår", "slutdatum", "klart"),
        "en": ("targetyear", "end", "enddate", "endyear", "deadline"),
    },
    "priority": {
        "fi": ("painopiste", "painopistealue", "painopisteet", "tavoite", "tavoitteet", "teema"),
        "sv": ("mål", "målsättning", "fokusområde", "fokusområden", "prioritet", "tema"),
        "en": ("goal", "goals", "objective", "priority", "priorityarea", "focusarea", "theme"),
    },
    "number": {
        "fi": ("nro", "numero", "tunnus", "järjestysnumero"),
        "sv": ("nr", "nummer", "kod"),
        "en": ("no", "number", "id", "#", "num", "ref"),
    },
}
KEYS = tuple(SYNONYMS)
# The programme.xlsx actions column each key fills: its name is how the key is shown, and
# --columns takes it in any language as well as the key ("toimiala=Vastuu").
ACTIONS_COLUMN = {
    "action": "action",
    "department": "department",
    "partners": "partners",
    "metric": "metric_text",
    "schedule": "schedule",
    "start": "start",
    "end": "end",
    "responsible": "responsible",
    "priority": "priority",
    "number": "id",
}
# A metric's target for a year or a period named in its header ("Tavoite 2025", "Tavoitetaso
# 2026", "Target 2030", "Mål 2027", "2030 target"): the key TARGET_KEY + the bound. "Tavoite"
# alone names the priority area (SYNONYMS); with a year it is a target.
TARGET_KEY = "target:"
_TARGET_WORDS = (
    r"(?:tavoite(?:taso|arvo|tila)?|target(?:\s*(?:value|level))?|goal|mål(?:nivå|värde)?|"
    r"målsättning)"
)
_TARGET_BOUND = r"((?:19|20)\d\d(?:\s*[QqHh]\s*[1-4])?)"
TARGET_HEADER = re.compile(
    rf"^\s*(?:{_TARGET_WORDS}\s*(?:vuodelle|vuoteen|vuonna|for|in|by|för|år|till)?\s*[:–-]?\s*"
    rf"{_TARGET_BOUND}|{_TARGET_BOUND}\s*[:–-]?\s*{_TARGET_WORDS})\s*[.:]?\s*$",
    re.I,
)
# A target's value in one column and its year in another ("Target value" | "Target year").
# With a value column, a target-year column is that value's year, not the schedule's end.
TARGET_VALUE_WORDS = (
    "tavoitearvo",
    "tavoitetaso",
    "targetvalue",
    "targetlevel",
    "målvärde",
    "målnivå",
)
TARGET_YEAR_WORDS = ("tavoitevuosi", "targetyear", "målår", "tavoiteajankohta", "targetdate")
PERSON_WORDS = ("vastuuhenkilö", "ansvarsperson", "contactperson", "yhteyshenkilö", "owner")
SCAN_ROWS = 40  # the header is looked for among a table's first rows
_PREFIX = 6  # a header that starts with a synonym this long names its column,
_ENDING = 3  # when at most this much follows it (an ending: "Vastuutahot", "Mittarit")


def fold(text: str) -> str:
    """A header as compared: lower case, without whitespace and punctuation (``#`` kept)."""
    text = unicodedata.normalize("NFC", text).casefold()
    return "".join(c for c in text if c.isalnum() or c == "#")


_FOLDED: dict[str, tuple[str, str]] = {}  # folded synonym -> (key, language)
for _key, _by_language in SYNONYMS.items():
    for _lang, _names in _by_language.items():
        for _name in _names:
            _FOLDED.setdefault(fold(_name), (_key, _lang))
_PERSONS = frozenset(fold(w) for w in PERSON_WORDS)
_TARGET_VALUES = frozenset(fold(w) for w in TARGET_VALUE_WORDS)
_TARGET_YEARS = frozenset(fold(w) for w in TARGET_YEAR_WORDS)


def target_bound(cell: str) -> str:
    """The year or period a header names a target for ("Tavoite 2025" -> "2025", "Target
    2026 H2" -> "2026H2"), or "" when it names none."""
    m = TARGET_HEADER.match(" ".join(cell.split()))
    if not m:
        return ""
    return parse_bound(m.group(1) or m.group(2)) or ""


def named(cells: Sequence[str]) -> bool:
    """Whether two cells or more are a column's name exactly: a header repeated further down
    a sheet (the quick test before `recognise`)."""
    return sum(1 for c in cells if c and len(c) <= 40 and fold(c) in _FOLDED) >= 2


def name_of(cell: str) -> tuple[str, str] | None:
    """(key, language) a header cell names, or None."""
    folded = fold(cell)
    if not folded:
        return None
    got = _FOLDED.get(folded)
    if got is not None:
        return got
    for length in range(len(folded) - 1, max(len(folded) - _ENDING, _PREFIX) - 1, -1):
        got = _FOLDED.get(folded[:length])  # the longest synonym the header starts with
        if got is not None:
            return got
    return None


@dataclass(frozen=True)
class Header:
    """A header row: the column index of each key, and the language its names are in."""

    columns: dict[str, int]
    names: dict[str, str]  # key -> the header cell as written
    languages: tuple[str, ...] = ()  # one per recognised name
    unused: tuple[str, ...] = ()  # header cells naming nothing roundtrip keeps


def recognise(cells: Sequence[str], given: dict[str, str] | None = None) -> Header | None:
    """The header `cells` make, or None when they do not name an action column and one more.

    `given` (from ``--columns``: key -> header text) wins over the synonyms."""
    columns: dict[str, int] = {}
    names: dict[str, str] = {}
    languages: list[str] = []
    candidates: dict[str, list[int]] = {}
    taken: set[int] = set()
    for key, wanted in (given or {}).items():
        for i, cell in enumerate(cells):
            if i not in taken and cell and fold(cell) == fold(wanted):
                columns[key], names[key] = i, cell
                taken.add(i)
                break
    values = [i for i, c in enumerate(cells) if i not in taken and c and fold(c) in _TARGET_VALUES]
    for i, cell in enumerate(cells):
        if i in taken or not cell or "\n" in cell or len(cell) > 60:
            continue
        bound = target_bound(cell)
        if bound and f"{TARGET_KEY}{bound}" not in columns:
            columns[f"{TARGET_KEY}{bound}"], names[f"{TARGET_KEY}{bound}"] = i, cell
            taken.add(i)
            continue
        if values and fold(cell) in _TARGET_YEARS and "target_year" not in columns:
            columns["target_year"], names["target_year"] = i, cell
            taken.add(i)
            continue
        if values and i == values[0]:
            columns["target_value"], names["target_value"] = i, cell
            taken.add(i)
            continue
        found = name_of(cell)
        if found is None:
            continue
        key, lang = found
        if fold(cell) in _PERSONS:
            key = "responsible"
        candidates.setdefault(key, []).append(i)
        languages.append(lang)
    for key in KEYS:
        if key in columns or not candidates.get(key):
            continue
        i = candidates[key][0]
        columns[key], names[key] = i, cells[i]
        taken.add(i)
    parties = [j for j in candidates.get("responsible", []) if fold(cells[j]) not in _PERSONS]
    if "department" not in columns and parties:
        # VASTUUTAHO alone names the party responsible: the department.
        i = parties[0]
        columns["department"], names["department"] = i, cells[i]
        rest = [j for j in candidates["responsible"] if j != i]
        columns.pop("responsible", None)
        names.pop("responsible", None)
        if rest:
            columns["responsible"], names["responsible"] = rest[0], cells[rest[0]]
    if "action" not in columns or len(columns) < 2:
        return None
    used = set(columns.values())
    unused = tuple(c for i, c in enumerate(cells) if c and i not in used)
    return Header(columns, names, tuple(languages), unused)


def parse_columns_option(text: str) -> dict[str, str]:
    """``--columns "action=Tehtävä,department=Vastuu"`` -> {key: header text}."""
    out: dict[str, str] = {}
    for part in re.split(r"[,;]", text or ""):
        if not part.strip():
            continue
        written, sep, header = part.partition("=")
        key = _option_key(written)
        if not sep or not header.strip() or not key:
            raise UsageError(
                _(
                    "--columns takes KEY=HEADER pairs separated by commas, KEY one of {keys}: "
                    "not {part!r}"
                ).format(keys=", ".join(KEYS), part=part.strip())
            )
        out[key] = header.strip()
    return out


def _mostly(texts: Sequence[str], test: Callable[[str], bool]) -> bool:
    return sum(1 for t in texts if test(t)) * 2 > len(texts)


def _looks_timely(text: str) -> bool:
    """A schedule's words: a year, or a reading schedule.read_schedule makes something of."""
    return bool(re.search(r"\b(?:19|20)\d\d\b", text)) or bool(read_schedule(text).how)


def _option_key(written: str) -> str:
    """The key a --columns name stands for: a key, or an actions column's name in any of the
    three languages; "" when neither."""
    folded = written.strip().lower()
    if folded in KEYS:
        return folded
    column = column_lookup("actions").get(names_fold(written), ("", frozenset()))[0]
    return next((k for k, c in ACTIONS_COLUMN.items() if c == column), "") if column else ""


def key_name(key: str) -> str:
    """How the console names what a column holds ("department" -> "toimiala" in Finnish; a
    target for 2025 -> "tavoite 2025", as programme.xlsx's targets sheet names its columns)."""
    lang = console_language()
    if key.startswith(TARGET_KEY):
        return f"{column_name('targets', 'target', lang)} {key[len(TARGET_KEY) :]}"
    if key == "target_value":
        return column_name("targets", "target", lang)
    if key == "target_year":
        return column_name("targets", "period", lang)
    return column_name("actions", ACTIONS_COLUMN[key], lang)


def suggest_columns(rows: Sequence[Sequence[str]]) -> tuple[tuple[str, ...], str]:
    """For a table whose header was not recognised: the header-like row seen (its cells) and
    a ``--columns`` line to write. The action column is the one with the longest texts
    below it, the department the one whose texts repeat most; the rest by their names."""
    header_at = next(
        (
            i
            for i, row in enumerate(rows[:SCAN_ROWS])
            if sum(1 for c in row if c) >= 2 and all(len(c) <= 60 for c in row if c)
        ),
        None,
    )
    if header_at is None:
        return (), ""
    header = rows[header_at]
    body = rows[header_at + 1 : header_at + 1 + 200]
    width = len(header)

    def texts(i: int) -> list[str]:
        return [r[i] for r in body if i < len(r) and r[i]]

    filled = [i for i in range(width) if header[i]]
    if not filled:
        return (), ""
    mapping: dict[str, int] = {}
    for i in filled:
        found = name_of(header[i])
        if found and found[0] not in mapping:
            mapping[found[0]] = i
    free = [i for i in filled if i not in mapping.values()]
    if "action" not in mapping and free:
        mapping["action"] = max(free, key=lambda i: sum(map(len, texts(i))) / max(len(texts(i)), 1))
        free.remove(mapping["action"])
    if "schedule" not in mapping and "start" not in mapping and "end" not in mapping:
        timely = [i for i in free if texts(i) and _mostly(texts(i), _looks_timely)]
        if timely:
            mapping["schedule"] = timely[0]
            free.remove(timely[0])
    if "department" not in mapping and free:

        def repetition(i: int) -> tuple[float, float]:
            got = texts(i)
            if not got or not _mostly(got, lambda t: any(c.isalpha() for c in t)):
                return (0.0, 0.0)
            average = sum(map(len, got)) / len(got)
            return (len(got) / max(len(set(got)), 1), -average)

        best = max(free, key=repetition)
        if repetition(best)[0] > 0:
            mapping["department"] = best
    pairs = ",".join(f"{key}={header[i]}" for key, i in sorted(mapping.items(), key=lambda x: x[1]))
    return tuple(c for c in header if c), f'--columns "{pairs}"'
