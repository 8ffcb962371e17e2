"""What collect found: each file's outcome, the run's result, and where a run looks.

Shared by the full run (collect.run), the re-run decided by hashes alone (collect.recollect)
and the feedback written at the end (collect.reporting).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from roundtrip.errors import Problem, UsageError, WithProblems, printable
from roundtrip.programme.periods import Period
from roundtrip.workspace import Workspace

ACCEPTED, WARNINGS, REJECTED, ALREADY, SUPERSEDED, SKIPPED = (
    "accepted",
    "warnings",
    "rejected",
    "already collected",
    "superseded",
    "skipped",
)


@dataclass(frozen=True)
class FileOutcome(WithProblems):
    name: str  # the file name as received
    path: Path  # where it was read from
    verdict: str  # ACCEPTED, WARNINGS, REJECTED, ALREADY or SUPERSEDED
    department_id: str | None = None
    problems: tuple[Problem, ...] = ()
    content_hash: str = ""
    submission_id: int | None = None
    feedback: Path | None = None  # the annotated copy, when one was written
    note: str = ""  # why a file was skipped

    def line(self) -> str:
        who = self.department_id or "?"
        if self.verdict == REJECTED:
            what = f"rejected ({len(self.errors)} error{'s' if len(self.errors) != 1 else ''})"
        elif self.verdict == WARNINGS:
            n = len(self.warnings)
            what = f"accepted with {n} warning{'s' if n != 1 else ''}"
        elif self.verdict == SUPERSEDED:
            what = "superseded (a newer return of the department counts)"
        elif self.verdict == SKIPPED:
            return f"{printable(self.name)}: skipped ({self.note})"
        else:
            what = self.verdict
        return f"{printable(self.name)} → {who}: {what}"


@dataclass(frozen=True)
class CollectResult:
    period: str
    files: tuple[FileOutcome, ...]
    report: Path | None = None
    feedback_dir: Path | None = None
    source: tuple[Path, ...] = field(default_factory=tuple)

    def count(self, *verdicts: str) -> int:
        return sum(1 for f in self.files if f.verdict in verdicts)

    @property
    def exit_code(self) -> int:
        """1 when any file was rejected, else 0."""
        return 1 if self.count(REJECTED) else 0

    def lines(self) -> list[str]:
        out = [f.line() for f in self.files]
        if not self.count(ACCEPTED, WARNINGS, REJECTED, ALREADY, SUPERSEDED):
            where = (
                ", ".join(
                    ("folder " if p.is_dir() else "") + printable(str(p)) for p in self.source
                )
                or "the inbox"
            )
            return [*out, f"No returned files found in {where}."]
        errors = [p for f in self.files for p in f.errors]
        if errors:
            out.append("")
            out.extend(str(p) for p in errors)
        out.append("")
        parts = [
            f"{self.count(ACCEPTED, WARNINGS)} accepted",
            f"{self.count(REJECTED)} rejected",
        ]
        if self.count(SUPERSEDED):
            parts.append(f"{self.count(SUPERSEDED)} superseded")
        if self.count(ALREADY):
            parts.append(f"{self.count(ALREADY)} already collected")
        if self.count(SKIPPED):
            parts.append(f"{self.count(SKIPPED)} skipped")
        n = len(self.files)
        out.append(f"{self.period}: {n} file{'s' if n != 1 else ''}: " + ", ".join(parts))
        if self.report:
            out.append(f"Validation report: {self.report}")
        if any(f.feedback for f in self.files) and self.feedback_dir:
            out.append(f"Annotated copies for the departments: {self.feedback_dir}")
        return out


def collect_sources(ws: Workspace, per: Period, paths: list[Path] | None) -> tuple[Path, ...]:
    if paths:
        sources = tuple(Path(p) for p in paths)
        missing = [str(p) for p in sources if not p.exists()]
        if missing:
            raise UsageError(f"no such file or folder: {', '.join(missing)}")
        return sources
    inbox = ws.inbox(per)
    if not inbox.is_dir():
        raise UsageError(
            f"nothing to collect: {inbox} does not exist; put the returned files there "
            f"or name them: roundtrip collect {per} FILE ..."
        )
    return (inbox,)


def programme_key(ws: Workspace) -> str:
    """What a final rejection was decided under: programme.xlsx's bytes, roundtrip's version."""
    from roundtrip.programme.cache import content_key

    try:
        return content_key(ws.programme_path)
    except OSError:
        return ""
