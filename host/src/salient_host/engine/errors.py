"""What the conversation engine refuses, raised before a turn starts (inside a turn, failures are TurnFailed events).

ConversationError
├── SessionNotFound   (also a LookupError: an unknown id and another account's look the same)
├── AgentNotAllowed   (also a PermissionError)
├── EmptyMessage      (also a ValueError)
├── NothingToDecide   (also a ValueError)
└── DecisionMismatch  (also a ValueError)
"""

from __future__ import annotations

from salient_host.errors import SalientHostError


class ConversationError(SalientHostError):
    """A request the engine refuses; the message says why."""


class SessionNotFound(ConversationError, LookupError):
    def __init__(self, session_id: str) -> None:
        # Deliberately the same whether the id is unknown or belongs to another account.
        super().__init__(f"no session {session_id!r} for this account")


class AgentNotAllowed(ConversationError, PermissionError):
    pass


class EmptyMessage(ConversationError, ValueError):
    def __init__(self) -> None:
        super().__init__("the message is empty")


class NothingToDecide(ConversationError, ValueError):
    def __init__(self, session_id: str) -> None:
        super().__init__(f"session {session_id!r} has no tool calls awaiting approval")


class DecisionMismatch(ConversationError, ValueError):
    def __init__(self, pending: list[str], given: list[str]) -> None:
        super().__init__(f"decide every call awaiting approval, no more and no fewer: pending {pending}, given {given}")
