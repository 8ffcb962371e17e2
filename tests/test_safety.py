"""roundtrip.returns.safety: the pre-parse checks and the per-file time limit, on real bytes.

The corpus (test_corpus.py) runs these checks through collect on realistic files; here each
rule is pinned on a minimal file, including the ones the corpus cannot reach cheaply
(custom limits, UTF-16 XML, a lying CFB header, the time limit itself). The rules are checked
on the English messages; the last tests check the Finnish and Swedish ones.
"""

from __future__ import annotations

import contextlib
import signal
import struct
import threading
import time
import zipfile
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from roundtrip.errors import ReturnError
from roundtrip.language import tr
from roundtrip.returns.safety import (
    DEFAULT_LIMITS,
    MESSAGES,
    OLE2_MAGIC,
    Limits,
    TimeLimitError,
    check_file,
    ensure_safe,
    is_lock_file,
    is_safe,
    sniff_format,
    time_limit,
    time_limited,
)


@pytest.fixture
def xlsx(tmp_path) -> Path:
    path = tmp_path / "ok.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Toimenpiteet")
    for r in range(30):
        ws.write_row(r, 0, [f"P1-{r:02d}", "Valmis", 50, "kommentti"])
    wb.close()
    return path


def _errors(path: Path, limits: Limits = DEFAULT_LIMITS, lang: str = "en") -> list[str]:
    return [p.message for p in check_file(path, limits, lang=lang) if p.severity == "error"]


def _with_member(src: Path, dst: Path, name: str, data: bytes) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
        zout.writestr(name, data)
    return dst


def test_a_normal_workbook_passes(xlsx):
    assert check_file(xlsx, lang="fi") == []
    assert ensure_safe(xlsx, lang="fi") == []
    assert is_safe(xlsx)


def test_limits_are_a_frozen_dataclass():
    with pytest.raises(AttributeError):
        DEFAULT_LIMITS.max_bytes = 1  # type: ignore[misc]


@pytest.mark.parametrize(
    ("head", "kind"),
    [
        (b"", "empty"),
        (b"PK\x03\x04rest", "zip"),
        (OLE2_MAGIC + b"\x00" * 8, "ole2"),
        (b"%PDF-1.7", "pdf"),
        (b"\xef\xbb\xbf<!DOCTYPE html><html>", "html"),
        (b'<?xml version="1.0"?><Workbook>', "xml"),
        (b"Tunnus;Tila\nP1-01;Valmis\n", "text"),
        (bytes(range(256)) * 4, "unknown"),
    ],
)
def test_sniff_format(head, kind):
    assert sniff_format(head) == kind


@pytest.mark.parametrize(
    ("name", "lock"),
    [("~$ret.xlsx", True), (".~lock.ret.xlsx#", True), ("ret.xlsx", False), ("a~$b.xlsx", False)],
)
def test_lock_files(name, lock):
    assert is_lock_file(Path(name)) is lock


def test_ensure_safe_raises_a_return_error_naming_the_file(tmp_path):
    empty = tmp_path / "tyhjä.xlsx"
    empty.write_bytes(b"")
    with pytest.raises(ReturnError) as info:
        ensure_safe(empty, lang="en")
    assert info.value.problem.file == "tyhjä.xlsx"
    assert "empty" in info.value.problem.message


def test_size_limits_are_configurable(xlsx, tmp_path):
    assert "too large" in _errors(xlsx, Limits(max_bytes=100))[0]
    assert "far more" in _errors(xlsx, Limits(max_uncompressed=1000))[0]
    assert "far more" in _errors(xlsx, Limits(max_members=3))[0]
    assert "far more" in _errors(xlsx, Limits(max_cells=10))[0]  # 30 rows x 4 columns


def test_ratio_applies_to_large_members_only(xlsx, tmp_path):
    bomb = _with_member(xlsx, tmp_path / "r.xlsx", "xl/media/zeros.bin", b"\0" * (2 << 20))
    assert _errors(bomb) == []  # 2 MB: below ratio_floor
    assert "unpacks" in _errors(bomb, Limits(ratio_floor=1 << 20))[0]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16-le", "utf-16-be"])
def test_xml_declarations_are_found_in_any_encoding(xlsx, tmp_path, encoding):
    bom = {"utf-8": b"", "utf-16-le": b"\xff\xfe", "utf-16-be": b"\xfe\xff"}[encoding]
    xml = '<?xml version="1.0"?>' + " " * 5000 + '<!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>'
    bad = _with_member(xlsx, tmp_path / "e.xlsx", "xl/custom.xml", bom + xml.encode(encoding))
    assert "DOCTYPE" in _errors(bad)[0]


