"""The Salient servers installed in this environment, and how to start them as one suite."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import import_module
from importlib.metadata import EntryPoint, entry_points

from salient_core.demo_account import DEMO_ACCOUNT

from salient_host.mcp.commands import resolve_command

# `salient up` serves the web chat on the base port and each server on the offset its package declares
# (`PORT_OFFSET` in its top-level package: 8101-8105 for the five by default); a server that declares none gets the
# next number after the highest declared.
BASE_PORT = 8100
SERVER_GROUP = "salient.servers"  # the entry-point group every Salient server registers in: the one list of them


@dataclass(frozen=True)
class InstalledServer:
    name: str
    command: str
    port: int

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/mcp"


def installed_servers(*, port_base: int = BASE_PORT) -> list[InstalledServer]:
    """Every server in the `salient.servers` entry-point group, by name, with its console script and its port."""
    found = sorted(entry_points(group=SERVER_GROUP), key=lambda ep: ep.name)
    offsets = {ep.name: port_offset(ep) for ep in found}
    next_port = port_base + max((o for o in offsets.values() if o is not None), default=0) + 1
    servers: list[InstalledServer] = []
    for ep in found:
        offset = offsets[ep.name]
        if offset is None:
            port, next_port = next_port, next_port + 1
        else:
            port = port_base + offset
        servers.append(InstalledServer(name=ep.name, command=resolve_command(console_script(ep)), port=port))
    return servers


def port_offset(server: EntryPoint) -> int | None:
    """The `PORT_OFFSET` the server's top-level package declares (importing that package only, not the server)."""
    package = import_module(server.module.partition(".")[0])
    offset = getattr(package, "PORT_OFFSET", None)
    return offset if isinstance(offset, int) else None


def console_script(server: EntryPoint) -> str:
    """The command that runs the server: its distribution's console script (`salient-<name>` by convention)."""
    dist = server.dist
    listed: Iterable[EntryPoint] = dist.entry_points if dist is not None else ()
    scripts = [ep.name for ep in listed if ep.group == "console_scripts"]
    conventional = f"salient-{server.name}"
    return conventional if conventional in scripts or not scripts else scripts[0]


def claude_desktop_config(servers: list[InstalledServer], *, account: str = DEMO_ACCOUNT) -> dict[str, object]:
    """A `claude_desktop_config.json` fragment that mounts each server over stdio.

    Only the demo account is given `--demo`: the demo company's data never goes into a real account.
    """
    args = ["--account", account, *(["--demo"] if account == DEMO_ACCOUNT else [])]
    return {"mcpServers": {f"salient-{s.name}": {"command": s.command, "args": list(args)} for s in servers}}


class SuiteProcess:
    """The suite's servers, all in one child process (`python -m salient_core.suite`), each on its own port.

    One interpreter for the five shares what they all import, which is most of their start-up time and memory.
    The child says on its stdout when each server accepts requests or failed to start; a thread here follows
    that, so callers can wait for the whole suite (`wait_all`) without polling.
    """

    def __init__(self, servers: list[InstalledServer], *, demo: bool = True, log_level: str = "WARNING") -> None:
        args = [sys.executable, "-m", "salient_core.suite", "--log-level", log_level, *(["--demo"] if demo else [])]
        self.servers = servers
        self.outcomes: dict[str, str] = {}  # name -> "up", or why it failed
        self._reported = threading.Event()
        self._lock = threading.Lock()
        self._listeners: list[Callable[[], object]] = []
        self.process = subprocess.Popen([*args, *(f"{s.name}={s.port}" for s in servers)], stdout=subprocess.PIPE)
        threading.Thread(target=self._follow, name="suite outcomes", daemon=True).start()

    def _follow(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            verb, _, rest = raw.decode(errors="replace").strip().partition(" ")
            name, _, reason = rest.partition(" ")
            if verb in ("ready", "failed") and name:
                self.outcomes[name] = "up" if verb == "ready" else reason
            if all(s.name in self.outcomes for s in self.servers):
                self._set_reported()
        # The process ended: whatever did not report never will.
        code = self.process.wait()
        for server in self.servers:
            self.outcomes.setdefault(server.name, f"the suite's process exited with code {code}")
        self._set_reported()

    def _set_reported(self) -> None:
        with self._lock:
            if self._reported.is_set():
                return
            self._reported.set()
            listeners, self._listeners = self._listeners, []
        for listener in listeners:
            listener()

    def when_reported(self, listener: Callable[[], object]) -> None:
        """Call `listener` (from another thread) once every server is up or has failed; at once if they are."""
        with self._lock:
            if not self._reported.is_set():
                self._listeners.append(listener)
                return
        listener()

    def wait_all(self, timeout: float | None = None) -> bool:
        """Block until every server is up or has failed (True), or `timeout` passes (False)."""
        return self._reported.wait(timeout)

    @property
    def healthy(self) -> dict[str, str]:
        """The MCP endpoint of each server that is up, by name."""
        return {s.name: s.url for s in self.servers if self.outcomes.get(s.name) == "up"}


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
