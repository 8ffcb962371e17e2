"""`roundtrip demo`: the whole quarterly cycle on the bundled Aura example, with no other input.

Three quarters are generated, answered by simulated department heads (deterministic: a fixed
seed), dropped into the inbox under human-like names with realistic return dates, collected,
and reported on. The last quarter has what real returns have: a late department, a missing one,
and mistakes (text in a count cell, a status pasted past the dropdown, a major problem without
a comment, `Valmis ` with a trailing space), so the validation report and the annotated copies
have something to show; one department then sends a corrected file and it is collected again.
Each department head signs off the return (a name and the day it is sent, in the workbook's
sign-off cells), except one in the last quarter, so the register shows both.

The programme is Finnish, as Aura's is; `language` switches it to Swedish or English (its
settings and statuses; the actions stay as Aura wrote them). The department heads then write
their comments, and name their files, in that language; the console follows the programme
unless --lang says otherwise.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from roundtrip.demo.fill import ActionAnswer, fill_return
from roundtrip.errors import UsageError
from roundtrip.language import _, console_language, format_date
from roundtrip.language.console import shell_word
from roundtrip.language.wording import wording
from roundtrip.programme.model import Programme
from roundtrip.programme.periods import Period
from roundtrip.progress import Progress
from roundtrip.workspace import Workspace, usable_folder

MARKER = ".roundtrip-demo"
PERIODS = ("2025Q1", "2025Q2", "2025Q3")
SEED = 2025
LATE = "TEK"  # returns a few days after the deadline (Q2 and Q3)
MISSING = "EVT"  # does not return the last quarter
STALE_ACTION = "P4-01"  # left unanswered in the last two quarters: listed for the council
# Computed health (issue 24) shows in the summary through these: an action whose schedule
# ended in 2023 reported "on track" every quarter; a metric given a target and kept far
# behind the line to it; a department whose contact person is not named.
OVERDUE_ACTION = "P2-05"
OFF_TARGET_METRIC, OFF_TARGET = "P1-01-M2", ("0", "40")  # baseline, target at the last period
OFF_TARGET_VALUES = (3, 5, 8)  # one a quarter
NO_OWNER = "EVT"
MISTAKES = "HAL"  # last quarter: `50 %` in a count cell and a status pasted past the dropdown
NO_COMMENT = "KUL"  # last quarter: a major problem without a comment (then corrected)
TRAILING = "SIV"  # last quarter: `Valmis ` with a trailing space (accepted)
UNSIGNED = "VAP"  # last quarter: returned without the approver's name and date
# Who approves each department's return (its head): names people write, not the tool's words.
APPROVERS = {
    "YEP": "Miia Lehtonen",
    "HAL": "Jukka Saarinen",
    "SIV": "Anu Heikkilä",
    "KUL": "Sari Koivisto",
    "VAP": "Timo Laaksonen",
    "TEK": "Petri Nieminen",
    "EVT": "Kari Mäkelä",
    "MUU": "Miia Lehtonen",
}

# (status key, weight) per quarter: work gets going and gets done over the year.
WEIGHTS = (
    {"not_started": 30, "on_track": 45, "minor": 15, "major": 5, "done": 5},
    {"not_started": 12, "on_track": 50, "minor": 16, "major": 8, "done": 12, "cancelled": 2},
    {"not_started": 5, "on_track": 44, "minor": 16, "major": 8, "done": 25, "cancelled": 2},
)
# What the department heads write, in the programme's language: their own words (user text,
# not the tool's), so they are not in the message catalogue.
COMMENTS = {
    "fi": {
        "on_track": ["Edennyt suunnitellusti.", "Työ jatkuu, seuraava vaihe keväällä."],
        "minor": ["Aikataulu venynyt hieman.", "Resurssipulaa, kiinni kirjattu."],
        "major": [
            "Rahoitus ei toteutunut, haetaan uudelleen.",
            "Hankinta keskeytyi valitukseen.",
            "Vastuuhenkilö vaihtunut, työ seisoo.",
        ],
        "done": ["Valmistui.", "Toteutettu, jatko osana perustoimintaa."],
        "cancelled": ["Keskeytetty valtuuston päätöksellä.", "Yhdistetty toiseen toimenpiteeseen."],
        "not_started": ["Käynnistyy ensi vuonna."],
    },
    "sv": {
        "on_track": ["Framskrider enligt plan.", "Arbetet fortsätter, nästa skede i vår."],
        "minor": ["Tidtabellen har dragit ut något.", "Brist på resurser, vi tar igen det."],
        "major": [
            "Finansieringen uteblev, vi söker på nytt.",
            "Upphandlingen avbröts efter ett besvär.",
            "Den ansvariga personen har bytts, arbetet står still.",
        ],
        "done": ["Klart.", "Genomfört, fortsätter som en del av den ordinarie verksamheten."],
        "cancelled": ["Avbrutet genom fullmäktiges beslut.", "Sammanslaget med en annan åtgärd."],
        "not_started": ["Startar nästa år."],
    },
    "en": {
        "on_track": ["Progressing as planned.", "Work continues, next stage in the spring."],
        "minor": ["The schedule has slipped a little.", "Short of staff, catching up."],
        "major": [
            "The funding did not come through; applying again.",
            "The procurement was halted by an appeal.",
            "The person responsible has changed; work has stopped.",
        ],
        "done": ["Completed.", "Done; continues as part of normal operations."],
        "cancelled": ["Cancelled by decision of the council.", "Merged into another action."],
        "not_started": ["Starts next year."],
    },
}
# The names people give the files they send back, in their language.
NAMES = {
    "fi": (
        "{period}_{dept}_palautus.xlsx",
        "Kopio - {stem}.xlsx",
        "elinvoimaohjelma {dept} {period} valmis.xlsx",
        "{stem} (2).xlsx",
        "{dept} raportti {period}.xlsx",
    ),
    "sv": (
        "{period}_{dept}_svar.xlsx",
        "Kopia av {stem}.xlsx",
        "livskraftsprogram {dept} {period} klar.xlsx",
        "{stem} (2).xlsx",
        "{dept} rapport {period}.xlsx",
    ),
    "en": (
        "{period}_{dept}_return.xlsx",
        "Copy of {stem}.xlsx",
        "vitality programme {dept} {period} final.xlsx",
        "{stem} (2).xlsx",
        "{dept} report {period}.xlsx",
    ),
}
CORRECTED = {
    "fi": "{stem}_korjattu.xlsx",
    "sv": "{stem}_korrigerad.xlsx",
    "en": "{stem}_fixed.xlsx",
}
# A status typed past the dropdown: not one of the programme's.
NOT_A_STATUS = {"fi": "Valmis osittain", "sv": "Delvis klar", "en": "Partly done"}


def _human_name(rng: random.Random, period: str, dept: str, stem: str, language: str) -> str:
    return rng.choice(NAMES[language]).format(period=period, dept=dept, stem=stem)


def _when(period: Period, days_after_end: int, hour: int) -> float:
    moment = dt.datetime.combine(period.end, dt.time(hour, 17), tzinfo=dt.UTC)
    return (moment + dt.timedelta(days=days_after_end)).timestamp()


def _day(when: float) -> dt.date:
    """The day a file is sent (`when`, a UTC timestamp): the day it was approved."""
    return dt.datetime.fromtimestamp(when, dt.UTC).date()


def _prepare(directory: Path) -> None:
    if directory.exists() and not directory.is_dir():
        raise UsageError(_("{path} exists and is not a folder").format(path=directory))
    if directory.is_dir() and any(directory.iterdir()):
        if not (directory / MARKER).is_file():
            raise UsageError(
                _(
                    "{path} is not empty and is not a previous demo: choose a new or empty "
                    "folder, e.g. {command}"
                ).format(path=directory, command="'roundtrip demo roundtrip-demo'")
            )
        shutil.rmtree(directory)


class _People:
    """Department heads answering, quarter after quarter, consistently (fixed seed)."""

    def __init__(self, programme: Programme):
        self.programme = programme
        self.labels = {s.key: s.label for s in programme.statuses}
        self.state: dict[str, tuple[str, int]] = {}  # action -> (status key, progress)
        self.values: dict[str, int] = {}
        self.rng = random.Random(SEED)
        self.language = programme.settings.language
        words = wording(self.language)
        self.yes, self.no = words["yes"], words["no"]
        self.comments = COMMENTS.get(self.language, COMMENTS["en"])

    def answers(self, q: int, dept: str) -> tuple[dict[str, ActionAnswer], dict[str, object]]:
        rng, out, metrics = self.rng, {}, {}
        weights = WEIGHTS[min(q, len(WEIGHTS) - 1)]
        for a in self.programme.actions_of(dept):
            if a.id == STALE_ACTION and q >= 1:
                out[a.id] = ActionAnswer(None, None, None)
                continue
            key, progress = self.state.get(a.id, ("not_started", 0))
            if a.id == OVERDUE_ACTION:  # "on track" long after its schedule ended
                key, progress = "on_track", 40 + 10 * q
            elif key not in ("done", "cancelled"):
                key = rng.choices(list(weights), weights=list(weights.values()))[0]
                if key == "done":
                    progress = 100
                elif key == "not_started":
                    progress = 0
                elif key != "cancelled":
                    progress = min(95, progress + rng.randint(5, 30))
            self.state[a.id] = (key, progress)
            status = self.programme.status_by_key(key)
            comment = None
            if status.needs_comment or rng.random() < 0.35:
                comment = rng.choice(self.comments[key])
            out[a.id] = ActionAnswer(self.labels[key], progress, comment)
            for m in a.metrics:
                if m.kind == "yesno":
                    metrics[m.id] = self.yes if key in ("on_track", "done") else self.no
                else:
                    value = self.values.get(m.id, rng.randint(0, 10)) + rng.randint(0, 8)
                    if m.id == OFF_TARGET_METRIC:
                        value = OFF_TARGET_VALUES[min(q, len(OFF_TARGET_VALUES) - 1)]
                    self.values[m.id] = value
                    metrics[m.id] = value
        return out, metrics


def _mistakes(
    dept: str, answers: dict[str, ActionAnswer], metrics: dict[str, object], programme: Programme
) -> None:
    """The last quarter's typical mistakes, in place."""
    ids = [a.id for a in programme.actions_of(dept)]
    if dept == MISTAKES:
        counts = [m.id for a in programme.actions_of(dept) for m in a.metrics if m.kind == "count"]
        if counts:
            metrics[counts[0]] = "50 %"
        a = answers[ids[-1]]
        typed = NOT_A_STATUS.get(programme.settings.language, NOT_A_STATUS["en"])
        answers[ids[-1]] = ActionAnswer(typed, a.progress, a.comment)
    elif dept == NO_COMMENT:
        label = programme.status_by_key("major").label
        answers[ids[0]] = ActionAnswer(label, answers[ids[0]].progress or 10, "")
    elif dept == TRAILING:
        answers[ids[0]] = ActionAnswer(programme.status_by_key("done").label + " ", 100, None)


