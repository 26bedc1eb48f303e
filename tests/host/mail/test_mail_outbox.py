"""The outbox under concurrency and crashes, on SQLite and PostgreSQL: every delivery is sent once, none is lost."""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from mail_support import SUMMARY, Clock, SmtpSink, mailer_for, migrated, smtp_settings
from salient_core.app import CORE_MIGRATIONS
from salient_core.db import Database
from salient_core.migrate import current_revision, upgrade
from salient_host.mail import MAIL_MIGRATIONS, DeliveryInfo, Mailer
from salient_host.mail.models import Base
from sqlalchemy import inspect


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as sink:
        yield sink


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[Database]:
    async with migrated(db_url) as db:
        yield db


async def queue_many(mailer: Mailer, count: int, *, account: str = "demo") -> list[DeliveryInfo]:
    queued = []
    for n in range(count):
        queued += await mailer.queue_summary(
            account,
            f"s-{n}",
            visitor=f"visitor{n}@example.org",
            rep=None,
            subject=f"Summary {n}",
            summary_markdown=SUMMARY,
        )
    return queued


async def test_concurrent_claims_never_share_a_delivery(db: Database, db_url: str, sink: SmtpSink) -> None:
    clock = Clock()
    async with mailer_for(db, smtp_settings(sink.port), clock) as mailer:
        queued = await queue_many(mailer, 24)
    # Eight claimers over two engines (two "processes"), each taking up to 4 at the same instant.
    async with migrated(db_url) as other:
        outboxes = [Mailer(smtp_settings(sink.port), d, transport=None, tokens=None).outbox for d in (db, other)]
        claims = await asyncio.gather(
            *(outboxes[i % 2].claim(now=clock(), limit=4, lease=timedelta(minutes=5)) for i in range(8))
        )
    claimed = [c.id for batch in claims for c in batch]
    assert sorted(claimed) == sorted(d.id for d in queued)  # all 24, each exactly once
    assert len({batch[0].token for batch in claims if batch}) == sum(1 for batch in claims if batch)
    assert all(c.attempts == 1 and c.lease_until == clock() + timedelta(minutes=5) for b in claims for c in b)


async def test_two_workers_send_each_delivery_once(db: Database, db_url: str, sink: SmtpSink) -> None:
    clock = Clock()
    settings = smtp_settings(sink.port, batch_size=3)
    async with (
        migrated(db_url) as other,
        mailer_for(db, settings, clock) as one,
        mailer_for(other, settings, clock) as two,
    ):
        queued = await queue_many(one, 20)
        first, second = await asyncio.gather(one.deliver_due(), two.deliver_due())
        records = await one.deliveries("demo")
    assert sorted(first.sent + second.sent) == sorted(d.id for d in queued)
    assert not set(first.sent) & set(second.sent)
    assert first.total + second.total == 20
    received = Counter(r.message["Message-ID"] for r in sink.received)
    assert len(received) == 20 and set(received.values()) == {1}  # every message arrived exactly once
    assert {(r.status, r.attempts) for r in records} == {("sent", 1)}
    assert received.keys() == {r.message_id for r in records}


async def test_a_delivery_held_by_a_dead_worker_is_sent_after_its_lease(db: Database, sink: SmtpSink) -> None:
    clock = Clock()
    async with mailer_for(db, smtp_settings(sink.port, lease_seconds=300), clock) as mailer:
        [delivery] = await queue_many(mailer, 1)
        # A worker claims it and dies before sending or recording anything.
        [dead] = await mailer.outbox.claim(now=clock(), limit=10, lease=timedelta(seconds=300))
        assert dead.id == delivery.id

        clock.advance(seconds=299)
        assert (await mailer.deliver_due()).total == 0  # still leased: nobody else touches it
        held = await mailer.delivery("demo", delivery.id)
        assert held is not None and (held.status, held.attempts) == ("sending", 1)
        assert sink.received == []

        clock.advance(seconds=1)
        run = await mailer.deliver_due()
        assert run.sent == [delivery.id]
        record = await mailer.delivery("demo", delivery.id)
        assert record is not None and (record.status, record.attempts) == ("sent", 2)
        assert len(sink.received) == 1

        # The dead worker's late word does not overwrite what happened since.
        assert await mailer.outbox.mark_failed(dead, now=clock(), error="late") is False
        assert await mailer.outbox.mark_sent(dead, now=clock(), provider_id="late") is False
        after = await mailer.delivery("demo", delivery.id)
        assert after == record


async def test_a_delivery_whose_workers_keep_dying_is_given_up(db: Database, sink: SmtpSink) -> None:
    clock = Clock()
    async with mailer_for(db, smtp_settings(sink.port, max_attempts=2), clock) as mailer:
        [delivery] = await queue_many(mailer, 1)
        for _ in range(2):
            assert await mailer.outbox.claim(now=clock(), limit=1, lease=timedelta(seconds=300))
            clock.advance(seconds=301)
        run = await mailer.deliver_due()
        record = await mailer.delivery("demo", delivery.id)
    assert run.failed == [delivery.id] and sink.received == []
    assert record is not None and record.status == "failed" and record.attempts == 3
    assert record.last_error == "gave up: claimed 2 times without a result recorded"


async def test_an_idempotency_key_queues_one_summary_even_when_raced(db: Database, sink: SmtpSink) -> None:
    clock = Clock()
    async with mailer_for(db, smtp_settings(sink.port), clock) as mailer:

        async def summary() -> list[DeliveryInfo]:
            return await mailer.queue_summary(
                "demo",
                "s-1",
                visitor="zoe@example.org",
                rep="rita@acme.example",
                subject="Summary",
                summary_markdown=SUMMARY,
                idempotency_key="summary:s-1",
            )

        results = await asyncio.gather(*(summary() for _ in range(4)))
        again = await summary()
        records = await mailer.deliveries("demo")
    assert len(records) == 2
    assert all([d.id for d in r] == [d.id for d in records] for r in [*results, again])


async def test_accounts_see_only_their_own_deliveries(db: Database, sink: SmtpSink) -> None:
    async with mailer_for(db, smtp_settings(sink.port), Clock()) as mailer:
        [mine] = await queue_many(mailer, 1, account="demo")
        assert await mailer.deliveries("other") == []
        assert await mailer.delivery("other", mine.id) is None
        await mailer.opt_out("other", "visitor0@example.org")
        [theirs] = await queue_many(mailer, 1, account="demo")
    assert theirs.status == "queued"  # another account's opt-out does not apply here


def _mail_tables_only(name: str | None, type_: str, parent_names: object) -> bool:
    return type_ != "table" or (name or "").startswith("host_mail_")


MINE = {"include_name": _mail_tables_only}


async def test_the_mail_schema_has_its_own_version_table(db_url: str) -> None:
    db = Database(db_url)
    try:
        await upgrade(db, CORE_MIGRATIONS, MAIL_MIGRATIONS)
        await upgrade(db, MAIL_MIGRATIONS)  # again: nothing to do
        assert await current_revision(db, MAIL_MIGRATIONS) == "host_mail_0001"
        assert await current_revision(db, CORE_MIGRATIONS) is not None
        async with db.engine.connect() as conn:
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
            # The hand-written migration and the models describe the same tables.
            drift = await conn.run_sync(
                lambda c: compare_metadata(MigrationContext.configure(c, opts=MINE), Base.metadata)
            )
    finally:
        await db.close()
    assert {"host_mail_deliveries", "host_mail_opt_outs", "alembic_version_host_mail"} <= tables
    assert drift == []
