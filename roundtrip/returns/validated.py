"""What validating a return yields: typed records, each with its source cell, and problems.

PURE. `ValidatedReturn` is what collect stores (roundtrip.collect.store); `Problems` gathers
the problems of one file while it is validated (roundtrip.returns.validate and
roundtrip.returns.identity_check).
"""

from __future__ import annotations

from dataclasses import dataclass

from roundtrip.errors import Problem, WithProblems
from roundtrip.returns.normalize import to_text


@dataclass(frozen=True)
class Answer:
    action_id: str
    status_key: str | None
    progress: int | None
    comment: str | None
    sheet: str
    status_cell: str = ""
    progress_cell: str = ""
    comment_cell: str = ""


@dataclass(frozen=True)
class MetricValue:
    metric_id: str
    action_id: str
    kind: str
    value_num: float | None
    value_text: str | None
    comment: str | None
    sheet: str
    value_cell: str = ""
    comment_cell: str = ""


@dataclass(frozen=True)
class PlanCompletion:
    action_id: str
    field: str  # metric / schedule / responsible
    value: str
    sheet: str
    cell: str


@dataclass(frozen=True)
class Proposal:
    priority_id: str
    action: str
    metric: str
    schedule: str
    responsible: str
    comment: str
    sheet: str
    row: int


@dataclass(frozen=True)
class ValidatedReturn(WithProblems):
    file: str
    department_id: str | None
    period: str
    programme_version: str
    generated_at: str
    answers: tuple[Answer, ...]
    metric_values: tuple[MetricValue, ...]
    plan_completions: tuple[PlanCompletion, ...]
    proposals: tuple[Proposal, ...]
    problems: tuple[Problem, ...]
    signer: str = ""  # who saved the file (lastModifiedBy, else creator)
    approved_by: str = ""  # the sign-off: who approved the return ("" when empty)
    approved_on: str = ""  # and when, an ISO date ("" when empty or unreadable)


class Problems:
    """The problems of one file, each message in the programme's language."""

    def __init__(self, file: str, lang: str):
        self.file = file
        self.lang = lang  # the programme's: every message is written in it
        self.items: list[Problem] = []

    def error(self, message: str, sheet: str = "", cell: str = "", value: object = "") -> None:
        self.items.append(Problem(self.file, message, sheet, cell, "error", show(value)))

    def warning(self, message: str, sheet: str = "", cell: str = "", value: object = "") -> None:
        self.items.append(Problem(self.file, message, sheet, cell, "warning", show(value)))


def show(value: object) -> str:
    text = value if isinstance(value, str) else to_text(value)
    return text[:500]
