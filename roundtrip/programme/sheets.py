"""programme.xlsx's rows read and checked: settings, priorities, departments, actions...

Pure functions over cell values (used by roundtrip.programme.workbook): every problem
becomes a Problem with sheet and cell, named as the file names them (roundtrip.programme.names).
"""

from __future__ import annotations

import math
from typing import Any

from roundtrip.errors import Problem, UsageError
from roundtrip.language import _, language_of
from roundtrip.programme.model import (
    METRIC_KINDS,
    SIGN_OFF_MODES,
    SMTP_SECURITIES,
    Department,
    Metric,
    Priority,
    Settings,
    Status,
    is_address,
)
from roundtrip.programme.names import (
    COLOUR_PATTERN,
    ID_PATTERN,
    REQUIRED_SETTINGS,
    SETTING_KEYS,
    SIGN_OFF_NAMES,
    cadence_lookup,
    flag_text,
    flag_words,
    fold,
    kind_lookup,
    kind_name,
    setting_lookup,
    sign_off_lookup,
)
from roundtrip.programme.periods import CADENCE_NAMES, CADENCES, parse_period
from roundtrip.programme.rows import Checker, Row, Table, cell_text


def read_settings(rows: list[Row], chk: Checker) -> Settings:
    sheet = "settings"
    names = chk.names
    lookup = setting_lookup()
    found: dict[str, Any] = {}
    where: dict[str, Row] = {}
    for row in rows:
        written = row.text("key")
        key = lookup.get(fold(written), ("", frozenset()))[0]
        if not written:
            chk.add(sheet, row, "key", _("setting name is empty"))
        elif not key:
            known = ", ".join(names.setting(k) for k in SETTING_KEYS)
            chk.add(
                sheet,
                row,
                "key",
                _("unknown setting {name!r} (known: {known})").format(name=written, known=known),
            )
        elif key in found:
            chk.add(
                sheet,
                row,
                "key",
                _("setting {name!r} given twice (first at row {row})").format(
                    name=written, row=where[key].number
                ),
            )
        else:
            found[key], where[key] = row.values.get("value"), row
            names.settings[key] = written
    anchor = rows[0] if rows else Row(1, {}, {"key": "A", "value": "B"})
    for key in REQUIRED_SETTINGS:
        if key not in found:
            chk.add(
                sheet, anchor, "key", _("missing setting {name!r}").format(name=names.setting(key))
            )
        elif cell_text(found[key]) == "":
            chk.add(
                sheet,
                where[key],
                "value",
                _("{name} is empty (required)").format(name=names.setting(key)),
            )

    def text(key: str) -> str:
        return cell_text(found.get(key))

    values: dict[str, Any] = {k: text(k) for k in SETTING_KEYS if k in found}
    if values.get("programme_id") and not ID_PATTERN.match(values["programme_id"]):
        chk.add(
            sheet,
            where["programme_id"],
            "value",
            _("{name} may hold only letters, digits, '-', '_', '.'").format(
                name=names.setting("programme_id")
            ),
        )
    written_language = text("language")
    lang = language_of(written_language) if written_language else None
    if written_language and lang is None:
        chk.add(
            sheet,
            where["language"],
            "value",
            _("unknown language {value!r} (use fi, sv or en)").format(value=written_language),
        )
    values["language"] = lang or "fi"
    written_cadence = text("cadence")
    cadence = cadence_lookup().get(fold(written_cadence), "") if written_cadence else ""
    if written_cadence and not cadence:
        chk.add(
            sheet,
            where["cadence"],
            "value",
            _("unknown cadence {value!r} (use {quarter}, {half} or {year})").format(
                value=written_cadence, **{c: names.word(CADENCE_NAMES[c]) for c in CADENCES}
            ),
        )
    values["cadence"] = cadence or "quarter"
    _whole(values, found, where, chk, "deadline_days", 366, default=14)
    _whole(values, found, where, chk, "reminder_gap_days", 366, default=5)
    _whole(values, found, where, chk, "stale_periods", 12, default=2)
    _whole(values, found, where, chk, "overdue_grace", 12, default=0)
    _whole(values, found, where, chk, "off_target_margin", 100, default=0)
    _whole(values, found, where, chk, "smtp_port", 65535, default=0)
    _mail_settings(values, found, where, chk)
    for key in ("partners_report", "publish_comments"):
        if text(key):
            flag = flag_text(text(key), False, flag_words())
            if flag is None:
                chk.add(
                    sheet,
                    where[key],
                    "value",
                    _("{name} must be {yes} or {no}, not {value!r}").format(
                        name=names.setting(key), value=text(key), **names.yes_no()
                    ),
                )
            values[key] = bool(flag)
        else:
            values.pop(key, None)
    _sign_off(values, where, chk)
    periods = {}
    for key in ("first_period", "last_period"):
        if text(key) and cadence in CADENCES:
            try:
                periods[key] = parse_period(text(key), cadence)
                values[key] = str(periods[key])
            except UsageError as exc:
                chk.add(sheet, where[key], "value", f"{names.setting(key)}: {exc}")
    if len(periods) == 2 and periods["first_period"] > periods["last_period"]:
        chk.add(
            sheet,
            where["last_period"],
            "value",
            _("{last_name} {last} is before {first_name} {first}").format(
                last_name=names.setting("last_period"),
                last=periods["last_period"],
                first_name=names.setting("first_period"),
                first=periods["first_period"],
            ),
        )
    values.setdefault("programme_id", "")
    values.setdefault("name", "")
    values.setdefault("organisation", "")
    return Settings(**values)


