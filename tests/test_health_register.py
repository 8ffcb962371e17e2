"""The register's health queries (register/health.py, SQL) against the rules' reference
(health.compute.from_answers, Python) on registers built for it: random answers over four
quarters, returns sent twice (the first superseded), partners' answers on shared actions,
blank and whitespace comments, progress left empty, actions whose schedule has ended."""

from __future__ import annotations

import dataclasses

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from register_builder import add_submission, small_programme

from roundtrip.health.compute import from_answers, health, quiet_of, rules_of, stale_window
from roundtrip.health.rules import Answer
from roundtrip.programme.periods import parse_period
from roundtrip.register.db import connect
from roundtrip.register.health import read_register, register_health
from roundtrip.register.reads import lead_answers

PERIODS = ("2025Q1", "2025Q2", "2025Q3", "2025Q4")
STATUSES = (
    None,
    "on_track",
    "on_track",
    "done",
    "cancelled",
)  # (few: the same answer again is likely)
COMMENTS = (None, "", " ", "\t\n", "\xa0", "edistyy")


def programme():
    p = small_programme("fi")
    ends = {"P1-01": "2025Q2", "P1-02": "2025Q1", "P2-01": "2024", "P2-02": "2025Q4"}
    actions = tuple(
        dataclasses.replace(
            a, end=ends.get(a.id, ""), partners=("B",) if a.id == "P1-02" else a.partners
        )
        for a in p.actions
    )
    return dataclasses.replace(p, actions=actions)


answer = st.tuples(
    st.sampled_from(STATUSES), st.sampled_from((None, 40, 40)), st.sampled_from(COMMENTS)
)


@st.composite
def returns(draw):
    """(department, period) -> the answers of each return sent, in order (the last counts)."""
    p = programme()
    out = {}
    for period in PERIODS:
        for dept in ("A", "B", "C"):
            sent = draw(st.integers(0, 2))  # not at all, once, or twice
            own = [a.id for a in p.actions if a.department_id == dept and a.active]
            if dept == "B":
                own.append("P1-02")  # a partner's answer on A's shared action
            out[(dept, period)] = [
                {aid: draw(answer) for aid in own if draw(st.booleans())} for _ in range(sent)
            ]
    values = {mid: draw(st.sampled_from((None, 1.0, 15.0))) for mid in ("P1-01-M1", "P1-03-M1")}
    return out, values


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(returns(), st.sampled_from(PERIODS[1:]), st.integers(1, 3))
def test_the_register_s_queries_give_what_the_rules_reference_gives(data, now, stale_periods):
    sent, values = data
    p = programme()
    p = dataclasses.replace(
        p, settings=dataclasses.replace(p.settings, stale_periods=stale_periods)
    )
    conn = connect(":memory:")
    lead = {a.id: a.department_id for a in p.actions}
    current: dict[tuple[str, str], Answer] = {}
    numbers = {}
    for (dept, period), returns_sent in sent.items():
        for k, got in enumerate(returns_sent):
            rows = [(aid, *a) for aid, a in got.items()]
            vals = [
                (mid, mid[:5], "count", v, None)
                for mid, v in values.items()
                if lead[mid[:5]] == dept and v is not None
            ]
            add_submission(conn, dept, period, f"2025-0{k + 1}-01T09:00:00", rows, vals)
        if returns_sent:  # the last return sent is the current one
            for aid, (key, progress, comment) in returns_sent[-1].items():
                if lead[aid] == dept:  # a partner's answer is never the action's
                    current[(aid, period)] = Answer(key, progress, comment or "")
            for mid, v in values.items():
                if lead[mid[:5]] == dept and v is not None:
                    numbers[(mid, period)] = v
    collected = frozenset(per for (_d, per), r in sent.items() if r)
    period = parse_period(now, "quarter")
    got = read_register(conn, p, period)
    want = from_answers(p, period, current, numbers, collected)
    assert dict(got.quiet) == dict(want.quiet)
    assert dict(got.last_status) == dict(want.last_status)
    assert dict(got.values) == dict(want.values)
    assert got.collected == want.collected
    assert register_health(conn, p, period) == health(p, period, want)
    # The summary's way: from each period's lead answers, read as it reads them
    window = [
        (str(q), str(b) if b else None) for q, b in stale_window(p, period, rules_of(p), collected)
    ]
    read = {q: lead_answers(conn, q, p.partner_pairs()) for w in window for q in w if q}
    active = [a.id for a in p.actions if a.active]
    statuses = {q: got[0] for q, got in read.items()}
    commented = {q: got[1] for q, got in read.items()}
    assert quiet_of(window, statuses, commented, active) == dict(want.quiet)


def test_the_summary_s_quiet_actions_at_each_edge():
    """quiet_of, the summary's way, on answers written out: an answer repeating the period
    before's status and progress is an update only with a comment; no status is none."""
    window = [("2025Q3", "2025Q2"), ("2025Q2", "2025Q1")]
    same = ("on_track", 40)
    statuses = {
        "2025Q3": {"said": same, "repeated": same, "moved": ("on_track", 50), "blank": (None, 40)},
        "2025Q2": {"said": same, "repeated": same, "moved": same, "blank": (None, None)},
        "2025Q1": {"said": same, "repeated": same, "moved": same},
    }
    commented = {"2025Q3": {"said", "blank"}, "2025Q2": set()}
    active = ["said", "repeated", "moved", "blank", "silent"]
    assert quiet_of(window, statuses, commented, active) == {
        "repeated": "on_track",  # the same twice, with no comment
        "blank": None,  # a comment with no status updates nothing
        "silent": None,  # no answer at all
    }
    # The programme's first period (no period before it): any answer with a status updates
    assert quiet_of([("2025Q1", None)], statuses, {}, active) == {
        "blank": None,
        "silent": None,
    }
    assert quiet_of([], statuses, commented, active) == {}
