"""One turn: run an agent over the session's stored history, stream what happens as events, record what it spent.

Every model request is checked against the budgets first, streamed (so text reaches the person token by token),
priced and stored with its latency the moment it ends. Every tool call is reported by the RecordingToolset inside
each server's toolset (recording.py), which knows the server. The turn ends in exactly one TurnFinished or
TurnFailed, and its messages are stored either way, so the session can go on from whatever was said and done.

Records of requests and tool calls are collected as they happen and committed in batches (records.py): a tool call's
record, with everything collected before it, before the call is made; the rest with the turn's answer, in its
transaction. So once a turn has ended, everything in it is stored, and a turn without a stored end was cut off.
"""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal

from pydantic_ai import (
    Agent,
    DeferredToolRequests,
    DeferredToolResults,
    ModelMessage,
    ModelRequest,
    ModelResponse,
    PartDeltaEvent,
    PartStartEvent,
    TextPart,
    TextPartDelta,
    ToolReturnPart,
)
from pydantic_ai.exceptions import ModelAPIError, UnexpectedModelBehavior, UsageLimitExceeded
from pydantic_ai.models import Model
from pydantic_ai.usage import UsageLimits

from salient_host.engine.agents import Output
from salient_host.engine.events import (
    ApprovalRequested,
    FailureCode,
    Notice,
    TextDelta,
    ToolFinished,
    ToolStarted,
    TurnFailed,
    TurnFinished,
)
from salient_host.engine.histories import HeldHistories
from salient_host.engine.history import close_open_calls, response_text
from salient_host.engine.records import TurnRecords
from salient_host.engine.redact import redact, shown_result
from salient_host.engine.turnlog import TurnLog
from salient_host.errors import SalientHostError
from salient_host.llm.budgets import BudgetExceeded, BudgetGuard
from salient_host.llm.failures import provider_message, unreachable
from salient_host.llm.pricing import Pricer
from salient_host.mcp.contracts import ContractError
from salient_host.memory import Store
from salient_host.memory.models import Session
from salient_host.memory.records import CallRecord, RequestRecord

log = logging.getLogger(__name__)


class TurnError(SalientHostError):
    """The turn cannot go on; `code` and the message become its TurnFailed."""

    def __init__(self, code: FailureCode, message: str) -> None:
        super().__init__(message)
        self.code: FailureCode = code


def held_tool(output: Output, call_id: str, name: str) -> tuple[str, str]:
    """The server and tool of a call held for approval, as the approval gate named them (mcp/toolsets.py)."""
    found = output.metadata.get(call_id, {}) if isinstance(output, DeferredToolRequests) else {}
    server, tool = found.get("server"), found.get("tool")
    return (server, tool) if isinstance(server, str) and isinstance(tool, str) else ("", name)


