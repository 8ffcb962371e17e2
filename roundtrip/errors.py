"""One family of exceptions; the CLI turns each into one line and an exit code.

Exit codes (contract): 0 success, 1 done but attention needed, 2 usage or configuration error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from roundtrip.language import console_language, format_number, ngettext

# C0/C1 controls, and the bidirectional overrides that make "fdp.xlsx" look like "xlsx.pdf".
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` with control characters shown as escapes (BEL -> \\x07), for the terminal.

    A received file name may hold BEL or ESC sequences (colours, cursor moves, title changes);
    printed as is they act on the coordinator's terminal instead of being shown.
    """
    return _CONTROL.sub(_escape, text)


def _escape(m: re.Match[str]) -> str:
    code = ord(m.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


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
        """file: sheet!cell, control characters escaped (the file name is the sender's)."""
        file, sheet = printable(self.file), printable(self.sheet)
        if sheet and self.cell:
            return f"{file}: {sheet}!{self.cell}"
        if sheet:
            return f"{file}: {sheet}"
        return file

    def __str__(self) -> str:
        return f"{self.location}: {self.message}"


class WithProblems:
    """Errors, warnings and acceptance of anything with a `problems` tuple of Problem."""

    problems: tuple[Problem, ...]

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity != "error")

    @property
    def accepted(self) -> bool:
        """No error: a return that may be stored."""
        return not any(p.severity == "error" for p in self.problems)


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
        n = len(self.problems)
        head = summary or ngettext(
            "{n} problem in the programme definition",
            "{n} problems in the programme definition",
            n,
        ).format(n=format_number(n, console_language()))
        super().__init__("\n".join([head, *lines]) if lines else head)


class ReturnError(RoundtripError):
    """A returned file cannot be read or trusted (used inside collect; never aborts a run)."""

    exit_code = 1

    def __init__(self, problem: Problem):
        self.problem = problem
        super().__init__(str(problem))


class BusyError(RoundtripError):
    """Another roundtrip process holds the workspace lock."""


class MailError(RoundtripError):
    """The mail server cannot be reached or refuses the account (no message was sent)."""
