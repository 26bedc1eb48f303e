"""The founding scenario end to end: the shipped sales agent over the five real servers, e-mail to a real SMTP server.

A visitor asks about a product, gets an answer with a citation and an add-on with its reason, leaves contact
details with consent, books a demo with the rep of their territory and gets an e-mail summary with the invite;
the CRM holds the contact, the lead (with the page and UTM the chat started from), the meeting and the summary.
Also: a visitor who declines, a slot taken between proposal and booking, and the library going down mid-chat.
The servers start once for the module; each test has its own engine and memory and its own visitor.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from engine_support import of_type
from mail_support import SmtpSink, parts
from salient_core.db import utcnow
from salient_host.config import Config
from salient_host.events import ApprovalRequested
from salient_host.mail import unsubscribe_routes
from salient_host.summary import SUMMARY_ROLE
from scenario_support import (
    ORIGIN,
    UNSUBSCRIBE_BASE,
    SalesScript,
    Visitor,
    call,
    scenario_config,
    scenario_engine,
    scripted_model,
    turn,
)
from starlette.applications import Starlette
from suite_servers import RunningServer, running_suite

pytestmark = pytest.mark.timeout(300)
REP_EMAIL = "maya.chen@brightwell.example"  # the AE of territory us-west (config/demo/README.md)


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RunningServer]]:
    with running_suite(tmp_path_factory.mktemp("suite")) as servers:
        yield servers


@pytest.fixture(scope="module")
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        yield server


@pytest.fixture
def config(suite: dict[str, RunningServer], sink: SmtpSink, tmp_path: Path) -> Config:
    return scenario_config(tmp_path / "config", suite, sink.port)


async def contact_of(suite: dict[str, RunningServer], email: str) -> list[dict[str, Any]]:
    page = await call(suite["crm"], "search_records", {"object_type": "contact", "query": email, "limit": 10})
    return [r for r in page["items"] if r["properties"].get("email") == email]


async def all_bookings(suite: dict[str, RunningServer], rep: str | None = None) -> list[dict[str, Any]]:
    """Every booking on the scheduling server (of one rep), page by page: tests share the server."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        args: dict[str, Any] = {"limit": 100}
        if rep is not None:
            args["rep"] = rep
        if cursor is not None:
            args["cursor"] = cursor
        page = await call(suite["scheduling"], "list_bookings", args)
        found += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return found


async def bookings_of(suite: dict[str, RunningServer], rep: str | None, email: str) -> list[dict[str, Any]]:
    return [b for b in await all_bookings(suite, rep) if b["attendee"]["email"] == email and b["status"] == "confirmed"]


async def total(suite: dict[str, RunningServer], object_type: str, query: str = "") -> int:
    page = await call(suite["crm"], "search_records", {"object_type": object_type, "query": query, "limit": 1})
    return page["total"]


async def leads_of(suite: dict[str, RunningServer], contact_id: str) -> list[str]:
    records = await call(suite["crm"], "get_records", {"object_type": "contact", "ids": [contact_id]})
    return records["records"][0]["associations"].get("lead", [])


async def timeline_of(suite: dict[str, RunningServer], contact_id: str) -> list[dict[str, Any]]:
    page = await call(suite["crm"], "list_activities", {"object_type": "contact", "id": contact_id})
    return page["items"]


def tool_outcomes(calls: list[Any]) -> list[tuple[str, str, str]]:
    return [(c.server, c.tool, c.outcome) for c in calls]