@dataclass
class Turn:
    store: Store
    session: Session
    log: TurnLog
    pricer: Pricer
    guard: BudgetGuard
    config_file: str = ""
    histories: HeldHistories = field(default_factory=HeldHistories)  # the engine's, kept between turns
    input_tokens: int = 0
    output_tokens: int = 0
    cost: Decimal = Decimal(0)
    unpriced: int = 0
    model: Model | None = None  # the model of the running turn, named in the operator's log when it fails
    _noticed: set[str] = field(default_factory=set[str])
    records: TurnRecords = field(init=False)

    def __post_init__(self) -> None:
        self.records = TurnRecords(self.store, self.session, self.log.turn_id)

    @property
    def id(self) -> str:
        return self.log.turn_id

    # Tool calls, as the RecordingToolset reports them.

    async def tool_started(self, call_id: str, server: str, tool: str, args: dict[str, Any]) -> None:
        """Tell the person, and store the call before it is made (with the records collected before it)."""
        shown = redact(args)
        self.log.emit(ToolStarted, call_id=call_id, server=server, tool=tool, args=shown)
        self.records.add(CallRecord(call_id=call_id, server=server, tool=tool, args=shown, outcome="running"))
        await self.records.commit()

    def tool_finished(
        self,
        call_id: str,
        server: str,
        tool: str,
        args: dict[str, Any],
        duration_ms: float,
        error: str | None,
        result: Any = None,
    ) -> None:
        self.log.emit(
            ToolFinished,
            call_id=call_id,
            server=server,
            tool=tool,
            duration_ms=duration_ms,
            ok=error is None,
            error=error,
            result=shown_result(result) if error is None else None,
        )
        self.records.add(
            CallRecord(
                call_id=call_id,
                server=server,
                tool=tool,
                args=redact(args),
                outcome="ok" if error is None else "error",
                duration_ms=duration_ms,
                error=error,
            )
        )

    # The run.

    async def run(
        self,
        agent: Agent[None, Output],
        model: Model,
        *,
        limits: UsageLimits,
        deferred: DeferredToolResults | None = None,
        model_source: str = "the model configuration",
    ) -> None:
        """Continue the session's history (whose last message is the person's, or their decisions in `deferred`).

        `model_source` says where the model was chosen (`--model`, a configuration key), for failure messages.
        """
        try:
            await self._run(agent, model, limits=limits, deferred=deferred, model_source=model_source)
        except asyncio.CancelledError:
            # Cut off (the host closing, a person stopping it): what it did so far is stored all the same.
            await asyncio.shield(self.records.commit())
            raise

    async def _run(
        self,
        agent: Agent[None, Output],
        model: Model,
        *,
        limits: UsageLimits,
        deferred: DeferredToolResults | None = None,
        model_source: str,
    ) -> None:
        self.model = model
        history = await self.histories.load(self.store, self.session.id)
        new: list[ModelMessage] = []
        try:
            async with agent.iter(
                None, message_history=history, deferred_tool_results=deferred, model=model, usage_limits=limits
            ) as run:
                try:
                    async for node in run:
                        if Agent.is_model_request_node(node):
                            await self._before_request()
                            async with node.stream(run.ctx) as stream:
                                await self._stream(stream, model)
                        elif Agent.is_call_tools_node(node):
                            async with node.stream(run.ctx) as events:
                                async for _ in events:
                                    pass  # the RecordingToolset reports the calls as they run
                finally:
                    new = run.new_messages()
                assert run.result is not None, "the run ended without a result"
                output = run.result.output
        except TurnError as exc:
            await self.fail(exc.code, str(exc), new)
        except BudgetExceeded as exc:
            await self.fail("budget_exceeded", str(exc), new)
        except UsageLimitExceeded as exc:
            where = f"agents.{self.session.agent}.limits in {self.config_file}"
            await self.fail("limit_reached", f"The turn reached a limit: {exc}. Raise it under {where}.", new)
        except (ModelAPIError, UnexpectedModelBehavior) as exc:
            if unreachable(exc):
                await self.fail("model_unreachable", self._unreachable_message(model, exc, model_source), new)
            else:
                await self.fail("model_error", f"The model failed: {provider_message(exc)}", new)
        except ContractError as exc:  # the host and a server disagree: the operator's to fix, not the visitor's
            incident = uuid.uuid4().hex[:12]
            log.error("turn %s stopped (incident %s): %s", self.id, incident, exc)
            await self.fail(
                "server_contract",
                f"The {exc.server} server does not match this host's version, so the turn stopped before using it; "
                f"the host's log has incident {incident}.",
                new,
            )
        except Exception as exc:
            incident = uuid.uuid4().hex[:12]
            log.exception("turn %s failed (incident %s)", self.id, incident)
            await self.fail(
                "internal", f"Internal error ({type(exc).__name__}); the host's log has incident {incident}.", new
            )
        else:
            await self.finish(output, new)

    def _unreachable_message(self, model: Model, exc: BaseException, source: str) -> str:
        where = f" at {model.base_url.rstrip('/')}" if model.base_url else ""
        return (
            f"Cannot reach the model {model.model_name}{where} ({provider_message(exc)}). "
            f"Agent {self.session.agent!r} uses it ({source}). "
            "Start the model server or correct the model's address there; `salient config check` tests it."
        )

    def notice(self, level: Literal["info", "warning"], text: str) -> None:
        """Tell the person something beside the answer (a server withdrawn, a budget nearly spent), once."""
        if text not in self._noticed and not self.log.done:
            self._noticed.add(text)
            self.log.emit(Notice, level=level, text=text)

    async def _before_request(self) -> None:
        if self.guard.reads_spending(self.session):
            await self.records.commit()  # what this turn spent so far is counted
        for warning in await self.guard.enforce(self.session, turn_cost=self.cost):
            self.notice("warning", f"Budget nearly spent: {warning}.")

    async def _stream(self, stream: Any, model: Model) -> None:
        """Relay the text as it arrives; then price and store the request, whether it worked or not."""
        started = time.perf_counter()
        try:
            async for event in stream:
                if isinstance(event, PartStartEvent) and isinstance(event.part, TextPart) and event.part.content:
                    self.log.emit(TextDelta, text=event.part.content)
                elif (
                    isinstance(event, PartDeltaEvent)
                    and isinstance(event.delta, TextPartDelta)
                    and event.delta.content_delta
                ):
                    self.log.emit(TextDelta, text=event.delta.content_delta)
        except UsageLimitExceeded:
            raise
        except Exception as exc:
            self.records.add(
                RequestRecord(
                    provider=model.system,
                    model=model.model_name,
                    input_tokens=0,
                    output_tokens=0,
                    cost_usd=Decimal(0),  # a refused request has no tokens to pay for
                    latency_ms=(time.perf_counter() - started) * 1000,
                    error=provider_message(exc),
                )
            )
            raise
        response: ModelResponse = stream.response
        latency_ms = (time.perf_counter() - started) * 1000
        cost = self.pricer.price(response, configured_name=model.model_name)
        usage = response.usage
        self.records.add(
            RequestRecord(
                provider=response.provider_name or model.system,
                model=response.model_name or model.model_name,
                input_tokens=usage.input_tokens,
                output_tokens=usage.output_tokens,
                cost_usd=cost,
                latency_ms=latency_ms,
            )
        )
        self.input_tokens += usage.input_tokens
        self.output_tokens += usage.output_tokens
        if cost is None:
            self.unpriced += 1
        else:
            self.cost += cost

    # How a turn ends.

    async def _record_denials(self, new: Sequence[ModelMessage]) -> None:
        denied = [
            part
            for message in new
            if isinstance(message, ModelRequest)
            for part in message.parts
            if isinstance(part, ToolReturnPart) and part.outcome == "denied"
        ]
        if denied:  # calls a person decided on: stored, with their server and tool, when they were held
            stored = {c.call_id: (c.server, c.tool) for c in await self.store.tool_calls(self.session.id)}
            for part in denied:
                server, tool = stored.get(part.tool_call_id, ("", part.tool_name))
                self.records.add(CallRecord(call_id=part.tool_call_id, server=server, tool=tool, outcome="denied"))
                self.log.emit(Notice, level="info", text=f"Not run: {server}.{tool} (denied).")

    async def finish(self, output: Output, new: list[ModelMessage]) -> None:
        await self._record_denials(new)
        held = output.approvals + output.calls if isinstance(output, DeferredToolRequests) else []
        for call in held:
            server, tool = held_tool(output, call.tool_call_id, call.tool_name)
            args = redact(call.args_as_dict())
            self.records.add(
                CallRecord(call_id=call.tool_call_id, server=server, tool=tool, args=args, outcome="awaiting_approval")
            )
            self.log.emit(
                ApprovalRequested,
                call_id=call.tool_call_id,
                server=server,
                tool=tool,
                args=args,
                reason=(
                    f"{server}.{tool} can change or delete data (its MCP annotations do not mark it read-only or "
                    f"non-destructive), and agent {self.session.agent!r} asks a person before running such tools"
                ),
            )
        text = output if isinstance(output, str) else response_text(new)
        await self.records.settle()
        requests, calls = self.records.take()
        message = await self.store.add_message(
            self.session,
            turn_id=self.id,
            role="assistant",
            text=text,
            model_messages=new,
            status="awaiting_approval" if held else "active",
            requests=requests,
            calls=calls,
        )
        self.histories.stored(self.session.id, message.seq, new)
        self.log.emit(
            TurnFinished,
            message_id=message.id,
            output=None if held else text,
            input_tokens=self.input_tokens,
            output_tokens=self.output_tokens,
            cost_usd=float(self.cost) if not self.unpriced else None,
        )

    async def fail(self, code: FailureCode, message: str, new: Sequence[ModelMessage] = ()) -> None:
        """Store what the turn got to (its history stays valid) with the reason, then emit TurnFailed."""
        if code.startswith("model_") and self.model is not None:
            # People in the chat see a kind message; the operator sees here which agent and endpoint failed, and how.
            endpoint = self.model.base_url or self.model.system
            log.warning(
                "agent %r (session %s): model %s at %s failed: %s",
                self.session.agent,
                self.session.id,
                self.model.model_name,
                endpoint,
                message,
            )
        await self._record_denials(new)
        await self.records.settle()
        requests, calls = self.records.take()
        closed = close_open_calls(list(new))
        stored = await self.store.add_message(
            self.session,
            turn_id=self.id,
            role="assistant",
            text="",
            model_messages=closed,
            error_code=code,
            error=message,
            status="active",
            requests=requests,
            calls=calls,
        )
        self.histories.stored(self.session.id, stored.seq, closed)
        self.log.emit(TurnFailed, code=code, message=message)
