"""Import a municipality's action table into a Programme: read (tables.read), find the
columns and parse the rows (tables.columns, tables.parse), build the programme and report
every guess with its cell (tables.build).

The Aura working paper (tab-separated text copied out of a word processor, page titles
repeated on every page, ``Painopiste N.`` headings) imports to exactly the curated example's
departments, actions, ids, schedules and origins (examples/aura/README.md lists its rules).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from roundtrip.language import console_language
from roundtrip.programme.tables.build import ImportResult, build, programme_language
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


def import_table(
    path: Path,
    organisation: str = "",
    columns: str | None = None,
    speak: Callable[[str], None] | None = None,
) -> ImportResult:
    """Read an action table (.docx, .xlsx, .ods, .csv, .txt) and build its Programme, with a
    report of every decision. Raises UsageError or ConfigError with one clear line.

    `speak`: called with the programme's language once the headers have told it (init:
    set_console_language), so that the report is in the language the rest of the command
    speaks; the rows are parsed again when that changed the console's language."""
    path = Path(path)
    given = parse_columns_option(columns) if columns else None  # a bad option before reading
    lines = read_table(path)
    parsed = parse_lines(lines, given)
    if speak is not None and parsed.drafts:
        before = console_language()
        speak(programme_language(parsed))
        if console_language() != before:
            parsed = parse_lines(lines, given)  # its notes in the language now spoken
    return build(parsed, path.name, organisation=organisation)
