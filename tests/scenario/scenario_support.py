"""Helpers for the founding scenario: the real sales agent over the real servers, driven by a scripted visitor+model.

The model is a pydantic-ai FunctionModel whose script plays the sales agent: each step looks at what the real
servers answered so far (ids, slots, reps, errors) and decides the next tool call or the answer, the way a model
would. Tests say which phase of the conversation comes next (`script.phase`), then send the visitor's message.
The script is async (`engine_support.scripted` takes async scripts), so a test's hooks can act on the world while
a turn runs: `on_proposed` (another party books the slot the agent is about to book) and `on_request` (a server
dies mid-turn).
"""

from __future__ import annotations

import contextlib
import inspect
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import yaml
from engine_support import collect, of_type
from fastmcp import Client
from mail_support import SECRET
from pydantic_ai import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    RetryPromptPart,
    ToolCallPart,
    ToolReturnPart,
    UserPromptPart,
)
from pydantic_ai.messages import ERROR_OUTCOMES
from pydantic_ai.models.function import AgentInfo
from salient_host.config.load import load_config
from salient_host.config.schema import Config
from salient_host.engine.conversation import ConversationEngine
from salient_host.engine.events import TurnEvent, TurnFailed, TurnFinished
from salient_host.memory import Store
from salient_host.summaries.summarizer import SUMMARY_INSTRUCTIONS, open_mailer
from suite_servers import RunningServer
from support import ROOT

BRAND = "Brightwell Home Health"
UNSUBSCRIBE_BASE = "https://chat.brightwell.example/mail/unsubscribe"
ORIGIN = {
    "page": "https://brightwell.example/monitors/series-5?utm_source=newsletter&utm_medium=email&utm_campaign=heart-month",
    "referrer": "https://mail.example.net/",
    "utm_source": "newsletter",
    "utm_medium": "email",
    "utm_campaign": "heart-month",
}
Step = str | list[tuple[str, dict[str, Any]]]
# Called with the slot the agent is about to book (sync or async): another party's move, made in between.
ProposedHook = Callable[[dict[str, Any]], Awaitable[None] | None]


def scenario_config(directory: Path, servers: dict[str, RunningServer], smtp_port: int) -> Config:
    """config/salient.yaml's `sales` agent as shipped (instructions, allow-lists, policy), its servers over HTTP."""
    shipped = yaml.safe_load((ROOT / "config" / "salient.yaml").read_text(encoding="utf-8"))
    sales = shipped["agents"]["sales"]
    sales["instructions"] = str(ROOT / "config" / sales["instructions"])
    raw = {
        "servers": {name: {"url": server.url, "timeout": 60} for name, server in servers.items()},
        "agents": {"sales": sales},
        # No `accounts:`: one tenant, the demo, whom these loopback servers (started without tokens) serve.
        # The scripted model has no public price; this one makes every request's cost known (and non-zero).
        "prices": {"scripted": {"input_usd_per_million": 3.0, "output_usd_per_million": 15.0}},
        "mail": {
            "from_address": f"{BRAND} <sales@brightwell.example>",
            "brand": BRAND,
            "smtp": {"host": "127.0.0.1", "port": smtp_port, "security": "none", "timeout": 10},
            "unsubscribe_url": UNSUBSCRIBE_BASE,
        },
    }
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "salient.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return load_config(path, {})


@contextlib.asynccontextmanager
async def scenario_engine(config: Config, directory: Path, model: Any) -> AsyncIterator[ConversationEngine]:
    """An engine with its own SQLite memory and a mailer (over the same database) for the SMTP sink."""
    store = await Store.open(f"sqlite:///{directory / 'host.db'}")
    mailer = await open_mailer(config, store, {"SALIENT_MAIL_SECRET": SECRET})
    assert mailer is not None
    try:
        async with ConversationEngine(config, store, model=model, mailer=mailer) as engine:
            yield engine
    finally:
        await mailer.aclose()
        await store.close()


@dataclass
class Result:
    """A tool result in the history: its content (a dict from the server) or, for a failed call, the error."""

    tool: str
    content: Any
    error: str | None = None


def results(messages: list[ModelMessage]) -> list[Result]:
    found = []
    for message in messages:
        if not isinstance(message, ModelRequest):
            continue
        for part in message.parts:
            if isinstance(part, ToolReturnPart) and part.outcome in ERROR_OUTCOMES:  # a refused call (ModelRetry)
                found.append(Result(part.tool_name, None, error=part.model_response_str(wrap_if_error=False)))
            elif isinstance(part, ToolReturnPart):
                found.append(Result(part.tool_name, part.content))
            elif isinstance(part, RetryPromptPart) and part.tool_name:
                found.append(Result(part.tool_name, None, error=part.model_response()))
    return found


