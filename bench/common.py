"""Helpers the benchmarks share: percentiles, printed tables, server subprocesses on free ports."""

from __future__ import annotations

import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx
from rich.console import Console
from rich.table import Table

BIN = Path(sys.executable).parent
console = Console()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def percentile(samples: Sequence[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


def summary_ms(samples: Sequence[float]) -> dict[str, float]:
    return {
        "p50": percentile(samples, 50) * 1000,
        "p95": percentile(samples, 95) * 1000,
        "p99": percentile(samples, 99) * 1000,
        "mean": statistics.fmean(samples) * 1000,
    }


def print_table(title: str, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
    table = Table(*header, title=title)
    for row in rows:
        table.add_row(*(f"{c:,.2f}" if isinstance(c, float) else str(c) for c in row))
    console.print(table)


@contextmanager
def process(
    args: list[str], *, health_url: str | None = None, env: dict[str, str] | None = None, timeout: float = 60
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server process until the block ends, waiting (up to `timeout` seconds) for its health URL first."""
    proc = subprocess.Popen(args, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if health_url:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    raise RuntimeError(f"{args[0]} exited: {proc.stderr.read().decode() if proc.stderr else ''}")
                try:
                    if httpx.get(health_url, timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{args[0]} did not become healthy")
                time.sleep(0.1)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


@contextmanager
def scratch_home() -> Iterator[dict[str, str]]:
    """Environment variables that give a server a private, empty data directory."""
    with tempfile.TemporaryDirectory(prefix="salient-bench-") as home:
        yield {"XDG_DATA_HOME": home, "HOME": home}


def mcp_call(request_id: int, tool: str, arguments: dict[str, object]) -> dict[str, object]:
    """A stateless (2026-07-28) tools/call request: one POST, no session."""
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {
            "name": tool,
            "arguments": arguments,
            "_meta": {
                "io.modelcontextprotocol/protocolVersion": "2026-07-28",
                "io.modelcontextprotocol/clientInfo": {"name": "salient-bench", "version": "1"},
                "io.modelcontextprotocol/clientCapabilities": {},
            },
        },
    }


def mcp_headers(tool: str) -> dict[str, str]:
    """Headers of a stateless tools/call; 2026-07-28 repeats the method and tool name for routing."""
    return {
        "Accept": "application/json, text/event-stream",
        "Content-Type": "application/json",
        "MCP-Protocol-Version": "2026-07-28",
        "Mcp-Method": "tools/call",
        "Mcp-Name": tool,
    }
