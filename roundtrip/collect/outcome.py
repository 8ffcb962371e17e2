"""What collect found: each file's outcome, the run's result, and where a run looks.

Shared by the full run (collect.run), the re-run decided by hashes alone (collect.recollect)
and the feedback written at the end (collect.reporting).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from roundtrip.errors import Problem, UsageError, WithProblems, printable
from roundtrip.language import N_, _, ngettext
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
# What the console calls each verdict (the verdicts themselves are identifiers).
VERDICTS = {
    ACCEPTED: N_("accepted"),
    WARNINGS: N_("accepted with warnings"),
    REJECTED: N_("rejected"),
    ALREADY: N_("already collected"),
    SUPERSEDED: N_("superseded (a newer return of the department counts)"),
    SKIPPED: N_("skipped"),
}


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
        """The file's line on the console (in the console language, made when printed)."""
        who = self.department_id or "?"
        if self.verdict == REJECTED:
            n = len(self.errors)
            what = ngettext("rejected ({n} error)", "rejected ({n} errors)", n).format(n=n)
        elif self.verdict == WARNINGS:
            n = len(self.warnings)
            what = ngettext("accepted with {n} warning", "accepted with {n} warnings", n).format(
                n=n
            )
        elif self.verdict == SKIPPED:
            return _("{file}: skipped ({why})").format(file=printable(self.name), why=self.note)
        else:
            what = _(VERDICTS.get(self.verdict, self.verdict))
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
        """The run's lines for the console, in the console language (made when printed).
        The problems are quoted as the departments get them (in the programme's language)."""
        out = [f.line() for f in self.files]
        if not self.count(ACCEPTED, WARNINGS, REJECTED, ALREADY, SUPERSEDED):
            where = ", ".join(
                _("folder {path}").format(path=printable(str(p)))
                if p.is_dir()
                else printable(str(p))
                for p in self.source
            ) or _("the inbox")
            return [*out, _("No returned files found in {where}.").format(where=where)]
        errors = [p for f in self.files for p in f.errors]
        if errors:
            out.append("")
            out.extend(str(p) for p in errors)
        out.append("")
        accepted, rejected = self.count(ACCEPTED, WARNINGS), self.count(REJECTED)
        parts = [
            ngettext("{n} accepted", "{n} accepted", accepted).format(n=accepted),
            ngettext("{n} rejected", "{n} rejected", rejected).format(n=rejected),
        ]
        if n := self.count(SUPERSEDED):
            parts.append(ngettext("{n} superseded", "{n} superseded", n).format(n=n))
        if n := self.count(ALREADY):
            parts.append(ngettext("{n} already collected", "{n} already collected", n).format(n=n))
        if n := self.count(SKIPPED):
            parts.append(ngettext("{n} skipped", "{n} skipped", n).format(n=n))
        n = len(self.files)
        total = ngettext("{period}: {n} file: {outcomes}", "{period}: {n} files: {outcomes}", n)
        out.append(total.format(period=self.period, n=n, outcomes=", ".join(parts)))
        if self.report:
            out.append(_("Validation report: {path}").format(path=self.report))
        if any(f.feedback for f in self.files) and self.feedback_dir:
            out.append(
                _("Annotated copies for the departments: {folder}").format(folder=self.feedback_dir)
            )
        return out


def collect_sources(ws: Workspace, per: Period, paths: list[Path] | None) -> tuple[Path, ...]:
    if paths:
        sources = tuple(Path(p) for p in paths)
        missing = [str(p) for p in sources if not p.exists()]
        if missing:
            raise UsageError(_("no such file or folder: {paths}").format(paths=", ".join(missing)))
        return sources
    inbox = ws.inbox(per)
    if not inbox.is_dir():
        raise UsageError(
            _(
                "nothing to collect: {inbox} does not exist; put the returned files there "
                "or name them: roundtrip collect {period} FILE ..."
            ).format(inbox=inbox, period=per)
        )
    return (inbox,)


def programme_key(ws: Workspace) -> str:
    """What a final rejection was decided under: programme.xlsx's bytes, roundtrip's version."""
    from roundtrip.programme.cache import content_key

    try:
        return content_key(ws.programme_path)
    except OSError:
        return ""
