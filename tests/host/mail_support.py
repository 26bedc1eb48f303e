"""Helpers for the mail tests: a real SMTP server (aiosmtpd) that can refuse recipients, a clock, a TLS cert."""

from __future__ import annotations

import contextlib
import datetime as dt
import ipaddress
import ssl
import threading
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP as SMTPServer
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from salient_core.db import Database
from salient_core.migrate import upgrade
from salient_host.mail import MAIL_MIGRATIONS, Mailer, MailSettings, SmtpSettings
from support import free_port

SECRET = "test-secret-" + "x" * 40  # long enough for the mailer; only ever used on loopback
ICS = (
    "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//Salient//salient-scheduling//EN\r\nMETHOD:REQUEST\r\n"
    "BEGIN:VEVENT\r\nUID:booking-42@salient\r\nDTSTART:20260310T150000Z\r\nDTEND:20260310T153000Z\r\n"
    "SUMMARY:Demo with Rita\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)
SUMMARY = (
    "## What we discussed\n\n- The **Glucose Meter Pro** (talking display)\n"
    "- Add-on: test strips, 50 pack ([spec sheet](https://acme.example/docs/strips))\n\n"
    "Meeting booked with Rita on 10 March, 15:00 UTC."
)


class Clock:
    """A clock the test moves by hand; the mailer reads it for every timestamp, backoff and lease."""

    def __init__(self, start: datetime = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass(frozen=True)
class Received:
    sender: str
    recipients: list[str]
    message: EmailMessage
    raw: bytes


class SmtpSink:
    """A real SMTP server on a loopback port that keeps what it receives.

    `refuse(address, "451 4.3.0 Try later", times=1)` answers RCPT for that address with the reply (the next
    `times` times, or always with `times=None`).
    """

    def __init__(self, **server_kwargs: Any) -> None:
        self.port = free_port()
        self.received: list[Received] = []
        self._refusals: dict[str, list[Any]] = {}
        self._lock = threading.Lock()
        self._controller = Controller(self, hostname="127.0.0.1", port=self.port, **server_kwargs)

    def refuse(self, address: str, reply: str, *, times: int | None = None) -> None:
        with self._lock:
            self._refusals[address.lower()] = [reply, times]

    def to(self, address: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if address.lower() in (a.lower() for a in r.recipients)]

    async def handle_RCPT(
        self, server: SMTPServer, session: Session, envelope: Envelope, address: str, rcpt_options: list[str]
    ) -> str:
        with self._lock:
            refusal = self._refusals.get(address.lower())
            if refusal is not None:
                reply, times = refusal
                if times is not None:
                    refusal[1] = times - 1
                    if refusal[1] <= 0:
                        del self._refusals[address.lower()]
                return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTPServer, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        message = BytesParser(policy=policy.default).parsebytes(raw)
        assert isinstance(message, EmailMessage)
        with self._lock:
            self.received.append(Received(str(envelope.mail_from), list(envelope.rcpt_tos), message, raw))
            number = len(self.received)
        return f"250 2.0.0 OK queued as Q{number}"

    def __enter__(self) -> SmtpSink:
        self._controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._controller.stop()


def mail_section(smtp_port: int) -> dict[str, Any]:
    """A host configuration's `mail:` section that sends to a local SMTP sink on `smtp_port`."""
    return {
        "from_address": "Brightwell <sales@brightwell.example>",
        "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "none"},
        "unsubscribe_url": "https://chat.brightwell.example/mail/unsubscribe",
    }


def smtp_settings(port: int, **overrides: Any) -> MailSettings:
    mail: dict[str, Any] = {
        "from_address": "Acme Sales <sales@acme.example>",
        "brand": "Acme",
        "smtp": SmtpSettings(port=port, security="none", timeout=10),
        "unsubscribe_url": "https://chat.acme.example/mail/unsubscribe",
        "retry_base_seconds": 60,
        "lease_seconds": 300,
    }
    mail.update(overrides)
    return MailSettings(**mail)


@contextlib.asynccontextmanager
async def migrated(url: str) -> AsyncIterator[Database]:
    db = Database(url)
    try:
        await upgrade(db, MAIL_MIGRATIONS)
        yield db
    finally:
        await db.close()


@contextlib.asynccontextmanager
async def mailer_for(
    db: Database, settings: MailSettings, clock: Clock, env: dict[str, str] | None = None
) -> AsyncIterator[Mailer]:
    async with Mailer.from_settings(settings, db, env={"SALIENT_MAIL_SECRET": SECRET, **(env or {})}, clock=clock) as m:
        yield m


def parts(message: EmailMessage) -> dict[str, Any]:
    """The text body, the HTML body and the attachments of a received message."""
    text = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    return {
        "text": text.get_content(),
        "html": html.get_content(),
        "attachments": list(message.iter_attachments()),
    }


@contextlib.contextmanager
def self_signed_cert(directory: Path) -> Iterator[tuple[ssl.SSLContext, str]]:
    """A server TLS context for 127.0.0.1 and the path of its certificate, to trust it as a CA bundle."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    yield context, str(cert_path)


def password_checker(username: str, password: str) -> Any:
    """An aiosmtpd authenticator accepting exactly one username and password."""

    def check(server: SMTPServer, session: Session, envelope: Envelope, mechanism: str, auth_data: Any) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == username.encode()
            and auth_data.password == password.encode()
        )
        return AuthResult(success=ok, handled=False)  # handled=False: aiosmtpd answers 535 itself

    return check
