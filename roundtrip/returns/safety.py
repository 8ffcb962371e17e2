"""Hostile and broken returns: a cheap check that runs BEFORE any parser touches a file.

`check_file(path)` looks only at the bytes and, for zip-based workbooks, at the zip directory
and a bounded, streamed decompression of each member. It decides whether the file is safe and
plausible enough to hand to the reader (python-calamine, openpyxl), and when not, says in words a
department head can act on what is wrong and what to do.

What it catches, and why here:

* empty files, folders named like workbooks, files too large (`Limits.max_bytes`);
* lock files (`~$name.xlsx`, `.~lock.name.xlsx#`) that Excel and LibreOffice leave beside an
  open workbook: they are never returns;
* formats that are not a return: CSV/text (the hidden identity is lost), PDF, HTML, random
  bytes; a password-protected (encrypted) OOXML file, which is an OLE2/CFB container holding
  `EncryptionInfo` and `EncryptedPackage` streams (Excel cannot share such a file without the
  password, and neither can we);
* a damaged (corrupt or truncated) zip: every member is decompressed in a stream and its
  CRC checked, so truncation and bit rot are reported here, before the Rust reader sees them;
* zip bombs: the member count, each member's declared size, the declared total, the
  compression ratio of large members, and the ACTUAL decompressed size (a zip may lie about its
  sizes) are all bounded by `Limits`;
* XML entity bombs: any XML part carrying a `<!DOCTYPE` or `<!ENTITY` declaration is rejected
  (Excel and LibreOffice never write one);
* macros (`xl/vbaProject.bin` in `.xlsm`): ACCEPTED with a warning. roundtrip never runs
  anything from a return, it only reads cell values, so macros are harmless to us; rejecting
  would only make a department re-save for no gain. The warning tells them they were ignored.

The messages are written in `lang`, the programme's language: they reach the department head
in the annotated copy and the coordinator in the validation report.

Legacy `.xls` (OLE2 without encryption streams) passes: the reader can open it, and its
identity sheet decides whether it is a real return.

Time: the size limits bound the work of the Rust reader (which cannot be interrupted from
Python mid-call). `time_limit()` bounds the Python-level work per file (normalising,
validating) without signals, on every platform and in any thread (parallel/deadline.py).
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from roundtrip.errors import Problem, ReturnError
from roundtrip.language import N_, format_number, tr
from roundtrip.parallel.deadline import Deadline, Expired
from roundtrip.returns.part_scanners import (
    PROBED_CELLS,
    ExtentScanner,
    OdsExtentScanner,
    XmlDeclScanner,
)

T = TypeVar("T")

__all__ = [
    "DEFAULT_LIMITS",
    "Limits",
    "TimeLimitError",
    "check_file",
    "ensure_safe",
    "is_lock_file",
    "is_safe",
    "sniff_format",
    "time_limit",
]


@dataclass(frozen=True)
class Limits:
    """Bounds on what a returned file may cost us before we read it."""

    max_bytes: int = 50 * 1024 * 1024  # the file on disk
    max_uncompressed: int = 200 * 1024 * 1024  # all zip members together, declared and actual
    max_ratio: int = 100  # compression ratio allowed for members larger than ratio_floor
    ratio_floor: int = 4 * 1024 * 1024  # small members may compress as well as they like
    max_members: int = 2000
    max_cells: int = 5_000_000  # rows x columns a sheet may span (the reader makes it dense)
    time_limit_s: float = 60.0  # Python-level work per file (see time_limit)


DEFAULT_LIMITS = Limits()

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")

_COUNT_ATTR = re.compile(rb'\b(?:uniqueCount|count)="([0-9]{1,20})"')
_CHUNK = 1024 * 1024
_SIGN = 64 * 1024  # bytes read to sniff a format


class TimeLimitError(ReturnError):
    """Reading or checking one file took longer than allowed."""


def is_lock_file(path: Path) -> bool:
    """Excel's `~$name.xlsx` and LibreOffice's `.~lock.name.xlsx#` owner files."""
    name = path.name
    return name.startswith("~$") or (name.startswith(".~lock.") and name.endswith("#"))


def _problem(path: Path, message: str, severity: str = "error") -> Problem:
    return Problem(file=path.name, message=message, severity=severity)


class _Reject(Exception):  # noqa: N818 - internal control flow, never leaves this module
    """A reason to refuse the file (a MESSAGES key and its values); check_file writes it."""

    def __init__(self, key: str, **params: object) -> None:
        super().__init__(key)
        self.key = key
        self.params = params

    def text(self, lang: str) -> str:
        return message(lang, self.key, **self.params)


def message(lang: str, key: str, **params: object) -> str:
    """MESSAGES[key] in `lang`, its numbers written as that language writes them."""
    values = {
        k: format_number(v, lang) if isinstance(v, (int, float)) and not isinstance(v, bool) else v
        for k, v in params.items()
    }
    return tr(lang, MESSAGES[key]).format(**values)


# What the department head reads: what is wrong, then what to do. (English message ids:
# translated with message() when a file is refused.)
MESSAGES = {
    "lock": N_(
        "this is a lock file that Excel or LibreOffice leaves beside an open workbook, not a "
        "return: it is ignored; send the workbook itself (close it first)"
    ),
    "folder": N_("this is a folder, not a file: put the returned workbook itself in the inbox"),
    "unreadable": N_("cannot open the file ({error}): check it exists and can be read"),
    "empty": N_(
        "the file is empty (0 bytes): it was not saved completely or the attachment was lost; "
        "save it again from Excel as an .xlsx workbook and send it again"
    ),
    "too_large": N_(
        "the file is too large ({size} MB, the limit is {limit} MB); a return is normally well "
        "under 1 MB: remove pictures or extra sheets and send it again"
    ),
    "pdf": N_("this is a PDF, not a workbook: send the Excel workbook you filled in (.xlsx)"),
    "html": N_(
        "this is a web page (HTML), not a workbook (often from 'Save as web page' or a download "
        "link); save it again from Excel as an .xlsx workbook and send it again"
    ),
    "xml": N_(
        "this is an XML file (e.g. 'XML Spreadsheet 2003'), not a workbook; save it again from "
        "Excel as an .xlsx workbook and send it again"
    ),
    "text": N_(
        "this is a CSV/text file: saving as CSV loses the hidden sheet that tells which "
        "department and period the answers belong to, so it cannot be used; send the original "
        ".xlsx workbook instead"
    ),
    "unknown": N_(
        "this is not an Excel workbook (the content is not a format Excel or LibreOffice "
        "writes; it may be damaged or renamed); save it again from Excel as an .xlsx workbook "
        "and send it again"
    ),
    "password": N_(
        "this file is password-protected: open it, remove the password (File > Info > Protect "
        "Workbook > Encrypt with Password, clear it) and send it again"
    ),
    "damaged": N_(
        "the file is damaged (a corrupt or incomplete workbook, e.g. a download or copy that did "
        "not finish); save it again from Excel as an .xlsx workbook and send it again"
    ),
    "cfb": N_(
        "the file is damaged (its internal directory does not fit its size); save it again from "
        "Excel as an .xlsx workbook and send it again"
    ),
    "zip": N_(
        "this is a zip archive, not a workbook: unpack it and send the workbook inside, or send "
        "the filled .xlsx file itself"
    ),
    "twice": N_(
        "the file is damaged (the part {name!r} appears twice); save it again from Excel as an "
        ".xlsx workbook and send it again"
    ),
    "method": N_(
        "the file uses a compression method Excel never writes (method {method}); save it again "
        "from Excel as an .xlsx workbook and send it again"
    ),
    "bomb_parts": N_(
        "the file declares {n} parts (the limit is {limit}), far more than any return workbook: "
        "it is not a normal workbook and was not opened; save it again from Excel as an .xlsx "
        "workbook and send it again"
    ),
    "bomb_size": N_(
        "the file declares {size} MB of content when unpacked (the limit is {limit} MB), far "
        "more than any return workbook: it is not a normal workbook and was not opened; save it "
        "again from Excel as an .xlsx workbook and send it again"
    ),
    "bomb_ratio": N_(
        "the file declares a part that unpacks {ratio}:1 (the limit is {limit}:1), far more "
        "than any return workbook: it is not a normal workbook and was not opened; save it "
        "again from Excel as an .xlsx workbook and send it again"
    ),
    "unpacks": N_(
        "the file unpacks to far more content than any return workbook: it is not a normal "
        "workbook and was not opened; save it again from Excel as an .xlsx workbook and send it "
        "again"
    ),
    "extent_texts": N_(
        "the file declares {n} texts, far more than any return workbook: it was not opened; "
        "delete the extra rows and columns, or copy the answers into the original workbook, and "
        "send it again"
    ),
    "extent": N_(
        "the file declares a sheet spanning {rows} rows x {columns} columns, far more than any "
        "return workbook (often a stray value typed far down or far to the right, e.g. in column "
        "XFD): it was not opened; delete the extra rows and columns, or copy the answers into "
        "the original workbook, and send it again"
    ),
    "doctype": N_(
        "the part {name} contains an XML DOCTYPE/ENTITY declaration, which Excel and LibreOffice "
        "never write (a possible 'entity bomb'): the file was not opened; save it again from "
        "Excel as an .xlsx workbook and send it again"
    ),
    "macros": N_(
        "the workbook contains macros: they were not run and are ignored; only cell values were "
        "read (you can save it as .xlsx next time)"
    ),
    "time": N_(
        "reading the file took longer than {seconds} s and was stopped: it is much larger or "
        "more complex than a return workbook; save it again from Excel as an .xlsx workbook and "
        "send it again"
    ),
}


def sniff_format(head: bytes, suffix: str = "") -> str:
    """The real format from the first bytes: zip, ole2, pdf, html, xml, text, empty, unknown."""
    if not head:
        return "empty"
    if head.startswith(ZIP_MAGICS):
        return "zip"
    if head.startswith(OLE2_MAGIC):
        return "ole2"
    if head.startswith(b"%PDF"):
        return "pdf"
    probe = head[:1024].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if probe.startswith((b"<!doctype html", b"<html", b"<head", b"<body", b"<table", b"<meta")):
        return "html"
    if probe.startswith(b"<?xml"):
        return "html" if b"<html" in head[:4096].lower() else "xml"
    if b"\x00" not in head[:4096]:
        try:
            head[:4096].decode("utf-8")
            return "text"
        except UnicodeDecodeError:
            if suffix == ".csv":
                return "text"
    return "unknown"


def check_file(
    path: Path | str,
    limits: Limits = DEFAULT_LIMITS,
    keep: dict[str, bytes] | None = None,
    *,
    lang: str,
) -> list[Problem]:
    """Every problem that makes `path` unsafe or unusable as a return (errors), plus warnings,
    written in `lang` (the programme's language).

    An empty list, or warnings only, means: hand it to the reader. Never raises for a bad file;
    reads at most `limits.max_bytes` from disk and decompresses at most
    `limits.max_uncompressed` bytes. With `keep` (a dict), the parts of an xlsx-family package
    the reader looks at besides calamine (KEPT_PARTS: worksheets, workbook, its rels, styles,
    core properties) are put in it as they are decompressed, so they are not unpacked twice.
    """
    path = Path(path)
    try:
        found = _check(path, limits, keep)
    except _Reject as exc:
        if keep is not None:
            keep.clear()
        return [_problem(path, exc.text(lang))]
    return [_problem(path, message(lang, key), severity="warning") for key in found]


def is_safe(path: Path | str, limits: Limits = DEFAULT_LIMITS) -> bool:
    """Whether `path` passes check_file without an error (for callers that need no words)."""
    return not any(p.severity == "error" for p in check_file(path, limits, lang="en"))


KEPT_PARTS = frozenset(
    {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "xl/styles.xml", "docProps/core.xml"}
)


def kept_part(name: str) -> bool:
    """Whether the safety check keeps this part's bytes for the reader (cell_formats)."""
    return name in KEPT_PARTS or (name.startswith("xl/worksheets/") and name.endswith(".xml"))


def _check(path: Path, limits: Limits, keep: dict[str, bytes] | None = None) -> list[str]:
    """The MESSAGES keys of the warnings; raises _Reject for an error."""
    if is_lock_file(path):
        raise _Reject("lock")
    try:
        if path.is_dir():
            raise _Reject("folder")
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(_SIGN)
    except OSError as exc:
        raise _Reject("unreadable", error=str(exc.strerror or exc)) from exc
    if size == 0:
        raise _Reject("empty")
    if size > limits.max_bytes:
        raise _Reject("too_large", size=round(size / 2**20, 1), limit=limits.max_bytes >> 20)
    kind = sniff_format(head, path.suffix.lower())
    if kind == "zip":
        return _check_zip(path, limits, keep)
    if kind == "ole2":
        _check_ole2(path)
        return []
    if kind not in ("pdf", "html", "xml", "text") and path.suffix.lower() in (".csv", ".tsv"):
        kind = "text"
    raise _Reject(kind if kind in MESSAGES else "unknown")


def ensure_safe(
    path: Path | str,
    limits: Limits = DEFAULT_LIMITS,
    keep: dict[str, bytes] | None = None,
    *,
    lang: str,
) -> list[Problem]:
    """`check_file`, raising ReturnError for the first error; returns the warnings."""
    problems = check_file(path, limits, keep, lang=lang)
    for p in problems:
        if p.severity == "error":
            raise ReturnError(p)
    return problems


# --- OLE2 / CFB ------------------------------------------------------------------------------


def _check_ole2(path: Path) -> None:
    """Legacy .xls passes; an encrypted OOXML package (CFB with EncryptedPackage) does not.

    The CFB directory stores stream names in UTF-16LE, so the names are found by a bounded scan
    of the file (at most max_bytes, already checked).
    """
    encoded = [n.encode("utf-16-le") for n in ("EncryptedPackage", "EncryptionInfo")]
    tail = b""
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            window = tail + chunk
            if any(e in window for e in encoded):
                raise _Reject("password")
            tail = window[-64:]
    if not _cfb_header_plausible(path):
        raise _Reject("cfb")


def _cfb_header_plausible(path: Path) -> bool:
    """The CFB header's sector counts fit the file (readers allocate by them before checking)."""
    with open(path, "rb") as fh:
        header = fh.read(512)
        size = fh.seek(0, 2)
    if len(header) < 512:
        return False
    shift = struct.unpack_from("<H", header, 0x1E)[0]
    if shift not in (9, 12):
        return False
    sectors = max(size - 512, 0) // (1 << shift) + 1
    fat_len, _dir_start, _sig, _cutoff, _minifat_start, minifat_len, _difat_start, difat_len = (
        struct.unpack_from("<8I", header, 0x2C)
    )
    return fat_len <= sectors and minifat_len <= sectors and difat_len <= sectors


# --- ZIP (xlsx, xlsm, xlsb, ods) -------------------------------------------------------------

_ZIP_ERRORS = (zipfile.BadZipFile, zipfile.LargeZipFile, zlib.error, OSError, EOFError, ValueError)


def _check_zip(path: Path, limits: Limits, keep: dict[str, bytes] | None) -> list[str]:
    try:
        blob = path.read_bytes()  # at most max_bytes (checked): members are sliced from it
        zf = zipfile.ZipFile(io.BytesIO(blob))
    except _ZIP_ERRORS as exc:
        raise _Reject("damaged") from exc
    with zf:
        infos = zf.infolist()
        _check_directory(infos, limits)
        names = {i.filename for i in infos}
        if not _is_workbook(names, zf):
            raise _Reject("zip")
        try:
            _scan_members(zf, infos, limits, keep, blob)
        except (*_ZIP_ERRORS, struct.error, NotImplementedError) as exc:
            raise _Reject("damaged") from exc
    if any(n.lower().endswith("vbaproject.bin") for n in names):
        return ["macros"]
    return []


def _is_workbook(names: set[str], zf: zipfile.ZipFile) -> bool:
    """OOXML (xlsx, xlsm, xlsb) or an OpenDocument spreadsheet."""
    if "[Content_Types].xml" in names and any(n.startswith("xl/workbook.") for n in names):
        return True
    if "content.xml" in names and "mimetype" in names:
        try:
            with zf.open("mimetype") as fh:
                return b"opendocument.spreadsheet" in fh.read(200)
        except (*_ZIP_ERRORS, NotImplementedError):
            return False
    return False


def _check_directory(infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Declared sizes and counts, before decompressing anything."""
    if len(infos) > limits.max_members:
        raise _Reject("bomb_parts", n=len(infos), limit=limits.max_members)
    seen: set[str] = set()
    total = 0
    for info in infos:
        if info.filename in seen:
            raise _Reject("twice", name=info.filename)
        seen.add(info.filename)
        if info.flag_bits & 0x1:
            raise _Reject("password")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise _Reject("method", method=str(info.compress_type))
        total += info.file_size
        if info.file_size > limits.max_uncompressed or total > limits.max_uncompressed:
            raise _Reject("bomb_size", size=total >> 20, limit=limits.max_uncompressed >> 20)
        ratio = info.file_size // max(info.compress_size, 1)
        if info.file_size > limits.ratio_floor and ratio > limits.max_ratio:
            raise _Reject("bomb_ratio", ratio=ratio, limit=limits.max_ratio)


def _scan_members(
    zf: zipfile.ZipFile,
    infos: list[zipfile.ZipInfo],
    limits: Limits,
    keep: dict[str, bytes] | None = None,
    blob: bytes | None = None,
) -> None:
    """Decompress every member as a stream: CRC (damage), actual size (lying bombs), XML decls.

    zipfile stops each member at its declared size and checks the CRC at its end, so a member
    that expands beyond what it declares fails the CRC check (reported as damaged); the declared
    sizes were bounded before, so the total work is bounded by max_uncompressed. A member of at
    most one chunk is unpacked in one call from `blob` (the zip's bytes) by _whole_member, with
    the same checks: most of a return's parts are a few kB, where zipfile's stream costs more
    than the unpacking.
    """
    budget = limits.max_uncompressed
    for info in infos:
        if info.is_dir():
            continue
        lower = info.filename.lower()
        is_xml = lower.endswith((".xml", ".rels", ".vml")) or "." not in lower.rsplit("/", 1)[-1]
        extent: ExtentScanner | OdsExtentScanner | None = None
        if lower.startswith("xl/worksheets/"):
            # A part read in one chunk may be bounded by a probe instead of measured exactly.
            extent = ExtentScanner(info.file_size <= _CHUNK and limits.max_cells >= PROBED_CELLS)
        elif lower == "content.xml":
            extent = OdsExtentScanner()
        decls = XmlDeclScanner() if is_xml else None
        first = lower == "xl/sharedstrings.xml"
        chunks: list[bytes] | None = [] if keep is not None and kept_part(info.filename) else None
        for chunk in _member_chunks(zf, info, blob):
            if chunks is not None:
                chunks.append(chunk)
            budget -= len(chunk)
            if budget < 0:
                raise _Reject("unpacks")
            if first and _declared_count(chunk) > limits.max_cells:
                raise _Reject("extent_texts", n=_declared_count(chunk))
            first = False
            if extent is not None:
                extent.feed(chunk)
                if extent.cells > limits.max_cells:
                    rows, columns = extent.span
                    raise _Reject("extent", rows=rows, columns=columns)
            if decls is not None and decls.feed(chunk):
                raise _Reject("doctype", name=info.filename)
        if chunks is not None and keep is not None:
            keep[info.filename] = b"".join(chunks)


def _member_chunks(
    zf: zipfile.ZipFile, info: zipfile.ZipInfo, blob: bytes | None
) -> Iterator[bytes]:
    """The member's content: in one piece when it is small and the zip's bytes are at hand,
    else streamed by zipfile in chunks of _CHUNK."""
    if blob is not None and info.file_size <= _CHUNK:
        data = _whole_member(blob, info)
        if data:
            yield data
        return
    with zf.open(info) as fh:
        while chunk := fh.read(_CHUNK):
            yield chunk


def _whole_member(blob: bytes, info: zipfile.ZipInfo) -> bytes:
    """A member of at most _CHUNK bytes, unpacked in one call, checked as zipfile checks it:
    the local header's signature and name, then the size and CRC of what comes out. The
    output is bounded by the declared size (plus one byte, to catch a member that lies)."""
    offset = info.header_offset
    header = blob[offset : offset + 30]
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"bad local header for {info.filename!r}")
    name_len, extra_len = struct.unpack_from("<HH", header, 26)
    name = blob[offset + 30 : offset + 30 + name_len]
    if name.decode("utf-8" if info.flag_bits & 0x800 else "cp437") != info.orig_filename:
        raise zipfile.BadZipFile(f"the local name of {info.filename!r} differs")
    start = offset + 30 + name_len + extra_len
    raw = blob[start : start + info.compress_size]
    if len(raw) != info.compress_size:
        raise zipfile.BadZipFile(f"{info.filename!r} is cut short")
    if info.compress_type == zipfile.ZIP_STORED:
        data = raw
    else:
        data = zlib.decompressobj(-15).decompress(raw, info.file_size + 1)
    if len(data) != info.file_size or zlib.crc32(data) != info.CRC:
        raise zipfile.BadZipFile(f"bad size or CRC-32 for {info.filename!r}")
    return data


def _declared_count(chunk: bytes) -> int:
    m = _COUNT_ATTR.search(chunk[:4096])
    return int(m.group(1)) if m else 0


# --- time limit ------------------------------------------------------------------------------


class time_limit:  # noqa: N801 - used as a function: with time_limit(2, name, lang=...)
    """Raise TimeLimitError if the body runs longer than `seconds` (<= 0: no limit); its
    problem is written in `lang`, the programme's language.

    Without signals (parallel/deadline.py): the same on Windows, in any thread, in worker
    processes however started. It cannot stop native code (the Rust reader) mid-call: the
    size limits of check_file bound that work instead. The timeout can arrive as the body
    ends, before ``__exit__`` runs, as a bare `Expired`: `time_limited` catches that too.
    """

    def __init__(self, seconds: float, file: str = "", *, lang: str):
        self.seconds, self.file, self.lang = seconds, file, lang
        self.deadline = Deadline(seconds)

    def __enter__(self) -> None:
        self.deadline.__enter__()

    def __exit__(
        self, typ: type[BaseException] | None, exc: BaseException | None, tb: object
    ) -> None:
        self.deadline.settle()
        if isinstance(exc, self.deadline.expired):
            raise self.error() from None

    def error(self) -> TimeLimitError:
        return TimeLimitError(
            Problem(file=self.file, message=message(self.lang, "time", seconds=self.seconds))
        )


def time_limited(
    seconds: float, file: str, lang: str, fn: Callable[..., T], /, *args: Any, **kwargs: Any
) -> T:
    """`fn(*args, **kwargs)` under `time_limit`: its time up is always TimeLimitError, also
    when the exception arrived as the body ended, outside time_limit's ``__exit__``."""
    limit = time_limit(seconds, file, lang=lang)
    try:
        with limit:
            return fn(*args, **kwargs)
    except Expired as exc:
        limit.deadline.settle()
        if isinstance(exc, limit.deadline.expired):
            raise limit.error() from None
        raise
