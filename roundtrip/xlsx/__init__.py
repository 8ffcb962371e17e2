"""Writing and patching OOXML (.xlsx) below xlsxwriter: the one place that knows the format.

Owns text as cell content (text: escaping, limits), the streamed writer for huge registers
(stream), bulk rows for big summary sheets (bulk), Excel tables (tables), patching a
package's parts (parts) and copying zip members untouched (zip_copy).
May import: ``roundtrip.parallel`` and the base modules; nothing of the domain (programme,
returns, register, collect, summary).
"""
