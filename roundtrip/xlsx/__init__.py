"""Writing and patching OOXML (.xlsx) below xlsxwriter: the one place that knows the format.

Owns text as cell content (text: the one escaping routine, the one cell writer, column
letters, Excel's limits), the streamed writer for huge registers (stream), bulk rows for big
summary sheets (bulk), Excel tables (tables), patching a package's parts (parts), copying zip
members untouched (zip_copy), and the only uses of xlsxwriter's internals
(xlsxwriter_private, for the versions pinned in pyproject.toml).
May import: ``roundtrip.parallel`` and the base modules; nothing of the domain (programme,
returns, register, collect, summary).
"""
