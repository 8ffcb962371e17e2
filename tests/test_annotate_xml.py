"""The annotated copy written by patching the package (roundtrip.collect.annotate), on real returns."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import openpyxl
import pytest
import soffice
import xlsxwriter
from python_calamine import CalamineWorkbook

from roundtrip.collect import annotation, feedback
from roundtrip.collect.annotate import write_fast_copy
from roundtrip.collect.feedback import ERROR_FILL, WARNING_FILL, write_annotated_copy
from roundtrip.demo.fill import ActionAnswer, fill_return
from roundtrip.errors import Problem
from roundtrip.returns.generate import generate_period
from roundtrip.workspace import Workspace
from roundtrip.xlsx.parts import column_index

ACTIONS, METRICS = "Toimenpiteet", "Mittarit"
MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"


def fill_colour(cell) -> str:
    return (cell.fill.fgColor.rgb or "")[-6:].upper() if cell.fill.fill_type == "solid" else ""


@pytest.fixture(scope="module")
def returns(aura_base, tmp_path_factory):
    """{"generated": the xlsxwriter return, "filled": the same filled and saved by openpyxl}."""
    root = tmp_path_factory.mktemp("ax") / "aura"
    shutil.copytree(aura_base, root)
    result = generate_period(Workspace(root), "2025Q3", ["SIV"], now=dt.datetime(2025, 9, 30))
    src = result.files[0].path
    filled = fill_return(
        src, root / "filled.xlsx", {"P1-08": ActionAnswer("Valmis", 100, "ok")}, signer="S"
    )
    return {"generated": src, "filled": filled}


def problems_for(name: str) -> list[Problem]:
    return [
        Problem(name, "'Valmiss' is not a status", ACTIONS, "K4", "error", "Valmiss"),
        Problem(name, "a comment is required", ACTIONS, "K4", "error"),
        Problem(name, "progress 100 but status not done", ACTIONS, "L5", "warning"),
        Problem(name, "older template version", "", "", "warning"),
        Problem(name, "sheet gone", "No such sheet", "B2", "error"),
        Problem(name, "=1+1", "toimenpiteet", "m6", "error", "=1+1"),
        Problem(name, "number?", METRICS, "K4", "warning", "+1+1"),
    ]


MARKED = {(ACTIONS, "K4"): ERROR_FILL, (ACTIONS, "L5"): WARNING_FILL, (ACTIONS, "M6"): ERROR_FILL}
MARKED[(METRICS, "K4")] = WARNING_FILL


@pytest.fixture(params=["generated", "filled"])
def fast_copy(request, returns, tmp_path):
    src = returns[request.param]
    out = write_fast_copy(src, problems_for(src.name), tmp_path / "copy.xlsx", "fi")
    assert out == tmp_path / "copy.xlsx", "the fast path declined"
    return src, out


def _style(cell) -> tuple:
    p, a = cell.protection, cell.alignment
    return (cell.number_format, p.locked, p.hidden, cell.font.b, cell.font.sz, a.wrap_text)


def test_fills_exactly_the_problem_cells_and_keeps_their_style(fast_copy):
    src, out = fast_copy
    before, after = openpyxl.load_workbook(src), openpyxl.load_workbook(out)
    seen = set()
    for ws in before.worksheets:
        copy = after[ws.title]
        for row in copy.iter_rows():
            for cell in row:
                key = (ws.title, cell.coordinate)
                orig = ws[cell.coordinate]
                assert cell.value == orig.value, key
                assert _style(cell) == _style(orig), key
                if key in MARKED:
                    seen.add(key)
                    assert fill_colour(cell) == MARKED[key], key
                else:
                    assert fill_colour(cell) == fill_colour(orig), key
                    assert cell.comment is None, key
    assert seen == set(MARKED)
    assert after[ACTIONS]["K4"].protection.locked is False  # an input cell stays unlocked


def test_comments_hold_the_messages(fast_copy):
    _src, out = fast_copy
    ws = openpyxl.load_workbook(out)[ACTIONS]
    assert ws["K4"].comment.text == (
        "Virhe: 'Valmiss' is not a status\nVirhe: a comment is required"
    )
    assert ws["K4"].comment.author == "roundtrip"
    assert ws["M6"].comment.text == "Virhe: =1+1"
    assert "progress 100" in ws["L5"].comment.text


def test_list_sheet_first_active_selected_and_linked(fast_copy):
    _src, out = fast_copy
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames[0] == "Korjattavaa" and wb.active.title == "Korjattavaa"
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == ["Korjattavaa"]
    fix = wb["Korjattavaa"]
    assert fix["A1"].font.b and fix["A1"].font.sz == 12 and fix["D3"].font.b
    listed = [[c.value for c in row] for row in fix.iter_rows(min_row=4, max_col=5)]
    assert [r[4] for r in listed] == ["Virhe"] * 4 + ["Varoitus"] * 3
    assert listed[0] == [ACTIONS, "K4", "Valmiss", "'Valmiss' is not a status", "Virhe"]
    assert listed[2][:2] == ["No such sheet", "B2"]
    links = {
        c.coordinate: c.hyperlink.location for row in fix.iter_rows() for c in row if c.hyperlink
    }
    assert links == {
        "B4": "'Toimenpiteet'!K4",
        "B5": "'Toimenpiteet'!K4",
        "B7": "'Toimenpiteet'!M6",
        "B8": "'Toimenpiteet'!L5",
        "B10": "'Mittarit'!K4",
    }
    formula_like = fix["C7"]
    assert formula_like.value == "=1+1" and formula_like.data_type == "s"
    assert fill_colour(fix["E4"]) == ERROR_FILL and fill_colour(fix["E8"]) == WARNING_FILL
    assert fix["D4"].alignment.wrap_text and fix.freeze_panes == "A4"
    assert fix.page_setup.orientation == "landscape" and fix.print_title_rows == "$3:$3"
    assert fix.column_dimensions["D"].width == 80


def test_sheet_local_names_still_on_their_sheets(fast_copy):
    src, out = fast_copy
    before, after = openpyxl.load_workbook(src), openpyxl.load_workbook(out)
    for ws in before.worksheets:
        assert after[ws.title].print_title_rows == ws.print_title_rows, ws.title
        assert after[ws.title].auto_filter.ref == ws.auto_filter.ref, ws.title
        assert after[ws.title].sheet_state == ws.sheet_state
    assert after.defined_names["rt_status"].attr_text == before.defined_names["rt_status"].attr_text


def test_calamine_reads_the_copy(fast_copy):
    _src, out = fast_copy
    book = CalamineWorkbook.from_path(out)
    assert book.sheet_names[0] == "Korjattavaa"
    rows = book.get_sheet_by_index(0).to_python()
    assert rows[3][:2] == [ACTIONS, "K4"] and rows[6][2] == "=1+1"


def test_same_content_as_the_openpyxl_path(returns, tmp_path):
    src = returns["filled"]
    problems = problems_for(src.name)
    fast = write_fast_copy(src, problems, tmp_path / "fast.xlsx", "en")
    wb = feedback._load(src, keep_vba=False)
    feedback._annotate(wb, problems, annotation.words("en"))
    wb.save(tmp_path / "slow.xlsx")
    a, b = openpyxl.load_workbook(fast), openpyxl.load_workbook(tmp_path / "slow.xlsx")
    assert a.sheetnames == b.sheetnames
    for ws in b.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                other = a[ws.title][cell.coordinate]
                assert (other.value or None) == (cell.value or None), cell.coordinate
                assert fill_colour(other) == fill_colour(cell), cell.coordinate
                assert (other.comment and other.comment.text) == (
                    cell.comment and cell.comment.text
                )


def test_missing_rows_and_cells_are_created_in_order(returns, tmp_path):
    src = returns["generated"]
    problems = [
        Problem("x", "far below", METRICS, "C40", "warning"),
        Problem("x", "between", METRICS, "B30", "error"),
        Problem("x", "past the row", ACTIONS, "Q5", "warning"),
        Problem("x", "before the row", ACTIONS, "A2", "warning"),  # row 2 holds only A2
        Problem("x", "in an empty row", "Ohjeet", "C3", "error"),
    ]
    out = write_fast_copy(src, problems, tmp_path / "o.xlsx", "en")
    assert out is not None
    wb = openpyxl.load_workbook(out)
    assert fill_colour(wb[METRICS]["C40"]) == WARNING_FILL
    assert fill_colour(wb[METRICS]["B30"]) == ERROR_FILL
    assert fill_colour(wb[ACTIONS]["Q5"]) == WARNING_FILL
    assert "between" in wb[METRICS]["B30"].comment.text
    with zipfile.ZipFile(out) as zf:
        for name in zf.namelist():
            if not name.startswith("xl/worksheets/sheet"):
                continue
            rows = ET.fromstring(zf.read(name)).find(f"{MAIN}sheetData")
            numbers = [int(r.get("r")) for r in rows]
            assert numbers == sorted(set(numbers)), name
            for r in rows:
                cols = [column_index(re.sub("[0-9]", "", c.get("r"))) for c in r]
                assert cols == sorted(set(cols)), (name, r.get("r"))


def test_merged_cell_goes_to_top_left(tmp_path):
    src = tmp_path / "m.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    ws = wb.add_worksheet("Data")
    ws.merge_range("B2:D3", "merged")
    wb.close()
    problems = [Problem("m.xlsx", "inside a merge", "Data", "C3", "warning")]
    out = write_fast_copy(src, problems, tmp_path / "o.xlsx", "en")
    assert out is not None
    copy = openpyxl.load_workbook(out)
    assert fill_colour(copy["Data"]["B2"]) == WARNING_FILL
    assert "inside a merge" in copy["Data"]["B2"].comment.text
    assert copy["To fix"]["B4"].value == "B2"


def test_second_copy_gets_a_unique_title(returns, tmp_path):
    src = returns["generated"]
    p = [Problem("x", "not a status", ACTIONS, "K4", "error")]
    first = write_fast_copy(src, p, tmp_path / "1.xlsx", "en")
    second = write_fast_copy(
        first, [Problem("x", "file", "", "", "error")], tmp_path / "2.xlsx", "en"
    )
    assert second is not None
    wb = openpyxl.load_workbook(second)
    assert wb.sheetnames[:3] == ["To fix (2)", "To fix", "Ohjeet"]
    assert wb["To fix (2)"].print_title_rows == wb["To fix"].print_title_rows == "$3:$3"
    assert [ws.title for ws in wb.worksheets if ws.sheet_view.tabSelected] == ["To fix (2)"]
    # annotating a sheet that now has comments is left to openpyxl
    assert write_fast_copy(first, p, tmp_path / "3.xlsx", "en") is None


def test_no_problems_line(returns, tmp_path):
    out = write_fast_copy(returns["generated"], [], tmp_path / "o.xlsx", "en")
    assert openpyxl.load_workbook(out)["To fix"]["D4"].value == "No problems found."


def test_write_annotated_copy_takes_the_fast_path(returns, tmp_path, monkeypatch):
    def no_openpyxl(*_a, **_k):
        raise AssertionError("openpyxl path used")

    monkeypatch.setattr(feedback, "_load", no_openpyxl)
    src = returns["filled"]
    out = write_annotated_copy(src, problems_for(src.name), tmp_path / "o.xlsx", "sv")
    assert out == tmp_path / "o.xlsx"
    assert openpyxl.load_workbook(out).sheetnames[0] == "Att åtgärda"


def test_declined_files_fall_back_to_openpyxl(tmp_path):
    src = tmp_path / "c.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    ws = wb.add_worksheet("Data")
    ws.write_comment("F1", "department's own note")
    wb.close()
    problems = [Problem("c.xlsx", "ours", "Data", "F1", "error")]
    assert write_fast_copy(src, problems, tmp_path / "fast.xlsx", "en") is None
    assert not (tmp_path / "fast.xlsx").exists()
    out = write_annotated_copy(src, problems, tmp_path / "o.xlsx", "en")
    cell = openpyxl.load_workbook(out)["Data"]["F1"]
    assert fill_colour(cell) == ERROR_FILL and "department's own note" in cell.comment.text
    macro = tmp_path / "m.xlsm"
    shutil.copy(src, macro)
    assert write_fast_copy(macro, problems, tmp_path / "m_out.xlsx", "en") is None


def test_row_without_r_declines(tmp_path):
    src = tmp_path / "s.xlsx"
    wb = xlsxwriter.Workbook(str(src))
    wb.add_worksheet("Data").write("A1", "x")
    wb.close()
    patched = tmp_path / "nor.xlsx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(patched, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(b'<row r="1" spans="1:1">', b"<row>")
            zout.writestr(info, data)
    problems = [Problem("s", "m", "Data", "A1", "error")]
    assert write_fast_copy(patched, problems, tmp_path / "o.xlsx", "en") is None
    assert write_annotated_copy(patched, problems, tmp_path / "o.xlsx", "en") is not None


# ----------------------------------------------------------------------------- LibreOffice


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_resaved_return(returns, tmp_path):
    resaved = soffice.convert(returns["generated"], tmp_path / "lo")
    problems = problems_for(resaved.name)
    out = write_fast_copy(resaved, problems, tmp_path / "annotated" / "copy.xlsx", "fi")
    assert out is not None, "the fast path declined a LibreOffice file"
    again = soffice.convert(out, tmp_path / "lo2")
    wb = openpyxl.load_workbook(again)
    assert wb.sheetnames[0] == "Korjattavaa"
    assert fill_colour(wb[ACTIONS]["K4"]) == ERROR_FILL
    assert fill_colour(wb[ACTIONS]["L5"]) == WARNING_FILL
    assert "a comment is required" in wb[ACTIONS]["K4"].comment.text
    assert wb["Korjattavaa"]["B4"].value == "K4"


def test_every_part_is_well_formed_and_untouched_parts_are_copied(fast_copy):
    src, out = fast_copy
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        for name in b.namelist():
            if name.endswith((".xml", ".rels", ".vml")):
                ET.fromstring(b.read(name))  # raises when not well-formed
        for name in ("xl/theme/theme1.xml", "docProps/core.xml", "xl/worksheets/sheet5.xml"):
            assert b.read(name) == a.read(name), name
        assert b.namelist()[: len(a.namelist())] == a.namelist()


def test_excel_namespace_prefixes_are_kept(returns, tmp_path):
    """Excel's mc:Ignorable roots and x14ac attributes survive as written (no re-serialising)."""
    src = tmp_path / "excelish.xlsx"
    root = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
        'mc:Ignorable="x14ac xr" '
        'xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac" '
        'xmlns:xr="http://schemas.microsoft.com/office/spreadsheetml/2014/revision" '
        'xr:uid="{00000000-0001-0000-0000-000000000000}">'
    )
    with zipfile.ZipFile(returns["generated"]) as zin, zipfile.ZipFile(src, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet2.xml":
                text = data.decode()
                text = re.sub(r"<worksheet[^>]*>", root, text, count=1)
                text = text.replace('<row r="5" ', '<row r="5" x14ac:dyDescent="0.25" ')
                data = text.encode()
            zout.writestr(info, data)
    out = write_fast_copy(src, problems_for(src.name), tmp_path / "o.xlsx", "en")
    assert out is not None
    with zipfile.ZipFile(out) as zf:
        sheet = zf.read("xl/worksheets/sheet2.xml").decode()
    assert sheet.count(root) == 1 and 'x14ac:dyDescent="0.25"' in sheet
    assert fill_colour(openpyxl.load_workbook(out)[ACTIONS]["L5"]) == WARNING_FILL


def test_sheet_title_with_quote_and_ampersand(returns, tmp_path):
    wb = openpyxl.load_workbook(returns["filled"])
    wb[ACTIONS].title = "R&D's <plan>"
    src = tmp_path / "renamed.xlsx"
    wb.save(src)
    problems = [Problem("r", "not a number", "r&d's <PLAN>", "L9", "error")]
    out = write_fast_copy(src, problems, tmp_path / "o.xlsx", "en")
    assert out is not None
    copy = openpyxl.load_workbook(out)
    assert fill_colour(copy["R&D's <plan>"]["L9"]) == ERROR_FILL
    fix = copy["To fix"]
    assert fix["A4"].value == "R&D's <plan>"
    assert fix["B4"].hyperlink.location == "'R&D''s <plan>'!L9"


def _mixed_workbook(path: Path) -> Path:
    """A table on the problem sheet, another sheet's own note (VML), an empty sheet."""
    wb = xlsxwriter.Workbook(str(path))
    data = wb.add_worksheet("Data")
    data.add_table("A1:C4", {"data": [[1, 2, 3], [4, 5, 6], [7, 8, 9]]})
    wb.add_worksheet("Notes").write_comment("A1", "their own note")
    wb.add_worksheet("Empty")
    wb.close()
    return path


def test_tables_other_notes_and_empty_sheets(tmp_path):
    src = _mixed_workbook(tmp_path / "mixed.xlsx")
    problems = [
        Problem("m", "in the table", "Data", "B3", "error"),
        Problem("m", "on an empty sheet", "Empty", "C5", "warning"),
    ]
    out = write_fast_copy(src, problems, tmp_path / "o.xlsx", "en")
    assert out is not None
    wb = openpyxl.load_workbook(out)
    assert fill_colour(wb["Data"]["B3"]) == ERROR_FILL and wb["Data"]["B3"].value == 5
    assert "in the table" in wb["Data"]["B3"].comment.text
    assert fill_colour(wb["Empty"]["C5"]) == WARNING_FILL
    assert wb["Notes"]["A1"].comment.text == "their own note"
    assert list(wb["Data"].tables) == ["Table1"]
    assert wb["To fix"].print_title_rows == "$3:$3"
    with zipfile.ZipFile(out) as zf:
        vml = [zf.read(n).decode() for n in zf.namelist() if n.endswith(".vml")]
    blocks = [re.search(r'o:idmap v:ext="edit" data="([0-9,]+)"', v).group(1) for v in vml]
    assert len(vml) == 3 and len(set(blocks)) == 3  # shape ids never collide


@pytest.mark.libreoffice
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_libreoffice_opens_the_mixed_copy(tmp_path):
    src = _mixed_workbook(tmp_path / "mixed.xlsx")
    problems = [Problem("m", "in the table", "Data", "B3", "error")]
    out = write_fast_copy(src, problems, tmp_path / "a" / "mixed.xlsx", "en")
    assert out is not None
    wb = openpyxl.load_workbook(soffice.convert(out, tmp_path / "lo"))
    assert wb.sheetnames[0] == "To fix"
    assert fill_colour(wb["Data"]["B3"]) == ERROR_FILL
    assert "in the table" in wb["Data"]["B3"].comment.text


def test_untouched_parts_are_copied_compressed_as_they_are(fast_copy):
    """Only the parts the annotation changes are deflated again (zip_copy)."""
    src, out = fast_copy
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        assert b.testzip() is None
        same = [i.filename for i in a.infolist() if a.read(i) == b.read(i.filename)]
        assert "xl/theme/theme1.xml" in same
        for name in same:
            x, y = a.getinfo(name), b.getinfo(name)
            assert (y.CRC, y.compress_size, y.compress_type) == (
                x.CRC,
                x.compress_size,
                x.compress_type,
            )


def test_clean_replaces_what_openpyxl_refuses_and_xml_cannot_hold():
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    text = "".join(map(chr, range(0x30))) + "ok\u00e4"
    assert annotation.clean(text) == ILLEGAL_CHARACTERS_RE.sub("\ufffd", text)
    # U+FFFE, U+FFFF and lone surrogates openpyxl would write as they are: not XML
    assert annotation.clean("a\ufffeb\uffffc\ud800") == "a\ufffdb\ufffdc\ufffd"
    assert annotation.clean("a\tb\nc\rd\x07") == "a\tb\nc\rd\ufffd"


def test_a_fast_copy_imports_no_openpyxl(returns, tmp_path):
    """Each process making copies would pay for the import again (half a second)."""
    import subprocess
    import sys

    src = returns["filled"]
    code = (
        "import sys; from roundtrip.errors import Problem; "
        "from roundtrip.collect.feedback import write_annotated_copy as w; "
        f"p = [Problem('f', 'a\\x07b', {ACTIONS!r}, 'K4', 'error')]; "
        f"print(w(sys.argv[1], p, sys.argv[2], 'fi').name, 'openpyxl' in sys.modules)"
    )
    run = [sys.executable, "-c", code, str(src), str(tmp_path / "o.xlsx")]
    out = subprocess.run(run, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["o.xlsx", "False"]
