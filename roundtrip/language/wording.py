"""The wording of every workbook: section, key and English words (the message ids).

Each entry is translated through the catalogue with its section as context; wording(LANG)
returns the same shape with the words of LANG. What a return workbook calls its sheets and
columns, what the register and summary workbooks say, the annotated copy and the report.
"""

from __future__ import annotations

import functools
from typing import Any

from roundtrip.language.catalogue import C_, LANGUAGES, Message, tr

WORDING: dict[str, Any] = {
    "yes": C_("workbook", "Yes"),
    "no": C_("workbook", "No"),
    "sheets": {
        "instructions": C_("sheets", "Instructions"),
        "actions": C_("sheets", "Actions"),
        "metrics": C_("sheets", "Metrics"),
        "proposals": C_("sheets", "Proposals"),
        "lists": C_("sheets", "Lists"),
        "identity": C_("sheets", "Identity"),
    },
    "kinds": {
        "count": C_("kinds", "count"),
        "number": C_("kinds", "number"),
        "percent": C_("kinds", "percent"),
        "yesno": C_("kinds", "yes/no"),
        "text": C_("kinds", "text"),
    },
    "actions": {
        "title": C_("actions", "{programme}: {department}, reporting period {period}"),
        "subtitle": C_("actions", "Fill in the yellow cells. Return by {deadline}."),
        "action_id": C_("actions", "ID"),
        "priority": C_("actions", "Priority"),
        "action": C_("actions", "Action"),
        "metric": C_("actions", "Metric / follow-up"),
        "schedule": C_("actions", "Schedule"),
        "responsible": C_("actions", "Responsible"),
        "hint": C_("actions", "Note"),
        "partners": C_("actions", "Partners"),
        "lead_is": C_("actions", "Lead: {department}"),
        "prev_period": C_("actions", "Previous period"),
        "prev_status": C_("actions", "Previous status"),
        "prev_progress": C_("actions", "Previous progress %"),
        "prev_comment": C_("actions", "Previous comment"),
        "status": C_("actions", "Status"),
        "progress": C_("actions", "Progress %"),
        "comment": C_("actions", "Comment"),
    },
    "metrics": {
        "title": C_("metrics", "{programme}: {department}, metrics {period}"),
        "subtitle": C_("metrics", "Enter each metric's value for the period {period}."),
        "metric_id": C_("metrics", "Metric ID"),
        "action_id": C_("metrics", "Action ID"),
        "action": C_("metrics", "Action"),
        "metric": C_("metrics", "Metric"),
        "kind": C_("metrics", "Kind"),
        "unit": C_("metrics", "Unit"),
        "baseline": C_("metrics", "Baseline"),
        "target": C_("metrics", "Target"),
        "prev_period": C_("metrics", "Previous period"),
        "prev_value": C_("metrics", "Previous value"),
        "value": C_("metrics", "Value"),
        "comment": C_("metrics", "Comment"),
    },
    "proposals": {
        "title": C_("proposals", "Proposals for new actions"),
        "subtitle": C_(
            "proposals", 'Propose new actions (answers the programme\'s "Other, what?").'
        ),
        "priority": C_("proposals", "Priority"),
        "action": C_("proposals", "Proposed action"),
        "metric": C_("proposals", "Metric / follow-up"),
        "schedule": C_("proposals", "Schedule"),
        "responsible": C_("proposals", "Responsible"),
        "comment": C_("proposals", "Rationale"),
    },
    "prompts": {
        "status_title": C_("prompts", "Status"),
        "status": C_(
            "prompts", "Pick a status from the list. {needs_comment}: also write a comment."
        ),
        "status_error": C_("prompts", "Pick a status from the list."),
        "progress_title": C_("prompts", "Progress"),
        "progress": C_("prompts", "Whole number 0–100 (%)."),
        "progress_error": C_("prompts", "Enter a whole number from 0 to 100."),
        "count": C_("prompts", "Whole number, 0 or more."),
        "count_error": C_("prompts", "Enter a whole number, 0 or more."),
        "number": C_("prompts", "A number."),
        "number_error": C_("prompts", "Enter a number."),
        "percent": C_("prompts", "Percent from 0 to 100."),
        "percent_error": C_("prompts", "Enter a percent from 0 to 100."),
        "yesno": C_("prompts", "Pick Yes or No."),
        "yesno_error": C_("prompts", "Pick Yes or No."),
        "text": C_("prompts", "Free text."),
        "plan": C_("prompts", "Missing from the plan: complete it if you know."),
        "priority": C_("prompts", "Pick a priority from the list."),
    },
    # The approver of a return: two input cells at the top of the actions sheet (labels,
    # input messages), and what the instructions say when the programme asks for them.
    "signoff": {
        "approved_by": C_("signoff", "Approved by"),
        "approved_on": C_("signoff", "Approval date"),
        "approved_by_prompt": C_(
            "signoff",
            "The name of the person who approved this return, usually the head of the department.",
        ),
        "approved_on_prompt": C_("signoff", "The date the return was approved, such as {example}."),
        "approved_on_error": C_("signoff", "Enter a date, such as {example}."),
        "warn": C_(
            "signoff",
            "Before sending the file, the head of the department writes their name and the date in the yellow cells {approved_by} and {approved_on} at the top of the {sheet} sheet.",
        ),
        "required": C_(
            "signoff",
            "Before sending the file, the head of the department writes their name and the date in the yellow cells {approved_by} and {approved_on} at the top of the {sheet} sheet. A return without them is not accepted.",
        ),
    },
    "instructions": {
        "title": C_("instructions", "{programme}: reporting {period}"),
        "lines": [
            C_("instructions", "Department: {department}"),
            C_("instructions", "Reporting period: {period} ({start} to {end})"),
            C_("instructions", "Return by: {deadline}"),
            C_("instructions", "Contact: {coordinator} {coordinator_email}"),
            "",
            C_("instructions", "How to fill in:"),
            C_(
                "instructions",
                "1. On the Actions sheet, pick a status for each action from the list and estimate its progress in percent (0-100).",
            ),
            C_(
                "instructions",
                "2. Write a comment. A comment is required when the status is {needs_comment}.",
            ),
            C_(
                "instructions",
                "3. On the Metrics sheet, enter each metric's value for this period.",
            ),
            C_(
                "instructions",
                "4. Where the plan lacks a metric, schedule or responsible party, you may complete it in the yellow cell.",
            ),
            C_("instructions", "5. New action proposals go on the Proposals sheet."),
            C_(
                "instructions",
                "6. The grey columns show last period's answers; they cannot be changed.",
            ),
            C_("instructions", "7. Save the file and email it back. You may rename the file."),
            "",
            C_("instructions", "Do not delete the hidden sheets: they identify your return."),
        ],
        # Only in a partner's workbook (partners_report): the rows of actions another leads.
        "partners_line": C_(
            "instructions",
            "The rows whose {column} column names the lead are actions another department leads: report your own part in them (status, progress, comment). The lead reports their metrics.",
        ),
    },
    "report": {
        "file": C_("report", "File"),
        "department": C_("report", "Department"),
        "sheet": C_("report", "Sheet"),
        "cell": C_("report", "Cell"),
        "value": C_("report", "Value"),
        "message": C_("report", "Message"),
        "severity": C_("report", "Severity"),
        "error": C_("report", "Error"),
        "warning": C_("report", "Warning"),
        "no_problems": C_("report", "No problems found."),
        "sheet_name": C_("report", "Validation report"),
        "to_fix": C_("report", "To fix"),
        "to_fix_title": C_(
            "report",
            "Problems found in this file: fix the highlighted cells and send the file again.",
        ),
        "author": C_("report", "roundtrip"),
    },
    "register": {
        "current": C_("register", "Current"),
        "history": C_("register", "History"),
        "metrics": C_("register", "Metrics"),
        "submissions": C_("register", "Submissions"),
        "proposals": C_("register", "Proposals"),
        "plan_completions": C_("register", "Plan completions"),
        "warnings": C_("register", "Warnings"),
        "period": C_("register", "Period"),
        "priority": C_("register", "Priority"),
        "department": C_("register", "Department"),
        "role": C_("register", "Role"),
        "role_lead": C_("register", "lead"),
        "role_partner": C_("register", "partner"),
        "action_id": C_("register", "Action ID"),
        "action": C_("register", "Action"),
        "active": C_("register", "Active"),
        "status": C_("register", "Status"),
        "progress": C_("register", "Progress %"),
        "comment": C_("register", "Comment"),
        "last_period": C_("register", "Period of last answer"),
        "periods_since": C_("register", "Periods since last answer"),
        "metric_id": C_("register", "Metric ID"),
        "metric": C_("register", "Metric"),
        "kind": C_("register", "Kind"),
        "unit": C_("register", "Unit"),
        "baseline": C_("register", "Baseline"),
        "target": C_("register", "Target"),
        "value": C_("register", "Value"),
        "submission": C_("register", "Submission"),
        "file": C_("register", "File"),
        "sheet": C_("register", "Sheet"),
        "cell": C_("register", "Cell"),
        "status_cell": C_("register", "Status cell"),
        "progress_cell": C_("register", "Progress cell"),
        "comment_cell": C_("register", "Comment cell"),
        "value_cell": C_("register", "Value cell"),
        "row": C_("register", "Row"),
        "received_at": C_("register", "Received"),
        "health": C_("register", "Health in the latest period"),
        "collected_at": C_("register", "Collected"),
        "archive_path": C_("register", "Archived as"),
        "archived_in": C_("register", "Archived in workspace"),
        "verdict": C_("register", "Verdict"),
        "verdict_accepted": C_("register", "accepted"),
        "verdict_warnings": C_("register", "accepted with warnings"),
        "signer": C_("register", "Saved by"),
        "approved_by": C_("register", "Approved by"),
        "approved_on": C_("register", "Approval date"),
        "programme_version": C_("register", "Programme version"),
        "generated_at": C_("register", "Generated"),
        "errors": C_("register", "Errors"),
        "warning_count": C_("register", "Number of warnings"),
        "superseded_by": C_("register", "Superseded by"),
        "state": C_("register", "Current / superseded"),
        "is_current": C_("register", "current"),
        "is_superseded": C_("register", "superseded"),
        "field": C_("register", "Field"),
        "field_metric": C_("register", "metric"),
        "field_schedule": C_("register", "schedule"),
        "field_responsible": C_("register", "responsible"),
        "schedule": C_("register", "Schedule"),
        "responsible": C_("register", "Responsible"),
        "severity": C_("register", "Severity"),
        "message": C_("register", "Message"),
        "yes": C_("register", "yes"),
        "no": C_("register", "no"),
    },
    "summary": {
        "title": C_("summary", "{programme}: status report {period}"),
        "subtitle": C_(
            "summary",
            "{organisation} · reporting period {period} ({start} to {end}) · returns due {deadline}",
        ),
        "page": C_("summary", "Page &P of &N"),
        "overview": C_("summary", "Overview"),
        "departments": C_("summary", "Departments"),
        "attention": C_("summary", "Attention"),
        "metrics": C_("summary", "Metrics"),
        "trend": C_("summary", "Trend"),
        "key_figures": C_("summary", "Key figures"),
        "figure": C_("summary", "Figure"),
        "change": C_("summary", "Change"),
        "actions": C_("summary", "Actions (active)"),
        "done": C_("summary", "Completed"),
        "on_track": C_("summary", "On track"),
        "problems": C_("summary", "Problems (minor or major)"),
        "not_answered": C_("summary", "Not answered"),
        "returns_expected": C_("summary", "Returns expected"),
        "returns_received": C_("summary", "Returns received"),
        "return_rate": C_("summary", "Return rate"),
        "returns_on_time": C_("summary", "Returned on time"),
        "by_priority": C_("summary", "Status of actions by priority area"),
        "priority": C_("summary", "Priority area"),
        "total": C_("summary", "Total"),
        "status_change": C_("summary", "Change since the previous period ({previous})"),
        "no_previous": C_(
            "summary", "The register holds no answers for the previous period ({previous})."
        ),
        "changed": C_("summary", "Actions whose status changed since the previous period"),
        "changes_many": C_(
            "summary",
            "{n} actions changed status: the priority-area sheets show each action's previous status (filter on that column).",
        ),
        "no_changes": C_("summary", "No changes."),
        "status": C_("summary", "Status"),
        "action_id": C_("summary", "ID"),
        "action": C_("summary", "Action"),
        "department": C_("summary", "Department"),
        "before": C_("summary", "Previous status"),
        "after": C_("summary", "Status now"),
        "progress": C_("summary", "Progress %"),
        "metric": C_("summary", "Metric and target"),
        "comment": C_("summary", "Latest comment"),
        "comment_period": C_("summary", "Period"),
        "partners": C_("summary", "Partners' answers"),
        "health": C_("summary", "Health"),
        "health_figures": C_("summary", "Computed health (the reasons: the actions to discuss)"),
        "health_overdue": C_("summary", "Overdue: schedule ended, not done"),
        "health_stale": C_("summary", "Stale: no update"),
        "health_off_target": C_("summary", "Behind the line to a metric's target"),
        "health_no_owner": C_("summary", "Actions of a department without a contact person"),
        "target_of": C_("summary", "(target {target})"),
        "contact": C_("summary", "Contact"),
        "returned": C_("summary", "Return"),
        "received_at": C_("summary", "Received"),
        "answered": C_("summary", "Answered"),
        "completion": C_("summary", "Completion"),
        "open_problems": C_("summary", "Open problems"),
        "on_time": C_("summary", "On time"),
        "late": C_("summary", "Late"),
        "missing": C_("summary", "Missing"),
        "attention_title": C_("summary", "Actions for the council to discuss {period}"),
        "attention_intro": C_(
            "summary",
            "Major problems, cancelled actions, actions without an answer for {stale} periods or "
            "more, and what the health rules find: overdue, stale, behind target, no owner.",
        ),
        "attention_more": C_(
            "summary",
            "Not listed here: {n} more actions flagged by the health rules alone. Each priority "
            "sheet shows them in its column {column}.",
        ),
        "reason": C_("summary", "Reason"),
        "stale": C_("summary", "No answer for {n} periods"),
        "no_attention": C_("summary", "No actions need attention."),
        "metrics_title": C_("summary", "Metrics by period {period}"),
        "metric_id": C_("summary", "Metric ID"),
        "metric_name": C_("summary", "Metric"),
        "unit": C_("summary", "Unit"),
        "target": C_("summary", "Target"),
        "sparkline": C_("summary", "Trend"),
        "target_met": C_("summary", "Target met"),
        # With targets by year or period: the final target, and the one that applies now.
        "target_final": C_("summary", "Final target"),
        "target_now": C_("summary", "Target now"),
        "target_by": C_("summary", "Target by"),
        "trend_title": C_("summary", "Status of actions by period"),
        "period": C_("summary", "Period"),
    },
}


