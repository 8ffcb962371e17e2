"""Write a zip in which the members left alone are copied as they are.

An annotated copy changes a few parts of a return and leaves the rest (theme, other sheets,
document properties...) untouched. zipfile can only write what it is given uncompressed, so
every untouched part was inflated and deflated again, the bulk of an annotated copy's work.
Here an untouched member's compressed bytes, CRC and sizes go across unchanged; new and
changed parts are deflated (level 1) as before.

Only for sources whose members were checked already (safety.check_file verifies every CRC
before a file is annotated): a copied member is not inflated again. Anything unusual (zip64
sizes, encryption, another compression method) is recompressed through zipfile instead.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from collections.abc import Iterable
from typing import IO, BinaryIO

_LOCAL = struct.Struct("<4sHHHHHIIIHH")
_CENTRAL = struct.Struct("<4sBBHHHHHIIIHHHHHII")
_END = struct.Struct("<4sHHHHIIH")
_SMALL = 0xFFFF_FFFF  # beyond this a zip needs zip64 records: left to zipfile
_KEEP_FLAGS = 0x0806  # UTF-8 names, deflate options; never encryption or data descriptors


class TooLarge(ValueError):
    """The zip would need zip64 records, which ZipCopy does not write (use zipfile)."""


def _dos(date_time: tuple[int, ...]) -> tuple[int, int]:
    y, mo, d, h, mi, s = date_time
    if y < 1980:
        y, mo, d, h, mi, s = 1980, 1, 1, 0, 0, 0
    return (h << 11) | (mi << 5) | (s // 2), ((y - 1980) << 9) | (mo << 5) | d


def copyable(info: zipfile.ZipInfo) -> bool:
    """True when `info`'s compressed bytes can be copied as they are."""
    return (
        info.compress_type in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
        and not info.flag_bits & 0x1
        and max(info.compress_size, info.file_size, info.header_offset) < _SMALL
    )


class ZipCopy:
    """A zip written to `out`: members copied raw from a source, or added as bytes."""

    def __init__(self, out: BinaryIO) -> None:
        self.out = out
        self.central: list[bytes] = []
        self.offset = 0

    def _entry(
        self, name: str, flags: int, method: int, date_time: tuple[int, ...], crc: int,
        csize: int, usize: int, external_attr: int, raw: bytes | Iterable[bytes],
    ) -> None:  # fmt: skip
        encoded = name.encode("ascii", "ignore")
        if encoded.decode("ascii") != name:
            encoded, flags = name.encode("utf-8"), flags | 0x800
        t, d = _dos(date_time)
        if max(csize, usize, self.offset) >= _SMALL or len(self.central) >= 0xFFFF:
            raise TooLarge("too large for a plain zip")
        common = (flags, method, t, d, crc, csize, usize, len(encoded), 0)
        head = _LOCAL.pack(b"PK\x03\x04", 20, *common)
        made_by = (20, 3, 20)  # zip 2.0 on unix; needs 2.0 to extract
        rest = (0, 0, 0, external_attr, self.offset)  # comment, disk, attributes, offset
        self.central.append(_CENTRAL.pack(b"PK\x01\x02", *made_by, *common, *rest) + encoded)
        self.out.write(head + encoded)
        for part in [raw] if isinstance(raw, bytes) else raw:
            self.out.write(part)
        self.offset += len(head) + len(encoded) + csize

    def copy(self, source: IO[bytes], info: zipfile.ZipInfo) -> None:
        """Copy a member (copyable(info)) of the zip open as `source`, bytes untouched."""
        source.seek(info.header_offset)
        head = source.read(_LOCAL.size)
        if len(head) != _LOCAL.size or head[:4] != b"PK\x03\x04":
            raise zipfile.BadZipFile(f"bad local header for {info.filename!r}")
        name_len, extra_len = struct.unpack_from("<HH", head, 26)
        source.seek(info.header_offset + _LOCAL.size + name_len + extra_len)
        raw = source.read(info.compress_size)
        if len(raw) != info.compress_size:
            raise zipfile.BadZipFile(f"{info.filename!r} is cut short")
        self._entry(
            info.filename, info.flag_bits & _KEEP_FLAGS, info.compress_type, info.date_time,
            info.CRC, info.compress_size, info.file_size, info.external_attr, raw,
        )  # fmt: skip

    def add(
        self, name: str, data: bytes, date_time: tuple[int, ...], external_attr: int = 0,
        *, deflate: bool = True,
    ) -> None:  # fmt: skip
        """A member holding `data`, deflated at level 1 (or stored)."""
        if deflate:
            raw, method = deflate_part(data, last=True), zipfile.ZIP_DEFLATED
        else:
            raw, method = data, zipfile.ZIP_STORED
        crc = zlib.crc32(data)
        self._entry(name, 0, method, date_time, crc, len(raw), len(data), external_attr, raw)

    def add_deflated(
        self, name: str, parts: Iterable[bytes], crc: int, size: int, date_time: tuple[int, ...],
        external_attr: int = 0, compressed: int | None = None,
    ) -> None:  # fmt: skip
        """A member whose raw deflate stream is `parts` joined (see deflate_part), holding
        `size` bytes whose CRC-32 is `crc` (crc32_combine the parts' CRCs). Parts may stream
        from a file when their total length is given (`compressed`)."""
        if compressed is None:
            parts = list(parts)
            compressed = sum(len(p) for p in parts)
        csize = compressed
        self._entry(
            name, 0, zipfile.ZIP_DEFLATED, date_time, crc, csize, size, external_attr, parts
        )

    def close(self) -> None:
        central = b"".join(self.central)
        n = len(self.central)
        self.out.write(central)
        self.out.write(_END.pack(b"PK\x05\x06", 0, 0, n, n, len(central), self.offset, 0))


def deflate_part(data: bytes, last: bool, level: int = 1) -> bytes:
    """`data` as raw deflate that can be followed by another part (`last` False: the stream is
    flushed to a byte boundary, not ended) or ends the stream. Each part starts afresh (refers
    to nothing before it), so parts deflated apart, in other processes too, join into one."""
    z = zlib.compressobj(level, zlib.DEFLATED, -15)
    return z.compress(data) + z.flush(zlib.Z_FINISH if last else zlib.Z_SYNC_FLUSH)


def _gf2_times(matrix: list[int], vector: int) -> int:
    total, i = 0, 0
    while vector:
        if vector & 1:
            total ^= matrix[i]
        vector >>= 1
        i += 1
    return total


def _gf2_square(matrix: list[int]) -> list[int]:
    return [_gf2_times(matrix, row) for row in matrix]


def crc32_combine(crc1: int, crc2: int, len2: int) -> int:
    """The CRC-32 of a + b from crc32(a), crc32(b) and len(b) (zlib's crc32_combine, which
    Python's zlib does not offer): crc1 is carried over len2 zero bytes in GF(2), doubling
    the shift each step, then crc2 is added. A few milliseconds at any length."""
    if len2 <= 0:
        return crc1
    shift = [0xEDB88320] + [1 << n for n in range(31)]  # the CRC over one zero bit
    for _ in range(3):
        shift = _gf2_square(shift)  # two, four, eight zero bits: one zero byte
    while len2:
        if len2 & 1:
            crc1 = _gf2_times(shift, crc1)
        len2 >>= 1
        if len2:
            shift = _gf2_square(shift)  # twice as many zero bytes
    return crc1 ^ crc2