def this_turn(messages: list[ModelMessage]) -> list[Result]:
    """Tool results since the visitor's last message."""
    start = 0
    for i, message in enumerate(messages):
        if isinstance(message, ModelRequest) and any(p.part_kind == "user-prompt" for p in message.parts):
            start = i
    return results(messages[start:])


def latest(messages: list[ModelMessage], tool: str) -> dict[str, Any]:
    """The content of the last successful call of `tool` in the whole conversation."""
    found = [r.content for r in results(messages) if r.tool == tool and r.error is None]
    assert found, f"no successful {tool} result in the history"
    return found[-1]


def called(messages: list[ModelMessage]) -> list[str]:
    return [
        p.tool_name for m in messages if isinstance(m, ModelResponse) for p in m.parts if isinstance(p, ToolCallPart)
    ]


@dataclass
class Visitor:
    name: str
    email: str
    region: str = "CA"
    time_zone: str = "America/Los_Angeles"

    @property
    def first(self) -> str:
        return self.name.split()[0]

    @property
    def last(self) -> str:
        return self.name.split()[-1]


def last_prompt(messages: list[ModelMessage]) -> str:
    """What the visitor said last."""
    for message in reversed(messages):
        if isinstance(message, ModelRequest):
            prompts = [p.content for p in message.parts if isinstance(p, UserPromptPart) and isinstance(p.content, str)]
            if prompts:
                return prompts[-1]
    return ""


