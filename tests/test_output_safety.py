"""Output safety: text from returns stays text in everything we write, and file names are safe.

Returns are filled with comments, metric comments, plan completions and proposals such as
`=HYPERLINK("http://x","y")`, `@SUM(A1)`, `+1+1`, `-2` and `http://example.com`. In the master
register, the validation report, the annotated copies and the council summary every such value
must be a text cell (openpyxl data_type 's'), never a formula, a number or a hyperlink; the
sheet XML must hold no formula and no external hyperlink made from them.

File names: contract.safe_filename must give names valid on Windows for any input.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from roundtrip.returns.contract import safe_filename
from tests.corpus.build import DEPT, OTHER_DEPT, PERIOD, make_base_workspace
from tests.corpus.makers import (
    ACTIONS,
    COMMENT_COL,
    FORMULA_TEXTS,
    METRICS,
    STATUS_COL,
    _row_of,
    _sheet,
)

DANGEROUS = tuple(FORMULA_TEXTS.values())
URLS = ("http://x", "http://example.com")
MAJOR = "Merkittäviä haasteita"
PROPOSALS = _sheet("proposals")  # an attention status: the comment reaches the summary


def _text_cell(wb: openpyxl.Workbook, sheet: str, item_id: str, col: str, text: str) -> None:
    cell = wb[sheet][f"{col}{_row_of(wb, sheet, item_id)}"]
    cell.value = text
    cell.data_type = "s"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory) -> dict[str, list[Path]]:
    from roundtrip.collect.run import collect_period
    from roundtrip.programme.workbook import load_programme
    from roundtrip.register.workbook import write_register
    from roundtrip.returns.workbook import priority_choice
    from roundtrip.summary.workbook import write_summary
    from roundtrip.workspace import Workspace

    root = make_base_workspace(tmp_path_factory.mktemp("outsafety") / "ws")
    ws = Workspace(root)
    inbox = ws.inbox(PERIOD)
    inbox.mkdir(parents=True, exist_ok=True)
    outbox = sorted(ws.outbox(PERIOD).glob("*.xlsx"))
    src = {f.stem.split("_")[1]: f for f in outbox}
    programme = load_programme(ws.programme_path)

    # YEP: accepted; dangerous text in comments of attention actions, metric comments, a plan
    # completion and a proposal.
    wb = openpyxl.load_workbook(src[DEPT])
    for aid, text in FORMULA_TEXTS.items():
        wb[ACTIONS][f"{STATUS_COL}{_row_of(wb, ACTIONS, aid)}"].value = MAJOR
        _text_cell(wb, ACTIONS, aid, COMMENT_COL, text)
    kinds = {m.id: m.kind for a in programme.actions for m in a.metrics}
    metrics = wb[METRICS]
    texts = iter(DANGEROUS * 3)
    for r in range(4, metrics.max_row + 1):
        mid = metrics.cell(r, 1).value
        if mid in kinds:
            metrics.cell(r, 11).value = "Kyllä" if kinds[mid] == "yesno" else 1
            metrics.cell(r, 12).value = next(texts)
            metrics.cell(r, 12).data_type = "s"
    plan_row = _row_of(wb, ACTIONS, "P1-03")
    for col in (4, 5, 6):  # metric, schedule, responsible: blank in the plan for P1-03
        wb[ACTIONS].cell(plan_row, col).value = "+1+1"
        wb[ACTIONS].cell(plan_row, col).data_type = "s"
    proposals = wb[PROPOSALS]
    first = programme.priorities[0]
    choice = priority_choice(first.id, first.title)
    for c, text in enumerate((choice, '=HYPERLINK("http://x","y")', "@SUM(A1)"), start=1):
        proposals.cell(4, c).value = text
        proposals.cell(4, c).data_type = "s"
    wb.save(inbox / "yep.xlsx")

    # HAL: rejected (a status pasted past the dropdown), so the dangerous values are echoed in
    # the validation report and the annotated copy.
    wb = openpyxl.load_workbook(src[OTHER_DEPT])
    acts = wb[ACTIONS]
    for i, text in enumerate(DANGEROUS):
        r = 4 + i
        if acts.cell(r, 1).value:
            for col in (STATUS_COL, COMMENT_COL):
                acts[f"{col}{r}"].value = text
                acts[f"{col}{r}"].data_type = "s"
    wb.save(inbox / "hal.xlsx")

    result = collect_period(ws, PERIOD)
    verdicts = {f.name: f.verdict for f in result.files}
    assert verdicts["hal.xlsx"] == "rejected", result.lines()
    assert verdicts["yep.xlsx"] in ("accepted", "warnings"), result.lines()
    reports = ws.reports(PERIOD)
    return {
        "register": [write_register(ws)],
        "validation report": [reports / "validation.xlsx"],
        "annotated copy": sorted((reports / "feedback").glob("*.xlsx")),
        "summary": [p for p in write_summary(ws, PERIOD) if p.suffix == ".xlsx"],
    }


def _dangerous_cells(path: Path) -> tuple[list[str], list[str]]:
    """(places where a dangerous text is held as text, places where it is not)."""
    as_text, bad = [], []
    wb = openpyxl.load_workbook(path)
    try:
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    v = cell.value
                    if v is None:
                        continue
                    where = f"{path.name}: {ws.title}!{cell.coordinate}"
                    if cell.data_type == "f":
                        if any(t.lstrip("=@+") in str(v) for t in DANGEROUS if len(t) > 2):
                            bad.append(f"{where}: formula {v!r}")
                    elif isinstance(v, str) and any(t in v for t in DANGEROUS):
                        (as_text if cell.data_type in ("s", "inlineStr") else bad).append(where)
                    if cell.hyperlink is not None and any(
                        u in str(cell.hyperlink.target or "") for u in URLS
                    ):
                        bad.append(f"{where}: hyperlink {cell.hyperlink.target}")
    finally:
        wb.close()
    return as_text, bad


def _xml_findings(path: Path) -> list[str]:
    """Formulas or external hyperlinks in the raw parts that come from the dangerous texts."""
    out = []
    with zipfile.ZipFile(path) as zf:
        for name in zf.namelist():
            if not name.endswith((".xml", ".rels")):
                continue
            data = zf.read(name).decode("utf-8", "replace")
            for f in re.findall(r"<f(?:\s[^>]*)?>([^<]*)</f>", data):
                if re.search(r"HYPERLINK|SUM\(A1\)|^\+?1\+1$|^-2$", f.replace("&quot;", '"')):
                    out.append(f"{name}: formula {f}")
            for url in URLS:
                if f'Target="{url}' in data:
                    out.append(f"{name}: external link {url}")
    return out


@pytest.mark.filterwarnings("ignore:Sparkline Group extension:UserWarning")
@pytest.mark.parametrize("kind", ["register", "validation report", "annotated copy", "summary"])
def test_text_from_returns_stays_text(outputs, kind):
    paths = outputs[kind]
    assert paths, f"no {kind} was written"
    found_text = []
    for path in paths:
        as_text, bad = _dangerous_cells(path)
        assert bad == [], f"{kind}: not text: {bad}"
        assert _xml_findings(path) == []
        found_text += as_text
    # Each output must really carry some of the dangerous text, or this proves nothing.
    assert found_text, f"{kind}: none of the formula-like texts reached {paths}"


# --- file names ------------------------------------------------------------------------------

RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(1, 10)}
FORBIDDEN = set('<>:"/\\|?*')


def _windows_problems(name: str, suffix: str, max_len: int) -> list[str]:
    stem = name[: -len(suffix)] if suffix else name
    out = []
    if not name.endswith(suffix):
        out.append("suffix lost")
    if not stem:
        out.append("empty stem")
    if any(ch in FORBIDDEN for ch in name):
        out.append("forbidden character")
    if any(ord(ch) < 32 for ch in name):
        out.append("control character")
    if name != name.rstrip(" .") or stem != stem.rstrip(" ."):
        out.append("trailing dot or space")
    if stem.split(".")[0].upper() in RESERVED:
        out.append("reserved device name")
    if len(stem) > max_len:
        out.append("too long")
    return out


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=300), st.sampled_from([".xlsx", ".txt", ""]))
def test_safe_filename_is_valid_on_windows(stem, suffix):
    name = safe_filename(stem, suffix)
    assert _windows_problems(name, suffix, 120) == [], repr(name)


@pytest.mark.parametrize(
    "stem",
    ["Muu, mikä?", "CON", "con.", "lpt9 ", "a/b\\c:d", "  . ", "x" * 500, "P1-03\t\n\x00"],
)
def test_safe_filename_examples(stem):
    name = safe_filename(stem)
    assert _windows_problems(name, ".xlsx", 120) == [], repr(name)


# Names that once slipped through contract.safe_filename.
@pytest.mark.parametrize(
    "stem",
    [
        pytest.param("\x80\x9fC1", id="C1-control-characters"),
        pytest.param("COM¹", id="superscript-COM"),
        pytest.param("CONIN$", id="CONIN$"),
    ],
)
def test_safe_filename_reserved_and_c1(stem):
    name = safe_filename(stem)
    stem_out = name[: -len(".xlsx")]
    assert not any(unicodedata.category(ch) == "Cc" for ch in name)
    assert stem_out.split(".")[0].upper() not in {"COM¹", "CONIN$", "CONOUT$"}
