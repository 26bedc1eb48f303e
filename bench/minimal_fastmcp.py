"""The per-call baseline: a minimal fastmcp server with one typed read tool, served like Salient's servers.

Same fastmcp, same streamable HTTP app under uvicorn, a pydantic output model (so output validation and structured
content are paid as Salient's tools pay them), no middleware, no database.
"""

from __future__ import annotations

import argparse

import uvicorn
from fastmcp import FastMCP
from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse


class Item(BaseModel):
    id: str
    name: str
    price: float
    tags: list[str]


mcp = FastMCP("minimal")


@mcp.tool
async def get_item(id: str) -> Item:
    """One item by id."""
    return Item(id=id, name="Aeroli wheelchair cushion", price=49.5, tags=["seating", "pressure-relief"])


@mcp.custom_route("/healthz", methods=["GET"])
async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    app = mcp.http_app(path="/mcp")
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False, lifespan="on")
