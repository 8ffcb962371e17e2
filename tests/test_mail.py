"""`roundtrip mail`: .eml drafts parsed back, reminders from the register, SMTP for real.

The SMTP tests start a real server on localhost (aiosmtpd) that keeps what it receives and
refuses one recipient, as a mail server refuses an unknown address.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import email
import shutil
import socket
import ssl
import subprocess
from email import policy
from pathlib import Path

import pytest
from click.testing import CliRunner

from roundtrip.cli import main
from roundtrip.collect.run import collect_period
from roundtrip.demo.fill import ActionAnswer, fill_return
from roundtrip.errors import MailError, UsageError
from roundtrip.mail.run import mail_period
from roundtrip.mail.smtp import PASSWORD_ENV
from roundtrip.programme.workbook import load_programme, write_programme
from roundtrip.register import mailings
from roundtrip.register.db import connect
from roundtrip.returns.contract import return_filename
from roundtrip.returns.generate import generate_period

PERIOD = "2025Q3"
GENERATED = dt.datetime(2025, 10, 1, 6, 0, tzinfo=dt.UTC)  # the day after the period
DEADLINE_DAY = dt.datetime(2025, 10, 14, 9, 0, tzinfo=dt.UTC)


def _settings(ws, **changes):
    p = load_programme(ws.programme_path)
    settings = dataclasses.replace(p.settings, **changes)
    write_programme(dataclasses.replace(p, settings=settings), ws.programme_path)
    return load_programme(ws.programme_path, ws.cache_dir)


@pytest.fixture
def ws(aura_ws):
    generate_period(aura_ws, PERIOD, now=GENERATED)
    return aura_ws


def _read(path: Path) -> email.message.EmailMessage:
    return email.message_from_bytes(path.read_bytes(), policy=policy.default)


def _attachments(msg) -> dict[str, bytes]:
    return {part.get_filename(): part.get_content() for part in msg.iter_attachments()}


def test_request_drafts_open_as_unsent_messages_with_the_workbook(ws):
    p = load_programme(ws.programme_path, ws.cache_dir)
    result = mail_period(ws, PERIOD, now=GENERATED)
    drafts = sorted((ws.outbox(PERIOD) / "mail").glob("*.eml"))
    with_address = [d for d in p.departments if d.email and p.actions_of(d.id)]
    assert len(drafts) == len(with_address) == 7
    siv = next(d for d in drafts if "_SIV_" in d.name)
    msg = _read(siv)
    assert msg["X-Unsent"] == "1"
    assert msg["To"].addresses[0].addr_spec == "sivistys@aura.example"
    assert msg["Reply-To"].addresses[0].addr_spec == "elinvoima@aura.example"
    assert msg["Content-Language"] == "fi"
    assert "2025Q3" in msg["Subject"] and "14.10.2025" in msg["Subject"]
    body = msg.get_body(("plain",)).get_content()
    assert body.startswith("Hei Sivistysjohtaja,")
    assert "piilotettuja välilehtiä" in body  # the hidden sheets must stay
    assert "Miia Lehtonen" in body and "Auran kunta" in body  # the signature
    book = ws.outbox(PERIOD) / return_filename(PERIOD, "SIV", "Sivistystoimi")
    assert _attachments(msg) == {book.name: book.read_bytes()}  # the bytes, untouched
    # MUU has no address: listed, not skipped silently; the run says so with exit code 1
    assert result.exit_code == 1
    assert any("MUU" in line and "no e-mail address" in line for line in result.lines())
    conn = connect(ws.db_path)
    try:
        kinds = {(m.department_id, m.kind, m.how) for m in mailings.mailings_of(conn, PERIOD)}
    finally:
        conn.close()
    assert ("SIV", "request", "draft") in kinds and len(kinds) == 7


def test_a_swedish_programme_writes_swedish_messages(ws):
    _settings(ws, language="sv")
    generate_period(ws, PERIOD, now=GENERATED)
    mail_period(ws, PERIOD, now=GENERATED)
    msg = _read(next((ws.outbox(PERIOD) / "mail").glob("*_SIV_*.eml")))
    assert msg["Content-Language"] == "sv"
    body = msg.get_body(("plain",)).get_content()
    assert body.startswith("Hej Sivistysjohtaja,") and "14.10.2025" in body
    assert "Hello" not in body and "Kind regards" not in body


def _return(ws, dept, status=None, comment=None):
    p = load_programme(ws.programme_path, ws.cache_dir)
    source = ws.outbox(PERIOD) / return_filename(PERIOD, dept, p.department(dept).name)
    label = status or p.status_by_key("on_track").label
    answers = {a.id: ActionAnswer(label, 50, comment) for a in p.actions_of(dept)}
    metrics = {m.id: 1 for a in p.actions_of(dept) for m in a.metrics if m.kind != "yesno"}
    metrics.update(
        {m.id: "Kyllä" for a in p.actions_of(dept) for m in a.metrics if m.kind == "yesno"}
    )
    ws.inbox(PERIOD).mkdir(parents=True, exist_ok=True)
    return fill_return(source, ws.inbox(PERIOD) / f"{dept}.xlsx", answers, metrics)


def test_reminders_follow_the_register(ws):
    p = load_programme(ws.programme_path, ws.cache_dir)
    _return(ws, "SIV")  # returned: no reminder
    _return(ws, "KUL", status=p.status_by_key("major").label, comment="")  # rejected
    collect_period(ws, PERIOD, now=DEADLINE_DAY)
    late = DEADLINE_DAY + dt.timedelta(days=6)
    result = mail_period(ws, PERIOD, reminders=True, now=late)
    by_dept = {o.department_id: o for o in result.outcomes}
    assert "SIV" not in by_dept
    assert by_dept["KUL"].kind == "rejected" and by_dept["TEK"].kind == "late"
    kul = _read(by_dept["KUL"].draft)
    body = kul.get_body(("plain",)).get_content()
    assert "Toimenpiteet!M" in body and "kommentti on pakollinen" in body  # what to correct
    ((name, data),) = _attachments(kul).items()
    assert name.endswith("_kommentoitu.xlsx")
    assert data == (ws.reports(PERIOD) / "feedback" / name).read_bytes()
    tek = _read(by_dept["TEK"].draft).get_body(("plain",)).get_content()
    assert "6 päivää sitten" in tek and "14.10.2025" in tek
    # the same reminder is not drafted again within reminder_gap_days (5), unless forced
    again = mail_period(ws, PERIOD, reminders=True, now=late + dt.timedelta(days=1))
    assert not any(o.draft for o in again.outcomes)
    assert {o.skip for o in again.outcomes} == {"too_soon", "no_address"}  # MUU: no address
    forced = mail_period(ws, PERIOD, reminders=True, force=True, now=late + dt.timedelta(days=1))
    assert all(o.draft for o in forced.outcomes if o.department_id in ("KUL", "TEK"))
    later = mail_period(ws, PERIOD, reminders=True, now=late + dt.timedelta(days=7))
    assert any(o.draft for o in later.outcomes if o.department_id == "TEK")
    status = CliRunner().invoke(main, ["-w", str(ws.root), "status", PERIOD])
    assert "reminder" in status.output  # status shows what was mailed


def test_before_the_deadline_only_when_it_is_near(ws):
    far = mail_period(ws, PERIOD, before=3, now=DEADLINE_DAY - dt.timedelta(days=10))
    assert far.outcomes == ()
    near = mail_period(ws, PERIOD, before=3, now=DEADLINE_DAY - dt.timedelta(days=2))
    assert {o.kind for o in near.outcomes} == {"before"}
    body = _read(near.outcomes[0].draft).get_body(("plain",)).get_content()
    assert "2 päivän kuluttua" in body


def test_a_missing_workbook_says_to_generate_first(aura_ws):
    with pytest.raises(UsageError, match="roundtrip generate 2025Q3"):
        mail_period(aura_ws, PERIOD, now=GENERATED)
    assert not (aura_ws.outbox(PERIOD) / "mail").exists()


def test_dry_run_makes_and_records_nothing(ws):
    result = mail_period(ws, PERIOD, dry_run=True, now=GENERATED)
    assert any("would be drafted" in line for line in result.lines())
    assert not (ws.outbox(PERIOD) / "mail").exists()
    conn = connect(ws.db_path)
    try:
        assert mailings.mailings_of(conn, PERIOD) == []
    finally:
        conn.close()


def test_a_big_attachment_is_flagged(ws):
    _settings(ws, mail_limit_mb=0.001)
    result = mail_period(ws, PERIOD, dry_run=True, now=GENERATED)
    assert any("many mail servers accept" in line for line in result.lines())


# ---------------------------------------------------------------------------- SMTP


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    aiosmtpd = pytest.importorskip(
        "aiosmtpd.controller", reason="pip install aiosmtpd (in the test extra) to run it"
    )

    class Handler:
        def __init__(self):
            self.received = []

        async def handle_RCPT(self, server, session, envelope, address, options):  # noqa: N802
            if address.startswith("kulttuuri@"):
                return "550 5.1.1 no such mailbox here"
            envelope.rcpt_tos.append(address)
            return "250 OK"

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            self.received.append((envelope.rcpt_tos, envelope.content))
            return "250 Message accepted for delivery"

    handler = Handler()
    port = _free_port()
    controller = aiosmtpd.Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield handler, port
    finally:
        controller.stop()


def test_send_through_a_real_server_refused_recipient_reported_and_rest_go(ws, smtp_server):
    handler, port = smtp_server
    _settings(ws, smtp_host="127.0.0.1", smtp_port=port, smtp_security="none")
    result = mail_period(ws, PERIOD, send=True, now=GENERATED)
    sent = {o.department_id for o in result.outcomes if o.sent}
    failed = {o.department_id: o.error for o in result.outcomes if o.error}
    assert set(failed) == {"KUL"} and "550" in failed["KUL"]
    assert len(sent) == 6 and len(handler.received) == 6
    (rcpt, content), *_ = handler.received
    msg = email.message_from_bytes(content, policy=policy.default)
    assert "X-Unsent" not in msg  # a sent message is no draft
    assert msg["To"].addresses[0].addr_spec == rcpt[0]
    book = next(iter(_attachments(msg).values()))
    assert book[:2] == b"PK"
    assert not (ws.outbox(PERIOD) / "mail").exists()
    assert result.exit_code == 1
    assert any("KUL" in line and "550" in line for line in result.lines())
    conn = connect(ws.db_path)
    try:
        hows = {(m.department_id, m.how) for m in mailings.mailings_of(conn, PERIOD)}
    finally:
        conn.close()
    assert ("SIV", "sent") in hows and not any(d == "KUL" for d, _h in hows)


def test_a_server_that_cannot_be_reached_stops_before_anything(ws):
    _settings(ws, smtp_host="127.0.0.1", smtp_port=_free_port(), smtp_security="none")
    with pytest.raises(MailError, match="127.0.0.1"):
        mail_period(ws, PERIOD, send=True, now=GENERATED)
    conn = connect(ws.db_path)
    try:
        assert mailings.mailings_of(conn, PERIOD) == []
    finally:
        conn.close()


@pytest.fixture
def tls_server(tmp_path, monkeypatch):
    """A real server on localhost that requires STARTTLS and a login (coord / s3cret).

    Its certificate is self-signed for "localhost" and trusted through SSL_CERT_FILE, which
    ssl.create_default_context reads, as a municipality's own CA would be trusted.
    """
    controller_mod = pytest.importorskip(
        "aiosmtpd.controller", reason="pip install aiosmtpd (in the test extra) to run it"
    )
    from aiosmtpd.smtp import AuthResult

    if shutil.which("openssl") is None:
        pytest.skip("needs the openssl command (apt-get install openssl) for a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost",
         "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    logins = []

    def authenticator(server, session, envelope, mechanism, auth_data):
        logins.append((auth_data.login, auth_data.password))
        ok = (auth_data.login, auth_data.password) == (b"coord", b"s3cret-never-written")
        return AuthResult(success=ok, handled=False)  # handled=False: the server says 535

    class Handler:
        received: list = []

        async def handle_DATA(self, server, session, envelope):  # noqa: N802
            self.received.append(envelope.content)
            return "250 Message accepted for delivery"

    port = _free_port()
    controller = controller_mod.Controller(
        Handler(),
        hostname="localhost",
        port=port,
        tls_context=server_context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    try:
        yield Handler.received, logins, port
    finally:
        controller.stop()


def test_starttls_and_a_login_with_the_password_from_the_environment_only(
    ws, tls_server, monkeypatch
):
    received, logins, port = tls_server
    _settings(
        ws, smtp_host="localhost", smtp_port=port, smtp_security="starttls", smtp_user="coord"
    )
    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    result = CliRunner().invoke(main, ["-w", str(ws.root), "mail", PERIOD, "--send"])
    assert result.exit_code == 2 and received == [] and logins == []
    assert PASSWORD_ENV in result.output and "Traceback" not in result.output

    monkeypatch.setenv(PASSWORD_ENV, "wrong")
    result = CliRunner().invoke(main, ["-w", str(ws.root), "mail", PERIOD, "--send"])
    assert result.exit_code == 2 and received == []
    assert "localhost:" in result.output and "535" in result.output

    monkeypatch.setenv(PASSWORD_ENV, "s3cret-never-written")
    result = CliRunner().invoke(main, ["-w", str(ws.root), "mail", PERIOD, "--send"])
    assert len(received) == 7, result.output  # over TLS, logged in: every department
    assert logins[-1] == (b"coord", b"s3cret-never-written")
    assert "s3cret" not in result.output
    for path in ws.root.rglob("*"):
        if path.is_file():
            assert b"s3cret-never-written" not in path.read_bytes(), path


def test_the_cli_drafts_and_shows_them(ws):
    result = CliRunner().invoke(main, ["-w", str(ws.root), "mail", PERIOD, "--dry-run"])
    assert result.exit_code == 1, result.output  # MUU has no address
    assert "SIV Sivistystoimi → sivistys@aura.example" in result.output
