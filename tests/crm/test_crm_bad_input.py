"""Every bad input gets a clear error and changes nothing; accounts never see each other."""

from __future__ import annotations

from typing import Any

import pytest
from crm_support import Crm, call, indexed, new_contact, new_deal, snapshot
from fastmcp import Client
from fastmcp.exceptions import ToolError
from salient_crm.server import build_server
from salient_crm.settings import CrmSettings
from support import forged_cursor

# Placeholders filled in by the fixture: {contact}, {deal}, {archived}.
BAD_INPUTS: list[tuple[str, dict[str, Any], str]] = [
    ("upsert_contact", {"email": "not-an-email"}, "'not-an-email' is not a valid email address"),
    ("upsert_contact", {"email": "ada@@example.com"}, "is not a valid email address"),
    ("upsert_contact", {"email": "x@example.com", "lifecycle_stage": "vip"}, "'lifecycle_stage' expects one of"),
    (
        "upsert_contact",
        {"email": "x@example.com", "owner_id": "nobody"},
        "No owner 'nobody' in this CRM. Call find_owner",
    ),
    ("search_records", {"object_type": "ticket"}, "object_type: Input should be 'contact', 'company'"),
    ("get_records", {"object_type": "widget", "ids": ["1"]}, "object_type: Input should be"),
    ("search_records", {"object_type": "contact", "filters": {"shoe_size": 9}}, "A contact has no field 'shoe_size'"),
    ("search_records", {"object_type": "contact", "sort": "-shoe_size"}, "A contact has no field 'shoe_size'"),
    ("search_records", {"object_type": "deal", "filters": {"amount": {"about": 5}}}, "Unknown operator 'about'"),
    ("search_records", {"object_type": "contact", "cursor": "garbage"}, "Malformed cursor"),
    (
        "update_record",
        {"object_type": "contact", "id": "{contact}", "properties": {"shoe_size": 9}},
        "no field 'shoe_size'",
    ),
    (
        "update_record",
        {"object_type": "contact", "id": "{contact}", "properties": {"email": "b@example.com"}},
        "Call upsert_contact",
    ),
    (
        "update_record",
        {"object_type": "deal", "id": "{deal}", "properties": {"stage": "proposal"}},
        "Call move_deal_stage",
    ),
    (
        "update_record",
        {"object_type": "deal", "id": "{deal}", "properties": {"amount": "lots"}},
        "'amount' expects a non-negative decimal",
    ),
    (
        "update_record",
        {"object_type": "contact", "id": "424242", "properties": {"city": "Oslo"}},
        "No contact '424242'",
    ),
    ("archive_record", {"object_type": "deal", "id": "424242"}, "No deal '424242' in this CRM"),
    ("archive_record", {"object_type": "contact", "id": "{archived}"}, "is already archived"),
    ("get_records", {"object_type": "contact", "ids": []}, "ids: List should have at least 1 item"),
    ("move_deal_stage", {"deal_id": "{deal}", "stage": "won-ish"}, "No stage 'won-ish' in pipeline 'sales'"),
    ("move_deal_stage", {"deal_id": "{deal}", "stage": "renewed"}, "Stage 'renewed' belongs to pipeline 'renewals'"),
    ("move_deal_stage", {"deal_id": "424242", "stage": "proposal"}, "No deal '424242'"),
    (
        "create_record",
        {"object_type": "deal", "properties": {"name": "x"}, "stage": "renewed", "idempotency_key": "bad-deal-1"},
        "Stage 'renewed' belongs to pipeline 'renewals'",
    ),
    (
        "create_record",
        {"object_type": "deal", "properties": {"name": "x"}, "pipeline": "nope", "idempotency_key": "bad-deal-2"},
        "No pipeline 'nope'",
    ),
    (
        "capture_profile",
        {"contact_id": "{contact}", "preferences": {"channel": "sms"}},
        "Marketing preferences need the contact's consent",
    ),
    (
        "capture_profile",
        {"contact_id": "{contact}", "preferences": {"channel": "sms"}, "consent": {"given": False, "source": "chat"}},
        "Marketing preferences need the contact's consent",
    ),
    ("capture_profile", {"contact_id": "424242", "interests": ["beds"]}, "No contact '424242'"),
    (
        "associate",
        {"left": {"object_type": "deal", "id": "{deal}"}, "right": {"object_type": "lead", "id": "1"}},
        "A deal cannot be associated with a lead",
    ),
    (
        "associate",
        {"left": {"object_type": "contact", "id": "{contact}"}, "right": {"object_type": "company", "id": "424242"}},
        "No company '424242'",
    ),
    ("create_lead", {"contact_id": "424242", "idempotency_key": "lead-missing-1"}, "No contact '424242'"),
    (
        "create_lead",
        {"contact_id": "{contact}", "idempotency_key": "lead-score-1", "qualification": {"score": 140}},
        "'score' expects a whole number from 0 to 100",
    ),
    (
        "create_lead",
        {"contact_id": "{contact}", "idempotency_key": "lead-when-1", "qualification": {"timeline": "someday"}},
        "'timeline' expects one of now, this_month",
    ),
    ("create_lead", {"contact_id": "{contact}", "idempotency_key": "short"}, "idempotency_key: String should have"),
    (
        "log_activity",
        {"type": "note", "body": "x", "associations": [], "idempotency_key": "act-none-1"},
        "associations: List should have at least 1 item",
    ),
    (
        "log_activity",
        {
            "type": "fax",
            "body": "x",
            "associations": [{"object_type": "contact", "id": "{contact}"}],
            "idempotency_key": "act-fax-1",
        },
        "type: Input should be 'note', 'call', 'email', 'meeting' or 'task'",
    ),
    (
        "log_activity",
        {
            "type": "call",
            "body": "x",
            "associations": [{"object_type": "contact", "id": "{contact}"}],
            "occurred_at": "2026-03-01T09:00:00",
            "idempotency_key": "act-naive-1",
        },
        "has no time zone",
    ),
    (
        "create_record",
        {
            "object_type": "company",
            "properties": {"name": "x"},
            "associations": [{"object_type": "lead", "id": "1"}],
            "idempotency_key": "co-lead-1",
        },
        "A company cannot be associated with a lead",
    ),
    ("list_activities", {"object_type": "contact", "id": "424242"}, "No contact '424242'"),
    # Years 1 and 9999 in local time, outside Python's range once in UTC.
    (
        "log_activity",
        {
            "type": "call",
            "body": "x",
            "associations": [{"object_type": "contact", "id": "{contact}"}],
            "occurred_at": "0001-01-01T00:00:00+14:00",
            "idempotency_key": "act-early-1",
        },
        "occurred_at: The date-time is outside the supported range 1900-01-01 to 2999-12-31 (UTC)",
    ),
    (
        "list_activities",
        {"object_type": "contact", "id": "{contact}", "since": "9999-12-31T23:59:59-14:00"},
        "since: The date-time is outside the supported range",
    ),
    (
        "search_records",
        {"object_type": "activity", "filters": {"occurred_at": {"gte": "0001-01-01T00:00:00+14:00"}}},
        "'occurred_at' '0001-01-01T00:00:00+14:00' is outside the supported range",
    ),
    # Arguments are checked strictly against the input schema: nothing is coerced into the type it should have been.
    ("archive_record", {"object_type": "contact", "id": "{contact}", "dry_run": 0}, "dry_run: Input should be a valid"),
    ("move_deal_stage", {"deal_id": "{deal}", "stage": "proposal", "dry_run": 0}, "dry_run: Input should be a valid"),
    (
        "update_record",
        {"object_type": "contact", "id": "{contact}", "properties": {"city": "Oslo"}, "dry_run": "no"},
        "dry_run: Input should be a valid boolean (got 'no')",
    ),
    (
        "log_activity",
        {
            "type": "call",
            "body": "x",
            "associations": [{"object_type": "contact", "id": "{contact}"}],
            "occurred_at": 123,
            "idempotency_key": "act-epoch-1",
        },
        "occurred_at: Input should be a valid datetime (got 123)",
    ),
    (
        "log_activity",
        {
            "type": "call",
            "body": "x",
            "associations": [{"object_type": "contact", "id": "{contact}"}],
            "occurred_at": "123",
            "idempotency_key": "act-epoch-2",
        },
        "occurred_at: expected an ISO 8601 date and time such as '2026-03-01T15:00:00+01:00' (got '123')",
    ),
    ("list_activities", {"object_type": "contact", "id": "{contact}", "since": "1700000000"}, "since: expected an ISO"),
    (
        "create_lead",
        {"contact_id": "{contact}", "idempotency_key": "lead-bool-1", "qualification": {"score": True}},
        "qualification.score: Input should be a valid integer (got True)",
    ),
    (
        "capture_profile",
        {"contact_id": "{contact}", "interests": ["beds"], "consent": {"given": "yes", "source": "chat"}},
        "consent.given: Input should be a valid boolean (got 'yes')",
    ),
    ("get_records", {"object_type": "contact", "ids": [42]}, "ids.0: Input should be a valid string (got 42)"),
    # Free-form property values are checked as strictly against the field types describe_schema lists.
    (
        "update_record",
        {"object_type": "deal", "id": "{deal}", "properties": {"close_date": 20260101}},
        "Field 'close_date' expects a date YYYY-MM-DD, got 20260101",
    ),
    (
        "update_record",
        {"object_type": "contact", "id": "{contact}", "properties": {"phone": 5551234}},
        "Field 'phone' expects a string, got 5551234",
    ),
    (
        "update_record",
        {"object_type": "deal", "id": "{deal}", "properties": {"name": True}},
        "Field 'name' expects a string, got True",
    ),
    (
        "search_records",
        {"object_type": "contact", "filters": {"phone": {"has_value": "no"}}},
        "Operator 'has_value' of filter 'phone' expects true or false, got 'no'",
    ),
    (
        "search_records",
        {"object_type": "company", "filters": {"employees": {"gte": "50"}}},
        "Field 'employees' expects a whole number from 0 to 10000000, got '50'",
    ),
]


