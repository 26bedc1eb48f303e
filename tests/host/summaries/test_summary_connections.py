"""A summary reaches the servers over its conversation's own held connections, not over processes of its own."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from typing import Any

from engine_support import collect, scripted, tool_result
from host_support import agent, stdio_server, write_config
from mail_support import SECRET, SmtpSink, mail_section
from pydantic_ai import ModelMessage
from pydantic_ai.models.function import AgentInfo
from salient_host.config.load import load_config
from salient_host.engine.conversation import ConversationEngine
from salient_host.engine.events import TurnFinished
from salient_host.memory import Store
from salient_host.summaries.summarizer import SUMMARY_INSTRUCTIONS, open_mailer

VISITOR = "kim.lee@example.com"


def processes_with(argument: str) -> int:
    """How many running processes have `argument` on their command line."""
    count = 0
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                count += argument in (entry / "cmdline").read_bytes().decode(errors="replace")
            except OSError:  # the process ended while it was read
                continue
    return count


async def test_a_summary_uses_the_conversations_crm_process(tmp_path: Path) -> None:
    db = tmp_path / "crm.db"
    seen: list[int] = []  # CRM processes alive, sampled while the turn runs

    async def sample() -> None:
        while True:
            seen.append(processes_with(str(db)))
            await asyncio.sleep(0.02)

    def script(messages: list[ModelMessage], info: AgentInfo) -> Any:
        if info.instructions and SUMMARY_INSTRUCTIONS in info.instructions:
            return "## Summary\n\n- You asked us to follow up."
        done = tool_result(messages)
        if done is None:
            return [("crm_upsert_contact", {"email": VISITOR, "first_name": "Kim"})]
        if done.tool_name == "crm_upsert_contact":
            return [("email_summary", {"visitor_email": VISITOR})]
        return f"Sent: {done.content}"

    raw = {
        "servers": {"crm": stdio_server("crm", db)},
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
                sampler = asyncio.create_task(sample())
                try:
                    events = await collect(engine.send(session.id, text, account="demo", client_message_id="m-1"))
                finally:
                    sampler.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await sampler
        finally:
            await mailer.aclose()
            await store.close()
    finished = events[-1]
    assert isinstance(finished, TurnFinished), finished
    # The CRM note went through the conversation's connection, and no second CRM process was started for it.
    assert finished.output is not None and "'logged_in_crm': True" in finished.output
    assert seen and max(seen) == 1
