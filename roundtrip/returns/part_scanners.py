"""Checks streamed over a zip member's bytes before any parser sees them (used by safety.py).

* ExtentScanner: the box of cells an xlsx worksheet refers to (python-calamine makes a dense
  grid of it), with a one-search probe for the usual small sheet;
* OdsExtentScanner: the same for an OpenDocument table, repeated rows and columns counted;
* XmlDeclScanner: a DOCTYPE or ENTITY declaration (an "entity bomb") in UTF-8 or UTF-16 XML.

Each is fed the member's chunks in order and keeps a short tail, so a reference or a
declaration split across two chunks is still found.
"""

from __future__ import annotations

import codecs
import operator
import re

from roundtrip.xlsx.text import column_index

_DECL = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_CELL_REF = re.compile(rb'r="([A-Z]{1,3})([0-9]{1,7})"')  # no \b: a literal prefix searches faster
_ROW_REF = re.compile(rb'<(?:\w+:)?row\b[^>]{0,200}?\br="([0-9]{1,7})"')


_first = operator.itemgetter(0)
_second = operator.itemgetter(1)


def _column_number(letters: bytes) -> int:
    return column_index(letters.decode("ascii"))


# Any r="..." reference with a row of 4 digits or more, or a column of 3 letters. A return's
# sheets have neither: their box is then at most 999 rows x 702 columns (ZZ), well within
# the limit, and one regex search (no match objects) replaces collecting every reference.
_BIG_REF = re.compile(rb'r="(?:[A-Z]{0,3}[0-9]{4}|[A-Z]{3})')
PROBED_CELLS = 999 * 702


class ExtentScanner:
    """The bounding box (from A1) of the cells and rows a worksheet's XML refers to.

    calamine builds a dense grid over that box, so a single value at XFD1048576 costs
    17 billion cells: this is what the limit guards against. Cells without `r` attributes
    are rare (Excel and LibreOffice always write them) and not counted.

    With `probe` (the part is read in one chunk and the limit allows 999 x 702 cells), a
    part without any big reference (_BIG_REF) is only known to be within that box; one with
    a big reference, or any false alarm (firstPageNumber="1000"), is measured exactly.
    """

    def __init__(self, probe: bool = False) -> None:
        self._tail = b""
        self._probe = probe
        self._unmeasured = b""
        self.rows = 0
        self.cols = 0

    @property
    def cells(self) -> int:
        return self.rows * max(self.cols, 1)

    @property
    def span(self) -> tuple[int, int]:
        """(rows, columns): the safety check's message names them."""
        return self.rows, self.cols

    def feed(self, chunk: bytes) -> None:
        if self._unmeasured:  # more than the one chunk expected: measure what was probed
            chunk, self._unmeasured = self._unmeasured + chunk, b""
        window = self._tail + chunk
        if self._probe:
            self._probe = False
            if _BIG_REF.search(window) is None:
                self._unmeasured = window  # within 999 x 702: nothing to measure
                return
        # The distinct column letters and row numbers (sets built in C): a sheet has a few
        # dozen of each however many cells it has.
        refs = _CELL_REF.findall(window)
        if refs:
            self.cols = max(self.cols, *map(_column_number, set(map(_first, refs))))
            rows = set(map(_second, refs))
            rows.update(_ROW_REF.findall(window))
        else:
            rows = set(_ROW_REF.findall(window))
        if rows:
            self.rows = max(self.rows, *map(int, rows))
        self._tail = window[-256:]


_ODS_TAG = re.compile(rb"<(/?)table:(table-row|table-cell|covered-table-cell|table)\b([^>]*?)(/?)>")
_ODS_ROWS = re.compile(rb'table:number-rows-repeated="([0-9]{1,10})"')
_ODS_COLS = re.compile(rb'table:number-columns-repeated="([0-9]{1,10})"')


class OdsExtentScanner:
    """The extent of an ODS table's non-empty cells, with repeated rows and columns counted.

    LibreOffice writes runs of empty rows and cells as one element with a repeat count; a
    non-empty cell repeated 16384 times in a row repeated a million times is 17 billion cells
    to a reader. Only runs that hold a value count towards the extent.
    """

    def __init__(self) -> None:
        self._tail = b""
        self._rows = 0  # rows seen in the current table
        self._row_repeat = 1
        self._col = 0
        self._row_max_col = 0
        self.rows = 0
        self.cols = 0
        self._table_rows = 0
        self._table_cols = 0

    @property
    def cells(self) -> int:
        return max(self.rows * max(self.cols, 1), self._table_rows * max(self._table_cols, 1))

    @property
    def span(self) -> tuple[int, int]:
        """(rows, columns): the safety check's message names them."""
        return max(self.rows, self._table_rows), max(self.cols, self._table_cols)

    def feed(self, chunk: bytes) -> None:
        window = self._tail + chunk
        cut = window.rfind(b">") + 1
        for m in _ODS_TAG.finditer(window, 0, cut):
            closing, tag, attrs, empty = m.groups()
            if tag == b"table":
                if not closing:
                    self.rows = max(self.rows, self._table_rows)
                    self.cols = max(self.cols, self._table_cols)
                    self._rows = self._table_rows = self._table_cols = 0
            elif tag == b"table-row":
                if closing:
                    self._rows += self._row_repeat
                    if self._row_max_col:
                        self._table_rows = self._rows
                        self._table_cols = max(self._table_cols, self._row_max_col)
                else:
                    r = _ODS_ROWS.search(attrs)
                    self._row_repeat = int(r.group(1)) if r else 1
                    self._col = self._row_max_col = 0
                    if empty:  # <table:table-row/>
                        self._rows += self._row_repeat
            elif not closing:
                c = _ODS_COLS.search(attrs)
                self._col += int(c.group(1)) if c else 1
                if not empty or b"value-type" in attrs:
                    self._row_max_col = self._col
        self._tail = window[cut:][-4096:]


class XmlDeclScanner:
    """Finds `<!DOCTYPE` / `<!ENTITY` in a stream of UTF-8 or UTF-16 XML bytes."""

    def __init__(self) -> None:
        self._tail = b""
        self._decoder: codecs.IncrementalDecoder | None = None  # for UTF-16
        self._first = True

    def feed(self, chunk: bytes) -> bool:
        if self._first:
            self._first = False
            if (
                chunk.startswith((b"\xff\xfe", b"\xfe\xff"))
                or chunk[1:2] == b"\x00"
                or chunk[:1] == b"\x00"
            ):
                enc = (
                    "utf-16-be"
                    if chunk.startswith(b"\xfe\xff") or chunk[:1] == b"\x00"
                    else "utf-16-le"
                )
                self._decoder = codecs.getincrementaldecoder(enc)(errors="replace")
        if self._decoder is not None:
            chunk = self._decoder.decode(chunk).encode("utf-8", "replace")
        window = self._tail + chunk
        if _DECL.search(window):
            return True
        self._tail = window[-32:]
        return False
