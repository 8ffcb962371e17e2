"""The return workbook: its contract, writing it (generate), reading and validating it.

Owns the shape both sides agree on (contract, text), the writer (workbook, styles, generate),
the reader (safety checks, cell formats, read) and the pure interpretation of what was read
(normalize, validate).
May import: ``roundtrip.register`` (last answers), ``roundtrip.programme``, ``roundtrip.xlsx``,
``roundtrip.parallel`` and the base modules; never ``collect``, ``summary``, ``demo`` or the CLI.
"""
