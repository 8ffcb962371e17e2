"""Reading action tables (roundtrip.programme.tables): real files of every format, built here
with the libraries that write them, and every kind of bad input refused with one line."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import shutil
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import docx
import openpyxl
import pytest
from click.testing import CliRunner
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.parser import parse_xml
from docx.shared import Pt

from roundtrip.cli import main
from roundtrip.errors import ConfigError, UsageError
from roundtrip.programme.tables import read as table_read
from roundtrip.programme.tables.read import RawLine, read_table

W_NS = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
SEED = Path(__file__).parent / "fixtures" / "elinvoimaohjelma-2023-2026.txt"


def refused(path: Path, error: type[Exception] = ConfigError) -> str:
    """The one line `read_table` refuses `path` with."""
    with pytest.raises(error) as info:
        read_table(path)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    return message


def rows(lines: list[RawLine]) -> list[tuple]:
    return [(line.number, line.cells) for line in lines]


# --------------------------------------------------------------------------- Word


def word_table(path: Path) -> Path:
    """A programme as a municipality writes it in Word: headings, two tables, merged cells,
    a note between the tables, a nested table, tracked changes."""
    d = docx.Document()
    d.add_heading("Elinvoimaohjelma 2025–2027", 0)  # Title
    d.add_paragraph("")  # an empty paragraph: skipped, not counted
    d.add_heading("Painopiste 1. Yritykset", 1)
    t = d.add_table(rows=4, cols=4)
    t.cell(0, 0).text, t.cell(0, 1).text, t.cell(0, 2).text = "KUKA", "MITÄ", "MITTARI / SEURANTA"
    t.cell(0, 2).merge(t.cell(0, 3))  # a header over two columns
    t.cell(1, 0).text = "Sivistystoimi"
    t.cell(1, 0).merge(t.cell(2, 0))  # the department over two rows
    t.cell(1, 1).text, t.cell(1, 2).text, t.cell(1, 3).text = "Kirjastoauto", "Käynnit", "2025"
    t.cell(2, 1).text, t.cell(2, 2).text = "Lukupiiri", "Osallistujat"
    t.cell(3, 0).text = "Tekninen toimi"
    t.cell(3, 1).text = "Kaavoitus"
    t.cell(3, 1).add_paragraph("- asemakaava\u00a0keskustaan")  # a second paragraph, NBSP
    inner = t.cell(3, 2).add_table(rows=2, cols=2)  # a table inside a cell
    inner.cell(0, 0).text, inner.cell(0, 1).text = "Kaavat", "3 kpl"
    inner.cell(1, 0).text = "Lausunnot"
    note = d.add_paragraph("Huom: ")
    note.add_run("taulukko jatkuu.").bold = True
    # a tracked insertion is text, a tracked deletion is not
    note._p.append(
        parse_xml(f"<w:ins {W_NS} w:id='1' w:author='A'><w:r><w:t> Lisätty</w:t></w:r></w:ins>")
    )
    note._p.append(
        parse_xml(
            f"<w:del {W_NS} w:id='2' w:author='A'><w:r><w:delText> Poistettu</w:delText></w:r></w:del>"
        )
    )
    otsikko = d.styles.add_style("Otsikko 2", WD_STYLE_TYPE.PARAGRAPH)
    otsikko.font.size = Pt(14)
    d.add_paragraph("Painopiste 2. Asuminen", style="Otsikko 2")  # a localized heading style
    t2 = d.add_table(rows=2, cols=2)
    t2.cell(0, 0).text, t2.cell(0, 1).text = "KUKA", "MITÄ"
    t2.cell(1, 0).text, t2.cell(1, 1).text = "Tekninen toimi", "Tontit"
    d.save(str(path))
    return path


def test_word_document_in_order_with_merges(tmp_path: Path):
    lines = read_table(word_table(tmp_path / "ohjelma.docx"))
    assert [(x.kind, x.table, x.number, x.cells) for x in lines] == [
        ("heading", 0, 1, ("Elinvoimaohjelma 2025–2027",)),
        ("heading", 0, 2, ("Painopiste 1. Yritykset",)),
        ("row", 1, 1, ("KUKA", "MITÄ", "MITTARI / SEURANTA", "")),
        ("row", 1, 2, ("Sivistystoimi", "Kirjastoauto", "Käynnit", "2025")),
        ("row", 1, 3, ("", "Lukupiiri", "Osallistujat", "")),
        (
            "row",
            1,
            4,
            (
                "Tekninen toimi",
                "Kaavoitus\n- asemakaava keskustaan",
                "Kaavat\n3 kpl\nLausunnot",
                "",
            ),
        ),
        ("text", 0, 3, ("Huom: taulukko jatkuu. Lisätty",)),
        ("heading", 0, 4, ("Painopiste 2. Asuminen",)),
        ("row", 2, 1, ("KUKA", "MITÄ")),
        ("row", 2, 2, ("Tekninen toimi", "Tontit")),
    ]
    assert [x.continued for x in lines if x.table == 1] == [
        frozenset(),
        frozenset(),
        frozenset({0}),  # the vertically merged department: "" and continued
        frozenset(),
    ]
    assert lines[4].ref(0) == "table 1, row 3, column 1"
    assert lines[4].ref() == "table 1, row 3"
    assert lines[6].ref() == lines[6].ref(0) == "paragraph 3"
    assert all(not x.sheet for x in lines)


def test_word_heading_by_outline_level_and_cell_spanning_rows_and_columns(tmp_path: Path):
    d = docx.Document()
    p = d.add_paragraph("Painopiste 1. Outline")
    p._p.get_or_add_pPr().append(parse_xml(f"<w:outlineLvl {W_NS} w:val='0'/>"))
    d.add_paragraph("Body").paragraph_format.space_after = Pt(3)
    t = d.add_table(rows=3, cols=3)
    t.cell(0, 0).text = "A"
    t.cell(0, 0).merge(t.cell(1, 1))  # two columns, two rows
    t.cell(2, 2).text = "z"
    d.save(str(tmp_path / "o.docx"))
    lines = read_table(tmp_path / "o.docx")
    assert [(x.kind, x.cells) for x in lines[:2]] == [
        ("heading", ("Painopiste 1. Outline",)),
        ("text", ("Body",)),
    ]
    assert [(x.number, x.cells, x.continued) for x in lines[2:]] == [
        (1, ("A", "", ""), frozenset()),
        (3, ("", "", "z"), frozenset()),  # row 2 holds only the merge: no text, left out
    ]
    t.cell(1, 2).text = "b"
    d.save(str(tmp_path / "o.docx"))
    row2 = read_table(tmp_path / "o.docx")[3]
    assert (row2.number, row2.cells, row2.continued) == (2, ("", "", "b"), frozenset({0, 1}))


# --------------------------------------------------------------------------- sheets


def excel_table(path: Path) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Taul1"
    ws["A1"] = "KIRJASTON TOIMENPITEET 2025-2027"
    for col, name in zip("CDEF", ("KUKA", "MITÄ", "MITTARI", "HUOM"), strict=True):
        ws[f"{col}5"] = name
    ws.merge_cells("F5:G5")  # a header over two columns
    ws["C6"], ws["D6"], ws["E6"] = "Sivistystoimi", "Kirjastoauto", 3.0
    ws.merge_cells("C6:C8")  # the department over three rows
    ws["D7"], ws["E7"] = "Lukupiiri", dt.datetime(2025, 3, 1)
    ws["D8"] = "Satutunti\r\nlapsille"
    ws["H40"].font = openpyxl.styles.Font(bold=True)  # formatted but empty: no row
    second = wb.create_sheet("Toinen")
    second["B2"] = "KUKA"
    wb.create_sheet("Tyhjä")
    wb.save(path)
    return path


def test_excel_every_sheet_with_column_letters_and_merges(tmp_path: Path):
    lines = read_table(excel_table(tmp_path / "taulukko.xlsx"))
    assert [(x.sheet, x.number, x.cells, x.continued) for x in lines] == [
        ("Taul1", 1, ("KIRJASTON TOIMENPITEET 2025-2027",), frozenset()),
        ("Taul1", 5, ("", "", "KUKA", "MITÄ", "MITTARI", "HUOM"), frozenset()),
        ("Taul1", 6, ("", "", "Sivistystoimi", "Kirjastoauto", "3"), frozenset()),
        ("Taul1", 7, ("", "", "", "Lukupiiri", "2025-03-01"), frozenset({2})),
        ("Taul1", 8, ("", "", "", "Satutunti\nlapsille"), frozenset({2})),
        ("Toinen", 2, ("", "KUKA"), frozenset()),
    ]
    assert lines[3].ref(2) == "Taul1!C7"
    assert lines[3].ref() == "Taul1, row 7"
    assert lines[5].ref(1) == "Toinen!B2"
    assert {x.kind for x in lines} == {"row"} and {x.table for x in lines} == {0}


def minimal_ods(path: Path, tables: dict[str, list[str]], encrypted: bool = False) -> Path:
    """An OpenDocument spreadsheet written by hand: mimetype, content.xml, manifest."""
    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
    )
    body = "".join(
        f'<table:table table:name="{name}">{"".join(rows)}</table:table>'
        for name, rows in tables.items()
    )
    content = (
        f'<?xml version="1.0" encoding="UTF-8"?><office:document-content {ns} '
        f'office:version="1.2"><office:body><office:spreadsheet>{body}'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    secret = "<manifest:encryption-data/>" if encrypted else ""
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest='
        '"urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type='
        '"application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry '
        f'manifest:full-path="content.xml" manifest:media-type="text/xml">{secret}'
        "</manifest:file-entry></manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", content)
        z.writestr("META-INF/manifest.xml", manifest)
    return path


def cell(value: object = None, **attrs: int) -> str:
    extra = "".join(f' table:{k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    if value is None:
        return f"<table:table-cell{extra}/>"
    if isinstance(value, float):
        return (
            f'<table:table-cell office:value-type="float" office:value="{value}"{extra}>'
            f"<text:p>{value}</text:p></table:table-cell>"
        )
    return f'<table:table-cell office:value-type="string"{extra}><text:p>{value}</text:p></table:table-cell>'


def row(*cells: str, repeated: int = 0) -> str:
    extra = f' table:number-rows-repeated="{repeated}"' if repeated else ""
    return f"<table:table-row{extra}>{''.join(cells)}</table:table-row>"


def test_ods_every_sheet_from_column_a(tmp_path: Path):
    path = minimal_ods(
        tmp_path / "taulukko.ods",
        {
            "Toimenpiteet": [
                row(cell(number_columns_repeated=3), repeated=2),
                row(cell(), cell("KUKA"), cell("MITÄ"), cell("MITTARI")),
                row(
                    cell(),
                    cell("Sivistystoimi", number_rows_spanned=2),
                    cell("Kirjastoauto"),
                    cell(3.0),
                ),
                row(cell(), "<table:covered-table-cell/>", cell("Lukupiiri"), cell("x")),
                # LibreOffice writes the rest of the sheet as one repeated empty row
                row(cell(number_columns_repeated=1024), repeated=1048570),
            ],
            "Muut": [row(cell("toinen välilehti"))],
        },
    )
    lines = read_table(path)
    assert [(x.sheet, x.number, x.cells) for x in lines] == [
        ("Toimenpiteet", 3, ("", "KUKA", "MITÄ", "MITTARI")),
        ("Toimenpiteet", 4, ("", "Sivistystoimi", "Kirjastoauto", "3")),
        ("Toimenpiteet", 5, ("", "", "Lukupiiri", "x")),
        ("Muut", 1, ("toinen välilehti",)),
    ]
    assert lines[1].ref(1) == "Toimenpiteet!B4"
    assert lines[3].ref(0) == "Muut!A1"


# --------------------------------------------------------------------------- text


def test_csv_semicolons_and_a_cell_over_two_lines(tmp_path: Path):
    path = tmp_path / "taulukko.csv"
    path.write_bytes(
        'KUKA;MITÄ;MITTARI\r\nSivistystoimi;"Kirjastoauto\r\nkylille";Käynnit\r\n'
        "Tekninen toimi;Kaavoitus;Kaavat\r\n".encode("cp1252")
    )
    lines = read_table(path)
    assert rows(lines) == [
        (1, ("KUKA", "MITÄ", "MITTARI")),
        (2, ("Sivistystoimi", "Kirjastoauto\nkylille", "Käynnit")),
        (4, ("Tekninen toimi", "Kaavoitus", "Kaavat")),  # the record starts on line 4
    ]
    assert lines[2].ref(1) == "line 4, column 2" and lines[2].ref() == "line 4"


def test_tab_separated_text_in_cp1252_and_utf16(tmp_path: Path):
    text = (
        "Painopiste 1. Yritykset\r\nKUKA\tMITÄ\r\n\r\nSivistystoimi\tKäyttäjät\u00a0\x07mukaan \r\n"
    )
    (tmp_path / "a.txt").write_bytes(text.encode("cp1252"))
    (tmp_path / "b.txt").write_bytes(text.encode("utf-16"))  # Excel's "Unicode text"
    expected = [
        (1, ("Painopiste 1. Yritykset",)),
        (2, ("KUKA", "MITÄ")),
        (3, ("",)),  # blank lines are kept in text
        (4, ("Sivistystoimi", "Käyttäjät mukaan")),
    ]
    assert rows(read_table(tmp_path / "a.txt")) == expected
    assert rows(read_table(tmp_path / "b.txt")) == expected


def test_the_seed_reads_as_before():
    """The Aura seed gives the very lines the reader before tables.read gave (their digest)."""
    lines = read_table(SEED)
    pairs = [(x.number, x.cells) for x in lines]
    assert len(pairs) == 109 and pairs[38] == (39, ("Vapaa-aikatoimi", "", "", "", ""))
    digest = hashlib.sha256(repr(pairs).encode()).hexdigest()
    assert digest == "bbe4797ec2c3bda5c0200dfd486af073d470f2adfffd78068769dec70ecd0c5a"
    assert all(x.kind == "row" and not x.sheet and not x.table for x in lines)
    assert RawLine(3, ("a",)) == RawLine(3, ("a",), "", 0, "row", frozenset())


# --------------------------------------------------------------------------- bad input


def test_formats_import_does_not_take(tmp_path: Path):
    for name in ("ohjelma.pdf", "ohjelma"):
        (tmp_path / name).write_bytes(b"%PDF-1.4")
        assert refused(tmp_path / name, UsageError) == (
            f"{name}: import takes .docx, .xlsx, .ods, .csv or a tab-separated .txt"
        )
    (tmp_path / "vanha.doc").write_bytes(b"x")
    assert "save it as .docx" in refused(tmp_path / "vanha.doc", UsageError)
    (tmp_path / "vanha.xls").write_bytes(b"x")
    assert "save it as .xlsx" in refused(tmp_path / "vanha.xls", UsageError)


@pytest.mark.parametrize("name", ["t.docx", "t.xlsx", "t.ods", "t.csv", "t.txt"])
def test_an_empty_file(tmp_path: Path, name: str):
    (tmp_path / name).write_bytes(b"")
    assert refused(tmp_path / name) == f"{name} is empty: there is no table to import"


def test_whitespace_or_a_document_without_text_is_empty(tmp_path: Path):
    (tmp_path / "w.txt").write_text("  \n\t\t\n\u00a0\n", encoding="utf-8")
    d = docx.Document()
    d.add_paragraph("   ")
    d.add_table(rows=2, cols=2)
    d.save(str(tmp_path / "w.docx"))
    wb = openpyxl.Workbook()
    wb.active["B3"] = "  "
    wb.save(tmp_path / "w.xlsx")
    minimal_ods(tmp_path / "w.ods", {"S": [row(cell())]})
    for name in ("w.txt", "w.docx", "w.xlsx", "w.ods"):
        assert refused(tmp_path / name) == f"{name} is empty: there is no table to import"


def test_a_password_protected_file(tmp_path: Path):
    from msoffcrypto.format.ooxml import OOXMLFile

    word_table(tmp_path / "plain.docx")
    excel_table(tmp_path / "plain.xlsx")
    for suffix in (".docx", ".xlsx"):
        out = io.BytesIO()
        with open(tmp_path / f"plain{suffix}", "rb") as fh:
            OOXMLFile(fh).encrypt("salasana", out)
        path = tmp_path / f"salainen{suffix}"
        path.write_bytes(out.getvalue())
        assert refused(path) == (
            f"salainen{suffix} is protected by a password: open it, remove the password "
            "(File > Info > Protect), save it and import again"
        )
    ods = minimal_ods(tmp_path / "salainen.ods", {"S": [row(cell("x"))]}, encrypted=True)
    assert refused(ods).startswith(
        "salainen.ods is protected by a password: open it in LibreOffice"
    )


def test_an_old_binary_file_under_a_new_name(tmp_path: Path):
    # an OLE compound file without an EncryptionInfo stream: a Word 97-2003 or Excel 97 file
    ole = table_read.OLE_MAGIC + bytes(504) + "WordDocument".encode("utf-16-le") + bytes(2000)
    (tmp_path / "vanha.docx").write_bytes(ole)
    (tmp_path / "vanha.xlsx").write_bytes(ole)
    assert refused(tmp_path / "vanha.docx") == (
        "vanha.docx is an old Word document (.doc): open it in Word, save it as .docx and import that"
    )
    assert refused(tmp_path / "vanha.xlsx") == (
        "vanha.xlsx is an old Excel workbook (.xls): open it in Excel, save it as .xlsx and import that"
    )


@pytest.mark.libreoffice
@pytest.mark.skipif(
    shutil.which("soffice") is None,
    reason="LibreOffice not installed: install it (soffice on PATH) to test real .doc/.xls files",
)
def test_a_real_doc_and_xls_renamed(tmp_path: Path):
    from soffice import convert

    doc = convert(word_table(tmp_path / "w.docx"), tmp_path / "out", "doc")
    xls = convert(excel_table(tmp_path / "e.xlsx"), tmp_path / "out", "xls")
    shutil.copy(doc, tmp_path / "renamed.docx")
    shutil.copy(xls, tmp_path / "renamed.xlsx")
    assert "is an old Word document (.doc)" in refused(tmp_path / "renamed.docx")
    assert "is an old Excel workbook (.xls)" in refused(tmp_path / "renamed.xlsx")


def zip_with(path: Path, parts: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return path


def test_a_damaged_file(tmp_path: Path):
    good = word_table(tmp_path / "good.docx").read_bytes()
    (tmp_path / "cut.docx").write_bytes(good[: len(good) // 2])
    (tmp_path / "noise.xlsx").write_bytes(os.urandom(4096))
    (tmp_path / "noise.ods").write_bytes(b"PK\x03\x04" + os.urandom(4096))
    with zipfile.ZipFile(io.BytesIO(good)) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    zip_with(tmp_path / "nodoc.docx", {k: v for k, v in parts.items() if k != "word/document.xml"})
    zip_with(tmp_path / "badxml.docx", {**parts, "word/document.xml": b"<w:document><w:body>"})
    zip_with(tmp_path / "notes.xlsx", {"notes.txt": b"hello"})
    zip_with(tmp_path / "notes.ods", {"content.xml": b"<x/>"})
    excel_table(tmp_path / "e.xlsx")
    (tmp_path / "e.csv").write_bytes((tmp_path / "e.xlsx").read_bytes())
    expected = {
        "cut.docx": "the file is cut short or its zip directory is broken",
        "noise.xlsx": "not a zip archive",
        "noise.ods": "the file is cut short or its zip directory is broken",
        "nodoc.docx": "no word/document.xml inside",
        "badxml.docx": "broken XML in word/document.xml",
        "notes.xlsx": "no [Content_Types].xml inside",
        "notes.ods": "no mimetype inside",
        "e.csv": "it holds a workbook or a document, not text",
    }
    for name, detail in expected.items():
        kind = Path(name).suffix
        assert refused(tmp_path / name) == f"{name} is damaged or not a {kind} file ({detail})"


def test_a_corrupt_part(tmp_path: Path):
    data = bytearray(word_table(tmp_path / "good.docx").read_bytes())
    with zipfile.ZipFile(io.BytesIO(bytes(data))) as z:
        info = z.getinfo("word/document.xml")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra) + 16
    for i in range(start, start + 64):
        data[i] ^= 0x5A
    (tmp_path / "crc.docx").write_bytes(bytes(data))
    message = refused(tmp_path / "crc.docx")
    assert message.startswith("crc.docx is damaged or not a .docx file (")


def test_too_large_a_file_is_refused_before_reading(tmp_path: Path):
    path = tmp_path / "huge.xlsx"
    with path.open("wb") as fh:  # sparse: takes no disk
        fh.truncate(201 * 1024 * 1024)
    assert refused(path) == "huge.xlsx is too large to import: 201.0 MB, the limit is 200.0 MB"


def test_xml_that_would_unpack_too_large_is_refused(tmp_path: Path):
    # a real zip bomb: 576 MB of spaces in a few hundred kB, refused by the zip directory
    path = tmp_path / "bomb.docx"
    with (
        zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z,
        z.open("word/document.xml", "w", force_zip64=True) as fh,
    ):
        for _ in range(36):
            fh.write(b" " * (1 << 24))
    assert path.stat().st_size < 5 * 1024 * 1024
    assert refused(path) == (
        "bomb.docx is too large to import: its text would unpack to 576.0 MB, the limit is 512.0 MB"
    )


def test_only_the_xml_counts_towards_the_unpacked_limit(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(table_read, "MAX_XML", 1024 * 1024)
    d = docx.Document()
    d.add_picture(io.BytesIO(noise_png(3 * 1024 * 1024)))  # 3 MB of image: not counted
    d.add_paragraph("Painopiste 1. Kuvat")
    d.save(str(tmp_path / "kuva.docx"))
    assert rows(read_table(tmp_path / "kuva.docx")) == [(1, ("Painopiste 1. Kuvat",))]
    t = d.add_table(rows=6000, cols=3)  # over a megabyte of table XML
    t.cell(0, 0).text = "KUKA"
    d.save(str(tmp_path / "iso.docx"))
    with zipfile.ZipFile(tmp_path / "iso.docx") as z:
        assert 1024 * 1024 < z.getinfo("word/document.xml").file_size < 3 * 1024 * 1024
    assert refused(tmp_path / "iso.docx").startswith("iso.docx is too large to import: its text")


def test_init_from_a_bad_table_creates_nothing(tmp_path: Path):
    bad = tmp_path / "ohjelma.docx"
    bad.write_bytes(b"")
    ws = tmp_path / "ws"
    result = CliRunner().invoke(main, ["init", str(ws), "--from-table", str(bad)])
    assert result.exit_code == 2, result.output
    assert "ohjelma.docx is empty: there is no table to import" in result.output
    assert "Traceback" not in result.output
    assert not ws.exists() or not any(ws.iterdir())


# --------------------------------------------------------------------------- big


def noise_png(size: int) -> bytes:
    """A PNG header over `size` random bytes: a photo's weight, not compressible."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = zlib.crc32(kind + data) & 0xFFFFFFFF
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)

    header = struct.pack(">IIBBBBB", 2000, 1500, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", os.urandom(size))
        + chunk(b"IEND", b"")
    )


