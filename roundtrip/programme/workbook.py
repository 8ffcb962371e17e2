"""programme.xlsx: the programme definition the coordinator edits in Excel.

The format (a stable machine contract). Sheets, columns, settings, flags, kinds and cadences
are written in the programme's language and read in any of fi, sv and en (names.SHEET_NAMES
and its neighbours are the one table of names; docs/programme-xlsx.md lists them). Sheets
and columns are found by name, ignoring case, spaces and underscores, so columns may be
reordered and extra columns added. In English:

``settings``    key | value | help        one row per setting (programme_id, name, organisation,
                                          language, cadence, first_period, last_period,
                                          deadline_days, coordinator, coordinator_email,
                                          and for roundtrip mail: reminder_gap_days,
                                          smtp_host, smtp_port, smtp_security, smtp_user,
                                          mail_sender, mail_limit_mb, signature; these and
                                          the other optional ones take their defaults when
                                          left out)
``priorities``  id | title
``departments`` id | name | contact | email
``actions``     id | priority | department | action | metric_text | schedule | responsible |
                origin | active
``metrics``     metric_id | action_id | metric | kind | unit | baseline | target |
                higher_is_better          one row per metric, keyed by its action's id; an
                                          action's metrics keep the sheet's row order
``targets``     metric_id | period | target     optional: a metric's targets by year or period
                                          (2025, 2025Q3, 2025H2) beside its single target
``statuses``    key | label | colour | done | needs_comment | attention | aliases
                                          aliases separated by ``;``

Flags are ``yes``/``no`` (``kyllä``/``ei``, ``ja``/``nej``, Excel's TRUE/FALSE, 1/0 also
accepted); a blank ``active`` or ``higher_is_better`` means yes. Loading reports every
problem at once, each as ``programme.xlsx: Sheet!B7: message`` with the sheet and column
named as the file names them, in one ConfigError.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import xlsxwriter

from roundtrip.errors import ConfigError, Problem
from roundtrip.language import (
    _,
    console_language,
    format_number,
    ngettext,
    set_console_language,
    tr,
)
from roundtrip.parallel.heap import collector_paused
from roundtrip.programme.actions_sheet import read_actions
from roundtrip.programme.bundled import with_version
from roundtrip.programme.model import (
    LANGUAGES,
    METRIC_KINDS,
    SIGN_OFF_MODES,
    SMTP_SECURITIES,
    Action,
    Metric,
    Programme,
)
from roundtrip.programme.names import (
    COLUMNS,
    FIXED_DATE,
    OPTIONAL_SHEETS,
    ROOM,
    SETTING_KEYS,
    SETTINGS_HELP,
    WIDTHS,
    cadence_name,
    column_name,
    flag_name,
    kind_name,
    setting_name,
    sheet_name,
    sign_off_name,
)
from roundtrip.programme.periods import CADENCES
from roundtrip.programme.read import find_sheets, open_workbook, sheet_rows
from roundtrip.programme.rows import Checker, Row, Table, cell_text, parse_flag
from roundtrip.programme.sheets import (
    read_departments,
    read_metrics,
    read_priorities,
    read_settings,
    read_statuses,
    settings_language,
)
from roundtrip.programme.targets_sheet import read_targets
from roundtrip.workspace import atomic_path

__all__ = ["cell_text", "load_programme", "parse_flag", "write_programme"]

# --------------------------------------------------------------------------- writing


def written_language(p: Programme) -> str:
    """The language programme.xlsx is written in: the programme's (English if it has none)."""
    return p.settings.language if p.settings.language in LANGUAGES else "en"


