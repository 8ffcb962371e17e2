"""Sending through SMTP (smtplib): STARTTLS, SSL or plain, one connection for the run.

The server, port, account and sender are programme settings; the password only ever comes
from the environment variable ROUNDTRIP_SMTP_PASSWORD (never a setting, never printed or
written). A message the server refuses is reported and the rest still go; a server that
cannot be reached, or refuses the account, stops the run before anything is sent.
"""

from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from types import TracebackType

from roundtrip.errors import MailError
from roundtrip.language import _
from roundtrip.programme.model import Settings

PASSWORD_ENV = "ROUNDTRIP_SMTP_PASSWORD"
DEFAULT_PORTS = {"starttls": 587, "ssl": 465, "none": 25}
TIMEOUT = 60  # seconds a server may take to answer


class Mailer:
    """``with Mailer(settings) as m: m.send(message)`` -> None, or why it was not sent."""

    def __init__(self, settings: Settings, timeout: float = TIMEOUT):
        self.settings = settings
        self.timeout = timeout
        self.server: smtplib.SMTP | None = None

    @property
    def where(self) -> str:
        s = self.settings
        return f"{s.smtp_host}:{s.smtp_port or DEFAULT_PORTS.get(s.smtp_security, 25)}"

    def __enter__(self) -> Mailer:
        self.server = self._connect()
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self.server is not None:
            try:
                self.server.quit()
            except (smtplib.SMTPException, OSError):
                self.server.close()
            self.server = None

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if not s.smtp_host:
            raise MailError(
                _("no mail server in programme.xlsx: fill in smtp_host on the settings sheet")
            )
        port = s.smtp_port or DEFAULT_PORTS.get(s.smtp_security, 25)
        context = ssl.create_default_context()
        try:
            if s.smtp_security == "ssl":
                server: smtplib.SMTP = smtplib.SMTP_SSL(
                    s.smtp_host, port, timeout=self.timeout, context=context
                )
            else:
                server = smtplib.SMTP(s.smtp_host, port, timeout=self.timeout)
                if s.smtp_security == "starttls":
                    server.starttls(context=context)
            if s.smtp_user:
                password = os.environ.get(PASSWORD_ENV, "")
                if not password:
                    server.close()
                    raise MailError(
                        _(
                            "the mail account {user} needs its password in the environment "
                            "variable {variable}"
                        ).format(user=s.smtp_user, variable=PASSWORD_ENV)
                    )
                server.login(s.smtp_user, password)
        except (smtplib.SMTPException, OSError) as exc:
            raise MailError(
                _("cannot send through the mail server {server}: {error}").format(
                    server=self.where, error=_reason(exc)
                )
            ) from exc
        return server

    def send(self, message: EmailMessage) -> str | None:
        """Send one message; None when the server took it, else the reason it did not."""
        for attempt in (1, 2):
            if self.server is None:
                self.server = self._connect()
            try:
                self.server.send_message(message)
                return None
            except smtplib.SMTPServerDisconnected as exc:
                self.server = None  # the server hung up between messages: once more
                if attempt == 2:
                    return _reason(exc)
            except (smtplib.SMTPException, OSError) as exc:
                return _reason(exc)
        return None


def _reason(exc: BaseException) -> str:
    """The server's own words, on one line."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        parts = []
        for address, (code, text) in exc.recipients.items():
            said = text.decode("utf-8", "replace") if isinstance(text, bytes) else str(text)
            parts.append(f"{address}: {code} {said}")
        return "; ".join(parts)
    if isinstance(exc, smtplib.SMTPResponseException):
        error: bytes | str = exc.smtp_error
        words = error.decode("utf-8", "replace") if isinstance(error, bytes) else error
        return f"{exc.smtp_code} {words}"
    return " ".join(str(exc).split()) or exc.__class__.__name__
