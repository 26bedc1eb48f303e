"""What the host relies on in a server's tools, checked against the schemas the server publishes over MCP.

The host reads a few tool results itself (a summary's booking, contact and lead; the CRM note it logs) and writes
one argument itself (the lead's `source`). Each such reading is a `Contract`: a tool and a pydantic model of only
the fields the host uses. Before a result is read, the model is checked against the tool's `outputSchema` from the
server's `tools/list` (never against the server package's own classes, which the host does not import: what
counts is what the running server says); an argument the host writes is checked against the `inputSchema`
(`ArgumentContract`). A field the server no longer publishes, or publishes with a type the host cannot read, raises
`ContractError` naming the server, the tool and the field: a server and a host that drifted apart fail loudly at
the first call that depends on the drift, instead of quietly reading nothing.

    tools = await published_tools(supervisor)                       # tools/list, over the held connection
    page = await call(supervisor, SEARCH_RECORDS, {"query": ...})    # checked, called, parsed: a RecordPage
    facts = BOOKING_MADE.parse("scheduling", tools.get("book_meeting"), content)   # a result already at hand

A result at hand whose server cannot be asked for its schema (down, or not held) is still parsed into the model,
so a result that lacks what the host reads raises `ContractError` all the same.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from mcp.types import Tool
from pydantic import BaseModel, ValidationError

from salient_host.errors import SalientHostError
from salient_host.mcp.supervision import ServerDown, SupervisedToolset

M = TypeVar("M", bound=BaseModel)

Schema = Mapping[str, Any]


class ContractError(SalientHostError):
    """A server's tool no longer publishes (or returns) what the host relies on; `problems` name the fields."""

    def __init__(self, server: str, tool: str, problems: list[str]) -> None:
        self.server, self.tool, self.problems = server, tool, problems
        super().__init__(
            f"The {server!r} server's tool {tool!r} does not match what the host relies on: "
            + "; ".join(problems)
            + ". Run a server and a host that agree (update one of them)."
        )


@dataclass(frozen=True)
class Contract(Generic[M]):
    """What the host reads from the results of `tool`: the fields of `model`, which the output schema must carry."""

    tool: str
    model: type[M]

    def check(self, server: str, published: Tool | None) -> None:
        """Raise ContractError unless the published tool's output schema carries every field of the model.

        `published` None: the server offers no such tool (when it was asked), which is a broken contract too.
        """
        if published is None:
            raise ContractError(server, self.tool, ["the server does not offer this tool"])
        schema = published.output_schema
        if schema is None:
            raise ContractError(server, self.tool, ["the tool publishes no output schema"])
        wanted = _schema_of(self.model)
        problems = _readable(wanted, wanted, schema, schema, "")
        if problems:
            raise ContractError(server, self.tool, [f"output {p}" for p in problems])

    def parse(self, server: str, published: Tool | None, value: object, *, checked: bool = True) -> M:
        """`value` (a result's structured content) as the model, after `check` unless `checked` is False.

        Pass `checked=False` only where the server's tools could not be listed: the value is still validated.
        """
        if checked:
            self.check(server, published)
        try:
            return self.model.model_validate(value)
        except ValidationError as exc:
            problems = [f"result field {_path(e['loc'])!r}: {e['msg']}" for e in exc.errors()]
            raise ContractError(server, self.tool, problems) from exc


@dataclass(frozen=True)
class ArgumentContract:
    """What the host writes into the argument `argument` of `tool`: the fields of `model`, as strings or objects.

    The published input schema must accept each field of the model with the type the model gives it.
    """

    tool: str
    argument: str
    model: type[BaseModel]

    def check(self, server: str, input_schema: Schema) -> None:
        given = _schema_of(self.model)
        properties = _object_alternative(input_schema, input_schema) or {}
        argument = _properties(properties).get(self.argument)
        if argument is None:
            problems = [f"input argument {self.argument!r} is gone"]
        else:
            problems = [f"input {p}" for p in _writable(given, given, argument, input_schema, self.argument)]
        if problems:
            raise ContractError(server, self.tool, problems)


async def published_tools(server: SupervisedToolset) -> dict[str, Tool]:
    """The tools `server` publishes (`tools/list`), by name; the supervised connection's cached list when it has one.

    The supervisor must be held (entered); raises ServerDown when the server cannot be reached.
    """

    async def listed(_client: object) -> list[Tool]:
        return await server.mcp.list_tools()

    return {tool.name: tool for tool in await server.request(listed, read_only=True)}


async def published_by_server(servers: Mapping[str, SupervisedToolset]) -> dict[str, dict[str, Tool]]:
    """`published_tools` of each held server that answers; a server that is down is left out (see the docstring)."""
    found: dict[str, dict[str, Tool]] = {}
    for name, server in servers.items():
        try:
            found[name] = await published_tools(server)
        except ServerDown:
            continue
    return found


