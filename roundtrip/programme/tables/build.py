"""Draft actions into a Programme: ids (the table's own numbers where it numbers its actions),
metrics and their kinds, schedule bounds, settings; and the import report, every guess with
the cell it came from. Pure.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, replace

from roundtrip.errors import ConfigError
from roundtrip.language import _, console_language, ngettext, tr
from roundtrip.language.wording import wording
from roundtrip.programme.bundled import default_status_scale, with_version
from roundtrip.programme.model import (
    LANGUAGES,
    Action,
    Department,
    Metric,
    Priority,
    Programme,
    Settings,
)
from roundtrip.programme.schedule import Reading, bound_dates, parse_bound, read_schedule
from roundtrip.programme.tables.columns import key_name
from roundtrip.programme.tables.guess import (
    YEAR_RANGE,
    action_number,
    guess_kind,
    looks_like_schedule,
    sentence_case,
    slug,
    split_metrics,
)
from roundtrip.programme.tables.parse import Draft, Parsed
from roundtrip.programme.targets import target_number


@dataclass(frozen=True)
class ImportResult:
    programme: Programme
    report: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        return list(self.report)


def programme_language(parsed: Parsed) -> str:
    """The language most of the table's recognised headers are in (fi when none)."""
    counts = Counter(parsed.languages)
    if not counts:
        return "fi"
    best = max(counts.values())
    return next(lang for lang in LANGUAGES if counts.get(lang) == best)


def build(parsed: Parsed, file: str, organisation: str = "") -> ImportResult:
    """The Programme of a parsed table, and its import report."""
    if not parsed.drafts:
        raise _nothing_imported(parsed, file)
    lang = programme_language(parsed)
    named: list[str] = []
    priorities = _priorities(parsed, lang, named)
    numbering: list[str] = []
    ids = _ids(parsed.drafts, numbering)
    metrics: list[str] = []
    actions, schedules, remarks = _actions(parsed.drafts, ids, metrics)
    sections = (
        (_("Columns"), _columns(parsed) + _unread_lines(parsed)),
        (_("Priority areas"), named),
        (_("Departments"), _departments(parsed) + parsed.partner_notes),
        (_("Action ids"), numbering),
        (_("Rows"), parsed.report + remarks),
        (_("Schedules"), schedules),
        (_("Metrics"), metrics),
    )
    report = [f"{title}:" if not i else f"  {line}" for title, lines in sections if lines
              for i, line in enumerate(["", *lines])]  # fmt: skip
    name = sentence_case(parsed.title) or _stem(file)
    years = YEAR_RANGE.search(parsed.title)
    settings = Settings(
        programme_id=slug(name)[:60].strip("-"),
        name=name,
        organisation=organisation,
        language=lang,
        cadence="quarter",
        first_period=f"{years.group(1)}Q1" if years else "",
        last_period=f"{years.group(2)}Q4" if years else "",
    )
    programme = with_version(
        Programme(
            settings=settings,
            priorities=priorities,
            departments=tuple(Department(d, n) for d, n in parsed.departments.items()),
            actions=tuple(actions),
            statuses=default_status_scale(lang),
        )
    )
    return ImportResult(programme, tuple(report))


def _stem(file: str) -> str:
    stem = file.rsplit(".", 1)[0]
    name = sentence_case(re.sub(r"[_-]+", " ", stem)).strip()
    return name[:1].upper() + name[1:] if name else "Toimenpideohjelma"


def _nothing_imported(parsed: Parsed, file: str) -> ConfigError:
    unread = [u for u in parsed.unread if u[1]]
    if unread:
        where, cells, suggestion = unread[0]
        seen = " | ".join(repr(c) for c in cells) if cells else _("nothing")
        message = _(
            "{file}: no header row naming the action column (headers seen at {where}: {seen}); "
            "name the columns yourself: {line}"
        ).format(
            file=file,
            where=where,
            seen=seen,
            line=suggestion or '--columns "action=…,department=…"',
        )
    elif parsed.headers:
        message = _("{file}: the table has a header but no action under it").format(file=file)
    else:
        message = _("{file}: no table found (no row with two or more columns)").format(file=file)
    return ConfigError([], message)  # one line: the message says it all


