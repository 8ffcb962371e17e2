"""reads._statements compiled for psycopg (written by reads.write_compiled_texts;
tests/test_register_reads.py holds them equal). Do not edit by hand.

python -c "from roundtrip.register import reads; reads.write_compiled_texts('roundtrip/register/reads_postgresql.py')"
"""

TEXTS = {
    "accepted": (
        'SELECT submissions.department_id, submissions.received_at, submissions.signer, submissions.original_name, submissions.warnings \nFROM submissions \nWHERE submissions.superseded_by IS NULL AND submissions.period = %s::VARCHAR ORDER BY submissions.received_at COLLATE "C", submissions.id',
        ("p",),
        {},
    ),
    "answers": (
        "SELECT answers.action_id, answers.status_key, answers.progress, answers.comment, answers.department_id \nFROM answers \nWHERE answers.submission_id IN (SELECT submissions.id \nFROM submissions \nWHERE submissions.superseded_by IS NULL AND submissions.period = %s::VARCHAR) AND answers.period = %s::VARCHAR",
        ("p", "p"),
        {},
    ),
    "answers_upto": (
        'SELECT answers.action_id, answers.period, answers.department_id, answers.status_key, answers.progress, answers.comment \nFROM answers \nWHERE answers.submission_id IN (SELECT submissions.id \nFROM submissions \nWHERE submissions.superseded_by IS NULL AND (submissions.period COLLATE "C") <= %s::VARCHAR) AND (answers.period COLLATE "C") <= %s::VARCHAR',
        ("p", "p"),
        {},
    ),
    "histories": (
        'SELECT answers.action_id, max(CASE WHEN (answers.status_key IS NOT NULL) THEN answers.period COLLATE "C" END) AS max_1, max(CASE WHEN (trim(coalesce(answers.comment, %s::VARCHAR)) != %s::VARCHAR) THEN answers.period || %s::VARCHAR || answers.comment COLLATE "C" END) AS max_2 \nFROM answers \nWHERE answers.submission_id IN (SELECT submissions.id \nFROM submissions \nWHERE submissions.superseded_by IS NULL AND (submissions.period COLLATE "C") <= %s::VARCHAR) AND (answers.period COLLATE "C") <= %s::VARCHAR AND NOT ((answers.action_id || %s::VARCHAR || answers.department_id) = ANY (%s::TEXT[])) GROUP BY answers.action_id',
        ("coalesce_1", "trim_1", "period_1", "p", "p", "action_id_1", "pairs"),
        {"coalesce_1": "", "trim_1": "", "period_1": "\x1f", "action_id_1": "\x1f"},
    ),
    "last_status": (
        'SELECT answers.action_id, answers.period, answers.status_key, answers.department_id \nFROM answers JOIN submissions ON submissions.id = answers.submission_id \nWHERE submissions.superseded_by IS NULL AND answers.status_key IS NOT NULL AND (answers.period COLLATE "C") <= %s::VARCHAR AND answers.action_id = ANY (%s::TEXT[]) ORDER BY answers.period COLLATE "C"',
        ("p", "ids"),
        {},
    ),
    "mailings": (
        "SELECT mailings.department_id, mailings.period, mailings.kind, mailings.at, mailings.how, mailings.recipient, mailings.path \nFROM mailings \nWHERE mailings.period = %s::VARCHAR ORDER BY mailings.id",
        ("p",),
        {},
    ),
    "numbers": (
        "SELECT metric_values.metric_id, metric_values.value_num \nFROM metric_values \nWHERE metric_values.submission_id IN (SELECT submissions.id \nFROM submissions \nWHERE submissions.superseded_by IS NULL AND submissions.period = %s::VARCHAR) AND metric_values.period = %s::VARCHAR AND metric_values.value_num IS NOT NULL",
        ("p", "p"),
        {},
    ),
    "periods": (
        "SELECT DISTINCT submissions.period \nFROM submissions \nWHERE submissions.superseded_by IS NULL",
        (),
        {},
    ),
    "periods_upto": (
        'SELECT DISTINCT submissions.period \nFROM submissions \nWHERE submissions.superseded_by IS NULL AND (submissions.period COLLATE "C") <= %s::VARCHAR',
        ("p",),
        {},
    ),
    "return_count": (
        'SELECT count(*) AS count_1, max(submissions.collected_at COLLATE "C") AS max_1 \nFROM submissions \nWHERE submissions.superseded_by IS NULL AND submissions.period = %s::VARCHAR',
        ("p",),
        {},
    ),
    "returns": (
        'SELECT submissions.department_id, max(submissions.received_at COLLATE "C") AS max_1 \nFROM submissions \nWHERE submissions.superseded_by IS NULL AND submissions.period = %s::VARCHAR GROUP BY submissions.department_id',
        ("p",),
        {},
    ),
    "trend": (
        'SELECT answers.period, answers.status_key, count(*) AS count_1 \nFROM answers \nWHERE answers.submission_id IN (SELECT submissions.id \nFROM submissions \nWHERE submissions.superseded_by IS NULL AND (submissions.period COLLATE "C") <= %s::VARCHAR) AND NOT (answers.action_id = ANY (%s::TEXT[])) AND NOT ((answers.action_id || %s::VARCHAR || answers.department_id) = ANY (%s::TEXT[])) GROUP BY answers.period, answers.status_key',
        ("p", "inactive", "action_id_1", "pairs"),
        {"action_id_1": "\x1f"},
    ),
    "values_upto": (
        'SELECT metric_values.metric_id, metric_values.period, metric_values.value_num, metric_values.value_text \nFROM metric_values \nWHERE metric_values.submission_id IN (SELECT submissions.id \nFROM submissions \nWHERE submissions.superseded_by IS NULL AND (submissions.period COLLATE "C") <= %s::VARCHAR) AND (metric_values.period COLLATE "C") <= %s::VARCHAR AND metric_values.value_text IS NOT NULL',
        ("p", "p"),
        {},
    ),
}
