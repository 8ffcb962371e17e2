"""Every word of the public site, as English message ids the catalogue extracts (N_).

The templates never hold text of their own: they ask `t(key, **values)` for these, in the
programme's language (site.py binds it), so `scripts/catalogue.py` (which reads only .py
files) finds every message a resident reads.
"""

from __future__ import annotations

from roundtrip.language import N_, trn

WORDS: dict[str, str] = {
    "skip": N_("Skip to the content"),
    "site_title": N_("{programme}: progress {period}"),
    "period_line": N_("Reporting period {period}, {start} to {end}"),
    "front": N_("Front page"),
    "breadcrumb": N_("You are here"),
    "status_title": N_("Status of the actions"),
    "status_intro": N_(
        "Each department reports every period how its actions are progressing. The figures "
        "below are from the reports of the period {period}."
    ),
    "priorities": N_("Priority areas"),
    "priority": N_("Priority area"),
    "by_priority": N_("Status of the actions by priority area"),
    "total": N_("Total"),
    "status": N_("Status"),
    "actions": N_("Actions"),
    "department": N_("Department"),
    "progress": N_("Progress"),
    "metrics": N_("Metrics"),
    "metric": N_("Metric"),
    "value": N_("Value"),
    "latest": N_("Latest value"),
    "target": N_("Target"),
    "baseline": N_("Baseline"),
    "period": N_("Period"),
    "comment": N_("Comment"),
    "comments": N_("The department's comment"),
    "history": N_("History"),
    "history_intro": N_("The status and progress the department reported in each period."),
    "schedule": N_("Schedule"),
    "partners": N_("Partners"),
    "contact": N_("Contact"),
    "not_answered": N_("Not answered"),
    "yes": N_("yes"),
    "no": N_("no"),
    "higher_better": N_("The higher the better"),
    "lower_better": N_("The lower the better"),
    "on_target": N_("Target reached"),
    "off_target": N_("Target not reached yet"),
    "observations": N_("Observations"),
    "observations_intro": N_(
        "Found by the programme's monitoring rules from the reports, not written by the department."
    ),
    "values_by_period": N_("Values by period"),
    "no_actions": N_("No active actions in this priority area."),
    "no_metrics": N_("This action has no metric."),
    "chart_status": N_("Chart: the status of {n} actions"),
    "chart_metric": N_("Chart: {metric} by period"),
    "chart_metric_desc": N_("From {first} to {last}: {values}."),
    "chart_target": N_("The dashed line is the target, {target}."),
    "made": N_("This page was made on {date}."),
    "no_returns": N_("No reports have been collected for the period {period} yet."),
    "privacy": N_("The departments' comments and contact details are not published on this site."),
    "priority_page": N_("Priority area {id}"),
    "action_page": N_("Action {id}"),
    "in_priority": N_("Priority area: {title}"),
}


def done_of(language: str, done: int, n: int) -> str:
    """ "3 of 12 actions completed" in `language`."""
    return trn(
        language, "{done} of {n} action completed", "{done} of {n} actions completed", n
    ).format(done=done, n=n)


def from_returns(language: str, n: int, collected: str) -> str:
    """Which reports the site is made from: how many, and the latest one's date."""
    return trn(
        language,
        "It is based on {n} report collected from the departments, on {collected}.",
        "It is based on {n} reports collected from the departments, the latest on {collected}.",
        n,
    ).format(n=n, collected=collected)
