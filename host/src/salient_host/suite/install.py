"""Write MCP client configuration for the Salient servers: Claude Desktop's file, or an `.mcp.json` for IDEs.

Both files hold `{"mcpServers": {name: {"command", "args", ...}}}`. Installing merges into what is there: entries
for other servers and every other key are kept as they are, ours (`salient-<name>`) are added or replaced, and
the previous file is copied to a timestamped backup beside it first. A file that is not valid JSON is refused and
left untouched: overwriting it would lose whatever the person had in it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from salient_host.errors import SalientHostError
from salient_host.mcp.discovery import InstalledServer, claude_desktop_config

CLAUDE_CONFIG_NAME = "claude_desktop_config.json"
MCP_JSON_NAME = ".mcp.json"


class InstallRefused(SalientHostError):
    """The configuration cannot be written as asked; nothing was changed."""


def claude_desktop_path(
    platform: str = sys.platform, env: Mapping[str, str] | None = None, home: Path | None = None
) -> Path:
    """Where Claude Desktop reads its configuration on this operating system."""
    env = os.environ if env is None else env
    home = Path.home() if home is None else home
    if platform == "darwin":
        return home / "Library" / "Application Support" / "Claude" / CLAUDE_CONFIG_NAME
    if platform.startswith("win"):
        appdata = env.get("APPDATA")
        return (Path(appdata) if appdata else home / "AppData" / "Roaming") / "Claude" / CLAUDE_CONFIG_NAME
    config_home = env.get("XDG_CONFIG_HOME")
    return (Path(config_home) if config_home else home / ".config") / "Claude" / CLAUDE_CONFIG_NAME


def choose_servers(installed: list[InstalledServer], wanted: list[str] | None) -> list[InstalledServer]:
    """The installed servers named in `wanted` (`crm` or `salient-crm`), all of them when it is empty."""
    if not installed:
        raise InstallRefused("no Salient server is installed here; run `make sync` first")
    if not wanted:
        return installed
    by_name = {s.name: s for s in installed}
    names = [w.removeprefix("salient-") for w in wanted]
    unknown = [n for n in names if n not in by_name]
    if unknown:
        raise InstallRefused(
            f"not installed here: {', '.join(unknown)}; installed servers: {', '.join(sorted(by_name))}"
        )
    return [by_name[n] for n in dict.fromkeys(names)]


def salient_entries(servers: list[InstalledServer], *, account: str) -> dict[str, Any]:
    """Our `mcpServers` entries: each server over stdio, acting for `account`."""
    block = claude_desktop_config(servers, account=account)["mcpServers"]
    assert isinstance(block, dict)
    return block


@dataclass
class Plan:
    """What installing would do to one file."""

    path: Path
    content: str  # the whole new file
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)  # other servers in the file, left as they were
    exists: bool = False

    @property
    def changes(self) -> bool:
        return bool(self.added or self.updated) or not self.exists


def _read(path: Path) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError) as exc:
        raise InstallRefused(f"cannot read {path} ({exc}); nothing was changed") from exc
    if not text.strip():
        return {}
    try:
        found = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InstallRefused(
            f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}); nothing was changed. "
            "Fix the file or move it away, then run this again."
        ) from exc
    if not isinstance(found, dict):
        raise InstallRefused(f"{path} holds a JSON {type(found).__name__}, not an object; nothing was changed")
    servers = found.get("mcpServers", {})
    if not isinstance(servers, dict):
        raise InstallRefused(f"{path}: `mcpServers` is not an object; nothing was changed")
    return found


def plan(path: Path, entries: Mapping[str, Any]) -> Plan:
    """Merge `entries` into the file at `path` (which need not exist), without writing anything."""
    current = _read(path)
    servers: dict[str, Any] = dict(current.get("mcpServers", {}))
    result = Plan(path=path, content="", exists=path.exists())
    result.kept = [name for name in servers if name not in entries]
    for name, entry in entries.items():
        if name not in servers:
            result.added.append(name)
        elif servers[name] != entry:
            result.updated.append(name)
        else:
            result.unchanged.append(name)
        servers[name] = entry
    result.content = json.dumps({**current, "mcpServers": servers}, indent=2, ensure_ascii=False) + "\n"
    return result


def backup_path(path: Path, now: datetime | None = None) -> Path:
    """`<file>.<UTC time>.bak` beside `path`, numbered when one from the same second exists."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    candidate, n = path.with_name(f"{path.name}.{stamp}.bak"), 1
    while candidate.exists():
        candidate, n = path.with_name(f"{path.name}.{stamp}-{n}.bak"), n + 1
    return candidate


def write(planned: Plan) -> Path | None:
    """Write the planned file (creating its directory), after backing up the one it replaces; returns the backup."""
    path = planned.path
    path.parent.mkdir(parents=True, exist_ok=True)
    backup = None
    if planned.exists:
        backup = backup_path(path)
        shutil.copy2(path, backup)
    # Write beside the target and rename over it, so a crash never leaves half a file for the client to choke on.
    fd, temp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(planned.content)
        if planned.exists:
            shutil.copymode(path, temp)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return backup