def run_demo(
    directory: Path,
    echo: Callable[[str], None] = print,
    progress: Progress | None = None,
    language: str | None = None,
) -> list[str]:
    """Run the whole cycle into `directory`; the lines say what was made and where to look.

    `language`: the programme's (fi, sv, en); None keeps the example's own (fi)."""
    from roundtrip.collect.run import collect_period
    from roundtrip.mail.run import mail_period
    from roundtrip.programme.workbook import load_programme
    from roundtrip.publish.site import write_site
    from roundtrip.register.status import period_status
    from roundtrip.register.workbook import write_register
    from roundtrip.returns.generate import generate_period
    from roundtrip.summary.workbook import write_summary

    directory = usable_folder(directory)
    _prepare(directory)
    _init(directory, language)
    _tune(directory)
    (directory / MARKER).write_text("made by 'roundtrip demo'; safe to delete\n", encoding="utf-8")
    ws = Workspace(directory.resolve())
    programme = load_programme(ws.programme_path, ws.cache_dir)
    lang = programme.settings.language
    people = _People(programme)
    names = random.Random(SEED + 1)
    days = programme.settings.deadline_days
    status = first_run = collected = reminders = None
    for q, text in enumerate(PERIODS):
        period = programme.settings.period(text)
        last = q == len(PERIODS) - 1
        echo(_("{period}: generating the department workbooks").format(period=text))
        generated_at = dt.datetime.combine(period.end, dt.time(8), tzinfo=dt.UTC) + dt.timedelta(1)
        made = generate_period(ws, text, progress=progress, now=generated_at)
        mailed = mail_period(ws, text, now=generated_at + dt.timedelta(hours=1))
        echo(mailed.lines()[-1])  # "2025Q1: 7 drafts in ..."
        inbox = ws.inbox(period)
        inbox.mkdir(parents=True, exist_ok=True)
        fixes: list[tuple[Path, Path, dict, dict, str]] = []
        for info in made.files:
            dept = info.department_id
            if last and dept == MISSING:
                continue
            answers, metrics = people.answers(q, dept)
            if last:
                good = (dict(answers), dict(metrics))
                _mistakes(dept, answers, metrics, programme)
            signer = programme.department(dept).contact or dept
            name = _human_name(names, text, dept, info.path.stem, lang)
            late = dept == LATE and q >= 1
            when = _when(period, days + 4 if late else names.randint(2, days - 1), 9 + q)
            approver = None if last and dept == UNSIGNED else APPROVERS.get(dept, signer)
            target = fill_return(
                info.path,
                inbox / name,
                answers,
                metrics,
                signer=signer,
                approved_by=approver,
                approved_on=_day(when) if approver else None,
            )
            os.utime(target, (when, when))
            if last and dept == NO_COMMENT:
                fixes.append((info.path, target, *good, signer))
        echo(_("{period}: collecting the returns from {folder}").format(period=text, folder=inbox))
        result = collect_period(ws, text, progress=progress, now=_now(period, days + 6))
        collected = result
        for src, bad, answers, metrics, signer in fixes:
            echo(
                _("{period}: {file} was rejected; the department sends a corrected file").format(
                    period=text, file=bad.name
                )
            )
            bad.unlink()
            corrected = CORRECTED.get(lang, CORRECTED["en"]).format(stem=bad.stem)
            when = _when(period, days + 2, 14)
            fixed = fill_return(
                src,
                inbox / corrected,
                answers,
                metrics,
                signer=signer,
                approved_by=APPROVERS.get(NO_COMMENT, signer),
                approved_on=_day(when),
            )
            os.utime(fixed, (when, when))
        if fixes:
            collected = collect_period(ws, text, progress=progress, now=_now(period, days + 7))
        if last:
            status = period_status(ws, text, today=period.end + dt.timedelta(days=days + 7))
            reminders = mail_period(ws, text, reminders=True, now=_now(period, days + 7))
            first_run = result
    last_period = programme.settings.period(PERIODS[-1])
    register_path = write_register(ws)
    summary_paths = write_summary(ws, PERIODS[-1])
    site = write_site(ws, PERIODS[-1])
    reports = ws.reports(last_period)
    console = console_language()
    chase = (
        _("Chase list ({period}, as on {date}):").format(
            period=PERIODS[-1], date=format_date(status.today, console)
        )
        if status
        else ""
    )
    look = [
        (_("department workbooks"), ws.outbox(last_period)),
        (_("mail drafts"), reminders.folder if reminders else ws.outbox(last_period)),
        (_("returned files"), ws.inbox(last_period)),
        (_("validation report"), reports / "validation.xlsx"),
        (_("annotated copies"), reports / "feedback"),
        (_("master register workbook"), register_path),
        (_("council summary"), summary_paths[0]),
        (_("public progress site"), site / "index.html"),
        (_("the register (SQLite)"), ws.db_path),
    ]
    width = max(len(label) for label, _path in look) + 2
    lines = [
        "",
        _("Demo workspace: {path}").format(path=ws.root),
        *(f"  {line}" for line in (first_run.lines() if first_run else []) if line),
        "",
        _("After the corrected file ({period}):").format(period=PERIODS[-1]),
        *(f"  {line}" for line in (collected.lines()[-3:] if collected else []) if line),
        "",
        chase,
        *(f"  {line}" for line in (status.lines() if status else [])),
        "",
        _("Reminders:"),
        *(f"  {line}" for line in (reminders.lines() if reminders else [])),
        "",
        _("Look at:"),
        *(f"  {label:<{width}}{path}" for label, path in look),
        _("Try: {command}   |   {other}").format(
            command=f"roundtrip -w {shell_word(ws.root)} status {PERIODS[-1]}",
            other=f"roundtrip -w {shell_word(ws.root)} summary {PERIODS[-1]} --pdf",
        ),
    ]
    return lines