def test_a_declaration_split_across_chunks_is_found(xlsx, tmp_path):
    xml = b"<x>" + b" " * ((1 << 20) - 5) + b"<!DOCTYPE x><x/>"
    bad = _with_member(xlsx, tmp_path / "s.xlsx", "xl/custom.xml", xml)
    assert "DOCTYPE" in _errors(bad)[0]


def test_encrypted_member_flag_is_password_protected(xlsx, tmp_path):
    data = bytearray(xlsx.read_bytes())
    pos = data.find(b"PK\x01\x02")
    data[pos + 8] |= 0x1  # central directory: general purpose flag bit 0 (encrypted)
    bad = tmp_path / "enc.xlsx"
    bad.write_bytes(bytes(data))
    assert "password" in _errors(bad)[0]


def _cfb(fat_len: int, size: int = 4096) -> bytes:
    header = bytearray(512)
    header[:8] = OLE2_MAGIC
    struct.pack_into("<H", header, 0x1E, 9)
    struct.pack_into("<8I", header, 0x2C, fat_len, 0, 0, 4096, 0, 0, 0, 0)
    return bytes(header) + b"\0" * (size - 512)


def test_ole2_xls_passes_and_a_lying_cfb_header_does_not(tmp_path):
    ok = tmp_path / "old.xls"
    ok.write_bytes(_cfb(1))
    assert _errors(ok) == []
    lying = tmp_path / "lying.xls"
    lying.write_bytes(_cfb(0xFFFFFFF0))
    assert "damaged" in _errors(lying)[0]


def test_encrypted_ooxml_container_is_password_protected(tmp_path):
    enc = tmp_path / "salattu.xlsx"
    enc.write_bytes(_cfb(1) + "EncryptedPackage".encode("utf-16-le") + b"\0" * 64)
    assert "password-protected" in _errors(enc)[0]


def test_macros_are_a_warning(xlsx, tmp_path):
    macro = _with_member(xlsx, tmp_path / "m.xlsm", "xl/vbaProject.bin", OLE2_MAGIC)
    problems = check_file(macro, lang="en")
    assert [p.severity for p in problems] == ["warning"]
    assert "macros" in problems[0].message


def test_every_message_says_what_to_do(tmp_path):
    cases = {
        "empty.xlsx": b"",
        "pdf.xlsx": b"%PDF-1.4",
        "random.xlsx": bytes(range(256)) * 8,
        "trunc.xlsx": b"PK\x03\x04" + b"\0" * 100,
        "data.csv": b"a;b\n1;2\n",
    }
    for name, data in cases.items():
        (tmp_path / name).write_bytes(data)
        (msg,) = _errors(tmp_path / name)
        assert any(w in msg for w in ("send", "save")), msg


# --- time limit ------------------------------------------------------------------------------


