"""Golden-file helpers: a workbook compared with a committed reference, part by part.

The reference is a whole .xlsx under tests/golden/. Both files are read as their zip members
(the parts); every member name must be the same, and every part the same text once what
depends on the run is stripped (the timestamps of docProps/core.xml). On failure the first
differing part is shown as a diff, one XML tag a line.

With ROUNDTRIP_UPDATE_GOLDEN=1 the reference is rewritten instead (only when its parts
differ, so that an unchanged golden file keeps its bytes in git); look at the diff
(unzip -p) before committing it. Used by every golden test (test_golden, test_golden_reports).
"""

from __future__ import annotations

import difflib
import os
import re
import shutil
import zipfile
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("ROUNDTRIP_UPDATE_GOLDEN") == "1"

# Run-dependent bits a writer adds; stripped before comparing. Everything else that could
# depend on the run (dates of generation and collection, file times, the signing secret) is
# fixed by the tests instead.
VOLATILE = {
    "docProps/core.xml": [
        (re.compile(r"<dcterms:(created|modified)[^>]*>[^<]*</dcterms:\1>"), r"<dcterms:\1/>"),
    ],
}


def parts(path: Path) -> dict[str, str]:
    """Member name -> its text, run-dependent content stripped."""
    with zipfile.ZipFile(path) as zf:
        out = {}
        for name in sorted(zf.namelist()):
            text = zf.read(name).decode("utf-8", errors="replace")
            for pattern, repl in VOLATILE.get(name, ()):
                text = pattern.sub(repl, text)
            out[name] = text
        return out


def first_difference(want: dict[str, str], got: dict[str, str], label: str) -> str | None:
    """None when the parts are the same, else what differs, readably (the first part's diff)."""
    if sorted(got) != sorted(want):
        missing = sorted(set(want) - set(got))
        extra = sorted(set(got) - set(want))
        return f"the parts differ from {label}: missing {missing}, extra {extra}"
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
            return f"{part} differs from {label}:\n" + "\n".join(list(diff)[:40])
    return None


def check_golden(out: Path, name: str) -> None:
    """Compare the workbook `out` with tests/golden/NAME.xlsx (or rewrite it: UPDATE)."""
    golden = GOLDEN / f"{name}.xlsx"
    if not golden.exists() or (UPDATE and first_difference(parts(golden), parts(out), name)):
        GOLDEN.mkdir(exist_ok=True)
        shutil.copyfile(out, golden)
        if not UPDATE:
            pytest.fail(f"golden file {golden.name} was missing; written now, commit it")
        return
    problem = first_difference(parts(golden), parts(out), golden.name)
    if problem:
        pytest.fail(problem)