def _init(directory: Path, language: str | None) -> None:
    """The workspace of the Aura example, its programme in `language` when one is given."""
    from roundtrip.init import init_workspace
    from roundtrip.programme.bundled import programme_from_dict
    from roundtrip.programme.workbook import write_programme
    from roundtrip.resources import example_dir, read_toml

    data = read_toml(example_dir("aura") / "programme.toml")
    if language is None or language == data["settings"].get("language"):
        init_workspace(directory, example="aura")
        return
    data["settings"] = {**data["settings"], "language": language}
    with tempfile.TemporaryDirectory(prefix="roundtrip-demo-") as tmp:
        path = Path(tmp) / "programme.xlsx"
        write_programme(programme_from_dict(data), path)
        init_workspace(directory, programme=path)


def _tune(directory: Path) -> None:
    """The demo's programme: the example's, with a target for one metric and one department
    without a named contact person, so that every health rule has something to flag."""
    import dataclasses

    from roundtrip.programme.bundled import with_version
    from roundtrip.programme.workbook import load_programme, write_programme

    path = directory / "programme.xlsx"
    p = load_programme(path)
    baseline, target = OFF_TARGET

    def tuned(a):
        metrics = tuple(
            dataclasses.replace(m, baseline=baseline, target=target)
            if m.id == OFF_TARGET_METRIC
            else m
            for m in a.metrics
        )
        return dataclasses.replace(a, metrics=metrics) if metrics != a.metrics else a

    departments = tuple(
        dataclasses.replace(d, contact="") if d.id == NO_OWNER else d for d in p.departments
    )
    p = dataclasses.replace(
        p, actions=tuple(tuned(a) for a in p.actions), departments=departments, version=""
    )
    write_programme(with_version(p), path)


def _now(period: Period, days_after_end: int) -> dt.datetime:
    return dt.datetime.combine(period.end, dt.time(12), tzinfo=dt.UTC) + dt.timedelta(
        days=days_after_end
    )
