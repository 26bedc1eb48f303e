"""How a failed request to a server is read: whether the connection failed, and whether the request may have arrived.

A supervisor (supervision.py) reconnects after a connection failure and sends a request again only when that cannot
do something twice; everything else is the tool's own outcome and goes back as it is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any, Literal, cast

from fastmcp.exceptions import ToolError
from mcp import MCPError
from mcp_types import CONNECTION_CLOSED, INVALID_REQUEST
from pydantic_ai import ToolDefinition
from pydantic_ai.exceptions import ModelRetry, ToolFailed

# Whether a failed request may have reached the server: only one that provably did not can be sent again blindly.
Delivery = Literal["not_delivered", "uncertain"]


def tool_annotations(tool: ToolDefinition) -> Mapping[str, Any]:
    """The MCP annotations pydantic-ai keeps in a tool's metadata (none when the server gave none)."""
    metadata: Mapping[str, Any] = tool.metadata or {}
    annotations: Mapping[str, Any] = metadata.get("annotations") or {}
    return annotations


def is_read_only(tool: ToolDefinition) -> bool:
    return tool_annotations(tool).get("readOnlyHint") is True


def _chain(exc: BaseException) -> Iterator[BaseException]:
    """`exc`, its causes and contexts, and the members of exception groups among them."""
    seen: set[int] = set()
    todo = [exc]
    while todo:
        current = todo.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo.extend(_members(current))
        todo.extend(e for e in (current.__cause__, current.__context__) if e is not None)


def _session_lost(error: MCPError) -> bool:
    # A streamable HTTP server that restarted answers an old session id with 404, which the MCP client reports
    # as INVALID_REQUEST "Session not found" (the server's words) or "Session terminated" (the client's).
    message = error.error.message.lower()
    return error.error.code == INVALID_REQUEST and "session" in message


def connection_failure(exc: BaseException) -> Delivery | None:
    """Whether `exc` means the connection to the server failed, and if so whether the request may have arrived.

    None for the tool's own outcomes (an error result, invalid arguments, a timeout), which go to the model as they
    are. pydantic-ai's MCPToolset turns protocol errors into `ModelRetry`, so the cause decides.
    """
    if isinstance(exc, ModelRetry | ToolFailed):
        cause = exc.__cause__
        if not isinstance(cause, MCPError):
            return None
        if _session_lost(cause):
            return "not_delivered"
        return "uncertain" if cause.error.code == CONNECTION_CLOSED else None
    for link in _chain(exc):
        # mcp 2 speaks HTTP through httpx2, older stacks through httpx; both name their can't-connect errors alike.
        if type(link).__name__ in ("ConnectError", "ConnectTimeout"):
            return "not_delivered"
        if isinstance(link, MCPError) and _session_lost(link):
            return "not_delivered"
    return "uncertain"


def _members(exc: BaseException) -> Sequence[BaseException]:
    """The members of an exception group; none for any other exception."""
    if not isinstance(exc, BaseExceptionGroup):
        return ()
    # isinstance against the generic class leaves the members' type unknown; every member is a BaseException.
    return cast("BaseExceptionGroup[BaseException]", exc).exceptions


def describe(exc: BaseException) -> str:
    """The innermost useful text of a failure: exception groups hide their members' messages."""
    while members := _members(exc):
        exc = members[0]
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def request_failure(exc: BaseException) -> Delivery | None:
    """`connection_failure` for the host's own requests (a fastmcp `Client`'s, not a model's tool call).

    A tool's error result (ToolError) and the server's answer to a bad request (an MCPError other than a lost
    session or connection) are the server's outcomes, not failures of the connection.
    """
    if isinstance(exc, ToolError):
        return None
    if isinstance(exc, MCPError) and not _session_lost(exc) and exc.error.code != CONNECTION_CLOSED:
        return None
    return connection_failure(exc)
