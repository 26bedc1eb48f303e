"""A `date-time` argument must be written as a date and a time, as its published schema says.

JSON has no datetime type, so clients send datetimes as strings. pydantic, even in strict mode, also reads a string
of digits as seconds since 1970: `occurred_at="123"` was stored as 1970-01-01T00:02:03Z. This middleware refuses
such a string, for every argument whose schema has `format: date-time`, before the tool runs.
"""

from __future__ import annotations

import re
from typing import Any

from fastmcp.exceptions import ToolError
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from mcp import types as mt

# A date, a separator and hours and minutes: the start every ISO 8601 date-time pydantic accepts has.
_DATE_AND_TIME = re.compile(r"\d{4}-\d{2}-\d{2}[Tt_ ]\d{2}:\d{2}")


def datetime_arguments(schema: dict[str, Any]) -> frozenset[str]:
    """The names of the top-level arguments of this input schema that are date-times (alone or in a union)."""
    names: set[str] = set()
    for name, sub in schema.get("properties", {}).items():
        if any(branch.get("format") == "date-time" for branch in [sub, *sub.get("anyOf", [])]):
            names.add(name)
    return frozenset(names)


class DateTimeArguments(Middleware):
    """Refuses a `date-time` argument that is not written as a date and a time, naming the argument."""

    def __init__(self) -> None:
        self._names: dict[str, frozenset[str]] = {}  # tool -> its date-time arguments; tools are fixed once running

    async def on_call_tool(
        self, context: MiddlewareContext[mt.CallToolRequestParams], call_next: CallNext[Any, Any]
    ) -> Any:
        tool = context.message.name
        arguments = context.message.arguments or {}
        for name in await self._datetime_arguments(context):
            value = arguments.get(name)
            if isinstance(value, str) and not _DATE_AND_TIME.match(value):
                shown = repr(value) if len(value) <= 60 else repr(value[:57]) + "..."
                raise ToolError(
                    f"Invalid arguments for {tool!r}: {name}: expected an ISO 8601 date and time such as "
                    f"'2026-03-01T15:00:00+01:00' (got {shown}). "
                    "Fix these arguments to match the tool's input schema and call it again."
                )
        return await call_next(context)

    async def _datetime_arguments(self, context: MiddlewareContext[mt.CallToolRequestParams]) -> frozenset[str]:
        name = context.message.name
        known = self._names.get(name)
        if known is None:
            known = frozenset[str]()
            if context.fastmcp_context is not None:
                tool = await context.fastmcp_context.fastmcp.get_tool(name)
                if tool is not None:
                    known = self._names[name] = datetime_arguments(tool.parameters)
        return known
