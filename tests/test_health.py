"""Computed health: each rule firing and not firing at its edges (the period a schedule ends,
the first stale period, exactly on the target line), and over a whole programme."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from roundtrip.health.compute import from_answers, health
from roundtrip.health.rules import Answer, Rules, no_owner, off_target, overdue, stale
from roundtrip.programme.bundled import load_example
from roundtrip.programme.model import Department, Metric
from roundtrip.programme.periods import parse_period
from roundtrip.programme.targets import target_line


@pytest.fixture(scope="module")
def aura():
    return load_example("aura")


def q(text: str):
    return parse_period(text, "quarter")


ON_TRACK = Answer("on_track", 40, "")


@pytest.mark.parametrize(
    "end, period, flagged",
    [
        ("2025", "2025Q4", False),  # the period the schedule ends in
        ("2025", "2026Q1", True),  # the first period after it
        ("2025H1", "2025Q2", False),
        ("2025H1", "2025Q3", True),
        ("2025Q3", "2025Q3", False),
        ("2025Q3", "2025Q4", True),
        ("", "2030Q1", False),  # no end: never overdue
    ],
)
def test_overdue_from_the_period_after_the_schedule_ends(aura, end, period, flagged):
    action = dataclasses.replace(aura.actions[0], end=end)
    flag = overdue(action, q(period), ON_TRACK, aura.statuses, "fi")
    assert (flag is not None) == flagged
    if flagged:
        assert flag.reason == f"aikataulu päättyi {end}, tila: Etenee suunnitellusti"


def test_a_done_or_cancelled_action_is_not_overdue(aura):
    action = dataclasses.replace(aura.actions[0], end="2024")
    for key in ("done", "cancelled"):
        assert overdue(action, q("2026Q1"), Answer(key, 100, ""), aura.statuses, "fi") is None
    flag = overdue(action, q("2026Q1"), None, aura.statuses, "en")
    assert flag is not None and flag.reason == "schedule ended 2024, status: no answer"


def test_stale_from_the_first_period_it_has_been_quiet_for_n(aura):
    moved = Answer("on_track", 40, "")
    same = Answer("on_track", 40, "")
    commented = Answer("on_track", 40, "Hankehaku käynnissä")
    # newest first: this period, the one before, the one before that
    assert stale([same, moved, Answer("minor", 20, "")], 2, "fi") is None  # one quiet period
    assert stale([same, same, moved], 2, "fi") is not None  # two: the first stale period
    assert stale([commented, same, moved], 2, "fi") is None  # a comment is an update
    assert stale([Answer("minor", 40, ""), same, moved], 2, "fi") is None  # a new status
    assert stale([Answer("on_track", 50, ""), same, moved], 2, "fi") is None  # new progress
    none = stale([None, None, moved], 2, "fi")
    assert none is not None and none.reason == "ei vastausta 2 kauteen"
    assert stale([None], 2, "fi") is None  # the programme has not run two periods yet
    assert stale([same, same, same], 0, "fi") is None  # switched off
    quiet = stale([same, same, same], 2, "en")
    assert quiet.reason == "no update for 2 periods (status and progress unchanged, no comment)"


def test_off_target_behind_the_line_and_not_on_it():
    start, end = dt.date(2024, 1, 1), dt.date(2026, 12, 31)
    at = dt.date(2025, 7, 1)
    expected = target_line("10", "40", start, end, at)
    assert 10 < expected < 40

    def check(value, higher=True):
        return off_target("Kävijät", value, "10", "40", higher, start, end, at, "fi", "2026")

    assert check(expected) is None  # exactly on the line
    assert check(expected + 0.5) is None
    flag = check(expected - 0.5)
    assert flag is not None and flag.reason.startswith("Kävijät: ")
    assert "2026" in flag.reason
    # lower is better: the line runs down from 40 to 10
    assert round(target_line("40", "10", start, end, at)) == 25
    assert off_target("Jono", 30, "40", "10", False, start, end, at, "en", "2026") is not None
    assert off_target("Jono", 20, "40", "10", False, start, end, at, "en", "2026") is None
    assert off_target("Jono", None, "40", "10", False, start, end, at, "en") is None
    assert off_target("Jono", 5, "", "10", False, start, end, at, "en") is None
    assert target_line("10", "40", start, end, dt.date(2030, 1, 1)) == 40
    assert target_line("10", "40", start, end, dt.date(2020, 1, 1)) == 10


def test_no_owner():
    assert no_owner(Department("X", "Kirjasto", "Liisa", ""), "fi") is None
    mailbox = no_owner(Department("X", "Kirjasto", "", "kirjasto@aura.example"), "fi")
    assert mailbox is not None  # a shared mailbox is no owner
    flag = no_owner(Department("X", "Kirjasto", "", ""), "fi")
    assert flag is not None and flag.reason == "Kirjasto: ei yhteyshenkilöä"


def test_a_programme_s_health_names_each_action_and_why(aura):
    settings = dataclasses.replace(aura.settings, first_period="2025Q1", last_period="2026Q4")
    late = dataclasses.replace(aura.actions[0], end="2025Q2")
    counted = aura.actions[1]
    metric = Metric(f"{counted.id}-M9", counted.id, "Kävijät", "count", "", "0", "100")
    counted = dataclasses.replace(counted, metrics=(metric,))
    quiet = next(
        a
        for a in aura.actions
        if a.department_id not in (late.department_id, counted.department_id)
    )
    depts = tuple(
        dataclasses.replace(d, contact="", email="") if d.id == quiet.department_id else d
        for d in aura.departments
    )
    p = dataclasses.replace(
        aura,
        settings=settings,
        departments=depts,
        actions=tuple({late.id: late, counted.id: counted}.get(a.id, a) for a in aura.actions),
    )
    same = Answer("on_track", 40, "")
    answers = {}
    for a in p.actions:
        for period in ("2025Q1", "2025Q2", "2025Q3"):
            answers[(a.id, period)] = Answer("on_track", 10 * int(period[-1]), "edistyy")
    answers[(quiet.id, "2025Q1")] = same
    answers[(quiet.id, "2025Q2")] = same
    answers[(quiet.id, "2025Q3")] = same
    values = {(metric.id, "2025Q3"): 5.0}

    def flags(values, collected=None):
        return health(p, q("2025Q3"), from_answers(p, q("2025Q3"), answers, values, collected))

    got = flags(values)
    # a period of the window nothing was collected for: nobody is stale
    gap = flags(values, frozenset({"2025Q3"}))
    assert not any(f.kind == "stale" for fs in gap.values() for f in fs)
    assert flags(values, frozenset({"2025Q1", "2025Q2", "2025Q3"})) == got
    assert [f.kind for f in got[late.id]] == ["overdue"]
    assert [f.kind for f in got[counted.id]] == ["off_target"]
    assert sorted(f.kind for f in got[quiet.id]) == ["no_owner", "stale"]
    assert all(a.id in got for a in p.actions if a.department_id == quiet.department_id)
    others = [
        a.id
        for a in p.actions
        if a.department_id != quiet.department_id and a.id not in (late.id, counted.id)
    ]
    ended = {a.id for a in p.actions if a.end and a.end < "2025"}  # Aura's P2-02, P2-05
    assert ended == {"P2-02", "P2-05"}
    assert all("overdue" in [f.kind for f in got[a]] for a in ended)
    others = [a for a in others if a not in ended]
    assert not any(a in got for a in others)
    # on the line: not off target
    values = {(metric.id, "2025Q3"): 100 * (q("2025Q3").end - q("2025Q1").start).days / (
        q("2026Q4").end - q("2025Q1").start).days}  # fmt: skip
    assert counted.id not in flags(values)


# --------------------------------------------------------------------------- on the demo


def test_the_demo_s_summary_and_chase_list_show_each_flag(demo_base):
    """The demo's data make every rule fire once (roundtrip/demo/run.py): its summary shows
    the flags with their reasons on the attention sheet, beside every action, and counted
    among the overview's figures; the chase list counts them per department."""
    import openpyxl
    from click.testing import CliRunner

    from roundtrip.cli import main
    from roundtrip.demo.run import NO_OWNER, OFF_TARGET_METRIC, OVERDUE_ACTION, STALE_ACTION
    from roundtrip.language.wording import wording

    w = wording("fi")["summary"]
    wb = openpyxl.load_workbook(demo_base / "reports" / "2025Q3" / "summary.xlsx")
    attention = wb[w["attention"]]
    rows = list(attention.iter_rows(values_only=True))
    head = next(i for i, r in enumerate(rows) if r[0] == w["action_id"])
    column = rows[head].index(w["health"])
    reasons = {r[0]: r[column] for r in rows[head + 1 :] if r[0]}
    off_target_action = OFF_TARGET_METRIC.rsplit("-M", 1)[0]
    assert reasons[OVERDUE_ACTION] == "aikataulu päättyi 2023H2, tila: Etenee suunnitellusti"
    assert reasons[STALE_ACTION] == "ei vastausta 2 kauteen"
    assert reasons[off_target_action].startswith("Osallistuneiden yritysten lkm: 8, jäljessä")
    assert "Elinvoimatyöryhmä: ei yhteyshenkilöä" in {str(v) for v in reasons.values()}
    overview = {r[0]: r[1] for r in wb.worksheets[0].iter_rows(values_only=True) if r[0]}
    assert [overview[w[f"health_{k}"]] for k in FLAGS_ORDER] == [1, 1, 1, 2]
    reg = wording("fi")["register"]
    current = openpyxl.load_workbook(demo_base / "reports" / "register.xlsx")[reg["current"]]
    table = list(current.iter_rows(values_only=True))
    col = table[0].index(reg["health"])
    by_action = {r[0]: r[col] for r in table[1:]}
    assert by_action[OVERDUE_ACTION] == reasons[OVERDUE_ACTION]
    assert by_action[STALE_ACTION] == "ei vastausta 2 kauteen"
    assert by_action["P1-02"] is None
    out = CliRunner().invoke(main, ["--lang", "en", "-w", str(demo_base), "status", "2025Q3"])
    assert out.exit_code == 1, out.output  # EVT missing, HAL rejected
    by_dept = {line.split()[0]: line for line in out.output.splitlines()[2:]}
    assert "1 overdue" in "".join(by_dept.values())
    assert "2 without a contact" in by_dept[NO_OWNER]