# The default status scale, the one municipal strategy trackers converge on; a programme
# may override it on its statuses sheet. key: stable, stored in the register.
DEFAULT_STATUSES: tuple[dict[str, Any], ...] = (
    {
        **{
            "key": "not_started",
            "colour": "#BFBFBF",
            "done": False,
            "needs_comment": False,
            "attention": False,
        },
        "label": C_("status", "Not started"),
    },
    {
        **{
            "key": "on_track",
            "colour": "#63BE7B",
            "done": False,
            "needs_comment": False,
            "attention": False,
        },
        "label": C_("status", "On track"),
    },
    {
        **{
            "key": "minor",
            "colour": "#FFC000",
            "done": False,
            "needs_comment": False,
            "attention": False,
        },
        "label": C_("status", "Some disruption"),
    },
    {
        **{
            "key": "major",
            "colour": "#F8696B",
            "done": False,
            "needs_comment": True,
            "attention": True,
        },
        "label": C_("status", "Major disruption"),
    },
    {
        **{
            "key": "done",
            "colour": "#4F81BD",
            "done": True,
            "needs_comment": False,
            "attention": False,
        },
        "label": C_("status", "Completed"),
    },
    {
        **{
            "key": "cancelled",
            "colour": "#7F7F7F",
            "done": False,
            "needs_comment": True,
            "attention": True,
        },
        "label": C_("status", "Cancelled"),
    },
)


def _translate(value: Any, language: str) -> Any:
    if isinstance(value, Message):
        return tr(language, value)
    if isinstance(value, dict):
        return {k: _translate(v, language) for k, v in value.items()}
    if isinstance(value, list):
        return [_translate(v, language) for v in value]
    return value


@functools.cache
def wording(language: str) -> dict[str, Any]:
    """The workbook wording in `language` (fi, sv, en): WORDING with every entry translated."""
    if language not in LANGUAGES:
        raise ValueError(f"no wording for language {language!r}")
    words: dict[str, Any] = _translate(WORDING, language)
    words["language"] = language
    return words


@functools.cache
def default_statuses() -> tuple[dict[str, Any], ...]:
    """The default statuses with their label in every language (keys fi, sv, en)."""
    out = []
    for status in DEFAULT_STATUSES:
        row = {k: v for k, v in status.items() if k != "label"}
        row.update({lang: tr(lang, status["label"]) for lang in LANGUAGES})
        out.append(row)
    return tuple(out)
