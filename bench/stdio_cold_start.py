"""Stdio cold start: spawn to `tools/list` answered, for salient-catalog and a minimal server, in the same run.

Both are spawned the way Claude Desktop does it (a 2025-06-18 handshake, then tools/list). The catalog starts on
a database that already holds the demo company, so the figure is start-up cost, not the first import.

    uv run python bench/stdio_cold_start.py [--runs 10]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import BIN, print_table

MINIMAL = """
from fastmcp import FastMCP
mcp = FastMCP("minimal")
@mcp.tool
def echo(text: str) -> str:
    return text
mcp.run(show_banner=False)
"""

HANDSHAKE = [
    {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "bench", "version": "1"},
        },
    },
    {"jsonrpc": "2.0", "method": "notifications/initialized"},
    {"jsonrpc": "2.0", "id": 2, "method": "tools/list"},
]


def cold_start(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    proc = subprocess.Popen(
        args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True
    )
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("".join(json.dumps(m) + "\n" for m in HANDSHAKE))
    proc.stdin.flush()
    while True:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError(f"{args} exited before answering tools/list")
        if json.loads(line).get("id") == 2:
            elapsed = time.perf_counter() - start
            break
    proc.stdin.close()
    proc.wait(timeout=20)
    proc.stdout.close()
    return elapsed


def main(runs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="salient-bench-") as home:
        env = {**os.environ, "XDG_DATA_HOME": home, "HOME": home}
        minimal = Path(home) / "minimal.py"
        minimal.write_text(MINIMAL)
        catalog = [str(BIN / "salient-catalog"), "--demo", "--log-level", "WARNING"]
        cold_start(catalog, env)  # first start creates the database and imports the demo
        bare = [sys.executable, str(minimal)]
        samples = {"minimal fastmcp server": [], "salient-catalog": []}
        for _ in range(runs):  # interleaved, so both see the same machine load
            samples["minimal fastmcp server"].append(cold_start(bare, env))
            samples["salient-catalog"].append(cold_start(catalog, env))
    base = statistics.median(samples["minimal fastmcp server"])
    rows = []
    for name, values in samples.items():
        median = statistics.median(values)
        rows.append([name, median * 1000, min(values) * 1000, max(values) * 1000, median / base])
    print_table(
        f"stdio cold start, spawn to tools/list answered ({runs} runs, ms)",
        ["server", "median", "min", "max", "ratio"],
        rows,
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=10)
    main(parser.parse_args().runs)
