"""Searching without naming a collection, and results grouped so that top_k counts distinct documents."""

from __future__ import annotations

import pytest
from fastmcp import Client
from fastmcp.exceptions import ToolError
from library_support import wait_done
from mcp.types import TextContent
from salient_library.service import PASSAGES_PER_SOURCE

GRAB_BARS = "Grab bars must be screwed into wall studs, never into drywall anchors alone."
WARRANTY = "Grab bars carry a ten-year warranty against rust; keep the receipt to claim it."
# A long page whose every paragraph talks about grab bars: alone it would fill every passage of the result.
LONG = "\n\n".join(
    f"Step {n}: hold the grab bar level at {30 + n} inches and mark the stud position before drilling."
    for n in range(1, 12)
)


async def ingest_text(client: Client, collection: str, text: str, title: str) -> None:
    job = (await client.call_tool("ingest", {"collection": collection, "text": text, "title": title})).data
    assert (await wait_done(client, job.id))["state"] == "done"


async def test_search_without_a_collection_searches_all(client: Client) -> None:
    await ingest_text(client, "installation", GRAB_BARS, "Installing grab bars")
    await ingest_text(client, "warranty", WARRANTY, "Grab bar warranty")

    result = (await client.call_tool("search", {"query": "grab bars", "top_k": 5})).structured_content
    assert result is not None and result["collection"] is None
    found = {(h["citation"]["collection"], h["citation"]["title"]) for h in result["hits"]}
    assert found == {("installation", "Installing grab bars"), ("warranty", "Grab bar warranty")}
    content = (await client.call_tool("search", {"query": "grab bars"})).content[0]
    assert isinstance(content, TextContent)
    assert "from all collections" in content.text and 'collection="warranty"' in content.text

    # Naming one collection still searches only that one, as before.
    one = (await client.call_tool("search", {"query": "grab bars", "collection": "warranty"})).structured_content
    assert one is not None and one["collection"] == "warranty"
    assert {h["citation"]["collection"] for h in one["hits"]} == {"warranty"}

    # A collection that does not exist is still an error, and the search changed nothing.
    with pytest.raises(ToolError, match="nowhere"):
        await client.call_tool("search", {"query": "grab bars", "collection": "nowhere"})
    collections = (await client.call_tool("list_collections", {})).structured_content
    assert collections is not None and [c["name"] for c in collections["collections"]] == ["installation", "warranty"]


async def test_group_by_source_counts_documents(client: Client) -> None:
    await ingest_text(client, "kb", LONG, "Grab bar installation steps")
    await ingest_text(client, "kb", GRAB_BARS, "Installing grab bars")
    await ingest_text(client, "kb", WARRANTY, "Grab bar warranty")
    query = {"query": "grab bar stud", "collection": "kb", "top_k": 3, "mode": "lexical"}

    flat = (await client.call_tool("search", query)).structured_content
    assert flat is not None and len(flat["hits"]) == 3
    assert len({h["citation"]["title"] for h in flat["hits"]}) < 3  # the long page takes several places

    grouped = (await client.call_tool("search", {**query, "group_by_source": True})).structured_content
    assert grouped is not None
    titles = [h["citation"]["title"] for h in grouped["hits"]]
    assert set(titles) == {"Grab bar installation steps", "Installing grab bars", "Grab bar warranty"}
    # Each source's passages come together, best first, at most PASSAGES_PER_SOURCE of them.
    runs = [t for i, t in enumerate(titles) if i == 0 or titles[i - 1] != t]
    assert len(runs) == 3 and titles.count("Grab bar installation steps") == PASSAGES_PER_SOURCE
    for title in runs:
        scores = [h["score"] for h in grouped["hits"] if h["citation"]["title"] == title]
        assert scores == sorted(scores, reverse=True)
    best = [max(h["score"] for h in grouped["hits"] if h["citation"]["title"] == t) for t in runs]
    assert best == sorted(best, reverse=True)

    one = (await client.call_tool("search", {**query, "top_k": 1, "group_by_source": True})).structured_content
    assert one is not None and len({h["citation"]["source_id"] for h in one["hits"]}) == 1
