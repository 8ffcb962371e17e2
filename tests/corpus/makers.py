"""File makers for the corpus: openpyxl edits of a filled return and low-level zip rewrites."""

from __future__ import annotations

import datetime as dt
import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import openpyxl

from roundtrip.language.wording import wording
from roundtrip.returns import contract as c

PERIOD = "2025Q3"
OTHER_PERIOD = "2025Q2"
DEPT = "YEP"
OTHER_DEPT = "HAL"
NOW = dt.datetime(2025, 10, 1, 8, 0, tzinfo=dt.UTC)

ON_TRACK = "Etenee suunnitellusti"
COUNT_METRIC = "P1-01-M2"
YESNO_METRIC = "P1-01-M1"
FIRST = "P1-01"  # first action row (row 4)
BLANK_PLAN = "P1-03"  # an action whose schedule/metric/responsible are blank in the plan
# Text that a spreadsheet would turn into a formula or a link if written carelessly.
FORMULA_TEXTS = {
    "P1-01": '=HYPERLINK("http://x","y")',
    "P1-02": "@SUM(A1)",
    "P1-03": "+1+1",
    "P1-04": "-2",
    "P1-05": "http://example.com",
}


def _sheet(key: str) -> str:
    return wording("fi")["sheets"][key]


ACTIONS = _sheet("actions")
METRICS = _sheet("metrics")
IDENTITY = _sheet("identity")


def _col(sheet_key: str, column_key: str) -> str:
    keys = [col.key for col in c.COLUMNS[sheet_key]]
    return openpyxl.utils.get_column_letter(keys.index(column_key) + 1)


STATUS_COL = _col("actions", "status")
PROGRESS_COL = _col("actions", "progress")
COMMENT_COL = _col("actions", "comment")
VALUE_COL = _col("metrics", "value")


# --- editing helpers -------------------------------------------------------------------------


def _fill(src: Path, dst: Path, programme, dept: str = DEPT, **over) -> Path:
    from roundtrip.demo.fill import ActionAnswer, fill_return

    answers = {a.id: ActionAnswer(ON_TRACK, 50, "Edistyy.") for a in programme.actions_of(dept)}
    metrics: dict[str, object] = {}
    for a in programme.actions_of(dept):
        for m in a.metrics:
            metrics[m.id] = "Kyllä" if m.kind == "yesno" else 3
    answers.update(over.pop("answers", {}))
    metrics.update(over.pop("metrics", {}))
    return fill_return(src, dst, answers, metrics, signer="Testi Täyttäjä", **over)


def _edit(src: Path, dst: Path, fn: Callable[[openpyxl.Workbook], None]) -> Path:
    wb = openpyxl.load_workbook(src)
    fn(wb)
    wb.save(dst)
    return dst


def _rewrite_zip(
    src: Path,
    dst: Path,
    fn: Callable[[str, bytes], bytes | None] = lambda n, d: d,
    extra: dict[str, bytes] | None = None,
) -> Path:
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = fn(info.filename, zin.read(info))
            if data is not None:
                zout.writestr(info.filename, data)
        for name, data in (extra or {}).items():
            zout.writestr(name, data)
    return dst


def _row_of(wb: openpyxl.Workbook, sheet: str, item_id: str) -> int:
    ws = wb[sheet]
    for r in range(c.FIRST_DATA_ROW, ws.max_row + 1):
        if str(ws.cell(r, 1).value or "").strip() == item_id:
            return r
    raise KeyError(item_id)


def _set(sheet: str, item_id: str, col: str, value, number_format: str = "") -> Callable:
    def fn(wb: openpyxl.Workbook) -> None:
        cell = wb[sheet][f"{col}{_row_of(wb, sheet, item_id)}"]
        cell.value = value
        if number_format:
            cell.number_format = number_format

    return fn


def _set_text(sheet: str, item_id: str, col: str, text: str) -> Callable:
    """Write `text` as a text cell even when it looks like a formula (as a person pasting)."""

    def fn(wb: openpyxl.Workbook) -> None:
        cell = wb[sheet][f"{col}{_row_of(wb, sheet, item_id)}"]
        cell.value = text
        cell.data_type = "s"

    return fn


