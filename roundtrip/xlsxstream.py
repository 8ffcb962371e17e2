"""A minimal streaming .xlsx writer for very large registers (millions of rows).

xlsxwriter spends ~15 µs per cell; a register of 1.44M answers has ~50M cells. This writer
streams each sheet's XML straight into a zip64 member (flat memory) with one f-string per cell,
several times faster. It writes only what the master register needs: text (inline strings,
always text: never a formula), numbers, a few fill styles, column widths, a frozen header and
an autofilter per sheet. Used by export.py above TABLE_ROW_LIMIT; the normal register is
written with xlsxwriter as Excel tables.
"""

from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape as _xml_escape

from .contract import column_letter
from .tablesheet import EXCEL_MAX_ROWS, TEXT, Col
from .xmltext import SPECIAL, cell_text

_BUFFER = 1 << 16  # characters gathered before one compressed write
# Each sheet is a plain (not zip64) zip member, which Python's zipfile caps at 2 GiB when the
# size is unknown in advance; Excel is also picky about streamed zip64 headers. A sheet whose
# XML reaches this size continues in "Name (2)", like one that reaches Excel's row limit.
SHEET_MAX_BYTES = 1_500_000_000
_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


def _text(value: object) -> str:
    s = str(value)
    return cell_text(s) if len(s) > 16383 or SPECIAL.search(s) else s


class StreamBook:
    """An .xlsx written sheet by sheet; `close()` adds the workbook parts."""

    def __init__(self, path: Path, title: str = "", max_bytes: int = SHEET_MAX_BYTES):
        self.zf = zipfile.ZipFile(str(path), "w", zipfile.ZIP_DEFLATED, compresslevel=1)
        self.max_bytes = max_bytes
        self.title = title
        self.sheets: list[tuple[str, str]] = []  # (title, autofilter ref)
        self.fills: list[str] = []  # "RRGGBB" per fill style, style id = 2 + index
        self._open: StreamSheet | None = None

    def fill(self, colour: str) -> int:
        """A style id with a solid background `#RRGGBB`."""
        rgb = colour.lstrip("#").upper()
        if rgb not in self.fills:
            self.fills.append(rgb)
        return 2 + self.fills.index(rgb)

    def table(
        self, name: str, table_name: str, cols: Sequence[Col], headers: Sequence[str], **kw: Any
    ) -> StreamSheet:
        return StreamSheet(self, name, cols, headers, kw.get("max_rows", EXCEL_MAX_ROWS - 1))

    def close(self) -> None:
        zf = self.zf
        n = len(self.sheets)
        sheets = "".join(
            f'<sheet name="{_xml_escape(t, {chr(34): "&quot;"})}" sheetId="{i + 1}" r:id="rId{i + 1}"/>'
            for i, (t, _ref) in enumerate(self.sheets)
        )
        names = "".join(
            f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
            f"{_xml_escape(_quote(t))}!{_abs(ref)}</definedName>"
            for i, (t, ref) in enumerate(self.sheets)
        )
        zf.writestr(
            "xl/workbook.xml",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook xmlns="{_NS}" xmlns:r="{_REL}"><bookViews><workbookView/></bookViews>'
            f"<sheets>{sheets}</sheets><definedNames>{names}</definedNames></workbook>",
        )
        rels = "".join(
            f'<Relationship Id="rId{i + 1}" Type="{_REL}/worksheet" '
            f'Target="worksheets/sheet{i + 1}.xml"/>'
            for i in range(n)
        )
        rels += f'<Relationship Id="rId{n + 1}" Type="{_REL}/styles" Target="styles.xml"/>'
        zf.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PKG_REL}">{rels}</Relationships>',
        )
        zf.writestr("xl/styles.xml", self._styles())
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i + 1}.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(n)
        )
        zf.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
            'officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-'
            f'officedocument.spreadsheetml.styles+xml"/>{overrides}</Types>',
        )
        zf.writestr(
            "_rels/.rels",
            f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<Relationships xmlns="{_PKG_REL}"><Relationship Id="rId1" '
            f'Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        zf.close()

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
        xfs += "".join(
            f'<xf numFmtId="0" fontId="0" fillId="{3 + i}" borderId="0" xfId="0" applyFill="1"/>'
            for i in range(len(self.fills))
        )
        return (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<styleSheet xmlns="{_NS}"><fonts count="2"><font><sz val="11"/><name val="Calibri"/>'
            '</font><font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
            f'<fills count="{3 + len(self.fills)}">{fills}</fills>'
            '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
            '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            f'<cellXfs count="{2 + len(self.fills)}">{xfs}</cellXfs>'
            '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            "</styleSheet>"
        )


def _quote(title: str) -> str:
    return "'" + title.replace("'", "''") + "'"


def _abs(ref: str) -> str:
    a, b = ref.split(":")
    return "$" + re.sub(r"(\d)", r"$\1", a, count=1) + ":$" + re.sub(r"(\d)", r"$\1", b, count=1)


class StreamSheet:
    """The TableSheet interface (add / close) over streamed worksheet XML."""

    def __init__(self, book: StreamBook, name: str, cols, headers, max_rows: int):
        self.book, self.name = book, name[:31]
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
        title = self.name if self.parts == 1 else self.name[: 31 - len(suffix)].rstrip() + suffix
        self.title = title
        index = len(self.book.sheets) + 1
        self._fh = self.book.zf.open(f"xl/worksheets/sheet{index}.xml", "w")
        self._bytes = 0
        cols = "".join(
            f'<col min="{i + 1}" max="{i + 1}" width="{c.width}" customWidth="1"/>'
            for i, c in enumerate(self.cols)
        )
        sel = ' tabSelected="1"' if index == 1 else ""
        head = "".join(
            f'<c r="{self.letters[i]}1" s="1" t="inlineStr"><is><t>{_text(h)}</t></is></c>'
            for i, h in enumerate(self.headers)
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
            self._fh.write(data)
            self._bytes += len(data)
        self._buf, self._size = [], 0

    def add(self, values: Sequence[Any], formats: dict[int, Any] | None = None) -> None:
        if self._rows >= self.max_rows or self._bytes >= self.book.max_bytes:
            self._finish()
            self._start()
        self._rows += 1
        r = self._rows + 1
        out = [f'<row r="{r}">']
        letters, text_cols = self.letters, self.text_cols
        for i, v in enumerate(values):
            if v is None or v == "":
                continue
            style = f' s="{formats[i]}"' if formats and i in formats else ""
            if (
                text_cols[i]
                or isinstance(v, str)
                or (isinstance(v, float) and not math.isfinite(v))
            ):
                out.append(
                    f'<c r="{letters[i]}{r}"{style} t="inlineStr"><is><t xml:space="preserve">'
                    f"{_text(v)}</t></is></c>"
                )
            else:
                out.append(f'<c r="{letters[i]}{r}"{style}><v>{v!r}</v></c>')
        out.append("</row>")
        self._write("".join(out))

    def _finish(self) -> None:
        last = self.letters[-1]
        ref = f"A1:{last}{max(self._rows, 1) + 1}"
        self._write(f'</sheetData><autoFilter ref="{ref}"/></worksheet>')
        self._flush()
        self._fh.close()
        self.book.sheets.append((self.title, ref))
        self.sheets.append((self.title, self._rows))

    def close(self) -> None:
        self._finish()
