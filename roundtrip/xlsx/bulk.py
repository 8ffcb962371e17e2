"""Fast rows for big sheets: xlsxwriter writes the sheet's frame, we stream the rows' XML.

What it buys: xlsxwriter keeps every cell as an object and writes it through its general cell
writer; a council summary of 180,000 actions has millions of cells. For the big row blocks
(action lists, metrics) the sheet writer reserves rows with two marker cells (`reserve`),
xlsxwriter writes everything else as usual (headers, widths, print setup,
filters, sparklines, charts), and `finish` rewrites the finished file once, replacing the
marker rows with the block's rows generated as XML text. Big blocks are rendered and deflated
by worker processes (render_ahead); the main process deflates only each sheet's frame around
them and joins the parts (zip_copy.deflate_part, crc32_combine), copying the other members
as they are.

Forked workers inherit the blocks (nothing is pickled). Spawned ones (Windows, or
ROUNDTRIP_START_METHOD=spawn) are sent the blocks whose rows can be pickled (a module-level
function over picklable data); a block whose rows come from a closure is rendered here. The
summary's are such closures: its action rows are made as they are read (summary/data.py,
Rows) from the figures in this process, so under spawn the summary renders its rows here
and only its passes run beside (summary/passes.py). Sending them would mean making them here
first: at 180,000 actions 1.6 s to make and 0.6 s to pickle (0.9 s to unpickle there),
against 3.7 s to render every block here, in a summary of 6.5 s; at most 1.5 s to gain, and
only with picklable row makers in summary/ (data.py, sheets.py, metrics.py).

Cells are (column, value, format): a str becomes an inline string (escaped, never a formula),
an int/float a number ("%.16G", as xlsxwriter writes it), None a formatted blank; text is
escaped by roundtrip.xlsx.text.cell_text, as xlsxwriter escapes it. Formats get their style
index before the workbook is closed (`xf`: xlsxwriter_private.xf_index), so they are written
into styles.xml. Golden files: tests/test_golden_reports.py (the summary, rendered inline and
by workers); tests/test_scale_paths.py checks the fast row XML against the careful one and
the sparklines made here against xlsxwriter's.
"""

from __future__ import annotations

import os
import pickle
import re
import shutil
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, cast

from xlsxwriter.worksheet import Worksheet

from roundtrip.parallel.pool import Pool, inherits, shipped, unshipped, workers_for
from roundtrip.xlsx.text import (
    CONTROL,
    LETTERS,
    LOOKALIKE,
    SAFE_LENGTH,
    blank_cell,
    is_special,
    number_cell,
    string_cell,
)
from roundtrip.xlsx.xlsxwriter_private import xf_index as xf  # noqa: F401 (the sheets' name)
from roundtrip.xlsx.zip_copy import TooLarge, ZipCopy, copyable, crc32_combine, deflate_part

MARKER = "rt-bulk-rows-7f3a"
COMPRESS = 1  # deflate level: the row XML is repetitive; level 1 is much faster, a little bigger

Cell = tuple[int, object, int]  # column, value, style index (from xf)
Row = tuple[Sequence[Cell], float | None]  # cells, height in points (None: default)


# Anything that needs escaping or xml:space="preserve"; most strings need neither.
_SPECIAL = re.compile(f"[&<>{CONTROL}]|{LOOKALIKE}|^\\s|\\s$")


# The same test over a row's strings joined by "|", in cheap pieces (one alternation of it all
# costs ~5 us a row): a "|" beside a space is a false alarm, which only sends the row the
# careful way. One test per row instead of one per cell.
_SPACE_AT_SEPARATOR = re.compile(r"\|(?:\s|(?<=\s\|))")


def needs_care(joined: str) -> bool:
    """Whether some of the strings joined by "|" need escaping or xml:space (or a false alarm)."""
    return (
        len(joined) > SAFE_LENGTH
        or is_special(joined)
        or joined[:1].isspace()
        or joined[-1:].isspace()
        or _SPACE_AT_SEPARATOR.search(joined) is not None
    )


