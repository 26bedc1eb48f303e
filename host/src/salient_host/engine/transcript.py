"""A session as a person sees it: its info, and its messages with each answer's tool calls and their results."""

from __future__ import annotations

from typing import Any, cast

from salient_host.engine.events import SessionInfo, ShownMessage, ShownToolCall
from salient_host.engine.redact import shown_result
from salient_host.memory import Store
from salient_host.memory.models import Session, ToolCall


def session_info(row: Session) -> SessionInfo:
    return SessionInfo(
        id=row.id,
        account=row.account_id,
        agent=row.agent,
        created_at=row.created_at,
        title=row.title,
        origin=dict(row.origin or {}),
    )


def shown_call(call: ToolCall, result: Any = None) -> ShownToolCall:
    return ShownToolCall(
        call_id=call.call_id,
        server=call.server,
        tool=call.tool,
        args=dict(call.args or {}),
        duration_ms=call.duration_ms,
        outcome=cast(Any, call.outcome),  # the column holds only ShownToolCall's outcomes
        result=shown_result(result) if result is not None else None,
    )


def tool_results(model_messages: list[dict[str, Any]]) -> dict[str, Any]:
    """Each tool call's result by call id, from a message's stored model history (pydantic-ai's JSON form)."""
    return {
        part["tool_call_id"]: part.get("content")
        for message in model_messages
        if message.get("kind") == "request"
        for part in message.get("parts", [])
        if part.get("part_kind") == "tool-return" and part.get("outcome", "success") == "success"
    }


async def transcript(store: Store, session: Session) -> list[ShownMessage]:
    """People's messages and answers, each answer with the tool calls of its turn."""
    stored = await store.messages(session.id)
    results: dict[str, Any] = {}
    for message in stored:
        results.update(tool_results(message.model_messages or []))
    calls: dict[str, list[ShownToolCall]] = {}
    for call in await store.tool_calls(session.id):
        result = results.get(call.call_id) if call.outcome == "ok" else None
        calls.setdefault(call.turn_id, []).append(shown_call(call, result))
    shown: list[ShownMessage] = []
    for message in stored:
        if message.role == "user":
            shown.append(ShownMessage(id=message.id, role="user", text=message.text, created_at=message.created_at))
        elif message.role == "assistant":
            turn_calls = calls.pop(message.turn_id, [])
            if message.text or turn_calls:
                shown.append(
                    ShownMessage(
                        id=message.id,
                        role="assistant",
                        text=message.text,
                        created_at=message.created_at,
                        tool_calls=turn_calls,
                    )
                )
    return shown
