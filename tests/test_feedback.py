"""Validation report and annotated copies (roundtrip.collect.feedback) on real workbooks."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile

import openpyxl
import pytest
import xlsxwriter

from roundtrip.collect.feedback import (
    ERROR_FILL,
    WARNING_FILL,
    annotatable,
    write_annotated_copy,
    write_validation_report,
)
from roundtrip.demo.fill import fill_return
from roundtrip.errors import Problem
from roundtrip.init import init_workspace
from roundtrip.returns.generate import generate_period
from roundtrip.workspace import Workspace

HOSTILE = ['=HYPERLINK("http://evil","x")', "+1+1", "-2+3", "@SUM(A1:A2)"]


def fill_colour(cell) -> str:
    return (cell.fill.fgColor.rgb or "")[-6:].upper() if cell.fill.fill_type == "solid" else ""


@pytest.fixture(scope="module")
def returned(tmp_path_factory):
    """A real generated return, filled as a person would and saved under a new name."""
    root = tmp_path_factory.mktemp("fb") / "aura"
    init_workspace(root, example="aura")
    ws = Workspace(root)
    result = generate_period(ws, "2025Q3", ["SIV"], now=dt.datetime(2025, 9, 30, 12, 0))
    src = result.files[0].path
    dst = root / "inbox" / "2025Q3" / "Sivistys palautus (2).xlsx"
    dst.parent.mkdir(parents=True, exist_ok=True)
    fill_return(src, dst, {}, signer="Sanna")
    return dst


def actions_sheet(path):
    wb = openpyxl.load_workbook(path)
    names = [n for n in wb.sheetnames if n in ("Toimenpiteet", "Actions")]
    return wb, names[0]


# ----------------------------------------------------------------------------- report


def test_report_rows_errors_first_coloured_and_text(tmp_path):
    rows = [
        ("SIV", Problem("a.xlsx", "comment missing", "Toimenpiteet", "M5", "warning")),
        ("SIV", Problem("a.xlsx", "not a status", "Toimenpiteet", "K4", "error", HOSTILE[0])),
        ("", Problem("b.csv", "not a return workbook")),
        ("KUL", Problem("c.xlsx", "number?", "Mittarit", "K7", "error", HOSTILE[1])),
        ("KUL", Problem("c.xlsx", HOSTILE[3], "Mittarit", "K8", "warning", HOSTILE[2])),
    ]
    out = write_validation_report(rows, tmp_path / "reports" / "validation.xlsx", "fi")
    wb = openpyxl.load_workbook(out)
    ws = wb.worksheets[0]
    assert ws.title == "Tarkistusraportti"
    header = [c.value for c in ws[1]]
    assert header == ["Tiedosto", "Toimiala", "Välilehti", "Solu", "Arvo", "Viesti", "Vakavuus"]
    data = [[c.value for c in row] for row in ws.iter_rows(min_row=2)]
    assert [r[6] for r in data] == ["Virhe", "Virhe", "Virhe", "Varoitus", "Varoitus"]
    assert data[0] == ["a.xlsx", "SIV", "Toimenpiteet", "K4", HOSTILE[0], "not a status", "Virhe"]
    assert data[1][:2] == ["b.csv", None] or data[1][:2] == ["b.csv", ""]
    # user text stays text: never a formula
    for row in ws.iter_rows(min_row=2):
        for cell in row:
            assert cell.data_type == "s" or cell.value is None
    assert ws["E4"].value == HOSTILE[1] and ws["E6"].value == HOSTILE[2]
    assert ws["F6"].value == HOSTILE[3]
    assert fill_colour(ws["G2"]) == "FFC7CE" and fill_colour(ws["G6"]) == "FFEB9C"
    assert ws.tables["rt_problems"].ref == "A1:G6"
    assert ws.freeze_panes == "A2"


def test_empty_report_says_no_problems(tmp_path):
    out = write_validation_report([], tmp_path / "v.xlsx", "en")
    ws = openpyxl.load_workbook(out).worksheets[0]
    assert ws["F2"].value == "No problems found."
    assert ws.tables["rt_problems"].ref == "A1:G2"


def test_report_languages(tmp_path):
    for lang, head in (("sv", "Meddelande"), ("en", "Message")):
        out = write_validation_report([], tmp_path / f"{lang}.xlsx", lang)
        assert openpyxl.load_workbook(out).worksheets[0]["F1"].value == head


# ----------------------------------------------------------------------------- annotated copy


def test_annotated_copy_marks_exact_cells(returned, tmp_path):
    _wb, sheet = actions_sheet(returned)
    problems = [
        Problem(returned.name, "'Valmiss' is not a status", sheet, "K4", "error", "Valmiss"),
        Problem(returned.name, "a comment is required", sheet, "K4", "error"),
        Problem(returned.name, "progress 100 but status not done", sheet, "L5", "warning"),
        Problem(returned.name, "older template version", "", "", "warning"),
        Problem(returned.name, "sheet gone", "No such sheet", "B2", "error"),
        Problem(returned.name, HOSTILE[0], sheet, "M6", "error", HOSTILE[3]),
    ]
    out = write_annotated_copy(returned, problems, tmp_path / "SIV_korjattava.xlsx", "fi")
    assert out == tmp_path / "SIV_korjattava.xlsx"
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Korjattavaa"
    assert wb.active.title == "Korjattavaa"
    ws = wb[sheet]
    assert fill_colour(ws["K4"]) == ERROR_FILL
    assert "'Valmiss' is not a status" in ws["K4"].comment.text
    assert "a comment is required" in ws["K4"].comment.text
    assert fill_colour(ws["L5"]) == WARNING_FILL
    assert "progress 100" in ws["L5"].comment.text
    assert fill_colour(ws["M6"]) == ERROR_FILL
    # cells without problems are untouched
    assert ws["K7"].comment is None
    # the to-fix sheet lists every problem, errors first, with its cell, as text
    fix = wb["Korjattavaa"]
    listed = [[c.value for c in row] for row in fix.iter_rows(min_row=4, max_col=5)]
    assert len(listed) == len(problems)
    severities = [r[4] for r in listed]
    assert severities == sorted(severities, key=lambda s: s != "Virhe")
    assert [sheet, "K4"] in [r[:2] for r in listed]
    assert ["", "", "", "older template version", "Varoitus"] in [
        [v or "" for v in r] for r in listed
    ]
    hostile = [row for row in fix.iter_rows(min_row=4) if row[3].value == HOSTILE[0]][0]
    assert hostile[3].data_type == "s" and hostile[2].value == HOSTILE[3]
    assert hostile[2].data_type == "s"
    # the hidden identity sheet survives (the department can send the fixed copy back)
    assert any(s.sheet_state != "visible" for s in wb.worksheets)


def test_annotated_copy_of_renamed_sheet(returned, tmp_path):
    wb, sheet = actions_sheet(returned)
    wb[sheet].title = "Omat toimet"
    renamed = tmp_path / "renamed.xlsx"
    wb.save(renamed)
    p = Problem("renamed.xlsx", "not a number", "Omat toimet", "l9", "error")
    out = write_annotated_copy(renamed, [p], tmp_path / "out.xlsx", "sv")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Att åtgärda"
    assert fill_colour(wb["Omat toimet"]["L9"]) == ERROR_FILL
    assert "not a number" in wb["Omat toimet"]["L9"].comment.text


def test_annotated_copy_twice_gets_unique_sheet(returned, tmp_path):
    p = [Problem("x", "file-level", "", "", "error")]
    first = write_annotated_copy(returned, p, tmp_path / "1.xlsx", "en")
    second = write_annotated_copy(first, p, tmp_path / "2.xlsx", "en")
    names = openpyxl.load_workbook(second).sheetnames
    assert names[:2] == ["To fix (2)", "To fix"]


def test_merged_cell_problem_goes_to_top_left(tmp_path):
    src = tmp_path / "m.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    ws = wb.add_worksheet("Data")
    ws.merge_range("B2:D3", "merged")
    ws.write_comment("F1", "department's own note")
    wb.close()
    problems = [
        Problem("m.xlsx", "inside a merge", "Data", "C3", "warning"),
        Problem("m.xlsx", "ours", "Data", "F1", "error"),
    ]
    out = write_annotated_copy(src, problems, tmp_path / "o.xlsx", "en")
    ws = openpyxl.load_workbook(out)["Data"]
    assert fill_colour(ws["B2"]) == WARNING_FILL and "inside a merge" in ws["B2"].comment.text
    assert "ours" in ws["F1"].comment.text and "department's own note" in ws["F1"].comment.text


def test_macro_file_keeps_suffix(tmp_path):
    src = tmp_path / "macro.xlsm"
    wb = xlsxwriter.Workbook(str(src))
    wb.add_worksheet("Data").write("A1", "x")
    wb.close()
    out = write_annotated_copy(
        src, [Problem("macro.xlsm", "m", "Data", "A1")], tmp_path / "o.xlsx", "en"
    )
    assert out is not None and out.suffix == ".xlsm"


@pytest.mark.parametrize(
    "name,content",
    [
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
        ("calc.ods", None),
        ("table.csv", b"a;b\n1;2\n"),
        ("broken.xlsx", b"PK\x03\x04 truncated"),
        ("empty.xlsx", b""),
        ("notzip.xlsx", b"hello"),
    ],
)
def test_unannotatable_files_return_none(tmp_path, name, content):
    src = tmp_path / name
    if content is None:
        with zipfile.ZipFile(src, "w") as zf:
            zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
            zf.writestr("content.xml", "<office:document-content/>")
    else:
        src.write_bytes(content)
    p = [Problem(name, "cannot read", "", "", "error")]
    assert write_annotated_copy(src, p, tmp_path / "out" / "x.xlsx", "fi") is None
    assert not (tmp_path / "out" / "x.xlsx").exists()


def test_zip_bomb_is_not_annotated(tmp_path):
    src = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))
    assert not annotatable(src)
    assert write_annotated_copy(src, [], tmp_path / "o.xlsx", "en") is None


@pytest.fixture
def check_file_calls(monkeypatch):
    """The files safety.check_file is called on; any call fails (AssertionError)."""
    calls = []

    def refuse(path, *args, **kwargs):
        calls.append(path)
        raise AssertionError("safety.check_file called")

    monkeypatch.setattr("roundtrip.returns.safety.check_file", refuse)
    return calls


def test_checked_skips_only_the_full_safety_check(returned, tmp_path, check_file_calls):
    """checked=True: collect already ran check_file on these bytes; it is not run again."""
    problems = [Problem(returned.name, "m", "", "", "error")]
    assert annotatable(returned, checked=True)
    out = write_annotated_copy(returned, problems, tmp_path / "o.xlsx", "fi", checked=True)
    assert out == tmp_path / "o.xlsx" and openpyxl.load_workbook(out).sheetnames[0]
    assert check_file_calls == []
    # Without checked the full check runs (and its failure means "do not annotate").
    assert not annotatable(returned)
    assert write_annotated_copy(returned, problems, tmp_path / "p.xlsx", "fi") is None
    assert len(check_file_calls) == 2


def test_checked_still_refuses_by_the_cheap_checks(tmp_path, check_file_calls):
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))
    notzip = tmp_path / "notzip.xlsx"
    notzip.write_bytes(b"hello")
    no_types = tmp_path / "no_types.xlsx"
    with zipfile.ZipFile(no_types, "w") as zf:
        zf.writestr("xl/workbook.xml", "<workbook/>")
    old = tmp_path / "old.xls"
    old.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    for src in (bomb, notzip, no_types, old, tmp_path / "gone.xlsx"):
        assert not annotatable(src, checked=True), src.name
        out = tmp_path / "out" / f"{src.stem}.xlsx"
        assert write_annotated_copy(src, [], out, "en", checked=True) is None, src.name
        assert not out.exists()
    assert check_file_calls == []


def test_missing_source_returns_none(tmp_path):
    assert write_annotated_copy(tmp_path / "gone.xlsx", [], tmp_path / "o.xlsx", "en") is None


def test_copy_does_not_touch_source(returned, tmp_path):
    src = tmp_path / "src.xlsx"
    shutil.copy(returned, src)
    before = src.read_bytes()
    write_annotated_copy(src, [Problem("s", "m", "", "", "error")], tmp_path / "o.xlsx", "fi")
    assert src.read_bytes() == before


def test_control_characters_and_huge_values(returned, tmp_path):
    """Pasted junk (control characters, 40,000 characters) never costs the department its copy."""
    _wb, sheet = actions_sheet(returned)
    junk = "bad\x01value\x1b[31m" + "y" * 40_000
    problems = [Problem(returned.name, f"not a status: {junk}", sheet, "K4", "error", junk)]
    out = write_annotated_copy(returned, problems, tmp_path / "o.xlsx", "en")
    assert out is not None
    wb = openpyxl.load_workbook(out)
    assert fill_colour(wb[sheet]["K4"]) == ERROR_FILL
    listed = wb["To fix"]["C4"].value
    assert listed.startswith("bad\ufffdvalue") and len(listed) == 32767
    report = write_validation_report([("SIV", problems[0])], tmp_path / "r.xlsx", "en")
    assert openpyxl.load_workbook(report).worksheets[0]["E2"].value.startswith("bad")