def row_xml(row: int, cells: Sequence[Cell], height: float | None = None) -> str:
    """One <row> (row is 0-based) in the worksheet XML's form: xlsx.text's number_cell,
    blank_cell and string_cell spelt inline (this loop writes every cell of a big summary);
    a row with text that needs escaping or xml:space is written by _row_xml_careful."""
    r = row + 1
    out = [f'<row r="{r}" ht="{height:g}" customHeight="1">' if height else f'<row r="{r}">']
    cols = LETTERS
    texts = []
    for col, value, style in cells:
        if value is None:
            out.append(f'<c r="{cols[col]}{r}" s="{style}"/>')
        elif value.__class__ is str:
            texts.append(value)
            out.append(
                f'<c r="{cols[col]}{r}" s="{style}" t="inlineStr"><is><t>{value}</t></is></c>'
            )
        else:
            out.append(f'<c r="{cols[col]}{r}" s="{style}"><v>{value:.16G}</v></c>')
    if texts and needs_care("|".join(texts)):
        return _row_xml_careful(row, cells, height)
    out.append("</row>")
    return "".join(out)


def _row_xml_careful(row: int, cells: Sequence[Cell], height: float | None = None) -> str:
    """row_xml escaping cell by cell (a row with text that needs it), by the one cell
    writer (roundtrip.xlsx.text); row_xml writes the same XML for the usual cells inline."""
    r = row + 1
    out = [f'<row r="{r}" ht="{height:g}" customHeight="1">' if height else f'<row r="{r}">']
    cols = LETTERS
    for col, value, style in cells:
        ref, s = f"{cols[col]}{r}", f' s="{style}"'
        if value is None:
            out.append(blank_cell(ref, s))
        elif value.__class__ is str:
            out.append(string_cell(ref, s, value))
        else:
            out.append(number_cell(ref, s, cast(float, value)))  # (int, float or bool)
    out.append("</row>")
    return "".join(out)


@dataclass(frozen=True)
class Block:
    sheet_index: int  # 1-based, the order sheets were added
    first_row: int  # 0-based, inclusive
    last_row: int
    # yields the rows first_row..last_row in order: (cells, height), or a row's finished XML
    # (a sheet writer's own fast path for rows whose text needs no escaping: see needs_care)
    rows: Callable[[], Iterable[Row | str]]
    # More of the sheet's XML made here rather than by xlsxwriter: (anchor, text) puts text()
    # right after the first `anchor` that follows the rows (the metric sheet's sparklines).
    insert: tuple[str, Callable[[], str]] | None = None


def reserve(sheet: Worksheet, first_row: int, last_row: int) -> None:
    """Mark the block's first and last rows (the marker rows are replaced by `finish`)."""
    sheet.write_string(first_row, 0, MARKER)
    if last_row != first_row:
        sheet.write_string(last_row, 0, MARKER)


def _rows_span(xml: str, block: Block) -> tuple[int, int]:
    """Start and end offsets of the marker rows' XML in the sheet."""
    start = xml.index(f'<row r="{block.first_row + 1}"')
    last = xml.index(f'<row r="{block.last_row + 1}"', start)
    end = xml.index("</row>", last) + len("</row>")
    if MARKER not in xml[start:end]:
        raise ValueError("bulk marker rows not found")
    return start, end


def _with_insert(tail: str, block: Block) -> str:
    """The sheet's XML after the rows, with the block's insert (if any) in place."""
    if block.insert is None:
        return tail
    anchor, text = block.insert
    at = tail.index(anchor) + len(anchor)  # ValueError: the frame lacks what was promised
    return tail[:at] + text() + tail[at:]


PARALLEL_MIN_ROWS = 20_000  # blocks this big are rendered in worker processes

_forked: Sequence[Block] = ()  # the blocks, as worker processes inherit them (fork)


def _row_chunks(block: Block) -> Iterator[bytes]:
    """The block's rows as XML, in chunks of ~2,000 rows."""
    chunk: list[str] = []
    for i, item in enumerate(block.rows()):
        if item.__class__ is str:
            chunk.append(item)
        else:
            chunk.append(row_xml(block.first_row + i, *item))
        if len(chunk) >= 2000:
            yield "".join(chunk).encode("utf-8")
            chunk = []
    yield "".join(chunk).encode("utf-8")


def _write_rows(block: Block, fout: IO[bytes]) -> None:
    """The block's rows as XML, written to `fout`."""
    for chunk in _row_chunks(block):
        fout.write(chunk)