def _whole(
    values: dict[str, Any],
    found: dict[str, Any],
    where: dict[str, Row],
    chk: Checker,
    key: str,
    most: int,
    default: int,
) -> None:
    """values[key] as a whole number 0..most (blank: the Settings default; bad: `default`,
    and the problem told)."""
    text = cell_text(found.get(key))
    if not text:
        values.pop(key, None)
        return
    try:
        number = float(str(found[key]).replace(",", ".").strip())
    except ValueError:
        number = -1.5
    if number.is_integer() and 0 <= number <= most:
        values[key] = int(number)
        return
    name = chk.names.setting(key)
    if key == "smtp_port":
        message = _("{name} must be a whole number 0–65535, not {value!r}")
    elif key in ("stale_periods", "overdue_grace"):
        message = _("{name} must be a whole number of periods 0–12, not {value!r}")
    elif key == "off_target_margin":
        message = _("{name} must be a whole percentage 0–100, not {value!r}")
    else:
        message = _("{name} must be a whole number of days 0–366, not {value!r}")
    chk.add("settings", where[key], "value", message.format(name=name, value=text))
    values[key] = default


def _mail_settings(
    values: dict[str, Any], found: dict[str, Any], where: dict[str, Row], chk: Checker
) -> None:
    """The send-out's settings (roundtrip mail): addresses, mail server, size limit."""
    names = chk.names
    for key in ("coordinator_email", "mail_sender"):
        address = values.get(key, "")
        if address and not is_address(address):
            chk.add("settings", where[key], "value", not_an_address(names.setting(key), address))
    host = values.get("smtp_host", "")
    if host and (any(c.isspace() for c in host) or "@" in host or "/" in host):
        chk.add(
            "settings",
            where["smtp_host"],
            "value",
            _(
                "{name} must be a mail server's name, such as smtp.example.org, not {value!r}"
            ).format(name=names.setting("smtp_host"), value=host),
        )
    security = values.get("smtp_security", "").lower()
    if not security:
        values.pop("smtp_security", None)
    elif security in SMTP_SECURITIES:
        values["smtp_security"] = security
    else:
        chk.add(
            "settings",
            where["smtp_security"],
            "value",
            _("{name} must be starttls, ssl or none, not {value!r}").format(
                name=names.setting("smtp_security"), value=values["smtp_security"]
            ),
        )
        values.pop("smtp_security")
    limit = cell_text(found.get("mail_limit_mb"))
    if not limit:
        values.pop("mail_limit_mb", None)
        return
    try:
        size = float(str(found["mail_limit_mb"]).replace(",", ".").strip())
    except ValueError:
        size = math.nan
    if math.isfinite(size) and size > 0:
        values["mail_limit_mb"] = size
    else:
        chk.add(
            "settings",
            where["mail_limit_mb"],
            "value",
            _("{name} must be a number of megabytes above 0, such as 10, not {value!r}").format(
                name=names.setting("mail_limit_mb"), value=limit
            ),
        )
        values.pop("mail_limit_mb")


def _sign_off(values: dict[str, Any], where: dict[str, Row], chk: Checker) -> None:
    """values["sign_off"] as its key (off, warn, required), named in any language; blank:
    the default (off); anything else is a problem with its cell."""
    written = values.pop("sign_off", "")
    if not written:
        return
    mode = sign_off_lookup().get(fold(written), "")
    if mode:
        values["sign_off"] = mode
        return
    names = chk.names
    chk.add(
        "settings",
        where["sign_off"],
        "value",
        _("{name} must be {off}, {warn} or {required}, not {value!r}").format(
            name=names.setting("sign_off"),
            value=written,
            **{m: names.word(SIGN_OFF_NAMES[m]) for m in SIGN_OFF_MODES},
        ),
    )


def not_an_address(name: str, value: str) -> str:
    """The problem of a cell `name` holding `value`, which is no e-mail address."""
    return _(
        "{name} {value!r} is not an e-mail address (write one address, such as "
        "name@example.org, without spaces)"
    ).format(name=name, value=value)


def settings_language(rows: list[Row]) -> str | None:
    """The programme's language as its settings sheet gives it (None when it does not say),
    before any check: the console speaks it while the problems are told."""
    lookup = setting_lookup()
    for row in rows:
        if lookup.get(fold(row.text("key")), ("", frozenset()))[0] == "language":
            return language_of(row.text("value"))
    return None


def read_priorities(rows: list[Row], chk: Checker) -> tuple[Priority, ...]:
    seen: dict[str, str] = {}
    out = []
    for row in rows:
        chk.required("priorities", row, ("id", "title"))
        pid = chk.ident("priorities", row, "id", seen)
        if pid:
            out.append(Priority(pid, row.text("title")))
    return tuple(out)


