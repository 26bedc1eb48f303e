"""Every tool of every installed server is annotated, titled, described and typed."""

from __future__ import annotations

from importlib.metadata import entry_points

import pytest
from fastmcp import Client

SERVERS = sorted(entry_points(group="salient.servers"), key=lambda ep: ep.name)
HINTS = ("read_only_hint", "destructive_hint", "idempotent_hint", "open_world_hint")


def test_servers_are_registered() -> None:
    assert "catalog" in {ep.name for ep in SERVERS}


@pytest.mark.parametrize("entry", SERVERS, ids=[ep.name for ep in SERVERS])
async def test_every_tool_has_title_annotations_and_described_parameters(entry, sqlite_url: str) -> None:
    server = entry.load()(db=sqlite_url)
    async with Client(server) as client:
        tools = await client.list_tools()
    assert tools, f"{entry.name} exposes no tools"
    for tool in tools:
        assert tool.title, f"{entry.name}.{tool.name} has no title"
        assert tool.annotations is not None, f"{entry.name}.{tool.name} has no annotations"
        missing = [h for h in HINTS if getattr(tool.annotations, h) is None]
        assert not missing, f"{entry.name}.{tool.name} leaves {missing} unset"
        assert tool.description and len(tool.description.splitlines()[0]) <= 160, f"{tool.name}: docstring line 1"
        assert tool.output_schema, f"{entry.name}.{tool.name} returns no structured output"
        for name, schema in tool.input_schema.get("properties", {}).items():
            assert schema.get("description"), f"{entry.name}.{tool.name}({name}) has no description"
        if tool.annotations.destructive_hint:
            assert "dry_run" in tool.input_schema.get("properties", {}), f"{tool.name} is destructive without dry_run"
            # Archiving, cancelling or deleting the same thing twice is refused the second time and changes nothing.
            assert tool.annotations.idempotent_hint, f"{entry.name}.{tool.name} is destructive but not idempotent"