MEASURE = """
import resource, sys, time
from pathlib import Path
from roundtrip.programme.tables.read import read_table
import docx
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
lines = read_table(Path(sys.argv[1]))
took = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(len(lines), took, (peak - before) / 1024)
"""


@pytest.mark.slow
def test_a_50_mb_word_document_reads_without_loading_its_images(tmp_path: Path):
    d = docx.Document()
    d.add_heading("Painopiste 1. Kuvat", 1)
    for _ in range(6):
        d.add_picture(io.BytesIO(noise_png(8 * 1024 * 1024)))
    t = d.add_table(rows=1, cols=2)
    t.cell(0, 0).text, t.cell(0, 1).text = "KUKA", "MITÄ"
    for i in range(300):
        cells = t.add_row().cells
        cells[0].text, cells[1].text = f"Toimiala {i % 7}", f"Toimenpide {i}"
    path = tmp_path / "kuvat.docx"
    d.save(str(path))
    assert path.stat().st_size > 48 * 1024 * 1024
    out = subprocess.run(
        [sys.executable, "-c", MEASURE, str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    count, took, grew_mb = int(out[0]), float(out[1]), float(out[2])
    assert count == 1 + 301
    assert grew_mb < 40, f"reading grew the process by {grew_mb:.0f} MB: the images were loaded"
    assert took < 10
