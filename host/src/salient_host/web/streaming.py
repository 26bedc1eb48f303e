"""Turn events as the browser and API clients see them: SSE frames (`id:` = the turn's seq) or one JSON reply.

A dropped stream is resumed by sending the same request again, with the same `client_message_id` and the last
event id seen (`Last-Event-ID` header or `after_seq`): `Conversations` follows the running turn from there instead of
storing and running the message a second time, so neither the message nor its cost is duplicated.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import asdict
from typing import Any

from sse_starlette import ServerSentEvent

from salient_host.engine.events import (
    ApprovalRequested,
    Notice,
    ShownMessage,
    TextDelta,
    ToolFinished,
    ToolStarted,
    TurnEvent,
    TurnFailed,
    TurnFinished,
)
from salient_host.web.render import render_markdown

EVENT_NAMES: dict[type, str] = {
    TextDelta: "text",
    ToolStarted: "tool_started",
    ToolFinished: "tool_finished",
    ApprovalRequested: "approval",
    Notice: "notice",
    TurnFinished: "finished",
    TurnFailed: "failed",
}


# What a visitor reads when a turn fails for a reason that is none of theirs (and whether trying again may help). The
# engine's message names models, addresses and incidents: it goes to the operator's log and the admin view instead.
# The other codes keep the engine's words, which say what to set up (a model, a budget, a limit); no retry for them.
SORRY = "Sorry, the assistant could not answer just now. Please try again in a moment."
VISITOR_FAILURES: dict[str, str] = {
    "model_error": SORRY,
    "model_unreachable": SORRY,
    "internal": "Sorry, something went wrong on our side. Please try again.",
    "server_contract": "Sorry, the assistant cannot finish this just now; our team has been told.",
    "stopped": "Stopped.",
}


def event_payload(event: TurnEvent) -> dict[str, Any]:
    """The event as JSON-ready data with its `type`; a finished turn carries its answer as sanitised HTML, a failed
    one the visitor's message and whether to offer a retry."""
    data = asdict(event)
    data["type"] = EVENT_NAMES[type(event)]
    if isinstance(event, TurnFinished):
        data["html"] = render_markdown(event.output) if event.output else None
    elif isinstance(event, TurnFailed):
        data["message"] = VISITOR_FAILURES.get(event.code, event.message)
        data["retry"] = event.code in VISITOR_FAILURES
    return data


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data, ensure_ascii=False, default=str)


async def sse_frames(events: AsyncIterator[TurnEvent]) -> AsyncIterator[ServerSentEvent]:
    try:
        async for event in events:
            payload = event_payload(event)
            yield ServerSentEvent(data=_json(payload), event=payload["type"], id=str(event.seq))
    finally:
        # Stop following the turn (the turn itself runs on: it is detached from this stream).
        close = getattr(events, "aclose", None)
        if close is not None:
            await close()


async def collect(events: AsyncIterator[TurnEvent]) -> dict[str, Any]:
    """Follow a turn to its end and answer with everything it did, for clients that do not stream."""
    reply: dict[str, Any] = {
        "status": "running",
        "output": None,
        "html": None,
        "tool_calls": [],
        "awaiting_approval": [],
        "notices": [],
    }
    calls: dict[str, dict[str, Any]] = {}
    text: list[str] = []
    async for event in events:
        reply["last_seq"] = event.seq
        reply["turn_id"] = event.turn_id
        if isinstance(event, TextDelta):
            text.append(event.text)
        elif isinstance(event, ToolStarted):
            calls[event.call_id] = {"call_id": event.call_id, "server": event.server, "tool": event.tool,
                                    "args": event.args, "duration_ms": None, "ok": None}  # fmt: skip
        elif isinstance(event, ToolFinished):
            call = calls.setdefault(event.call_id, {"call_id": event.call_id, "server": event.server,
                                                    "tool": event.tool, "args": {}})  # fmt: skip
            call.update(duration_ms=event.duration_ms, ok=event.ok, error=event.error)
        elif isinstance(event, ApprovalRequested):
            reply["awaiting_approval"].append(event_payload(event))
        elif isinstance(event, Notice):
            reply["notices"].append({"level": event.level, "text": event.text})
        elif isinstance(event, TurnFinished):
            payload = event_payload(event)
            reply.update(
                status="awaiting_approval" if event.output is None else "answered",
                message_id=event.message_id,
                output=event.output,
                html=payload["html"],
                usage={
                    "input_tokens": event.input_tokens,
                    "output_tokens": event.output_tokens,
                    "cost_usd": event.cost_usd,
                },
            )
        elif isinstance(event, TurnFailed):
            payload = event_payload(event)
            reply.update(status="failed", error={k: payload[k] for k in ("code", "message", "retry")})
    if reply["output"] is None and text and reply["status"] != "awaiting_approval":
        reply["partial_output"] = "".join(text)
    reply["tool_calls"] = list(calls.values())
    return reply


def shown_message(message: ShownMessage) -> dict[str, Any]:
    """A history entry for the API and the page: assistant text also as sanitised HTML."""
    data = asdict(message)
    data["html"] = render_markdown(message.text) if message.role == "assistant" else None
    return data
