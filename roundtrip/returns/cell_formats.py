"""What a return's cells look like beyond their values: number formats, formulas, error
cells and who saved the file, read from the xlsx package's parts (the ones the safety check
has already decompressed), with openpyxl only for what the parts cannot tell for sure.

read.py asks: are there formulas or error cells, and what is the number format of these cells
(a 0.5 shown as 50 % is a percent)?
"""

from __future__ import annotations

import functools
import re
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from defusedxml import ElementTree as SafeET

_FORMULA_TAG = re.compile(rb"<(?:\w+:)?f[\s>/]")
# A cell of type error (t="e"), e.g. #DIV/0! pasted as a value: calamine reads it as '', so
# openpyxl is asked for its text, as for formulas.
_ERROR_CELL_TAG = re.compile(rb'<(?:\w+:)?c\s[^>]*\bt="e"')


def package_parts(path: Path) -> dict[str, bytes]:
    """The parts read looks at beside calamine (safety.KEPT_PARTS), read from the zip at `path`
    ({} when it is none). read_return gets them from the safety check instead, which has
    decompressed them anyway."""
    from roundtrip.returns.safety import kept_part

    try:
        with zipfile.ZipFile(path) as zf:
            return {i.filename: zf.read(i) for i in zf.infolist() if kept_part(i.filename)}
    except (OSError, zipfile.BadZipFile, ValueError):
        return {}


def is_ooxml(package: Mapping[str, bytes]) -> bool:
    """An xlsx-family package (xlsx, xlsm) by its content, whatever its name says: not .xls
    (OLE2), .ods (no xl/) or .xlsb (xl/workbook.bin)."""
    return "xl/workbook.xml" in package


def signer_of(package: Mapping[str, bytes]) -> str:
    """lastModifiedBy, else creator, from docProps/core.xml."""
    data = package.get("docProps/core.xml")
    if data is None or len(data) > 1_000_000:
        return ""
    try:
        root = _parse_xml(data)
    except Exception:
        return ""
    found = {el.tag.rsplit("}", 1)[-1]: (el.text or "").strip() for el in root}
    return found.get("lastModifiedBy") or found.get("creator") or ""


def _parse_xml(data: bytes) -> Any:
    """A package part parsed safely (never modified by the caller).

    Returns generated in one run share their workbook.xml, rels and styles.xml byte for byte,
    so small parts are parsed once per process.
    """
    if len(data) > 262_144:
        return SafeET.fromstring(data)
    return _parse_small(data)


@functools.lru_cache(maxsize=64)
def _parse_small(data: bytes) -> Any:
    return SafeET.fromstring(data)


def sheet_parts(package: Mapping[str, bytes]) -> dict[str, bytes]:
    """Part name -> bytes of every worksheet XML part (xl/worksheets/*.xml)."""
    return {
        name: data
        for name, data in package.items()
        if name.startswith("xl/worksheets/") and name.endswith(".xml")
    }


_NS_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_NS_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_ATTR_S = re.compile(rb'\ss="([0-9]+)"')


def number_formats(
    package: Mapping[str, bytes], wanted: dict[str, set[str]]
) -> dict[tuple[str, str], tuple[str, str, str]] | None:
    """(sheet, ref) -> (number format, "", "") read straight from the XML; None when unsure.

    The number format is the one openpyxl reports: the cell's style (s, default 0) in
    styles.xml's cellXfs, its numFmtId looked up in the file's numFmts, else the built-in
    formats, else General. Only for files without formulas; anything unusual (a cell without
    its r reference, a cell written twice, a missing part) answers None and the caller asks
    openpyxl.
    """
    try:
        part_of, xfs, custom = _book_styles(
            package["xl/workbook.xml"],
            package["xl/_rels/workbook.xml.rels"],
            package["xl/styles.xml"],
        )
    except KeyError:
        return None
    parts = sheet_parts(package)
    out: dict[tuple[str, str], tuple[str, str, str]] = {}
    for name, refs in wanted.items():
        data = parts.get(part_of.get(name, ""))
        if data is None:
            return None
        r_first = _r_first(data)
        if not r_first and len(_ANY_CELL.findall(data)) != len(_CELL_R.findall(data)):
            return None  # a cell without its r="...", or with a namespace prefix: ask openpyxl
        for ref in refs:
            found = _cell_tags(data, ref, r_first)
            if len(found) != 1:
                if found:
                    return None
                continue  # no such cell: nothing known, as openpyxl would say
            st = _ATTR_S.search(found[0])
            xf = int(st.group(1)) if st else 0
            if xf >= len(xfs):
                return None
            fid = xfs[xf]
            out[(name, ref)] = (custom.get(fid) or _builtin_format(fid), "", "")
    return out


def _r_first(data: bytes) -> bool:
    """Every cell is written `<c r="..."` (r first, as Excel, LibreOffice, openpyxl and
    xlsxwriter write it) and none has a prefix. Each test is one pass with a literal start
    (a regex with alternatives, or one that may start anywhere, is much slower)."""
    if _CELL_NOT_R_FIRST.search(data) is not None:
        return False
    return b":c" not in data or _PREFIXED_CELL.search(data) is None


def _cell_tags(data: bytes, ref: str, r_first: bool) -> list[bytes]:
    """The start tags of the cells written with reference `ref` (normally one)."""
    if not r_first:
        return re.findall(rb'<c\s[^>]*?\br="' + ref.encode() + rb'"[^>]*>', data)
    key = b'<c r="' + ref.encode() + b'"'
    out, at = [], data.find(key)
    while at >= 0:
        out.append(data[at : data.index(b">", at) + 1])
        at = data.find(key, at + 1)
    return out


