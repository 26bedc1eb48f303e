"""The baseline: a bare Starlette JSON endpoint under the same uvicorn, returning a product-sized JSON body."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

BODY: dict[str, object] = {}


async def product(request: Request) -> JSONResponse:
    await request.json()
    return JSONResponse(BODY)


async def healthz(_request: Request) -> JSONResponse:
    return JSONResponse({"status": "ok"})


app = Starlette(routes=[Route("/product", product, methods=["POST"]), Route("/healthz", healthz)])

if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--body", type=Path, required=True, help="JSON file to answer with.")
    args = parser.parse_args()
    BODY.update(json.loads(args.body.read_text()))
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
