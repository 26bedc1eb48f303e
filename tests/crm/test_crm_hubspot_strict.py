"""Where HubSpot is stricter than a local database: search that lags writes, batch and search limits, property
values it refuses, and a portal that has not been set up for Salient (`salient-crm hubspot setup`)."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import UTC, datetime

import pytest
from crm_support import Crm, call, hubspot_portal, new_contact
from fastmcp import Client
from fastmcp.exceptions import ToolError
from hubspot_portal import Obj
from salient_crm.server import build_server
from salient_crm.settings import CrmSettings

SLOW_INDEX = 60.0  # seconds: nothing written in these tests reaches search before they end


async def test_read_your_write_never_waits_for_search(sqlite_url: str) -> None:
    async with hubspot_portal(sqlite_url) as crm:
        assert crm.portal is not None
        crm.portal.index_delay = SLOW_INDEX
        async with Client(build_server(CrmSettings(**crm.settings))) as client:
            first = await call(client, "upsert_contact", email="ada@example.com", first_name="Ada")
            again = await call(client, "upsert_contact", email="ADA@example.com", city="Leeds")
            assert again["created"] is False and again["contact"]["id"] == first["contact"]["id"]
            args = {"properties": {"name": "Elm House"}, "idempotency_key": "company-elm-1"}
            made = await call(client, "create_record", object_type="company", **args)
            replay = await call(client, "create_record", object_type="company", **args)
            assert replay == {**made, "replayed": True}
            company = made["record"]["id"]
            await call(client, "associate", left={"object_type": "contact", "id": first["contact"]["id"]},
                       right={"object_type": "company", "id": company})  # fmt: skip
            read = await call(client, "get_records", object_type="contact", ids=[first["contact"]["id"]])
            assert read["records"][0]["properties"]["city"] == "Leeds"
            assert read["records"][0]["associations"] == {"company": [company]}
            # Search itself has seen none of it yet: that is HubSpot's index, not this server, lagging.
            assert (await call(client, "search_records", object_type="company"))["total"] == 0
        assert len(crm.portal.objects["contacts"]) == 1 and len(crm.portal.objects["companies"]) == 1


async def test_a_search_for_one_email_finds_the_contact_just_written(sqlite_url: str) -> None:
    # The host looks a visitor's contact up this way right after the agent upserted it.
    async with hubspot_portal(sqlite_url) as crm:
        assert crm.portal is not None
        crm.portal.index_delay = SLOW_INDEX
        async with Client(build_server(CrmSettings(**crm.settings))) as client:
            contact = await new_contact(client, "ada@example.com", first_name="Ada")
            by_text = await call(client, "search_records", object_type="contact", query="Ada@Example.com")
            assert [r["id"] for r in by_text["items"]] == [contact] and by_text["total"] == 1
            by_filter = await call(
                client, "search_records", object_type="contact", filters={"email": "ada@example.com"}
            )
            assert [r["id"] for r in by_filter["items"]] == [contact]
            # Not yet indexed, so any other search still misses it.
            assert (await call(client, "search_records", object_type="contact", query="Ada"))["total"] == 0


async def test_a_search_for_one_email_does_not_show_an_archived_contact(sqlite_url: str) -> None:
    async with hubspot_portal(sqlite_url) as crm:
        assert crm.portal is not None
        async with Client(build_server(CrmSettings(**crm.settings))) as client:
            contact = await new_contact(client, "ada@example.com")
            await asyncio.sleep(crm.portal.settles_in())
            crm.portal.index_delay = SLOW_INDEX  # the index keeps the contact as it was before the archive
            await call(client, "archive_record", object_type="contact", id=contact)
            found = await call(client, "search_records", object_type="contact", query="ada@example.com")
            assert found["items"] == [] and found["total"] == 0


async def test_a_timeline_of_more_than_a_batch_of_activities(sqlite_url: str) -> None:
    # HubSpot reads at most 100 records per batch request; a busy contact has more activities than that.
    async with hubspot_portal(sqlite_url) as crm:
        assert crm.portal is not None
        async with Client(build_server(CrmSettings(**crm.settings))) as client:
            contact = await new_contact(client)
            for n in range(130):  # logged over the years, outside Salient
                when = datetime(2020, 1, 1, tzinfo=UTC).replace(day=1 + n % 28, month=1 + n // 28)
                note = Obj(crm.portal.new_id(), {"hs_note_body": f"note {n}"}, when, when)
                note.properties |= {"hs_timestamp": when.isoformat().replace("+00:00", "Z"), "hs_object_id": note.id}
                crm.portal.objects["notes"][note.id] = note
                crm.portal.link(("notes", note.id), ("contacts", contact))
            page = await call(client, "list_activities", object_type="contact", id=contact, limit=5)
            assert page["total"] == 130
            assert [a["properties"]["body"] for a in page["items"]] == [f"note {n}" for n in range(129, 124, -1)]


async def test_a_currency_the_portal_does_not_have_is_a_clear_error_and_changes_nothing(sqlite_url: str) -> None:
    # A portal's deal currencies are the ones its owner turned on; the local backend takes any ISO 4217 code.
    async with hubspot_portal(sqlite_url) as crm:
        assert crm.portal is not None
        async with Client(build_server(CrmSettings(**crm.settings))) as client:
            args = {
                "properties": {"name": "Yen deal", "amount": "100", "currency": "JPY"},
                "idempotency_key": "deal-jpy-0001",
            }
            with pytest.raises(ToolError, match=r"deal_currency_code: JPY was not one of the allowed options") as exc:
                await client.call_tool("create_record", {"object_type": "deal", **args})
            assert "Nothing was changed" in str(exc.value)
            assert crm.portal.objects["deals"] == {}


async def test_an_unset_up_portal_names_the_setup_command_and_changes_nothing(sqlite_url: str) -> None:
    async with hubspot_portal(sqlite_url, set_up=False) as crm:
        assert crm.portal is not None
        async with Client(build_server(CrmSettings(**crm.settings))) as client:
            contact = await new_contact(client)  # HubSpot's own properties only: works before set-up
            company = {"properties": {"name": "Elm House", "industry": "care-home"}, "idempotency_key": "company-elm-1"}
            with pytest.raises(ToolError, match="no property 'salient_industry'") as caught:
                await client.call_tool("create_record", {"object_type": "company", **company})
            assert "salient-crm hubspot setup" in str(caught.value) and "Nothing was changed" in str(caught.value)
            with pytest.raises(ToolError, match="salient-crm hubspot setup"):
                await client.call_tool("create_lead", {"contact_id": contact, "idempotency_key": "lead-ada-0001"})
            consent = {"given": True, "source": "chat", "text": "Yes, email me"}
            with pytest.raises(ToolError, match="salient-crm hubspot setup"):
                await client.call_tool(
                    "capture_profile", {"contact_id": contact, "interests": ["beds"], "consent": consent}
                )
            assert crm.portal.objects["companies"] == {} and crm.portal.objects["leads"] == {}
            # Refused keys were released: the same call succeeds once the portal is set up.
            assert await _setup_command(crm) == (0, "HubSpot portal: 19 created, 0 already existed")
            made = await call(client, "create_record", object_type="company", **company)
            assert made["record"]["properties"]["industry"] == "care-home" and made["replayed"] is False


async def test_setup_creates_the_properties_once(sqlite_url: str) -> None:
    async with hubspot_portal(sqlite_url, set_up=False) as crm:
        assert crm.portal is not None
        code, summary = await _setup_command(crm)
        assert (code, summary) == (0, "HubSpot portal: 19 created, 0 already existed")
        lead = crm.portal.properties["leads"]
        assert lead["salient_status"]["type"] == "enumeration"
        assert [o["value"] for o in lead["salient_status"]["options"]][:2] == ["new", "attempting"]
        assert lead["salient_score"]["type"] == "number" and lead["salient_need"]["fieldType"] == "textarea"
        assert crm.portal.properties["notes"]["salient_subject"]["groupName"] == "salient"
        assert "salient" in crm.portal.groups["contacts"]
        assert await _setup_command(crm) == (0, "HubSpot portal: 0 created, 19 already existed")


async def test_setup_needs_a_token() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SALIENT_CRM_")}
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "salient_crm", "hubspot", "setup", env=env, stderr=asyncio.subprocess.PIPE
    )
    _, err = await proc.communicate()
    assert proc.returncode == 2 and "SALIENT_CRM_HUBSPOT_TOKEN" in err.decode()


async def _setup_command(crm: Crm) -> tuple[int, str]:
    """Run `salient-crm hubspot setup` against the fake portal; its exit code and last line."""
    env = os.environ | {
        "SALIENT_CRM_DB": crm.settings["db"],
        "SALIENT_CRM_HUBSPOT_TOKEN": crm.settings["hubspot_token"],
        "SALIENT_CRM_HUBSPOT_BASE_URL": crm.settings["hubspot_base_url"],
        "COLUMNS": "200",
    }
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "salient_crm", "hubspot", "setup", env=env, stderr=asyncio.subprocess.PIPE
    )
    _, err = await proc.communicate()
    lines = err.decode().strip().splitlines()
    assert proc.returncode is not None
    return proc.returncode, lines[-1] if lines else ""
