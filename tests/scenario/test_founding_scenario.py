"""The founding scenario end to end: the shipped sales agent over the five real servers, e-mail to a real SMTP server.

A visitor asks about a product, gets an answer with a citation and an add-on with its reason, leaves contact
details with consent, books a demo with the rep of their territory and gets an e-mail summary with the invite;
the CRM holds the contact, the lead (with the page and UTM the chat started from), the meeting and the summary.
Also: a visitor who declines, a slot taken between proposal and booking, and the library going down mid-chat.
The servers start once for the module; each test has its own engine and memory and its own visitor.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from engine_support import of_type, scripted
from mail_support import SmtpSink, parts
from salient_core.db import utcnow
from salient_host.config.schema import Config
from salient_host.engine.events import ApprovalRequested, Notice, ToolFinished, ToolStarted
from salient_host.mail import unsubscribe_routes
from salient_host.summaries.summarizer import SUMMARY_ROLE
from scenario_support import (
    ORIGIN,
    UNSUBSCRIBE_BASE,
    SalesScript,
    Visitor,
    call,
    scenario_config,
    scenario_engine,
    turn,
)
from starlette.applications import Starlette
from suite_servers import RunningServer, require_library_model, running_suite, start_server, wait_ready
from suite_state import bookings_of, contact_of, leads_of, read_ics, timeline_of, tool_outcomes, total

pytestmark = pytest.mark.timeout(300)
REP_EMAIL = "maya.chen@brightwell.example"  # the AE of territory us-west (config/demo/README.md)


@pytest.fixture(scope="module")
def suite(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, RunningServer]]:
    require_library_model()
    with running_suite(tmp_path_factory.mktemp("suite")) as servers:
        yield servers


@pytest.fixture(scope="module")
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as server:
        yield server


@pytest.fixture
def config(suite: dict[str, RunningServer], sink: SmtpSink, tmp_path: Path) -> Config:
    return scenario_config(tmp_path / "config", suite, sink.port)


async def test_happy_path_from_question_to_booked_demo_and_summary(
    suite: dict[str, RunningServer], sink: SmtpSink, config: Config, tmp_path: Path
) -> None:
    visitor = Visitor("Dana Reyes", "dana.reyes@example.com")
    script = SalesScript(visitor)
    async with scenario_engine(config, tmp_path, scripted(script)) as engine:
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
        ics = await read_ics(suite["scheduling"], booking["id"])
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


CITATION = re.compile(r"\(\[[^\]]+\]\(https://brightwell\.example/help/[^)]+\)\)")
QUESTION = "Is the Pulsetrue Series 5 any good, and what warranty does it have?"
CRM_WRITES = {"upsert_contact", "create_lead", "capture_profile", "log_activity"}


async def test_visitor_who_declines_leaves_no_contact_no_booking_and_no_mail(
    suite: dict[str, RunningServer], sink: SmtpSink, config: Config, tmp_path: Path
) -> None:
    # What the visitor would have given, had they said yes: nothing in any server may carry it afterwards.
    visitor = Visitor("Ines Albescu", "ines.albescu@example.com")
    script = SalesScript(visitor)
    contacts, leads, mails = await total(suite, "contact"), await total(suite, "lead"), len(sink.received)
    async with scenario_engine(config, tmp_path, scripted(script)) as engine:
        assert engine.summarizer is not None
        sid = (await engine.start(account="demo", agent="sales", origin=ORIGIN)).id

        # 1. The product question, answered with a citation, and the offer of a summary and a follow-up.
        events = await turn(engine, sid, QUESTION, "m1")
        answer = events[-1].output
        assert "Pulsetrue Series 5" in answer and CITATION.search(answer), answer
        assert "email you a summary" in answer

        # 2. No thanks: the agent records nothing and calls no tool at all.
        script.phase = "decline"
        events = await turn(engine, sid, "No thanks, I don't want a summary or a call. Just browsing.", "m2")
        assert "won't record anything" in events[-1].output
        assert not of_type(events, ToolStarted) and not of_type(events, ApprovalRequested)

        # The inactivity sweep, long after: no address was given, so there is nothing to send and nothing queued.
        assert await engine.summarizer.sweep(utcnow() + timedelta(hours=2)) == []
        run = await engine.summarizer.mailer.deliver_due()
        assert not run.sent and not run.failed
        assert await engine.summarizer.mailer.deliveries("demo", session_id=sid) == []

        # The host's memory: both exchanges, only read tools called, every request priced, no summary written.
        store = engine.store
        assert [m.role for m in await store.messages(sid)] == ["user", "assistant"] * 2
        calls = tool_outcomes(await store.tool_calls(sid))
        assert sorted(c[:2] for c in calls[:2]) == [("catalog", "search_products"), ("library", "search")]
        assert [c[:2] for c in calls[2:]] == [("crossfeed", "recommend_cross_sell")], calls
        assert {c[2] for c in calls} == {"ok"}
        assert not [c for c in calls if c[1] == "email_summary" or (c[0] == "crm" and c[1] in CRM_WRITES)]
        requests = await store.requests(sid)
        assert len(requests) == script.requests and script.summaries == 0
        assert all(r.status == "ok" and r.cost_usd is not None and r.cost_usd > 0 for r in requests)

    # Every server: no contact, lead or profile for them (nor any new one at all), no booking, no mail.
    assert await contact_of(suite, visitor.email) == []
    assert await total(suite, "contact", visitor.last) == 0
    assert (await total(suite, "contact"), await total(suite, "lead")) == (contacts, leads)
    assert await bookings_of(suite, None, visitor.email) == []
    assert len(sink.received) == mails
    assert not [m for m in sink.received if visitor.email in m.recipients]


async def test_slot_taken_between_proposal_and_booking_is_offered_again_and_booked(
    suite: dict[str, RunningServer], sink: SmtpSink, config: Config, tmp_path: Path
) -> None:
    visitor = Visitor("Tomas Lindqvist", "tomas.lindqvist@example.com")
    other = {"name": "Rosa Delgado", "email": "rosa.delgado@example.org", "time_zone": "America/Los_Angeles"}
    taken: list[dict[str, Any]] = []

    async def someone_else_books(slot: dict[str, Any]) -> None:
        """Another visitor (another chat, a rep's own calendar) takes the slot first; only the first one proposed."""
        if taken:
            return
        args = {
            "meeting_type": "product-demo",
            "rep": slot["rep"],
            "start": slot["start"],
            "attendee": other,
            "idempotency_key": f"elsewhere-{other['email']}-{slot['start']}",
        }
        taken.append((await call(suite["scheduling"], "book_meeting", args))["booking"])

    script = SalesScript(visitor, on_proposed=someone_else_books)
    async with scenario_engine(config, tmp_path, scripted(script)) as engine:
        sid = (await engine.start(account="demo", agent="sales", origin=ORIGIN)).id
        await turn(engine, sid, QUESTION, "m1")
        script.phase = "details"
        text = f"Yes please. I'm {visitor.name}, {visitor.email}, in Sacramento, California. I'd like a demo."
        events = await turn(engine, sid, text, "m2")
        offered = events[-1].output
        assert "Maya Chen" in offered

        # 3. The visitor picks the first slot; someone else books it just before the agent does.
        script.phase = "book"
        events = await turn(engine, sid, "The first one works for me.", "m3")
        [snatched] = taken
        assert snatched["start_local"] in offered and snatched["attendee"]["email"] == other["email"]
        failed = [e for e in of_type(events, ToolFinished) if not e.ok]
        assert [(e.server, e.tool) for e in failed] == [("scheduling", "book_meeting")], failed
        assert failed[0].error and re.search(r"taken|conflict", failed[0].error, re.I), failed[0].error
        again = events[-1].output
        assert again.startswith("Sorry, that slot was just taken. Maya Chen is free at: "), again
        assert snatched["start_local"] not in again
        listed = re.findall(r"\d\. ([^;]+?)(?:;|\. Which)", again)
        assert len(listed) >= 2, again

        # 4. The visitor picks another of the new slots: booked.
        events = await turn(engine, sid, "Then the second one, please.", "m4")
        assert events[-1].output == f"Booked: Product demo: {visitor.name} with Maya Chen at {listed[1]}.", events[-1]

        # The host's memory: the failed booking recorded with its error, then the new look and the booking.
        store = engine.store
        assert [m.role for m in await store.messages(sid)] == ["user", "assistant"] * 4
        recorded = await store.tool_calls(sid)
        calls = tool_outcomes(recorded)
        assert calls[8:] == [
            ("scheduling", "get_current_time", "ok"),
            ("scheduling", "find_availability", "ok"),
            ("scheduling", "book_meeting", "error"),
            ("scheduling", "find_availability", "ok"),
            ("scheduling", "book_meeting", "ok"),
            ("crm", "log_activity", "ok"),
        ], calls
        [refused] = [c for c in recorded if c.outcome != "ok"]
        assert refused.error and refused.args["start"] == snatched["start"]
        requests = await store.requests(sid)
        assert len(requests) == script.requests and script.summaries == 0
        assert all(r.status == "ok" and r.cost_usd is not None and r.cost_usd > 0 for r in requests)

    # Scheduling: one booking for our visitor, not at the taken start; the other party's booking is untouched.
    [mine] = await bookings_of(suite, "maya-chen", visitor.email)
    assert mine["start"] != snatched["start"] and mine["start_local"] == listed[1]
    theirs = await call(suite["scheduling"], "get_booking", {"booking_id": snatched["id"]})
    assert (theirs["status"], theirs["start"], theirs["attendee"]["email"]) == (
        "confirmed",
        snatched["start"],
        other["email"],
    )
    assert len(await bookings_of(suite, None, other["email"])) == 1
    # The CRM: one contact, one lead, the one meeting (the booking made), nothing about the other party.
    [contact] = await contact_of(suite, visitor.email)
    assert len(await leads_of(suite, contact["id"])) == 1
    [meeting] = await timeline_of(suite, contact["id"])
    assert meeting["properties"]["type"] == "meeting" and mine["id"] in meeting["properties"]["body"]
    assert snatched["id"] not in meeting["properties"]["body"]
    assert await contact_of(suite, other["email"]) == []


@pytest.fixture
def own_library(tmp_path: Path) -> Iterator[RunningServer]:
    """A library server of this test's own, to stop mid-conversation (the module's is shared)."""
    server = start_server("library", tmp_path / "library")
    try:
        wait_ready(server)
        yield server
    finally:
        server.stop()


async def test_library_down_mid_conversation_degrades_the_agent_and_the_rest_still_works(
    suite: dict[str, RunningServer], sink: SmtpSink, own_library: RunningServer, tmp_path: Path
) -> None:
    config = scenario_config(tmp_path / "config", {**suite, "library": own_library}, sink.port)
    visitor = Visitor("Kwame Mensah", "kwame.mensah@example.com")
    script = SalesScript(visitor)
    withdrawn = "The library server is unavailable right now; its tools are withdrawn."
    async with scenario_engine(config, tmp_path, scripted(script)) as engine:
        sid = (await engine.start(account="demo", agent="sales", origin=ORIGIN)).id

        # 1. With the library up: an answer with a citation.
        events = await turn(engine, sid, QUESTION, "m1")
        assert CITATION.search(events[-1].output), events[-1].output
        assert not of_type(events, Notice)

        # 2. The library dies while the next turn runs (its connection made, before the agent's first call).
        stopped: list[bool] = []

        async def library_dies() -> None:
            if not stopped:
                stopped.append(True)
                await asyncio.to_thread(own_library.stop)

        script.on_request = library_dies
        first = len(script.seen_tools)
        events = await turn(engine, sid, "And does the cuff fit large arms? What does the help center say?", "m2")
        script.on_request = None
        assert own_library.process.poll() is not None
        notices = of_type(events, Notice)
        assert [(n.level, n.text) for n in notices] == [("warning", withdrawn)], notices
        failed = [e for e in of_type(events, ToolFinished) if not e.ok]
        assert [(e.server, e.tool) for e in failed] == [("library", "search")], failed
        answer = events[-1].output
        assert "can't check our help center" in answer and not CITATION.search(answer), answer
        assert "Pulsetrue Series 5" in answer and "USD" in answer
        # Offered at the turn's first step, the library's tools were gone from the next, and the instructions said why.
        assert "library_search" in script.seen_tools[first]
        assert not [t for tools in script.seen_tools[first + 1 :] for t in tools if t.startswith("library_")]
        assert "library server is unavailable" in script.seen_instructions[-1]

        # 3. Still down at the next turn: told again, and contact, lead, profile, rep and slots all work.
        script.phase = "details"
        text = f"Yes please. I'm {visitor.name}, {visitor.email}, in Fresno, California. I'd like a demo."
        events = await turn(engine, sid, text, "m3")
        assert [(n.level, n.text) for n in of_type(events, Notice)] == [("warning", withdrawn)]
        assert "Maya Chen" in events[-1].output

        # 4. Booked as usual.
        script.phase = "book"
        events = await turn(engine, sid, "The first one works for me.", "m4")
        assert events[-1].output.startswith(f"Booked: Product demo: {visitor.name} with Maya Chen at ")
        assert not [t for tools in script.seen_tools[first + 1 :] for t in tools if t.startswith("library_")]

        # The host's memory: every exchange, the failed library call, nothing from the library after it.
        store = engine.store
        assert [m.role for m in await store.messages(sid)] == ["user", "assistant"] * 4
        recorded = await store.tool_calls(sid)
        calls = tool_outcomes(recorded)
        assert sorted(calls[:2]) == [("catalog", "search_products", "ok"), ("library", "search", "ok")]
        assert calls[2] == ("crossfeed", "recommend_cross_sell", "ok")
        assert sorted(calls[3:5]) == [("catalog", "search_products", "ok"), ("library", "search", "error")]
        assert calls[5:] == [
            ("crossfeed", "recommend_cross_sell", "ok"),
            ("crm", "upsert_contact", "ok"),
            ("crm", "create_lead", "ok"),
            ("crm", "capture_profile", "ok"),
            ("crossfeed", "find_territory", "ok"),
            ("crossfeed", "find_rep", "ok"),
            ("scheduling", "get_current_time", "ok"),
            ("scheduling", "find_availability", "ok"),
            ("scheduling", "book_meeting", "ok"),
            ("crm", "log_activity", "ok"),
        ], calls
        [down] = [c for c in recorded if c.outcome != "ok"]
        assert down.error and "unavailable" in down.error
        requests = await store.requests(sid)
        assert len(requests) == script.requests
        assert all(r.status == "ok" and r.cost_usd is not None and r.cost_usd > 0 for r in requests)
        # What an admin sees: the library down, the others fine.
        statuses = engine.status_board.statuses()
        assert statuses["library"].state == "down" and statuses["library"].last_error
        assert all(statuses[name].state != "down" for name in ("catalog", "crm", "scheduling", "crossfeed"))

    # The servers: one contact with one lead and its profile, one booking, the meeting logged.
    [contact] = await contact_of(suite, visitor.email)
    assert len(await leads_of(suite, contact["id"])) == 1
    records = await call(suite["crm"], "get_records", {"object_type": "contact", "ids": [contact["id"]]})
    assert records["records"][0]["profile"]["consent"]["marketing"] is True
    [booking] = await bookings_of(suite, "maya-chen", visitor.email)
    [meeting] = await timeline_of(suite, contact["id"])
    assert meeting["properties"]["type"] == "meeting" and booking["id"] in meeting["properties"]["body"]


async def test_summary_in_the_same_turn_as_the_booking_goes_only_to_the_address_typed(
    suite: dict[str, RunningServer], sink: SmtpSink, config: Config, tmp_path: Path
) -> None:
    """The visitor agreed to a summary earlier, so the agent sends it as soon as the meeting is booked.

    The booking is not in memory yet (the turn is still running); the summary must still carry its invite. The
    first try names a part of the typed address (`ana.perez@...` without its first letter): refused, nothing sent.
    """
    visitor = Visitor("Ana Perez", "ana.perez@example.com")
    script = SalesScript(visitor, summary_with_booking=True)
    async with scenario_engine(config, tmp_path, scripted(script)) as engine:
        assert engine.summarizer is not None
        sid = (await engine.start(account="demo", agent="sales", origin=ORIGIN)).id
        await turn(engine, sid, QUESTION, "m1")
        script.phase = "details"
        text = f"Yes please, email me a summary. I'm {visitor.name}, {visitor.email}, in Fresno, California."
        await turn(engine, sid, text, "m2")
        script.phase = "book"
        before = len(sink.received)
        events = await turn(engine, sid, "The first one, please.", "m3")
        answer = events[-1].output
        assert '"status": "queued"' in answer and '"invite_attached": true' in answer, answer
        run = await engine.summarizer.mailer.deliver_due()
        assert len(run.sent) == 2 and not run.failed

        # The part of the address was refused with a reason the model can act on; nothing went to it.
        finished = [e for e in of_type(events, ToolFinished) if e.tool == "email_summary"]
        assert [e.ok for e in finished] == [False, True], finished
        calls = [c for c in await engine.store.tool_calls(sid) if c.tool == "email_summary"]
        assert [c.args["visitor_email"] for c in calls] == [visitor.email[1:], visitor.email]
        mails = sink.received[before:]
        assert sorted(r for m in mails for r in m.recipients) == sorted([visitor.email, REP_EMAIL])
        [booking] = await bookings_of(suite, "maya-chen", visitor.email)
        uid = re.search(r"^UID:(.+)$", await read_ics(suite["scheduling"], booking["id"]), re.M)
        assert uid is not None
        for mail in mails:
            assert mail.message["Subject"].startswith("Your conversation with Brightwell Home Health: Product demo")
            [invite] = parts(mail.message)["attachments"]
            assert f"UID:{uid.group(1).strip()}" in invite.get_content()
        # Stored once, after the turn: the summary message and the turn's answer.
        roles = [m.role for m in await engine.store.messages(sid)]
        assert roles == ["user", "assistant"] * 2 + ["user", SUMMARY_ROLE, "assistant"], roles