def _columns(parsed: Parsed) -> list[str]:
    out = []
    for where, header in parsed.headers:
        mapped = ", ".join(
            f"{header.names[k]!r} → {key_name(k)}"
            for k, _i in sorted(header.columns.items(), key=lambda x: x[1])
        )
        line = _("{where}: columns {mapped}").format(where=where, mapped=mapped)
        if header.unused:
            line += "; " + _("not imported: {names}").format(
                names=", ".join(repr(n) for n in header.unused)
            )
        out.append(line)
    return out


def _unread_lines(parsed: Parsed) -> list[str]:
    return [
        _(
            "{where}: a table with no header the import knows (saw {seen}): not imported; {line}"
        ).format(where=where, seen=" | ".join(repr(c) for c in cells) or "-", line=line or "-")
        for where, cells, line in parsed.unread
    ]


def _priorities(parsed: Parsed, lang: str, report: list[str]) -> tuple[Priority, ...]:
    out = []
    used = {d.priority for d in parsed.drafts}
    for pid, title in parsed.priorities.items():
        if pid not in used:
            continue
        where = parsed.priority_refs.get(pid, "")
        if not title:
            title = (
                tr(lang, "All actions")
                if len(used) == 1
                else tr(lang, "Priority area {n}").format(n=pid[1:])
            )
            report.append(
                _("{where}: no priority area named: the actions are under {id} {title!r}").format(
                    where=where, id=pid, title=title
                )
            )
        else:
            report.append(
                _("{where}: priority area {id} {title!r}").format(where=where, id=pid, title=title)
            )
        out.append(Priority(pid, title))
    return tuple(out)


def _departments(parsed: Parsed) -> list[str]:
    out = [
        _("{where}: department {id} {name!r}").format(
            where=parsed.department_refs.get(did, ""), id=did, name=name
        )
        for did, name in parsed.departments.items()
    ]
    if parsed.no_department:
        out.append(_("no department column: every action is given to one department"))
    shared = [d for d in parsed.drafts if d.partners]
    if shared:
        out.append(
            ngettext(
                "{n} action has partner departments (the lead reports; partners_report lets "
                "them report too)",
                "{n} actions have partner departments (the lead reports; partners_report lets "
                "them report too)",
                len(shared),
            ).format(n=len(shared))
        )
    return out


def _ids(drafts: list[Draft], report: list[str]) -> list[str]:
    """Each draft's id: the table's number where it numbers its actions (a repeated number
    gets a suffix, 30-b; gaps are reported), else P<priority>-<nn> in order."""
    numbered = [d for d in drafts if d.number]
    use_numbers = len(numbered) >= 2 and len(numbered) * 2 >= len(drafts)
    counters: dict[str, int] = {}
    ids: list[str] = []
    taken: dict[str, Draft] = {}
    for d in drafts:
        counters[d.priority] = counters.get(d.priority, 0) + 1
        positional = f"{d.priority}-{counters[d.priority]:02d}"
        if not use_numbers or not d.number:
            if use_numbers:
                report.append(
                    _("{where}: an action without a number: given the id {id}").format(
                        where=d.where.ref(), id=positional
                    )
                )
            ids.append(positional)
            continue
        aid, suffix = d.number, "b"
        while aid in taken:
            aid = f"{d.number}-{suffix}"
            suffix = chr(ord(suffix) + 1)
        if aid != d.number:
            first = taken[d.number]
            report.append(
                _("{where}: number {number} again (first at {first}): given the id {id}").format(
                    where=d.where.ref(), number=d.number, first=first.where.ref(), id=aid
                )
            )
        taken[aid] = d
        ids.append(aid)
    if use_numbers:
        report.extend(_gaps([d.number for d in numbered]))
        report.append(
            _("the table numbers its actions: {n} keep their numbers as ids").format(
                n=len(numbered)
            )
        )
    return ids