def _rows(p: Programme, lang: str) -> dict[str, list[list[Any]]]:
    st = p.settings
    cadences = {c: cadence_name(c, lang) for c in CADENCES}
    sign_offs = {m: sign_off_name(m, lang) for m in SIGN_OFF_MODES}

    def _flag(value: bool) -> str:
        return flag_name(value, lang)

    def setting(key: str) -> list[Any]:
        value = getattr(st, key)
        if key == "cadence":
            value = cadence_name(value, lang)
        elif key == "sign_off":
            value = sign_off_name(value, lang)
        if isinstance(value, bool):
            value = _flag(value)
        words = {**cadences, **sign_offs, "yes": _flag(True), "no": _flag(False)}
        return [setting_name(key, lang), value, tr(lang, SETTINGS_HELP[key]).format(**words)]

    return {
        "settings": [setting(k) for k in SETTING_KEYS],
        "priorities": [[x.id, x.title] for x in p.priorities],
        "departments": [[d.id, d.name, d.contact, d.email] for d in p.departments],
        "actions": [
            [
                a.id,
                a.priority_id,
                a.department_id,
                a.text,
                a.metric_text,
                a.schedule,
                a.responsible,
                a.origin,
                _flag(a.active),
                "; ".join(a.partners),
                a.start,
                a.end,
            ]
            for a in p.actions
        ],
        "metrics": [
            [
                m.id,
                m.action_id,
                m.name,
                kind_name(m.kind, lang),
                m.unit,
                m.baseline,
                m.target,
                _flag(m.higher_is_better),
            ]
            for a in p.actions
            for m in a.metrics
        ],
        "targets": [
            [m.id, bound, value] for a in p.actions for m in a.metrics for bound, value in m.targets
        ],
        "statuses": [
            [
                s.key,
                s.label,
                s.colour,
                _flag(s.done),
                _flag(s.needs_comment),
                _flag(s.attention),
                "; ".join(s.aliases),
            ]
            for s in p.statuses
        ],
    }


def _list_validation(values: Iterable[str] | str, title: str, message: str) -> dict[str, Any]:
    source: Any = list(values) if not isinstance(values, str) else values
    return {
        "validate": "list",
        "source": source,
        "input_title": title[:32],
        "input_message": message[:255],
        "error_title": title[:32],
        "error_message": message[:255],
    }


