"""Summaries that must not go out too often: the sweep's retries back off, and one address gets a few a day.

Each try asks the agent's model for the summary (a paid request), so a failure must not turn into one request a
minute for a week; and a chat is a form anyone can type any address into. The CRM is the real server over HTTP;
the mail goes to a real SMTP server.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from engine_support import collect, http_server, scripted, tool_result
from host_support import agent, write_config
from mail_support import SECRET, SmtpSink, mail_section
from pydantic_ai import ModelMessage
from pydantic_ai.models.function import AgentInfo
from salient_core.db import utcnow
from salient_host.config.load import load_config
from salient_host.engine.conversation import ConversationEngine
from salient_host.mail import Mailer
from salient_host.memory import Store
from salient_host.summaries.summarizer import SUMMARY_INSTRUCTIONS, SummaryError, open_mailer

VISITOR = "kim.lee@example.com"


@pytest.fixture(scope="module")
def crm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    directory = tmp_path_factory.mktemp("crm")
    with http_server("crm", directory / "crm.db", directory / "crm.log") as url:
        yield url


class Script:
    """Saves the visitor's contact, answers; asked for a summary, fails while `failing`."""

    def __init__(self) -> None:
        self.failing = True
        self.summary_requests = 0

    def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> Any:
        if info.instructions and SUMMARY_INSTRUCTIONS in info.instructions:
            self.summary_requests += 1
            if self.failing:
                raise RuntimeError("the provider fell over")
            return "## Summary\n\n- You asked us to follow up."
        if tool_result(messages) is None:
            return [("crm_upsert_contact", {"email": VISITOR, "first_name": "Kim"})]
        return "Thanks, I saved your details."


@contextlib.asynccontextmanager
async def summary_engine(
    directory: Path, crm: str, script: Script, smtp_port: int, **summaries: Any
) -> AsyncIterator[tuple[ConversationEngine, Mailer]]:
    """An engine whose `sales` agent saves contacts in the CRM and sends summaries over SMTP to `smtp_port`."""
    raw = {
        "servers": {"crm": {"url": crm}},
        "agents": {"sales": agent({"crm": ["upsert_contact"]}, summaries=summaries)},
        "mail": mail_section(smtp_port),
    }
    config = load_config(write_config(directory / "config", raw), {})
    store = await Store.open(f"sqlite:///{directory / 'host.db'}")
    mailer = await open_mailer(config, store, {"SALIENT_MAIL_SECRET": SECRET})
    assert mailer is not None
    try:
        async with ConversationEngine(config, store, model=scripted(script), mailer=mailer) as engine:
            assert engine.summarizer is not None
            yield engine, mailer
    finally:
        await mailer.aclose()
        await store.close()


async def test_a_failing_summary_backs_off_then_goes_out(crm: str, tmp_path: Path) -> None:
    script = Script()
    with SmtpSink() as sink:
        async with summary_engine(tmp_path, crm, script, sink.port, inactivity_minutes=30) as (engine, mailer):
            assert engine.summarizer is not None
            session = await engine.start(account="demo", agent="sales")
            text = f"Follow up with me at {VISITOR}"
            await collect(engine.send(session.id, text, account="demo", client_message_id="m1"))
            quiet = utcnow() + timedelta(minutes=31)

            # The first sweep tries and fails; sweeping again right away does not ask the model again.
            assert await engine.summarizer.sweep(quiet) == []
            assert await engine.summarizer.sweep(quiet + timedelta(minutes=1)) == []
            assert script.summary_requests == 1
            # After the backoff (5 min) it tries again, fails again; the next wait is twice as long.
            assert await engine.summarizer.sweep(quiet + timedelta(minutes=6)) == []
            assert script.summary_requests == 2
            assert await engine.summarizer.sweep(quiet + timedelta(minutes=12)) == []
            assert script.summary_requests == 2
            # The provider is back: the next due sweep sends it, and later sweeps leave it alone.
            script.failing = False
            [sent] = await engine.summarizer.sweep(quiet + timedelta(minutes=17))
            assert sent.status == "queued" and sent.recipients == [VISITOR]
            assert await engine.summarizer.sweep(quiet + timedelta(hours=1)) == []
            assert script.summary_requests == 3
            run = await mailer.deliver_due()
            assert len(run.sent) == 1 and [m.recipients for m in sink.received] == [[VISITOR]]


async def test_one_address_gets_at_most_the_daily_number_of_summaries(crm: str, tmp_path: Path) -> None:
    script = Script()
    script.failing = False
    # Nothing is delivered in this test (port 1 is never dialled): only what is queued matters.
    async with summary_engine(tmp_path, crm, script, 1, max_per_address_per_day=2) as (engine, mailer):
        assert engine.summarizer is not None
        sessions = []
        for i in range(3):
            session = await engine.start(account="demo", agent="sales")
            text = f"Follow up with me at {VISITOR.upper()}"  # the same address, however it is written
            await collect(engine.send(session.id, text, account="demo", client_message_id=f"m{i}"))
            stored = await engine.store.get_session(session.id, account="demo")
            assert stored is not None
            sessions.append(stored)
        for session in sessions[:2]:
            assert (await engine.summarizer.summarize(session, visitor_email=VISITOR.upper())).status == "queued"
        with pytest.raises(SummaryError, match=r"(?i)2 summaries went to kim.lee@example.com in the last 24 hours"):
            await engine.summarizer.summarize(sessions[2], visitor_email=VISITOR.upper())
        # Refused before the model was asked, and nothing queued for the third conversation.
        assert script.summary_requests == 2
        assert await mailer.deliveries("demo", session_id=sessions[2].id) == []