Rendered = tuple[Path, int, int]  # a block's rows as raw deflate (a file), their CRC-32, size


def _deflate_rows(block: Block, target: Path) -> Rendered:
    """The block's rows deflated into `target` as a part that joins others (deflate_part)."""
    z = zlib.compressobj(COMPRESS, zlib.DEFLATED, -15)
    crc = size = 0
    with open(target, "wb") as fout:
        for chunk in _row_chunks(block):
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            fout.write(z.compress(chunk))
        fout.write(z.flush(zlib.Z_SYNC_FLUSH))
    return target, crc, size


def _render_to_file(index: int, target: str) -> Rendered:
    """(In a forked worker) render the block at `index` of the inherited blocks."""
    return _deflate_rows(_forked[index], Path(target))


def _render_shipped(payload: bytes, target: str) -> Rendered:
    """(In a spawned worker) render the block `payload` holds."""
    return _deflate_rows(unshipped(payload), Path(target))


class Ahead:
    """Blocks being rendered by worker processes, each into a file of its rows' XML, deflated
    there too (the main process only joins the parts into the zip).

    Start it as soon as the blocks exist (forked workers inherit them then, so nothing is
    pickled but file names; spawned ones are sent the blocks `shipped`) and let the main
    process go on (xlsxwriter writing the rest of the file); `files()` waits. The XML is byte
    for byte what the inline path writes (tested).
    """

    def __init__(
        self, blocks: Sequence[Block], folder: Path, pool: Pool, payloads: Mapping[int, bytes]
    ) -> None:
        self.pool = pool  # forked after _forked was set to `blocks`, or spawned
        order = sorted(range(len(blocks)), key=lambda i: blocks[i].first_row - blocks[i].last_row)
        self.futures = {
            i: self.pool.submit(*_task(i, payloads, str(folder / f"block{i}.deflate")))
            for i in order
            if pool.inherits or i in payloads
        }

    def files(self) -> dict[int, Rendered]:
        """Block index -> its rendered rows (those sent); {} if a worker failed (render inline
        then)."""
        try:
            return {i: f.result() for i, f in self.futures.items()}
        except Exception:  # noqa: BLE001 - a broken pool: the inline path does it all
            return {}
        finally:
            self.close()

    def close(self) -> None:
        """Stop: blocks not finished are dropped (a failure, Ctrl-C), their workers ended."""
        global _forked
        self.pool.close(self.futures.values())
        _forked = ()


def _task(i: int, payloads: Mapping[int, bytes], target: str) -> tuple:
    """What a worker is sent for block `i`: its index (forked), or the block (spawned)."""
    if i in payloads:
        return _render_shipped, payloads[i], target
    return _render_to_file, i, target


def _payloads(blocks: Sequence[Block]) -> dict[int, bytes]:
    """The blocks a spawned worker can be sent, pickled (their insert is made here, not
    there); a block whose rows are made by a closure over this process's data cannot be."""
    out = {}
    for i, block in enumerate(blocks):
        try:
            out[i] = shipped(replace(block, insert=None))
        except (pickle.PicklingError, TypeError, AttributeError):
            continue
    return out


def render_ahead(
    blocks: Sequence[Block], folder: Path, pool_min_rows: int = PARALLEL_MIN_ROWS
) -> Ahead | None:
    """Start rendering the blocks in worker processes; None when they have fewer than
    `pool_min_rows` rows in all, there is one CPU, or no process can be started (finish
    renders them inline then). Spawned workers render only the blocks whose rows can be
    pickled (see the module's docstring); the others are rendered inline."""
    global _forked
    rows = sum(b.last_row - b.first_row + 1 for b in blocks)
    workers = workers_for(len(blocks), 2) if rows >= pool_min_rows else 1
    if workers < 2:
        return None
    payloads: dict[int, bytes] = {}
    if not inherits():
        payloads = _payloads(blocks)
        if not payloads:
            return None
        workers = min(workers, len(payloads))
    else:
        _forked = blocks  # (what the workers inherit)
    pool = Pool.start(workers)
    if pool is None:
        _forked = ()
        return None
    folder.mkdir(parents=True, exist_ok=True)
    try:
        return Ahead(blocks, folder, pool, payloads)
    except (OSError, NotImplementedError):
        pool.close()
        _forked = ()
        return None


