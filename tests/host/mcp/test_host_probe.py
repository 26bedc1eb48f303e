"""A probe asks a server once for its tools through a supervisor, as every request of the host does."""

from __future__ import annotations

from pathlib import Path

import pytest
from host_support import tiny_server, write_config
from salient_host.config.load import load_config
from salient_host.config.schema import ServerConfig
from salient_host.mcp.probe import probe_tools
from salient_host.mcp.status import StatusBoard
from salient_host.mcp.supervision import ServerDown
from salient_host.web.status import BoardStatus


async def test_a_probe_lists_the_tools_of_a_server_that_answers(tmp_path: Path) -> None:
    tools = await probe_tools("tiny", ServerConfig(**tiny_server("lookup", "pid")), tmp_path)
    assert sorted(tool.name for tool in tools) == ["lookup", "pid"]


async def test_a_server_that_cannot_start_is_down_with_the_supervisors_reason(tmp_path: Path) -> None:
    raw = tiny_server("lookup")
    raw["args"] += ["--require", str(tmp_path / "absent")]
    with pytest.raises(ServerDown) as down:
        await probe_tools("broken", ServerConfig(**raw), tmp_path)
    assert str(down.value) and "unavailable right now" not in str(down.value)  # the reason, not the model's notice


async def test_the_admin_view_probes_servers_no_conversation_used(tmp_path: Path) -> None:
    broken = tiny_server("lookup")
    broken["args"] += ["--require", str(tmp_path / "absent")]
    config = load_config(write_config(tmp_path, {"servers": {"tiny": tiny_server("lookup"), "broken": broken}}), {})
    states = {s.name: s for s in await BoardStatus(StatusBoard(), config).server_status()}
    assert (states["tiny"].state, states["tiny"].tools) == ("up", 1)
    assert states["broken"].state == "down" and states["broken"].detail