FLAGS_ORDER = ("overdue", "stale", "off_target", "no_owner")


def test_the_programme_tunes_the_rules(aura, tmp_path):
    """stale_periods, overdue_grace and off_target_margin: read from programme.xlsx (a bad
    value told with its cell), and each moving its rule's edge."""
    import openpyxl

    from roundtrip.errors import ConfigError
    from roundtrip.health.compute import rules_of
    from roundtrip.programme.bundled import with_version
    from roundtrip.programme.workbook import load_programme, write_programme

    tuned = dataclasses.replace(
        aura.settings, stale_periods=3, overdue_grace=1, off_target_margin=10
    )
    p = with_version(dataclasses.replace(aura, settings=tuned, version=""))
    assert p.version != aura.version
    path = tmp_path / "programme.xlsx"
    write_programme(p, path)
    back = load_programme(path)
    assert rules_of(back) == Rules(stale_periods=3, overdue_grace=1, off_target_margin=10)
    wb = openpyxl.load_workbook(path)
    sheet = wb["asetukset"]
    row = next(
        r
        for r in range(1, sheet.max_row + 1)
        if sheet.cell(r, 1).value == "pysähtymisraja (kautta)"
    )
    sheet.cell(row, 2).value = "kaksi"
    wb.save(path)
    with pytest.raises(ConfigError) as info:
        load_programme(path)
    assert f"asetukset!B{row}" in str(info.value.problems[0])

    action = dataclasses.replace(aura.actions[0], end="2025")
    assert overdue(action, q("2026Q1"), ON_TRACK, aura.statuses, "fi", grace=1) is None
    assert overdue(action, q("2026Q2"), ON_TRACK, aura.statuses, "fi", grace=1) is not None
    start, end, at = dt.date(2024, 1, 1), dt.date(2026, 12, 31), dt.date(2025, 7, 1)
    line = target_line("0", "100", start, end, at)
    args = ("m", True, start, end, at, "fi", "2026")
    assert off_target("m", line * 0.91, "0", "100", *args[1:], margin=10) is None
    assert off_target("m", line * 0.89, "0", "100", *args[1:], margin=10) is not None
    same = Answer("on_track", 40, "")
    assert stale([same, same, same], 3, "fi") is None  # needs a fourth to compare the third
    assert stale([same, same, same, same], 3, "fi") is not None


