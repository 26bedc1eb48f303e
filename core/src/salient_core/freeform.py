"""Free-form JSON arguments (record properties, search filters, preferences) with bounds, checked at the edge.

A bare `dict[str, Any]` argument takes anything JSON can nest. A contact's preferences nested 195 levels deep were
stored, and from then on no client could read the contact back: the answer was deeper than the client's parser goes.
So every free-form argument is `Annotated[dict[str, Any], JsonLimits(...)]`: it may nest only so deep, hold only
so many keys and list items in all, and be only so long as JSON. The key count is published as `maxProperties`;
depth and length, which JSON Schema cannot express, are stated in the argument's description. A value over a limit
is refused with an error that names the argument and the limit, before the tool runs.

`ArgumentDepth` is the backstop for every argument, typed or not: fastmcp serializes arguments before validating
them, and a value nested some hundred levels deep fails there (a masked internal error) instead of in validation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from fastmcp.exceptions import ToolError
from fastmcp.server.middleware import CallNext, Middleware, MiddlewareContext
from mcp import types as mt
from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema, to_json

# No JsonLimits may allow more than this many bytes, so the largest tool call a schema allows stays countable
# (tests/core/test_published_arguments.py keeps it under the HTTP transport's request limit).
MAX_JSON_BYTES = 200_000

# Deeper than any argument of any Salient tool, typed or free-form, may nest.
MAX_ARGUMENT_DEPTH = 32


@dataclass(frozen=True)
class JsonLimits:
    """Bounds for a free-form JSON object argument; use as `Annotated[dict[str, Any], JsonLimits(...)]`.

    Args:
        depth: Levels of nesting, the object itself being level 1 (`{"a": {"b": 1}}` is 2 deep).
        entries: Keys and list items at every level, counted together.
        bytes: Length of the value as compact UTF-8 JSON.
    """

    depth: int = 3
    entries: int = 100
    bytes: int = 10_000

    def __post_init__(self) -> None:
        if not (1 <= self.depth <= MAX_ARGUMENT_DEPTH and self.entries >= 1 and 2 <= self.bytes <= MAX_JSON_BYTES):
            raise ValueError(f"JsonLimits out of range: {self}")

    def describe(self) -> str:
        """The limits in words, for the argument's description (JSON Schema has no keyword for depth or length)."""
        return (
            f"At most {_levels(self.depth)} deep, {self.entries} keys and list items in all, "
            f"{self.bytes:,} bytes as JSON."
        )

    def check(self, value: dict[str, Any]) -> dict[str, Any]:
        deepest, entries = measure(value, stop_depth=self.depth, stop_entries=self.entries)
        if deepest > self.depth:
            raise PydanticCustomError(
                "json_too_deep",
                "nested more than {levels} deep; the limit is {levels}",
                {"levels": _levels(self.depth)},
            )
        if entries > self.entries:
            raise PydanticCustomError(
                "json_too_many_entries",
                "holds more than {limit} keys and list items; the limit is {limit}",
                {"limit": self.entries},
            )
        size = len(to_json(value))
        if size > self.bytes:
            raise PydanticCustomError(
                "json_too_long",
                "is {size} bytes as JSON; the limit is {limit} bytes",
                {"size": f"{size:,}", "limit": f"{self.bytes:,}"},
            )
        return value

    def __get_pydantic_core_schema__(self, source: Any, handler: GetCoreSchemaHandler) -> CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def __get_pydantic_json_schema__(self, schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        published = handler(schema)
        published["maxProperties"] = min(self.entries, published.get("maxProperties", self.entries))
        return published


def _levels(n: int) -> str:
    return f"{n} level" if n == 1 else f"{n} levels"


def measure(value: Any, *, stop_depth: int, stop_entries: int) -> tuple[int, int]:
    """How deep `value` nests and how many keys and list items it holds, counting no further than one past a stop.

    Iterative, so a value nested thousands of levels deep costs no recursion and is looked at only as far as needed.
    """
    deepest = entries = 0
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, level = pending.pop()
        if isinstance(item, dict):
            children: Any = cast(dict[Any, Any], item).values()
        elif isinstance(item, list | tuple):
            children = cast(list[Any] | tuple[Any, ...], item)
        else:
            continue
        deepest = max(deepest, level)
        entries += len(children)
        if deepest > stop_depth or entries > stop_entries:
            break
        pending.extend((child, level + 1) for child in children)
    return deepest, entries


class ArgumentDepth(Middleware):
    """Refuses a tool call whose arguments nest deeper than any tool's could, naming the argument and the limit."""

    async def on_call_tool(
        self, context: MiddlewareContext[mt.CallToolRequestParams], call_next: CallNext[Any, Any]
    ) -> Any:
        for name, value in (context.message.arguments or {}).items():
            deepest, _ = measure(value, stop_depth=MAX_ARGUMENT_DEPTH, stop_entries=2**62)
            if deepest > MAX_ARGUMENT_DEPTH:
                raise ToolError(
                    f"Invalid arguments for {context.message.name!r}: {name}: nested more than "
                    f"{MAX_ARGUMENT_DEPTH} levels deep; the limit for any argument is {MAX_ARGUMENT_DEPTH} levels. "
                    "Fix these arguments to match the tool's input schema and call it again."
                )
        return await call_next(context)
