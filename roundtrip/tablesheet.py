"""Streaming long tables into xlsxwriter sheets: Excel tables when small, autofilter when huge.

xlsxwriter keeps every cell in memory unless the workbook is in `constant_memory` mode, and
`add_table` is not supported in that mode. So a workbook is written in one of two modes:

* normal (the usual register: a few thousand rows): every sheet is an Excel table (banded,
  with filter buttons, a name usable in formulas);
* large (constant_memory, for registers of hundreds of thousands of rows): rows are streamed
  to disk in order and every sheet gets an autofilter over the same range instead. Memory stays
  flat whatever the size.

Either way a sheet that reaches Excel's row limit continues in "Name (2)", "Name (3)", ...
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

EXCEL_MAX_ROWS = 1_048_576  # rows per worksheet, header included

TEXT, INT, NUM = "text", "int", "num"

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


@dataclass(frozen=True)
class Col:
    key: str  # wording key (the header) and the row dict's key
    width: float
    kind: str = TEXT  # TEXT, INT or NUM


class TableSheet:
    """Rows streamed into one logical table that may span several worksheets."""

    def __init__(
        self,
        book: Any,
        name: str,
        table_name: str,
        cols: Sequence[Col],
        headers: Sequence[str],
        *,
        large: bool,
        max_rows: int = EXCEL_MAX_ROWS - 1,
        header_format: Any = None,
        wrap_keys: Iterable[str] = (),
    ):
        self.book = book
        self.name = name[:31]
        self.table_name = table_name
        self.cols = tuple(cols)
        self.headers = tuple(headers)
        self.large = large
        self.max_rows = max(1, max_rows)
        self.header_format = header_format
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.top = book.add_format({"valign": "top"})
        self.wrap_keys = set(wrap_keys)
        self.sheets: list[tuple[Any, int]] = []  # (worksheet, data rows), for tests and callers
        self._ws: Any = None
        self._rows = 0
        self._open()

    def _open(self) -> None:
        n = len(self.sheets) + 1
        suffix = f" ({n})"
        title = self.name if n == 1 else self.name[: 31 - len(suffix)].rstrip() + suffix
        ws = self.book.add_worksheet(title)
        for i, col in enumerate(self.cols):
            ws.set_column(i, i, col.width, self.wrap if col.key in self.wrap_keys else self.top)
        ws.freeze_panes(1, 0)
        for i, head in enumerate(self.headers):
            ws.write_string(0, i, head, self.header_format)
        self._ws, self._rows = ws, 0

    def add(self, values: Sequence[Any], formats: dict[int, Any] | None = None) -> None:
        """Append one row (values in column order); None leaves a cell empty."""
        if self._rows >= self.max_rows:
            self._finish()
            self._open()
        self._rows += 1
        ws, r = self._ws, self._rows
        for i, v in enumerate(values):
            fmt = formats.get(i) if formats else None
            if v is None or v == "":
                if fmt is not None:
                    ws.write_blank(r, i, None, fmt)
                continue
            kind = self.cols[i].kind
            if kind == TEXT or isinstance(v, str):
                ws.write_string(r, i, str(v), fmt)
            else:
                ws.write_number(r, i, v, fmt)

    def _finish(self) -> None:
        ws, rows = self._ws, self._rows
        last_col = len(self.cols) - 1
        if self.large:
            ws.autofilter(0, 0, max(rows, 1), last_col)
        else:
            n = len(self.sheets) + 1
            ws.add_table(
                0,
                0,
                max(rows, 1),  # an Excel table needs one data row: an empty one, like Excel's own
                last_col,
                {
                    "name": self.table_name if n == 1 else f"{self.table_name}_{n}",
                    "style": "Table Style Light 9",
                    "columns": [
                        {"header": h, "header_format": self.header_format} for h in self.headers
                    ],
                },
            )
        self.sheets.append((ws, rows))

    def close(self) -> None:
        self._finish()
        self._ws = None
