"""One message to a department, in the programme's language. PURE (no I/O).

Built with Python's `email` package: From the sender, To the department's contact, Reply-To
the coordinator, a plain-text body, the attachment as it is (its bytes untouched, its name
encoded as RFC 2231 says). A draft carries ``X-Unsent: 1``: Outlook opens such an .eml as an
unsent message, ready to be checked and sent.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, make_msgid

from roundtrip.language import N_, format_date, tr, trn
from roundtrip.programme.model import Department, Programme
from roundtrip.programme.periods import Period
from roundtrip.register.mailings import KINDS

REQUEST, BEFORE, LATE, REJECTED = KINDS
XLSX = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")

SUBJECTS = {
    REQUEST: N_("{programme}: reporting for {period}, due {deadline}"),
    BEFORE: N_("Reminder: {programme}, reporting for {period} due {deadline}"),
    LATE: N_("Reminder: {programme}, reporting for {period} was due {deadline}"),
    REJECTED: N_("To correct: {programme}, reporting for {period}"),
}


@dataclass(frozen=True)
class Attachment:
    name: str
    data: bytes


@dataclass(frozen=True)
class Letter:
    """What one message says and carries, before it becomes an EmailMessage."""

    kind: str
    department: Department
    period: Period
    deadline: dt.date
    today: dt.date
    attachment: Attachment | None = None
    file: str = ""  # rejected: the file the department sent
    problems: tuple[tuple[str, str, str], ...] = ()  # rejected: (sheet, cell, message)


def sender(programme: Programme) -> str:
    s = programme.settings
    return s.mail_sender or s.coordinator_email


def signature(programme: Programme) -> str:
    s = programme.settings
    if s.signature:
        return s.signature
    return "\n".join(line for line in (s.coordinator, s.organisation, s.coordinator_email) if line)


def body(letter: Letter, programme: Programme) -> str:
    """The message's text, paragraph by paragraph, in the programme's language."""
    lang = programme.settings.language
    d = letter.department
    words = {
        "programme": programme.settings.name,
        "department": d.name,
        "period": str(letter.period),
        "start": format_date(letter.period.start, lang),
        "end": format_date(letter.period.end, lang),
        "deadline": format_date(letter.deadline, lang),
        "file": letter.file,
    }
    days = (letter.deadline - letter.today).days
    words["n"] = str(abs(days))
    hello = tr(lang, "Hello {name},").format(name=d.contact) if d.contact else tr(lang, "Hello,")
    keep = tr(
        lang,
        "You may rename the file, but do not delete its hidden sheets: they tell us whose "
        "answers these are.",
    )
    if letter.kind == REQUEST:
        paragraphs = [
            tr(
                lang,
                "Attached is the reporting workbook of {department} for {period} "
                "({start}–{end}) of {programme}.",
            ),
            tr(
                lang,
                "Please fill in the yellow cells: the status and progress of each action, a "
                "comment where needed, and the value of each metric. Return the workbook by "
                "replying to this message by {deadline}.",
            ),
            keep,
        ]
    elif letter.kind in (BEFORE, LATE):
        if days > 0:
            when = trn(
                lang,
                "The reporting workbook of {department} for {period} is due on {deadline}, in "
                "{n} day.",
                "The reporting workbook of {department} for {period} is due on {deadline}, in "
                "{n} days.",
                days,
            )
        elif days == 0:
            when = tr(lang, "The reporting workbook of {department} for {period} is due today.")
        else:
            when = trn(
                lang,
                "We have not yet received the reporting workbook of {department} for {period}. "
                "It was due on {deadline}, {n} day ago.",
                "We have not yet received the reporting workbook of {department} for {period}. "
                "It was due on {deadline}, {n} days ago.",
                -days,
            )
        paragraphs = [
            when,
            tr(
                lang,
                "The workbook is attached again. Please fill it in and return it by replying "
                "to this message.",
            ),
            keep,
        ]
    else:
        lines = [f"- {sheet}!{cell}: {message}" for sheet, cell, message in letter.problems]
        paragraphs = [
            tr(
                lang,
                "The file {file} that you returned for {period} could not be stored, because "
                "some cells need correcting:",
            ),
            "\n".join(lines),
            tr(
                lang,
                "The attached copy is your own file with these cells highlighted and a list "
                "of them on its first sheet. Please correct the cells in it and send it back "
                "by replying to this message.",
            ),
        ]
    text = "\n\n".join(p.format(**words) for p in paragraphs if p)
    closing = tr(lang, "Kind regards,")
    return f"{hello}\n\n{text}\n\n{closing}\n{signature(programme)}\n"


def subject(letter: Letter, programme: Programme) -> str:
    lang = programme.settings.language
    return tr(lang, SUBJECTS[letter.kind]).format(
        programme=programme.settings.name,
        period=letter.period,
        deadline=format_date(letter.deadline, lang),
    )


def compose(letter: Letter, programme: Programme, now: dt.datetime, draft: bool) -> EmailMessage:
    """The message as it is written into a draft (`draft`: X-Unsent) or sent."""
    s = programme.settings
    d = letter.department
    msg = EmailMessage()
    from_address = sender(programme)
    msg["From"] = formataddr((s.coordinator, from_address))
    msg["To"] = formataddr((d.contact or d.name, d.email))
    if s.coordinator_email:  # replies reach the coordinator, whoever the sender is
        msg["Reply-To"] = formataddr((s.coordinator, s.coordinator_email))
    msg["Subject"] = subject(letter, programme)
    msg["Date"] = format_datetime(now)
    domain = from_address.rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid("roundtrip", domain=domain)
    if draft:
        msg["X-Unsent"] = "1"
    msg.set_content(body(letter, programme))
    if letter.attachment is not None:
        maintype, subtype = XLSX
        msg.add_attachment(
            letter.attachment.data,
            maintype=maintype,
            subtype=subtype,
            filename=letter.attachment.name,
        )
    # Last: set_content and add_attachment move or clear the Content-* headers before them.
    msg["Content-Language"] = s.language
    return msg