def _gaps(numbers: list[str]) -> list[str]:
    groups: dict[str, set[int]] = {}
    for n in numbers:
        head, _dot, last = n.rpartition(".")
        groups.setdefault(head, set()).add(int(last))
    out = []
    for head, present in groups.items():
        missing = sorted(set(range(min(present), max(present) + 1)) - present)
        if missing:
            shown = ", ".join(f"{head}.{m}" if head else str(m) for m in missing)
            out.append(
                ngettext(
                    "number {numbers} is missing from the table's numbering",
                    "numbers {numbers} are missing from the table's numbering",
                    len(missing),
                ).format(numbers=shown)
            )
    return out


def _bounds(d: Draft) -> Reading:
    reading = read_schedule(d.schedule) if d.schedule else Reading()
    start, end = reading.start, reading.end
    if d.start:
        got = read_schedule(d.start)
        start = got.start or got.end or start
    if d.end:
        got = read_schedule(d.end)
        end = got.end or got.start or end
    return Reading(start, end, reading.how)


def _actions(
    drafts: list[Draft], ids: list[str], report: list[str]
) -> tuple[list[Action], list[str], list[str]]:
    """The actions, and the notes on their schedules and on the working group's remarks;
    the notes on metrics go to `report`."""
    actions: list[Action] = []
    kinds: list[str] = []
    schedules: dict[str, tuple[Reading, list[str], object]] = {}
    kind_names = wording(console_language())["kinds"]  # the report is read on the console
    from_words = _("{metric} {name!r}: kind guessed {kind} (from {words!r}): check it")
    no_words = _("{metric} {name!r}: kind guessed {kind} (no wording to go by): check it")
    for d, aid in zip(drafts, ids, strict=True):
        metric, schedule = d.metric, d.schedule
        if metric and not schedule and looks_like_schedule(metric):
            report.append(
                _("{where}: {action}: metric {metric!r} is a schedule: moved to schedule").format(
                    where=d.refs.get("metric", d.where.ref()), action=aid, metric=metric
                )
            )
            metric, schedule = "", metric
            d.schedule = schedule
        text = d.text
        if d.number and (aid == d.number or aid.startswith(f"{d.number}-")):
            number, rest = action_number(text)
            text = rest if number == d.number else text
        metrics = []
        names, listed = split_metrics(metric) if metric else ([], False)
        if listed and len(names) > 1:
            kinds.append(
                _("{where}: {action}: {n} metrics split from a list").format(
                    where=d.refs.get("metric", ""), action=aid, n=len(names)
                )
            )
        for n, name in enumerate(names, start=1):
            kind, why = guess_kind(name)
            mid = f"{aid}-M{n}"
            metrics.append(Metric(mid, aid, name, kind, unit="kpl" if kind == "count" else ""))
            guessed = kind_names[kind]
            if why:
                kinds.append(from_words.format(metric=mid, name=name, kind=guessed, words=why))
            else:
                kinds.append(no_words.format(metric=mid, name=name, kind=guessed))
        if d.targets:
            metrics = _place_targets(d, aid, metrics, kinds)
        bounds = _bounds(d)
        key = f"{schedule}\x00{d.start}\x00{d.end}"
        if schedule or d.start or d.end:
            where = next((d.refs[k] for k in ("schedule", "end", "start") if k in d.refs), "")
            schedules.setdefault(key, (bounds, [], where))[1].append(aid)
        actions.append(
            Action(
                id=aid,
                priority_id=d.priority,
                department_id=d.department,
                text=text,
                metrics=tuple(metrics),
                metric_text=metric,
                schedule=schedule,
                responsible=d.responsible,
                origin=d.origin,
                partners=d.partners,
                start=bounds.start,
                end=bounds.end,
            )
        )
    report.extend(kinds)
    notes: list[str] = []
    remarks = sum(1 for a in actions if a.origin)
    if remarks:
        notes.append(
            ngettext(
                "{n} action is the working group's remark, owned by the department whose "
                "section it stands in (origin column)",
                "{n} actions are the working group's remarks, each owned by the department "
                "whose section it stands in (origin column)",
                remarks,
            ).format(n=remarks)
        )
    return actions, _schedule_lines(schedules), notes


