"""A summary reads the conversation's results through the servers' published contracts: a drifted CRM stops it."""

from __future__ import annotations

import logging
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from engine_support import collect, of_type, scripted, tool_result
from host_support import agent, write_config
from mail_support import SECRET, SmtpSink, mail_section
from pydantic_ai import ModelMessage
from pydantic_ai.models.function import AgentInfo
from salient_core.db import utcnow
from salient_host.config.load import load_config
from salient_host.engine.conversation import ConversationEngine
from salient_host.engine.events import TurnFailed
from salient_host.memory import Store
from salient_host.summaries.result import SUMMARY_ROLE
from salient_host.summaries.summarizer import SUMMARY_INSTRUCTIONS, open_mailer

DRIFTED = Path(__file__).resolve().parents[1] / "drifted_crm.py"
VISITOR = "kim.lee@example.com"


async def test_a_summary_over_a_drifted_crm_fails_with_a_contract_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    calls = tmp_path / "calls.txt"
    calls.touch()

    def script(messages: list[ModelMessage], info: AgentInfo) -> Any:
        if info.instructions and SUMMARY_INSTRUCTIONS in info.instructions:
            return "## Summary"
        done = tool_result(messages)
        if done is None:
            return [("crm_upsert_contact", {"email": VISITOR, "first_name": "Kim"})]
        if done.tool_name == "crm_upsert_contact":
            return [("email_summary", {"visitor_email": VISITOR})]
        return f"Sent: {done.content}"

    raw: dict[str, Any] = {
        "servers": {"crm": {"command": sys.executable, "args": [str(DRIFTED), str(calls)], "init_timeout": 30}},
        "agents": {"sales": agent({"crm": ["upsert_contact"]}, summaries={"enabled": True})},
        "mail": mail_section(1),
    }
    with SmtpSink() as sink:
        raw["mail"]["smtp"]["port"] = sink.port
        config = load_config(write_config(tmp_path / "config", raw), {})
        store = await Store.open(f"sqlite:///{tmp_path / 'host.db'}")
        mailer = await open_mailer(config, store, {"SALIENT_MAIL_SECRET": SECRET})
        assert mailer is not None
        try:
            async with ConversationEngine(config, store, model=scripted(script), mailer=mailer) as engine:
                session = await engine.start(account="demo", agent="sales")
                text = f"Please e-mail me a summary at {VISITOR}"
                with caplog.at_level(logging.ERROR):
                    events = await collect(engine.send(session.id, text, account="demo", client_message_id="m-1"))
            stored = await store.messages(session.id)
            queued = await mailer.outbox.count_to(
                "demo", VISITOR, kind="summary_visitor", since=utcnow() - timedelta(days=1)
            )
        finally:
            await mailer.aclose()
            await store.close()
    assert of_type(events, TurnFailed), events
    logged = "\n".join(r.getMessage() + (str(r.exc_info[1]) if r.exc_info else "") for r in caplog.records)
    assert "'crm' server's tool 'upsert_contact'" in logged and "'contact.properties' is gone" in logged, logged
    # Nothing was sent, stored or logged in the CRM: the summary stopped before the mail queue.
    assert queued == 0
    assert not [m for m in stored if m.role == SUMMARY_ROLE]
    assert calls.read_text().split() == ["upsert_contact"]
