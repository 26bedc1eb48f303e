"""Stdio cold start and idle memory: spawn to `tools/list` answered, then resident memory, for every Salient server
next to the official `mcp-server-time` and a one-tool fastmcp server, in the same run.

Each server is spawned the way Claude Desktop does it (a 2025-06-18 handshake, then tools/list). Every Salient
server starts with `--demo` on a data directory where the demo company is already loaded (a first start per server
seeds it before timing begins), so the figure is start-up cost, not the first import of the demo. Once tools/list is
answered the server is left idle for a moment and its resident set size (VmRSS) is read.

Rounds alternate the servers, so every one sees the same machine load; ratios are medians over the baseline's
median from the same run. The baseline is `mcp-server-time` (the reference server from modelcontextprotocol/servers):
install it outside the project and point at it, e.g.

    uv venv /tmp/mst && uv pip install --python /tmp/mst/bin/python mcp-server-time
    uv run python bench/stdio_cold_start.py --time-server /tmp/mst/bin/mcp-server-time [--rounds 7]

Without it (not on PATH, no `--time-server`) the baseline is a one-tool server on the plain `mcp` SDK, and the
table says so. `--importtime DIR` also writes each server's `-X importtime` profile of one start into DIR.

A second table times the host's command line, `salient --version` (every `salient` command, and every test that
runs one, pays its imports), next to a bare `python -c pass`, in the same rounds.

`--before DIR` adds every Salient row again, run from an older checkout's sources (DIR/core/src, DIR/servers/*/src,
DIR/host/src put first on PYTHONPATH, e.g. `git archive <rev> core servers host | tar -x -C DIR`), in the same
rounds: a before/after comparison under the same load.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import BIN, Goal, print_table, record

SERVERS = ["catalog", "crm", "scheduling", "crossfeed", "library"]

FASTMCP_MINIMAL = """
from fastmcp import FastMCP
mcp = FastMCP("minimal")
@mcp.tool
def echo(text: str) -> str:
    return text
mcp.run(show_banner=False)
"""

MCP_MINIMAL = """
from mcp.server.mcpserver import MCPServer
mcp = MCPServer("minimal")
@mcp.tool()
def echo(text: str) -> str:
    return text
mcp.run()
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

IDLE_SECONDS = 0.5  # after tools/list, before reading memory: lets start-up work still in flight settle


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for process {pid}")