def _identity_edit(secret: bytes | None, **changes: str) -> Callable:
    """Change identity fields; re-sign with `secret` (None: keep the old signature)."""

    def fn(wb: openpyxl.Workbook) -> None:
        ws = wb[IDENTITY]
        rows = {str(ws.cell(r, 1).value): r for r in range(1, ws.max_row + 1)}
        fields = {k: str(ws.cell(rows[k], 2).value or "") for k in c.IDENTITY_FIELDS}
        fields.update(changes)
        for k, v in changes.items():
            ws.cell(rows[k], 2).value = v
        if secret is not None:
            ws.cell(rows[c.SIGNATURE_FIELD], 2).value = c.sign(fields, secret)

    return fn


def soffice_convert(files: list[Path], out_dir: Path, target: str, timeout: int = 180) -> None:
    """Convert with LibreOffice headless, private profile, bounded in time."""
    from soffice import convert

    convert(files, out_dir, target, timeout=timeout, check=False)


# --- case makers -----------------------------------------------------------------------------


def _data_rows(ws) -> list[int]:
    return [r for r in range(c.FIRST_DATA_ROW, ws.max_row + 1) if ws.cell(r, 1).value]


def _sort_rows_desc(wb: openpyxl.Workbook) -> None:
    ws = wb[ACTIONS]
    rows = _data_rows(ws)
    values = [[ws.cell(r, col).value for col in range(1, ws.max_column + 1)] for r in rows]
    for r, vals in zip(rows, reversed(values), strict=True):
        for col, v in enumerate(vals, start=1):
            ws.cell(r, col).value = v


def _hide_rows(wb: openpyxl.Workbook) -> None:
    ws = wb[ACTIONS]
    rows = _data_rows(ws)
    ws.auto_filter.ref = (
        f"A{c.HEADER_ROW}:{openpyxl.utils.get_column_letter(ws.max_column)}{rows[-1]}"
    )
    for r in rows[::2]:
        ws.row_dimensions[r].hidden = True


def _insert_column(wb: openpyxl.Workbook) -> None:
    for name in (ACTIONS, METRICS):
        ws = wb[name]
        ws.insert_cols(2)
        ws.cell(c.HEADER_ROW, 2).value = "Omat huomiot"


def _rename_sheet(wb: openpyxl.Workbook) -> None:
    wb[ACTIONS].title = "Toimet (muokattu)"


def _merge_comments(wb: openpyxl.Workbook) -> None:
    ws = wb[ACTIONS]
    r = _row_of(wb, ACTIONS, "P1-04")
    ws.merge_cells(f"{COMMENT_COL}{r}:{COMMENT_COL}{r + 1}")


def _delete_row(sheet: str, item_id: str) -> Callable:
    def fn(wb: openpyxl.Workbook) -> None:
        wb[sheet].delete_rows(_row_of(wb, sheet, item_id))

    return fn


def _copy_identity(other: Path) -> Callable:
    src = openpyxl.load_workbook(other)[IDENTITY]
    values = [(row[0].value, row[1].value) for row in src.iter_rows(min_row=1, max_col=2)]

    def fn(wb: openpyxl.Workbook) -> None:
        ws = wb[IDENTITY]
        for r, (k, v) in enumerate(values, start=1):
            ws.cell(r, 1).value, ws.cell(r, 2).value = k, v

    return fn


