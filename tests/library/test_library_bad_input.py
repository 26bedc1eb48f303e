"""Every bad input gets a clear error through the MCP client, and nothing is half-ingested."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError
from library_support import wait_done
from salient_core.app import token_store
from salient_core.http import build_http_app
from salient_library.server import MAX_TEXT, build_server
from salient_library.settings import LibrarySettings
from support import serve_asgi


async def call_error(client: Client, tool: str, args: dict) -> str:
    with pytest.raises(ToolError) as caught:
        await client.call_tool(tool, args)
    return str(caught.value)


async def nothing_stored(client: Client) -> bool:
    result = (await client.call_tool("list_collections", {})).structured_content
    return result == {"collections": []}


async def test_file_outside_roots(client: Client, tmp_path: Path) -> None:
    outside = tmp_path / "secret.md"
    outside.write_text("# Secret\n\nnot for the library")
    message = await call_error(client, "ingest", {"collection": "docs", "paths": [str(outside)]})
    assert "is outside the library's file roots" in message
    assert await nothing_stored(client)


async def test_symlink_escaping_the_root(client: Client, docs_root: Path, tmp_path: Path) -> None:
    (tmp_path / "passwd.txt").write_text("root:x:0:0")
    (docs_root / "link.txt").symlink_to(tmp_path / "passwd.txt")
    message = await call_error(client, "ingest", {"collection": "docs", "paths": [str(docs_root / "link.txt")]})
    assert "is outside the library's file roots" in message


async def test_unsupported_file_type_refuses_the_whole_request(client: Client, docs_root: Path) -> None:
    (docs_root / "ok.md").write_text("# Fine\n\nA fine document.")
    (docs_root / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    paths = [str(docs_root / "ok.md"), str(docs_root / "sheet.xlsx")]
    message = await call_error(client, "ingest", {"collection": "docs", "paths": paths})
    assert "unsupported file type" in message and ".pdf" in message
    assert await nothing_stored(client)  # ok.md, named first, was not ingested either


async def test_oversize_file(settings: LibrarySettings, docs_root: Path) -> None:
    settings = settings.model_copy(update={"max_file_bytes": 1000})
    (docs_root / "big.txt").write_text("x " * 1000)
    async with Client(build_server(settings)) as client:
        message = await call_error(client, "ingest", {"collection": "docs", "paths": [str(docs_root / "big.txt")]})
        assert "is 2,000 bytes, above the limit of 1,000 bytes" in message
        assert await nothing_stored(client)


async def test_missing_path(client: Client, docs_root: Path) -> None:
    message = await call_error(client, "ingest", {"collection": "docs", "paths": [str(docs_root / "nope.md")]})
    assert "No file or directory at" in message


async def test_empty_query_and_huge_top_k(client: Client) -> None:
    job = (await client.call_tool("ingest", {"collection": "docs", "text": "Rollator brakes lock with a click."})).data
    await wait_done(client, job.id)
    message = await call_error(client, "search", {"query": "", "collection": "docs"})
    assert "query" in message and "at least 1 character" in message
    message = await call_error(client, "search", {"query": "   ", "collection": "docs"})
    assert "The query is empty." in message
    message = await call_error(client, "search", {"query": "brakes", "collection": "docs", "top_k": 10_000})
    assert "top_k" in message and "less than or equal to 50" in message


async def test_unknown_source(client: Client) -> None:
    for tool, args in [("read_source", {"id": "src_nope"}), ("delete_source", {"id": "src_nope", "dry_run": True})]:
        assert "No source 'src_nope' in this account." in await call_error(client, tool, args)


async def test_unknown_job(client: Client) -> None:
    assert "No ingest job 'job_nope'" in await call_error(client, "ingest_status", {"job_id": "job_nope"})


async def test_another_accounts_collection_is_unknown(settings: LibrarySettings) -> None:
    async with Client(build_server(settings)) as demo:
        job = (await demo.call_tool("ingest", {"collection": "private", "text": "Demo account's own note."})).data
        assert (await wait_done(demo, job.id))["state"] == "done"
    other = settings.model_copy(update={"account": "other"})
    async with Client(build_server(other)) as client:
        message = await call_error(client, "search", {"query": "note", "collection": "private"})
        assert "No collection 'private' in this account." in message
        assert await nothing_stored(client)


async def test_a_mistyped_dry_run_is_refused_and_deletes_nothing(client: Client) -> None:
    job = (await client.call_tool("ingest", {"collection": "docs", "text": "Rollator brakes lock with a click."})).data
    await wait_done(client, job.id)
    before = (await client.call_tool("list_sources", {})).structured_content
    assert before is not None and before["total"] == 1
    message = await call_error(client, "delete_source", {"id": before["items"][0]["id"], "dry_run": 0})
    assert "dry_run: Input should be a valid boolean (got 0)" in message
    assert (await client.call_tool("list_sources", {})).structured_content == before


async def test_a_text_over_the_limit_gets_a_tool_error_over_http(settings: LibrarySettings) -> None:
    """The schema bounds `text` so that any text it allows fits through HTTP: beyond it, a tool error, not a 413."""
    async with (
        token_store(settings, "library") as store,
        serve_asgi((await build_http_app(build_server(settings), settings, store)).app) as base,
        Client(f"{base}/mcp") as client,
    ):
        # About 1 MB on the wire: schema-valid before, and ingested.
        message = await call_error(
            client, "ingest", {"collection": "docs", "text": "\N{GRINNING FACE}" * (MAX_TEXT + 1)}
        )
        assert f"text: String should have at most {MAX_TEXT} characters" in message
        assert await nothing_stored(client)
        # The longest text allowed, every character escaped (\u0001, 6 bytes): it reaches the tool, which refuses
        # the bad collection name; the transport let it through.
        message = await call_error(client, "ingest", {"collection": "Not Valid", "text": "\x01" * MAX_TEXT})
        assert "collection: String should match pattern" in message
        assert await nothing_stored(client)