_PREFIXED_CELL = re.compile(rb"<\w+:c[\s>/]")
_CELL_NOT_R_FIRST = re.compile(rb'<c(?:[>/\t\r\n]| (?!r="))')
_CELL_R = re.compile(rb'<c\s[^>]*?\br="[A-Z]+[0-9]+"')
_ANY_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")


# The built-in number formats (ECMA-376 Part 1, 18.8.30) exactly as openpyxl spells them, so
# both ways of reading a format agree (a test compares the two); here so that reading a return
# never imports openpyxl (its import is paid again by every reader process).
BUILTIN_FORMATS: dict[int, str] = {
    0: "General",
    1: "0",
    2: "0.00",
    3: "#,##0",
    4: "#,##0.00",
    5: '"$"#,##0_);("$"#,##0)',
    6: '"$"#,##0_);[Red]("$"#,##0)',
    7: '"$"#,##0.00_);("$"#,##0.00)',
    8: '"$"#,##0.00_);[Red]("$"#,##0.00)',
    9: "0%",
    10: "0.00%",
    11: "0.00E+00",
    12: "# ?/?",
    13: "# ??/??",
    14: "mm-dd-yy",
    15: "d-mmm-yy",
    16: "d-mmm",
    17: "mmm-yy",
    18: "h:mm AM/PM",
    19: "h:mm:ss AM/PM",
    20: "h:mm",
    21: "h:mm:ss",
    22: "m/d/yy h:mm",
    37: "#,##0_);(#,##0)",
    38: "#,##0_);[Red](#,##0)",
    39: "#,##0.00_);(#,##0.00)",
    40: "#,##0.00_);[Red](#,##0.00)",
    41: '_(* #,##0_);_(* \\(#,##0\\);_(* "-"_);_(@_)',
    42: '_("$"* #,##0_);_("$"* \\(#,##0\\);_("$"* "-"_);_(@_)',
    43: '_(* #,##0.00_);_(* \\(#,##0.00\\);_(* "-"??_);_(@_)',
    44: '_("$"* #,##0.00_)_("$"* \\(#,##0.00\\)_("$"* "-"??_)_(@_)',
    45: "mm:ss",
    46: "[h]:mm:ss",
    47: "mmss.0",
    48: "##0.0E+0",
    49: "@",
}


def _builtin_format(fid: int) -> str:
    return BUILTIN_FORMATS.get(fid, "General")


@functools.lru_cache(maxsize=16)
def _book_styles(
    book_xml: bytes, rels_xml: bytes, styles_xml: bytes
) -> tuple[dict[str, str], list[int], dict[int, str]]:
    """(sheet name -> part, cellXfs' numFmtIds, custom numFmtId -> code), once per package."""
    book = _parse_xml(book_xml)
    targets = {r.get("Id"): r.get("Target", "") for r in _parse_xml(rels_xml)}
    part_of: dict[str, str] = {}
    for sh in book.iter(f"{_NS_MAIN}sheet"):
        target = targets.get(sh.get(f"{_NS_REL}id"), "")
        part_of[sh.get("name", "")] = (
            target.lstrip("/") if target.startswith("/") else "xl/" + target
        )
    styles = _parse_xml(styles_xml)
    custom = {
        int(f.get("numFmtId", "-1")): f.get("formatCode", "")
        for f in styles.iter(f"{_NS_MAIN}numFmt")
    }
    xfs_el = styles.find(f"{_NS_MAIN}cellXfs")
    xfs = [int(x.get("numFmtId", "0")) for x in xfs_el] if xfs_el is not None else []
    return part_of, xfs, custom


def inspect_cells(
    path: Path, wanted: dict[str, set[str]]
) -> dict[tuple[str, str], tuple[str, str, str]]:
    """(sheet, ref) -> (number format, formula, Excel error text) of the wanted cells (openpyxl).

    The error text (#DIV/0!) is that of an error cell without a formula; "" otherwise.
    """
    import openpyxl

    out: dict[tuple[str, str], tuple[str, str, str]] = {}
    # A file object, not the path: openpyxl refuses a name not ending .xlsx/.xlsm even when the
    # content is one (the caller has checked the content).
    fh = open(path, "rb")  # noqa: SIM115 - closed below, after the workbook
    try:
        wb = openpyxl.load_workbook(fh, read_only=True, data_only=False, keep_links=False)
    except BaseException:
        fh.close()
        raise
    try:
        for name, refs in wanted.items():
            if name not in wb.sheetnames or not refs:
                continue
            ws = wb[name]
            max_row = max(int(re.sub(r"[A-Z]+", "", ref)) for ref in refs)
            for row in ws.iter_rows(min_row=1, max_row=max_row):
                for cell in row:
                    ref = getattr(cell, "coordinate", None)
                    if ref in refs:
                        v = cell.value
                        formula = v if isinstance(v, str) and v.startswith("=") else ""
                        error = str(v) if cell.data_type == "e" and v is not None else ""
                        out[(name, ref)] = (cell.number_format or "", formula, error)
    finally:
        wb.close()
        fh.close()
    return out


# <f> without a prefix: a literal start makes the search much faster than _FORMULA_TAG's
# optional prefix (the sheet's <formula1>, <firstHeader>... do not match).
_PLAIN_FORMULA_TAG = re.compile(rb"<f[ >/\t\r\n]")


def has_formula_or_error(data: bytes) -> bool:
    """A formula or an error cell in the sheet XML (the prefixed-tag regex only when a prefix
    may be there)."""
    return bool(
        _PLAIN_FORMULA_TAG.search(data)
        or (b":f" in data and _FORMULA_TAG.search(data))
        or (b't="e"' in data and _ERROR_CELL_TAG.search(data))
    )
