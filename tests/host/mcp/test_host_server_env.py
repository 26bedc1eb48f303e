"""What a stdio server started by the host finds in its environment: the settings the user exported for it."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastmcp import Client
from host_support import write_config
from library_support import wait_done
from salient_host.config.load import load_config
from salient_host.mcp.toolsets import transport


async def test_a_stdio_server_gets_the_settings_exported_under_its_prefix(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SALIENT_LIBRARY_MODEL_DIR exported by the user reaches salient-library, though stdio servers get few
    variables: the library looks for its model there and nowhere else, so an empty directory shows it arrived."""
    empty = tmp_path / "no-model-here"
    empty.mkdir()
    monkeypatch.setenv("SALIENT_LIBRARY_MODEL_DIR", str(empty))
    server = {
        "command": "salient-library",
        "args": ["--db", f"sqlite:///{tmp_path / 'library.db'}", "--log-level", "WARNING"],
        "env": {"XDG_DATA_HOME": str(tmp_path / "data")},
        "init_timeout": 60,
    }
    config = load_config(write_config(tmp_path / "config", {"servers": {"library": server}}), {})
    async with Client(transport(config.servers["library"], config.base_dir)) as client:
        job = (await client.call_tool("ingest", {"collection": "kb", "text": "A note.", "title": "Note"})).data
        done = await wait_done(client, job.id)
    assert done["state"] == "failed"
    assert f"Looked in: {str(empty)!r} (missing config.json" in done["error"]
