"""A running `salient up`, advertised to the other commands: `suite.json` in the per-user data directory.

`salient up` writes the file once its servers answer (its process id, each server's MCP endpoint, the web chat's
URL) and removes it when it stops. `salient ask` and `salient chat` read it: a configured stdio server that is
exactly one of the suite's (the same `salient-<name>` command on the demo company's defaults) is reached at the
suite's endpoint instead of being started again, which saves seconds to a minute per server. Nothing is trusted
blindly: the process must be alive and each server must answer `/healthz` now, else that server starts as usual.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from salient_host.config.schema import Config, ServerConfig

STATE_FILE = "suite.json"
# Arguments that leave a stdio server on the suite's own defaults (`salient up` runs each with `--demo`).
NEUTRAL_ARGS = {"--demo", "--log-level"}
LOG_LEVELS = {"DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"}


@dataclass(frozen=True)
class SuiteState:
    pid: int
    servers: dict[str, str]  # server name -> MCP endpoint
    web: str | None


def state_path(data_dir: Path | None = None) -> Path:
    if data_dir is None:
        from salient_core.settings import default_data_dir

        data_dir = default_data_dir()
    return data_dir / STATE_FILE


def write_state(state: SuiteState, path: Path | None = None) -> Path:
    path = path or state_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_text(json.dumps({"pid": state.pid, "servers": state.servers, "web": state.web}), "utf-8")
    temporary.replace(path)  # readers see the old file or the new one, never half of one
    return path


def clear_state(pid: int, path: Path | None = None) -> None:
    """Remove the file if it is `pid`'s (a second suite's file is left alone)."""
    path = path or state_path()
    found = read_state(path)
    if found is not None and found.pid == pid:
        path.unlink(missing_ok=True)


def read_state(path: Path | None = None) -> SuiteState | None:
    try:
        raw = json.loads((path or state_path()).read_text("utf-8"))
        return SuiteState(int(raw["pid"]), {str(k): str(v) for k, v in raw["servers"].items()}, raw.get("web"))
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive, though not ours to use
        return True
    return True


def _answers(url: str) -> bool:
    # Imported here: only commands that look for a running suite ask it, and httpx costs every `salient` command
    # its start-up time otherwise.
    import httpx

    health = url.removesuffix("/mcp").rstrip("/") + "/healthz"
    try:
        return httpx.get(health, timeout=1.0).status_code == 200
    except httpx.HTTPError:
        return False


def on_suite_defaults(server: ServerConfig) -> bool:
    """Whether a configured server would run just as the suite's does: no other database, account or environment."""
    if server.command is None or server.env or server.cwd:
        return False
    args = list(server.args)
    for i, arg in enumerate(args):
        if arg in NEUTRAL_ARGS or (arg.upper() in LOG_LEVELS and i and args[i - 1] == "--log-level"):
            continue
        return False
    return True


def running_suite_servers(config: Config, names: list[str], *, path: Path | None = None) -> Mapping[str, str]:
    """Of the servers `names`, those a live `salient up` serves as configured: name -> the suite's MCP endpoint."""
    state = read_state(path)
    if state is None or not _alive(state.pid):
        return {}
    found: dict[str, str] = {}
    for name in names:
        server = config.servers.get(name)
        if server is None or not on_suite_defaults(server):
            continue
        suite_name = Path(server.command or "").name.removeprefix("salient-")
        url = state.servers.get(suite_name)
        if url is not None and _answers(url):
            found[name] = url
    return found


def with_suite_servers(config: Config, urls: Mapping[str, str]) -> Config:
    """`config` with each of `urls`' servers reached over HTTP at that URL (timeouts kept)."""
    if not urls:
        return config
    replaced = {
        name: ServerConfig(
            url=url, timeout=config.servers[name].timeout, init_timeout=config.servers[name].init_timeout
        )
        for name, url in urls.items()
    }
    # model_copy keeps the private attributes (the file the configuration came from).
    return config.model_copy(update={"servers": {**config.servers, **replaced}})
