"""A minimal streaming .xlsx writer for very large registers (millions of rows).

What it buys: xlsxwriter keeps every cell of a sheet as an object and writes it through its
general cell writer; a register of 1.44M answers has ~50M cells. This writer makes each
sheet's XML with one f-string per cell and deflates it as it goes into a scratch file (flat
memory); the biggest sheet can be made by a worker process
meanwhile (`StreamBook.run_sections`), and `close()` joins the deflated sheets into the zip as
they are. It writes only what the master register needs: text (inline strings, always text:
never a formula), numbers, dates, a few fill styles, column widths, a frozen header and an autofilter
per sheet. Used by export.py above TABLE_ROW_LIMIT; the normal register is written with
xlsxwriter as Excel tables. Texts and numbers are stored as xlsxwriter stores them (text:
roundtrip.xlsx.text.cell_text; numbers: "%.16G"), so both registers hold the same values.
Golden files: tests/test_golden_reports.py (the streamed register).
"""

from __future__ import annotations

import datetime as dt
import math
import os
import pickle
import re
import shutil
import tempfile
import time
import zipfile
import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roundtrip.parallel.pool import Pool, died, shipped, unshipped, workers_for
from roundtrip.xlsx.tables import DATE_FORMAT, TEXT, Col
from roundtrip.xlsx.text import (
    MAX_ROWS,
    MAX_SHEET_NAME,
    SAFE_LENGTH,
    SPECIAL,
    cell_text,
    column_letter,
    is_special,
    quote_sheet,
    string_cell,
    xml_attr,
    xml_escape,
)
from roundtrip.xlsx.zip_copy import TooLarge, ZipCopy

_BUFFER = 1 << 16  # characters gathered before one compressed write
# Style ids: 0 plain, 1 the header, 2 a date cell (StreamBook.date_format), then the fills.
DATE_STYLE, FILL_STYLES = 2, 3
_DATE_FORMAT_ID = 164  # the first id of a workbook's own number formats
_EPOCH = dt.datetime(1899, 12, 31)
# Sections worth a second process (any two, where there are two CPUs), however it starts. A
# spawned worker (Windows) is sent its section pickled, the programme with it: a register of
# 3,000 returns took 8.0 s so (6.5 s forked, 9.7 s in one process); streamed at 100 returns
# (10,000 rows: only registers over 20,000 are streamed) 0.36 s against 0.32 s in one.
POOL_MIN_SECTIONS = 2
# Each sheet is a plain (not zip64) zip member, which Python's zipfile caps at 2 GiB when the
# size is unknown in advance; Excel is also picky about streamed zip64 headers. A sheet whose
# XML reaches this size continues in "Name (2)", like one that reaches Excel's row limit.
SHEET_MAX_BYTES = 1_500_000_000
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def _text(value: object) -> str:
    s = str(value)
    return cell_text(s) if len(s) > SAFE_LENGTH or SPECIAL.search(s) else s


def _as_str(value: object) -> str:
    return value if value.__class__ is str else str(value)


def _long(texts: list[str]) -> bool:
    return any(len(t) > SAFE_LENGTH for t in texts)


