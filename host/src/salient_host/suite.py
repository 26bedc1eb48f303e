"""The Salient servers installed in this environment, and how to start them as one suite."""

from __future__ import annotations

import os
import socket
import subprocess
import time
from dataclasses import dataclass
from importlib.metadata import entry_points

from salient_core.demo_account import DEMO_ACCOUNT

from salient_host.commands import resolve_command

# `salient up` serves the web chat on the base port and each server on its offset from it (8101-8105 by default);
# a server missing here gets the next number after these.
BASE_PORT = 8100
PORT_OFFSETS = {"catalog": 1, "crm": 2, "scheduling": 3, "library": 4, "crossfeed": 5}
DEFAULT_PORTS = {name: BASE_PORT + offset for name, offset in PORT_OFFSETS.items()}


@dataclass(frozen=True)
class InstalledServer:
    name: str
    command: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"


def installed_servers(*, port_base: int = BASE_PORT) -> list[InstalledServer]:
    """Every `salient-<name>` console script installed here, in a stable order, with ports from `port_base`."""
    names = sorted(
        ep.name.removeprefix("salient-")
        for ep in entry_points(group="console_scripts")
        if ep.name.startswith("salient-")
    )
    next_port = port_base + max(PORT_OFFSETS.values()) + 1
    servers = []
    for name in names:
        port = port_base + PORT_OFFSETS[name] if name in PORT_OFFSETS else None
        if port is None:
            port, next_port = next_port, next_port + 1
        command = resolve_command(f"salient-{name}")
        servers.append(InstalledServer(name=name, command=command, port=port))
    return servers


def claude_desktop_config(servers: list[InstalledServer], *, account: str = DEMO_ACCOUNT) -> dict[str, object]:
    """A `claude_desktop_config.json` fragment that mounts each server over stdio.

    Only the demo account is given `--demo`: the demo company's data never goes into a real account.
    """
    args = ["--account", account, *(["--demo"] if account == DEMO_ACCOUNT else [])]
    return {"mcpServers": {f"salient-{s.name}": {"command": s.command, "args": list(args)} for s in servers}}


def start(server: InstalledServer, *, demo: bool = True, log_level: str = "WARNING") -> subprocess.Popen[bytes]:
    args = [server.command, "--http", "--port", str(server.port), "--log-level", log_level]
    if demo:
        args.append("--demo")
    # The host is one client carrying every visitor's turns and limits each visitor itself (the web chat's rate
    # limits): a per-client limit in the servers it starts would make all visitors share one budget. An operator's
    # own SALIENT_<SERVER>_RATE_LIMIT still wins.
    env = {f"SALIENT_{server.name.upper()}_RATE_LIMIT": "off", **os.environ}
    return subprocess.Popen(args, env=env)


def wait_healthy(server: InstalledServer, process: subprocess.Popen[bytes], *, timeout: float = 180.0) -> bool:
    """Poll `/healthz` until the server answers, it exits, or `timeout` passes.

    Generous by default: on a small machine five servers loading their demo data at once share the CPU, and the
    library embeds its demo corpus before it answers.
    """
    # httpx (and the pygments its command line pulls in) only when a suite starts: every `salient` command imports
    # this module, most of them never wait for a server.
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            if httpx.get(f"http://127.0.0.1:{server.port}/healthz", timeout=1.0).status_code == 200:
                return True
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    return False


def taken_ports(ports: dict[str, int], host: str = "127.0.0.1") -> dict[str, int]:
    """Of `ports` (what -> port), those something already listens on or holds, so a server could not bind them."""
    taken: dict[str, int] = {}
    for what, port in ports.items():
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, port))
            except OSError:
                taken[what] = port
    return taken
