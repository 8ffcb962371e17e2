"""The register workbook's sheets as columns: key (its header in the [register] wording),
width and kind. The role column is only there when partners report on shared actions
(Programme.shares_reports): it says whose answer a row is, the lead's or a partner's."""

from __future__ import annotations

from roundtrip.xlsx.tables import DATE, INT, NUM, Col

CURRENT = (
    Col("action_id", 13),
    Col("priority", 9),
    Col("department", 11),
    Col("action", 50),
    Col("active", 10),
    Col("status", 22),
    Col("progress", 10, INT),
    Col("comment", 50),
    Col("last_period", 11),
    Col("periods_since", 11, INT),
    Col("submission", 10, INT),
    Col("file", 30),
    Col("sheet", 14),
    Col("status_cell", 8),
    Col("received_at", 16, DATE),
    Col("health", 44),
)
HISTORY = (
    Col("period", 9),
    Col("priority", 9),
    Col("department", 11),
    Col("action_id", 13),
    Col("action", 50),
    Col("status", 22),
    Col("progress", 10, INT),
    Col("comment", 50),
    Col("submission", 10, INT),
    Col("file", 30),
    Col("sheet", 14),
    Col("status_cell", 8),
    Col("progress_cell", 8),
    Col("comment_cell", 8),
    Col("received_at", 16, DATE),
    Col("state", 12),
)
METRICS = (
    Col("period", 9),
    Col("metric_id", 13),
    Col("action_id", 13),
    Col("department", 11),
    Col("metric", 40),
    Col("kind", 11),
    Col("unit", 9),
    Col("baseline", 10),
    Col("target", 10),
    Col("value", 12, NUM),
    Col("comment", 40),
    Col("submission", 10, INT),
    Col("file", 30),
    Col("sheet", 14),
    Col("value_cell", 8),
    Col("comment_cell", 8),
    Col("received_at", 16, DATE),
    Col("state", 12),
)
SUBMISSIONS = (
    Col("submission", 10, INT),
    Col("department", 11),
    Col("period", 9),
    Col("file", 34),
    Col("archive_path", 30),
    Col("archived_in", 30),  # the workspace (host:folder), with a shared register
    Col("received_at", 16, DATE),
    Col("collected_at", 16, DATE),
    Col("verdict", 10),
    Col("signer", 18),
    Col("approved_by", 22),
    Col("approved_on", 12),
    Col("programme_version", 14),
    Col("generated_at", 16, DATE),
    Col("errors", 8, INT),
    Col("warning_count", 9, INT),
    Col("superseded_by", 11, INT),
    Col("state", 12),
)
PROPOSALS = (
    Col("period", 9),
    Col("department", 11),
    Col("priority", 9),
    Col("action", 50),
    Col("metric", 30),
    Col("schedule", 14),
    Col("responsible", 18),
    Col("comment", 40),
    Col("submission", 10, INT),
    Col("file", 30),
    Col("sheet", 14),
    Col("row", 6, INT),
    Col("state", 12),
)
COMPLETIONS = (
    Col("period", 9),
    Col("department", 11),
    Col("action_id", 13),
    Col("action", 50),
    Col("field", 12),
    Col("value", 40),
    Col("submission", 10, INT),
    Col("file", 30),
    Col("sheet", 14),
    Col("cell", 8),
    Col("state", 12),
)
WARNINGS = (
    Col("submission", 10, INT),
    Col("file", 30),
    Col("department", 11),
    Col("period", 9),
    Col("sheet", 14),
    Col("cell", 8),
    Col("value", 20),
    Col("message", 60),
    Col("state", 12),
)


ROLE = Col("role", 11)


def with_role(cols: tuple[Col, ...]) -> tuple[Col, ...]:
    """`cols` with the role column after the department."""
    at = [c.key for c in cols].index("department") + 1
    return (*cols[:at], ROLE, *cols[at:])
