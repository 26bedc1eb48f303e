"""Sending through Mailgun's HTTP API, against a stateful fake of it on loopback, with the real httpx client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import pytest
from mail_support import ICS, SUMMARY, Clock, mailer_for, migrated
from mailgun_fake import FakeMailgun
from salient_core.db import Database
from salient_host.mail import DeliveryInfo, MailConfigError, Mailer, MailgunSettings, MailSettings
from support import free_port, serve_asgi

KEY = "key-3ax6xnjp29jd6fds4gc373sgvjxteol0"


@pytest.fixture
async def mailgun() -> AsyncIterator[tuple[FakeMailgun, str]]:
    fake = FakeMailgun(api_key=KEY)
    async with serve_asgi(fake.app()) as url:
        yield fake, url


@pytest.fixture
async def db(sqlite_url: str) -> AsyncIterator[Database]:
    async with migrated(sqlite_url) as db:
        yield db


def settings(base_url: str, **mailgun: Any) -> MailSettings:
    return MailSettings(
        from_address="Acme Sales <sales@mg.acme.example>",
        brand="Acme",
        transport="mailgun",
        mailgun=MailgunSettings(**{"domain": "mg.acme.example", "base_url": base_url, "timeout": 10, **mailgun}),
        unsubscribe_url="https://chat.acme.example/mail/unsubscribe",
        retry_base_seconds=60,
    )


async def summary(mailer: Mailer, rep: str | None = "Rita Rep <rita@acme.example>") -> list[DeliveryInfo]:
    return await mailer.queue_summary(
        "demo",
        "s-1",
        visitor="Zoë Visitor <zoe@example.org>",
        rep=rep,
        subject="Your conversation with Acme",
        summary_markdown=SUMMARY,
        ics=ICS,
    )


async def test_summaries_go_out_through_messages_mime(db: Database, mailgun: tuple[FakeMailgun, str]) -> None:
    fake, url = mailgun
    clock = Clock()
    async with mailer_for(db, settings(url), clock, env={"MAILGUN_API_KEY": KEY}) as mailer:
        visitor, rep = await summary(mailer)
        run = await mailer.deliver_due()
        records = {d.id: d for d in await mailer.deliveries("demo")}
    assert sorted(run.sent) == [visitor.id, rep.id]
    [to_visitor] = fake.to("zoe@example.org")
    assert to_visitor.domain == "mg.acme.example" and to_visitor.to == ["zoe@example.org"]
    message = to_visitor.message
    assert message["To"] == "Zoë Visitor <zoe@example.org>"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_body(preferencelist=("html",)) is not None
    [invite] = list(message.iter_attachments())
    assert invite.get_content_type() == "text/calendar"
    assert records[visitor.id].provider_id == to_visitor.id  # Mailgun's id, as it answered
    assert records[visitor.id].message_id == message["Message-ID"]
    assert (records[rep.id].status, records[rep.id].attempts) == ("sent", 1)


@pytest.mark.parametrize(("status", "retry_after", "wait"), [(429, "120", 120), (503, None, 60), (500, None, 60)])
async def test_rate_limits_and_server_errors_are_retried(
    db: Database, mailgun: tuple[FakeMailgun, str], status: int, retry_after: str | None, wait: int
) -> None:
    fake, url = mailgun
    fake.fail_next(status, retry_after=retry_after)
    clock = Clock()
    async with mailer_for(db, settings(url), clock, env={"MAILGUN_API_KEY": KEY}) as mailer:
        [delivery] = await summary(mailer, rep=None)
        assert (await mailer.deliver_due()).retrying == [delivery.id]
        waiting = await mailer.delivery("demo", delivery.id)
        assert waiting is not None and waiting.status == "queued" and waiting.last_error is not None
        assert waiting.last_error.startswith(f"Mailgun {status}: ")
        assert waiting.next_attempt_at == clock() + timedelta(seconds=wait)  # Retry-After wins over the backoff

        clock.advance(seconds=wait)
        assert (await mailer.deliver_due()).sent == [delivery.id]
        sent = await mailer.delivery("demo", delivery.id)
    assert sent is not None and (sent.status, sent.attempts) == ("sent", 2)
    assert fake.statuses == [status, 200] and len(fake.stored) == 1


async def test_a_bad_key_fails_with_the_reason_and_is_not_retried(
    db: Database, mailgun: tuple[FakeMailgun, str]
) -> None:
    fake, url = mailgun
    clock = Clock()
    async with mailer_for(db, settings(url), clock, env={"MAILGUN_API_KEY": "key-wrong"}) as mailer:
        [delivery] = await summary(mailer, rep=None)
        assert (await mailer.deliver_due()).failed == [delivery.id]
        clock.advance(days=1)
        assert (await mailer.deliver_due()).total == 0
        record = await mailer.delivery("demo", delivery.id)
    assert record is not None and (record.status, record.attempts) == ("failed", 1)
    assert record.last_error == "Mailgun 401: Forbidden (check the API key in $MAILGUN_API_KEY and the region)"
    assert fake.statuses == [401] and fake.stored == []


async def test_an_unknown_domain_is_a_permanent_failure(db: Database, mailgun: tuple[FakeMailgun, str]) -> None:
    fake, url = mailgun
    async with mailer_for(
        db, settings(url, domain="mg.unknown.example"), Clock(), env={"MAILGUN_API_KEY": KEY}
    ) as mailer:
        [delivery] = await summary(mailer, rep=None)
        assert (await mailer.deliver_due()).failed == [delivery.id]
        record = await mailer.delivery("demo", delivery.id)
    assert record is not None and record.last_error == "Mailgun 404: Domain not found: mg.unknown.example"
    assert fake.stored == []


async def test_an_unreachable_api_is_retried(db: Database) -> None:
    async with mailer_for(
        db, settings(f"http://127.0.0.1:{free_port()}"), Clock(), env={"MAILGUN_API_KEY": KEY}
    ) as mailer:
        [delivery] = await summary(mailer, rep=None)
        assert (await mailer.deliver_due()).retrying == [delivery.id]
        record = await mailer.delivery("demo", delivery.id)
    assert record is not None and record.status == "queued"
    assert record.last_error is not None and record.last_error.startswith("Mailgun unreachable: ConnectError")


async def test_a_missing_key_is_a_clear_error(db: Database) -> None:
    with pytest.raises(MailConfigError, match="environment variable MAILGUN_API_KEY is not set"):
        async with mailer_for(db, settings("http://127.0.0.1:1"), Clock()):
            pass
