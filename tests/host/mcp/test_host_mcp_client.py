"""The host's MCP transports: new sessions (one per turn) share compiled output-schema validators, nothing else."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastmcp import Client
from host_support import tiny_server
from salient_host.config.schema import ServerConfig
from salient_host.mcp.client import SchemaCacheSession, compiled_validator, http_client, tls_context
from salient_host.mcp.toolsets import transport


async def test_each_output_schema_is_compiled_once_across_sessions(tmp_path: Path) -> None:
    server = ServerConfig(**tiny_server("echo", "pid"))
    compiled_validator.cache_clear()
    for turn in range(2):
        # A session of its own each time, as each turn has: the second finds both validators compiled.
        async with Client(transport(server, tmp_path)) as client:
            assert (await client.call_tool("echo", {"text": f"turn {turn}"})).data == f"echo: turn {turn}"
            assert set((await client.call_tool("pid", {})).data) == {"pid", "session"}
    # Misses: one per distinct schema. Were the SDK to stop asking SchemaCacheSession, this would see none.
    info = compiled_validator.cache_info()
    assert (info.misses, info.hits) == (2, 2)


def test_a_cached_validator_still_validates_and_a_bad_schema_still_fails() -> None:
    session = SchemaCacheSession.__new__(SchemaCacheSession)  # the validator needs no connection
    schema = {"type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    validator = session._output_schema_validator("count", schema)
    assert validator.is_valid({"n": 1}) and not validator.is_valid({"n": "one"})
    # The same schema written in another key order is the same schema.
    assert session._output_schema_validator("again", dict(reversed(schema.items()))) is validator
    with pytest.raises(RuntimeError, match="Invalid schema for tool broken"):
        session._output_schema_validator("broken", {"type": 12})


async def test_http_clients_share_one_tls_context_and_keep_the_sdk_defaults() -> None:
    first, second = http_client(headers={"X-Key": "a"}), http_client(headers={"X-Key": "b"})
    async with first, second:
        # The connection pools verify with the one context built for the process (private attributes: httpcore
        # has no public way to ask a pool for its SSL context).
        assert first._transport._pool._ssl_context is second._transport._pool._ssl_context is tls_context()  # type: ignore[attr-defined]
        assert (first.headers["X-Key"], second.headers["X-Key"]) == ("a", "b")  # headers stay per client
        assert not first.follow_redirects  # the MCP transport follows redirects itself, within the origin
        assert (first.timeout.connect, first.timeout.read) == (30.0, 300.0)
