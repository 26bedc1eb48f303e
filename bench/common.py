"""Helpers the benchmarks share: percentiles, printed tables, server subprocesses on free ports, recorded figures.

`record` and `record_scale` write a bench's headline figures, one JSON line each, to the file named by
`SALIENT_BENCH_RESULTS` (`run_all.py` sets it and prints them as one table); a bench run alone prints them instead.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import httpx
from rich.console import Console
from rich.table import Table

BIN = Path(sys.executable).parent
RESULTS_ENV = "SALIENT_BENCH_RESULTS"
console = Console()


@dataclass(frozen=True)
class Goal:
    """What a figure should reach: `value` or its `ratio` to the baseline, at most (`<=`) or at least (`>=`) `limit`."""

    op: Literal["<=", ">="]
    limit: float
    on: Literal["value", "ratio"] = "value"

    def met(self, value: float, ratio: float | None) -> bool | None:
        """Whether the goal is met; None when it is on the ratio and there is no baseline."""
        measured = value if self.on == "value" else ratio
        if measured is None:
            return None
        return measured <= self.limit if self.op == "<=" else measured >= self.limit


def record(
    row: str,
    value: float,
    unit: str,
    *,
    baseline: float | None = None,
    vs: str = "",
    goal: Goal | None = None,
    note: str = "",
) -> None:
    """A headline figure, with the baseline measured in the same run (`vs` names it), so the ratio is computed."""
    _write(
        {
            "kind": "row",
            "row": row,
            "value": value,
            "unit": unit,
            "baseline": baseline,
            "vs": vs,
            "goal": asdict(goal) if goal else None,
            "note": note,
            "bench": Path(sys.argv[0]).stem,
        }
    )


def record_scale(series: str, size: int, value: float, unit: str) -> None:
    """One point of a scaling series (a search's p50 at `size` records), so growth with size shows."""
    _write(
        {"kind": "scale", "series": series, "size": size, "value": value, "unit": unit, "bench": Path(sys.argv[0]).stem}
    )


def _write(entry: dict[str, object]) -> None:
    label = entry.get("row") or f"{entry['series']} at {entry['size']:,}"
    base = f" (baseline {entry['baseline']:,.2f}: {entry['vs']})" if entry.get("baseline") is not None else ""
    console.print(
        f"recorded: {label} = {entry['value']:,.2f} {entry['unit']}{base}", style="dim", markup=False, soft_wrap=True
    )
    target = os.environ.get(RESULTS_ENV)
    if target:
        with Path(target).open("a", encoding="utf-8") as sink:
            sink.write(json.dumps(entry) + "\n")


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
    args: list[str], *, health_url: str | None = None, env: dict[str, str] | None = None, timeout: float = 180
) -> Iterator[subprocess.Popen[bytes]]:
    """Run a server process until the block ends, waiting (up to `timeout` seconds) for its health URL first.

    The default wait is long: on a shared, loaded machine a server importing its stack can take a minute."""
    name = " ".join(Path(a).name if i == 0 else a for i, a in enumerate(args[:2]))
    proc = subprocess.Popen(args, env={**os.environ, **(env or {})}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        if health_url:
            deadline = time.monotonic() + timeout
            while True:
                if proc.poll() is not None:
                    stderr = proc.stderr.read().decode() if proc.stderr else ""
                    raise RuntimeError(f"{name} exited with code {proc.returncode} before {health_url}: {stderr}")
                try:
                    if httpx.get(health_url, timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{name} did not answer {health_url} within {timeout:.0f} s")
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
