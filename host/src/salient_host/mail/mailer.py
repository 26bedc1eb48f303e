"""The mail service the host uses: queue a conversation summary, deliver what is due, honour opt-outs.

Queueing composes the message at once and stores it in the outbox; delivery happens later, in `deliver_due()`
(called by the background worker `run()`, or directly), so a slow or unreachable mail server never holds up a
conversation and nothing is lost when the process stops: the outbox lives in the host's database.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType

import httpx
from salient_core.db import Database, utcnow
from salient_core.migrate import MigrationSet

from salient_host.mail.addresses import Recipient, normalise
from salient_host.mail.compose import Audience, compose, ics_attachment, render_summary
from salient_host.mail.errors import MailConfigError, MailDisabled, PermanentFailure, TransientFailure
from salient_host.mail.mailgun import MailgunTransport
from salient_host.mail.outbox import Claim, DeliveryInfo, NewDelivery, Outbox
from salient_host.mail.settings import MailSettings, mail_problems
from salient_host.mail.smtp import SmtpTransport
from salient_host.mail.tokens import Subscriber, UnsubscribeTokens
from salient_host.mail.transport import Transport

log = logging.getLogger(__name__)

# Its own version table (alembic_version_host_mail), so it migrates independently of the host's other tables.
MAIL_MIGRATIONS = MigrationSet("host_mail", Path(__file__).parent / "migrations")


@dataclass
class DeliveryRun:
    """What one `deliver_due()` did, by delivery id."""

    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    suppressed: list[int] = field(default_factory=list)
    lost: list[int] = field(default_factory=list)  # lease ran out mid-send; another worker owns the row now

    @property
    def total(self) -> int:
        return len(self.sent) + len(self.retrying) + len(self.failed) + len(self.suppressed) + len(self.lost)


class Mailer:
    """Queue and deliver mail for every account of one host. Build it with `Mailer.from_settings`."""

    def __init__(
        self,
        settings: MailSettings,
        db: Database,
        *,
        transport: Transport | None,
        tokens: UnsubscribeTokens | None,
        clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.db = db
        self.transport = transport
        self.tokens = tokens
        self.clock = clock
        self.outbox = Outbox(db)
        self._wake = asyncio.Event()

    @classmethod
    def from_settings(
        cls,
        settings: MailSettings,
        db: Database,
        *,
        env: Mapping[str, str] | None = None,
        clock: Callable[[], datetime] = utcnow,
        http_client: httpx.AsyncClient | None = None,
    ) -> Mailer:
        """Read the secrets named in `settings` from `env` (default: the process environment) and build the mailer.

        Raises `MailConfigError` naming every missing variable when mail is enabled. With mail disabled no
        transport is built, but unsubscribe links already sent keep working if the secret is still set.
        """
        env = os.environ if env is None else env
        problems = mail_problems(settings, env, file="")
        if problems:
            raise MailConfigError(
                "mail cannot be sent: " + "; ".join(f"{p.key}: {p.message} (fix: {p.fix})" for p in problems)
            )
        max_age = timedelta(days=settings.unsubscribe_link_days)
        secret = env.get(settings.secret_env, "")
        tokens = UnsubscribeTokens(secret, max_age=max_age, clock=clock) if secret else None
        transport: Transport | None = None
        if settings.enabled and settings.transport == "smtp":
            password = env[settings.smtp.password_env] if settings.smtp.password_env else None
            transport = SmtpTransport(settings.smtp, password=password)
        elif settings.enabled and settings.mailgun is not None:
            transport = MailgunTransport(
                settings.mailgun, api_key=env[settings.mailgun.api_key_env], client=http_client
            )
        return cls(settings, db, transport=transport, tokens=tokens, clock=clock)

    async def __aenter__(self) -> Mailer:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self, *, flush_within: float = 0.0) -> None:
        """Close the transport; with `flush_within`, first send what is due for up to that many seconds.

        (A summary `salient chat` just queued, say.) Whatever fails or takes longer stays queued in the outbox for
        the next worker (`salient up`).
        """
        try:
            if flush_within > 0:
                async with asyncio.timeout(flush_within):
                    await self.deliver_due()
        except TimeoutError:
            log.warning("mail still queued after %.0f s; the next mail worker (salient up) sends it", flush_within)
        finally:
            if self.transport is not None:
                await self.transport.aclose()

    # -- queueing -----------------------------------------------------------------------------------------

    def unsubscribe_link(self, account: str, address: str, base_url: str | None = None) -> str:
        """The link that opts `address` out of `account`'s mail (also the `List-Unsubscribe` target)."""
        if self.tokens is None:
            raise MailConfigError(f"set {self.settings.secret_env} to sign unsubscribe links")
        base = (base_url or self.settings.unsubscribe_url or "").rstrip("/")
        if not base:
            raise MailConfigError(
                "no unsubscribe URL: pass unsubscribe_base_url (the public URL of the unsubscribe routes) "
                "or set mail.unsubscribe_url"
            )
        return f"{base}/{self.tokens.make(account, address)}"

    async def queue_summary(
        self,
        account: str,
        session_id: str | None,
        *,
        visitor: Recipient | str | None,
        rep: Recipient | str | None,
        subject: str,
        summary_markdown: str,
        ics: str | None = None,
        unsubscribe_base_url: str | None = None,
        idempotency_key: str | None = None,
    ) -> list[DeliveryInfo]:
        """Queue a conversation summary to the visitor and to the rep (either may be None, not both).

        Each copy is its own delivery: `queued`, or `suppressed` if that address opted out. The same
        `idempotency_key` again (e.g. `f"summary:{session_id}"`) queues nothing new and returns the first records.
        Call `deliver_due()` (or keep `run()` going) to send them.
        """
        if not self.settings.enabled:
            raise MailDisabled()
        visitor_to = Recipient.parse(visitor) if visitor is not None else None
        rep_to = Recipient.parse(rep) if rep is not None else None
        if visitor_to is None and rep_to is None:
            raise ValueError("a summary needs a visitor or a rep to go to")
        reply_to_visitor = Recipient.parse(self.settings.reply_to) if self.settings.reply_to else rep_to
        copies: list[tuple[Audience, Recipient, Recipient | None]] = []
        if visitor_to is not None:
            copies.append(("visitor", visitor_to, reply_to_visitor))
        if rep_to is not None:
            copies.append(("rep", rep_to, visitor_to))
        attachments = (ics_attachment(ics),) if ics else ()
        queued = []
        for audience, to, reply_to in copies:
            unsubscribe_url = self.unsubscribe_link(account, to.email, unsubscribe_base_url)
            text, html = render_summary(
                audience,
                brand=self.settings.brand,
                subject=subject,
                visitor=visitor_to,
                rep=rep_to,
                session_id=session_id,
                summary_markdown=summary_markdown,
                has_invite=bool(ics),
                unsubscribe_url=unsubscribe_url,
            )
            message = compose(
                sender=self.settings.sender,
                to=to,
                subject=subject,
                text=text,
                html=html,
                now=self.clock(),
                unsubscribe_url=unsubscribe_url,
                reply_to=reply_to,
                attachments=attachments,
            )
            kind = f"summary_{audience}"
            new = NewDelivery(
                session_id=session_id,
                kind=kind,
                recipient=to.key,
                subject=str(message["Subject"]),
                message_id=str(message["Message-ID"]),
                mime=message.as_string(),
                idempotency_key=f"{idempotency_key}:{kind}" if idempotency_key else None,
            )
            queued.append(await self.outbox.add(account, new, now=self.clock()))
        self._wake.set()
        return queued

    # -- delivering ---------------------------------------------------------------------------------------

    async def deliver_due(self) -> DeliveryRun:
        """Send every delivery that is due now, batch by batch, and record each outcome.

        Safe to run in several workers and processes at once: each delivery is claimed by one of them.
        """
        run = DeliveryRun()
        if self.transport is None:
            return run
        lease = timedelta(seconds=self.settings.lease_seconds)
        while True:
            claims = await self.outbox.claim(now=self.clock(), limit=self.settings.batch_size, lease=lease)
            if not claims:
                return run
            await asyncio.gather(*(self._attempt(self.transport, claim, run) for claim in claims))

    async def _attempt(self, transport: Transport, claim: Claim, run: DeliveryRun) -> None:
        max_attempts = self.settings.max_attempts
        if claim.attempts > max_attempts:
            # Only leases that ran out get here: workers kept dying (or hanging) while sending this one.
            error = f"gave up: claimed {claim.attempts - 1} times without a result recorded"
            self._record(run.failed, claim, await self.outbox.mark_failed(claim, now=self.clock(), error=error), run)
            return
        if await self.outbox.is_opted_out(claim.account, claim.recipient):
            self._record(run.suppressed, claim, await self.outbox.mark_suppressed(claim, now=self.clock()), run)
            return
        try:
            provider_id = await transport.send(
                claim.mime.encode(), sender=self.settings.sender.email, recipients=[claim.recipient]
            )
        except PermanentFailure as exc:
            log.warning("mail delivery %s failed for good: %s", claim.id, exc.reason)
            settled = await self.outbox.mark_failed(claim, now=self.clock(), error=exc.reason)
            self._record(run.failed, claim, settled, run)
        except TransientFailure as exc:
            await self._retry_or_give_up(claim, exc.reason, exc.retry_after, run)
        except Exception as exc:  # a bug in a transport must not lose the message or stop the worker
            log.exception("mail delivery %s: unexpected error from %s", claim.id, transport.name)
            await self._retry_or_give_up(claim, f"unexpected error: {type(exc).__name__}: {exc}", None, run)
        else:
            settled = await self.outbox.mark_sent(claim, now=self.clock(), provider_id=provider_id)
            self._record(run.sent, claim, settled, run)

    async def _retry_or_give_up(self, claim: Claim, reason: str, retry_after: float | None, run: DeliveryRun) -> None:
        now = self.clock()
        if claim.attempts >= self.settings.max_attempts:
            error = f"gave up after {claim.attempts} attempts: {reason}"
            self._record(run.failed, claim, await self.outbox.mark_failed(claim, now=now, error=error), run)
            return
        at = now + timedelta(seconds=self.backoff(claim.attempts, retry_after))
        log.info("mail delivery %s: attempt %s failed (%s); next at %s", claim.id, claim.attempts, reason, at)
        self._record(run.retrying, claim, await self.outbox.mark_retry(claim, now=now, at=at, error=reason), run)

    def backoff(self, attempts: int, retry_after: float | None = None) -> float:
        """Seconds before the next attempt: doubling from `retry_base_seconds`, capped, never sooner than asked."""
        s = self.settings
        delay = min(s.retry_max_seconds, s.retry_base_seconds * 2 ** (attempts - 1))
        return max(delay, retry_after or 0.0)

    @staticmethod
    def _record(bucket: list[int], claim: Claim, settled: bool, run: DeliveryRun) -> None:
        if settled:
            bucket.append(claim.id)
        else:
            log.warning("mail delivery %s: lease expired before the outcome was recorded", claim.id)
            run.lost.append(claim.id)

    async def run(self) -> None:
        """Deliver due mail until cancelled: right after something is queued, else every `poll_seconds`."""
        while True:
            self._wake.clear()
            try:
                await self.deliver_due()
            except Exception:  # e.g. the database briefly unreachable; the next round tries again
                log.exception("mail worker: delivery round failed; retrying in %ss", self.settings.poll_seconds)
            # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that arrives as the
            # event fires, and the worker would never stop.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.poll_seconds):
                    await self._wake.wait()

    # -- opt-outs and records -----------------------------------------------------------------------------

    def read_unsubscribe_token(self, token: str) -> Subscriber:
        """Who a token speaks for; raises `BadUnsubscribeToken` for a forged, altered or expired one."""
        if self.tokens is None:
            raise MailConfigError(f"set {self.settings.secret_env} to check unsubscribe links")
        return self.tokens.read(token)

    async def opt_out(self, account: str, address: str, *, source: str = "api") -> bool:
        """Stop all mail from `account` to `address`; True if this is new. Idempotent."""
        return await self.outbox.opt_out(account, normalise(address), source=source, now=self.clock())

    async def is_opted_out(self, account: str, address: str) -> bool:
        return await self.outbox.is_opted_out(account, normalise(address))

    async def deliveries(self, account: str, *, session_id: str | None = None) -> list[DeliveryInfo]:
        return list(await self.outbox.list_for(account, session_id=session_id))

    async def delivery(self, account: str, delivery_id: int) -> DeliveryInfo | None:
        return await self.outbox.get(account, delivery_id)