def test_the_next_workbook_says_beside_the_action_what_to_do(demo_ws):
    """The department whose action is overdue finds the hint beside it in its next workbook;
    a department with nothing overdue gets the workbook it had, without the column."""
    import openpyxl

    from roundtrip.demo.run import OVERDUE_ACTION
    from roundtrip.language.wording import wording
    from roundtrip.programme.workbook import load_programme
    from roundtrip.returns.generate import generate_period
    from roundtrip.workspace import Workspace

    ws = Workspace(demo_ws)
    p = load_programme(ws.programme_path)
    made = generate_period(ws, "2025Q4")
    words = wording("fi")
    owner = next(a.department_id for a in p.actions if a.id == OVERDUE_ACTION)
    hint_header = words["actions"]["hint"]
    seen = {}
    for info in made.files:
        sheet = openpyxl.load_workbook(info.path)[words["sheets"]["actions"]]
        rows = list(sheet.iter_rows(values_only=True))
        head = next(i for i, r in enumerate(rows) if r and r[0] == words["actions"]["action_id"])
        seen[info.department_id] = (rows[head], rows[head + 1 :])
    header, rows = seen[owner]
    col = header.index(hint_header)
    assert col == len(header) - 1 and header[col - 1] == words["actions"]["comment"]
    hints = {r[0]: r[col] for r in rows if r[0]}
    assert hints[OVERDUE_ACTION] == (
        "Aikataulu päättyi 2023H2: päivitä aikataulu tai merkitse toimenpide valmiiksi"
    )
    assert sum(1 for h in hints.values() if h) == 1
    without = [d for d, (h, _r) in seen.items() if hint_header not in h]
    assert without and owner not in without


