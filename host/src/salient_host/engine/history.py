"""A session's model history as a turn leaves it: valid to continue from, and the text a person saw last."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic_ai import ModelMessage, ModelRequest, ModelResponse, TextPart, ToolReturnPart
from pydantic_ai.messages import INTERRUPTED_TOOL_RETURN_CONTENT


def close_open_calls(messages: list[ModelMessage]) -> list[ModelMessage]:
    """`messages` plus an 'interrupted' result for each tool call left without one, so the history stays valid."""
    answered = {
        part.tool_call_id
        for message in messages
        if isinstance(message, ModelRequest)
        for part in message.parts
        if isinstance(part, ToolReturnPart)
    }
    open_calls = [
        part
        for message in messages
        if isinstance(message, ModelResponse)
        for part in message.tool_calls
        if part.tool_call_id not in answered
    ]
    if not open_calls:
        return messages
    returns = [
        ToolReturnPart(c.tool_name, INTERRUPTED_TOOL_RETURN_CONTENT, c.tool_call_id, outcome="interrupted")
        for c in open_calls
    ]
    return [*messages, ModelRequest(parts=returns)]


def response_text(messages: Sequence[ModelMessage]) -> str:
    """The text the model wrote in its last response (what a person sees when a turn pauses for approval)."""
    for message in reversed(messages):
        if isinstance(message, ModelResponse):
            return "".join(p.content for p in message.parts if isinstance(p, TextPart))
    return ""
