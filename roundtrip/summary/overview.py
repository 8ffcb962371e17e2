"""The council summary's first sheet: key figures, change since the previous period, status by
priority area with its chart, and the actions whose status changed (xlsxwriter, row by row).
"""

from __future__ import annotations

import math

from xlsxwriter.worksheet import Worksheet

from roundtrip.language import format_date, format_number
from roundtrip.summary.data import Headline, SummaryData
from roundtrip.summary.sheets import (
    CHANGES_LISTED,
    LINE_HEIGHT,
    AnyContext,
    Context,
    print_setup,
    row_height,
    write_headers,
    write_number_or_dash,
)


def _figure_rows(ctx: AnyContext, h: Headline) -> list[tuple[str, float | None, str]]:
    w = ctx.words
    return [
        (w["actions"], h.actions, "int"),
        (w["done"], h.done, "int"),
        (w["on_track"], h.on_track, "int"),
        (w["problems"], h.problems, "int"),
        (w["not_answered"], h.not_answered, "int"),
        (w["returns_expected"], h.returns_expected, "int"),
        (w["returns_received"], h.returns_received, "int"),
        (w["return_rate"], h.return_rate, "pct"),
        (w["returns_on_time"], h.returns_on_time, "int"),
    ]


def write_overview(ctx: Context[SummaryData], sheet: Worksheet) -> None:
    d, w, fmt = ctx.data, ctx.words, ctx.fmt
    name = sheet.name
    keys = d.status_keys
    ncols = len(keys) + 2
    sheet.set_column(0, 0, 42)
    sheet.set_column(1, ncols - 1, 14)
    s = ctx.programme.settings
    lang = s.language
    period = s.period(d.period)
    sheet.set_row(0, 24)
    sheet.write_string(0, 0, w["title"].format(programme=s.name, period=d.period), fmt.title)
    sheet.write_string(
        1,
        0,
        w["subtitle"].format(
            organisation=s.organisation,
            period=d.period,
            start=format_date(period.start, lang),
            end=format_date(period.end, lang),
            deadline=format_date(d.deadline, lang),
        ),
        fmt.subtitle,
    )

    # Key figures (this period, previous, change) and, beside them, the change per status.
    row = 3
    cc = max(5, ncols - 4)  # first column of the change table
    merged = cc == 5 and ncols == 9  # the default scale: status label over two columns
    prev_label = d.previous or str(period.previous())
    sheet.write_string(row, 0, w["key_figures"], fmt.section)
    sheet.write_string(
        row, cc - merged, w["status_change"].format(previous=prev_label), fmt.section
    )
    row += 1
    write_headers(ctx, sheet, row, [w["figure"], d.period, d.previous or "–", w["change"]])
    if d.previous_counts is None:
        sheet.write_string(row, cc - merged, w["no_previous"].format(previous=prev_label), fmt.note)
    else:
        if merged:
            sheet.merge_range(row, cc - 1, row, cc, w["status"], fmt.header)
        for i, t in enumerate([w["status"], d.previous, d.period, w["change"]]):
            if not (merged and i == 0):
                sheet.write_string(row, cc + i, t, fmt.header)
    prev = _figure_rows(ctx, d.previous_headline) if d.previous_headline else None
    figures = _figure_rows(ctx, d.headline)
    changes = list(keys) if d.previous_counts is not None else []
    for i in range(max(len(figures), len(changes))):
        row += 1
        if i < len(figures):
            label, value, kind = figures[i]
            f = fmt.pct if kind == "pct" else fmt.int
            sheet.write_string(row, 0, label, fmt.bold)
            write_number_or_dash(sheet, row, 1, value, f)
            before = prev[i][1] if prev is not None else None
            if prev is not None:
                write_number_or_dash(sheet, row, 2, before, f)
            else:
                sheet.write_blank(row, 2, None, fmt.text)
            if value is not None and before is not None and kind == "int":
                sheet.write_number(row, 3, value - before, fmt.delta)
            else:
                sheet.write_blank(row, 3, None, fmt.text)
        if i < len(changes) and d.previous_counts is not None:
            key = changes[i]
            h = row_height([(ctx.labels[key], 28 if merged else 14)])
            if h:
                sheet.set_row(row, h)
            if merged:
                sheet.merge_range(row, cc - 1, row, cc, ctx.labels[key], fmt.status[key])
            else:
                sheet.write_string(row, cc, ctx.labels[key], fmt.status[key])
            was, now = d.previous_counts.get(key, 0), d.counts.get(key, 0)
            sheet.write_number(row, cc + 1, was, fmt.int)
            sheet.write_number(row, cc + 2, now, fmt.int)
            sheet.write_number(row, cc + 3, now - was, fmt.delta)

    # Computed health: how many actions each rule flags (the reasons: the attention sheet).
    if d.health_counts:
        row += 2
        sheet.write_string(row, 0, w["health_figures"], fmt.section)
        for kind, n in d.health_counts.items():
            row += 1
            sheet.write_string(row, 0, w[f"health_{kind}"], fmt.bold)
            sheet.write_number(row, 1, n, fmt.int)

    # Priority x status table and its stacked bar chart.
    row += 2
    sheet.write_string(row, 0, w["by_priority"], fmt.section)
    row += 1
    head = row
    sheet.set_row(row, 2 * LINE_HEIGHT + 3)
    write_headers(ctx, sheet, row, [w["priority"], *(ctx.labels[k] for k in keys), w["total"]])
    titles = {p.id: p.title for p in ctx.programme.priorities}
    totals = [0] * len(keys)
    for pid, counts in d.by_priority:
        row += 1
        label = f"{pid} {titles.get(pid, '')}".strip()
        h = row_height([(label, 42)])
        if h:
            sheet.set_row(row, h)
        sheet.write_string(row, 0, label, fmt.bold)
        for c, n in enumerate(counts):
            sheet.write_number(row, 1 + c, n, fmt.int)
            totals[c] += n
        sheet.write_number(row, 1 + len(keys), sum(counts), fmt.bold_int)
    first, last = head + 1, row
    row += 1
    sheet.write_string(row, 0, w["total"], fmt.total_text)
    for c, n in enumerate(totals):
        sheet.write_number(row, 1 + c, n, fmt.total_int)
    sheet.write_number(row, 1 + len(keys), sum(totals), fmt.total_int)

    if last >= first:
        chart = ctx.wb.add_chart({"type": "bar", "subtype": "stacked"})
        for c, key in enumerate(keys):
            col = 1 + c
            chart.add_series(
                {
                    "name": [name, head, col],
                    "categories": [name, first, 0, last, 0],
                    "values": [name, first, col, last, col],
                    "fill": {"color": ctx.colours[key]},
                    "border": {"color": "#FFFFFF"},
                    "gap": 60,
                }
            )
        chart.set_title({"name": w["by_priority"], "name_font": {"size": 11}})
        chart.set_y_axis({"reverse": True, "num_font": {"size": 8}})
        biggest = max((sum(c) for _, c in d.by_priority), default=1)
        chart.set_x_axis(
            {
                "num_font": {"size": 8},
                "major_gridlines": {"visible": True},
                "min": 0,
                "major_unit": max(1, math.ceil(biggest / 8)),
            }
        )
        chart.set_legend({"position": "bottom", "font": {"size": 8}})
        chart.set_size({"width": 1000, "height": 300})
        row += 2
        sheet.insert_chart(row, 0, chart, {"x_offset": 4, "y_offset": 4})
        row += 16

    # Actions whose status changed since the previous period.
    if d.previous_counts is not None:
        row += 2
        sheet.write_string(row, 0, w["changed"], fmt.section)
        row += 1
        if not d.changes:
            sheet.write_string(row, 0, w["no_changes"], fmt.note)
        elif len(d.changes) > CHANGES_LISTED:
            sheet.write_string(
                row, 0, w["changes_many"].format(n=format_number(len(d.changes), lang)), fmt.note
            )
        else:
            # Wider cells (two columns each, when the table has them) keep rows one line high.
            span = 2 if ncols >= 7 else 1
            cols = [(0, 0), *((1 + i * span, i * span + span) for i in range(3))]
            texts = [w["action"], w["department"], w["before"], w["after"]]
            for (c0, c1), t in zip(cols, texts, strict=True):
                _cell(sheet, row, c0, c1, t, fmt.header)
            for ch in d.changes:
                row += 1
                label = f"{ch.action_id} {ch.text}"
                cells = [
                    (label, fmt.text),
                    (ch.department, fmt.text),
                    (ctx.labels[ch.before], fmt.status[ch.before]),
                    (ctx.labels[ch.after], fmt.status[ch.after]),
                ]
                h = row_height([(label, 42), *((t, 14 * span) for t, _ in cells[1:])])
                if h:
                    sheet.set_row(row, h)
                for (c0, c1), (t, f) in zip(cols, cells, strict=True):
                    _cell(sheet, row, c0, c1, t, f)
    print_setup(ctx, sheet, name, None)


def _cell(sheet, row: int, first: int, last: int, text: str, fmt) -> None:
    if first == last:
        sheet.write_string(row, first, text, fmt)
    else:
        sheet.merge_range(row, first, row, last, text, fmt)
