"""Summaries sent over SMTP to a real local server (aiosmtpd): content, retries, permanent failures, opt-outs, TLS."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from mail_support import (
    ICS,
    SUMMARY,
    Clock,
    SmtpSink,
    mailer_for,
    migrated,
    parts,
    password_checker,
    self_signed_cert,
    smtp_settings,
)
from salient_core.db import Database
from salient_host.mail import InvalidAddress, MailConfigError, Mailer, MailSettings, SmtpSettings
from support import free_port

VISITOR = "Zoë Visitor <zoe@example.org>"
REP = "Rita Rep <rita@acme.example>"


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
async def db(sqlite_url: str) -> AsyncIterator[Database]:
    async with migrated(sqlite_url) as db:
        yield db


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def mailer(db: Database, sink: SmtpSink, clock: Clock) -> AsyncIterator[Mailer]:
    async with mailer_for(db, smtp_settings(sink.port), clock) as mailer:
        yield mailer


async def queue(mailer: Mailer, *, visitor: str | None = VISITOR, rep: str | None = REP, ics: str | None = ICS):
    return await mailer.queue_summary(
        "demo",
        "s-1",
        visitor=visitor,
        rep=rep,
        subject="Your conversation with Acme",
        summary_markdown=SUMMARY,
        ics=ics,
    )


async def test_the_visitor_and_the_rep_each_get_a_complete_summary(mailer: Mailer, sink: SmtpSink) -> None:
    queued = await queue(mailer)
    assert [(d.kind, d.recipient, d.status) for d in queued] == [
        ("summary_visitor", "zoe@example.org", "queued"),
        ("summary_rep", "rita@acme.example", "queued"),
    ]
    run = await mailer.deliver_due()
    assert sorted(run.sent) == [d.id for d in queued]

    [to_visitor] = sink.to("zoe@example.org")
    [to_rep] = sink.to("rita@acme.example")
    assert len(sink.received) == 2
    assert to_visitor.sender == "sales@acme.example" and to_visitor.recipients == ["zoe@example.org"]
    visitor_msg, rep_msg = to_visitor.message, to_rep.message
    assert visitor_msg["To"] == VISITOR and visitor_msg["Reply-To"] == REP
    assert rep_msg["To"] == REP and rep_msg["Reply-To"] == VISITOR  # the rep answers the visitor directly
    assert visitor_msg["Subject"] == rep_msg["Subject"] == "Your conversation with Acme"

    visitor_parts, rep_parts = parts(visitor_msg), parts(rep_msg)
    assert "Hello Zoë Visitor" in visitor_parts["text"] and "Glucose Meter Pro" in visitor_parts["text"]
    assert "<strong>Glucose Meter Pro</strong>" in visitor_parts["html"]
    assert 'href="https://acme.example/docs/strips"' in visitor_parts["html"]
    assert "Your contact at Acme: Rita Rep <rita@acme.example>" in visitor_parts["text"]
    assert "Conversation summary: Zoë Visitor <zoe@example.org> (session s-1)" in rep_parts["text"]
    for p in (visitor_parts, rep_parts):
        [invite] = p["attachments"]
        assert invite.get_content_type() == "text/calendar" and invite.get_param("method") == "REQUEST"
        assert "UID:booking-42@salient" in invite.get_content()

    # The unsubscribe link: in both bodies and in the header, signed for this account and this address.
    link = visitor_msg["List-Unsubscribe"].strip("<>")
    assert link.startswith("https://chat.acme.example/mail/unsubscribe/")
    assert visitor_msg["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert link in visitor_parts["text"] and f'href="{link}"' in visitor_parts["html"]
    subscriber = mailer.read_unsubscribe_token(link.rsplit("/", 1)[1])
    assert (subscriber.account, subscriber.address) == ("demo", "zoe@example.org")
    assert rep_msg["List-Unsubscribe"] != visitor_msg["List-Unsubscribe"]

    records = {d.id: d for d in await mailer.deliveries("demo", session_id="s-1")}
    for d in queued:
        record = records[d.id]
        assert (record.status, record.attempts, record.last_error) == ("sent", 1, None)
        assert record.sent_at == mailer.clock()
        assert record.provider_id is not None and "queued as Q" in record.provider_id
    assert records[queued[0].id].message_id == visitor_msg["Message-ID"]
    assert await mailer.deliver_due() == type(run)()  # nothing left to do


async def test_a_summary_to_the_rep_alone_when_the_visitor_left_no_address(mailer: Mailer, sink: SmtpSink) -> None:
    [only] = await queue(mailer, visitor=None, ics=None)
    await mailer.deliver_due()
    [received] = sink.received
    assert only.kind == "summary_rep" and received.recipients == ["rita@acme.example"]
    assert received.message["Reply-To"] is None
    text = parts(received.message)["text"]
    assert "Conversation summary: a visitor who left no e-mail address" in text
    assert parts(received.message)["attachments"] == []


async def test_a_451_is_retried_after_the_backoff_and_sent_once(mailer: Mailer, sink: SmtpSink, clock: Clock) -> None:
    sink.refuse("zoe@example.org", "451 4.3.0 Mailbox busy, try again later", times=1)
    visitor, _ = await queue(mailer)

    first = await mailer.deliver_due()
    assert first.retrying == [visitor.id]
    record = await mailer.delivery("demo", visitor.id)
    assert record is not None and (record.status, record.attempts) == ("queued", 1)
    assert record.last_error is not None and "451" in record.last_error and "Mailbox busy" in record.last_error
    assert record.next_attempt_at == clock() + mailer_backoff(mailer, 1)
    assert sink.to("zoe@example.org") == []

    assert (await mailer.deliver_due()).total == 0  # not due yet
    clock.advance(seconds=mailer_backoff(mailer, 1).total_seconds())
    second = await mailer.deliver_due()
    assert second.sent == [visitor.id]
    record = await mailer.delivery("demo", visitor.id)
    assert record is not None and (record.status, record.attempts, record.last_error) == ("sent", 2, None)
    assert len(sink.to("zoe@example.org")) == 1


def mailer_backoff(mailer: Mailer, attempts: int) -> timedelta:
    return timedelta(seconds=mailer.backoff(attempts))


async def test_backoff_doubles_and_is_capped(mailer: Mailer) -> None:
    assert [mailer.backoff(n) for n in (1, 2, 3, 4)] == [60, 120, 240, 480]
    assert mailer.backoff(20) == 3600
    assert mailer.backoff(1, retry_after=900) == 900


async def test_a_550_fails_at_once_with_the_reason_and_is_not_retried(
    mailer: Mailer, sink: SmtpSink, clock: Clock
) -> None:
    sink.refuse("zoe@example.org", "550 5.1.1 No such user here")
    visitor, rep = await queue(mailer)
    run = await mailer.deliver_due()
    assert run.failed == [visitor.id] and run.sent == [rep.id]
    record = await mailer.delivery("demo", visitor.id)
    assert record is not None and (record.status, record.attempts) == ("failed", 1)
    assert record.last_error is not None and "550" in record.last_error and "No such user here" in record.last_error

    clock.advance(days=2)
    assert (await mailer.deliver_due()).total == 0
    record = await mailer.delivery("demo", visitor.id)
    assert record is not None and record.attempts == 1
    assert sink.to("zoe@example.org") == [] and len(sink.to("rita@acme.example")) == 1


async def test_transient_failures_give_up_after_max_attempts(db: Database, sink: SmtpSink, clock: Clock) -> None:
    sink.refuse("zoe@example.org", "421 4.4.5 Too busy")
    async with mailer_for(db, smtp_settings(sink.port, max_attempts=3), clock) as mailer:
        [visitor] = await queue(mailer, rep=None)
        for _ in range(2):
            assert (await mailer.deliver_due()).retrying == [visitor.id]
            clock.advance(hours=1)
        assert (await mailer.deliver_due()).failed == [visitor.id]
        record = await mailer.delivery("demo", visitor.id)
    assert record is not None and (record.status, record.attempts) == ("failed", 3)
    assert record.last_error is not None and record.last_error.startswith("gave up after 3 attempts: ")
    assert sink.received == []


async def test_an_unreachable_server_is_a_transient_failure(db: Database, clock: Clock) -> None:
    async with mailer_for(db, smtp_settings(free_port()), clock) as mailer:  # nothing listens there
        [visitor] = await queue(mailer, rep=None)
        run = await mailer.deliver_due()
        record = await mailer.delivery("demo", visitor.id)
    assert run.retrying == [visitor.id]
    assert record is not None and record.status == "queued" and record.last_error
    assert "SMTPConnect" in record.last_error


async def test_an_opted_out_address_gets_nothing_thereafter(mailer: Mailer, sink: SmtpSink) -> None:
    assert await mailer.opt_out("demo", "ZOE@example.org ", source="api") is True
    assert await mailer.opt_out("demo", "zoe@example.org", source="api") is False  # idempotent
    visitor, rep = await queue(mailer)
    assert (visitor.status, rep.status) == ("suppressed", "queued")
    run = await mailer.deliver_due()
    assert run.sent == [rep.id]
    assert sink.to("zoe@example.org") == [] and len(sink.received) == 1
    # Another account's opt-outs are its own.
    assert await mailer.is_opted_out("other", "zoe@example.org") is False


async def test_an_opt_out_between_queueing_and_sending_stops_the_message(mailer: Mailer, sink: SmtpSink) -> None:
    visitor, rep = await queue(mailer)
    await mailer.opt_out("demo", "zoe@example.org")
    record = await mailer.delivery("demo", visitor.id)
    assert record is not None and record.status == "suppressed"
    run = await mailer.deliver_due()
    assert run.sent == [rep.id] and sink.to("zoe@example.org") == []


async def test_starttls_and_auth_with_the_password_from_the_environment(
    db: Database, clock: Clock, tmp_path: Path
) -> None:
    with self_signed_cert(tmp_path) as (context, ca_file):
        server = {
            "tls_context": context,
            "require_starttls": True,
            "auth_required": True,
            "authenticator": password_checker("salient", "s3cret-pw"),
        }
        with SmtpSink(**server) as sink:
            smtp = SmtpSettings(
                port=sink.port,
                security="starttls",
                cert_bundle=ca_file,
                username="salient",
                password_env="TEST_SMTP_PASSWORD",
                timeout=10,
            )
            settings = smtp_settings(sink.port, smtp=smtp)
            async with mailer_for(db, settings, clock, env={"TEST_SMTP_PASSWORD": "s3cret-pw"}) as mailer:
                [ok] = await queue(mailer, rep=None)
                assert (await mailer.deliver_due()).sent == [ok.id]
            async with mailer_for(db, settings, clock, env={"TEST_SMTP_PASSWORD": "wrong"}) as mailer:
                [refused] = await queue(mailer, visitor="other@example.org", rep=None)
                assert (await mailer.deliver_due()).failed == [refused.id]
                record = await mailer.delivery("demo", refused.id)
        assert [r.recipients for r in sink.received] == [["zoe@example.org"]]
    assert record is not None and record.last_error is not None
    assert "SMTPAuthenticationError: 535" in record.last_error


async def test_the_background_worker_sends_right_after_queueing(mailer: Mailer, sink: SmtpSink) -> None:
    worker = asyncio.create_task(mailer.run())
    try:
        await queue(mailer)
        for _ in range(1000):
            if {d.status for d in await mailer.deliveries("demo")} == {"sent"}:
                break
            await asyncio.sleep(0.01)
    finally:
        worker.cancel()
        with pytest.raises(asyncio.CancelledError):
            await worker
    assert sorted(r.recipients[0] for r in sink.received) == ["rita@acme.example", "zoe@example.org"]
    assert {d.status for d in await mailer.deliveries("demo")} == {"sent"}


async def test_queueing_without_an_unsubscribe_url_is_refused(db: Database, sink: SmtpSink, clock: Clock) -> None:
    settings: MailSettings = smtp_settings(sink.port, unsubscribe_url=None)
    async with mailer_for(db, settings, clock) as mailer:
        with pytest.raises(MailConfigError, match="no unsubscribe URL"):
            await queue(mailer)
        assert await mailer.deliveries("demo") == []


async def test_a_bad_address_is_refused_before_anything_is_queued(mailer: Mailer, sink: SmtpSink) -> None:
    with pytest.raises(InvalidAddress, match="'zoe at example' is not a usable e-mail address"):
        await queue(mailer, visitor="zoe at example")
    with pytest.raises(ValueError, match="a summary needs a visitor or a rep"):
        await queue(mailer, visitor=None, rep=None)
    assert await mailer.deliveries("demo") == []
    assert (await mailer.deliver_due()).total == 0 and sink.received == []