def _spin(seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        pass


def test_time_limit_stops_python_work_in_the_main_thread():
    with pytest.raises(TimeLimitError) as info, time_limit(0.05, "hidas.xlsx", lang="en"):
        _spin(30)  # bounded even if the alarm never came
    assert info.value.problem.file == "hidas.xlsx"
    assert "longer than" in info.value.problem.message
    assert isinstance(info.value, ReturnError)


def test_time_limit_works_off_the_main_thread_and_lets_other_threads_run():
    outcome: dict[str, object] = {}

    def limited() -> None:
        try:
            with time_limit(0.05, "sivu.xlsx", lang="en"):
                _spin(30)
        except TimeLimitError as exc:
            outcome["limited"] = exc.problem.file

    def free() -> None:
        _spin(0.3)  # runs past the other thread's limit, untouched
        outcome["free"] = "done"

    threads = [threading.Thread(target=limited), threading.Thread(target=free)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert outcome == {"limited": "sivu.xlsx", "free": "done"}


def test_time_limit_uses_no_signal_and_leaves_nothing_armed():
    before = signal.getsignal(signal.SIGINT)
    for _ in range(200):  # ended bodies: no late exception may arrive after them
        with time_limit(0.001, lang="en"):
            pass
    _spin(0.05)
    assert signal.getsignal(signal.SIGINT) is before
    if hasattr(signal, "getitimer"):
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_time_limit_that_expires_as_the_body_ends_does_not_leak():
    # Bodies that end about when their limit does: an exception raised in that instant is
    # taken back or dropped, never raised later in unrelated code.
    for i in range(300):
        with contextlib.suppress(TimeLimitError):
            time_limited(0.0005, "", "en", _spin, 0.0005 * (i % 3))
    _spin(0.05)


def test_nested_time_limits_each_catch_their_own():
    with (
        pytest.raises(TimeLimitError) as outer,
        time_limit(0.1, "ulompi.xlsx", lang="en"),
        time_limit(5, "sisempi.xlsx", lang="en"),
    ):
        _spin(30)
    assert outer.value.problem.file == "ulompi.xlsx"


def test_time_limit_zero_means_no_limit():
    with time_limit(0, lang="en"):
        _spin(0.01)


def _ods(path: Path, rows: str) -> Path:
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content><office:body>'
        f'<office:spreadsheet><table:table table:name="T">{rows}</table:table>'
        "</office:spreadsheet></office:body></office:document-content>"
    )
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        zf.writestr("content.xml", content)
    return path


def test_ods_runs_of_empty_cells_pass_and_repeated_values_do_not(tmp_path):
    empty_runs = (
        '<table:table-row><table:table-cell office:value-type="string"><text:p>P1-01</text:p>'
        '</table:table-cell><table:table-cell table:number-columns-repeated="16383"/>'
        '</table:table-row><table:table-row table:number-rows-repeated="1048575">'
        '<table:table-cell table:number-columns-repeated="16384"/></table:table-row>'
    )
    assert _errors(_ods(tmp_path / "ok.ods", empty_runs)) == []
    repeated = (
        '<table:table-row table:number-rows-repeated="100000">'
        '<table:table-cell table:number-columns-repeated="1000" office:value-type="string">'
        "<text:p>x</text:p></table:table-cell></table:table-row>"
    )
    assert "100,000 rows x 1,000 columns" in _errors(_ods(tmp_path / "bomb.ods", repeated))[0]


def test_kept_parts_are_the_package_parts_and_nothing_of_a_rejected_file(tmp_path):
    """check_file(keep=...) hands over the parts it unpacked: exactly what the zip holds."""
    from roundtrip.returns.cell_formats import package_parts
    from roundtrip.returns.safety import KEPT_PARTS, check_file

    wb = openpyxl.Workbook()
    wb.active["A1"] = "x"
    wb.create_sheet("B")["B2"] = 2
    path = tmp_path / "a.xlsx"
    wb.save(path)
    kept: dict[str, bytes] = {}
    assert check_file(path, keep=kept, lang="en") == []
    assert kept == package_parts(path)
    assert {"xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"} <= set(kept)
    assert KEPT_PARTS - {"docProps/core.xml"} <= set(kept)
    assert not any(name.startswith(("xl/theme", "[Content")) for name in kept)
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        dst.writestr("xl/worksheets/sheet3.xml", b'<c r="XFD1048576"/>' * 10)
    kept = {}
    assert check_file(bomb, keep=kept, lang="en") and kept == {}


def _sheet(cells: str, extra: str = "") -> bytes:
    return (
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"<sheetData>{cells}</sheetData>{extra}</worksheet>"
    ).encode()


@pytest.mark.parametrize(
    "cells",
    [
        '<row r="1"><c r="A1"><v>1</v></c><c r="XFD1"><v>1</v></c></row>'
        '<row r="1048576"><c r="A1048576"><v>1</v></c></row>',
        '<row r="9"><c r="AAA9"><v>1</v></c></row><row r="9000"><c r="A9000"><v>1</v></c></row>',
        '<row r="1"><c r="ZZ1"><v>1</v></c></row><row r="8000"><c r="A8000"><v>1</v></c></row>',
        # no r on the cells: the row's r places them
        '<row r="1"><c r="ZZ1"><v>1</v></c></row><row r="8000"><c><v>1</v></c></row>',
    ],
)
def test_a_sheet_spanning_too_many_cells_is_refused_whatever_its_references(xlsx, tmp_path, cells):
    bomb = _with_member(xlsx, tmp_path / "bomb.xlsx", "xl/worksheets/sheet9.xml", _sheet(cells))
    assert "far more" in _errors(bomb)[0]


@pytest.mark.parametrize(
    "cells, extra",
    [
        # 4-digit rows: measured exactly, and within the limit
        ("".join(f'<row r="{r}"><c r="D{r}"><v>1</v></c></row>' for r in range(1, 1500)), ""),
        # 3-letter column, one row
        ('<row r="1"><c r="XFD1"><v>1</v></c></row>', ""),
        # a false alarm for the quick probe: an attribute ending in r with 4 digits
        ('<row r="1"><c r="B1"><v>1</v></c></row>', '<pageSetup firstPageNumber="1000"/>'),
    ],
)
def test_sheets_within_the_cell_limit_pass(xlsx, tmp_path, cells, extra):
    ok = _with_member(
        xlsx, tmp_path / "fine.xlsx", "xl/worksheets/sheet9.xml", _sheet(cells, extra)
    )
    assert _errors(ok) == []


def test_a_far_reference_beyond_the_first_megabyte_of_a_sheet_is_found(xlsx, tmp_path):
    """A part read in several chunks is measured exactly, the first chunk included."""
    filler = '<row r="2"><c r="B2"><v>1</v></c></row>' * 40_000  # about 1.5 MB
    cells = f'<row r="1"><c r="ZZ1"><v>1</v></c></row>{filler}<row r="9000"><c r="A9000"/></row>'
    big = _with_member(xlsx, tmp_path / "big.xlsx", "xl/worksheets/sheet9.xml", _sheet(cells))
    assert "9,000 rows x 702 columns" in _errors(big)[0]


def _patched(src: Path, dst: Path, patch) -> Path:
    """`src` with its bytes changed by patch(bytearray, offset of the sheet's local header)."""
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        info = zf.getinfo("xl/worksheets/sheet1.xml")
    patch(data, info)
    dst.write_bytes(bytes(data))
    return dst


def _data_start(data: bytearray, info: zipfile.ZipInfo) -> int:
    at = info.header_offset
    return (
        at
        + 30
        + int.from_bytes(data[at + 26 : at + 28], "little")
        + int.from_bytes(data[at + 28 : at + 30], "little")
    )


@pytest.mark.parametrize("method", [zipfile.ZIP_DEFLATED, zipfile.ZIP_STORED])
def test_a_small_member_with_bit_rot_is_damaged(xlsx, tmp_path, method):
    """A stored member's flipped byte is caught by the CRC alone."""
    src = tmp_path / "src.xlsx"
    with zipfile.ZipFile(xlsx) as zin, zipfile.ZipFile(src, "w", method) as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, zin.read(info))
    assert _errors(src) == []

    def rot(data, info):
        data[_data_start(data, info) + info.compress_size // 2] ^= 0x55

    assert "damaged" in _errors(_patched(src, tmp_path / "rot.xlsx", rot))[0]


def test_a_small_member_larger_than_it_declares_is_damaged(xlsx, tmp_path):
    def lie(data, info):  # the central directory says one byte less than comes out
        pos = data.rfind(b"PK\x01\x02")
        while pos != -1:
            at = int.from_bytes(data[pos + 42 : pos + 46], "little")
            if at == info.header_offset:
                data[pos + 24 : pos + 28] = (info.file_size - 1).to_bytes(4, "little")
            pos = data.rfind(b"PK\x01\x02", 0, pos)

    assert "damaged" in _errors(_patched(xlsx, tmp_path / "lie.xlsx", lie))[0]


def test_a_local_name_that_differs_from_the_directory_is_damaged(xlsx, tmp_path):
    def rename(data, info):
        at = info.header_offset + 30 + len("xl/worksheets/sheet")
        data[at] = ord("7")

    assert "damaged" in _errors(_patched(xlsx, tmp_path / "name.xlsx", rename))[0]


# --- languages -------------------------------------------------------------------------------


def test_every_message_is_written_in_finnish_and_swedish():
    for key, message in MESSAGES.items():
        for lang in ("fi", "sv"):
            assert tr(lang, message) != message, (key, lang)


def test_messages_follow_the_language_asked_for(xlsx, tmp_path):
    """The department head reads why a file was refused in the programme's language, with the
    numbers written as that language writes them."""
    empty = tmp_path / "tyhjä.xlsx"
    empty.write_bytes(b"")
    assert _errors(empty, lang="fi") == [
        "tiedosto on tyhjä (0 tavua): sitä ei tallennettu loppuun asti tai liite katosi "
        "matkalla; tallenna tiedosto uudelleen Excelissä .xlsx-työkirjana ja lähetä se uudelleen"
    ]
    assert _errors(empty, lang="sv")[0].startswith("filen är tom (0 byte)")
    small = Limits(max_bytes=100)
    assert "(0 MB, the limit is 0 MB)" in _errors(xlsx, small, lang="en")[0]
    assert _errors(xlsx, small, lang="fi")[0].startswith("tiedosto on liian suuri (0 Mt")
    assert "(gränsen är 3)" in _errors(xlsx, Limits(max_members=3), lang="sv")[0]
    macro = _with_member(xlsx, tmp_path / "m.xlsm", "xl/vbaProject.bin", OLE2_MAGIC)
    [warning] = check_file(macro, lang="sv")
    assert warning.severity == "warning"
    assert warning.message.startswith("arbetsboken innehåller makron")


def test_a_sheet_too_large_is_described_with_grouped_numbers(xlsx, tmp_path):
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    sheet = f"<worksheet><sheetData>{far}</sheetData></worksheet>".encode()
    bad = _with_member(xlsx, tmp_path / "far.xlsx", "xl/worksheets/sheet9.xml", sheet)
    fi = "1\u00a0048\u00a0576 riville ja 16\u00a0384 sarakkeeseen"
    assert fi in _errors(bad, lang="fi")[0]
    assert "1,048,576 rows x 16,384 columns" in _errors(bad, lang="en")[0]


def test_the_time_limit_speaks_the_language_asked_for():
    with pytest.raises(TimeLimitError) as info, time_limit(0.05, "hidas.xlsx", lang="fi"):
        _spin(30)
    assert info.value.problem.message.startswith("tiedoston lukeminen kesti yli 0,05 s")
