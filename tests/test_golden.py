"""Golden files: the return workbook compared part by part with a committed reference.

Rewrite the references after an intended change with:
    ROUNDTRIP_UPDATE_GOLDEN=1 .venv/bin/pytest tests/test_golden.py
and look at the diff (unzip -p) before committing them.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest

from roundtrip.programme.bundled import load_example
from roundtrip.register.history import Previous, PreviousAnswer, PreviousValue
from roundtrip.returns.workbook import write_return_workbook

GOLDEN = Path(__file__).parent / "golden"
SECRET = bytes.fromhex("00112233445566778899aabbccddeeff" * 2)
NOW = dt.datetime(2025, 10, 1, 6, 0, 0)
UPDATE = os.environ.get("ROUNDTRIP_UPDATE_GOLDEN") == "1"

# Run-dependent bits a writer might add; stripped before comparing (none expected today).
_VOLATILE = [
    (re.compile(r"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>"), r"<dcterms:\1/>"),
]


def parts(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as zf:
        out = {}
        for name in sorted(zf.namelist()):
            text = zf.read(name).decode("utf-8", errors="replace")
            if name == "docProps/core.xml":
                for pattern, repl in _VOLATILE:
                    text = pattern.sub(repl, text)
            out[name] = text
        return out


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
    golden = GOLDEN / f"{name}.xlsx"
    if UPDATE or not golden.exists():
        GOLDEN.mkdir(exist_ok=True)
        shutil.copyfile(out, golden)
        if not UPDATE:
            pytest.fail(f"golden file {golden.name} was missing; written now, commit it")
    want, got = parts(golden), parts(out)
    assert sorted(got) == sorted(want), "the workbook's parts differ"
    for part in want:
        if got[part] != want[part]:
            diff = difflib.unified_diff(
                want[part].replace(">", ">\n").splitlines(),
                got[part].replace(">", ">\n").splitlines(),
                "golden",
                "now",
                lineterm="",
                n=1,
            )
            pytest.fail(f"{part} differs from {golden.name}:\n" + "\n".join(list(diff)[:40]))
