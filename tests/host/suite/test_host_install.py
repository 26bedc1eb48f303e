"""`salient install claude-desktop` and `salient install mcp-json` as subprocesses, against files in a temp dir.

They run as `python -m salient_host.cli.install`, the same commands `salient install` registers.
"""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from host_support import Completed, clean_env, run_salient
from salient_host.mcp.discovery import installed_servers
from salient_host.suite.install import CLAUDE_CONFIG_NAME, claude_desktop_path
from support import ROOT


async def install(*args: str, env: dict[str, str] | None = None, cwd: Path = ROOT) -> Completed:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "salient_host.cli.install",
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env if env is not None else clean_env(),
        cwd=cwd,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode is not None
    return Completed(process.returncode, stdout.decode(), stderr.decode())


def command(name: str) -> str:
    return next(s.command for s in installed_servers() if s.name == name)


def ours(name: str, account: str = "demo") -> dict[str, Any]:
    """Our entry for `name`: the demo account gets the demo company (`--demo`), any other account never does."""
    demo = ["--demo"] if account == "demo" else []
    return {"command": command(name), "args": ["--account", account, *demo]}


def backups(path: Path) -> list[Path]:
    return sorted(path.parent.glob(f"{path.name}.*.bak"))


EXISTING = {
    "globalShortcut": "Ctrl+Space",
    "mcpServers": {
        "filesystem": {"command": "npx", "args": ["-y", "@modelcontextprotocol/server-filesystem", "/tmp"]},
        "salient-crm": {"command": "/old/place/salient-crm", "args": ["--account", "old"]},
    },
}


async def test_install_merges_updates_ours_keeps_theirs_and_backs_up(tmp_path: Path) -> None:
    path = tmp_path / CLAUDE_CONFIG_NAME
    before = json.dumps(EXISTING, indent=4)
    path.write_text(before, encoding="utf-8")
    done = await install("claude-desktop", "--path", str(path), "--servers", "catalog,crm", "--account", "acme")
    assert done.code == 0, done.stderr
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written == {
        "globalShortcut": "Ctrl+Space",
        "mcpServers": {
            "filesystem": EXISTING["mcpServers"]["filesystem"],
            "salient-crm": ours("crm", "acme"),
            "salient-catalog": ours("catalog", "acme"),
        },
    }
    [backup] = backups(path)
    assert backup.read_text(encoding="utf-8") == before  # the previous file, byte for byte
    lines = done.stdout.splitlines()
    assert lines[0] == f"wrote {path}: added salient-catalog; updated salient-crm; kept 1 other server untouched"
    assert lines[1] == f"the previous file is kept as {backup}"
    assert lines[2] == "Restart Claude Desktop to load the servers."

    again = await install("claude-desktop", "--path", str(path), "-s", "catalog", "-s", "crm", "--account", "acme")
    assert again.code == 0 and "is up to date" in again.stdout and "nothing was written" in again.stdout
    assert backups(path) == [backup]  # nothing to change: no new backup either


@pytest.mark.parametrize("client", ["claude-desktop", "mcp-json"])
async def test_demo_data_is_asked_for_the_demo_account_only(tmp_path: Path, client: str) -> None:
    path = tmp_path / "config.json"
    real = await install(client, "--path", str(path), "--account", "acme")
    assert real.code == 0, real.stderr
    entries = json.loads(path.read_text(encoding="utf-8"))["mcpServers"]
    assert entries and all(entry["args"] == ["--account", "acme"] for entry in entries.values())
    demo = await install(client, "--path", str(path), "--account", "demo", "--servers", "crm")
    assert demo.code == 0, demo.stderr
    entries = json.loads(path.read_text(encoding="utf-8"))["mcpServers"]
    assert entries["salient-crm"]["args"] == ["--account", "demo", "--demo"]
    assert entries["salient-catalog"]["args"] == ["--account", "acme"]  # the others as they were


@pytest.mark.parametrize("account", ["acme", "demo"])
async def test_salient_mcp_json_prints_demo_only_for_the_demo_account(account: str) -> None:
    done = await run_salient("mcp-json", "--account", account)
    assert done.code == 0, done.stderr
    names = [s.name for s in installed_servers()]
    assert json.loads(done.stdout) == {"mcpServers": {f"salient-{n}": ours(n, account) for n in names}}


