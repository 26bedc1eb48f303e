"""A minimal real MCP server whose tool names come from argv: name collisions and lengths need them.

Most names become read-only echo tools. A few names are tools with a behaviour the supervision tests need:
`pid` (read-only: the process id and the MCP session id), `note` (a write, not read-only, that echoes), `crash`
(a write that ends the process mid-call) and `wait` (read-only: returns once a file exists, so a test can look at
the world while a call is under way). Flags: `--http PORT` serves streamable HTTP on loopback with uvicorn
instead of stdio (with `/healthz`, as Salient's servers have); `--require FILE` exits at once, saying why, while
FILE does not exist (a server that cannot start).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import time
from pathlib import Path

from fastmcp import Context, FastMCP
from fastmcp.tools import Tool
from mcp.types import ToolAnnotations

READ_ONLY = ToolAnnotations(read_only_hint=True)
WRITE = ToolAnnotations(read_only_hint=False, destructive_hint=False)


def pid(ctx: Context) -> dict[str, object]:
    """This server's process id and the MCP session id of the request."""
    return {"pid": os.getpid(), "session": ctx.session_id}


def note(text: str = "") -> str:
    """Pretend to write something: not read-only, so a supervisor must not repeat it blindly."""
    return f"noted: {text}"


def crash() -> str:
    """End the server process in the middle of the call, as a crashing server would."""
    os._exit(3)


async def wait(path: str) -> str:
    """Return once the file at `path` exists."""
    await asyncio.to_thread(_until_exists, Path(path))
    return "waited"


def _until_exists(path: Path) -> None:
    while not path.exists():
        time.sleep(0.02)


SPECIAL = {"pid": (pid, READ_ONLY), "note": (note, WRITE), "crash": (crash, WRITE), "wait": (wait, READ_ONLY)}


def build(names: list[str]) -> FastMCP:
    mcp = FastMCP("tiny")
    for name in names:
        fn, annotations = SPECIAL.get(name, (_echo(name), READ_ONLY))
        mcp.add_tool(Tool.from_function(fn, name=name, annotations=annotations))
    return mcp


def _echo(name: str):
    def echo(text: str = "") -> str:
        return f"{name}: {text}"

    return echo


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--http", type=int, metavar="PORT")
    parser.add_argument("--require", type=Path, metavar="FILE")
    options, names = parser.parse_known_args(argv)
    if options.require is not None and not options.require.exists():
        sys.exit(f"cannot start: {options.require} is missing")
    server = build(names)
    if options.http is None:
        server.run(show_banner=False, log_level="WARNING")
        return
    import uvicorn
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse

    @server.custom_route("/healthz", methods=["GET"])
    async def healthz(request: Request) -> PlainTextResponse:
        return PlainTextResponse("ok")

    uvicorn.run(server.http_app(path="/mcp"), host="127.0.0.1", port=options.http, log_level="warning")


if __name__ == "__main__":
    main(sys.argv[1:])
