"""Every tool's published input schema bounds what a call may carry, and the largest call it allows still fits
through the HTTP transport, so a client keeping to the schema gets a tool answer, never a bare HTTP 413.

A tool that needs one of several optional arguments says so in its schema, so `{}` is invalid there too, not
only when called; and no input schema has `anyOf`/`oneOf`/`allOf` at its top level, which Anthropic's API refuses
for every request that lists the tool.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pytest
from fastmcp import Client
from jsonschema import Draft202012Validator
from mcp.server.transport_security import DEFAULT_MAX_REQUEST_BODY_SIZE
from salient_core.datetime_arguments import datetime_arguments
from salient_core.freeform import MAX_JSON_BYTES

SERVERS = ("catalog", "crm", "scheduling", "library", "crossfeed")
# The most bytes one character of a JSON string may take on the wire: a control character is written \u001f.
BYTES_PER_CHAR = 6
# A JSON number or a datetime string: neither is longer than this in any call a tool accepts.
SHORT = 40
# Room for the JSON-RPC envelope around the arguments (jsonrpc, id, method, name, _meta).
ENVELOPE = 2_000


class Unbounded(Exception):
    """The schema at this path lets a call grow without limit."""


def largest(schema: dict[str, Any], path: str) -> int:
    """The most bytes a JSON value valid against `schema` can take, however a client escapes its strings."""
    if "enum" in schema or "const" in schema:
        values = schema.get("enum", [schema.get("const")])
        return max(len(json.dumps(v)) for v in values)
    branches = schema.get("anyOf") or schema.get("oneOf")
    if branches:
        return max(largest(branch, path) for branch in branches)
    kind = schema.get("type")
    if kind in ("integer", "number", "boolean", "null"):
        return SHORT
    if kind == "string":
        if "maxLength" in schema:
            return 2 + BYTES_PER_CHAR * schema["maxLength"]
        if schema.get("format") in ("date-time", "date", "time"):
            return SHORT
        raise Unbounded(f"{path}: a string without maxLength")
    if kind == "array":
        if "maxItems" not in schema:
            raise Unbounded(f"{path}: an array without maxItems")
        return 2 + schema["maxItems"] * (1 + largest(schema.get("items", {}), f"{path}[]"))
    if kind == "object":
        return _largest_object(schema, path)
    raise Unbounded(f"{path}: any JSON value ({schema})")


def _largest_object(schema: dict[str, Any], path: str) -> int:
    size = 2
    for name, sub in schema.get("properties", {}).items():
        size += len(name) + 4 + largest(sub, f"{path}.{name}")
    extra = schema.get("additionalProperties", True)
    if extra is False:
        return size
    if "maxProperties" not in schema:
        raise Unbounded(f"{path}: an object with any keys and no maxProperties")
    if extra is True:  # free-form JSON: JsonLimits bounds its length as JSON, at most MAX_JSON_BYTES
        return size + BYTES_PER_CHAR * MAX_JSON_BYTES
    key = schema.get("propertyNames", {}).get("maxLength")
    if key is None:
        raise Unbounded(f"{path}: keys without propertyNames.maxLength")
    return size + schema["maxProperties"] * (4 + BYTES_PER_CHAR * key + largest(extra, f"{path}.*"))


async def published(name: str, tmp_path: Path) -> dict[str, dict[str, Any]]:
    server = importlib.import_module(f"salient_{name}.server")
    async with Client(server.create(db=f"sqlite:///{tmp_path / name}.db")) as client:
        return {tool.name: tool.input_schema for tool in await client.list_tools()}


@pytest.mark.parametrize("name", SERVERS)
async def test_the_largest_call_a_schema_allows_fits_through_http(name: str, tmp_path: Path) -> None:
    problems, sizes = [], {}
    for tool, schema in (await published(name, tmp_path)).items():
        try:
            sizes[tool] = ENVELOPE + largest(schema, tool)
        except Unbounded as exc:
            problems.append(str(exc))
    assert problems == []
    too_big = {tool: size for tool, size in sizes.items() if size > DEFAULT_MAX_REQUEST_BODY_SIZE}
    assert too_big == {}, f"above the {DEFAULT_MAX_REQUEST_BODY_SIZE:,}-byte HTTP request limit"


@pytest.mark.parametrize("name", SERVERS)
async def test_no_input_schema_combines_schemas_at_its_top_level(name: str, tmp_path: Path) -> None:
    for tool, schema in (await published(name, tmp_path)).items():
        assert schema["type"] == "object"
        assert not {"anyOf", "oneOf", "allOf"} & set(schema), tool


@pytest.mark.parametrize("name", SERVERS)
async def test_an_unknown_argument_is_refused_as_the_schema_says(name: str, tmp_path: Path) -> None:
    """A misspelt `dryrun` is refused by the tool; the schema says so too, so a client can check before calling."""
    for tool, schema in (await published(name, tmp_path)).items():
        assert schema.get("additionalProperties") is False, tool


# (server, tool, arguments the schema must refuse, arguments it must accept)
RULES = [
    (
        "crossfeed",
        "recommend_cross_sell",
        [{}, {"limit": 3}, {"product_ids": [], "customer": None}, {"customer": ""}],
        [{"product_ids": ["chair"]}, {"customer": "c-1"}, {"product_ids": ["chair"], "customer": "c-1"}],
    ),
    (
        "crossfeed",
        "find_territory",
        [{}, {"country": None}],
        [{"country": "US"}, {"company_size": 40}, {"email_domain": "acme.de"}],
    ),
    ("crossfeed", "find_rep", [{}, {"role": "SE"}], [{"territory": "west"}, {"country": "US", "role": "SE"}]),
    (
        "scheduling",
        "find_availability",
        [{}, {"rep": "ana", "team": "sales"}, {"rep": None, "team": ""}, {"team": "sales", "territory": "west"}],
        [{"rep": "ana"}, {"team": "sales"}, {"territory": "west"}, {"rep": "ana", "team": None}],
    ),
    (
        "library",
        "ingest",
        [{}, {"text": "a", "urls": ["https://example.com/"]}, {"paths": [], "urls": None}],
        [{"text": "a"}, {"urls": ["https://example.com/"]}, {"paths": ["a.md"], "text": None}],
    ),
]
REQUIRED = {  # filled in so that only the rule decides
    "find_availability": {
        "meeting_type": "demo",
        "window_start": "2027-04-05T00:00:00Z",
        "window_end": "2027-04-06T00:00:00Z",
    },
    "ingest": {"collection": "docs"},
}


@pytest.mark.parametrize(("name", "tool", "refused", "accepted"), RULES, ids=[tool for _, tool, _, _ in RULES])
async def test_a_rule_between_arguments_is_in_the_published_schema(
    name: str, tool: str, refused: list[dict[str, Any]], accepted: list[dict[str, Any]], tmp_path: Path
) -> None:
    schema = (await published(name, tmp_path))[tool]
    validator = Draft202012Validator(schema)
    for arguments in refused:
        assert not validator.is_valid(REQUIRED.get(tool, {}) | arguments), arguments
    for arguments in accepted:
        assert validator.is_valid(REQUIRED.get(tool, {}) | arguments), arguments


def datetime_paths(schema: dict[str, Any], path: str) -> list[str]:
    found = [path] if schema.get("format") == "date-time" else []
    for branch in schema.get("anyOf", []):
        found += datetime_paths(branch, path)
    for name, sub in schema.get("properties", {}).items():
        found += datetime_paths(sub, f"{path}.{name}")
    if isinstance(schema.get("items"), dict):
        found += datetime_paths(schema["items"], f"{path}[]")
    return found


@pytest.mark.parametrize("name", SERVERS)
async def test_every_datetime_argument_is_one_the_datetime_check_sees(name: str, tmp_path: Path) -> None:
    """DateTimeArguments checks top-level arguments only; a nested date-time would slip past it."""
    for tool, schema in (await published(name, tmp_path)).items():
        paths = datetime_paths(schema, tool)
        assert sorted(paths) == sorted(f"{tool}.{arg}" for arg in datetime_arguments(schema))
