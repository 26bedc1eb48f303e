"""ScriptedConversations: a deterministic, in-memory `Conversations` (and `AdminData`) for the web tests.

It stands in for the host's conversation engine until that lands; tests get it only through the `conversations`
fixture in conftest.py, so swapping in the real engine (driven by a pydantic-ai FunctionModel) is one fixture.

It keeps the contract the web relies on: a turn runs as a task of its own, detached from the stream that started
it; every event has the turn's seq; the same `client_message_id` again follows the turn from `after_seq + 1` instead
of storing and running the message again; another account's session is refused (LookupError).

The script, by what the visitor writes:
- "delete" or "archive": a destructive `crm.archive_record` call held for approval; `decide` runs or skips it.
- "xss": an answer full of script-injection attempts (as a poisoned document might carry).
- "code": an answer with a fenced code block.
- anything else: a `library.search` tool call, then an answer citing a library source as a Markdown link.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any

from salient_host.events import (
    ApprovalRequested,
    Notice,
    SessionInfo,
    ShownMessage,
    ShownToolCall,
    TextDelta,
    ToolFinished,
    ToolStarted,
    TurnEvent,
    TurnFinished,
)
from salient_host.web.admin_data import SessionDetail, SessionPage, SessionSummary, UsageRow

CITED_ANSWER = (
    "According to our [Returns and exchanges policy](https://brightwell.example/help/returns-policy), unused items "
    "can be returned within **30 days** of delivery. Mobility aids need the original packaging."
)
XSS_ANSWER = (
    "Here is what the document says: <script>window.__xss = 'script'</script> "
    '<img src="x" onerror="window.__xss = \'img\'"> '
    "[click me](javascript:window.__xss='link') "
    '<a href="javascript:window.__xss=1">raw link</a> '
    "<iframe src=\"javascript:window.__xss='iframe'\"></iframe> and that is all."
)
CODE_ANSWER = "Use this to check the battery:\n\n```python\nprint('battery ok')\n```\n\nThat's it."
PRICE_PER_TOKEN = 0.000002


class UnknownSession(LookupError):
    pass


@dataclass
class Turn:
    id: str
    events: list[TurnEvent] = field(default_factory=list)
    done: bool = False
    changed: asyncio.Condition = field(default_factory=asyncio.Condition)
    task: asyncio.Task[None] | None = None


@dataclass
class StoredSession:
    info: SessionInfo
    messages: list[ShownMessage] = field(default_factory=list)
    pending: dict[str, ShownToolCall] = field(default_factory=dict)  # call_id -> held-back call
    requests: int = 0
    input_tokens: int = 0
    output_tokens: int = 0


class ScriptedConversations:
    def __init__(self, *, delay: float = 0.01) -> None:
        self.delay = delay  # between streamed events, so streaming is visible in a browser
        self.sessions: dict[str, StoredSession] = {}
        self.turns: dict[tuple[str, str], Turn] = {}
        self._ids = itertools.count(1)

    def _id(self, prefix: str) -> str:
        return f"{prefix}_{next(self._ids):05d}"

    def _session(self, session_id: str, account: str) -> StoredSession:
        stored = self.sessions.get(session_id)
        if stored is None or stored.info.account != account:
            raise UnknownSession(f"no session {session_id!r} for account {account!r}")
        return stored

    # Conversations

    async def start(self, *, account: str, agent: str, origin: dict[str, str] | None = None) -> SessionInfo:
        info = SessionInfo(
            id=self._id("ses"), account=account, agent=agent, created_at=datetime.now(UTC), origin=dict(origin or {})
        )
        self.sessions[info.id] = StoredSession(info=info)
        return info

    async def get(self, session_id: str, *, account: str) -> SessionInfo:
        return self._session(session_id, account).info

    async def history(self, session_id: str, *, account: str) -> list[ShownMessage]:
        return list(self._session(session_id, account).messages)

    def send(
        self, session_id: str, text: str, *, account: str, client_message_id: str, after_seq: int = -1
    ) -> AsyncIterator[TurnEvent]:
        stored = self._session(session_id, account)
        key = (session_id, client_message_id)
        if key not in self.turns:
            stored.messages.append(
                ShownMessage(id=self._id("msg"), role="user", text=text, created_at=datetime.now(UTC))
            )
            if stored.info.title is None:
                stored.info = replace(stored.info, title=text[:60])
            self._launch(key, stored, self._script(text))
        return self._follow(self.turns[key], after_seq)

    def decide(
        self, session_id: str, decisions: dict[str, bool], *, account: str, client_message_id: str, after_seq: int = -1
    ) -> AsyncIterator[TurnEvent]:
        stored = self._session(session_id, account)
        key = (session_id, client_message_id)
        if key not in self.turns:
            self._launch(key, stored, self._decisions(stored, decisions))
        return self._follow(self.turns[key], after_seq)

    # Turns

    def _launch(self, key: tuple[str, str], stored: StoredSession, script: list[dict[str, Any]]) -> None:
        turn = Turn(id=self._id("turn"))
        self.turns[key] = turn
        turn.task = asyncio.create_task(self._run(turn, stored, script))

    async def _emit(self, turn: Turn, make: type, **fields: Any) -> None:
        async with turn.changed:
            turn.events.append(make(turn_id=turn.id, seq=len(turn.events), **fields))
            turn.changed.notify_all()

    async def _run(self, turn: Turn, stored: StoredSession, script: list[dict[str, Any]]) -> None:
        text: list[str] = []
        calls: list[ShownToolCall] = []
        for step in script:
            await asyncio.sleep(self.delay)
            kind = step.pop("kind")
            if kind is TextDelta:
                text.append(step["text"])
            elif kind is ToolFinished:
                calls.append(
                    ShownToolCall(
                        call_id=step["call_id"],
                        server=step["server"],
                        tool=step["tool"],
                        args=step.pop("_args"),
                        duration_ms=step["duration_ms"],
                        outcome="ok",
                    )
                )
            elif kind is ApprovalRequested:
                call = ShownToolCall(call_id=step["call_id"], server=step["server"], tool=step["tool"],
                                     args=step["args"], duration_ms=None, outcome="awaiting_approval")  # fmt: skip
                calls.append(call)
                stored.pending[call.call_id] = call
            await self._emit(turn, kind, **step)
        output = "".join(text) or None
        waiting = any(c.outcome == "awaiting_approval" for c in calls)
        message = ShownMessage(
            id=self._id("msg"),
            role="assistant",
            text="" if waiting else (output or ""),
            created_at=datetime.now(UTC),
            tool_calls=calls,
        )
        stored.messages.append(message)
        input_tokens, output_tokens = 120, 10 * len(text)
        stored.requests += 1
        stored.input_tokens += input_tokens
        stored.output_tokens += output_tokens
        await self._emit(
            turn,
            TurnFinished,
            message_id=message.id,
            output=None if waiting else output,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cost_usd=(input_tokens + output_tokens) * PRICE_PER_TOKEN,
        )
        async with turn.changed:
            turn.done = True
            turn.changed.notify_all()

    async def _follow(self, turn: Turn, after_seq: int) -> AsyncIterator[TurnEvent]:
        index = after_seq + 1
        while True:
            async with turn.changed:
                await turn.changed.wait_for(lambda seen=index: len(turn.events) > seen or turn.done)
                ready, done = turn.events[index:], turn.done
            for event in ready:
                yield event
            index += len(ready)
            if done and index >= len(turn.events):
                return

    # The script

    def _words(self, text: str) -> list[dict[str, Any]]:
        words = text.split(" ")
        return [{"kind": TextDelta, "text": w + (" " if i < len(words) - 1 else "")} for i, w in enumerate(words)]

    def _tool(self, server: str, tool: str, args: dict[str, Any], duration_ms: float) -> list[dict[str, Any]]:
        call_id = self._id("call")
        return [
            {"kind": ToolStarted, "call_id": call_id, "server": server, "tool": tool, "args": args},
            {
                "kind": ToolFinished,
                "call_id": call_id,
                "server": server,
                "tool": tool,
                "duration_ms": duration_ms,
                "ok": True,
                "_args": args,
            },
        ]

    def _script(self, text: str) -> list[dict[str, Any]]:
        lowered = text.lower()
        if "delete" in lowered or "archive" in lowered:
            return [
                *self._tool("crm", "search_records", {"object_type": "contact", "query": "Jane Doe"}, 35.0),
                *self._words("I found the contact. Archiving needs your approval."),
                {
                    "kind": ApprovalRequested,
                    "call_id": self._id("call"),
                    "server": "crm",
                    "tool": "archive_record",
                    "args": {"object_type": "contact", "id": "c_42", "note": '<img src=x onerror="window.__xss=1">'},
                    "reason": "archive_record removes the contact from active lists.",
                },
            ]
        if "xss" in lowered:
            return self._words(XSS_ANSWER)
        if "code" in lowered:
            return self._words(CODE_ANSWER)
        return [*self._tool("library", "search", {"query": text[:80]}, 142.0), *self._words(CITED_ANSWER)]

    def _decisions(self, stored: StoredSession, decisions: dict[str, bool]) -> list[dict[str, Any]]:
        steps: list[dict[str, Any]] = []
        for call_id, approved in decisions.items():
            call = stored.pending.pop(call_id, None)
            if call is None:
                steps.append({"kind": Notice, "level": "warning", "text": f"No call {call_id!r} is waiting."})
                continue
            outcome = "ok" if approved else "denied"
            for message in stored.messages:
                message.tool_calls[:] = [
                    replace(c, outcome=outcome) if c.call_id == call_id else c for c in message.tool_calls
                ]
            if approved:
                steps += [
                    {
                        "kind": ToolStarted,
                        "call_id": call_id,
                        "server": call.server,
                        "tool": call.tool,
                        "args": call.args,
                    },
                    {
                        "kind": ToolFinished,
                        "call_id": call_id,
                        "server": call.server,
                        "tool": call.tool,
                        "duration_ms": 20.0,
                        "ok": True,
                        "_args": call.args,
                    },
                    *self._words("Done: the contact c_42 is archived."),
                ]
            else:
                steps += self._words("OK, I left the contact c_42 as it is.")
        return steps

    # AdminData

    def _summary(self, stored: StoredSession) -> SessionSummary:
        return SessionSummary(
            session=stored.info,
            messages=len(stored.messages),
            tool_calls=sum(len(m.tool_calls) for m in stored.messages),
            last_activity=stored.messages[-1].created_at if stored.messages else None,
            cost_usd=(stored.input_tokens + stored.output_tokens) * PRICE_PER_TOKEN,
        )

    async def list_sessions(
        self, *, account: str | None = None, agent: str | None = None, limit: int = 50, cursor: str | None = None
    ) -> SessionPage:
        chosen = [
            s
            for s in reversed(self.sessions.values())
            if (account is None or s.info.account == account) and (agent is None or s.info.agent == agent)
        ]
        start = int(cursor or 0)
        page = chosen[start : start + limit]
        more = start + limit < len(chosen)
        return SessionPage(
            items=[self._summary(s) for s in page], total=len(chosen), next_cursor=str(start + limit) if more else None
        )

    async def session_detail(self, session_id: str) -> SessionDetail | None:
        stored = self.sessions.get(session_id)
        if stored is None:
            return None
        return SessionDetail(
            session=stored.info,
            messages=list(stored.messages),
            input_tokens=stored.input_tokens,
            output_tokens=stored.output_tokens,
            cost_usd=(stored.input_tokens + stored.output_tokens) * PRICE_PER_TOKEN,
        )

    async def usage(self, *, since: datetime | None = None) -> list[UsageRow]:
        rows: dict[tuple[str, str], UsageRow] = {}
        for s in self.sessions.values():
            key = (s.info.account, s.info.agent)
            row = rows.get(key) or UsageRow(account=key[0], agent=key[1], sessions=0, requests=0, input_tokens=0,
                                            output_tokens=0, cost_usd=0.0)  # fmt: skip
            rows[key] = replace(
                row,
                sessions=row.sessions + 1,
                requests=row.requests + s.requests,
                input_tokens=row.input_tokens + s.input_tokens,
                output_tokens=row.output_tokens + s.output_tokens,
                cost_usd=(row.cost_usd or 0.0) + (s.input_tokens + s.output_tokens) * PRICE_PER_TOKEN,
            )
        return sorted(rows.values(), key=lambda r: (r.account, r.agent))