def read_departments(rows: list[Row], chk: Checker) -> tuple[Department, ...]:
    seen: dict[str, str] = {}
    out = []
    for row in rows:
        chk.required("departments", row, ("id", "name"))
        did = chk.ident("departments", row, "id", seen)
        email = row.text("email")
        if email and not is_address(email):
            chk.add(
                "departments",
                row,
                "email",
                not_an_address(chk.column("departments", "email"), email),
                email,
            )
        if did:
            out.append(Department(did, row.text("name"), row.text("contact"), email))
    return tuple(out)


def read_metrics(table: Table, chk: Checker, action_ids: set[str]) -> dict[str, list[Metric]]:
    """Metrics by action id. Rows without any problem take the fast path; any other row goes
    through the row checks one by one (the same messages, in row order)."""
    kinds = kind_lookup()
    words = flag_words()
    seen: dict[str, str] = {}
    out: dict[str, list[Metric]] = {}
    letter = table.letters["metric_id"]
    match = ID_PATTERN.match
    col = table.column
    rows = zip(
        table.numbers,
        col("metric_id"),
        col("action_id"),
        col("metric"),
        col("kind"),
        col("unit"),
        col("baseline"),
        col("target"),
        col("higher_is_better"),
        strict=True,
    )
    for i, (number, mid, aid, name, raw_kind, unit, base, target, hib) in enumerate(rows):
        kind = kinds.get(raw_kind.lower(), "") if raw_kind else "text"
        higher = flag_text(hib, True, words)
        if (
            mid
            and name
            and kind
            and higher is not None
            and aid in action_ids
            and mid not in seen
            and match(mid)
        ):
            seen[mid] = f"{letter}{number}"
            metric = Metric(mid, aid, name, kind, unit, base, target, higher)
            got = out.get(aid)
            if got is None:
                out[aid] = [metric]
            else:
                got.append(metric)
        else:
            _metric_row(table.row(i), chk, action_ids, kinds, seen, out)
    return out


def _metric_row(
    row: Row,
    chk: Checker,
    action_ids: set[str],
    kinds: dict[str, str],
    seen: dict[str, str],
    out: dict[str, list[Metric]],
) -> None:
    sheet = "metrics"
    chk.required(sheet, row, ("metric_id", "action_id", "metric"))
    mid = chk.ident(sheet, row, "metric_id", seen)
    aid = row.text("action_id")
    if aid and aid not in action_ids:
        chk.add(
            sheet,
            row,
            "action_id",
            _("unknown action {value!r} (not on the {sheet} sheet)").format(
                value=aid, sheet=chk.names.sheet("actions")
            ),
        )
    raw_kind = row.text("kind")
    kind = kinds.get(raw_kind.lower(), "") if raw_kind else "text"
    if not kind:
        language = chk.names.sheet_languages.get(sheet, chk.names.language)
        chk.add(
            sheet,
            row,
            "kind",
            _("unknown metric kind {value!r} (use {kinds})").format(
                value=raw_kind, kinds=", ".join(kind_name(k, language) for k in METRIC_KINDS)
            ),
        )
    hib = chk.flag(sheet, row, "higher_is_better", True)
    if mid and aid in action_ids and kind:
        out.setdefault(aid, []).append(
            Metric(
                id=mid,
                action_id=aid,
                name=row.text("metric"),
                kind=kind,
                unit=row.text("unit"),
                baseline=row.text("baseline"),
                target=row.text("target"),
                higher_is_better=hib,
            )
        )


def read_statuses(rows: list[Row], chk: Checker) -> tuple[Status, ...]:
    sheet = "statuses"
    seen: dict[str, str] = {}
    labels: dict[str, str] = {}
    out = []
    for row in rows:
        chk.required(sheet, row, ("key", "label", "colour"))
        key = chk.ident(sheet, row, "key", seen)
        label = row.text("label")
        if label and label.lower() in labels:
            chk.add(
                sheet,
                row,
                "label",
                _("duplicate {name} {value!r} (first at {cell})").format(
                    name=chk.column(sheet, "label"), value=label, cell=labels[label.lower()]
                ),
            )
        elif label:
            labels[label.lower()] = row.cell("label")
        colour_text = row.text("colour")
        m = COLOUR_PATTERN.match(colour_text)
        if colour_text and not m:
            chk.add(
                sheet,
                row,
                "colour",
                _("{name} must be #RRGGBB (e.g. #63BE7B), not {value!r}").format(
                    name=chk.column(sheet, "colour"), value=colour_text
                ),
            )
        flags = {k: chk.flag(sheet, row, k, False) for k in ("done", "needs_comment", "attention")}
        aliases = tuple(a.strip() for a in row.text("aliases").split(";") if a.strip())
        if key and label and m:
            out.append(Status(key, label, "#" + m.group(1).upper(), aliases=aliases, **flags))
    if not rows:
        chk.problems.append(
            Problem(chk.file, _("no statuses defined"), sheet=chk.names.sheet(sheet), cell="A2")
        )
    return tuple(out)
