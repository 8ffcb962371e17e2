"""The council summary's metric sheet: a row per metric, a value per period, a sparkline.

At 3,000 departments that is ~90,000 rows and ~70,000 sparklines: the rows are a bulk block
(xlsx_bulk) written as XML directly where no text needs escaping, and the sparklines after the
first are made as one text when the file is finished rather than by xlsxwriter's XML writer.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from xlsxwriter.utility import quote_sheetname
from xlsxwriter.worksheet import Worksheet

from roundtrip.language.wording import wording
from roundtrip.summary.data import MetricRow
from roundtrip.summary.sheets import (
    HEADER_FILL,
    HEADER_HEIGHT,
    LINE_HEIGHT,
    NUMERIC_KINDS,
    AnyContext,
    print_setup,
    row_height,
    write_headers,
)
from roundtrip.xlsx.bulk import Block, needs_care, reserve, xf
from roundtrip.xlsx.text import LETTERS, cell_text


def write_metrics(ctx: AnyContext, sheet: Worksheet) -> None:
    d, w, fmt = ctx.data, ctx.words, ctx.fmt
    name = sheet.name
    periods = d.periods
    fixed = [w["metric_id"], w["action_id"], w["metric_name"], w["unit"], w["target"]]
    widths = [12, 9, 36, 8, 10]
    # Targets by year or period: the final target, then the one that applies now and its date.
    staged = any(m.target_now is not None for m in d.metrics)
    if staged:
        fixed[-1] = w["target_final"]
        fixed += [w["target_now"], w["target_by"]]
        widths += [10, 10]
    first_value = len(fixed)
    spark_col = first_value + len(periods)
    for c, width in enumerate(widths):
        sheet.set_column(c, c, width)
    sheet.set_column(first_value, spark_col - 1, 10)
    sheet.set_column(spark_col, spark_col, 16)
    sheet.set_column(spark_col + 1, spark_col + 1, 11)
    sheet.set_row(0, 22)
    sheet.write_string(0, 0, w["metrics_title"].format(period=d.period), fmt.title)
    head = 2
    sheet.set_row(head, HEADER_HEIGHT)
    write_headers(ctx, sheet, head, [*fixed, *periods, w["sparkline"], w["target_met"]])
    sheet.freeze_panes(head + 1, 3)
    yes, no = _yes_no(ctx)
    styles = {
        "id": xf(fmt.id),
        "text": xf(fmt.text),
        "yesno": xf(fmt.yesno),
        "num": xf(fmt.number),
        "whole": xf(fmt.int),  # a whole number: "#,##0.##" would show Excel's "22."
    }
    metrics = d.metrics
    spark_rows = [  # 1-based sheet rows with a sparkline
        head + 2 + i
        for i, m in enumerate(metrics)
        if m.kind in NUMERIC_KINDS and any(isinstance(v, float | int) for v in m.values)
    ]
    spark = Sparklines(
        quote_sheetname(name), LETTERS[first_value], LETTERS[spark_col - 1], LETTERS[spark_col],
    )  # fmt: skip

    generate = _metric_rows(metrics, styles, first_value, spark_col, (yes, no), head + 1, staged)

    row = head + len(metrics)
    if metrics:
        reserve(sheet, head + 1, row)
        insert = ("</x14:sparkline>", spark.xml(spark_rows[1:])) if spark_rows else None
        ctx.blocks.append(Block(sheet.index + 1, head + 1, row, generate, insert))
    if spark_rows:
        # xlsxwriter writes the group and its first sparkline, finish() the rest (~70,000 at
        # 3,000 departments; xlsxwriter's XML writer takes a second over them).
        sheet.add_sparkline(
            spark.location(spark_rows[0]),
            {
                "location": [spark.location(spark_rows[0])],
                "range": [spark.range(spark_rows[0])],
                "markers": True,
                "series_color": HEADER_FILL,
                "empty_cells": "connect",
                "weight": 1.75,
            },
        )
    if row > head:
        sheet.autofilter(head, 0, row, spark_col + 1)
    print_setup(ctx, sheet, name, head)


@dataclass(frozen=True)
class Sparklines:
    """Sparklines of one sheet, a row's values from first_col to last_col drawn in its `at`
    column: their ranges and locations for xlsxwriter, and the <x14:sparkline> elements
    xlsxwriter would write for many of them (`xml`), made as one text when finishing."""

    sheet: str  # the sheet's name, quoted for a formula (quote_sheetname)
    first_col: str
    last_col: str
    at: str

    def location(self, row: int) -> str:
        return f"{self.at}{row}"

    def range(self, row: int) -> str:
        return f"{self.sheet}!{self.first_col}{row}:{self.last_col}{row}"

    def xml(self, rows: Sequence[int]):
        """A function making the elements for `rows` (1-based), escaped as xlsxwriter does."""
        sheet = cell_text(self.sheet)
        first, last, at = self.first_col, self.last_col, self.at

        def text() -> str:
            return "".join(
                [
                    f"<x14:sparkline><xm:f>{sheet}!{first}{r}:{last}{r}</xm:f>"
                    f"<xm:sqref>{at}{r}</xm:sqref></x14:sparkline>"
                    for r in rows
                ]
            )

        return text


def _metric_cells(
    m: MetricRow,
    styles: Mapping[str, int],
    first_value: int,
    spark_col: int,
    yes_no: tuple[str, str],
    staged: bool = False,
) -> list[tuple[int, object, int]]:
    """A metric's row as cells: ids, name, unit, target (`staged`: then the target that
    applies now and its year or period), a value per period, the sparkline's (empty) cell,
    whether the target is met."""
    numeric = m.kind in NUMERIC_KINDS
    vf = styles["yesno"] if m.kind == "yesno" else styles["num"]
    t = styles["text"]
    cells: list[tuple[int, object, int]] = [
        (0, m.metric_id, styles["id"]),
        (1, m.action_id, t),
        (2, m.name, t),
        (3, m.unit, t),
        (4, m.target, t),
    ]
    if staged:
        value, bound = m.target_now or ("", "")
        cells += [(5, value, t), (6, bound, t)]
    for i, v in enumerate(m.values):
        if v is None:
            cells.append((first_value + i, None, t))
        elif isinstance(v, float | int) and numeric:
            cells.append((first_value + i, v, _value_style(v, vf, styles)))
        else:
            cells.append((first_value + i, str(v), t))
    cells.append((spark_col, None, t))
    on = None if m.on_track is None else (yes_no[0] if m.on_track else yes_no[1])
    cells.append((spark_col + 1, on, t))
    return cells


TWO_LINES = 2 * LINE_HEIGHT  # a metric row's least height (its name fits one line of 42)


def _metric_height(m: MetricRow) -> float:
    return max(row_height([(m.name, 36)]) or 0, TWO_LINES)


def _metric_rows(
    metrics: Sequence[MetricRow],
    styles: Mapping[str, int],
    first_value: int,
    spark_col: int,
    yes_no: tuple[str, str],
    first: int,
    staged: bool = False,
):
    """The metric sheet's rows from 0-based sheet row `first`, generated when the file is
    finished: the row's XML directly when no text needs escaping (the common case, written
    here rather than through cells), else (cells, height)."""
    t, idf = styles["text"], styles["id"]
    value_cols = (
        [LETTERS[first_value + i] for i in range(len(metrics[0].values))] if metrics else []
    )
    spark, met = LETTERS[spark_col], LETTERS[spark_col + 1]
    s = ' t="inlineStr"><is><t>'
    numeric_kinds = NUMERIC_KINDS

    def generate():
        for x, m in enumerate(metrics, start=first + 1):  # x: the 1-based sheet row
            numeric = m.kind in numeric_kinds
            vf = styles["yesno"] if m.kind == "yesno" else styles["num"]
            on = "" if m.on_track is None else (yes_no[0] if m.on_track else yes_no[1])
            name = m.name
            height = _metric_height(m) if len(name) > 42 or "\n" in name else TWO_LINES
            texts = [m.metric_id, m.action_id, name, m.unit, m.target, on]
            now = ""
            if staged:
                value, bound = m.target_now or ("", "")
                texts += [value, bound]
                now = (
                    f'<c r="F{x}" s="{t}"{s}{value}</t></is></c>'
                    f'<c r="G{x}" s="{t}"{s}{bound}</t></is></c>'
                )
            out = [
                f'<row r="{x}" ht="{height:g}" customHeight="1">'
                f'<c r="A{x}" s="{idf}"{s}{m.metric_id}</t></is></c>'
                f'<c r="B{x}" s="{t}"{s}{m.action_id}</t></is></c>'
                f'<c r="C{x}" s="{t}"{s}{name}</t></is></c>'
                f'<c r="D{x}" s="{t}"{s}{m.unit}</t></is></c>'
                f'<c r="E{x}" s="{t}"{s}{m.target}</t></is></c>{now}'
            ]
            for col, v in zip(value_cols, m.values, strict=True):
                if v is None:
                    out.append(f'<c r="{col}{x}" s="{t}"/>')
                elif numeric and isinstance(v, float | int):
                    vs = _value_style(v, vf, styles)
                    out.append(f'<c r="{col}{x}" s="{vs}"><v>{v:.16G}</v></c>')
                else:
                    v = str(v)
                    texts.append(v)
                    out.append(f'<c r="{col}{x}" s="{t}"{s}{v}</t></is></c>')
            out.append(
                f'<c r="{spark}{x}" s="{t}"/><c r="{met}{x}" s="{t}"/></row>'
                if m.on_track is None
                else f'<c r="{spark}{x}" s="{t}"/><c r="{met}{x}" s="{t}"{s}{on}</t></is></c></row>'
            )
            if needs_care("|".join(texts)):
                yield _metric_cells(m, styles, first_value, spark_col, yes_no, staged), height
            else:
                yield "".join(out)

    return generate


def _value_style(v: float, vf: int, styles: Mapping[str, int]) -> int:
    """A value's style: the kind's (`vf`), or whole numbers' where a number has no decimals."""
    return styles["whole"] if vf == styles["num"] and float(v).is_integer() else vf


def _yes_no(ctx: AnyContext) -> tuple[str, str]:
    words = wording(ctx.programme.settings.language)
    return words["yes"], words["no"]
