"""How the host's MCP client sessions are built: what they may share without sharing a session or credentials.

Every turn opens its own MCP session to each server it uses (conversations never share one), so whatever a new
session builds from scratch is paid once per turn. Two such costs are immutable and shared here instead:

- the TLS context of HTTP clients (loading the CA store: ~20 ms of CPU per client), see `http_client`;
- the compiled validator of a tool's output schema (the SDK checks each schema against the JSON Schema
  metaschema before its first use in a session: 9-20 ms per tool for the catalog's), see `SchemaCacheSession`.

Neither holds anything a server, user or conversation told the host: a TLS context holds trust settings, a
validator holds the schema it was compiled from and is shared only with sessions that get the very same schema.
"""

from __future__ import annotations

import functools
import json
import ssl
from collections.abc import AsyncGenerator
from contextlib import asynccontextmanager
from dataclasses import replace
from typing import Any, Unpack

import httpx2
from fastmcp.client.transports import ClientTransport, StdioTransport, StreamableHttpTransport
from fastmcp.client.transports.base import SessionKwargs, TransportOptions, VersionAwareClientSession
from jsonschema.exceptions import SchemaError
from jsonschema.protocols import Validator
from jsonschema.validators import validator_for
from mcp import ClientSession
from referencing import Registry


@functools.cache
def tls_context() -> ssl.SSLContext:
    """httpx's default certificate verification (SSL_CERT_FILE and SSL_CERT_DIR honoured), built once per process."""
    return httpx2.create_ssl_context()


def http_client(
    headers: dict[str, str] | None = None,
    timeout: httpx2.Timeout | None = None,
    auth: httpx2.Auth | None = None,
    **_: Any,
) -> httpx2.AsyncClient:
    """One MCP session's HTTP client: the MCP SDK's default (`create_mcp_http_client`) with the shared TLS context.

    fastmcp passes a factory `follow_redirects=True` too; ignored on purpose, like the client fastmcp builds without
    a factory: the MCP transport follows redirects itself, within the server's origin only, so headers stay there.
    """
    if timeout is None:  # the SDK's defaults: 30 s to connect and write, 300 s to read (responses may stream)
        timeout = httpx2.Timeout(30.0, read=300.0)
    return httpx2.AsyncClient(headers=headers, timeout=timeout, auth=auth, verify=tls_context())


@functools.lru_cache(maxsize=512)
def compiled_validator(schema_json: str) -> Validator:
    """The validator of one output schema (canonical JSON), checked against its metaschema once per process.

    What the SDK's `ClientSession._output_schema_validator` does for each new session; a schema that fails the
    check raises SchemaError every time (exceptions are not cached).
    """
    schema = json.loads(schema_json)
    cls = validator_for(schema)
    cls.check_schema(schema)
    # An explicit empty registry, as the SDK's: `$ref`s resolve within the schema and the bundled metaschemas.
    return cls(schema, registry=Registry())


class SchemaCacheSession(VersionAwareClientSession):
    """fastmcp's default session, with output-schema validators from `compiled_validator`.

    Overrides a private method of the MCP SDK's ClientSession (the one place a validator is made); the tests check
    that it is still called, so an SDK that stops calling it fails them instead of silently costing more.
    """

    def _output_schema_validator(self, name: str, output_schema: dict[str, Any]) -> Validator:
        try:
            # Keyed by canonical JSON, as the SDK compares schemas: Python's == takes `true` and `1` for the same.
            return compiled_validator(json.dumps(output_schema, sort_keys=True))
        except SchemaError as exc:
            raise RuntimeError(f"Invalid schema for tool {name}: {exc}") from exc


def _options(given: TransportOptions | None) -> TransportOptions:
    options = given or TransportOptions()
    # Only fastmcp's default is replaced: a client that asked for a session class of its own (a proxy) keeps it.
    if options.session_class is VersionAwareClientSession:
        options = replace(options, session_class=SchemaCacheSession)
    return options


class SchemaCacheTransport(ClientTransport):
    """A transport whose sessions are `SchemaCacheSession`s (mixed in before a fastmcp transport)."""

    @asynccontextmanager
    async def connect_session(
        self, *, transport_options: TransportOptions | None = None, **session_kwargs: Unpack[SessionKwargs]
    ) -> AsyncGenerator[ClientSession]:
        async with super().connect_session(transport_options=_options(transport_options), **session_kwargs) as session:
            yield session


class HttpTransport(SchemaCacheTransport, StreamableHttpTransport):
    """Streamable HTTP with the shared TLS context and `SchemaCacheSession`."""

    def __init__(self, url: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(url, headers=headers, httpx_client_factory=http_client)


class StdioServerTransport(SchemaCacheTransport, StdioTransport):
    """A stdio server with `SchemaCacheSession`."""


def connection_ended(transport: ClientTransport) -> bool:
    """Whether a stdio server's open session has lost its process (it exited or was killed since it last answered).

    Read from fastmcp's own check (`StdioTransport._is_session_dead`, which it uses to replace a stale kept-alive
    session); the tests kill a server between turns, so a fastmcp that drops the check fails them. HTTP sessions hold
    no process: a restarted HTTP server shows itself on the next request, which is safe to send again.
    """
    return isinstance(transport, StdioTransport) and transport._is_session_dead()  # pyright: ignore[reportPrivateUsage]
