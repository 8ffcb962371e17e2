"""The lines of an action table, whatever format it comes in, each knowing its source cell.

`read_table(path)` reads:

* a tab-separated ``.txt``/``.tsv`` as copied out of a word processor, and a ``.csv`` (``,``,
  ``;`` or tab, sniffed): one line per physical line (a csv record that spans lines is
  numbered by the line where it starts); blank lines are kept;
* an Excel ``.xlsx``/``.xlsm`` (openpyxl) and an OpenDocument ``.ods`` (calamine): every
  sheet in order, each row that holds any text, its cells from column A (a table that starts
  at C5 keeps its column letters);
* a Word ``.docx`` (see `word`): headings and other paragraphs, and the rows of every table,
  in document order.

The cells of a merged range (Excel) or merged cell (Word) other than the one holding the text
are "", and where they lie below the range's first row their column is in
`RawLine.continued`. Bad input is refused before anything is parsed, with one ConfigError
line: an empty file, a password, an old binary .doc/.xls, a damaged or too large file.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
import zlib
from collections.abc import Callable
from pathlib import Path

from roundtrip.errors import ConfigError, RoundtripError, UsageError
from roundtrip.language import _, console_language, format_number
from roundtrip.programme.tables.lines import RawLine, clean_text, damaged

MB = 1024 * 1024
MAX_FILE = 200 * MB  # the file itself
MAX_XML = 512 * MB  # the XML parts of a .docx/.xlsx/.ods once unpacked (media not counted)
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # an OLE compound file: .doc/.xls, or encrypted
ZIP_MAGIC = b"PK\x03\x04"
PACKAGES = (".docx", ".xlsx", ".xlsm", ".ods")
MISSING_PART = re.compile(r"no item named '([^']*)'|'([^']*)' file not found")  # zipfile, calamine


def _empty(path: Path) -> ConfigError:
    return ConfigError([], _("{file} is empty: there is no table to import").format(file=path.name))


def _megabytes(size: int) -> str:
    return format_number(size / MB, console_language(), decimals=1)


# --------------------------------------------------------------------------- the entry


def read_table(path: Path) -> list[RawLine]:
    """Every line of the table at `path`; UsageError for a format import does not take,
    ConfigError (one line) for a file that cannot be imported. Nothing is written."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix in (".doc", ".dot"):
        raise UsageError(_old_word(path))
    if suffix in (".xls", ".xlt"):
        raise UsageError(_old_excel(path))
    reader = READERS.get(suffix)
    if reader is None:
        raise UsageError(
            _("{file}: import takes .docx, .xlsx, .ods, .csv or a tab-separated .txt").format(
                file=path.name
            )
        )
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise _unreadable(path, exc) from exc
    if size > MAX_FILE:
        raise ConfigError(
            [],
            _("{file} is too large to import: {size} MB, the limit is {limit} MB").format(
                file=path.name, size=_megabytes(size), limit=_megabytes(MAX_FILE)
            ),
        )
    if not size:
        raise _empty(path)
    if suffix in PACKAGES:
        _check_package(path, head)
    elif head.startswith((ZIP_MAGIC, OLE_MAGIC)):
        raise damaged(path, _("it holds a workbook or a document, not text"))
    try:
        lines = reader(path)
    except (RoundtripError, MemoryError):
        raise
    except OSError as exc:
        if exc.errno is None:  # not the file system: what a reader says of the content
            raise damaged(path, _detail(exc)) from exc
        raise _unreadable(path, exc) from exc
    except Exception as exc:  # a damaged file: one clear line, never a traceback
        raise damaged(path, _detail(exc)) from exc
    if not any(cell for line in lines for cell in line.cells):
        raise _empty(path)
    return lines


def _unreadable(path: Path, exc: OSError) -> ConfigError:
    return ConfigError(
        [],
        _("{file}: cannot read the table ({error})").format(
            file=path.name, error=exc.strerror or type(exc).__name__
        ),
    )


