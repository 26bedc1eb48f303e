"""Sending over SMTP with aiosmtplib: one connection per message, STARTTLS or implicit TLS, optional AUTH.

Replies are sorted by RFC 5321's classes: 4xx and lost or refused connections are transient (the outbox retries),
5xx is permanent (the delivery is marked failed with the server's words).
"""

from __future__ import annotations

import aiosmtplib

from salient_host.mail.errors import PermanentFailure, TransientFailure
from salient_host.mail.settings import SmtpSettings


class SmtpTransport:
    name = "smtp"

    def __init__(self, settings: SmtpSettings, *, password: str | None = None) -> None:
        self.settings = settings
        self._password = password

    async def send(self, mime: bytes, *, sender: str, recipients: list[str]) -> str | None:
        s = self.settings
        try:
            errors, reply = await aiosmtplib.send(
                mime,
                sender=sender,
                recipients=recipients,
                hostname=s.host,
                port=s.effective_port,
                use_tls=s.security == "tls",
                start_tls=s.security == "starttls",
                validate_certs=s.validate_certs,
                cert_bundle=s.cert_bundle,
                username=s.username,
                password=self._password,
                timeout=s.timeout,
                local_hostname=s.local_hostname,
            )
        except aiosmtplib.SMTPRecipientsRefused as exc:
            # Every recipient was refused; with one recipient per delivery that is this delivery's verdict.
            codes = [r.code for r in exc.recipients]
            reason = "; ".join(f"{r.recipient}: {r.code} {r.message}" for r in exc.recipients)
            raise _by_code(max(codes, default=550), f"recipient refused: {reason}") from exc
        except aiosmtplib.SMTPResponseException as exc:
            raise _by_code(exc.code, f"{type(exc).__name__}: {exc.code} {exc.message}") from exc
        except (aiosmtplib.SMTPException, OSError) as exc:
            # Connection refused or lost, timeouts, STARTTLS unavailable: about the path, not the message.
            raise TransientFailure(f"{type(exc).__name__}: {exc or 'connection failed'}") from exc
        if errors:
            refused = "; ".join(f"{addr}: {resp.code} {resp.message}" for addr, resp in errors.items())
            raise _by_code(max(r.code for r in errors.values()), f"recipient refused: {refused}")
        return reply[:300] or None

    async def aclose(self) -> None:
        return None


def _by_code(code: int, reason: str) -> TransientFailure | PermanentFailure:
    if 400 <= code < 500 or code < 0:
        return TransientFailure(reason)
    return PermanentFailure(reason)