def cold_start(args: list[str], env: dict[str, str], *, timeout: float = 120) -> tuple[float, float]:
    """Seconds from spawn to the tools/list answer, and the idle RSS (MB) after it."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env, text=True
    )
    assert proc.stdin is not None and proc.stdout is not None
    try:
        proc.stdin.write("".join(json.dumps(m) + "\n" for m in HANDSHAKE))
        proc.stdin.flush()
        while True:
            line = proc.stdout.readline()
            if not line:
                raise RuntimeError(f"{args} exited before answering tools/list")
            if json.loads(line).get("id") == 2:
                elapsed = time.perf_counter() - start
                break
            if time.perf_counter() - start > timeout:
                raise RuntimeError(f"{args} did not answer tools/list in {timeout:.0f} s")
        time.sleep(IDLE_SECONDS)
        memory = rss_mb(proc.pid)
        proc.stdin.close()
        proc.wait(timeout=timeout)  # a first start finishes loading the demo before it exits
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        proc.stdout.close()
    return elapsed, memory


def run_to_exit(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True, timeout=120)
    return time.perf_counter() - start


def time_server(explicit: str | None) -> str | None:
    if explicit:
        return explicit
    return shutil.which("mcp-server-time")


def older_sources(before: Path) -> str:
    paths = [before / "core" / "src", *sorted((before / "servers").glob("*/src")), before / "host" / "src"]
    return os.pathsep.join(str(path) for path in paths)


def main(
    rounds: int, time_server_path: str | None, servers: list[str], importtime: Path | None, before: Path | None
) -> None:
    with tempfile.TemporaryDirectory(prefix="salient-bench-") as home:
        env = {**os.environ, "XDG_DATA_HOME": home, "HOME": home}
        env.pop("PYTHONPROFILEIMPORTTIME", None)
        envs: dict[str, dict[str, str]] = {}  # label -> environment, where not `env`
        old_env = None
        if before is not None:  # its own data directory: the older code may not know the newer schema
            old_home = Path(home) / "before"
            old_env = {
                **env,
                "PYTHONPATH": older_sources(before),
                "XDG_DATA_HOME": str(old_home),
                "HOME": str(old_home),
            }
        fastmcp_script = Path(home) / "minimal_fastmcp.py"
        fastmcp_script.write_text(FASTMCP_MINIMAL)
        commands: dict[str, list[str]] = {}
        if time_server_path:
            baseline = "mcp-server-time"
            commands[baseline] = [time_server_path]
        else:
            baseline = "one-tool mcp SDK server (no mcp-server-time)"
            mcp_script = Path(home) / "minimal_mcp.py"
            mcp_script.write_text(MCP_MINIMAL)
            commands[baseline] = [sys.executable, str(mcp_script)]
        commands["one-tool fastmcp"] = [sys.executable, str(fastmcp_script)]
        for name in servers:
            commands[f"salient-{name}"] = [str(BIN / f"salient-{name}"), "--demo", "--log-level", "WARNING"]
            if old_env is not None:
                commands[f"salient-{name} (before)"] = commands[f"salient-{name}"]
                envs[f"salient-{name} (before)"] = old_env
        for label in commands:  # the first start loads the demo company: not timed
            if label.startswith("salient-"):
                seeded = time.perf_counter()
                cold_start(commands[label], envs.get(label, env), timeout=900)
                print(f"seeded {label} in {time.perf_counter() - seeded:.1f} s", file=sys.stderr)
        for label, command in commands.items():  # one untimed start each warms the page cache for all
            cold_start(command, envs.get(label, env))
        if importtime is not None:
            importtime.mkdir(parents=True, exist_ok=True)
            for label, command in commands.items():
                out = importtime / (label.split()[0] + ("-before" if label in envs else "") + ".importtime.txt")
                with out.open("w") as sink:
                    proc = subprocess.Popen(
                        command,
                        stdin=subprocess.PIPE,
                        stdout=subprocess.PIPE,
                        stderr=sink,
                        env={**envs.get(label, env), "PYTHONPROFILEIMPORTTIME": "1"},
                        text=True,
                    )
                    proc.communicate("".join(json.dumps(m) + "\n" for m in HANDSHAKE), timeout=120)
        clis = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "salient --version": [str(BIN / "salient"), "--version"],
        }
        if old_env is not None:
            clis["salient --version (before)"] = clis["salient --version"]
            envs["salient --version (before)"] = old_env
        times: dict[str, list[float]] = {label: [] for label in [*commands, *clis]}
        memory: dict[str, list[float]] = {label: [] for label in commands}
        for round_ in range(rounds):  # alternating, in a rotating order, so all see the same machine load
            labels = list(commands)
            labels = labels[round_ % len(labels) :] + labels[: round_ % len(labels)]
            for label in labels:
                elapsed, rss = cold_start(commands[label], envs.get(label, env))
                times[label].append(elapsed)
                memory[label].append(rss)
            for label, command in clis.items():
                times[label].append(run_to_exit(command, envs.get(label, env)))
    base_time = statistics.median(times[baseline])
    base_rss = statistics.median(memory[baseline])
    rows = []
    for label in commands:
        median = statistics.median(times[label])
        rss = statistics.median(memory[label])
        rows.append([label, median * 1000, min(times[label]) * 1000, median / base_time, rss, rss / base_rss])
    for name in servers:
        label = f"salient-{name}"
        record(
            f"stdio cold start, {label} --demo (seeded), spawn to tools/list",
            statistics.median(times[label]) * 1000,
            "ms",
            baseline=base_time * 1000,
            vs=baseline,
            goal=Goal("<=", 1.0, "ratio"),
        )
        record(
            f"idle RSS, {label}",
            statistics.median(memory[label]),
            "MB",
            baseline=base_rss,
            vs=baseline,
            goal=Goal("<=", 1.5, "ratio"),
        )
    load = os.getloadavg()
    python = statistics.median(times["python -c pass"])
    print_table(
        f"stdio cold start (Salient servers with --demo, seeded), spawn to tools/list, idle RSS ({rounds} rounds; "
        f"load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f})",
        ["server", "median ms", "min ms", "time ratio", "RSS MB", "RSS ratio"],
        rows,
    )
    print_table(
        f"host command line, spawn to exit ({rounds} rounds, same run)",
        ["command", "median ms", "min ms", "ratio"],
        [
            [
                label,
                statistics.median(times[label]) * 1000,
                min(times[label]) * 1000,
                statistics.median(times[label]) / python,
            ]
            for label in clis
        ],
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--time-server", help="the mcp-server-time executable (default: found on PATH)")
    parser.add_argument("--servers", default=",".join(SERVERS), help="comma-separated subset of " + ",".join(SERVERS))
    parser.add_argument("--importtime", type=Path, help="write each server's import profile into this directory")
    parser.add_argument("--before", type=Path, help="also run the Salient rows from this older checkout's sources")
    args = parser.parse_args()
    main(args.rounds, time_server(args.time_server), args.servers.split(","), args.importtime, args.before)
