"""The register: the database of every submission and value, and what is read back from it.

Owns the database (db: schema, connection, the workspace secret; migrations: the schema's
revisions), the rejection ledger, the last answers shown in the next workbook (history), the
chase list (status) and the register workbook (``roundtrip register``).
May import: ``roundtrip.programme``, ``roundtrip.xlsx``, ``roundtrip.parallel`` and the base
modules; never ``returns``, ``collect``, ``summary``, ``demo`` or the CLI.
"""
