"""Embeddings from an OpenAI-compatible endpoint, through the real `openai` client, against a fake on loopback."""

from __future__ import annotations

import contextlib
import gc
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fake_openai import FakeEmbeddings
from fastmcp import Client
from fastmcp.exceptions import ToolError
from library_support import wait_done
from salient_library.server import build_server
from salient_library.settings import LibrarySettings
from support import serve_asgi

KEY = "sk-test-0123456789"
DOCS = {
    "Grab bars": "Screw grab bars into wall studs; suction cup bars must never hold body weight.",
    "Cane length": "A cane's top should reach the crease of the wrist when the arm hangs relaxed.",
    "Nebulizer cleaning": "Rinse the medicine cup after every use and disinfect it with vinegar once a week.",
}


@pytest.fixture
def backend() -> str:
    return "sqlite+embedded"


@pytest.fixture
async def fake() -> AsyncIterator[tuple[FakeEmbeddings, str]]:
    served = FakeEmbeddings(key=KEY)
    async with serve_asgi(served.app()) as base:
        yield served, base


def openai_settings(db_url: str, tmp_path: Path, base: str, monkeypatch: pytest.MonkeyPatch) -> LibrarySettings:
    monkeypatch.setenv("SALIENT_LIBRARY_EMBEDDING_API_KEY", KEY)  # the key comes from the environment
    return LibrarySettings(
        db=db_url,
        data_dir=tmp_path / "data",
        embeddings="openai",
        embedding_base_url=f"{base}/v1",
        embedding_model="fake-embed-1",
        embedding_batch=2,
    )


async def ingest_docs(client: Client) -> dict:
    last: dict = {}
    for title, text in DOCS.items():
        job = (await client.call_tool("ingest", {"collection": "kb", "text": text, "title": title})).data
        last = await wait_done(client, job.id)
    return last


async def test_ingest_and_search_through_an_openai_compatible_endpoint(
    db_url: str, tmp_path: Path, fake: tuple[FakeEmbeddings, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    served, base = fake
    settings = openai_settings(db_url, tmp_path, base, monkeypatch)
    assert settings.embedding_api_key is not None
    async with Client(build_server(settings)) as client:
        assert (await ingest_docs(client))["state"] == "done"
        result = (await client.call_tool("search", {"query": "wrist crease cane", "collection": "kb"})).data
        assert result.hits[0].citation.title == "Cane length"
        assert 0 < result.hits[0].similarity <= 1.0001  # vectors were normalised by the library
    assert served.authorizations[0] == f"Bearer {KEY}"
    assert served.requests[0] == served.requests[1]  # the 429 was retried by the client with the same request
    assert {r["model"] for r in served.requests} == {"fake-embed-1"}
    assert all(len(r["input"]) <= 2 for r in served.requests)


async def test_an_endpoint_refusing_the_key_fails_the_job_cleanly(
    db_url: str, tmp_path: Path, fake: tuple[FakeEmbeddings, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    served, base = fake
    served.rate_limited = 0
    settings = openai_settings(db_url, tmp_path, base, monkeypatch)
    settings = settings.model_copy(update={"embedding_api_key": None})
    monkeypatch.setenv("OPENAI_API_KEY", "sk-wrong")
    async with Client(build_server(settings)) as client:
        job = await ingest_docs(client)
        assert job["state"] == "failed" and "HTTP 401" in job["error"] and "Incorrect API key" in job["error"]
        assert (await client.call_tool("list_collections", {})).structured_content == {"collections": []}
    assert served.authorizations[-1] == "Bearer sk-wrong"


async def test_a_collection_keeps_the_embedder_it_was_made_with(
    db_url: str, tmp_path: Path, fake: tuple[FakeEmbeddings, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _served, base = fake
    settings = openai_settings(db_url, tmp_path, base, monkeypatch)
    async with Client(build_server(settings)) as client:
        await ingest_docs(client)
    minilm = settings.model_copy(update={"embeddings": "minilm"})
    async with Client(build_server(minilm)) as client:
        for tool, args in [
            ("search", {"query": "grab bars", "collection": "kb"}),
            ("ingest", {"collection": "kb", "text": "Another note.", "title": "Note"}),
        ]:
            with pytest.raises(ToolError, match=r"was embedded with 'openai:fake-embed-1'.*'all-MiniLM-L6-v2'"):
                await client.call_tool(tool, args)
        listed = (await client.call_tool("list_sources", {"collection": "kb"})).structured_content
        assert listed is not None and listed["total"] == len(DOCS)


def open_sockets_to(port: int) -> list[socket.socket]:
    """This process's open sockets connected to `port` on loopback (found among live objects)."""
    found = []
    for thing in gc.get_objects():
        if (
            isinstance(thing, socket.socket)
            and thing.family in (socket.AF_INET, socket.AF_INET6)
            and thing.fileno() != -1
        ):
            with contextlib.suppress(OSError):
                if thing.getpeername()[1] == port:
                    found.append(thing)
    return found


async def test_a_stopped_server_leaves_no_connection_to_the_endpoint_open(
    db_url: str, tmp_path: Path, fake: tuple[FakeEmbeddings, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    _served, base = fake
    async with Client(build_server(openai_settings(db_url, tmp_path, base, monkeypatch))) as client:
        assert (await ingest_docs(client))["state"] == "done"
        assert open_sockets_to(urlsplit(base).port or 0)  # the embeddings client keeps its connection alive
    assert open_sockets_to(urlsplit(base).port or 0) == []
