"""One family of exceptions; the CLI turns each into one line and an exit code.

Exit codes (contract): 0 success, 1 done but attention needed, 2 usage or configuration error.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found in a user's file, pointing at its source cell."""

    file: str
    message: str
    sheet: str = ""
    cell: str = ""
    severity: str = "error"  # "error" or "warning"
    value: str = ""

    @property
    def location(self) -> str:
        if self.sheet and self.cell:
            return f"{self.file}: {self.sheet}!{self.cell}"
        if self.sheet:
            return f"{self.file}: {self.sheet}"
        return self.file

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class RoundtripError(Exception):
    """Base of every error the library raises on purpose."""

    exit_code = 2


class UsageError(RoundtripError):
    """The command was asked for something it cannot do (bad period, unknown id...)."""


class WorkspaceError(RoundtripError):
    """The workspace is missing or damaged."""


class ConfigError(RoundtripError):
    """The programme definition (or another configuration file) is invalid.

    Carries every problem found, not only the first.
    """

    def __init__(self, problems: list[Problem] | tuple[Problem, ...], summary: str = ""):
        self.problems = tuple(problems)
        lines = [str(p) for p in self.problems]
        head = summary or f"{len(self.problems)} problem(s) in the programme definition"
        super().__init__("\n".join([head, *lines]) if lines else head)


class ReturnError(RoundtripError):
    """A returned file cannot be read or trusted (used inside collect; never aborts a run)."""

    exit_code = 1

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


class BusyError(RoundtripError):
    """Another roundtrip process holds the workspace lock."""
