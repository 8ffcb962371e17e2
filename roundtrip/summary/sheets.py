"""The council summary's sheets (xlsxwriter), one function per sheet.

The workbook is written in constant-memory mode, so every sheet is written strictly row by row
from the top. The big row blocks (action lists, metrics) are reserved here and streamed as XML
when the file is finished (xlsx_bulk); everything else goes through xlsxwriter. Text that came
from returns is always written as text (write_string, or an inline string), never a formula.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Generic, TypeAlias, TypeVar

from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from roundtrip.language import format_number
from roundtrip.programme.model import Programme
from roundtrip.summary.data import (
    NOT_ANSWERED,
    RETURN_LATE,
    RETURN_MISSING,
    RETURN_ON_TIME,
    STALE_PERIODS,
    ActionRow,
    Lists,
    SummaryData,
)
from roundtrip.xlsx.bulk import Block, needs_care, reserve, xf
from roundtrip.xlsx.number_formats import number_format
from roundtrip.xlsx.text import MAX_SHEET_NAME

FONT = "Calibri"
HEADER_FILL = "#1F4E78"
NOT_ANSWERED_FILL = "#FFFFFF"
NOT_ANSWERED_CHART = "#E7E6E6"
RETURN_FILLS = {RETURN_ON_TIME: "#C6EFCE", RETURN_LATE: "#FFEB9C", RETURN_MISSING: "#FFC7CE"}
LINE_HEIGHT = 13.0
NUMERIC_KINDS = ("count", "number", "percent", "yesno")
CHANGES_LISTED = 300  # more changed actions than this: the priority sheets show them


def text_on(colour: str) -> str:
    """Black or white text, whichever reads better on `colour` (#RRGGBB)."""
    c = colour.lstrip("#")
    try:
        r, g, b = (int(c[i : i + 2], 16) for i in (0, 2, 4))
    except ValueError:
        return "#000000"
    return "#000000" if (0.299 * r + 0.587 * g + 0.114 * b) > 140 else "#FFFFFF"


def wrapped_lines(text: str, per_line: int) -> int:
    """Lines `text` takes when wrapped at `per_line` characters (greedy, by words; a word
    longer than a line is broken across lines).

    A long paragraph is walked a line at a time (one rfind for each line, not a step for
    each word): every row of a summary's action lists is measured, ~1 us instead of ~3 us
    a row (tests/test_scale_paths.py holds it to the word-by-word walk)."""
    n = 0
    for para in text.split("\n"):
        n += 1
        if len(para) <= per_line:
            continue
        words = para.split()
        if words and max(map(len, words)) > per_line:
            n += _long_words(words, per_line)
            continue
        line = " ".join(words)
        start, end = 0, len(line)
        while end - start > per_line:
            start = line.rfind(" ", start, start + per_line + 1) + 1
            n += 1
    return n


def _long_words(words: list[str], per_line: int) -> int:
    """The lines after the first that `words` take, with a word longer than a line."""
    n = used = 0
    for word in words:
        if used == 0:
            used = len(word)
        elif used + 1 + len(word) <= per_line:
            used += 1 + len(word)
        else:
            n += 1
            used = len(word)
        while used > per_line:
            n += 1
            used -= per_line
    return n


# The lines of a short text, remembered: most of a list's short cells say the same few
# things again (the status labels, the departments, the health reasons). With the widths'
# line lengths remembered too, a row is measured in 2.4 us instead of 5.2 us (205,000 rows
# in a regional summary; benchmarks/bench_rows.py).
_short_lines = lru_cache(maxsize=1024)(wrapped_lines)
SHORT = 64  # characters: a text up to this long is remembered
_PER_LINE: dict[float, int] = {}  # column width -> characters on a line (a few widths)


def row_height(cells: Sequence[tuple[str, float]]) -> float | None:
    """Height (points) showing every wrapped (text, column width) cell; None for one line.

    LibreOffice does not recompute row heights of an xlsx on load, so we set them.
    """
    lines = 1
    for text, width in cells:
        if not text:
            continue
        per_line = _PER_LINE.get(width)
        if per_line is None:
            per_line = _PER_LINE[width] = max(1, int(width * 1.2) - 1)
        if len(text) > per_line or "\n" in text:
            n = (_short_lines if len(text) <= SHORT else wrapped_lines)(text, per_line)
            if n > lines:
                lines = n
    return None if lines == 1 else lines * LINE_HEIGHT + 3


@dataclass
class Fmt:
    """The summary's formats, created once per workbook."""

    title: Format
    subtitle: Format
    section: Format
    header: Format
    text: Format
    bold: Format
    id: Format
    int: Format
    pct: Format
    delta: Format
    total_text: Format
    total_int: Format
    total_pct: Format
    bold_int: Format
    note: Format
    status: dict[str, Format]
    returns: dict[str, Format]
    yesno: Format
    number: Format
    date: Format


def make_formats(wb: Workbook, programme: Programme, words: Mapping[str, Any]) -> Fmt:
    base = {"font_name": FONT, "font_size": 10, "valign": "top", "text_wrap": True}
    cell = {**base, "border": 1, "border_color": "#BFBFBF"}

    def f(**kw: Any) -> Format:
        made = wb.add_format(kw)
        # Its style index now, in this order: the sheets are not written in workbook order
        # (the lists' sheets first), and styles.xml must not depend on which came first.
        xf(made)
        return made

    status = {
        s.key: f(**cell, bg_color=s.colour, font_color=text_on(s.colour))
        for s in programme.statuses
    }
    status[NOT_ANSWERED] = f(**cell, italic=True, font_color="#595959", bg_color=NOT_ANSWERED_FILL)
    yes, no = words["yes"].replace('"', ""), words["no"].replace('"', "")
    lang = programme.settings.language

    def nf(kind: str) -> str:
        return number_format(kind, lang)

    return Fmt(
        title=f(font_name=FONT, font_size=16, bold=True, font_color=HEADER_FILL),
        subtitle=f(font_name=FONT, font_size=10, italic=True, font_color="#595959"),
        section=f(font_name=FONT, font_size=12, bold=True, font_color=HEADER_FILL),
        header=f(**cell, bold=True, font_color="#FFFFFF", bg_color=HEADER_FILL),
        text=f(**cell),
        bold=f(**cell, bold=True),
        id=f(**cell, bold=True, bg_color="#F2F2F2"),
        int=f(**cell, num_format=nf("int")),
        pct=f(**cell, num_format=nf("percent")),
        delta=f(**cell, num_format=nf("delta")),
        total_text=f(**cell, bold=True, top=2),
        total_int=f(**cell, bold=True, top=2, num_format=nf("int")),
        total_pct=f(**cell, bold=True, top=2, num_format=nf("percent")),
        bold_int=f(**cell, bold=True, num_format=nf("int")),
        note=f(font_name=FONT, font_size=10, italic=True, text_wrap=False),
        status=status,
        returns={k: f(**cell, bg_color=v) for k, v in RETURN_FILLS.items()},
        yesno=f(**cell, num_format=f'"{yes}";"{yes}";"{no}"'),
        number=f(**cell, num_format=nf("number")),
        date=f(**cell, num_format=nf("date")),
    )


# The summary's data as the sheets get it: the long lists first, then every figure.
D = TypeVar("D", bound="SummaryData | Lists", covariant=True)


@dataclass(frozen=True)
class Context(Generic[D]):
    """What every sheet writer needs. Context[Lists] while only the long lists' sheets are
    drawn, Context[SummaryData] once the figures are counted; the sheets drawn from either
    take an AnyContext."""

    wb: Workbook
    fmt: Fmt
    words: Mapping[str, Any]  # the [summary] wording
    labels: Mapping[str, str]  # status key -> label (NOT_ANSWERED included)
    colours: Mapping[str, str]  # status key -> chart colour
    programme: Programme
    data: D
    blocks: list[Block] = field(default_factory=list)  # big row blocks, streamed on finish


AnyContext: TypeAlias = "Context[SummaryData | Lists]"


def _esc(text: str) -> str:
    return str(text).replace("&", "&&")


def print_setup(ctx: AnyContext, sheet: Worksheet, title: str, header_row: int | None) -> None:
    """Landscape A4, one page wide, programme/period header, page numbers, repeated header."""
    s = ctx.programme.settings
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.set_margins(left=0.5, right=0.5, top=0.8, bottom=0.8)
    sheet.set_header(f"&L{_esc(s.name[:90])}&C{_esc(title[:60])}&R{ctx.data.period}")
    sheet.set_footer(f"&L{_esc(s.organisation[:80])}&R{ctx.words['page']}")
    if header_row is not None:
        sheet.repeat_rows(header_row)
    sheet.hide_gridlines(2)


def unique_sheet_name(name: str, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", " ", name).strip().strip("'")[:MAX_SHEET_NAME].rstrip()
    base = base or "Sheet"
    out, n = base, 2
    while out.casefold() in taken:
        suffix = f" ({n})"
        out, n = base[: MAX_SHEET_NAME - len(suffix)] + suffix, n + 1
    taken.add(out.casefold())
    return out


def write_headers(ctx: AnyContext, sheet: Worksheet, row: int, texts: Sequence[str]) -> None:
    for c, t in enumerate(texts):
        sheet.write_string(row, c, t, ctx.fmt.header)


def _status_label(ctx: AnyContext, r: ActionRow) -> str:
    if r.status_key == NOT_ANSWERED and r.periods_since_answer >= STALE_PERIODS:
        return ctx.words["stale"].format(n=r.periods_since_answer)
    return ctx.labels[r.status_key]


def write_number_or_dash(
    sheet: Worksheet, row: int, col: int, value: float | None, fmt: Format
) -> None:
    if value is None:
        sheet.write_string(row, col, "–", fmt)
    else:
        sheet.write_number(row, col, value, fmt)


# ----------------------------------------------------------------------------- action lists

ACTION_WIDTHS = (9, 40, 22, 18, 18, 10, 22, 44, 9)
PARTNERS_WIDTH = 40  # the partners' answers, last, when partners report (ActionRow.partners)
HEALTH_WIDTH = 40  # computed health (ActionRow.health), the last column
HEADER_HEIGHT = 2 * LINE_HEIGHT + 3


def write_action_list(
    ctx: AnyContext, sheet: Worksheet, title: str, rows: Sequence[ActionRow], intro: str = ""
) -> None:
    """One row per action: status (coloured), progress, metrics, latest comment, department;
    and the partners' answers when partners report on shared actions."""
    w, fmt = ctx.words, ctx.fmt
    partners = ctx.programme.shares_reports()
    widths = (*ACTION_WIDTHS, *((PARTNERS_WIDTH,) if partners else ()), HEALTH_WIDTH)
    for c, width in enumerate(widths):
        sheet.set_column(c, c, width)
    sheet.set_row(0, 22)
    sheet.write_string(0, 0, title, fmt.title)
    if intro:
        sheet.write_string(1, 0, intro, fmt.subtitle)
    head = 3
    sheet.set_row(head, HEADER_HEIGHT)
    write_headers(
        ctx,
        sheet,
        head,
        [
            w["action_id"],
            w["action"],
            w["department"],
            w["status"],
            w["before"],
            w["progress"],
            w["metric"],
            w["comment"],
            w["comment_period"],
            *([w["partners"]] if partners else []),
            w["health"],
        ],
    )
    sheet.freeze_panes(head + 1, 2)
    show_previous = bool(ctx.data.previous)
    if not rows:
        sheet.write_string(head + 1, 0, w["no_attention"], fmt.note)
    if rows:
        first, last = head + 1, head + len(rows)
        reserve(sheet, first, last)
        ctx.blocks.append(
            Block(
                sheet.index + 1,
                first,
                last,
                _action_rows(ctx, rows, show_previous, first, partners),
            )
        )
    if rows:
        sheet.autofilter(head, 0, head + len(rows), len(widths) - 1)
    print_setup(ctx, sheet, title, head)


def _action_rows(
    ctx: AnyContext,
    rows: Sequence[ActionRow],
    show_previous: bool,
    first: int,
    partners: bool = False,
):
    """The rows of an action list (from 0-based sheet row `first`), generated when the file
    is finished: the row's XML directly when no text needs escaping, else (cells, height).
    `partners`: with the partners' answers in a last column."""
    st = {k: xf(f) for k, f in ctx.fmt.status.items()}
    text, idf, intf = xf(ctx.fmt.text), xf(ctx.fmt.id), xf(ctx.fmt.int)
    labels = ctx.labels

    def generate():
        for x, r in enumerate(rows, start=first + 1):  # x: the 1-based sheet row
            label = _status_label(ctx, r)
            prev = labels[r.previous_key] if show_previous else ""
            joined = "|".join(
                (r.action_id, r.text, r.department, label, prev, r.metrics, r.comment,
                 r.comment_period, *((r.partners,) if partners else ()), r.health)
            )  # fmt: skip
            h = None
            if (
                len(r.text) > 47
                or len(r.comment) > 51
                or len(r.metrics) > 25
                or len(r.department) > 25
                or len(label) > 20
                or "\n" in joined
                or len(r.partners) > 47
                or len(r.health) > 47
            ):
                h = row_height(
                    [(r.text, 40), (r.comment, 44), (r.metrics, 22), (r.department, 22),
                     (label, 18), (r.partners, PARTNERS_WIDTH), (r.health, HEALTH_WIDTH)]
                )  # fmt: skip
            s = ' t="inlineStr"><is><t>'
            last = (
                (f'<c r="J{x}" s="{text}"{s}{r.partners}</t></is></c>' if r.partners
                 else f'<c r="J{x}" s="{text}"/>')
                if partners
                else ""
            )  # fmt: skip
            hc = "K" if partners else "J"
            health = (
                f'<c r="{hc}{x}" s="{text}"{s}{r.health}</t></is></c>' if r.health
                else f'<c r="{hc}{x}" s="{text}"/>'
            )  # fmt: skip
            if needs_care(joined):
                previous = (4, prev, st[r.previous_key]) if show_previous else (4, None, text)
                yield (
                    (
                        (0, r.action_id, idf),
                        (1, r.text, text),
                        (2, r.department, text),
                        (3, label, st[r.status_key]),
                        previous,
                        (5, r.progress, intf),
                        (6, r.metrics, text),
                        (7, r.comment, text),
                        (8, r.comment_period, text),
                        *(((9, r.partners, text),) if partners else ()),
                        (10 if partners else 9, r.health or None, text),
                    ),
                    h,
                )
                continue
            yield "".join(
                (
                    f'<row r="{x}" ht="{h:g}" customHeight="1">' if h else f'<row r="{x}">',
                    f'<c r="A{x}" s="{idf}"{s}{r.action_id}</t></is></c>',
                    f'<c r="B{x}" s="{text}"{s}{r.text}</t></is></c>',
                    f'<c r="C{x}" s="{text}"{s}{r.department}</t></is></c>',
                    f'<c r="D{x}" s="{st[r.status_key]}"{s}{label}</t></is></c>',
                    f'<c r="E{x}" s="{st[r.previous_key]}"{s}{prev}</t></is></c>'
                    if show_previous
                    else f'<c r="E{x}" s="{text}"/>',
                    f'<c r="F{x}" s="{intf}"/>'
                    if r.progress is None
                    else f'<c r="F{x}" s="{intf}"><v>{r.progress:.16G}</v></c>',
                    f'<c r="G{x}" s="{text}"{s}{r.metrics}</t></is></c>',
                    f'<c r="H{x}" s="{text}"{s}{r.comment}</t></is></c>',
                    f'<c r="I{x}" s="{text}"{s}{r.comment_period}</t></is></c>',
                    last,
                    health,
                    "</row>",
                )
            )

    return generate


# ----------------------------------------------------------------------------- departments


def write_departments(ctx: Context[SummaryData], sheet: Worksheet) -> None:
    d, w, fmt = ctx.data, ctx.words, ctx.fmt
    name = sheet.name
    widths = (34, 26, 11, 13, 12, 11, 12, 12)
    for c, width in enumerate(widths):
        sheet.set_column(c, c, width)
    sheet.set_row(0, 22)
    sheet.write_string(0, 0, f"{w['departments']} {d.period}", fmt.title)
    head = 2
    sheet.set_row(head, HEADER_HEIGHT)
    write_headers(
        ctx,
        sheet,
        head,
        [
            w["department"],
            w["contact"],
            w["actions"],
            w["returned"],
            w["received_at"],
            w["answered"],
            w["completion"],
            w["open_problems"],
        ],
    )
    sheet.freeze_panes(head + 1, 1)
    row = head
    totals = [0, 0, 0]
    for r in d.departments:
        row += 1
        h = row_height([(r.name, 34), (r.contact, 26)])
        if h:
            sheet.set_row(row, h)
        sheet.write_string(row, 0, r.name, fmt.bold)
        sheet.write_string(row, 1, r.contact, fmt.text)
        sheet.write_number(row, 2, r.actions, fmt.int)
        sheet.write_string(row, 3, w[r.returned], fmt.returns[r.returned])
        received = _date(r.received_at)
        if received is None:
            sheet.write_string(row, 4, r.received_at, fmt.text)
        else:
            sheet.write_datetime(row, 4, received, fmt.date)
        sheet.write_number(row, 5, r.answered, fmt.int)
        write_number_or_dash(sheet, row, 6, r.completion, fmt.pct)
        sheet.write_number(row, 7, r.open_problems, fmt.int)
        totals = [totals[0] + r.actions, totals[1] + r.answered, totals[2] + r.open_problems]
    row += 1
    sheet.write_string(row, 0, w["total"], fmt.total_text)
    sheet.write_blank(row, 1, None, fmt.total_text)
    sheet.write_number(row, 2, totals[0], fmt.total_int)
    hl = d.headline
    lang = ctx.programme.settings.language
    got, expected = (format_number(n, lang) for n in (hl.returns_received, hl.returns_expected))
    sheet.write_string(row, 3, f"{got} / {expected}", fmt.total_text)
    sheet.write_blank(row, 4, None, fmt.total_text)
    sheet.write_number(row, 5, totals[1], fmt.total_int)
    rate = totals[1] / totals[0] if totals[0] else None
    write_number_or_dash(sheet, row, 6, rate, fmt.total_pct)
    sheet.write_number(row, 7, totals[2], fmt.total_int)
    print_setup(ctx, sheet, name, head)


def _date(iso: str) -> dt.datetime | None:
    """An ISO date as a date cell's value; None for none (or not a date: written as text)."""
    try:
        return dt.datetime.fromisoformat(iso[:10]) if iso else None
    except ValueError:
        return None


# ----------------------------------------------------------------------------- trend


def write_trend(ctx: Context[SummaryData], sheet: Worksheet) -> None:
    d, w, fmt = ctx.data, ctx.words, ctx.fmt
    name = sheet.name
    keys = d.status_keys
    sheet.set_column(0, 0, 12)
    sheet.set_column(1, len(keys) + 1, 14)
    sheet.set_row(0, 22)
    sheet.write_string(0, 0, w["trend_title"], fmt.title)
    head = 2
    sheet.set_row(head, 2 * LINE_HEIGHT + 3)
    write_headers(ctx, sheet, head, [w["period"], *(ctx.labels[k] for k in keys), w["total"]])
    row = head
    for period, counts in d.trend:
        row += 1
        sheet.write_string(row, 0, period, fmt.bold)
        for c, n in enumerate(counts):
            sheet.write_number(row, 1 + c, n, fmt.int)
        sheet.write_number(row, 1 + len(keys), sum(counts), fmt.bold_int)
    first, last = head + 1, row
    chart = ctx.wb.add_chart({"type": "column", "subtype": "stacked"})
    for c, key in enumerate(keys):
        chart.add_series(
            {
                "name": [name, head, 1 + c],
                "categories": [name, first, 0, last, 0],
                "values": [name, first, 1 + c, last, 1 + c],
                "fill": {"color": ctx.colours[key]},
                "border": {"color": "#FFFFFF"},
                "gap": 80,
            }
        )
    chart.set_title({"name": w["trend_title"], "name_font": {"size": 11}})
    chart.set_legend({"position": "bottom", "font": {"size": 8}})
    chart.set_size({"width": 900, "height": 360})
    sheet.insert_chart(row + 2, 0, chart, {"x_offset": 4, "y_offset": 4})
    print_setup(ctx, sheet, name, head)
