"""zip_copy: untouched members cross with their compressed bytes; the zip stays a valid zip."""

from __future__ import annotations

import io
import random
import struct
import zipfile
import zlib

import pytest

from roundtrip.xlsx.zip_copy import ZipCopy, copyable, crc32_combine, deflate_part

TEXT = ("<row>" + "x" * 200 + "</row>") * 50


class _Unseekable(io.RawIOBase):
    """A stream zipfile cannot seek back in: it writes sizes in data descriptors."""

    def __init__(self) -> None:
        self.buf = bytearray()

    def writable(self) -> bool:
        return True

    def write(self, b) -> int:
        self.buf += b
        return len(b)


def _source() -> bytes:
    out = _Unseekable()
    with zipfile.ZipFile(out, "w") as zf:
        zf.writestr(zipfile.ZipInfo("stored.xml", (2020, 1, 2, 3, 4, 6)), TEXT)
        with zf.open(zipfile.ZipInfo("described.xml"), "w") as f:  # a data descriptor
            f.write(TEXT.encode())
        deflated = zipfile.ZipInfo("xl/ääkköset.xml", (2024, 5, 6, 7, 8, 10))
        deflated.compress_type = zipfile.ZIP_DEFLATED
        deflated.external_attr = 0o644 << 16
        zf.writestr(deflated, TEXT, compresslevel=9)
    return bytes(out.buf)


def _raw(blob: bytes, info: zipfile.ZipInfo) -> bytes:
    name_len, extra_len = struct.unpack_from("<HH", blob, info.header_offset + 26)
    start = info.header_offset + 30 + name_len + extra_len
    return blob[start : start + info.compress_size]


def test_copied_members_keep_their_bytes_and_the_zip_checks_out():
    src = _source()
    zin = zipfile.ZipFile(io.BytesIO(src))
    assert zin.getinfo("described.xml").flag_bits & 0x8  # the case being tested
    out = io.BytesIO()
    copy = ZipCopy(out)
    for info in zin.infolist():
        assert copyable(info)
        copy.copy(zin.fp, info)
    copy.add("new.xml", b"<new/>", (1980, 1, 1, 0, 0, 0))
    copy.add("plain.bin", b"\x00" * 10, (2025, 1, 1, 0, 0, 0), deflate=False)
    copy.close()
    blob = out.getvalue()
    zout = zipfile.ZipFile(io.BytesIO(blob))
    assert zout.testzip() is None  # every CRC matches
    assert zout.namelist() == [*zin.namelist(), "new.xml", "plain.bin"]
    for info in zin.infolist():
        got = zout.getinfo(info.filename)
        assert zout.read(got) == zin.read(info)
        assert _raw(blob, got) == _raw(src, info)  # not inflated and deflated again
        assert (got.compress_type, got.date_time, got.external_attr) == (
            info.compress_type,
            info.date_time,
            info.external_attr,
        )
        assert not got.flag_bits & 0x8
    assert zout.getinfo("xl/ääkköset.xml").flag_bits & 0x800
    assert zout.read("new.xml") == b"<new/>" and zout.read("plain.bin") == b"\x00" * 10
    assert zout.getinfo("plain.bin").compress_type == zipfile.ZIP_STORED


def test_a_member_whose_local_header_is_not_there_is_refused():
    src = bytearray(_source())
    zin = zipfile.ZipFile(io.BytesIO(bytes(src)))
    info = zin.getinfo("stored.xml")
    src[info.header_offset : info.header_offset + 4] = b"XXXX"
    with pytest.raises(zipfile.BadZipFile):
        ZipCopy(io.BytesIO()).copy(io.BytesIO(bytes(src)), info)


def test_encrypted_or_other_methods_are_not_copied_raw():
    info = zipfile.ZipInfo("a.xml")
    info.compress_type, info.header_offset = zipfile.ZIP_DEFLATED, 0
    assert copyable(info)
    info.flag_bits |= 0x1
    assert not copyable(info)
    info = zipfile.ZipInfo("b.xml")
    info.compress_type, info.header_offset = zipfile.ZIP_LZMA, 0
    assert not copyable(info)


@pytest.mark.parametrize("seed", range(5))
def test_crc32_combine_is_the_crc_of_the_joined_bytes(seed):
    rng = random.Random(seed)
    for len_b in (0, 1, 2, 3, 4, 5, 7, 8, 255, 256, 4096, rng.randint(1, 300_000)):
        a = rng.randbytes(rng.randint(0, 2000))
        b = rng.randbytes(len_b)
        assert crc32_combine(zlib.crc32(a), zlib.crc32(b), len(b)) == zlib.crc32(a + b)


def test_deflated_parts_join_into_one_member_that_checks_out():
    parts = [b"<head>" * 300, TEXT.encode() * 20, b"", "<tail>ä</tail>".encode()]
    raw = [deflate_part(p, last=i == len(parts) - 1) for i, p in enumerate(parts)]
    crc, size = 0, 0
    for p in parts:
        crc, size = crc32_combine(crc, zlib.crc32(p), len(p)), size + len(p)
    out = io.BytesIO()
    copy = ZipCopy(out)
    copy.add_deflated("xl/worksheets/sheet1.xml", raw, crc, size, (1980, 1, 1, 0, 0, 0))
    copy.close()
    zout = zipfile.ZipFile(io.BytesIO(out.getvalue()))
    assert zout.testzip() is None
    assert zout.read("xl/worksheets/sheet1.xml") == b"".join(parts)
    bad = io.BytesIO()
    copy = ZipCopy(bad)
    copy.add_deflated("x.xml", raw, crc ^ 1, size, (1980, 1, 1, 0, 0, 0))  # a wrong CRC...
    copy.close()
    with pytest.raises(zipfile.BadZipFile):  # ...is caught by any reader
        zipfile.ZipFile(io.BytesIO(bad.getvalue())).read("x.xml")