ORDINALS = {"first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2}


def chosen(text: str) -> int:
    """Which of the offered slots the visitor picked ("the second one"): an index, the first by default."""
    found = re.search(r"\b(" + "|".join(ORDINALS) + r")\b", text.lower())
    return ORDINALS[found.group(1)] if found else 0


@dataclass
class SalesScript:
    """The sales agent's moves, phase by phase; `requests` counts the model requests it answered."""

    visitor: Visitor
    phase: str = "ask"
    requests: int = 0
    summaries: int = 0
    seen_instructions: list[str] = field(default_factory=list)
    seen_tools: list[set[str]] = field(default_factory=list)
    on_proposed: ProposedHook | None = None  # called with the slot about to be booked, before the call goes out
    on_request: Callable[[], Awaitable[None] | None] | None = None  # called as each (non-summary) request arrives
    _booking: dict[str, Any] | None = None  # the slot of the book_meeting call being returned
    # Send the summary right after booking, in the same turn (the visitor agreed to one earlier), first to a part of
    # the typed address, as a confused model might: the host must refuse that one.
    summary_with_booking: bool = False

    async def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> Step:
        self.requests += 1
        if info.instructions and SUMMARY_INSTRUCTIONS in info.instructions:
            self.summaries += 1
            return self.summary(messages)
        if self.on_request is not None:
            await _maybe_await(self.on_request())
        self.seen_instructions.append(info.instructions or "")
        tools = {t.name for t in info.function_tools}
        self.seen_tools.append(tools)
        step = getattr(self, self.phase)(messages, this_turn(messages), tools, info.instructions or "")
        slot, self._booking = self._booking, None
        if slot is not None and self.on_proposed is not None:
            await _maybe_await(self.on_proposed(slot))
        return step

    # The visitor asks about a product.

    def ask(self, messages: list[ModelMessage], done: list[Result], tools: set[str], instructions: str) -> Step:
        names = [r.tool for r in done]
        if not done:
            calls = [("catalog_search_products", {"query": "Pulsetrue Series 5 upper arm blood pressure monitor"})]
            if "library_search" in tools:
                calls.append(
                    (
                        "library_search",
                        {"query": "blood pressure monitor warranty", "collection": "help-center", "min_score": 0.2},
                    )
                )
            return calls
        if "crossfeed_recommend_cross_sell" not in names:
            product = self._product(messages)
            return [("crossfeed_recommend_cross_sell", {"product_ids": [product["id"]], "limit": 2})]
        product = self._product(messages)
        price = product["price_from"]
        answer = f"The **{product['name']}** is {price['amount']} {price['currency']}."
        library = [r for r in done if r.tool == "library_search" and r.error is None]
        if library and library[0].content["hits"]:
            hit = library[0].content["hits"][0]
            answer += f" {hit['text']} ([{hit['citation']['title']}]({hit['citation']['url']}))"
        else:
            answer += " I can't check our help center right now, so I can't quote the warranty terms."
        items = latest(messages, "crossfeed_recommend_cross_sell")["items"]
        if items:
            item = items[0]
            answer += f" Many people add the {item['product']['name']}: {item['reason']}"
        return answer + " I can email you a summary of this, and a rep can follow up. Would you like that?"

    def _product(self, messages: list[ModelMessage]) -> dict[str, Any]:
        hits = latest(messages, "catalog_search_products")["hits"]
        return next((h["product"] for h in hits if "Series 5" in h["product"]["name"]), hits[0]["product"])

    # The visitor gives name and email, with consent, and wants a demo.

    def details(self, messages: list[ModelMessage], done: list[Result], tools: set[str], instructions: str) -> Step:
        v = self.visitor
        names = [r.tool for r in done if r.error is None]
        if "crm_upsert_contact" not in names:
            contact = {"email": v.email, "first_name": v.first, "last_name": v.last, "country": "US"}
            return [("crm_upsert_contact", contact)]
        contact_id = latest(messages, "crm_upsert_contact")["contact"]["id"]
        if "crm_create_lead" not in names:
            qualification = {"need": "home blood pressure monitoring", "timeline": "this_month"}
            args = {"contact_id": contact_id, "idempotency_key": f"lead-{v.email}", "qualification": qualification}
            return [("crm_create_lead", args)]
        if "crm_capture_profile" not in names:
            consent = {"given": True, "source": "web chat", "text": "Email me a summary and let a rep follow up."}
            interests = [self._product(messages)["name"]]
            return [("crm_capture_profile", {"contact_id": contact_id, "interests": interests, "consent": consent})]
        if "crossfeed_find_territory" not in names:
            return [("crossfeed_find_territory", {"country": "US", "region": v.region})]
        if "crossfeed_find_rep" not in names:
            territory = latest(messages, "crossfeed_find_territory")["territory"]["id"]
            return [("crossfeed_find_rep", {"territory": territory, "idempotency_key": f"route-{v.email}"})]
        return self.propose(messages, done, tools, instructions)

    def propose(self, messages: list[ModelMessage], done: list[Result], tools: set[str], instructions: str) -> Step:
        names = [r.tool for r in done if r.error is None]
        if "scheduling_get_current_time" not in names:
            return [("scheduling_get_current_time", {"time_zone": self.visitor.time_zone})]
        if "scheduling_find_availability" not in names:
            now = datetime.fromisoformat(latest(messages, "scheduling_get_current_time")["now_utc"])
            rep = latest(messages, "crossfeed_find_rep")["rep"]["id"]
            window = {
                "meeting_type": "product-demo",
                "rep": rep,
                "window_start": (now + timedelta(days=1)).isoformat(),
                "window_end": (now + timedelta(days=10)).isoformat(),
                "time_zone": self.visitor.time_zone,
                "max_slots": 3,
            }
            return [("scheduling_find_availability", window)]
        slots = latest(messages, "scheduling_find_availability")["slots"]
        listed = "; ".join(f"{s['start_local']} with {s['rep_name']}" for s in slots)
        rep = latest(messages, "crossfeed_find_rep")["rep"]["name"]
        return f"Thanks {self.visitor.first}, I saved your details. {rep}'s next demo slots: {listed}. Which suits you?"

    # The visitor picks the first slot.

    def book(self, messages: list[ModelMessage], done: list[Result], tools: set[str], instructions: str) -> Step:
        v = self.visitor
        failed = [r for r in done if r.tool == "scheduling_book_meeting" and r.error is not None]
        booked = [r for r in done if r.tool == "scheduling_book_meeting" and r.error is None]
        if failed and not booked:
            error = failed[-1].error or ""
            if not re.search(r"taken|conflict", error, re.I):
                return f"Sorry, I could not book that slot: {error}"
            # Someone else got the slot first: look again, offer what is free now.
            if not any(r.tool == "scheduling_find_availability" for r in done):
                previous = _last_args(messages, "scheduling_find_availability")
                return [("scheduling_find_availability", previous)]
            slots = latest(messages, "scheduling_find_availability")["slots"]
            if not slots:
                return "Sorry, that slot was just taken, and there is nothing else free in the next days."
            listed = "; ".join(f"{i + 1}. {s['start_local']}" for i, s in enumerate(slots))
            rep = slots[0]["rep_name"]
            return f"Sorry, that slot was just taken. {rep} is free at: {listed}. Which one would you like?"
        if not booked:
            slots = latest(messages, "scheduling_find_availability")["slots"]
            slot = slots[min(chosen(last_prompt(messages)), len(slots) - 1)]
            self._booking = slot
            args = {
                "meeting_type": "product-demo",
                "rep": slot["rep"],
                "start": slot["start"],
                "attendee": {"name": v.name, "email": v.email, "time_zone": v.time_zone},
                "idempotency_key": f"demo-{v.email}-{slot['start']}",
                "notes": "Pulsetrue Series 5 and cuff sizing",
            }
            return [("scheduling_book_meeting", args)]
        booking = booked[-1].content["booking"]
        if not any(r.tool == "crm_log_activity" for r in done):
            contact_id = latest(messages, "crm_upsert_contact")["contact"]["id"]
            lead_id = latest(messages, "crm_create_lead")["record"]["id"]
            body = f"Product demo booked: {booking['id']} at {booking['start']} with {booking['rep']['name']}."
            args = {
                "type": "meeting",
                "subject": booking["title"],
                "body": body,
                "associations": [{"object_type": "contact", "id": contact_id}, {"object_type": "lead", "id": lead_id}],
                "idempotency_key": f"meeting-{booking['id']}",
                "occurred_at": booking["start"],
            }
            return [("crm_log_activity", args)]
        if self.summary_with_booking:
            sent = [r for r in done if r.tool == "email_summary"]
            if not sent:
                return [("email_summary", {"visitor_email": v.email[1:], "booking_id": booking["id"]})]
            if len(sent) == 1 and sent[0].error is not None:
                return [("email_summary", {"visitor_email": v.email, "booking_id": booking["id"]})]
            return f"Booked: {booking['title']} at {booking['start_local']}. Summary: {json.dumps(sent[-1].content)}"
        return f"Booked: {booking['title']} at {booking['start_local']}."

    # The visitor asks for the summary.

    def summarise(self, messages: list[ModelMessage], done: list[Result], tools: set[str], instructions: str) -> Step:
        sent = [r for r in done if r.tool == "email_summary"]
        if not sent:
            booking = [r for r in results(messages) if r.tool == "scheduling_book_meeting" and r.error is None]
            args: dict[str, Any] = {"visitor_email": self.visitor.email}
            if booking:
                args["booking_id"] = booking[-1].content["booking"]["id"]
            return [("email_summary", args)]
        if sent[-1].error is not None:
            return f"I could not send the summary: {sent[-1].error}"
        return f"Done: {json.dumps(sent[-1].content)}"

    # The visitor declines, or just chats on.

    def decline(self, messages: list[ModelMessage], done: list[Result], tools: set[str], instructions: str) -> Step:
        return "No problem at all; I won't record anything. Anything else I can help with?"

    def summary(self, messages: list[ModelMessage]) -> str:
        prompt = "".join(p.content for p in messages[-1].parts if p.part_kind == "user-prompt")  # type: ignore[union-attr]
        booked = "Meeting booked" in prompt
        text = f"## Your conversation with {BRAND}\n\n- You asked about the **Pulsetrue Series 5** monitor.\n"
        return text + ("- A product demo is booked; the invite is attached.\n" if booked else "")


def _last_args(messages: list[ModelMessage], tool: str) -> dict[str, Any]:
    calls = [
        p.args_as_dict()
        for m in messages
        if isinstance(m, ModelResponse)
        for p in m.parts
        if isinstance(p, ToolCallPart) and p.tool_name == tool
    ]
    return calls[-1]


async def _maybe_await(value: Any) -> None:
    if inspect.isawaitable(value):
        await value


async def turn(engine: ConversationEngine, session: str, text: str, key: str) -> list[TurnEvent]:
    """Send one visitor message and return its events; the turn must finish with an answer."""
    events = await collect(engine.send(session, text, account="demo", client_message_id=key))
    failed = of_type(events, TurnFailed)
    assert not failed, failed
    assert of_type(events, TurnFinished), events
    return events


async def call(server: RunningServer, tool: str, args: dict[str, Any]) -> Any:
    """A tool call straight to a server (the test's own view of its state, or another visitor's action)."""
    async with Client(server.url) as client:
        result = await client.call_tool(tool, args)
        return result.structured_content
