"""The programme: what is tracked (priorities, departments, actions, metrics, statuses, periods).

Owns the frozen model, reporting periods, programme.xlsx (read, check, write), the bundled
definitions, the checked programme's cache and the import of raw action tables.
May import: the top-level base modules (errors, workspace, resources, progress),
``roundtrip.xlsx`` and ``roundtrip.parallel``; nothing else of roundtrip.
"""