def _fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        return value.format(**ids) if value.startswith("{") else value
    if isinstance(value, list):
        return [_fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


@pytest.mark.parametrize(("tool", "args", "message"), BAD_INPUTS, ids=[f"{t}-{m[:32]}" for t, _, m in BAD_INPUTS])
async def test_bad_input_gets_a_clear_error_and_changes_nothing(
    client: Client, crm: Crm, tool: str, args: dict[str, Any], message: str
) -> None:
    contact = await new_contact(client)
    archived = await new_contact(client, "gone@example.com")
    await call(client, "archive_record", object_type="contact", id=archived)
    ids = {"contact": contact, "deal": await new_deal(client), "archived": archived}
    before = await snapshot(client, crm)
    with pytest.raises(ToolError) as caught:
        await client.call_tool(tool, _fill(args, ids))
    assert message in str(caught.value)
    assert await snapshot(client, crm) == before


async def test_accounts_never_see_each_other(crm_url: str) -> None:
    async with Client(build_server(CrmSettings(db=crm_url, account="demo"))) as demo:
        contact = await new_contact(demo, first_name="Ada")
        deal = await new_deal(demo)
        await new_contact(demo, "grace@example.com")
        page = await call(demo, "search_records", object_type="contact", limit=1)
        assert page["next_cursor"] is not None
    async with Client(build_server(CrmSettings(db=crm_url, account="other"))) as other:
        assert (await call(other, "search_records", object_type="contact"))["total"] == 0
        assert (await call(other, "get_records", object_type="contact", ids=[contact]))["missing"] == [contact]
        assert (await call(other, "find_owner"))["owners"] == []
        with pytest.raises(ToolError, match=f"No deal '{deal}'"):
            await other.call_tool("move_deal_stage", {"deal_id": deal, "stage": "proposal"})
        with pytest.raises(ToolError, match=f"No contact '{contact}'"):
            await other.call_tool(
                "update_record", {"object_type": "contact", "id": contact, "properties": {"city": "X"}}
            )
        # Linking another account's records is refused as if they did not exist.
        mine = await new_contact(other, "mine@example.com")
        with pytest.raises(ToolError, match=f"No deal '{deal}'"):
            await other.call_tool(
                "associate",
                {"left": {"object_type": "contact", "id": mine}, "right": {"object_type": "deal", "id": deal}},
            )
        with pytest.raises(ToolError, match="belongs to a different query or account"):
            await other.call_tool(
                "search_records", {"object_type": "contact", "limit": 1, "cursor": page["next_cursor"]}
            )
        # The same email in another account is another contact.
        twin = await call(other, "upsert_contact", email="ada@example.com")
        assert twin["created"] is True
    async with Client(build_server(CrmSettings(db=crm_url, account="demo"))) as demo:
        assert (await call(demo, "get_records", object_type="deal", ids=[deal]))["records"][0]["associations"] == {}


@pytest.mark.parametrize("offset", [str(2**63), "1e999", "-1", '"1"'])
async def test_forged_cursor_is_refused_and_changes_nothing(client: Client, crm: Crm, offset: str) -> None:
    await new_contact(client)
    await new_contact(client, "grace@example.com")
    await indexed(crm)
    page = await call(client, "search_records", object_type="contact", limit=1)
    before = await snapshot(client, crm)
    forged = forged_cursor(page["next_cursor"], offset)  # the right fingerprint, an offset we never issue
    with pytest.raises(ToolError, match="Malformed cursor") as caught:
        await client.call_tool("search_records", {"object_type": "contact", "limit": 1, "cursor": forged})
    assert "Internal error" not in str(caught.value)
    assert await snapshot(client, crm) == before


def nested(levels: int) -> dict[str, Any]:
    """`{"k": {"k": ... "deep"}}`, `levels` objects deep."""
    value: Any = "deep"
    for _ in range(levels):
        value = {"k": value}
    return value


CONSENT = {"given": True, "source": "web chat"}
FREE_FORM_JSON: list[tuple[str, dict[str, Any], str]] = [
    (
        "capture_profile",
        {"contact_id": "{contact}", "preferences": nested(4), "consent": CONSENT},
        "preferences: nested more than 3 levels",
    ),
    (
        "capture_profile",
        {"contact_id": "{contact}", "preferences": nested(20), "consent": CONSENT},
        "preferences: nested more than 3 levels",
    ),
    (
        "capture_profile",
        {"contact_id": "{contact}", "preferences": nested(195), "consent": CONSENT},
        "preferences: nested more than 32 levels",
    ),
    (
        "capture_profile",
        {"contact_id": "{contact}", "preferences": nested(240), "consent": CONSENT},
        "preferences: nested more than 32 levels",
    ),
    (
        "capture_profile",
        {"contact_id": "{contact}", "preferences": {f"topic{n}": True for n in range(51)}, "consent": CONSENT},
        "preferences: holds more than 50 keys and list items; the limit is 50",
    ),
    (
        "capture_profile",
        {"contact_id": "{contact}", "preferences": {"channel": ["email"] * 60}, "consent": CONSENT},
        "preferences: holds more than 50 keys and list items",
    ),
    (
        "capture_profile",
        {"contact_id": "{contact}", "preferences": {"note": "x" * 5000}, "consent": CONSENT},
        "preferences: is 5,011 bytes as JSON; the limit is 4,000 bytes",
    ),
    (
        "update_record",
        {"object_type": "contact", "id": "{contact}", "properties": {"city": nested(2)}},
        "properties: nested more than 1",
    ),
    (
        "update_record",
        {"object_type": "contact", "id": "{contact}", "properties": nested(240)},
        "properties: nested more than 32 levels",
    ),
    ("search_records", {"object_type": "contact", "filters": nested(4)}, "filters: nested more than 3 levels"),
]


@pytest.mark.parametrize(("tool", "args", "message"), FREE_FORM_JSON, ids=[m[:40] for _, _, m in FREE_FORM_JSON])
async def test_free_form_json_beyond_its_limits_is_refused_and_changes_nothing(
    client: Client, crm: Crm, tool: str, args: dict[str, Any], message: str
) -> None:
    contact = await new_contact(client)
    before = await snapshot(client, crm)
    with pytest.raises(ToolError) as caught:
        # Only top-level placeholders: the values nested thousands of levels deep are not walked here.
        await client.call_tool(tool, {k: contact if v == "{contact}" else v for k, v in args.items()})
    assert message in str(caught.value)
    assert await snapshot(client, crm) == before  # and the contact can still be read


async def test_free_form_json_within_its_limits_is_stored_and_read_back(client: Client) -> None:
    contact = await new_contact(client)
    preferences = {"channel": "email", "topics": ["beds", "hoists"], "quiet_hours": {"from": "20:00", "to": "08:00"}}
    await call(client, "capture_profile", contact_id=contact, preferences=preferences, consent=CONSENT)
    (record,) = (await call(client, "get_records", object_type="contact", ids=[contact]))["records"]
    assert record["profile"]["preferences"] == preferences


async def test_a_misspelt_dry_run_is_refused_and_archives_nothing(client: Client, crm: Crm) -> None:
    contact = await new_contact(client)
    before = await snapshot(client, crm)
    with pytest.raises(ToolError, match="dryrun: Unexpected keyword argument"):
        await client.call_tool("archive_record", {"object_type": "contact", "id": contact, "dryrun": True})
    assert await snapshot(client, crm) == before
