"""A minimal real MCP server over stdio whose tool names come from argv: name collisions and lengths need them."""

from __future__ import annotations

import sys

from fastmcp import FastMCP
from fastmcp.tools import Tool
from mcp.types import ToolAnnotations


def build(names: list[str]) -> FastMCP:
    mcp = FastMCP("tiny")
    for name in names:
        mcp.add_tool(Tool.from_function(_echo(name), name=name, annotations=ToolAnnotations(read_only_hint=True)))
    return mcp


def _echo(name: str):
    def echo(text: str = "") -> str:
        return f"{name}: {text}"

    return echo


if __name__ == "__main__":
    build(sys.argv[1:]).run(show_banner=False, log_level="WARNING")
