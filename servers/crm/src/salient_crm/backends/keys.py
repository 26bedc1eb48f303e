"""Idempotency keys for a remote backend, kept in the server's own database.

A keyed write first claims its key (insert-or-nothing, committed at once), then writes remotely, then records the
remote id. A concurrent retry that finds the key claimed but not yet filled waits for the first call to finish, so
ten racing retries still make one record. If the remote write fails the claim is released, so a retry can try again.
"""

from __future__ import annotations

import asyncio

from salient_core.db import Database, utcnow
from salient_core.errors import Conflict, key_reused
from sqlalchemy import delete

from salient_crm import models
from salient_crm import repository as repo
from salient_crm.backends.base import Idempotency
from salient_crm.objects import ObjectType

WAIT_SECONDS = 30.0
POLL_SECONDS = 0.05


class KeyLedger:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def claim(self, account: str, object_type: ObjectType, key: Idempotency) -> tuple[ObjectType, str] | None:
        """None when this call owns the key now; else the (type, id) the first call with this key made."""
        values = {
            "account_id": account,
            "key": key.key,
            "operation": key.operation,
            "fingerprint": key.fingerprint,
            "object_type": object_type,
            "record_id": "",
            "created_at": utcnow(),
        }
        async with self.db.transaction(account=account) as session:
            if await session.scalar(repo.claim_key_statement(self.db.dialect, values)) is not None:
                return None
        waited = 0.0
        while True:
            async with self.db.session(account=account) as session:
                previous = await repo.get_key(session, account, key.key)
            if previous is None:  # the first call failed and released the key: take it
                return await self.claim(account, object_type, key)
            if previous.operation != key.operation or previous.fingerprint != key.fingerprint:
                raise key_reused(key.key, f"for a different {previous.operation} call")
            if previous.record_id:
                return previous.object_type, previous.record_id  # pyright: ignore[reportReturnType]
            if waited >= WAIT_SECONDS:
                raise Conflict(
                    f"A call with idempotency key {key.key!r} is still in progress (or stopped half-way).",
                    hint="Search for the record before retrying with a new key.",
                )
            await asyncio.sleep(POLL_SECONDS)
            waited += POLL_SECONDS

    async def fill(self, account: str, key: Idempotency, record_id: str) -> None:
        async with self.db.transaction(account=account) as session:
            row = await repo.get_key(session, account, key.key)
            assert row is not None  # claimed by this call, and only this call releases it
            row.record_id = record_id

    async def release(self, account: str, key: Idempotency) -> None:
        async with self.db.transaction(account=account) as session:
            await session.execute(
                delete(models.IdempotencyKey).where(
                    models.IdempotencyKey.account_id == account, models.IdempotencyKey.key == key.key
                )
            )
