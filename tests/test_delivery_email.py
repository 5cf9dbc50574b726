"""Email through a real SMTP server on this machine (aiosmtpd): the test reads what arrived and
parses it (subject, both bodies, the attachment, the headers); STARTTLS with a certificate the
channel trusts, and one it does not; a refused login, a 4xx reply retried, a 5xx reply failed."""

from __future__ import annotations

import datetime as dt
import email
import ipaddress
import socket
import ssl
from email import policy

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

import clock
from delivery import outbox
from delivery.channels import parse_channels
from delivery.message import Attachment, Figure, Message
from store import tables
from store.database import AppStore

# The plain server asks for a login without TLS: aiosmtpd warns, and the channel allows it on this machine only.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
PASSWORD = "smtp-pass-not-for-logs-77"
PDF = b"%PDF-1.7\n% a tiny report\n%%EOF\n"


class Inbox:
    """What the server was given; `reply` answers the next DATA command instead of 250."""

    def __init__(self) -> None:
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.replies: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        if self.replies:
            return self.replies.pop(0)
        self.messages.append(
            (envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content or envelope.content)
        )
        return "250 Message accepted for delivery"


def authenticator(server, session, envelope, mechanism, auth_data):
    good = (
        isinstance(auth_data, LoginPassword) and auth_data.login == b"pulse" and auth_data.password == PASSWORD.encode()
    )
    return AuthResult(success=good, handled=False)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def certificate(folder) -> tuple[str, str]:
    """A self-signed certificate for 127.0.0.1: (its PEM file, its key's PEM file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return str(cert_file), str(key_file)


@pytest.fixture
def smtp(tmp_path):
    """A plain SMTP server that asks for a login (allowed without TLS: it is on this machine)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=authenticator, auth_required=True, auth_require_tls=False
    )
    controller.start()
    yield inbox, port
    controller.stop()


@pytest.fixture
def store(tmp_path):
    app_store = AppStore(f"sqlite:///{tmp_path / 'app.db'}")
    app_store.migrate()
    yield app_store
    app_store.dispose()


def channel(port: int, **extra: object):
    table = {
        "kind": "email",
        "host": "127.0.0.1",
        "port": port,
        "security": "none",
        "from": "Community Pulse <pulse@pulse.example.org>",
        "to": ["team@pulse.example.org", "lead@pulse.example.org"],
        "username": "pulse",
        "password": PASSWORD,
    }
    return parse_channels({"mail": table | extra})


def report() -> Message:
    return Message(
        title="社区周报 Weekly pulse",
        figures=(Figure("MAU", "6,120", "+4.2%"), Figure("NPS", "41", "−3")),
        text="Members wrote <script>alert(1)</script> & more.",
        link="https://pulse.example.org/?period=last_7_days",
        link_label="Open the dashboard",
        attachment=Attachment("meeting-report.pdf", PDF, "application/pdf"),
    )


def status(store: AppStore) -> tuple[str, int, str | None]:
    row = store.run(sa.select(tables.delivery_outbox)).iloc[0]
    return row["status"], int(row["attempts"]), row["last_error"]


def test_an_email_arrives_with_both_bodies_and_its_attachment(smtp, store):
    inbox, port = smtp
    channels = channel(port)
    outbox.queue(store, channel=channels["mail"], message=report(), key="digest:w09", now=clock.now())
    run = outbox.deliver_due(store, channels)
    assert (run.sent, status(store)[0]) == (1, "sent")
    [(sender, recipients, raw)] = inbox.messages
    assert (sender, recipients) == ("pulse@pulse.example.org", ["team@pulse.example.org", "lead@pulse.example.org"])
    mail = email.message_from_bytes(raw, policy=policy.default)
    assert mail["Subject"] == "社区周报 Weekly pulse"
    assert mail["From"] == "Community Pulse <pulse@pulse.example.org>"
    assert mail["To"] == "team@pulse.example.org, lead@pulse.example.org"
    assert mail["Message-ID"].endswith("@pulse.example.org>")
    assert email.utils.parsedate_to_datetime(mail["Date"]).tzinfo is not None
    assert mail["Auto-Submitted"] == "auto-generated"
    assert mail["List-Unsubscribe"] is None  # a team digest; a member message carries one
    assert mail.get_content_type() == "multipart/mixed"
    text = mail.get_body(preferencelist=("plain",)).get_content()
    assert text.splitlines()[:4] == ["社区周报 Weekly pulse", "", "MAU: 6,120 (+4.2%)", "NPS: 41 (−3)"]
    assert "Open the dashboard: https://pulse.example.org/?period=last_7_days" in text
    page = mail.get_body(preferencelist=("html",)).get_content()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; more." in page and "<script>" not in page
    assert '<a href="https://pulse.example.org/?period=last_7_days">Open the dashboard</a>' in page
    [attachment] = list(mail.iter_attachments())
    assert (attachment.get_filename(), attachment.get_content_type()) == ("meeting-report.pdf", "application/pdf")
    assert attachment.get_content() == PDF