async def test_happy_path_from_question_to_booked_demo_and_summary(
    suite: dict[str, RunningServer], sink: SmtpSink, config: Config, tmp_path: Path
) -> None:
    visitor = Visitor("Dana Reyes", "dana.reyes@example.com")
    script = SalesScript(visitor)
    async with scenario_engine(config, tmp_path, scripted_model(script)) as engine:
        session = await engine.start(account="demo", agent="sales", origin=ORIGIN)
        sid = session.id

        # 1. A product question: catalog and library, an answer with a citation, an add-on with its reason.
        events = await turn(engine, sid, "Is the Pulsetrue Series 5 any good, and what warranty does it have?", "m1")
        answer = events[-1].output
        assert "Pulsetrue Series 5" in answer and "USD" in answer
        assert re.search(r"\(\[[^\]]+\]\(https://brightwell\.example/help/[^)]+\)\)", answer), answer
        assert "Many people add" in answer and "email you a summary" in answer

        # 2. Consent and details: contact, lead (source from the session's origin), profile, territory, rep, slots.
        script.phase = "details"
        text = f"Yes please. I'm {visitor.name}, {visitor.email}, in San Diego, California. I'd like a demo."
        events = await turn(engine, sid, text, "m2")
        assert "Maya Chen" in events[-1].output

        # 3. The visitor picks the first slot: booked straight away (no approval needed), meeting logged in the CRM.
        script.phase = "book"
        events = await turn(engine, sid, "The first one works for me.", "m3")
        assert not of_type(events, ApprovalRequested)
        assert events[-1].output.startswith(f"Booked: Product demo: {visitor.name} with Maya Chen at ")

        # 4. The summary, on request.
        script.phase = "summarise"
        before = len(sink.received)
        events = await turn(engine, sid, f"Please email me a summary at {visitor.email}.", "m4")
        assert '"status": "queued"' in events[-1].output, events[-1].output
        assert engine.summarizer is not None
        run = await engine.summarizer.mailer.deliver_due()
        assert len(run.sent) == 2 and not run.failed

        # The e-mails: visitor and rep, text and HTML, the booking's invite, a working unsubscribe link.
        mails = sink.received[before:]
        assert sorted(r for m in mails for r in m.recipients) == sorted([visitor.email, REP_EMAIL])
        booking = (await bookings_of(suite, "maya-chen", visitor.email))[0]
        ics = await _read_ics(suite["scheduling"], booking["id"])
        uid = re.search(r"^UID:(.+)$", ics, re.M)
        assert uid is not None
        for mail in mails:
            body = parts(mail.message)
            assert "Pulsetrue Series 5" in body["text"] and "<strong>Pulsetrue Series 5</strong>" in body["html"]
            [invite] = body["attachments"]
            assert invite.get_content_type() == "text/calendar"
            assert f"UID:{uid.group(1).strip()}" in invite.get_content()
            assert mail.message["Subject"].startswith("Your conversation with Brightwell Home Health: Product demo")
        to_visitor = next(m for m in mails if visitor.email in m.recipients)
        link = re.search(r"<(https://[^>]+)>", str(to_visitor.message["List-Unsubscribe"]))
        assert link is not None and link.group(1).startswith(UNSUBSCRIBE_BASE)
        assert link.group(1) in parts(to_visitor.message)["text"]
        app = Starlette(routes=unsubscribe_routes(engine.summarizer.mailer, path="/mail/unsubscribe"))
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app)) as web:
            response = await web.post(link.group(1), data={"List-Unsubscribe": "One-Click"})
        assert response.status_code == 200 and "unsubscribed" in response.text

        # The CRM: one contact, one lead with the page and UTM, the profile with consent, the meeting and the summary.
        [contact] = await contact_of(suite, visitor.email)
        records = await call(suite["crm"], "get_records", {"object_type": "contact", "ids": [contact["id"]]})
        [full] = records["records"]
        assert len(full["associations"]["lead"]) == 1
        leads = await call(suite["crm"], "get_records", {"object_type": "lead", "ids": full["associations"]["lead"]})
        lead = leads["records"][0]["properties"]
        assert lead["source_page"] == ORIGIN["page"] and lead["referrer"] == ORIGIN["referrer"]
        assert (lead["utm_source"], lead["utm_medium"], lead["utm_campaign"]) == ("newsletter", "email", "heart-month")
        assert full["profile"]["consent"]["marketing"] is True
        assert full["profile"]["interests"] == ["Pulsetrue Series 5 Upper Arm Blood Pressure Monitor"]
        timeline = await call(suite["crm"], "list_activities", {"object_type": "contact", "id": contact["id"]})
        kinds = sorted(a["properties"]["type"] for a in timeline["items"])
        assert kinds == ["email", "meeting"], timeline
        meeting = next(a for a in timeline["items"] if a["properties"]["type"] == "meeting")
        summary = next(a for a in timeline["items"] if a["properties"]["type"] == "email")
        assert booking["id"] in meeting["properties"]["body"] and booking["id"] in summary["properties"]["body"]
        assert "Pulsetrue Series 5" in summary["properties"]["body"]

        # Scheduling: exactly one booking for this visitor, with the territory's rep.
        assert len(await bookings_of(suite, "maya-chen", visitor.email)) == 1
        assert booking["rep"]["email"] == REP_EMAIL

        # The host's memory: messages, tool calls with outcomes, every request priced (the summary's included).
        store = engine.store
        roles = [m.role for m in await store.messages(sid)]
        assert roles == ["user", "assistant"] * 3 + ["user", SUMMARY_ROLE, "assistant"]
        calls = tool_outcomes(await store.tool_calls(sid))
        # The first two ran side by side, so either may have finished first.
        assert sorted(c[:2] for c in calls[:2]) == [("catalog", "search_products"), ("library", "search")]
        assert [c[:2] for c in calls[2:]] == [
            ("crossfeed", "recommend_cross_sell"),
            ("crm", "upsert_contact"),
            ("crm", "create_lead"),
            ("crm", "capture_profile"),
            ("crossfeed", "find_territory"),
            ("crossfeed", "find_rep"),
            ("scheduling", "get_current_time"),
            ("scheduling", "find_availability"),
            ("scheduling", "book_meeting"),
            ("crm", "log_activity"),
            ("", "email_summary"),
        ], calls
        assert {c[2] for c in calls} == {"ok"}
        requests = await store.requests(sid)
        assert len(requests) == script.requests and script.summaries == 1
        assert all(r.status == "ok" and r.cost_usd is not None and r.cost_usd > 0 for r in requests)

        # Idempotent: the sweep finds this conversation summarised already, even long after.
        later = utcnow() + timedelta(hours=2)
        assert await engine.summarizer.sweep(later) == []

        # Opt-out respected: a new message and a second summary reach the rep only.
        events = await turn(engine, sid, f"Could you send that summary to {visitor.email} again?", "m5")
        assert "they unsubscribed" in events[-1].output
        before = len(sink.received)
        run = await engine.summarizer.mailer.deliver_due()
        assert len(run.sent) == 1
        deliveries = await engine.summarizer.mailer.deliveries("demo", session_id=sid)
        assert sorted((d.recipient, d.status) for d in deliveries) == [
            (visitor.email, "sent"),
            (visitor.email, "suppressed"),
            (REP_EMAIL, "sent"),
            (REP_EMAIL, "sent"),
        ]
        assert [m.recipients for m in sink.received[before:]] == [[REP_EMAIL]]
    # One contact, one lead, one booking still: nothing was duplicated along the way.
    assert len(await contact_of(suite, visitor.email)) == 1
    assert len(await bookings_of(suite, "maya-chen", visitor.email)) == 1


async def _read_ics(server: RunningServer, booking_id: str) -> str:
    from fastmcp import Client

    async with Client(server.url) as client:
        contents = await client.read_resource(f"scheduling://bookings/{booking_id}.ics")
    return contents[0].text  # type: ignore[union-attr]
