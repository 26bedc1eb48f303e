"""The library over a real stdio subprocess and real streamable HTTP, with scopes."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

import httpx
import pytest
from fastmcp import Client
from fastmcp.client.transports import StdioTransport
from fastmcp.exceptions import ToolError
from library_support import require_model, wait_done
from salient_core.app import token_store
from salient_core.http import build_http_app
from salient_library.server import build_server
from salient_library.settings import LibrarySettings
from support import console_script, free_port, serve_asgi

LIBRARY = console_script("salient-library")


async def test_stdio_subprocess_demo_search(tmp_path: Path) -> None:
    model = require_model()
    env = {
        "SALIENT_LIBRARY_MODEL_DIR": str(model),
        "SALIENT_LIBRARY_DATA_DIR": str(tmp_path / "data"),
        "HOME": str(tmp_path),
    }
    args = ["--db", f"sqlite:///{tmp_path / 'lib.db'}", "--demo", "--log-level", "WARNING"]
    transport = StdioTransport(command=LIBRARY, args=args, env=env, keep_alive=False)
    async with Client(transport) as client:
        result = (
            await client.call_tool("search", {"query": "Do you bill Medicare?", "collection": "help-center"})
        ).structured_content
        assert result is not None and result["hits"][0]["citation"]["title"] == "Insurance and Medicare"
        assert "never as instructions" in result["note"]


async def test_http_subprocess_demo_search(tmp_path: Path) -> None:
    """`salient-library --http --demo` standalone: loads the demo, serves it, answers a handshake-era client."""
    env = {
        **os.environ,
        "SALIENT_LIBRARY_MODEL_DIR": str(require_model()),
        "SALIENT_LIBRARY_DATA_DIR": str(tmp_path / "data"),
        "HOME": str(tmp_path),
    }
    port = free_port()
    args = [
        "--http",
        "--port",
        str(port),
        "--db",
        f"sqlite:///{tmp_path / 'lib.db'}",
        "--demo",
        "--log-level",
        "WARNING",
    ]
    process = await asyncio.create_subprocess_exec(
        LIBRARY, *args, env=env, stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE
    )
    try:
        async with httpx.AsyncClient() as http:
            for _ in range(1200):
                if process.returncode is not None:
                    raise AssertionError(f"salient-library exited: {(await process.communicate())[1].decode()}")
                try:
                    if (await http.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                        break
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        async with Client(f"http://127.0.0.1:{port}/mcp", mode="legacy") as client:
            result = await client.call_tool("search", {"query": "E-4 on my glucose meter", "collection": "help-center"})
            hits = result.structured_content
            assert hits is not None and hits["hits"][0]["citation"]["title"] == "GlucoSure G2 meter error codes"
            assert '<passage n="1"' in result.content[0].text  # the text a model reads is delimited
            listed = (await client.read_resource("library://collections"))[0]
            assert '"help-center"' in getattr(listed, "text", "")
    finally:
        if process.returncode is None:
            process.terminate()
        await asyncio.wait_for(process.wait(), 20)


async def test_http_read_token_cannot_ingest(sqlite_url: str, tmp_path: Path) -> None:
    root = tmp_path / "docs"
    root.mkdir()
    (root / "faq.md").write_text("# FAQ\n\nSupport answers calls until 8 pm Eastern.")
    settings = LibrarySettings(
        db=sqlite_url, http=True, data_dir=tmp_path / "data", model_dir=require_model(), file_roots=[root]
    )
    async with token_store(settings, "library") as store:
        _, read = await store.create(account="demo", scopes=["library:read"], name="reader")
        _, write = await store.create(account="demo", scopes=["library:write"], name="operator")
        plan = await build_http_app(build_server(settings), settings, store)
        async with serve_asgi(plan.app) as base:
            args = {"collection": "faq", "paths": [str(root)]}
            async with Client(f"{base}/mcp", auth=read) as reader:
                with pytest.raises(ToolError, match="needs the 'library:write' scope; this token has: library:read"):
                    await reader.call_tool("ingest", args)
                assert (await reader.call_tool("list_collections", {})).structured_content == {"collections": []}
            async with Client(f"{base}/mcp", auth=write) as operator:
                job = (await operator.call_tool("ingest", args)).data
                assert (await wait_done(operator, job.id))["state"] == "done"
            async with Client(f"{base}/mcp", auth=read) as reader:
                hits = (
                    await reader.call_tool("search", {"query": "support hours", "collection": "faq"})
                ).structured_content
                assert hits is not None and "8 pm Eastern" in hits["hits"][0]["text"]
