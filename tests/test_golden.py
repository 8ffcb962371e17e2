"""Golden files: the return workbook compared part by part with a committed reference.

Rewrite the references after an intended change with:
    ROUNDTRIP_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py
and look at the diff (unzip -p) before committing them.
"""

from __future__ import annotations

import datetime as dt

import pytest
from golden_parts import check_golden

from roundtrip.programme.bundled import load_example
from roundtrip.register.history import Previous, PreviousAnswer, PreviousValue
from roundtrip.returns.workbook import write_return_workbook

SECRET = bytes.fromhex("00112233445566778899aabbccddeeff" * 2)
NOW = dt.datetime(2025, 10, 1, 6, 0, 0)


def previous() -> Previous:
    return Previous(
        actions={
            "P1-08": PreviousAnswer("2025Q2", "Etenee suunnitellusti", 40, "Kurssit alkoivat")
        },
        metrics={"P1-08-M1": PreviousValue("2025Q2", "3")},
    )


CASES = {
    "return_fi_SIV_2025Q3": ("aura", "SIV", "2025Q3", previous),
    "return_fi_VAP_2025Q3": ("aura", "VAP", "2025Q3", Previous),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_return_workbook_matches_golden(tmp_path, name):
    example, dept, period, make_previous = CASES[name]
    p = load_example(example)
    out = tmp_path / f"{name}.xlsx"
    write_return_workbook(out, p, dept, p.settings.period(period), SECRET, make_previous(), NOW)
    check_golden(out, name)
