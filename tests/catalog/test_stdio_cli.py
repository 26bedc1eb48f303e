"""The catalog as Claude Desktop runs it (a stdio subprocess), and the shared command line."""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from fastmcp import Client
from fastmcp.client.transports import StdioTransport
from support import console_script

CATALOG = console_script("salient-catalog")


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_stdio_subprocess_in_both_protocol_eras(catalog_url: str, mode: str) -> None:
    transport = StdioTransport(command=CATALOG, args=["--db", catalog_url, "--log-level", "WARNING"], keep_alive=False)
    async with Client(transport, mode=mode) as client:  # pyright: ignore[reportArgumentType]
        assert client.protocol_version == ("2026-07-28" if mode == "auto" else "2025-11-25")
        result = await client.call_tool("compare_products", {"ids": ["omron-series-5", "wristcheck-bp"]})
        assert result.structured_content is not None
        assert "cuff_type" in result.structured_content["differing"]


def test_claude_desktop_style_session_keeps_stdout_for_protocol(tmp_path) -> None:
    """A 2025-06-18 handshake, as Claude Desktop sends it; stdout must hold JSON-RPC and nothing else."""
    messages = [
        {
            "jsonrpc": "2.0",
            "id": 1,
            "method": "initialize",
            "params": {
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "claude-ai", "version": "0.1"},
            },
        },
        {"jsonrpc": "2.0", "method": "notifications/initialized"},
        {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
        {
            "jsonrpc": "2.0",
            "id": 3,
            "method": "tools/call",
            "params": {"name": "search_products", "arguments": {"query": "bp monitor", "limit": 2}},
        },
    ]
    stderr = tmp_path / "stderr.txt"
    with stderr.open("w") as err:
        server = subprocess.Popen(
            [CATALOG, "--db", f"sqlite:///{tmp_path / 'desktop.db'}", "--demo"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=err,
            text=True,
        )
        assert server.stdin is not None and server.stdout is not None
        server.stdin.write("".join(json.dumps(m) + "\n" for m in messages))
        server.stdin.flush()
        replies = [json.loads(server.stdout.readline()) for _ in range(3)]  # every stdout line is JSON-RPC
        server.stdin.close()  # how a client stops a stdio server
        assert server.wait(timeout=20) == 0
        server.stdout.close()
    assert all(r["jsonrpc"] == "2.0" for r in replies)
    by_id = {r["id"]: r for r in replies}
    assert by_id[1]["result"]["protocolVersion"] == "2025-06-18"
    assert by_id[1]["result"]["serverInfo"]["name"] == "salient-catalog"
    tools = {t["name"]: t for t in by_id[2]["result"]["tools"]}
    assert set(tools) >= {"search_products", "get_product", "compare_products", "check_availability"}
    hits = by_id[3]["result"]["structuredContent"]["hits"]
    assert "blood-pressure-monitors" in {h["product"]["category"] for h in hits}
    assert "migrated catalog schema" in stderr.read_text()  # logs went to stderr


def test_refuses_public_bind_without_auth(tmp_path) -> None:
    done = subprocess.run(
        [CATALOG, "--db", f"sqlite:///{tmp_path / 'x.db'}", "--http", "--host", "0.0.0.0", "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert "Refusing to listen on '0.0.0.0' without auth" in done.stderr


def test_tokens_create_list_revoke(tmp_path) -> None:
    db = ["--db", f"sqlite:///{tmp_path / 't.db'}"]
    created = subprocess.run(
        [
            CATALOG,
            *db,
            "tokens",
            "create",
            "--account",
            "acme",
            "--scopes",
            "catalog:read,catalog:write",
            "--name",
            "ci bot",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert created.returncode == 0, created.stderr
    token = created.stdout.strip()
    assert token.startswith("sal_") and len(token) > 40
    found = re.search(r"created (tok_[0-9a-f]+) for account 'acme'", created.stderr)
    assert found is not None, created.stderr
    token_id = found.group(1)
    listed = subprocess.run([CATALOG, *db, "tokens", "list"], capture_output=True, text=True, timeout=60)
    assert f"{token_id}\tacme\tci bot\tcatalog:read,catalog:write" in listed.stdout
    assert token not in listed.stdout
    revoked = subprocess.run([CATALOG, *db, "tokens", "revoke", token_id], capture_output=True, text=True, timeout=60)
    assert revoked.returncode == 0 and f"revoked {token_id}" in revoked.stderr
    after = subprocess.run([CATALOG, *db, "tokens", "list"], capture_output=True, text=True, timeout=60)
    assert token_id not in after.stdout
    bad = subprocess.run(
        [CATALOG, *db, "tokens", "create", "--account", "acme", "--scopes", "crm:write"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "unknown scope(s) ['crm:write']" in bad.stderr
    missing = subprocess.run([CATALOG, *db, "tokens", "revoke", "tok_nope"], capture_output=True, text=True, timeout=60)
    assert missing.returncode == 2 and "No token 'tok_nope'" in missing.stderr