def test_a_member_message_goes_to_its_own_recipient_with_one_click_unsubscribe(smtp, store):
    inbox, port = smtp
    channels = channel(port)
    message = Message(
        title="Tell us how we did",
        text="Two minutes, five questions.",
        recipients=("member@pulse.example.org",),
        unsubscribe="https://pulse.example.org/unsubscribe?t=signed",
    )
    outbox.queue(store, channel=channels["mail"], message=message, key="invite:1", now=clock.now())
    outbox.deliver_due(store, channels)
    [(_, recipients, raw)] = inbox.messages
    mail = email.message_from_bytes(raw, policy=policy.default)
    assert recipients == ["member@pulse.example.org"] and mail["To"] == "member@pulse.example.org"
    assert mail["List-Unsubscribe"] == "<https://pulse.example.org/unsubscribe?t=signed>"
    assert mail["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert mail.get_content_type() == "multipart/alternative"


def test_a_refused_login_fails_at_once_without_the_password(smtp, store):
    inbox, port = smtp
    channels = channel(port, password="not-the-password")
    outbox.queue(store, channel=channels["mail"], message=report(), key="k", now=clock.now())
    outbox.deliver_due(store, channels)
    state, attempts, error = status(store)
    assert (state, attempts) == ("failed", 1)
    assert error.startswith("The SMTP server refused the username or password: 535")
    assert PASSWORD not in error and inbox.messages == []


@pytest.mark.parametrize(
    ("reply", "expected"),
    [
        ("451 4.3.0 Try again later", ("pending", "The SMTP server refused the message: 451 4.3.0 Try again later")),
        ("554 5.7.1 Message rejected as spam", ("failed", "The SMTP server refused the message: 554 5.7.1 Message")),
    ],
)
def test_a_temporary_reply_is_retried_and_a_permanent_one_is_not(smtp, store, reply, expected):
    inbox, port = smtp
    inbox.replies.append(reply)
    channels = channel(port)
    outbox.queue(store, channel=channels["mail"], message=report(), key="k", now=clock.now())
    outbox.deliver_due(store, channels)
    state, _, error = status(store)
    assert (state, error[: len(expected[1])]) == expected


def test_a_server_that_is_not_there_is_retried(store):
    channels = channel(free_port())
    outbox.queue(store, channel=channels["mail"], message=report(), key="k", now=clock.now())
    outbox.deliver_due(store, channels)
    state, _, error = status(store)
    assert state == "pending" and error.startswith("Could not reach 127.0.0.1:")


def test_starttls_with_a_trusted_certificate_delivers_and_an_untrusted_one_fails(tmp_path, store):
    cert_file, key_file = certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    inbox, port = Inbox(), free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticator,
        auth_required=True,
    )
    controller.start()
    try:
        trusting = channel(port, security="starttls", ca_file=cert_file)
        outbox.queue(store, channel=trusting["mail"], message=report(), key="trusted", now=clock.now())
        assert outbox.deliver_due(store, trusting).sent == 1
        assert len(inbox.messages) == 1
        doubting = channel(port, security="starttls")
        outbox.queue(store, channel=doubting["mail"], message=report(), key="untrusted", now=clock.now())
        assert outbox.deliver_due(store, doubting).failed == 1
    finally:
        controller.stop()
    errors = store.run(
        sa.select(tables.delivery_outbox.c.last_error).where(tables.delivery_outbox.c.idempotency_key == "untrusted")
    )
    assert errors["last_error"][0].startswith("127.0.0.1's certificate is not trusted")
    assert len(inbox.messages) == 1
