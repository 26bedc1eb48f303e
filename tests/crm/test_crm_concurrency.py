"""Racing writes: twenty upserts of one address make one contact; racing keyed writes make one record."""

from __future__ import annotations

import asyncio

from crm_support import call, new_contact
from fastmcp import Client
from salient_crm.server import build_server
from salient_crm.settings import CrmSettings


async def test_twenty_concurrent_upserts_of_one_email_make_one_contact(crm_url: str) -> None:
    spellings = [
        f"{' ' * (n % 3)}{'ADA' if n % 2 else 'ada'}.Byron@{'EXAMPLE' if n % 4 else 'example'}.com " for n in range(20)
    ]
    # Two servers over one database, as two replicas would be, each with ten calls in flight.
    async with Client(build_server(CrmSettings(db=crm_url))) as a, Client(build_server(CrmSettings(db=crm_url))) as b:
        results = await asyncio.gather(
            *(
                call(a if n % 2 else b, "upsert_contact", email=email, city=f"City {n}")
                for n, email in enumerate(spellings)
            )
        )
        assert len({r["contact"]["id"] for r in results}) == 1
        assert sum(r["created"] for r in results) == 1
        page = await call(a, "search_records", object_type="contact", limit=100)
        assert page["total"] == 1
        assert page["items"][0]["properties"]["email"] == "ada.byron@example.com"


async def test_concurrent_retries_of_one_keyed_activity_log_once(crm_url: str) -> None:
    async with Client(build_server(CrmSettings(db=crm_url))) as client:
        contact = await new_contact(client)
        args = {
            "type": "call",
            "body": "Discussed two beds",
            "associations": [{"object_type": "contact", "id": contact}],
            "idempotency_key": "call-retry-42",
        }
        results = await asyncio.gather(*(call(client, "log_activity", **args) for _ in range(10)))
        assert len({r["record"]["id"] for r in results}) == 1
        assert sum(not r["replayed"] for r in results) == 1
        assert (await call(client, "list_activities", object_type="contact", id=contact))["total"] == 1
