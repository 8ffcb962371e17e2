"""roundtrip.xlsx.text: the one escaping routine, column-letter routine and set of limits."""

from __future__ import annotations

import ast
import datetime as dt
import io
import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st
from xlsxwriter.utility import xl_col_to_name

import roundtrip
from roundtrip.xlsx.text import (
    LETTERS,
    MAX_CELL_UNITS,
    MAX_COLS,
    MAX_ROWS,
    MAX_SHEET_NAME,
    blank_cell,
    cell_text,
    column_index,
    column_letter,
    fit,
    legal,
    number_cell,
    protected,
    string_cell,
    xml_attr,
    xml_escape,
)

EMOJI = "\U0001f600"  # two UTF-16 units
PACKAGE = Path(roundtrip.__file__).parent


def _units(text: str) -> int:
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def _xlsxwriter_text(text: str) -> str:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    wb.add_worksheet().write_string(0, 0, text)
    wb.close()
    xml = zipfile.ZipFile(buf).read("xl/sharedStrings.xml").decode("utf-8")
    return re.search(r"<t(?: [^>]*)?>(.*)</t>", xml, re.S).group(1)


def test_limits_are_excels():
    assert (MAX_ROWS, MAX_COLS, MAX_CELL_UNITS, MAX_SHEET_NAME) == (1048576, 16384, 32767, 31)
    assert column_letter(MAX_COLS) == "XFD"


def test_cell_text_is_xlsxwriters_for_every_special_character():
    texts = ["cr\r\nlf", "tab\t", "\x00\x1f\x7f", "_x005F_ and _xabcd_", "&amp; <b>", "\ufffe"]
    for text in texts:
        assert cell_text(text) == _xlsxwriter_text(text), repr(text)


def test_cell_text_of_a_lone_surrogate_is_a_replacement_character():
    assert cell_text("a\ud800b") == "a\ufffdb"
    assert cell_text("a\ud800b").encode("utf-8")


def test_fit_counts_utf16_units_and_never_splits_a_pair():
    assert fit("x" * 40_000) == "x" * MAX_CELL_UNITS
    assert fit("xy" + EMOJI * 20_000) == "xy" + EMOJI * 16_382  # 32,766 units
    assert fit("x" + EMOJI * 20_000) == "x" + EMOJI * 16_383  # 32,767 units
    assert fit(EMOJI * 10, 5) == EMOJI * 2
    assert fit("ab\ud800" + "c" * 40_000, 3) == "ab\ud800"  # a lone one is not a pair


@settings(max_examples=80, deadline=None)
@given(st.text(max_size=60), st.integers(1, 40))
def test_legal_text_is_xml_and_within_the_limit(text, limit):
    got = legal(text, limit)
    assert _units(got) <= limit
    assert not re.search("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]", got)
    doc = f"<t>{xml_escape(got)}</t>".encode()
    assert ElementTree.fromstring(doc).text == (got or None)  # a carriage return kept too


def test_legal_replaces_what_xml_cannot_hold_and_keeps_tab_and_line_breaks():
    assert legal("a\x00b\x0bc\ufffed\uffffe\udc00f") == "a\ufffdb\ufffdc\ufffdd\ufffde\ufffdf"
    assert legal("t\tn\nr\r") == "t\tn\nr\r"
    assert legal(None) == "" and legal(12) == "12"


def test_protected_is_cell_texts_protection():
    for text in ["_x0041_", "a_X00ff_b", "_x004_", "plain"]:
        assert cell_text(protected(text)).count("_x005F") == 2 * cell_text(text).count("_x005F")
        assert protected(text) == cell_text(text)  # nothing else to escape in these


def test_xml_attr_round_trips_through_a_parser():
    value = 'a "b" & <c>\n\t\rd'
    element = ElementTree.fromstring(f'<x v="{xml_attr(value)}"/>')
    assert element.get("v") == value


def test_column_letters_both_ways_for_every_column():
    for n in range(1, MAX_COLS + 1):
        letters = column_letter(n)
        assert letters == xl_col_to_name(n - 1)
        assert column_index(letters) == column_index(letters.lower()) == n
    assert LETTERS[:3] == ("A", "B", "C") and LETTERS[-1] == "ZZ"
    assert column_letter(0) == ""


# --------------------------------------------------------------------------- the cell writer


def test_bulk_rows_are_the_cell_writers_cells():
    from roundtrip.xlsx.bulk import row_xml

    plain = [(0, "plain", 1), (1, 2.5, 2), (2, None, 3), (3, 7, 1), (4, 1e20, 1)]
    expected = (
        string_cell("A1", ' s="1"', "plain")
        + number_cell("B1", ' s="2"', 2.5)
        + blank_cell("C1", ' s="3"')
        + number_cell("D1", ' s="1"', 7)
        + number_cell("E1", ' s="1"', 1e20)
    )
    assert row_xml(0, plain) == f'<row r="1">{expected}</row>'
    careful = [(0, " lead", 1), (1, "a & _x0041_\x01", 1), (2, 3.0, 1)]
    expected = (
        string_cell("A2", ' s="1"', " lead")
        + string_cell("B2", ' s="1"', "a & _x0041_\x01")
        + number_cell("C2", ' s="1"', 3.0)
    )
    assert row_xml(1, careful, 20) == f'<row r="2" ht="20" customHeight="1">{expected}</row>'
    assert ' xml:space="preserve">' in string_cell("A2", "", " lead")