class StreamBook:
    """An .xlsx written sheet by sheet; `close()` adds the workbook parts and writes the file.

    Each sheet's XML is deflated as it is made into a file of its own in a scratch folder
    beside the output (its CRC and size counted on the way), so sheets can be made in other
    processes at the same time (`run_sections`); `close()` joins them into the zip as they
    are, without deflating anything again.
    """

    def __init__(
        self,
        path: Path,
        title: str = "",
        max_bytes: int = SHEET_MAX_BYTES,
        date_format: str = DATE_FORMAT,
    ):
        self.path = Path(path)
        self.date_format = date_format  # the date cells' (style id DATE_STYLE)
        self.folder = Path(tempfile.mkdtemp(prefix=".stream-", dir=self.path.parent))
        self.max_bytes = max_bytes
        self.title = title
        self.finished: list[SheetPart] = []  # every sheet made, in workbook order at close
        self.fills: list[str] = []  # "RRGGBB" per fill style, style id = FILL_STYLES + index
        self.started = 0  # sheets started in this process (the first is the selected tab)
        self._names = 0

    def scratch(self) -> Path:
        """A new file name in the scratch folder (unique across worker processes)."""
        self._names += 1
        return self.folder / f"{os.getpid()}-{self._names}.deflate"

    def run_sections(
        self,
        sections: Sequence[Callable[[], None]],
        aside: Sequence[int] = (),
        child: Callable[[], None] | None = None,
        pool_min: int = POOL_MIN_SECTIONS,
    ) -> None:
        """Run the functions that write the sheets, in order; those at the indices `aside`
        (never the first) in a worker process meanwhile (from `pool_min` sections on), after
        `child()` (to open the worker's own connections). Their sheets keep the order of
        `sections`. A forked worker inherits the sections; a spawned one is sent its section
        and `child` pickled (bound methods: their object, this book included), every
        database connection in them left behind (`child` opens the worker's own); a section
        that cannot be pickled is run here."""
        for _ in self.sections_done(sections, aside, child, pool_min):
            pass

    def sections_done(
        self,
        sections: Sequence[Callable[[], None]],
        aside: Sequence[int] = (),
        child: Callable[[], None] | None = None,
        pool_min: int = POOL_MIN_SECTIONS,
    ) -> Iterator[int]:
        """run_sections, one step at a time: the index of each section as it is finished
        (those made here first, then those made aside), for a progress bar. The sheets are
        the book's once it is exhausted; a consumer that stops early stops the workers."""
        pooled = bool(aside) and workers_for(len(sections), pool_min) > 1
        pool = Pool.start(len(aside)) if pooled else None
        futures: dict[int, Any] = {}
        try:
            if pool is not None:
                futures = self._send(pool, sections, aside, child)
            done: dict[int, list[SheetPart]] = {}
            for i, fn in enumerate(sections):
                for future in futures.values():
                    if future.done() and not died(future):
                        future.result()  # a worker that failed: stop now, with its error
                if i not in futures:
                    done[i] = self._section(fn)
                    yield i
            for i, future in futures.items():
                if died(future):  # (out of memory, say): its sheet is made here instead
                    done[i] = self._section(sections[i])
                else:
                    done[i] = future.result()  # (the worker's exception, if it raised)
                yield i
        finally:
            _forked[:] = []
            if pool is not None:  # after a failure the others' sheets are not wanted
                pool.close(futures.values())
        self.finished = [part for i in range(len(sections)) for part in done[i]]

    def _send(
        self,
        pool: Pool,
        sections: Sequence[Callable[[], None]],
        aside: Sequence[int],
        child: Callable[[], None] | None,
    ) -> dict[int, Any]:
        """The sections at `aside` submitted to `pool`'s workers: forked ones inherit them
        (nothing is pickled but an index), spawned ones get each pickled; those not sent
        (a pool that cannot start, a section that cannot be pickled) are run here."""
        futures: dict[int, Any] = {}
        try:
            if pool.inherits:
                _forked[:] = [(self, sections, child)]
                return {i: pool.submit(_run_section, i) for i in aside}
            for i in aside:
                try:
                    payload = shipped((self, sections[i], child))
                except (pickle.PicklingError, TypeError, AttributeError):
                    continue  # (a closure, say): made here
                futures[i] = pool.submit(_run_shipped, payload)
        except Exception:  # noqa: BLE001 - a pool that cannot start: all run here
            return {}
        return futures

    def _section(self, fn: Callable[[], None]) -> list[SheetPart]:
        before = len(self.finished)
        fn()
        return self.finished[before:]

    def _aside(
        self, section: Callable[[], None], child: Callable[[], None] | None
    ) -> list[SheetPart]:
        """(In a worker) run `section` after `child()`; its finished sheets."""
        self.finished = []
        self.started = 1  # never the selected tab: the first section is run by the parent
        if child is not None:
            child()
        return self._section(section)

    def fill(self, colour: str) -> int:
        """A style id with a solid background `#RRGGBB`."""
        rgb = colour.lstrip("#").upper()
        if rgb not in self.fills:
            self.fills.append(rgb)
        return FILL_STYLES + self.fills.index(rgb)

    def table(
        self, name: str, table_name: str, cols: Sequence[Col], headers: Sequence[str], **kw: Any
    ) -> StreamSheet:
        return StreamSheet(self, name, cols, headers, kw.get("max_rows", MAX_ROWS - 1))

    def close(self) -> None:
        """Write the workbook: the finished sheets, then the workbook's own parts."""
        try:
            with open(self.path, "wb") as fh:
                try:
                    self._join(ZipCopy(fh))
                except TooLarge:  # beyond a plain zip's sizes: zipfile writes zip64
                    fh.seek(0)
                    fh.truncate()
                    self._rewrite(fh)
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)

    def abandon(self) -> None:
        """Drop the sheets made so far (after a failure): no workbook is written."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def _join(self, out: ZipCopy) -> None:
        now = time.localtime()[:6]
        for i, part in enumerate(self.finished, start=1):
            out.add_deflated(
                f"xl/worksheets/sheet{i}.xml", _chunks(part.path), part.crc, part.size, now,
                _FILE_ATTR, compressed=part.path.stat().st_size,
            )  # fmt: skip
        for name, text in self._workbook_parts():
            out.add(name, text.encode("utf-8"), now, _FILE_ATTR)
        out.close()

    def _rewrite(self, fh: Any) -> None:
        with zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
            for i, part in enumerate(self.finished, start=1):
                with zf.open(f"xl/worksheets/sheet{i}.xml", "w", force_zip64=True) as out:
                    z = zlib.decompressobj(-15)
                    for chunk in _chunks(part.path):
                        out.write(z.decompress(chunk))
                    out.write(z.flush())
            for name, text in self._workbook_parts():
                zf.writestr(name, text)

    def _workbook_parts(self) -> list[tuple[str, str]]:
        sheets = [(p.title, p.ref) for p in self.finished]
        n = len(sheets)
        names = "".join(
            f'<sheet name="{xml_attr(t)}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
            for i, (t, _ref) in enumerate(sheets)
        )
        filters = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{xml_escape(quote_sheet(t))}!{_abs(ref)}</definedName>"
            for i, (t, ref) in enumerate(sheets)
        )
        rels = "".join(
            f'<Relationship Id="rId{i + 1}" Type="{_REL}/worksheet" '
            f'Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(n)
        )
        rels += f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(n)
        )
        return [
            (
                "xl/workbook.xml",
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
                f"<sheets>{names}</sheets><definedNames>{filters}</definedNames></workbook>",
            ),
            (
                "xl/_rels/workbook.xml.rels",
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Relationships xmlns="{_PKG_REL}">{rels}</Relationships>',
            ),
            ("xl/styles.xml", self._styles()),
            (
                "[Content_Types].xml",
                '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
                'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
                'officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
                f'officedocument.spreadsheetml.styles+xml"/>{overrides}</Types>',
            ),
            (
                "_rels/.rels",
                f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
                f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
            ),
        ]

    def _styles(self) -> str:
        fills = '<fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
        fills += (
            '<fill><patternFill patternType="solid"><fgColor rgb="FFDDEBF7"/></patternFill></fill>'
        )
        fills += "".join(
            f'<fill><patternFill patternType="solid"><fgColor rgb="FF{c}"/></patternFill></fill>'
            for c in self.fills
        )
        xfs = '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
        xfs += (
            '<xf numFmtId="0" fontId="1" fillId="2" borderId="0" xfId="0" applyFont="1" '
            'applyFill="1" applyAlignment="1"><alignment vertical="top" wrapText="1"/></xf>'
        )
        xfs += (
            f'<xf numFmtId="{_DATE_FORMAT_ID}" fontId="0" fillId="0" borderId="0" xfId="0" '
            'applyNumberFormat="1"/>'
        )
        xfs += "".join(
            f'<xf numFmtId="0" fontId="0" fillId="{3 + i}" borderId="0" xfId="0" applyFill="1"/>'
            for i in range(len(self.fills))
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<styleSheet xmlns="{_NS}"><numFmts count="1"><numFmt numFmtId="{_DATE_FORMAT_ID}" '
            f'formatCode="{xml_attr(self.date_format)}"/></numFmts>'
            '<fonts count="2"><font><sz val="11"/><name val="Calibri"/>'
            '</font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
            f'<fills count="{3 + len(self.fills)}">{fills}</fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{FILL_STYLES + len(self.fills)}">{xfs}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        )


def excel_serial(moment: dt.datetime) -> float:
    """A (naive) moment as Excel's serial number: as xlsxwriter's write_datetime counts it."""
    delta = moment - _EPOCH
    serial = delta.days + (float(delta.seconds) + float(delta.microseconds) / 1e6) / (60 * 60 * 24)
    return serial + 1 if serial > 59 else serial  # Excel's 29 February 1900


def _abs(ref: str) -> str:
    a, b = ref.split(":")
    return "$" + re.sub(r"(\d)", r"$\1", a, count=1) + ":$" + re.sub(r"(\d)", r"$\1", b, count=1)


@dataclass(frozen=True)
class SheetPart:
    """A finished sheet: its XML deflated (raw) in `path`, the XML's CRC-32 and size."""

    title: str
    ref: str  # the autofilter's range
    path: Path
    crc: int
    size: int


