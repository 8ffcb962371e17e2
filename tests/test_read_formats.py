"""read: number formats read straight from the XML agree with openpyxl's."""

from __future__ import annotations

import re
import zipfile

import openpyxl
import pytest
import xlsxwriter

from roundtrip.returns import cell_formats as read

FORMATS = ["0%", "0.00%", '0" %"', "0.0 %", "General", "0.00", "dd.mm.yyyy", '#,##0.0"%"']


def _refs(n: int) -> set[str]:
    return {f"{col}{r}" for col in "AB" for r in range(1, n + 1)}


def _compare(path, wanted):
    fast = read.number_formats(read.package_parts(path), wanted)
    assert fast is not None
    slow = read.inspect_cells(path, wanted)
    assert {k: v[0] for k, v in fast.items()} == {k: v[0] for k, v in slow.items()}
    return fast


def test_openpyxl_saved_file(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Toimenpiteet & mittarit"
    other = wb.create_sheet("Muu, mikä")
    for r, fmt in enumerate(FORMATS, start=1):
        for sheet in (ws, other):
            sheet.cell(r, 1).value = 0.5
            sheet.cell(r, 1).number_format = fmt
            sheet.cell(r, 2).value = 1
    path = tmp_path / "a.xlsx"
    wb.save(path)
    wanted = {"Toimenpiteet & mittarit": _refs(len(FORMATS)), "Muu, mikä": {"A1", "A3"}}
    got = _compare(path, wanted)
    assert got[("Toimenpiteet & mittarit", "A1")][0] == "0%"


def test_xlsxwriter_file_with_builtin_and_custom_formats(tmp_path):
    path = tmp_path / "b.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Sheet & 1")
    for r, fmt in enumerate(FORMATS):
        ws.write_number(r, 0, 0.5, wb.add_format({"num_format": fmt}))
        ws.write_number(r, 1, 0.25, wb.add_format({"num_format": 10}))  # built-in 0.00%
    ws.write_blank(len(FORMATS), 0, None, wb.add_format({"num_format": "0%"}))
    wb.close()
    got = _compare(path, {"Sheet & 1": _refs(len(FORMATS) + 1)})
    assert got[("Sheet & 1", "B1")][0] == "0.00%"


def test_xlsx_family_is_told_by_content_not_name(tmp_path):
    """An xlsx named .xls is inspected (openpyxl gets a file object); an .xls named .xlsx is not."""
    wb = openpyxl.Workbook()
    wb.active.title = "S"
    wb.active["A1"] = 0.5
    wb.active["A1"].number_format = "0%"
    renamed = tmp_path / "a.xls"
    wb.save(renamed)
    assert read.is_ooxml(read.package_parts(renamed))
    assert read.inspect_cells(renamed, {"S": {"A1"}})[("S", "A1")][0] == "0%"
    ole2 = tmp_path / "b.xlsx"
    ole2.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504))
    assert not read.is_ooxml(read.package_parts(ole2))


def test_error_cell_without_formula_is_found(tmp_path):
    """#DIV/0! pasted as a value (t="e"): calamine reads '', openpyxl gives the error text."""
    wb = openpyxl.Workbook()
    wb.active.title = "S"
    wb.active["A1"] = "#DIV/0!"  # openpyxl stores a known error code as an error cell
    path = tmp_path / "a.xlsx"
    wb.save(path)
    parts = read.sheet_parts(read.package_parts(path))
    assert any(read._ERROR_CELL_TAG.search(d) for d in parts.values())
    assert read.inspect_cells(path, {"S": {"A1"}})[("S", "A1")][1:] == ("", "#DIV/0!")


def _rewrite_sheet(src, dst, change):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "xl/worksheets/sheet1.xml":
                data = change(data)
            zout.writestr(info, data)


def test_unusual_cell_markup_is_left_to_openpyxl(tmp_path):
    """Prefixed cells, cells without r and a cell written twice: the fast path says 'unsure'."""
    wb = openpyxl.Workbook()
    wb.active.title = "S"
    wb.active["A1"] = 0.5
    wb.active["A1"].number_format = "0%"
    wb.active["A2"] = 0.25
    src = tmp_path / "src.xlsx"
    wb.save(src)
    wanted = {"S": {"A1"}}
    assert read.number_formats(read.package_parts(src), wanted) is not None
    changes = {
        "no-r": lambda d: d.replace(b'<c r="A2"', b"<c"),
        "twice": lambda d: d.replace(b'<c r="A2"', b'<c r="A1"'),
        "prefixed": lambda d: d.replace(b"<c ", b"<x:c ").replace(b"</c>", b"</x:c>"),
    }
    for name, change in changes.items():
        dst = tmp_path / f"{name}.xlsx"
        _rewrite_sheet(src, dst, change)
        assert read.number_formats(read.package_parts(dst), wanted) is None, name


def test_cells_with_r_not_first_are_still_read_exactly(tmp_path):
    """Attributes in another order (s before r) take the regex path and give the same formats."""
    wb = openpyxl.Workbook()
    wb.active.title = "S"
    for r, fmt in enumerate(FORMATS, start=1):
        wb.active.cell(r, 1).value = 0.5
        wb.active.cell(r, 1).number_format = fmt
    src = tmp_path / "src.xlsx"
    wb.save(src)
    dst = tmp_path / "reordered.xlsx"
    _rewrite_sheet(
        src, dst, lambda d: re.sub(rb'<c r="([A-Z]+[0-9]+)" s="([0-9]+)"', rb'<c s="\2" r="\1"', d)
    )
    with zipfile.ZipFile(dst) as zf:
        assert b'<c s="' in zf.read("xl/worksheets/sheet1.xml")
    wanted = {"S": {f"A{r}" for r in range(1, len(FORMATS) + 1)}}
    assert not read._r_first(read.sheet_parts(read.package_parts(dst))["xl/worksheets/sheet1.xml"])
    _compare(dst, wanted)


@pytest.mark.parametrize(
    "xml, r_first",
    [
        (b'<cols><col min="1"/></cols><row r="1"><c r="A1" s="1"><v>1</v></c></row>', True),
        (b'<cfRule type="x"/><c r="A1"/><c r="B1" t="s"><v>0</v></c>', True),
        (b'<c r="A1"/><c s="1" r="B1"/>', False),
        (b'<c r="A1"/><c>', False),
        (b'<c r="A1"/><c/>', False),
        (b'<c r="A1"/><c\n r="B1"/>', False),
        (b'<c r="A1"/><c  r="B1"/>', False),
        (b'<x:c r="A1"/>', False),
    ],
)
def test_r_first_means_every_cell_starts_with_its_reference(xml, r_first):
    assert read._r_first(xml) is r_first


def test_builtin_formats_are_openpyxls():
    from openpyxl.styles.numbers import BUILTIN_FORMATS

    assert read.BUILTIN_FORMATS == BUILTIN_FORMATS


def test_reading_a_return_imports_no_openpyxl(tmp_path):
    """Every reader process would pay for the import again (a fifth of a second)."""
    import subprocess
    import sys

    path = tmp_path / "r.xlsx"
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Toimenpiteet")
    ws.write_number("A1", 0.5, wb.add_format({"num_format": 10}))
    wb.close()
    code = (
        "import sys; from roundtrip.returns import cell_formats as c; "
        f"print(c.number_formats(c.package_parts({str(path)!r}), {{'Toimenpiteet': {{'A1'}}}})); "
        "print('openpyxl' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split("\n")[:2] == ["{('Toimenpiteet', 'A1'): ('0.00%', '', '')}", "False"]
