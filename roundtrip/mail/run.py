"""`roundtrip mail PERIOD`: the messages of a period as .eml drafts, or sent through SMTP.

Drafts go to ``outbox/PERIOD/mail/`` (open one in Outlook or Thunderbird: it is an unsent
message with its attachment). Every message drafted or sent is recorded in the register
(department, period, kind, when), which ``status`` shows and the next reminder run reads.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from email import policy
from pathlib import Path
from typing import Any

from roundtrip.collect.reporting import feedback_target
from roundtrip.errors import UsageError, printable
from roundtrip.language import (
    C_,
    _,
    console_language,
    format_date,
    format_number,
    ngettext,
    tr,
)
from roundtrip.mail.message import REJECTED, Attachment, Letter, compose
from roundtrip.mail.plan import NO_ADDRESS, TOO_SOON, Planned, plan
from roundtrip.mail.smtp import Mailer
from roundtrip.programme.model import Programme
from roundtrip.programme.periods import Period
from roundtrip.programme.workbook import load_programme
from roundtrip.register import mailings, shared
from roundtrip.register.programmes import agree
from roundtrip.register.rejections import REJECTIONS_FILE
from roundtrip.register.status import period_status, read_rejections
from roundtrip.returns.contract import return_filename
from roundtrip.workspace import Workspace, atomic_write_bytes

MAIL_DIR = "mail"
# The kind of a message as its draft's file name says it, in the programme's language.
FILE_WORDS = {
    "request": C_("mail file name", "request"),
    "before": C_("mail file name", "reminder"),
    "late": C_("mail file name", "reminder"),
    "rejected": C_("mail file name", "correction"),
}


@dataclass(frozen=True)
class MailOutcome:
    department_id: str
    department_name: str
    kind: str
    recipient: str = ""
    skip: str = ""  # plan's NO_ADDRESS / TOO_SOON
    last: dt.datetime | None = None
    draft: Path | None = None
    sent: bool = False
    error: str = ""  # the server's reason a message was not sent
    size: int = 0  # the attachment's bytes
    too_big: bool = False

    def line(self, dry_run: bool, sending: bool) -> str:
        who = f"{self.department_id} {self.department_name}".strip()
        kind = tr(console_language(), mailings.KIND_WORDS[self.kind])
        if self.skip == NO_ADDRESS:
            return _("{who}: no e-mail address in programme.xlsx: {kind} not made").format(
                who=who, kind=kind
            )
        if self.skip == TOO_SOON:
            return _(
                "{who}: {kind} already on {date}; not again yet (--force makes it anyway)"
            ).format(who=who, kind=kind, date=format_date(self.last, console_language()))
        if dry_run and sending:
            return _("{who} → {address}: {kind} would be sent").format(
                who=who, address=self.recipient, kind=kind
            )
        if dry_run:
            return _("{who} → {address}: {kind} would be drafted").format(
                who=who, address=self.recipient, kind=kind
            )
        if self.error:
            return _("{who} → {address}: {kind} NOT sent: {error}").format(
                who=who, address=self.recipient, kind=kind, error=printable(self.error)
            )
        if self.sent:
            return _("{who} → {address}: {kind} sent").format(
                who=who, address=self.recipient, kind=kind
            )
        return _("{who} → {address}: {kind} drafted: {file}").format(
            who=who, address=self.recipient, kind=kind, file=self.draft.name if self.draft else ""
        )


@dataclass(frozen=True)
class MailResult:
    period: str
    outcomes: tuple[MailOutcome, ...]
    folder: Path
    dry_run: bool = False
    sending: bool = False
    limit_mb: float = 10.0
    deadline: dt.date | None = None
    notes: tuple[str, ...] = field(default=())

    @property
    def exit_code(self) -> int:
        """1 when a message could not be made or sent (no address, refused), else 0."""
        bad = any(o.error or o.skip == NO_ADDRESS for o in self.outcomes)
        return 1 if bad else 0

    def lines(self) -> list[str]:
        out = [o.line(self.dry_run, self.sending) for o in self.outcomes]
        for o in self.outcomes:
            if o.too_big and not o.skip:
                out.append(
                    _(
                        "{who}: the attachment is {size} MB, over the {limit} MB many mail "
                        "servers accept"
                    ).format(
                        who=o.department_id,
                        size=format_number(o.size / 1_000_000, console_language(), 1),
                        limit=format_number(self.limit_mb, console_language()),
                    )
                )
        made = [o for o in self.outcomes if not o.skip and not o.error]
        if not self.outcomes:
            out.append(_("{period}: no message to make").format(period=self.period))
        elif self.dry_run:
            out.append(
                ngettext(
                    "{period}: {n} message planned", "{period}: {n} messages planned", len(made)
                ).format(period=self.period, n=len(made))
            )
        elif self.sending:
            failed = sum(1 for o in self.outcomes if o.error)
            out.append(
                ngettext(
                    "{period}: {n} message sent", "{period}: {n} messages sent", len(made)
                ).format(period=self.period, n=len(made))
                + (
                    ngettext(", {failed} not sent", ", {failed} not sent", failed).format(
                        failed=failed
                    )
                    if failed
                    else ""
                )
            )
        else:
            out.append(
                ngettext(
                    "{period}: {n} draft in {folder}", "{period}: {n} drafts in {folder}", len(made)
                ).format(period=self.period, n=len(made), folder=self.folder)
            )
        out.extend(self.notes)
        return out


def mail_period(
    ws: Workspace,
    period: str,
    *,
    reminders: bool = False,
    before: int | None = None,
    send: bool = False,
    dry_run: bool = False,
    force: bool = False,
    now: dt.datetime | None = None,
    database: str | None = None,
) -> MailResult:
    """Draft (or send) the period's messages: the request, or reminders from the register
    (the shared one at the URL `database`, when given: every coordinator's mailings count)."""
    if database:  # (the programme in force: the shared register's)
        agree(ws, database)
    programme = load_programme(ws.programme_path, ws.cache_dir)
    per = programme.settings.period(period)
    now = now or dt.datetime.now(dt.UTC)
    report = period_status(ws, str(per), today=now.date(), programme=programme, database=database)
    emails = {d.id: d.email.strip() for d in programme.departments if programme.reported_by(d.id)}
    with shared.reported(database, storing=False):
        conn = shared.opened(ws.db_path, database)
    try:
        planned = plan(
            report,
            emails,
            mailings.last_mailed(conn, str(per)),
            now,
            reminders=reminders,
            before=before,
            gap_days=programme.settings.reminder_gap_days,
            force=force,
        )
        letters = _letters(ws, programme, per, report.deadline, now.date(), planned)
        folder = ws.outbox(per) / MAIL_DIR
        with shared.reported(database, storing=False):
            outcomes = _deliver(
                ws, conn, programme, per, planned, letters, folder, now, send, dry_run
            )
    finally:
        conn.close()
    return MailResult(
        str(per),
        tuple(outcomes),
        folder,
        dry_run,
        send,
        programme.settings.mail_limit_mb,
        report.deadline,
    )


def _letters(
    ws: Workspace,
    programme: Programme,
    per: Period,
    deadline: dt.date,
    today: dt.date,
    planned: list[Planned],
) -> dict[str, Letter]:
    """Each planned message with its attachment; every missing file named in one error."""
    lang = programme.settings.language
    rejections = _latest_rejections(ws, per)
    letters: dict[str, Letter] = {}
    missing: list[str] = []
    for p in planned:
        if p.skip:
            continue
        dept = programme.department(p.department_id)
        if p.kind == REJECTED:
            rej = rejections.get(dept.id, {})
            name = str(rej.get("original_name") or "")
            copy = feedback_target(ws, per, name, Path(name).suffix or ".xlsx", lang)
            if not copy.is_file():
                missing.append(str(copy))
                continue
            problems = tuple(
                (str(row[1]), str(row[2]), str(row[0]))
                for row in rej.get("problems") or ()
                if len(row) >= 4 and row[3] == "error"
            )
            letters[dept.id] = Letter(
                p.kind,
                dept,
                per,
                deadline,
                today,
                Attachment(copy.name, copy.read_bytes()),
                name,
                problems,
            )
        else:
            book = ws.outbox(per) / return_filename(str(per), dept.id, dept.name)
            if not book.is_file():
                missing.append(str(book))
                continue
            letters[dept.id] = Letter(
                p.kind, dept, per, deadline, today, Attachment(book.name, book.read_bytes())
            )
    if missing:
        raise UsageError(
            ngettext(
                "{n} file to attach is missing: {files}; run 'roundtrip generate {period}' "
                "(and 'roundtrip collect {period}' for the annotated copies) first",
                "{n} files to attach are missing: {files}; run 'roundtrip generate {period}' "
                "(and 'roundtrip collect {period}' for the annotated copies) first",
                len(missing),
            ).format(n=len(missing), files=", ".join(missing[:3]), period=per)
        )
    return letters


def _latest_rejections(ws: Workspace, per: Period) -> dict[str, dict[str, Any]]:
    latest: dict[str, dict[str, Any]] = {}
    for rej in read_rejections(ws.reports(per) / REJECTIONS_FILE):
        dept = rej.get("department_id")
        if dept and str(rej.get("collected_at", "")) >= str(
            latest.get(dept, {}).get("collected_at", "")
        ):
            latest[dept] = rej
    return latest


def _deliver(
    ws: Workspace,
    conn: Any,
    programme: Programme,
    per: Period,
    planned: list[Planned],
    letters: dict[str, Letter],
    folder: Path,
    now: dt.datetime,
    send: bool,
    dry_run: bool,
) -> list[MailOutcome]:
    lang = programme.settings.language
    limit = int(programme.settings.mail_limit_mb * 1_000_000)
    outcomes: list[MailOutcome] = []
    mailer = Mailer(programme.settings) if send and not dry_run and letters else None
    # A server that cannot be reached stops the run here, before anything is sent.
    with mailer if mailer is not None else contextlib.nullcontext():
        for p in planned:
            dept = programme.department(p.department_id)
            base = MailOutcome(p.department_id, dept.name, p.kind, dept.email, p.skip, p.last)
            letter = letters.get(p.department_id)
            if letter is None:
                outcomes.append(base)
                continue
            size = len(letter.attachment.data) if letter.attachment else 0
            base = _replace(base, size=size, too_big=size > limit)
            if dry_run:
                outcomes.append(base)
                continue
            message = compose(letter, programme, now, draft=not send)
            if mailer is not None:
                error = mailer.send(message)
                if error:
                    outcomes.append(_replace(base, error=error))
                    continue
                mailings.record(conn, dept.id, str(per), p.kind, now, "sent", dept.email)
                outcomes.append(_replace(base, sent=True))
                continue
            word = tr(lang, FILE_WORDS[p.kind])
            target = folder / f"{now.date().isoformat()}_{dept.id}_{word}.eml"
            folder.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(target, message.as_bytes(policy=policy.SMTP))
            mailings.record(conn, dept.id, str(per), p.kind, now, "draft", dept.email, str(target))
            outcomes.append(_replace(base, draft=target))
    return outcomes


def _replace(o: MailOutcome, **changes: Any) -> MailOutcome:
    return dataclasses.replace(o, **changes)