def _place_targets(d: Draft, aid: str, metrics: list[Metric], report: list[str]) -> list[Metric]:
    """The action's metrics with the targets its row gives, when it has exactly one metric;
    a line in `report` for each target, placed or not, with its cell."""
    placed: dict[str, tuple[str, object]] = {}  # bound -> value, where
    single = ""
    for written, value, where, year_at in d.targets:
        bound = parse_bound(written) if written else ""
        if bound is None:
            reading = read_schedule(written)
            bound = reading.end or reading.start or None
        period = bound or _("the end of the programme")
        if bound is None:
            report.append(
                _(
                    "{where}: {action}: target year {year!r} is not a year or a period: "
                    "target {value!r} not placed"
                ).format(where=year_at or where, action=aid, year=written, value=value)
            )
        elif len(metrics) != 1:
            report.append(
                (
                    _(
                        "{where}: {action}: target {value!r} for {period} not placed: the action "
                        "has no metric"
                    )
                    if not metrics
                    else _(
                        "{where}: {action}: target {value!r} for {period} not placed: the action "
                        "has {n} metrics (give it in programme.xlsx's targets sheet)"
                    )
                ).format(where=where, action=aid, value=value, period=period, n=len(metrics))
            )
        elif metrics[0].kind in ("count", "number", "percent") and target_number(value) is None:
            report.append(
                _(
                    "{where}: {metric}: target {value!r} for {period} is not a number: not "
                    "placed (the metric's kind is {kind})"
                ).format(
                    where=where,
                    metric=metrics[0].id,
                    value=value,
                    period=period,
                    kind=wording(console_language())["kinds"][metrics[0].kind],
                )
            )
        elif (bound in placed) if bound else bool(single):
            first = placed[bound][1] if bound else d.refs.get("target_value", "")
            report.append(
                _(
                    "{where}: {metric}: a second target for {period}: not placed (first at {first})"
                ).format(where=where, metric=metrics[0].id, period=period, first=first)
            )
        else:
            if bound:
                placed[bound] = (value, where)
            else:
                single = value
            report.append(
                _("{where}: {metric}: target {value!r} for {period}").format(
                    where=where, metric=metrics[0].id, value=value, period=period
                )
            )
    if len(metrics) != 1 or not (placed or single):
        return metrics
    targets = tuple(
        (b, v) for b, (v, _w) in sorted(placed.items(), key=lambda x: bound_dates(x[0])[::-1])
    )
    return [replace(metrics[0], target=single or metrics[0].target, targets=targets)]


def _schedule_lines(schedules: dict[str, tuple[Reading, list[str], object]]) -> list[str]:
    out = []
    for key, (bounds, ids, where) in schedules.items():
        written = " / ".join(p for p in key.split("\x00") if p)
        shown = ", ".join(ids[:5]) + (" …" if len(ids) > 5 else "")
        if bounds.start and bounds.start == bounds.end:
            line = _("{where}: schedule {text!r} read as {period} ({actions})")
            out.append(line.format(where=where, text=written, period=bounds.start, actions=shown))
        elif bounds.start or bounds.end:
            line = _("{where}: schedule {text!r} read as {start}–{end} ({actions})")
            out.append(
                line.format(
                    where=where,
                    text=written,
                    start=bounds.start or "…",
                    end=bounds.end or "…",
                    actions=shown,
                )
            )
        else:
            line = _("{where}: schedule {text!r} kept as text, no start or end ({actions})")
            out.append(line.format(where=where, text=written, actions=shown))
    return out
