"""Metric targets by year or period (issue 24, item 2): the targets sheet of programme.xlsx,
the target that applies in a period, the line to a target, the import and the summary."""

from __future__ import annotations

import datetime as dt

import pytest

from roundtrip.programme.model import Metric
from roundtrip.programme.periods import parse_period
from roundtrip.programme.targets import bound_end, target_for, target_line, target_number

_STAGED = Metric(
    "M1",
    "A1",
    "Charging points",
    "count",
    baseline="10",
    target="60",
    targets=(("2025", "30"), ("2026H1", "40"), ("2027Q3", "50")),
)


@pytest.mark.parametrize(
    ("period", "expected"),
    [
        ("2024Q1", ("30", "2025")),  # before the first bound: the first milestone
        ("2025Q4", ("30", "2025")),  # the period a bound ends: still that bound
        ("2026Q1", ("40", "2026H1")),  # the day after: the next
        ("2026Q2", ("40", "2026H1")),
        ("2026Q3", ("50", "2027Q3")),
        ("2027Q3", ("50", "2027Q3")),
        ("2028Q1", ("50", "2027Q3")),  # after the last bound: the last
        ("2025", ("30", "2025")),  # a year-long period
        ("2026", ("50", "2027Q3")),  # 2026H1 ends before the year does
        ("2025H2", ("30", "2025")),
    ],
)
def test_target_for_takes_the_next_milestone(period, expected):
    assert target_for(_STAGED, parse_period(period), "2030Q4") == expected


def test_target_for_without_targets_by_period():
    single = Metric("M1", "A1", "m", "count", target="60")
    assert target_for(single, parse_period("2025Q1"), "2030Q4") == ("60", "2030Q4")
    assert target_for(single, parse_period("2031Q1")) == ("60", "")
    assert target_for(Metric("M1", "A1", "m"), parse_period("2025Q1"), "2030Q4") is None


def test_target_line():
    start, due = dt.date(2024, 1, 1), bound_end("2025")
    assert due == dt.date(2025, 12, 31)
    assert target_line("10", "30", start, due, start) == 10
    assert target_line("10", "30", start, due, dt.date(2023, 6, 1)) == 10  # before the start
    assert target_line("10", "30", start, due, due) == 30
    assert target_line("10", "30", start, due, dt.date(2027, 1, 1)) == 30  # held after
    half = start + (due - start) / 2
    assert target_line("10", "30", start, due, half) == pytest.approx(20)
    assert target_line("100", "40 %", start, due, half) == pytest.approx(70)  # falling
    assert target_line("1 000,5", "2000.5", start, due, due) == 2000.5
    assert target_line("", "30", start, due, half) is None
    assert target_line("10", "more", start, due, half) is None
    assert target_line("10", "30", due, due, half) == 30  # no span: the target


def test_target_number():
    assert target_number("1 234,5") == 1234.5
    assert target_number("20 %") == 20
    assert target_number("yes") is None
    assert target_number("") is None
