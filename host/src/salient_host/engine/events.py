"""What a conversation turn emits, and the service the CLI chat, the web chat and the HTTP API drive.

A turn runs as a task of its own, detached from whoever asked for it: a dropped browser stream or a closed terminal
does not stop it. Each event carries the turn's sequence number, so a client that reconnects resumes from the last
event it saw instead of sending the message again (which would duplicate the message and its cost).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, Protocol


@dataclass(frozen=True, kw_only=True)
class Event:
    turn_id: str
    seq: int  # 0, 1, 2, ... within the turn


@dataclass(frozen=True, kw_only=True)
class TextDelta(Event):
    """A piece of the answer as the model streams it."""

    text: str


@dataclass(frozen=True, kw_only=True)
class ToolStarted(Event):
    call_id: str
    server: str
    tool: str  # the server's own tool name (without the `<server>_` prefix)
    args: dict[str, Any]  # secrets redacted


@dataclass(frozen=True, kw_only=True)
class ToolFinished(Event):
    call_id: str
    server: str
    tool: str
    duration_ms: float
    ok: bool
    error: str | None = None
    result: Any = None  # what the tool returned, for a person: secrets redacted, size-capped (redact.shown_result)


@dataclass(frozen=True, kw_only=True)
class ApprovalRequested(Event):
    """A destructive call held back by the approval policy; the turn ends waiting for `decide`."""

    call_id: str
    server: str
    tool: str
    args: dict[str, Any]
    reason: str  # why it needs approval, for the person deciding


@dataclass(frozen=True, kw_only=True)
class Notice(Event):
    """Something the user should know that is not part of the answer: a server withdrawn, a budget nearly spent."""

    level: Literal["info", "warning"]
    text: str


@dataclass(frozen=True, kw_only=True)
class TurnFinished(Event):
    message_id: str
    output: str | None  # None when the turn ended waiting for approvals
    input_tokens: int
    output_tokens: int
    cost_usd: float | None  # None when the model's price is unknown


FailureCode = Literal[
    "no_model",
    "budget_exceeded",
    "model_error",
    "model_unreachable",
    "limit_reached",
    "server_contract",
    "internal",
    "stopped",
]


@dataclass(frozen=True, kw_only=True)
class TurnFailed(Event):
    """The turn ended without an answer; `message` says why and what to do (configure a model, raise a budget)."""

    code: FailureCode
    message: str


TurnEvent = TextDelta | ToolStarted | ToolFinished | ApprovalRequested | Notice | TurnFinished | TurnFailed


@dataclass(frozen=True, kw_only=True)
class SessionInfo:
    id: str
    account: str
    agent: str
    created_at: datetime
    title: str | None = None
    origin: dict[str, str] = field(
        default_factory=dict[str, str]
    )  # page, referrer, utm_* the conversation started from


@dataclass(frozen=True, kw_only=True)
class ShownToolCall:
    call_id: str
    server: str
    tool: str
    args: dict[str, Any]
    duration_ms: float | None
    # running: stored before it was made, and the host stopped before it finished
    outcome: Literal["running", "ok", "error", "awaiting_approval", "denied"]
    result: Any = None  # as in ToolFinished; None when the call did not run or its result is not known


@dataclass(frozen=True, kw_only=True)
class ShownMessage:
    """One message as a person sees it in a transcript (the full model history is stored beside it)."""

    id: str
    role: Literal["user", "assistant"]
    text: str
    created_at: datetime
    tool_calls: list[ShownToolCall] = field(default_factory=list[ShownToolCall])


class Conversations(Protocol):
    """Sessions and turns for one host; every method is scoped to an account and refuses another account's session."""

    async def start(self, *, account: str, agent: str, origin: dict[str, str] | None = None) -> SessionInfo: ...

    async def get(self, session_id: str, *, account: str) -> SessionInfo: ...

    def send(
        self, session_id: str, text: str, *, account: str, client_message_id: str, after_seq: int = -1
    ) -> AsyncIterator[TurnEvent]:
        """Store `text`, then run the turn and yield its events.

        `client_message_id` makes sending idempotent: the same id again (a retry after a dropped stream) does not
        store or run anything new but follows the turn it started, from event `after_seq + 1`.
        """
        ...

    def decide(
        self, session_id: str, decisions: dict[str, bool], *, account: str, client_message_id: str, after_seq: int = -1
    ) -> AsyncIterator[TurnEvent]:
        """Approve (True) or deny (False) the held-back calls of the session's last turn by `call_id`; continue it."""
        ...

    async def stop(self, session_id: str, *, account: str) -> bool:
        """Stop the session's running turn: it ends with TurnFailed `stopped`. False when no turn was running."""
        ...

    async def history(self, session_id: str, *, account: str) -> list[ShownMessage]: ...
