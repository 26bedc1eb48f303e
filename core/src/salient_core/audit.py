"""The audit log: every call of a write tool, kept in the server's own database for the operator.

Each entry says who called (the Salient token's id, a JWT's client and subject, or the local user over stdio),
for which account, which tool with which arguments (secrets redacted, long texts shortened), when, how long it
took and how it ended: `ok`, `error` (with the error's text) or `refused` (the token lacked the write scope).
Calls that fail are logged too. The entry is written after the call, in a transaction of its own: a failure to
write it is logged and never turns a successful call into a failed one, nor undoes what the call did.

Operators read it with `salient-<server> audit list --account A`.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal, cast

from fastmcp import Context
from fastmcp.server.dependencies import get_access_token
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from fastmcp.tools import ToolResult
from mcp import types as mt
from sqlalchemy import select

from salient_core.auth import Caller, current_caller
from salient_core.db import Database, utcnow
from salient_core.errors import InvalidInput, PermissionDenied
from salient_core.middleware import WRITE_TAG
from salient_core.models import AuditEntry
from salient_core.redact import redact
from salient_core.settings import ServerSettings

log = logging.getLogger(__name__)

Outcome = Literal["ok", "error", "refused"]
MAX_TEXT = 2000  # characters of one argument string kept in the log
MAX_LIMIT = 1000
AGE = re.compile(r"(\d{1,6})([mhd])")
AGE_UNITS = {"m": "minutes", "h": "hours", "d": "days"}


class AuditLog:
    """Writes and lists the audit entries kept in a server's database."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def record(self, entry: AuditEntry) -> None:
        async with self.db.transaction() as session:
            session.add(entry)

    async def list(
        self, *, account: str, tool: str | None = None, since: datetime | None = None, limit: int = 50
    ) -> Sequence[AuditEntry]:
        """The account's newest entries first, optionally only for one tool and from a time on."""
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}, got {limit!r}.")
        if since is not None and since.tzinfo is None:
            raise InvalidInput(f"since {since.isoformat()!r} has no time zone.", hint="Add one, e.g. +00:00 or Z.")
        query = select(AuditEntry).where(AuditEntry.account_id == account)
        if tool is not None:
            query = query.where(AuditEntry.tool == tool)
        if since is not None:
            query = query.where(AuditEntry.at >= since)
        query = query.order_by(AuditEntry.at.desc(), AuditEntry.id.desc()).limit(limit)
        async with self.db.session() as session:
            return list(await session.scalars(query))


def parse_since(value: str, *, now: datetime | None = None) -> datetime:
    """A point in time from `2026-12-01`, `2026-12-01T09:30:00+01:00` (no zone means UTC) or an age: `30m`, `12h`, `7d`.

    Raises:
        InvalidInput: `value` is none of these.
    """
    text = value.strip()
    age = AGE.fullmatch(text)
    if age:
        amount, unit = int(age.group(1)), age.group(2)
        return (now or utcnow()) - timedelta(**{AGE_UNITS[unit]: amount})
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            f"--since {value!r} is neither a date, a date and time, nor an age.",
            hint="Use e.g. 2026-12-01, 2026-12-01T09:30:00Z, 30m, 12h or 7d.",
        ) from None
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


def shortened(value: Any) -> Any:
    """`value` with every string past MAX_TEXT characters cut there, at any depth."""
    if isinstance(value, str) and len(value) > MAX_TEXT:
        return value[:MAX_TEXT] + f"... [{len(value) - MAX_TEXT} more characters]"
    if isinstance(value, dict):
        return {k: shortened(v) for k, v in cast(dict[Any, Any], value).items()}
    if isinstance(value, list | tuple):
        return [shortened(v) for v in cast(list[Any] | tuple[Any, ...], value)]
    return value


def outcome_of(exc: BaseException) -> Outcome:
    refused = isinstance(exc, PermissionDenied) or isinstance(exc.__cause__, PermissionDenied)
    return "refused" if refused else "error"


class AuditWrites(Middleware):
    """Records every call of a tool tagged `write` in the audit log, whatever its outcome.

    Install it outside `ErrorMapping`, so it sees the error text the client sees (masked where the client's is).
    """

    def __init__(self, server: str, settings: ServerSettings) -> None:
        self.server = server
        self.settings = settings
        self._writes: dict[str, bool] = {}  # tool name -> tagged write; tags are fixed once a server runs

    async def on_call_tool(
        self, context: MiddlewareContext[mt.CallToolRequestParams], call_next: CallNext[Any, Any]
    ) -> Any:
        ctx = context.fastmcp_context
        name = context.message.name
        if ctx is None or not await self._is_write(ctx, name):
            return await call_next(context)
        try:
            caller = current_caller(self.settings, self.server)
        except PermissionError:  # a token without an account: refused before any tool runs
            return await call_next(context)
        started = time.monotonic()
        try:
            result = await call_next(context)
        except Exception as exc:
            await self._record(ctx, caller, context.message, started, outcome_of(exc), str(exc))
            raise
        failed = isinstance(result, ToolResult) and result.is_error
        error = " ".join(c.text for c in result.content if isinstance(c, mt.TextContent)) if failed else None
        await self._record(ctx, caller, context.message, started, "error" if failed else "ok", error)
        return result

    async def _is_write(self, ctx: Context, name: str) -> bool:
        known = self._writes.get(name)
        if known is None:
            tool = await ctx.fastmcp.get_tool(name)
            if tool is None:
                return False  # unknown tools are not cached: a name cannot be made to pin a wrong answer
            known = self._writes[name] = WRITE_TAG in tool.tags
        return known

    async def _record(
        self,
        ctx: Context,
        caller: Caller,
        message: mt.CallToolRequestParams,
        started: float,
        outcome: Outcome,
        error: str | None,
    ) -> None:
        token = get_access_token()
        subject = (token.claims or {}).get("sub") if token is not None else None
        entry = AuditEntry(
            account_id=caller.account,
            at=utcnow(),
            tool=message.name,
            token_id=caller.token_id,
            subject=str(subject) if subject else None,
            arguments=shortened(redact(message.arguments or {})),
            outcome=outcome,
            error=error,
            duration_ms=round((time.monotonic() - started) * 1000),
        )
        try:
            db: Database = ctx.lifespan_context["runtime"].db
            await AuditLog(db).record(entry)
        except Exception:  # the call itself is done: whatever broke the log must not fail it or undo it
            log.exception(
                "could not write the audit entry for %r (account %r, outcome %s)", message.name, caller.account, outcome
            )
