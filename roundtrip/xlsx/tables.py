"""Long tables into xlsxwriter sheets as Excel tables (banded, filter buttons, named).

xlsxwriter keeps every cell in memory unless the workbook is in `constant_memory` mode, and
`add_table` is not supported in that mode. So the usual register (thousands of rows) is
written here as Excel tables, and a huge one (millions of rows) by stream.StreamBook, which
has the same interface (`fill`, `table`, `close`; a table's `add` and `close`) and streams
each sheet with an autofilter in flat memory.

Either way a sheet that reaches Excel's row limit continues in "Name (2)", "Name (3)", ...
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from roundtrip.xlsx.text import MAX_ROWS, MAX_SHEET_NAME, fit

TEXT, INT, NUM, DATE = "text", "int", "num", "date"
# A date cell's format when the book is given none (a book in a language has its own:
# roundtrip.xlsx.number_formats).
DATE_FORMAT = "yyyy-mm-dd hh:mm"

WORKBOOK_OPTIONS = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
}


@dataclass(frozen=True)
class Col:
    key: str  # wording key (the header) and the row dict's key
    width: float
    kind: str = TEXT  # TEXT, INT, NUM or DATE (a datetime value; text is written as text)


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
        max_rows: int = MAX_ROWS - 1,
        header_format: Any = None,
        wrap_keys: Iterable[str] = (),
        date_format: Any = None,
    ):
        self.book = book
        self.name = name[:MAX_SHEET_NAME]
        self.table_name = table_name
        self.cols = tuple(cols)
        self.headers = tuple(headers)
        self.max_rows = max(1, max_rows)
        self.header_format = header_format
        self.wrap = book.add_format({"text_wrap": True, "valign": "top"})
        self.top = book.add_format({"valign": "top"})
        self.date = date_format
        self.wrap_keys = set(wrap_keys)
        self.sheets: list[tuple[Any, int]] = []  # (worksheet, data rows), for tests and callers
        self._ws: Any = None
        self._rows = 0
        self._open()

    def _open(self) -> None:
        n = len(self.sheets) + 1
        suffix = f" ({n})"
        title = self.name if n == 1 else self.name[: MAX_SHEET_NAME - len(suffix)].rstrip() + suffix
        ws = self.book.add_worksheet(title)
        for i, col in enumerate(self.cols):
            ws.set_column(i, i, col.width, self.wrap if col.key in self.wrap_keys else self.top)
        ws.freeze_panes(1, 0)
        ws.set_row(0, 30)  # headers wrap to two lines
        ws.set_landscape()
        ws.repeat_rows(0)
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
            if kind == TEXT or isinstance(v, str):  # (xlsxwriter cuts at 32,767 characters)
                ws.write_string(r, i, fit(str(v)), fmt)
            elif isinstance(v, dt.datetime):
                ws.write_datetime(r, i, v, fmt or self.date)
            else:
                ws.write_number(r, i, v, fmt)

    def _finish(self) -> None:
        ws, rows = self._ws, self._rows
        last_col = len(self.cols) - 1
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


class XlsxBook:
    """An xlsxwriter workbook of TableSheets (text always written as text)."""

    def __init__(
        self, path: Path, title: str = "", author: str = "", date_format: str = DATE_FORMAT
    ):
        import xlsxwriter

        self.book = xlsxwriter.Workbook(str(path), WORKBOOK_OPTIONS)
        self.book.set_properties({"title": title, "author": author})
        self.head = self.book.add_format(
            {"bold": True, "text_wrap": True, "valign": "top", "bg_color": "#DDEBF7"}
        )
        self.date = self.book.add_format({"num_format": date_format, "valign": "top"})

    def fill(self, colour: str) -> Any:
        return self.book.add_format({"bg_color": colour, "valign": "top"})

    def table(
        self,
        name: str,
        table_name: str,
        cols: Sequence[Col],
        headers: Sequence[str],
        *,
        max_rows: int = MAX_ROWS - 1,
        wrap_keys: Iterable[str] = (),
    ) -> TableSheet:
        return TableSheet(
            self.book,
            name,
            table_name,
            cols,
            headers,
            max_rows=max_rows,
            header_format=self.head,
            wrap_keys=wrap_keys,
            date_format=self.date,
        )

    def close(self) -> None:
        self.book.close()
