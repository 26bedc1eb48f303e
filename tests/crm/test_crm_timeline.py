"""Activities on a timeline, and visitor profiles with consent."""

from __future__ import annotations

import pytest
from crm_support import call, new_contact, new_deal
from fastmcp import Client
from fastmcp.exceptions import ToolError


async def test_log_activity_is_idempotent_and_builds_a_timeline(client: Client) -> None:
    contact = await new_contact(client)
    deal = await new_deal(client)
    links = [{"object_type": "contact", "id": contact}, {"object_type": "deal", "id": deal}]
    times = ["2026-03-01T09:00:00+01:00", "2026-03-02T09:00:00Z", "2026-03-03T09:00:00-05:00"]
    for n, (kind, when) in enumerate(zip(["note", "call", "meeting"], times, strict=True)):
        args = {"type": kind, "body": f"{kind} {n}", "associations": links, "occurred_at": when}
        first = await call(client, "log_activity", idempotency_key=f"act-{n}-abcdef", **args)
        again = await call(client, "log_activity", idempotency_key=f"act-{n}-abcdef", **args)
        assert again == {**first, "replayed": True}
    page = await call(client, "list_activities", object_type="contact", id=contact, limit=2)
    assert page["total"] == 3
    assert [a["properties"]["type"] for a in page["items"]] == ["meeting", "call"]
    assert page["items"][0]["properties"]["occurred_at"] == "2026-03-03T14:00:00+00:00"
    rest = await call(client, "list_activities", object_type="contact", id=contact, limit=2, cursor=page["next_cursor"])
    assert [a["properties"]["type"] for a in rest["items"]] == ["note"] and rest["next_cursor"] is None
    calls = await call(client, "list_activities", object_type="deal", id=deal, types=["call"])
    assert [a["properties"]["body"] for a in calls["items"]] == ["call 1"]
    recent = await call(client, "list_activities", object_type="deal", id=deal, since="2026-03-02T00:00:00Z")
    assert recent["total"] == 2


async def test_reusing_an_activity_key_for_another_call_is_refused(client: Client) -> None:
    contact = await new_contact(client)
    links = [{"object_type": "contact", "id": contact}]
    await call(client, "log_activity", type="note", body="first", associations=links, idempotency_key="same-key-123")
    with pytest.raises(ToolError, match="already used for a different log_activity call"):
        await client.call_tool(
            "log_activity", {"type": "note", "body": "second", "associations": links, "idempotency_key": "same-key-123"}
        )
    assert (await call(client, "list_activities", object_type="contact", id=contact))["total"] == 1


async def test_capture_profile_records_consent_with_time_and_source(client: Client) -> None:
    contact = await new_contact(client)
    profile = await call(
        client,
        "capture_profile",
        contact_id=contact,
        interests=["hospital beds", "rollators"],
        consent={"given": True, "source": "web chat on /pricing", "text": "Send me offers by email"},
        preferences={"channel": "email", "frequency": "monthly"},
    )
    assert profile["interests"] == ["hospital beds", "rollators"]
    assert profile["preferences"] == {"channel": "email", "frequency": "monthly"}
    assert profile["consent"]["marketing"] is True and profile["consent"]["source"] == "web chat on /pricing"
    assert profile["consent"]["recorded_at"].endswith("Z")
    more = await call(client, "capture_profile", contact_id=contact, interests=["rollators", "patient lifts"])
    assert more["interests"] == ["hospital beds", "rollators", "patient lifts"]
    assert more["preferences"] == {"channel": "email", "frequency": "monthly"}
    # Withdrawal is recorded too, and the marketing preferences go with it.
    withdrawn = await call(
        client, "capture_profile", contact_id=contact, consent={"given": False, "source": "email reply"}
    )
    assert withdrawn["preferences"] == {}
    assert [c["marketing"] for c in withdrawn["consent_history"]] == [True, False]
    stored = (await call(client, "get_records", object_type="contact", ids=[contact]))["records"][0]["profile"]
    assert stored["consent"]["marketing"] is False and stored["interests"] == more["interests"]


async def test_interests_need_no_consent(client: Client) -> None:
    contact = await new_contact(client)
    profile = await call(client, "capture_profile", contact_id=contact, interests=["oximeters"])
    assert profile["interests"] == ["oximeters"] and profile["consent"] is None