def _old_word(path: Path) -> str:
    return _(
        "{file} is an old Word document (.doc): open it in Word, save it as .docx and import that"
    ).format(file=path.name)


def _old_excel(path: Path) -> str:
    return _(
        "{file} is an old Excel workbook (.xls): open it in Excel, save it as .xlsx and import that"
    ).format(file=path.name)


def _detail(exc: Exception) -> str:
    """What went wrong inside a package, in words where we know them."""
    missing = MISSING_PART.search(str(exc))
    if missing:
        return _("no {part} inside").format(part=missing.group(1) or missing.group(2))
    if isinstance(exc, OSError):  # openpyxl: "File contains no valid workbook part"
        return _("no workbook inside")
    if isinstance(exc, (zipfile.BadZipFile, EOFError, zlib.error)):
        return _("a part of the file is corrupt")
    if "XML" in type(exc).__name__ or "Xml" in type(exc).__name__:
        return _("broken XML")
    return type(exc).__name__


# --------------------------------------------------------------------------- checks


def _check_package(path: Path, head: bytes) -> None:
    """A .docx/.xlsx/.ods is a zip of sensible size, not an encrypted or old binary file."""
    suffix = path.suffix.lower()
    if head == OLE_MAGIC:
        if _ole_encrypted(path):
            raise ConfigError([], _protected(path))
        if suffix == ".docx":
            raise ConfigError([], _old_word(path))
        if suffix in (".xlsx", ".xlsm"):
            raise ConfigError([], _old_excel(path))
        raise damaged(path, _("an old Office file"))
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            if suffix == ".ods" and _ods_encrypted(zf):
                raise ConfigError([], _protected(path))
    except (zipfile.BadZipFile, ValueError, EOFError, OSError) as exc:
        if not head.startswith(ZIP_MAGIC):
            raise damaged(path, _("not a zip archive")) from exc
        raise damaged(path, _("the file is cut short or its zip directory is broken")) from exc
    xml = sum(i.file_size for i in infos if i.filename.lower().endswith((".xml", ".rels")))
    if xml > MAX_XML:
        raise ConfigError(
            [],
            _(
                "{file} is too large to import: its text would unpack to {size} MB, "
                "the limit is {limit} MB"
            ).format(file=path.name, size=_megabytes(xml), limit=_megabytes(MAX_XML)),
        )


def _ods_encrypted(zf: zipfile.ZipFile) -> bool:
    """An OpenDocument file saved with a password (its manifest lists encryption data)."""
    manifest = next((i for i in zf.infolist() if i.filename == "META-INF/manifest.xml"), None)
    return (
        manifest is not None and manifest.file_size < MB and b"encryption-data" in zf.read(manifest)
    )


def _protected(path: Path) -> str:
    if path.suffix.lower() == ".ods":
        return _(
            "{file} is protected by a password: open it in LibreOffice, save it without the "
            "password (File > Save As, untick Save with password) and import again"
        ).format(file=path.name)
    return _(
        "{file} is protected by a password: open it, remove the password "
        "(File > Info > Protect), save it and import again"
    ).format(file=path.name)


def _ole_encrypted(path: Path) -> bool:
    """An OLE file holding an encrypted Office package (its EncryptionInfo stream)."""
    needle = "EncryptionInfo".encode("utf-16-le")
    tail = b""
    with path.open("rb") as fh:
        while chunk := fh.read(4 * MB):
            if needle in tail + chunk[: len(needle)] or needle in chunk:
                return True
            tail = chunk[-len(needle) :]
    return False


# --------------------------------------------------------------------------- text


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):  # Excel's "Unicode text" is UTF-16
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            pass
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _read_text(path: Path) -> list[RawLine]:
    text = _decode(path.read_bytes())
    return [
        RawLine(i, tuple(clean_text(c) for c in line.split("\t")))
        for i, line in enumerate(text.splitlines(), start=1)
    ]