def _append_rows(src: Path, dst: Path, n: int) -> Path:
    """`n` filled rows without IDs appended to the actions sheet (written as XML: fast)."""
    part = _sheet_part(src, ACTIONS)
    first = 1000
    rows = "".join(
        f'<row r="{r}"><c r="C{r}" t="inlineStr"><is><t>rivi {r}</t></is></c>'
        f'<c r="{STATUS_COL}{r}" t="inlineStr"><is><t>{ON_TRACK}</t></is></c>'
        f'<c r="{PROGRESS_COL}{r}"><v>10</v></c></row>'
        for r in range(first, first + n)
    )

    def fn(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        data = re.sub(rb'<dimension ref="[^"]*"/>', b"", data)
        return data.replace(b"</sheetData>", rows.encode() + b"</sheetData>", 1)

    return _rewrite_zip(src, dst, fn)


def _sheet_part(path: Path, title: str) -> str:
    """The zip member of a worksheet by its title (workbook.xml + rels)."""
    with zipfile.ZipFile(path) as zf:
        wbxml = zf.read("xl/workbook.xml").decode()
        rels = zf.read("xl/_rels/workbook.xml.rels").decode()
    m = re.search(rf'<sheet [^>]*name="{re.escape(title)}"[^>]*r:id="([^"]+)"', wbxml)
    rid = m.group(1)
    target = re.search(rf'<Relationship [^>]*Id="{rid}"[^>]*Target="([^"]+)"', rels) or re.search(
        rf'<Relationship [^>]*Target="([^"]+)"[^>]*Id="{rid}"', rels
    )
    t = target.group(1).lstrip("/")
    return t if t.startswith("xl/") else f"xl/{t}"


def _cell_xml(src: Path, dst: Path, sheet: str, ref: str, inner: str, typ: str = "") -> Path:
    """Replace cell `ref` of `sheet` by <c r=ref>inner</c> (a formula with a saved value)."""
    part = _sheet_part(src, sheet)
    pattern = re.compile(rf'<c r="{ref}"[^>]*?(?:/>|>.*?</c>)'.encode(), re.S)

    def fn(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        attrs = f' t="{typ}"' if typ else ""
        new, n = pattern.subn(f'<c r="{ref}"{attrs}>{inner}</c>'.encode(), data, count=1)
        assert n == 1, f"{ref} not found in {part}"
        return new

    return _rewrite_zip(src, dst, fn)


def _far_cell(src: Path, dst: Path, ref: str, row: int) -> Path:
    part = _sheet_part(src, ACTIONS)
    extra = f'<row r="{row}"><c r="{ref}" t="inlineStr"><is><t>x</t></is></c></row></sheetData>'

    def fn(name: str, data: bytes) -> bytes:
        return data.replace(b"</sheetData>", extra.encode(), 1) if name == part else data

    return _rewrite_zip(src, dst, fn)


def _entity_bomb(src: Path, dst: Path) -> Path:
    """A billion-laughs DOCTYPE in the actions sheet, referenced from a comment cell."""
    ents = ['<!ENTITY a0 "lol">'] + [f'<!ENTITY a{i} "{f"&a{i - 1};" * 10}">' for i in range(1, 10)]
    decl = f"<!DOCTYPE worksheet [{''.join(ents)}]>".encode()
    part = _sheet_part(src, ACTIONS)
    cell = re.compile(rf'<c r="{COMMENT_COL}4"[^>]*?(?:/>|>.*?</c>)'.encode(), re.S)

    def fn(name: str, data: bytes) -> bytes:
        if name != part:
            return data
        head, sep, rest = data.partition(b"?>")
        if not sep:
            head, rest = b"", data
        rest = cell.sub(
            f'<c r="{COMMENT_COL}4" t="inlineStr"><is><t>&a9;</t></is></c>'.encode(), rest, 1
        )
        return head + sep + decl + rest

    return _rewrite_zip(src, dst, fn)


def _with_macros(src: Path, dst: Path) -> Path:
    def fn(name: str, data: bytes) -> bytes:
        if name == "[Content_Types].xml":
            data = data.replace(
                b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml",
                b"application/vnd.ms-excel.sheet.macroEnabled.main+xml",
            ).replace(
                b"</Types>",
                b'<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/></Types>',
            )
        if name == "xl/_rels/workbook.xml.rels":
            data = data.replace(
                b"</Relationships>",
                b'<Relationship Id="rIdVba" Type="http://schemas.microsoft.com/office/2006/'
                b'relationships/vbaProject" Target="vbaProject.bin"/></Relationships>',
            )
        return data

    vba = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + b"\x00" * 504
        + b'Attribute VB_Name = "Module1"\nSub AutoOpen()\nEnd Sub\n'
    )
    return _rewrite_zip(src, dst, fn, extra={"xl/vbaProject.bin": vba})


def _plain_zip(dst: Path) -> Path:
    with zipfile.ZipFile(dst, "w") as zf:
        zf.writestr("readme.txt", "not a workbook")
    return dst


def _corrupt(src: Path, dst: Path) -> Path:
    data = bytearray(src.read_bytes())
    with zipfile.ZipFile(src) as zf:
        info = max(zf.infolist(), key=lambda i: i.compress_size)
    start = info.header_offset + 30 + len(info.filename) + 40
    for i in range(start, start + 64):
        data[i] ^= 0x5A
    dst.write_bytes(bytes(data))
    return dst


def _encrypt(src: Path, dst: Path) -> Path:
    import msoffcrypto.format.ooxml as ooxml

    with open(src, "rb") as fin, open(dst, "wb") as fout:
        ooxml.OOXMLFile(fin).encrypt("salasana", fout)
    return dst


def _declared_bomb(src: Path, dst: Path) -> Path:
    """A normal file whose central directory claims a 3 GB sheet."""
    _rewrite_zip(src, dst)
    data = bytearray(dst.read_bytes())
    name = _sheet_part(src, ACTIONS).encode()
    pos = data.rfind(b"PK\x01\x02" + b"", 0)
    while pos != -1:
        n = int.from_bytes(data[pos + 28 : pos + 30], "little")
        if bytes(data[pos + 46 : pos + 46 + n]) == name:
            data[pos + 24 : pos + 28] = (3_000_000_000).to_bytes(4, "little")
            break
        pos = data.rfind(b"PK\x01\x02", 0, pos)
    dst.write_bytes(bytes(data))
    return dst


def _actual_bomb(src: Path, dst: Path, megabytes: int, declare: int = 0) -> Path:
    """A real member of `megabytes` MB of spaces in a sheet XML comment (~1000:1).

    With `declare`, the zip directory lies: the member claims to unpack to `declare` bytes.
    """
    part = "xl/worksheets/sheet99.xml"
    _rewrite_zip(src, dst)
    with (
        zipfile.ZipFile(dst, "a", zipfile.ZIP_DEFLATED, compresslevel=1) as zf,
        zf.open(part, "w", force_zip64=True) as fh,
    ):
        fh.write(b"<?xml version='1.0'?><!--")
        block = b" " * (1 << 20)
        for _ in range(megabytes):
            fh.write(block)
        fh.write(b"-->")
    if declare:
        _patch_sizes(dst, part.encode(), declare)
    return dst


def _patch_sizes(path: Path, name: bytes, size: int) -> None:
    """Set the uncompressed size of member `name` in its zip64 extra fields to `size`."""
    data = bytearray(path.read_bytes())
    for sig, fixed in ((b"PK\x01\x02", 46), (b"PK\x03\x04", 30)):
        pos = data.find(sig)
        while pos != -1:
            n_off = 28 if sig == b"PK\x01\x02" else 26
            n = int.from_bytes(data[pos + n_off : pos + n_off + 2], "little")
            if bytes(data[pos + fixed : pos + fixed + n]) == name:
                field_at = pos + (24 if sig == b"PK\x01\x02" else 22)
                if data[field_at : field_at + 4] != b"\xff\xff\xff\xff":
                    data[field_at : field_at + 4] = size.to_bytes(4, "little")
                extra_at = pos + fixed + n
                m = int.from_bytes(data[pos + n_off + 2 : pos + n_off + 4], "little")
                extra = data[extra_at : extra_at + m]
                i = 0
                while i + 4 <= len(extra):
                    tag = int.from_bytes(extra[i : i + 2], "little")
                    ln = int.from_bytes(extra[i + 2 : i + 4], "little")
                    if tag == 1:  # zip64: uncompressed size first
                        data[extra_at + i + 4 : extra_at + i + 12] = size.to_bytes(8, "little")
                    i += 4 + ln
            pos = data.find(sig, pos + 4)
    path.write_bytes(bytes(data))


def _ods_repeated_bomb(src: Path, dst: Path) -> Path:
    """A real .ods whose actions table gains one value repeated 16384 x 1048576 times."""
    row = (
        b'<table:table-row table:number-rows-repeated="1000000">'
        b'<table:table-cell table:number-columns-repeated="16384" office:value-type="string" '
        b'calcext:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row>'
    )

    def fn(name: str, data: bytes) -> bytes:
        if name != "content.xml":
            return data
        at = data.index(b"</table:table>")
        return data[:at] + row + data[at:]

    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():  # mimetype first and stored, as ODF requires
            kind = zipfile.ZIP_STORED if info.filename == "mimetype" else zipfile.ZIP_DEFLATED
            zout.writestr(info.filename, fn(info.filename, zin.read(info)), compress_type=kind)
    return dst
