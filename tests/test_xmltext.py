"""xmltext.cell_text: hand-written sheets store a text exactly as xlsxwriter does."""

from __future__ import annotations

import re
import zipfile

import python_calamine as pc
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from roundtrip.xlsx.text import MAX_CELL_UNITS, cell_text


def _xlsxwriter_text(text: str, tmp_path) -> str:
    path = tmp_path / "w.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    wb.add_worksheet().write_string(0, 0, text)
    wb.close()
    with zipfile.ZipFile(path) as zf:
        xml = zf.read("xl/sharedStrings.xml").decode("utf-8")
    return re.search(r"<t(?: [^>]*)?>(.*)</t>", xml, re.S).group(1)


def test_escapes_as_xlsxwriter_does(tmp_path):
    for text in ["a & b <c>", "bell\x07 and nul\x00", "_x0041_ literal", "bad \ufffe\uffff", "ok"]:
        assert cell_text(text) == _xlsxwriter_text(text, tmp_path), repr(text)


def test_cut_at_excels_limit_in_utf16_units():
    assert len(cell_text("x" * 40000)) == MAX_CELL_UNITS
    astral = "\U0001f600" * 20000  # two UTF-16 units each
    assert len(cell_text(astral)) == MAX_CELL_UNITS // 2
    assert cell_text("x" * MAX_CELL_UNITS) == "x" * MAX_CELL_UNITS


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40))
def test_calamine_reads_back_exactly_the_text(text):
    """A cell written with cell_text reads back as the very text (control characters too)."""
    import io

    sheet = (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t xml:space="preserve">'
        f"{cell_text(text)}</t></is></c></row></sheetData></worksheet>"
    )
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", _TYPES)
        zf.writestr("_rels/.rels", _RELS)
        zf.writestr("xl/workbook.xml", _BOOK)
        zf.writestr("xl/_rels/workbook.xml.rels", _BOOK_RELS)
        zf.writestr("xl/worksheets/sheet1.xml", sheet)
    buf.seek(0)
    got = pc.CalamineWorkbook.from_filelike(buf).get_sheet_by_index(0).to_python()
    value = got[0][0] if got and got[0] else ""
    assert value == text.replace("\r\n", "\n").replace("\r", "\n") or value == text


_TYPES = (
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
_BOOK = (
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_BOOK_RELS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    "</Relationships>"
)
