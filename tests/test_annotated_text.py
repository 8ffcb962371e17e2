"""The text of an annotated copy, both ways of writing one (collect.annotate's patching, and
feedback's openpyxl fallback, taken when the sheet has notes of its own): well-formed XML
whatever the problem says, Excel's 32,767 UTF-16 units, a literal _xHHHH_ shown as it is, and a failed save that
leaves the target as it was."""

from __future__ import annotations

import re
import zipfile
from xml.etree import ElementTree

import openpyxl
import pytest
import xlsxwriter
from python_calamine import CalamineWorkbook

from roundtrip.collect.feedback import write_annotated_copy
from roundtrip.errors import Problem
from roundtrip.workspace import TEMP_PREFIX
from roundtrip.xlsx.text import COMMENT_UNITS, MAX_CELL_UNITS

EMOJI = "\U0001f600"  # two UTF-16 units


def _workbook(path, own_note: bool):
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Data")
    ws.write_string("A1", "answer")
    ws.write_number("B2", 3)
    if own_note:  # the fast path declines a sheet with comments: openpyxl writes the copy
        ws.write_comment("Z9", "the department's own note")
    wb.close()
    return path


@pytest.fixture(params=["fast", "openpyxl"])
def source(request, tmp_path):
    return _workbook(tmp_path / "src.xlsx", own_note=request.param == "openpyxl")


def _copy(source, problems):
    out = write_annotated_copy(source, problems, source.with_name("out.xlsx"), "en")
    assert out is not None and out.suffix == source.suffix
    return out


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _cell_texts(out) -> list[str]:
    """Every <t> of the copy's comments and sheets, as an XML parser reads it."""
    texts = []
    with zipfile.ZipFile(out) as zf:
        for name in zf.namelist():
            if name.endswith(".xml") and ("comments" in name or "worksheets/" in name):
                root = ElementTree.fromstring(zf.read(name))
                texts += [t.text or "" for t in root.iter() if t.tag.endswith("}t")]
    return texts


def test_noncharacters_are_not_written_raw(source):
    """U+FFFE and U+FFFF cannot be in XML: the copy must still be well-formed everywhere."""
    bad = "bad \ufffe and \uffff end"
    problems = [Problem("f", bad, "Data", "A1", "error", bad), Problem("f", bad, "", "", "error")]
    out = _copy(source, problems)
    with zipfile.ZipFile(out) as zf:
        for name in zf.namelist():
            if name.endswith((".xml", ".rels", ".vml")):
                ElementTree.fromstring(zf.read(name))  # raises when not well-formed
    assert any("bad \ufffd and \ufffd end" in t for t in _cell_texts(out))
    rows = CalamineWorkbook.from_path(out).get_sheet_by_index(0).to_python()
    assert "bad \ufffd and \ufffd end" in [str(v) for row in rows for v in row]


def test_texts_are_cut_at_excels_limit_in_utf16_units(source):
    long = "xy" + EMOJI * 20_000  # 40,002 UTF-16 units, 20,002 characters
    out = _copy(source, [Problem("f", long, "Data", "A1", "error", long)])
    texts = [t for t in _cell_texts(out) if t.startswith(("xy", "Error: xy"))]
    assert len(texts) >= 3  # the comment, and the value and message in the list
    for t in texts:
        assert _utf16_units(t) <= MAX_CELL_UNITS
        assert not re.search("[\ud800-\udfff]", t)  # no half of a pair
    comment = next(t for t in texts if t.startswith("Error: "))
    assert COMMENT_UNITS - 2 < _utf16_units(comment) <= COMMENT_UNITS
    value = next(t for t in texts if t.startswith("xy"))
    assert _utf16_units(value) == MAX_CELL_UNITS - 1  # the cut does not split an emoji


def test_a_literal_escape_lookalike_is_shown_as_it_is(source):
    """Excel decodes _xHHHH_ in cell and comment text: a literal one must be protected."""
    text = "code _x0041_ here"
    out = _copy(source, [Problem("f", text, "Data", "A1", "error", text)])
    rows = CalamineWorkbook.from_path(out).get_sheet_by_index(0).to_python()
    shown = [str(v) for row in rows for v in row]
    assert shown.count(text) == 2  # value and message, not "code A here"
    with zipfile.ZipFile(out) as zf:
        comments = [n for n in zf.namelist() if re.search(r"comments?\d*\.xml$", n)]
        xml = zf.read(comments[0]).decode()
    assert "code _x005F_x0041_ here" in xml


def test_failed_openpyxl_save_leaves_the_target_as_it_was(tmp_path, monkeypatch):
    """The fallback's save writes part of the file, then fails: the old copy stays, and no
    temporary file is left beside it."""
    src = _workbook(tmp_path / "src.xlsx", own_note=True)
    target = tmp_path / "out" / "copy.xlsx"
    target.parent.mkdir()
    target.write_bytes(b"the earlier copy")

    def half_save(self, filename):
        with open(filename, "wb") as fh:
            fh.write(b"PK\x03\x04 half a workbook")
        raise ValueError("openpyxl cannot write this")

    monkeypatch.setattr(openpyxl.Workbook, "save", half_save)
    problems = [Problem("f", "bad", "Data", "A1", "error")]
    assert write_annotated_copy(src, problems, target, "en") is None
    assert target.read_bytes() == b"the earlier copy"
    assert [p.name for p in target.parent.iterdir()] == ["copy.xlsx"]
    assert not any(p.name.startswith(TEMP_PREFIX) for p in tmp_path.rglob("*"))