async def test_invalid_json_is_refused_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / CLAUDE_CONFIG_NAME
    broken = '{"mcpServers": {"filesystem": {"command": "npx"}\n  "oops": 1}'
    path.write_text(broken, encoding="utf-8")
    done = await install("claude-desktop", "--path", str(path))
    assert done.code == 2 and done.stdout == ""
    assert done.stderr.startswith(f"refused: {path} is not valid JSON (line 2, column 3: ")
    assert "nothing was changed" in done.stderr
    assert path.read_text(encoding="utf-8") == broken and backups(path) == []


@pytest.mark.parametrize(
    ("content", "message"),
    [('["a list"]', "holds a JSON list, not an object"), ('{"mcpServers": []}', "`mcpServers` is not an object")],
)
async def test_json_of_the_wrong_shape_is_refused(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / ".mcp.json"
    path.write_text(content, encoding="utf-8")
    done = await install("mcp-json", "--path", str(path))
    assert done.code == 2 and message in done.stderr
    assert path.read_text(encoding="utf-8") == content and backups(path) == []


async def test_dry_run_prints_the_file_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "new" / "dir" / ".mcp.json"
    done = await install("mcp-json", "--path", str(path), "--servers", "salient-catalog", "--dry-run")
    assert done.code == 0, done.stderr
    assert json.loads(done.stdout) == {"mcpServers": {"salient-catalog": ours("catalog")}}
    assert done.stderr.strip() == f"dry run: added salient-catalog; nothing was written to {path}"
    assert not (tmp_path / "new").exists()


async def test_mcp_json_creates_the_file_and_its_directories(tmp_path: Path) -> None:
    path = tmp_path / "project" / ".cursor" / "mcp.json"
    done = await install("mcp-json", "--path", str(path))
    assert done.code == 0, done.stderr
    names = [s.name for s in installed_servers()]
    assert json.loads(path.read_text(encoding="utf-8")) == {"mcpServers": {f"salient-{n}": ours(n) for n in names}}
    assert backups(path) == []  # there was nothing to back up
    default = await install("mcp-json", cwd=tmp_path)  # default: .mcp.json in the working directory
    assert default.code == 0 and (tmp_path / ".mcp.json").exists()


async def test_unknown_servers_are_refused(tmp_path: Path) -> None:
    path = tmp_path / ".mcp.json"
    done = await install("mcp-json", "--path", str(path), "--servers", "catalog,billing")
    assert done.code == 2 and done.stderr.startswith("refused: not installed here: billing; installed servers: ")
    assert not path.exists()


async def test_claude_desktop_default_path_is_under_the_users_config_directory(tmp_path: Path) -> None:
    env = {k: v for k, v in clean_env(HOME=str(tmp_path)).items() if k not in ("XDG_CONFIG_HOME", "APPDATA")}
    done = await install("claude-desktop", "--servers", "catalog", env=env)
    assert done.code == 0, done.stderr
    expected = claude_desktop_path(env=env, home=tmp_path)
    assert expected.is_relative_to(tmp_path) and str(expected) in done.stdout
    assert json.loads(expected.read_text(encoding="utf-8"))["mcpServers"] == {"salient-catalog": ours("catalog")}


@pytest.mark.parametrize(
    ("platform", "env", "expected"),
    [
        ("darwin", {}, "home/Library/Application Support/Claude/claude_desktop_config.json"),
        ("win32", {"APPDATA": "roaming"}, "roaming/Claude/claude_desktop_config.json"),
        ("win32", {}, "home/AppData/Roaming/Claude/claude_desktop_config.json"),
        ("linux", {}, "home/.config/Claude/claude_desktop_config.json"),
        ("linux", {"XDG_CONFIG_HOME": "xdg"}, "xdg/Claude/claude_desktop_config.json"),
    ],
)
def test_claude_desktop_path_per_operating_system(platform: str, env: dict[str, str], expected: str) -> None:
    assert claude_desktop_path(platform, env, Path("home")) == Path(expected)
