"""Collecting returns: intake and archive, the run over an inbox, storing, feedback.

Owns ``roundtrip collect``: taking files in (intake: hash, archive), the run that reads and
validates them (run, recollect), storing a validated return in one transaction (store), and
what goes back to people (the validation report and annotated copies: feedback, reporting,
annotate).
May import: ``roundtrip.returns``, ``roundtrip.register``, ``roundtrip.programme``,
``roundtrip.xlsx``, ``roundtrip.parallel`` and the base modules; never ``summary``, ``demo`` or
the CLI.
"""
