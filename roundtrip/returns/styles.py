"""Cell formats shared by every workbook roundtrip writes (xlsxwriter).

One look everywhere: a dark header, light grey locked context, grey italic previous answers,
one light-yellow colour for every cell a person is expected to fill in (and only those are
unlocked), and the programme's own status colours.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook

from roundtrip.programme.model import Status

FONT = "Calibri"
FONT_SIZE = 10
HEADER_FILL = "#1F4E78"
HEADER_FONT = "#FFFFFF"
CONTEXT_FILL = "#F2F2F2"
PREVIOUS_FONT = "#595959"
INPUT_FILL = "#FFF2CC"
BORDER_COLOUR = "#BFBFBF"

# Options for Workbook(): user and programme text is always written as text.
WORKBOOK_OPTIONS: dict[str, Any] = {
    "strings_to_formulas": False,
    "strings_to_urls": False,
    "strings_to_numbers": False,
    "in_memory": True,  # also gives fixed zip member timestamps (deterministic output)
}


@dataclass(frozen=True)
class Styles:
    title: Format
    subtitle: Format
    header: Format
    id: Format  # locked identifier cell
    context: Format  # locked programme information
    previous: Format  # locked last-period answer (grey italic)
    previous_number: Format
    input: Format  # unlocked answer cell
    input_number: Format
    input_text: Format  # unlocked, text format: a name typed stays text (digits too)
    input_date: Format  # unlocked, the document language's date format
    label: Format  # the bold label of a single input cell (the sign-off's), right-aligned
    text: Format  # plain wrapped text (instructions)
    bold: Format
    hidden_text: Format  # lists / identity sheets
    status_fills: tuple[tuple[str, Format], ...]  # (label, conditional fill) per status
    status_cells: tuple[tuple[str, Format], ...]  # (label, cell format) per status, for legends


def _text_on(colour: str) -> str:
    """Black or white text, whichever reads better on `colour` (#RRGGBB)."""
    c = colour.lstrip("#")
    try:
        r, g, b = (int(c[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return "#000000"
    return "#000000" if (0.299 * r + 0.587 * g + 0.114 * b) > 140 else "#FFFFFF"


def make_styles(
    wb: Workbook, statuses: Sequence[Status] = (), date_format: str = "dd.mm.yyyy"
) -> Styles:
    """Create the shared formats in `wb` (call once per workbook); `date_format` is the
    number format of date input cells."""
    base = {"font_name": FONT, "font_size": FONT_SIZE, "valign": "top", "text_wrap": True}
    cell = {**base, "border": 1, "border_color": BORDER_COLOUR}

    def fmt(**kw: Any) -> Format:
        return wb.add_format(kw)

    return Styles(
        title=fmt(font_name=FONT, font_size=14, bold=True),
        subtitle=fmt(font_name=FONT, font_size=FONT_SIZE, italic=True, font_color=PREVIOUS_FONT),
        header=fmt(**cell, bold=True, font_color=HEADER_FONT, bg_color=HEADER_FILL, locked=True),
        id=fmt(**cell, bold=True, bg_color=CONTEXT_FILL, locked=True),
        context=fmt(**cell, bg_color=CONTEXT_FILL, locked=True),
        previous=fmt(
            **cell, italic=True, font_color=PREVIOUS_FONT, bg_color=CONTEXT_FILL, locked=True
        ),
        previous_number=fmt(
            **cell,
            italic=True,
            font_color=PREVIOUS_FONT,
            bg_color=CONTEXT_FILL,
            locked=True,
            num_format="0",
        ),
        input=fmt(**cell, bg_color=INPUT_FILL, locked=False),
        input_number=fmt(**cell, bg_color=INPUT_FILL, locked=False, num_format="General"),
        input_text=fmt(**cell, bg_color=INPUT_FILL, locked=False, num_format="@"),
        input_date=fmt(**cell, bg_color=INPUT_FILL, locked=False, num_format=date_format),
        label=fmt(**base, bold=True, align="right"),
        text=fmt(**base),
        bold=fmt(**base, bold=True),
        hidden_text=fmt(font_name=FONT, font_size=FONT_SIZE, num_format="@"),
        status_fills=tuple(
            (s.label, wb.add_format({"bg_color": s.colour, "font_color": _text_on(s.colour)}))
            for s in statuses
        ),
        status_cells=tuple(
            (s.label, fmt(**cell, bg_color=s.colour, font_color=_text_on(s.colour)))
            for s in statuses
        ),
    )


LINE_HEIGHT = 13.0  # points per line of 10 pt text
_CHARS_PER_UNIT = 1.05  # 10 pt characters per Excel column-width unit (11 pt '0's)


@functools.lru_cache(maxsize=8192)
def wrapped_lines(text: str, width: float) -> int:
    """How many lines `text` takes when wrapped in a column `width` units wide (greedy)."""
    capacity = max(1, int(width * _CHARS_PER_UNIT) - 1)
    lines = 0
    for para in str(text).split("\n"):
        n, used = 1, 0
        for word in para.split():
            w = len(word)
            while w > capacity:  # a word longer than the line breaks anywhere
                if used:
                    n, used = n + 1, 0
                w -= capacity
                n += 1
            if used == 0:
                used = w
            elif used + 1 + w <= capacity:
                used += 1 + w
            else:
                n, used = n + 1, w
        lines += n
    return max(lines, 1)


def row_height(cells: Sequence[tuple[str, float]], min_lines: int = 1) -> float:
    """Row height (points) that shows every wrapped (text, column width) cell in full.

    LibreOffice does not recompute row heights of an xlsx on load, so we set them.
    """
    lines = max([min_lines, *(wrapped_lines(t, w) for t, w in cells if t)])
    return round(lines * LINE_HEIGHT + 3, 1)