def test_the_attention_sheet_lists_health_flags_up_to_its_cap_and_counts_the_rest(
    demo_ws, monkeypatch
):
    """Beyond ATTENTION_HEALTH_ROWS actions flagged by the health rules alone, the attention
    sheet lists the first (overdue before off target before stale before no owner) and says in
    its intro how many more there are; the actions reported as problems are all still listed."""
    import openpyxl

    import roundtrip.summary.data as data
    from roundtrip.demo.run import OVERDUE_ACTION
    from roundtrip.language.wording import wording
    from roundtrip.summary.workbook import write_summary
    from roundtrip.workspace import Workspace

    w = wording("fi")["summary"]

    def attention(path):
        rows = list(openpyxl.load_workbook(path)[w["attention"]].iter_rows(values_only=True))
        head = next(i for i, r in enumerate(rows) if r[0] == w["action_id"])
        intro = "\n".join(str(r[0]) for r in rows[:head] if r[0])
        return intro, [r for r in rows[head + 1 :] if r[0]], rows[head].index(w["health"])

    ws = Workspace(demo_ws)
    intro, full, col = attention(write_summary(ws, "2025Q3", demo_ws / "full.xlsx")[0])
    health_only = [r for r in full if r[col] and not r[col].startswith("ei vastausta")]
    assert "puuttuu vielä" not in intro and len(health_only) >= 2
    monkeypatch.setattr(data, "ATTENTION_HEALTH_ROWS", 1)
    intro, capped, _ = attention(write_summary(ws, "2025Q3", demo_ws / "capped.xlsx")[0])
    more = len(full) - len(capped)
    assert more == len(health_only) - 1
    assert f"puuttuu vielä {more} toimenpidettä" in intro, intro
    assert [r for r in capped if r not in full] == []
    assert OVERDUE_ACTION in {r[0] for r in capped}  # overdue first


def test_flag_counts_count_each_action_once_per_kind():
    from roundtrip.health.compute import flag_counts
    from roundtrip.health.rules import Flag

    def f(kind):
        return Flag(kind, kind)

    flags = {
        "A": (f("overdue"),),
        "B": (f("overdue"), f("stale"), f("no_owner")),
        "C": (f("off_target"), f("off_target")),  # two metrics behind: one action
    }
    assert flag_counts(flags) == {"overdue": 2, "stale": 1, "off_target": 1, "no_owner": 1}
    assert flag_counts({}) == dict.fromkeys(("overdue", "stale", "off_target", "no_owner"), 0)