async def call(server: SupervisedToolset, contract: Contract[M], arguments: dict[str, Any], *, read_only: bool) -> M:
    """Call the contract's tool on `server` with `arguments` (after checking its published schema), parsed."""
    tool = (await published_tools(server)).get(contract.tool)
    contract.check(server.server, tool)

    async def send(client: Any) -> object:  # fastmcp's Client, as SupervisedToolset.request passes it
        result = await client.call_tool(contract.tool, arguments)
        return result.structured_content

    return contract.parse(server.server, tool, await server.request(send, read_only=read_only), checked=False)


# --- comparing JSON schemas ------------------------------------------------------------------------------------
#
# The host's model gives `wanted`; the server's published schema gives `published`. Each schema is read with its
# own root, where its `$ref`s point. Only what the host's model names is compared: the server may publish more.

_NUMBER = {"integer", "number"}


def _readable(wanted: Schema, wanted_root: Schema, published: Schema, published_root: Schema, path: str) -> list[str]:
    """What keeps the host from reading values of `published` as `wanted` (field by field)."""
    wanted, published = _resolved(wanted, wanted_root), _resolved(published, published_root)
    accepts = _types(wanted, wanted_root)
    if not accepts:
        return []  # the host takes anything here
    gives = _types(published, published_root)
    if "number" in accepts:
        accepts = accepts | _NUMBER
    if not gives or not gives <= accepts:
        shown = " or ".join(sorted(gives)) if gives else "untyped"
        return [f"field {path or '(result)'!r} is {shown}, the host reads {' or '.join(sorted(accepts))}"]
    problems: list[str] = []
    if "object" in gives:
        w, p = _object_alternative(wanted, wanted_root), _object_alternative(published, published_root)
        assert w is not None and p is not None, "both schemas take objects here"
        published_fields = _properties(p)
        for name, field in _properties(w).items():
            inner = f"{path}.{name}" if path else name
            if name not in published_fields:
                problems.append(f"field {inner!r} is gone")
            else:
                problems += _readable(field, wanted_root, published_fields[name], published_root, inner)
    if "array" in gives:
        w, p = _array_alternative(wanted, wanted_root), _array_alternative(published, published_root)
        if w is not None and p is not None and "items" in w:
            problems += _readable(w["items"], wanted_root, p.get("items", {}), published_root, f"{path}[]")
    return problems


def _writable(given: Schema, given_root: Schema, published: Schema, published_root: Schema, path: str) -> list[str]:
    """What keeps the server from taking values of `given` where it publishes `published` (field by field)."""
    given, published = _resolved(given, given_root), _resolved(published, published_root)
    sends = _types(given, given_root) - {"null"}  # the host leaves out what it has no value for
    takes = _types(published, published_root)
    if not takes:
        return []  # the server takes anything here
    if not sends <= takes:
        return [f"field {path!r} takes {' or '.join(sorted(takes))}, the host writes {' or '.join(sorted(sends))}"]
    problems: list[str] = []
    if "object" in sends:
        g, p = _object_alternative(given, given_root), _object_alternative(published, published_root)
        assert g is not None and p is not None, "both schemas take objects here"
        published_fields = _properties(p)
        for name, field in _properties(g).items():
            inner = f"{path}.{name}"
            if name in published_fields:
                problems += _writable(field, given_root, published_fields[name], published_root, inner)
            elif p.get("additionalProperties") is False or published_fields:
                problems.append(f"field {inner!r} is gone")
    return problems


@functools.cache
def _schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of a host model, made once: pydantic builds it anew on every call."""
    return model.model_json_schema()


def _properties(schema: Schema) -> Mapping[str, Schema]:
    """An object schema's `properties` (none when it lists none)."""
    found: Mapping[str, Schema] = schema.get("properties") or {}
    return found


def _resolved(schema: Schema, root: Schema) -> Schema:
    ref = schema.get("$ref")
    while isinstance(ref, str) and ref.startswith("#/"):
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part]
        schema = target
        ref = schema.get("$ref")
    return schema


def _alternatives(schema: Schema, root: Schema) -> list[Schema]:
    schema = _resolved(schema, root)
    choices = schema.get("anyOf") or schema.get("oneOf")
    if choices:
        return [alt for choice in choices for alt in _alternatives(choice, root)]
    return [schema]


def _types(schema: Schema, root: Schema) -> set[str]:
    """The JSON types a schema allows; empty when it allows any."""
    found: set[str] = set()
    for alt in _alternatives(schema, root):
        kind = alt.get("type")
        if kind is None and "enum" in alt:
            kind = sorted({_json_type(v) for v in alt["enum"]})
        if kind is None and "const" in alt:
            kind = _json_type(alt["const"])
        if kind is None:
            return set()
        found.update([kind] if isinstance(kind, str) else kind)
    return found


def _json_type(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    return "string"


def _object_alternative(schema: Schema, root: Schema) -> Schema | None:
    return next((alt for alt in _alternatives(schema, root) if alt.get("type") == "object"), None)


def _array_alternative(schema: Schema, root: Schema) -> Schema | None:
    return next((alt for alt in _alternatives(schema, root) if alt.get("type") == "array"), None)


def _path(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(result)"
