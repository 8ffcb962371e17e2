"""Import a municipality's action table into a Programme: read (tables.read), find the
columns and parse the rows (tables.columns, tables.parse), build the programme and report
every guess with its cell (tables.build).

The Aura working paper (tab-separated text copied out of a word processor, page titles
repeated on every page, ``Painopiste N.`` headings) imports to exactly the curated example's
departments, actions, ids, schedules and origins (examples/aura/README.md lists its rules).
"""

from __future__ import annotations

from pathlib import Path

from roundtrip.programme.tables.build import ImportResult, build
from roundtrip.programme.tables.columns import parse_columns_option
from roundtrip.programme.tables.lines import RawLine
from roundtrip.programme.tables.parse import parse_lines
from roundtrip.programme.tables.read import read_table

__all__ = ["ImportResult", "import_table", "parse_table"]


def parse_table(
    lines: list[RawLine], file: str, organisation: str = "", columns: str | None = None
) -> ImportResult:
    """The Programme of a table's lines (pure). `columns` is ``--columns``' text."""
    given = parse_columns_option(columns) if columns else None
    return build(parse_lines(lines, given), file, organisation=organisation)


def import_table(path: Path, organisation: str = "", columns: str | None = None) -> ImportResult:
    """Read an action table (.docx, .xlsx, .ods, .csv, .txt) and build its Programme, with a
    report of every decision. Raises UsageError or ConfigError with one clear line."""
    path = Path(path)
    given = parse_columns_option(columns) if columns else None  # a bad option before reading
    return build(parse_lines(read_table(path), given), path.name, organisation=organisation)