def test_streamed_rows_are_the_cell_writers_cells(tmp_path):
    from roundtrip.xlsx.stream import StreamBook
    from roundtrip.xlsx.tables import NUM, Col

    book = StreamBook(tmp_path / "s.xlsx")
    table = book.table("Data", "rt_data", [Col("a", 10), Col("n", 8, NUM)], ["A", "N"])
    table.add(["plain", 3.0])
    table.add(["x & _x0041_", 0.1 + 0.2])
    table.close()
    book.close()
    with zipfile.ZipFile(tmp_path / "s.xlsx") as zf:
        xml = zf.read("xl/worksheets/sheet1.xml").decode()
    for ref, text, number in (("2", "plain", 3.0), ("3", "x & _x0041_", 0.1 + 0.2)):
        cells = string_cell(f"A{ref}", "", text, True) + number_cell(f"B{ref}", "", number)
        assert f'<row r="{ref}">{cells}</row>' in xml


def _sheet_texts(path) -> list[str]:
    with zipfile.ZipFile(path) as zf:
        names = [n for n in zf.namelist() if n.endswith(".xml") and "sharedStrings" in n]
        root = ElementTree.fromstring(zf.read(names[0]))
    return [t.text or "" for t in root.iter() if t.tag.endswith("}t")]


def test_xlsxwriter_writers_cut_at_utf16_units_too(tmp_path):
    """xlsxwriter cuts a text at 32,767 characters: emoji would make a 65,534-unit cell."""
    from roundtrip.collect.feedback import write_validation_report
    from roundtrip.errors import Problem
    from roundtrip.xlsx.tables import Col, XlsxBook

    long = "xy" + EMOJI * 20_000
    report = write_validation_report(
        [("D", Problem("f", long, "S", "A1"))], tmp_path / "r.xlsx", "en"
    )
    book = XlsxBook(tmp_path / "t.xlsx", "t", "a")
    table = book.table("Data", "rt_data", [Col("a", 10)], ["A"])
    table.add([long])
    table.close()
    book.close()
    for path in (report, tmp_path / "t.xlsx"):
        texts = [t for t in _sheet_texts(path) if t.startswith("xy")]
        assert texts and all(_units(t) == MAX_CELL_UNITS - 1 for t in texts), path


# --------------------------------------------------------------------------- one of each


def _package_sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.parent.name == "xlsx" and path.name == "text.py":
            continue
        yield path, path.read_text(encoding="utf-8")


def test_no_other_column_letter_routine():
    """Column letters <-> numbers are computed only in xlsx/text.py."""
    base26 = re.compile(r"divmod\([^)]*,\s*26\)|\*\s*26\s*\+|xl_col_to_name|get_column_letter")
    found = [str(p.relative_to(PACKAGE)) for p, src in _package_sources() if base26.search(src)]
    assert found == []


def test_no_other_xml_character_set_or_cell_limit():
    """The XML-illegal characters, the _xHHHH_ pattern and Excel's cell and row limits are
    spelt only in xlsx/text.py. (programme/table_import strips control characters from an
    imported table's names, and errors and returns/contract clean text for a terminal and
    for file names: other purposes, other sets.)"""
    other_purposes = {"programme/table_import.py"}
    found = []
    for path, src in _package_sources():
        name = str(path.relative_to(PACKAGE))
        for node in ast.walk(ast.parse(src)):
            value = node.value if isinstance(node, ast.Constant) else None
            if isinstance(value, int) and value in (32767, 1048576):
                found.append(f"{name}: {value}")
            elif isinstance(value, str) and name not in other_purposes:
                raw = any(r in value for r in (r"\x0e-\x1f", r"\x0b-\x1f", r"_x[0-9"))
                if raw or "\ufffe" in value or ("\x0e" in value and "\x1f" in value):
                    found.append(f"{name}: {value[:40]!r}")
    assert found == []


@given(st.datetimes(min_value=dt.datetime(1900, 3, 1), max_value=dt.datetime(2200, 1, 1)))
@settings(max_examples=300, deadline=None)
def test_a_streamed_date_is_the_serial_xlsxwriter_writes(moment):
    """The streamed register's date cells hold the number xlsxwriter's write_datetime does."""
    from xlsxwriter.utility import _datetime_to_excel_datetime

    from roundtrip.xlsx.stream import excel_serial

    assert excel_serial(moment) == _datetime_to_excel_datetime(moment, False, False)
