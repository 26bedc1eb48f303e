"""Tool calls held for a person's decision: which are pending, checking a decision, and how undecided ones are closed.

A turn that asks for a destructive call ends with the call held (`awaiting_approval`). The person then decides every
held call (`ConversationEngine.decide`), or sends a new message instead, which answers the held calls as not run so
the model's history stays one it accepts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from pydantic_ai import DeferredToolResults, ToolDenied, ToolReturnPart

from salient_host.engine.errors import DecisionMismatch, NothingToDecide
from salient_host.mcp.toolsets import tool_name
from salient_host.memory import Store
from salient_host.memory.models import Session, ToolCall
from salient_host.memory.records import CallRecord

DENIED = "A person denied this call; it was not run. Do not retry it unless they ask again."
NOT_DECIDED = "Not run: the person sent a new message instead of approving this call."


def model_name(server: str, tool: str) -> str:
    """A stored call's tool as the model named it (the host's own tools have no server)."""
    return tool_name(server, tool) if server else tool


async def pending_calls(store: Store, session: Session) -> list[ToolCall]:
    """The calls of the session's last turn held for a decision (read under the session's lock: a turn ahead may
    have just held some)."""
    return await store.tool_calls(session.id, outcome="awaiting_approval")


def check_decisions(session: Session, pending: Sequence[ToolCall], decisions: Mapping[str, bool]) -> None:
    """NothingToDecide or DecisionMismatch unless `decisions` decides exactly the pending calls."""
    waiting = sorted(c.call_id for c in pending)
    if not waiting:
        raise NothingToDecide(session.id)
    if sorted(decisions) != waiting:
        raise DecisionMismatch(waiting, sorted(decisions))


def not_decided(pending: Sequence[ToolCall]) -> list[ToolReturnPart]:
    """Each held call answered as not run, for a new message sent instead of a decision."""
    return [ToolReturnPart(model_name(c.server, c.tool), NOT_DECIDED, c.call_id, outcome="denied") for c in pending]


def denied(call: ToolCall) -> CallRecord:
    """A held call's record once a new message came instead of a decision: not run."""
    return CallRecord(
        call_id=call.call_id, server=call.server, tool=call.tool, args=call.args, outcome="denied", error=NOT_DECIDED
    )


def decision_summary(pending: Sequence[ToolCall], decisions: Mapping[str, bool]) -> str:
    """The decision as stored in the session: "approved crm.archive_record; denied crm.delete_record"."""
    calls = {c.call_id: c for c in pending}
    return "; ".join(
        f"{'approved' if ok else 'denied'} {calls[call_id].server}.{calls[call_id].tool}"
        for call_id, ok in decisions.items()
    )


def deferred_results(decisions: Mapping[str, bool]) -> DeferredToolResults:
    """The decisions as pydantic-ai takes them to continue the held run."""
    return DeferredToolResults(
        approvals={call_id: True if ok else ToolDenied(DENIED) for call_id, ok in decisions.items()}
    )
