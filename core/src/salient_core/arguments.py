"""What a tool's arguments must look like, published in its input schema so a client can keep to it.

`ArgumentModel` is the base of every pydantic model a tool takes as an argument. Its objects admit no keys beyond
its fields (`additionalProperties: false`): a misspelt `{"scroe": 80}` used to be dropped without a word, and a
client could send any amount of unknown keys.

`at_least_one_of` and `exactly_one_of` publish rules between arguments. A function signature can only mark each
argument required or not, so a tool that needs one of two optional arguments published a schema with nothing
required: `{}` looked valid to a client and failed only when called. The service still checks the rule and says
what to send; an argument counts as given when it is present and neither null, an empty string nor an empty list.
The rule goes under a root `not`, never a root `anyOf`/`oneOf`/`allOf`: Anthropic's API refuses a tool whose input
schema has those at the top level, and then every request of a client that lists the tool fails.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import combinations
from typing import Any

from fastmcp import FastMCP
from fastmcp.decorators import get_fastmcp_meta
from pydantic import BaseModel, ConfigDict


class ArgumentModel(BaseModel):
    """Base of a model taken as a tool argument: unknown keys are refused, and the schema says so."""

    model_config = ConfigDict(extra="forbid")


def _absent(schema: dict[str, Any]) -> dict[str, Any]:
    """Matches a missing, null or empty value of an argument with this schema (and nothing else it allows)."""
    types = {schema.get("type")} | {branch.get("type") for branch in schema.get("anyOf", [])}
    if "array" in types:
        return {"maxItems": 0}  # null passes too: maxItems says nothing about non-arrays
    if "string" in types:
        return {"maxLength": 0}
    return {"type": "null"}


def _none_given(properties: dict[str, Any], names: tuple[str, ...]) -> dict[str, Any]:
    return {"properties": {name: _absent(properties[name]) for name in names}}


def _both_given(properties: dict[str, Any], first: str, second: str) -> dict[str, Any]:
    return {
        "required": [first, second],
        "properties": {name: {"not": _absent(properties[name])} for name in (first, second)},
    }


def _forbid(
    mcp: FastMCP, fn: Callable[..., Any], names: tuple[str, ...], case: Callable[[dict[str, Any]], dict[str, Any]]
) -> None:
    # `@mcp.tool` registers the function and hands it back, not the Tool; registering it again yields the Tool,
    # built from the same metadata, whose schema is then amended before any client lists it.
    meta = get_fastmcp_meta(fn)
    mcp.local_provider.remove_tool(getattr(meta, "name", None) or fn.__name__)
    tool = mcp.add_tool(fn)
    schema = dict(tool.parameters)
    properties = schema.get("properties", {})
    unknown = [name for name in names if name not in properties]
    if unknown:
        raise ValueError(f"{tool.name!r} has no argument {unknown[0]!r}")
    rule = case(properties)
    if "not" in schema:  # not A and not B == not (A or B)
        rule = {"anyOf": [schema["not"], rule]}
    tool.parameters = {**schema, "not": rule}


def at_least_one_of(mcp: FastMCP, tool: Callable[..., Any], *names: str) -> None:
    """Publish that `tool`, registered on `mcp` with `@mcp.tool`, needs at least one of the arguments `names`."""
    _forbid(mcp, tool, names, lambda properties: _none_given(properties, names))


def exactly_one_of(mcp: FastMCP, tool: Callable[..., Any], *names: str) -> None:
    """Publish that `tool`, registered on `mcp` with `@mcp.tool`, needs exactly one of the arguments `names`."""

    def case(properties: dict[str, Any]) -> dict[str, Any]:
        pairs = [_both_given(properties, a, b) for a, b in combinations(names, 2)]
        return {"anyOf": [_none_given(properties, names), *pairs]}

    _forbid(mcp, tool, names, case)