def _read_csv(path: Path) -> list[RawLine]:
    text = _decode(path.read_bytes())
    sample = text[:4096]
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = max(",;\t", key=sample.count)
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    out, start = [], 1
    for row in reader:
        out.append(RawLine(start, tuple(clean_text(c) for c in row)))
        start = reader.line_num + 1
    return out


# --------------------------------------------------------------------------- sheets


def _sheet_lines(
    sheet: str, values: dict[int, dict[int, str]], continued: dict[int, set[int]]
) -> list[RawLine]:
    """The rows holding text; `values[row][column]` and `continued[row]` 1-based rows,
    0-based columns."""
    out = []
    for row in sorted(values):
        more = continued.get(row, set())
        texts = {c: t for c, t in values[row].items() if c not in more}
        if not texts:
            continue
        width = max(max(texts) + 1, max(more, default=-1) + 1)
        cells = tuple(texts.get(c, "") for c in range(width))
        out.append(RawLine(row, cells, sheet=sheet, continued=frozenset(more)))
    return out


def _merged(
    ranges: list[tuple[int, int, int, int]], values: dict[int, dict[int, str]]
) -> dict[int, set[int]]:
    """Row -> the columns continuing a merged range's first row, for `ranges` of 1-based
    (first row, first column, last row, last column), bounded by the cells that hold text."""
    last_row = max(values, default=0)
    width = max((max(cols) + 1 for cols in values.values() if cols), default=0)
    out: dict[int, set[int]] = {}
    for min_row, min_col, max_row, max_col in ranges:
        columns = range(min_col - 1, min(max_col, width))
        for row in range(min_row + 1, min(max_row, last_row) + 1):
            out.setdefault(row, set()).update(columns)
    return out


def _read_xlsx(path: Path) -> list[RawLine]:
    from openpyxl import load_workbook

    with warnings.catch_warnings():  # unsupported extensions, data validation...: not ours
        warnings.simplefilter("ignore")
        wb = load_workbook(path, read_only=False, data_only=True)
    try:
        out = []
        for ws in wb.worksheets:
            values: dict[int, dict[int, str]] = {}
            # the cells that exist: iter_rows would make every cell of the used range
            for (row, col), cell in ws._cells.items():
                text = clean_text(cell.value)
                if text:
                    values.setdefault(row, {})[col - 1] = text
            ranges = [(r.min_row, r.min_col, r.max_row, r.max_col) for r in ws.merged_cells]
            out += _sheet_lines(ws.title, values, _merged(ranges, values))
        return out
    finally:
        wb.close()


def _read_ods(path: Path) -> list[RawLine]:
    from python_calamine import CalamineWorkbook

    out = []
    with CalamineWorkbook.from_path(str(path)) as wb:
        for name in wb.sheet_names:
            sheet = wb.get_sheet_by_name(name)
            values: dict[int, dict[int, str]] = {}
            for row, cells in enumerate(sheet.to_python(skip_empty_area=False), start=1):
                texts = {c: t for c, v in enumerate(cells) if (t := clean_text(v))}
                if texts:
                    values[row] = texts
            ranges = [
                (r0 + 1, c0 + 1, r1 + 1, c1 + 1)
                for (r0, c0), (r1, c1) in (sheet.merged_cell_ranges or [])
            ]
            out += _sheet_lines(name, values, _merged(ranges, values))
    return out


def _read_docx(path: Path) -> list[RawLine]:
    from roundtrip.programme.tables.word import read_docx

    return read_docx(path)


READERS: dict[str, Callable[[Path], list[RawLine]]] = {
    ".txt": _read_text,
    ".tsv": _read_text,
    ".csv": _read_csv,
    ".xlsx": _read_xlsx,
    ".xlsm": _read_xlsx,
    ".ods": _read_ods,
    ".docx": _read_docx,
}