def render_here(blocks: Sequence[Block], folder: Path, start: int) -> dict[int, Rendered]:
    """Render blocks[start:] in this process now (while an Ahead's workers render the ones
    before), for `finish`'s `done`."""
    folder.mkdir(parents=True, exist_ok=True)
    return {
        i: _deflate_rows(blocks[i], folder / f"here{i}.deflate") for i in range(start, len(blocks))
    }


def _prerender(blocks: Sequence[Block], folder: Path, pool_min_rows: int) -> dict[int, Rendered]:
    """render_ahead, waited for at once."""
    ahead = render_ahead(blocks, folder, pool_min_rows)
    return ahead.files() if ahead is not None else {}


def finish(
    path: Path,
    blocks: Sequence[Block],
    ahead: Ahead | None = None,
    done: Mapping[int, Rendered] | None = None,
    pool_min_rows: int = PARALLEL_MIN_ROWS,
) -> None:
    """Rewrite the xlsx at `path`, every block's rows in place of its markers (from `ahead`'s
    files when it was started with render_ahead, and `done`'s, from render_here; with
    neither, rendered by worker processes from `pool_min_rows` rows on). Members
    without rows are copied as they are; a sheet's frame around its rows is deflated here and
    joined to the rows' deflate."""
    if not blocks:
        return
    by_member = {f"xl/worksheets/sheet{b.sheet_index}.xml": i for i, b in enumerate(blocks)}
    tmp = path.with_name(path.name + ".bulk")
    try:
        with tempfile.TemporaryDirectory(prefix=".bulk-", dir=path.parent) as folder:
            rendered = dict(done or {})
            if ahead is not None:
                rendered.update(ahead.files())
            elif not rendered:
                rendered = _prerender(blocks, Path(folder), pool_min_rows)
            try:
                _join(path, tmp, blocks, by_member, rendered, Path(folder))
            except TooLarge:  # beyond a plain zip's sizes: zipfile writes zip64
                _rewrite(path, tmp, blocks, by_member)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def _join(
    path: Path, tmp: Path, blocks: Sequence[Block], by_member: dict[str, int],
    rendered: dict[int, Rendered], folder: Path,
) -> None:  # fmt: skip
    with zipfile.ZipFile(path) as src, open(path, "rb") as raw, open(tmp, "wb") as fh:
        out = ZipCopy(fh)
        for info in src.infolist():
            index = by_member.get(info.filename)
            if index is None:
                if copyable(info):
                    out.copy(raw, info)
                else:
                    out.add(info.filename, src.read(info), info.date_time, info.external_attr)
                continue
            block = blocks[index]
            xml = src.read(info).decode("utf-8")
            start, end = _rows_span(xml, block)
            head = xml[:start].encode("utf-8")
            tail = _with_insert(xml[end:], block).encode("utf-8")
            rows, crc, size = rendered.get(index) or _deflate_rows(block, folder / f"{index}")
            crc = crc32_combine(
                crc32_combine(zlib.crc32(head), crc, size), zlib.crc32(tail), len(tail)
            )
            parts = [
                deflate_part(head, False, COMPRESS),
                rows.read_bytes(),
                deflate_part(tail, True, COMPRESS),
            ]
            total = len(head) + size + len(tail)
            out.add_deflated(info.filename, parts, crc, total, info.date_time, info.external_attr)
        out.close()


def _rewrite(path: Path, tmp: Path, blocks: Sequence[Block], by_member: dict[str, int]) -> None:
    """finish through zipfile (zip64 when needed), every part deflated again here."""
    with (
        zipfile.ZipFile(path) as src,
        zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED, compresslevel=COMPRESS) as dst,
    ):
        for info in src.infolist():
            index = by_member.get(info.filename)
            if index is None:
                with src.open(info) as fin, dst.open(info, "w") as fout:
                    shutil.copyfileobj(fin, fout)
                continue
            block = blocks[index]
            xml = src.read(info).decode("utf-8")
            start, end = _rows_span(xml, block)
            with dst.open(info.filename, "w", force_zip64=True) as fout:
                fout.write(xml[:start].encode("utf-8"))
                _write_rows(block, fout)
                fout.write(_with_insert(xml[end:], block).encode("utf-8"))
