"""The council summary workbook (``roundtrip summary``): its figures and its sheets.

Owns the passes over the register (passes), the aggregation (data) and the sheets (sheets,
overview, metrics) joined into one workbook (workbook).
May import: ``roundtrip.register``, ``roundtrip.programme``, ``roundtrip.xlsx``,
``roundtrip.parallel`` and the base modules; never ``returns``, ``collect``, ``demo`` or the CLI.
"""
