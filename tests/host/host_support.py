"""Helpers for the host tests: configuration files with real servers, and `salient` as a subprocess."""

from __future__ import annotations

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from support import ROOT, console_script

SALIENT = console_script("salient")
DEFAULT_CONFIG = ROOT / "config" / "salient.yaml"
TINY_SERVER = Path(__file__).resolve().parent / "tiny_server.py"


def stdio_server(name: str, db: Path, **extra: Any) -> dict[str, Any]:
    """A real Salient server over stdio with its own SQLite file and the demo company."""
    return {
        "command": f"salient-{name}",
        "args": ["--db", f"sqlite:///{db}", "--demo", "--log-level", "WARNING"],
        "init_timeout": 60,
        **extra,
    }


def tiny_server(*tools: str) -> dict[str, Any]:
    """tiny_server.py over stdio, offering read-only tools with exactly these names."""
    return {"command": sys.executable, "args": [str(TINY_SERVER), *tools], "init_timeout": 30}


def agent(servers: dict[str, list[str]], **extra: Any) -> dict[str, Any]:
    return {
        "description": "test agent",
        "instructions": "agents/test.md",
        "servers": {name: {"tools": tools} for name, tools in servers.items()},
        **extra,
    }


def write_config(directory: Path, config: dict[str, Any] | str, *, instructions: str = "Answer from tools.") -> Path:
    """config/salient.yaml and config/agents/test.md under `directory`; returns the YAML's path."""
    (directory / "agents").mkdir(parents=True, exist_ok=True)
    (directory / "agents" / "test.md").write_text(instructions, encoding="utf-8")
    path = directory / "salient.yaml"
    path.write_text(config if isinstance(config, str) else yaml.safe_dump(config, sort_keys=False), encoding="utf-8")
    return path


@dataclass
class Completed:
    code: int
    stdout: str
    stderr: str


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without model or configuration choices, plus `extra`."""
    drop = {"SALIENT_MODEL", "SALIENT_CONFIG", "OPENROUTER_API_KEY", "OPENAI_API_KEY"}
    return {k: v for k, v in os.environ.items() if k not in drop} | extra


async def run_salient(*args: str, env: dict[str, str] | None = None, within: float = 100) -> Completed:
    """`salient ARGS` as a subprocess; asynchronous, so servers in this test's event loop keep answering."""
    process = await asyncio.create_subprocess_exec(
        SALIENT,
        *args,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env if env is not None else clean_env(),
        cwd=ROOT,
    )
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), within)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise
    assert process.returncode is not None
    return Completed(process.returncode, stdout.decode(), stderr.decode())


def table_rows(stdout: str) -> dict[str, list[str]]:
    """The rows of a table `salient` printed, keyed by their first cell."""
    rows = {}
    for line in stdout.splitlines():
        if line.startswith("│"):
            cells = [cell.strip() for cell in line.strip("│").split("│")]
            rows[cells[0]] = cells[1:]
    return rows