def write_programme(p: Programme, path: Path) -> None:
    """Write `p` as programme.xlsx at `path` (atomically), guided for editing in Excel."""
    lang = written_language(p)
    rows = _rows(p, lang)
    with atomic_path(Path(path)) as tmp:
        wb = xlsxwriter.Workbook(
            str(tmp),
            {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False},
        )
        wb.set_properties({"title": p.settings.name, "created": FIXED_DATE})
        head = wb.add_format(
            {"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True, "valign": "top"}
        )
        wrap = wb.add_format({"text_wrap": True, "valign": "top"})
        top = wb.add_format({"valign": "top"})
        for sheet, columns in COLUMNS.items():
            ws = wb.add_worksheet(sheet_name(sheet, lang))
            for c, name in enumerate(columns):
                width = WIDTHS[sheet][name]
                ws.set_column(c, c, width, wrap if width >= 30 else top)
                ws.write_string(0, c, column_name(sheet, name, lang), head)
            for r, values in enumerate(rows[sheet], start=1):
                for c, value in enumerate(values):
                    if isinstance(value, int | float) and not isinstance(value, bool):
                        ws.write_number(r, c, value)
                    elif value not in ("", None):
                        ws.write_string(r, c, str(value))
                lines = _lines_needed(values, [WIDTHS[sheet][n] for n in columns])
                if lines > 1:
                    ws.set_row(r, 15 * lines)
            ws.freeze_panes(1, 0)
            ws.set_landscape()
            ws.set_paper(9)  # A4
            ws.fit_to_pages(1, 0)
            ws.repeat_rows(0)
            ws.autofilter(0, 0, max(len(rows[sheet]), 1), len(columns) - 1)
            _validations(ws, sheet, columns, rows[sheet], lang, len(rows["metrics"]))
        wb.close()


def _lines_needed(values: list[Any], widths: list[float]) -> int:
    """Text lines the tallest wrapped cell of a row needs (explicit heights print everywhere)."""
    most = 1
    for value, width in zip(values, widths, strict=False):
        if width >= 30 and isinstance(value, str) and value:
            per_line = max(int(width * 1.1), 1)
            lines = sum(-(-max(len(part), 1) // per_line) for part in value.split("\n"))
            most = max(most, lines)
    return min(most, 15)


def _key_range(sheet: str, lang: str, last: int) -> str:
    """The key column of `sheet` as a formula, for a dropdown of its ids."""
    title = sheet_name(sheet, lang).replace("'", "''")
    return f"='{title}'!$A$2:$A${last + 1}"


def _validations(
    ws: Any, sheet: str, columns: tuple[str, ...], rows: list[list[Any]], lang: str, metrics: int
) -> None:
    last = len(rows) + ROOM
    yes, no = flag_name(True, lang), flag_name(False, lang)
    yes_no = _list_validation(
        (yes, no), f"{yes} / {no}", tr(lang, "Choose {yes} or {no}.").format(yes=yes, no=no)
    )

    def col(name: str) -> int:
        return columns.index(name)

    def prompt(name: str, message: str) -> None:
        """An input message on column `name` (anything may be typed: it is checked on load)."""
        title = column_name(sheet, name, lang)[:32]
        v = {"validate": "any", "input_title": title, "input_message": message[:255]}
        ws.data_validation(1, col(name), last, col(name), v)

    def an_id_from(of: str) -> str:
        return tr(lang, "An id from the {sheet} sheet.").format(sheet=sheet_name(of, lang))

    if sheet == "settings":
        cadences = {c: cadence_name(c, lang) for c in CADENCES}
        for r, key in enumerate(SETTING_KEYS[: len(rows)], start=1):
            title = setting_name(key, lang)
            if key == "language":
                v = _list_validation(LANGUAGES, title, tr(lang, "Choose fi, sv or en."))
            elif key == "cadence":
                v = _list_validation(
                    [cadences[c] for c in CADENCES],
                    title,
                    tr(lang, "Choose {quarter}, {half} or {year}.").format(**cadences),
                )
            elif key in ("deadline_days", "reminder_gap_days"):
                v = {
                    "validate": "integer",
                    "criteria": "between",
                    "minimum": 0,
                    "maximum": 366,
                    "error_title": title[:32],
                    "error_message": tr(lang, "A whole number of days, 0 to 366."),
                }
            elif key in ("stale_periods", "overdue_grace", "off_target_margin"):
                most = 100 if key == "off_target_margin" else 12
                v = {
                    "validate": "integer",
                    "criteria": "between",
                    "minimum": 0,
                    "maximum": most,
                    "error_title": title[:32],
                    "error_message": tr(lang, "A whole number, 0 to {most}.").format(most=most),
                }
            elif key == "smtp_port":
                v = {
                    "validate": "integer",
                    "criteria": "between",
                    "minimum": 0,
                    "maximum": 65535,
                    "error_title": title[:32],
                    "error_message": tr(
                        lang, "A port number, 0 to 65535 (0: the usual one for the security)."
                    ),
                }
            elif key in ("partners_report", "publish_comments"):
                v = yes_no
            elif key == "sign_off":
                modes = {m: sign_off_name(m, lang) for m in SIGN_OFF_MODES}
                v = _list_validation(
                    modes.values(),
                    title,
                    tr(
                        lang,
                        "Choose {off}, {warn} or {required}: what collect does with a return "
                        "nobody has approved.",
                    ).format(**modes),
                )
            elif key == "smtp_security":
                v = _list_validation(
                    SMTP_SECURITIES, title, tr(lang, "Choose starttls, ssl or none.")
                )
            elif key == "mail_limit_mb":
                v = {
                    "validate": "decimal",
                    "criteria": ">",
                    "value": 0,
                    "error_title": title[:32],
                    "error_message": tr(lang, "A number of megabytes above 0, such as 10."),
                }
            else:
                continue
            ws.data_validation(r, 1, r, 1, v)
    elif sheet == "actions":
        ws.data_validation(1, col("active"), last, col("active"), yes_no)
        prompt(
            "partners",
            tr(
                lang,
                "Ids from the {sheet} sheet, separated by ';': the departments that carry "
                "out the action with the lead department.",
            ).format(sheet=sheet_name("departments", lang)),
        )
        for name in ("start", "end"):
            prompt(name, tr(lang, "A year (2025) or a period (2025Q3, 2025H2); empty: open."))
        for name, of in (("priority", "priorities"), ("department", "departments")):
            ws.data_validation(
                1,
                col(name),
                last,
                col(name),
                _list_validation(
                    _key_range(of, lang, last), column_name(sheet, name, lang), an_id_from(of)
                ),
            )
    elif sheet == "metrics":
        kinds = [kind_name(k, lang) for k in METRIC_KINDS]
        ws.data_validation(
            1,
            col("kind"),
            last,
            col("kind"),
            _list_validation(
                kinds,
                column_name(sheet, "kind", lang),
                tr(lang, "One of: {kinds}.").format(kinds=", ".join(kinds)),
            ),
        )
        ws.data_validation(1, col("higher_is_better"), last, col("higher_is_better"), yes_no)
        ws.data_validation(
            1,
            col("action_id"),
            last,
            col("action_id"),
            _list_validation(
                _key_range("actions", lang, last),
                column_name(sheet, "action_id", lang),
                an_id_from("actions"),
            ),
        )
    elif sheet == "targets":
        keys = max(last, metrics + ROOM)
        ws.data_validation(
            1,
            col("metric_id"),
            last,
            col("metric_id"),
            _list_validation(
                _key_range("metrics", lang, keys),
                column_name(sheet, "metric_id", lang),
                an_id_from("metrics"),
            ),
        )
        for name, message in (
            ("period", tr(lang, "A year (2025) or a period (2025Q3, 2025H2).")),
            (
                "target",
                tr(
                    lang,
                    "The metric's target for the end of that year or period (a number for "
                    "counts, numbers and percentages).",
                ),
            ),
        ):
            prompt(name, message)
    elif sheet == "statuses":
        for name in ("done", "needs_comment", "attention"):
            ws.data_validation(1, col(name), last, col(name), yes_no)


def load_programme(path: Path, cache_dir: Path | None = None) -> Programme:
    """Read and validate programme.xlsx; every problem is reported in one ConfigError.

    With `cache_dir` (a workspace's ``.cache/``) a programme already read from the very same
    bytes is taken from the cache instead (see programme_cache.py), and a freshly read one is
    saved there. From then on the console speaks the programme's language, unless the user
    chose one (--lang, ROUNDTRIP_LANG).
    """
    programme = _load_cached(path, cache_dir)
    set_console_language(programme.settings.language)  # unless --lang or ROUNDTRIP_LANG
    return programme


def _load_cached(path: Path, cache_dir: Path | None) -> Programme:
    # Hundreds of thousands of new objects and no cycles among them: the cyclic collector
    # would walk them again and again.
    with collector_paused():
        if cache_dir is None:
            return _load_programme(Path(path))
        from roundtrip.programme.cache import content_key, read_cached, write_cached

        try:
            key = content_key(Path(path))
        except OSError:
            return _load_programme(Path(path))  # reports the missing/unreadable file itself
        got = read_cached(Path(cache_dir), key)
        if got is None:
            got = _load_programme(Path(path))
            write_cached(Path(cache_dir), key, got)
        return got


def _load_programme(path: Path) -> Programme:
    path = Path(path)
    file = path.name
    wb = open_workbook(path)
    problems: list[Problem] = []
    try:
        names = find_sheets(wb, console_language())
        sheets: dict[str, Table | None] = {}
        for name in COLUMNS:
            if name in OPTIONAL_SHEETS and name not in names.sheets:
                sheets[name] = None  # left out: read as before it existed
                continue
            sheets[name] = sheet_rows(wb, name, problems, file, names)
            table = sheets[name]
            if name == "settings" and table is not None:
                # The problems are told in the programme's language, as the console will
                # speak once it is loaded (unless --lang or ROUNDTRIP_LANG says otherwise).
                language = settings_language(table.rows())
                if language is not None:
                    set_console_language(language)
    finally:
        wb.close()
    chk = Checker(file, names)
    chk.problems = problems
    empty = Row(1, {}, {})
    small = {
        name: table.rows() if table is not None else None
        for name, table in sheets.items()
        if name not in ("actions", "metrics", "targets")
    }
    settings = read_settings(small["settings"], chk) if small["settings"] is not None else None
    priorities = read_priorities(small["priorities"] or [], chk)
    departments = read_departments(small["departments"] or [], chk)
    fields = read_actions(
        sheets["actions"] or Table("actions", {"id": "A"}, [], {}, {}),
        chk,
        {p.id for p in priorities} if small["priorities"] is not None else None,
        {d.id for d in departments} if small["departments"] is not None else None,
    )
    metrics = read_metrics(
        sheets["metrics"] or Table("metrics", {"metric_id": "A"}, [], {}, {}),
        chk,
        {f[0] for f in fields},
    )
    if sheets["targets"] is not None:
        known = set(sheets["metrics"].column("metric_id")) if sheets["metrics"] else set()
        metrics = read_targets(sheets["targets"], chk, metrics, known)
    statuses = read_statuses(small["statuses"], chk) if small["statuses"] is not None else ()
    if small["departments"] is not None and not departments and not chk.problems:
        chk.add("departments", empty, "id", _("no departments defined"))
    if chk.problems or settings is None:
        errors = [p for p in chk.problems if p.severity == "error"]
        n = len(errors)
        raise ConfigError(
            errors,
            ngettext("{n} problem in {file}", "{n} problems in {file}", n).format(
                n=format_number(n, console_language()), file=file
            ),
        )
    no_metrics: list[Metric] = []
    actions = tuple(
        Action(
            aid, pid, did, text, tuple(metrics.get(aid, no_metrics)), mt, sched, resp, orig, on,
            partners, start, end,
        )
        for aid, pid, did, text, mt, sched, resp, orig, on, partners, start, end in fields
    )  # fmt: skip
    return with_version(Programme(settings, priorities, departments, actions, statuses))