_FILE_ATTR = 0o600 << 16  # as zipfile gives a member it writes
_forked: list[tuple[StreamBook, Sequence[Callable[[], None]], Callable[[], None] | None]] = []


def _run_section(index: int) -> list[SheetPart]:
    """(In a forked worker) run one section of run_sections; its finished sheets."""
    book, sections, child = _forked[0]
    return book._aside(sections[index], child)


def _run_shipped(payload: bytes) -> list[SheetPart]:
    """(In a spawned worker) run the section `payload` holds (StreamBook._send)."""
    book, section, child = unshipped(payload)
    return book._aside(section, child)


def _chunks(path: Path, size: int = 1 << 20) -> Iterator[bytes]:
    with open(path, "rb") as f:
        while chunk := f.read(size):
            yield chunk


class StreamSheet:
    """The TableSheet interface (add / close) over streamed worksheet XML."""

    def __init__(self, book: StreamBook, name: str, cols, headers, max_rows: int):
        self.book, self.name = book, name[:MAX_SHEET_NAME]
        self.cols, self.headers = tuple(cols), tuple(headers)
        self.text_cols = tuple(c.kind == TEXT for c in self.cols)
        self.letters = tuple(column_letter(i + 1) for i in range(len(self.cols)))
        self.max_rows = max(1, max_rows)
        self.parts = 0
        self.sheets: list[tuple[str, int]] = []
        self._fh: Any = None
        self._buf: list[str] = []
        self._size = 0
        self._rows = 0
        self._start()

    def _start(self) -> None:
        self.parts += 1
        suffix = f" ({self.parts})"
        title = (
            self.name
            if self.parts == 1
            else self.name[: MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
        )
        self.title = title
        self._path = self.book.scratch()
        self._fh = open(self._path, "wb")  # noqa: SIM115 - closed by _finish
        self._z = zlib.compressobj(1, zlib.DEFLATED, -15)
        self._crc = 0
        self._bytes = 0
        self.book.started += 1
        cols = "".join(
            f'<col min="{i + 1}" max="{i + 1}" width="{c.width}" customWidth="1"/>'
            for i, c in enumerate(self.cols)
        )
        sel = ' tabSelected="1"' if self.book.started == 1 else ""
        head = "".join(
            string_cell(f"{self.letters[i]}1", ' s="1"', str(h)) for i, h in enumerate(self.headers)
        )
        self._write(
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{_NS}" '
            f'xmlns:r="{_REL}"><sheetViews><sheetView workbookViewId="0"{sel}><pane ySplit="1" '
            'topLeftCell="A2" activePane="bottomLeft" state="frozen"/></sheetView></sheetViews>'
            f'<sheetFormatPr defaultRowHeight="15"/><cols>{cols}</cols><sheetData>'
            f'<row r="1" ht="30" customHeight="1">{head}</row>'
        )
        self._rows = 0

    def _write(self, s: str) -> None:
        self._buf.append(s)
        self._size += len(s)
        if self._size >= _BUFFER:
            self._flush()

    def _flush(self) -> None:
        if self._buf:
            data = "".join(self._buf).encode("utf-8")
            self._crc = zlib.crc32(data, self._crc)
            self._fh.write(self._z.compress(data))
            self._bytes += len(data)
        self._buf, self._size = [], 0

    def add(self, values: Sequence[Any], formats: dict[int, Any] | None = None) -> None:
        if self._rows >= self.max_rows or self._bytes >= self.book.max_bytes:
            self._finish()
            self._start()
        self._rows += 1
        r = self._rows + 1
        out, texts = self._cells(r, values, formats, _as_str)
        # One test over the row's texts ("|" cannot be part of anything SPECIAL matches); the
        # rare row with something to escape, or a very long text, is written again, escaped.
        if texts:
            joined = "|".join(texts)
            if is_special(joined) or (len(joined) > SAFE_LENGTH and _long(texts)):
                out, _ = self._cells(r, values, formats, _text)
        out.append("</row>")
        self._write("".join(out))

    def _cells(
        self,
        r: int,
        values: Sequence[Any],
        formats: dict[int, Any] | None,
        text: Callable[[object], str],
    ) -> tuple[list[str], list[str]]:
        """Row r's XML up to its end tag, each text made by `text`; and those texts. The cells
        are xlsx.text's string_cell (xml:space always) and number_cell, spelt inline: this
        loop writes every cell of a huge register (tests/test_xlsx_text.py: the same XML)."""
        out = [f'<row r="{r}">']
        texts = []
        for i, (letter, text_col, v) in enumerate(
            zip(self.letters, self.text_cols, values, strict=True)
        ):
            if v is None or v == "":
                continue
            style = f' s="{formats[i]}"' if formats and i in formats else ""
            if text_col or isinstance(v, str) or (isinstance(v, float) and not math.isfinite(v)):
                t = text(v)
                texts.append(t)
                out.append(
                    f'<c r="{letter}{r}"{style} t="inlineStr"><is><t xml:space="preserve">'
                    f"{t}</t></is></c>"
                )
            elif v.__class__ is dt.datetime:  # (a DATE column's: texts, the most, never get here)
                style = style or f' s="{DATE_STYLE}"'
                out.append(f'<c r="{letter}{r}"{style}><v>{excel_serial(v):.16G}</v></c>')
            else:
                out.append(f'<c r="{letter}{r}"{style}><v>{v:.16G}</v></c>')
        return out, texts

    def _finish(self) -> None:
        last = self.letters[-1]
        ref = f"A1:{last}{max(self._rows, 1) + 1}"
        self._write(f'</sheetData><autoFilter ref="{ref}"/></worksheet>')
        self._flush()
        self._fh.write(self._z.flush())
        self._fh.close()
        self.book.finished.append(SheetPart(self.title, ref, self._path, self._crc, self._bytes))
        self.sheets.append((self.title, self._rows))

    def close(self) -> None:
        self._finish()
