"""Context cost: the size of each server's tools/list answer, which every model request carries.

uv run python bench/tools_list_size.py
"""

from __future__ import annotations

import asyncio
import json
import tempfile
from importlib.metadata import entry_points
from pathlib import Path

from common import print_table
from fastmcp import Client


async def main() -> None:
    rows = []
    with tempfile.TemporaryDirectory(prefix="salient-bench-") as home:
        for entry in sorted(entry_points(group="salient.servers"), key=lambda ep: ep.name):
            server = entry.load()(db=f"sqlite:///{Path(home) / entry.name}.db")
            async with Client(server) as client:
                tools = await client.list_tools()
            full = [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in tools]
            # What a model is shown: name, description and input schema (hosts keep output schemas to themselves).
            model_view = [{k: t[k] for k in ("name", "description", "inputSchema") if k in t} for t in full]
            largest = max(model_view, key=lambda t: len(json.dumps(t)))
            seen = len(json.dumps(model_view))
            # About four characters per token for JSON schema text.
            rows.append([entry.name, len(tools), len(json.dumps(full)), seen, seen // 4, largest["name"]])
    header = ["server", "tools", "tools/list bytes", "model-facing bytes", "~tokens", "largest tool"]
    print_table("tools/list size per server", header, rows)


if __name__ == "__main__":
    asyncio.run(main())
