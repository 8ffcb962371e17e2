"""Revision 0002: the analysts' read-only views (docs/register.md), frozen as that revision
made them. A later change to a view is a new revision that replaces it.

What the register does not hold is not in the views: the programme's labels (action texts,
department names, status labels in the programme's language) and the metrics' targets live
in programme.xlsx, and health is computed when asked. roundtrip.register.frames adds them.
"""

from __future__ import annotations

VIEWS_V2 = {
    # The answers of the submissions that count (a newer return of the same department and
    # period supersedes the older one), one row per department's answer on an action.
    "v_current_answers": """
CREATE VIEW v_current_answers AS
SELECT a.period, a.department_id, a.action_id, a.status_key, a.progress, a.comment,
       a.submission_id, s.original_name, s.received_at, s.approved_by, s.approved_on,
       a.sheet, a.status_cell, a.progress_cell, a.comment_cell
FROM answers a JOIN submissions s ON s.id = a.submission_id
WHERE s.superseded_by IS NULL""",
    # The metric values of the submissions that count, one row per metric and department.
    "v_metric_values": """
CREATE VIEW v_metric_values AS
SELECT m.period, m.department_id, m.action_id, m.metric_id, m.kind, m.value_num,
       m.value_text, m.comment, m.submission_id, s.original_name, s.received_at,
       m.sheet, m.value_cell, m.comment_cell
FROM metric_values m JOIN submissions s ON s.id = m.submission_id
WHERE s.superseded_by IS NULL""",
    # Every stored return, superseded ones too (is_current 0), with its sign-off.
    "v_submissions": """
CREATE VIEW v_submissions AS
SELECT id AS submission_id, period, department_id, original_name, received_at, collected_at,
       verdict, errors, warnings, signer, approved_by, approved_on,
       CASE WHEN superseded_by IS NULL THEN 1 ELSE 0 END AS is_current, superseded_by,
       programme_version, generated_at, archive_path, content_hash
FROM submissions""",
}
