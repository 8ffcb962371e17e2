"""programme.xlsx's targets sheet read and checked: a metric's targets by year or period.

One row per target: ``metric_id | period | target`` (en; names.COLUMN_NAMES in fi and sv), the
period a year (``2025``) or a period (``2025Q3``, ``2025H2``) whatever the cadence. The sheet
is optional: a programme.xlsx without it reads as before. Every problem names its cell.
"""

from __future__ import annotations

from dataclasses import replace

from roundtrip.language import _
from roundtrip.programme.model import Metric
from roundtrip.programme.names import kind_name
from roundtrip.programme.rows import Checker, Table
from roundtrip.programme.schedule import bound_dates, parse_bound
from roundtrip.programme.targets import target_number

NUMERIC_KINDS = ("count", "number", "percent")  # a target for these must be a number


def read_targets(
    table: Table, chk: Checker, metrics: dict[str, list[Metric]], known: set[str]
) -> dict[str, list[Metric]]:
    """`metrics` (by action id, as sheets.read_metrics gives them) with the targets of
    `table`, each metric's in bound order. `known` is every metric id the metrics sheet names
    (a metric left out for a problem of its own is no unknown metric here)."""
    sheet = "targets"
    by_id = {m.id: m for ms in metrics.values() for m in ms}
    found: dict[str, list[tuple[str, str]]] = {}
    cells: dict[tuple[str, str], str] = {}  # (metric, bound) -> the cell of its first row
    ends: dict[tuple[str, object], tuple[str, str]] = {}  # (metric, last day) -> bound, cell
    for row in table.rows():
        if not chk.required(sheet, row, ("metric_id", "period", "target")):
            continue
        mid, written, value = row.text("metric_id"), row.text("period"), row.text("target")
        if mid not in known:
            chk.add(
                sheet,
                row,
                "metric_id",
                _("unknown metric {value!r} (not on the {sheet} sheet)").format(
                    value=mid, sheet=chk.names.sheet("metrics")
                ),
            )
            continue
        bound = parse_bound(written)
        if not bound:
            chk.add(
                sheet,
                row,
                "period",
                _(
                    "{name} must be a year (2025) or a period (2025Q3, 2025H2), not {value!r}"
                ).format(name=chk.column(sheet, "period"), value=written),
            )
            continue
        first = cells.get((mid, bound))
        if first is not None:
            chk.add(
                sheet,
                row,
                "period",
                _("a second target for {metric} in {period} (first at {cell})").format(
                    metric=mid, period=bound, cell=first
                ),
            )
            continue
        last_day = bound_dates(bound)[1]
        same = ends.get((mid, last_day))
        if same is not None:
            chk.add(
                sheet,
                row,
                "period",
                _(
                    "{period} ends on the day {other} does (at {cell}): give {metric} one "
                    "target for that date"
                ).format(period=bound, other=same[0], cell=same[1], metric=mid),
            )
            continue
        cells[(mid, bound)] = row.cell("period")
        ends[(mid, last_day)] = (bound, row.cell("period"))
        metric = by_id.get(mid)
        if metric is not None and metric.kind in NUMERIC_KINDS and target_number(value) is None:
            language = chk.names.sheet_languages.get("metrics", chk.names.language)
            chk.add(
                sheet,
                row,
                "target",
                _("{name} {value!r} is not a number (metric {metric} is of kind {kind})").format(
                    name=chk.column(sheet, "target"),
                    value=value,
                    metric=mid,
                    kind=kind_name(metric.kind, language),
                ),
            )
            continue
        found.setdefault(mid, []).append((bound, value))
    if not found:
        return metrics
    out: dict[str, list[Metric]] = {}
    for aid, ms in metrics.items():
        out[aid] = [_with_targets(m, found[m.id]) if m.id in found else m for m in ms]
    return out


def _with_targets(metric: Metric, targets: list[tuple[str, str]]) -> Metric:
    ordered = sorted(targets, key=lambda t: bound_dates(t[0])[::-1])  # by last day, then first
    return replace(metric, targets=tuple(ordered))
