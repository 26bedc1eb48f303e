"""Tool-call latency and throughput over streamable HTTP, against a bare Starlette endpoint in the same run.

Both servers run as separate uvicorn processes on loopback. The MCP side answers one tool (by default the
catalog's `get_product`; any server's tool with `--server/--tool/--args`) as stateless 2026-07-28 requests, one
POST each; the baseline echoes a JSON body of the same size. Also measured: the same call through fastmcp's
`Client`, which adds client-side work.

    uv run python bench/http_latency.py [--calls 400] [--concurrency 8]
    uv run python bench/http_latency.py --server crossfeed --tool recommend_cross_sell \
        --args '{"product_ids": ["BW-WC-AEROLI-18-BLU"]}'
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from common import BIN, free_port, mcp_call, mcp_headers, print_table, process, scratch_home, summary_ms
from fastmcp import Client


async def sequential(call: Callable[[], Awaitable[None]], n: int) -> list[float]:
    for _ in range(20):
        await call()
    samples = []
    for _ in range(n):
        start = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - start)
    return samples


async def throughput(
    make_call: Callable[[httpx.AsyncClient], Callable[[], Awaitable[None]]], workers: int, n: int
) -> float:
    clients = [httpx.AsyncClient(timeout=30) for _ in range(workers)]
    calls = [make_call(c) for c in clients]

    async def worker(call: Callable[[], Awaitable[None]]) -> None:
        for _ in range(n // workers):
            await call()

    await asyncio.gather(*(worker(c) for c in calls))  # warm the connections
    start = time.perf_counter()
    await asyncio.gather(*(worker(c) for c in calls))
    elapsed = time.perf_counter() - start
    for c in clients:
        await c.aclose()
    return (n // workers) * workers / elapsed


async def main(calls: int, concurrency: int, server_name: str, tool: str, arguments: dict[str, object]) -> None:
    headers = mcp_headers(tool)
    mcp_port, bare_port = free_port(), free_port()
    mcp_url = f"http://127.0.0.1:{mcp_port}/mcp"
    server = [
        str(BIN / f"salient-{server_name}"),
        "--http",
        "--port",
        str(mcp_port),
        "--demo",
        "--log-level",
        "WARNING",
    ]
    with scratch_home() as env, process(server, health_url=f"http://127.0.0.1:{mcp_port}/healthz", env=env):
        async with httpx.AsyncClient() as http:
            first = (await http.post(mcp_url, json=mcp_call(1, tool, arguments), headers=headers)).json()
        assert "result" in first and not first["result"].get("isError"), first
        body = Path(tempfile.mkstemp(suffix=".json")[1])
        await asyncio.to_thread(body.write_text, json.dumps(first["result"]["structuredContent"]))
        bare_args = [
            sys.executable,
            str(Path(__file__).parent / "bare_server.py"),
            "--port",
            str(bare_port),
            "--body",
            str(body),
        ]
        with process(bare_args, health_url=f"http://127.0.0.1:{bare_port}/healthz"):
            bare_url = f"http://127.0.0.1:{bare_port}/product"

            def bare(client: httpx.AsyncClient) -> Callable[[], Awaitable[None]]:
                async def call() -> None:
                    r = await client.post(bare_url, json=arguments)
                    r.raise_for_status()

                return call

            def mcp(client: httpx.AsyncClient) -> Callable[[], Awaitable[None]]:
                payload = mcp_call(2, tool, arguments)

                async def call() -> None:
                    r = await client.post(mcp_url, json=payload, headers=headers)
                    r.raise_for_status()

                return call

            async with httpx.AsyncClient() as c1, httpx.AsyncClient() as c2:
                bare_seq = await sequential(bare(c1), calls)
                mcp_seq = await sequential(mcp(c2), calls)
            async with Client(mcp_url) as client:
                fastmcp_seq = await sequential(lambda: client.call_tool(tool, arguments), calls)  # type: ignore[arg-type,return-value]
            bare_tp = await throughput(bare, concurrency, calls * 2)
            mcp_tp = await throughput(mcp, concurrency, calls * 2)
        await asyncio.to_thread(body.unlink)

    b, m, f = summary_ms(bare_seq), summary_ms(mcp_seq), summary_ms(fastmcp_seq)
    print_table(
        f"salient-{server_name} {tool} over streamable HTTP: {calls} sequential calls (ms)",
        ["endpoint", "p50", "p95", "p99", "p50 ratio"],
        [
            ["bare Starlette JSON", b["p50"], b["p95"], b["p99"], 1.0],
            ["MCP tools/call (stateless POST)", m["p50"], m["p95"], m["p99"], m["p50"] / b["p50"]],
            ["MCP via fastmcp Client", f["p50"], f["p95"], f["p99"], f["p50"] / b["p50"]],
        ],
    )
    print_table(
        f"throughput with {concurrency} concurrent clients (calls/s)",
        ["endpoint", "calls/s", "ratio"],
        [["bare Starlette JSON", bare_tp, 1.0], ["MCP tools/call (stateless POST)", mcp_tp, mcp_tp / bare_tp]],
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--calls", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--server", default="catalog", help="Which salient-<server> to start.")
    parser.add_argument("--tool", default="get_product")
    parser.add_argument("--args", default='{"id": "BW-WC-AEROLI-18-BLU"}', help="The tool's arguments as JSON.")
    args = parser.parse_args()
    asyncio.run(main(args.calls, args.concurrency, args.server, args.tool, json.loads(args.args)))
