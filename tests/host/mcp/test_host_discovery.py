"""Servers are found in one place, the `salient.servers` entry-point group, each with the port its package declares."""

from __future__ import annotations

from pathlib import Path

import pytest
from salient_host.mcp.discovery import BASE_PORT, installed_servers

DEFAULT_PORTS = {"catalog": 8101, "crm": 8102, "scheduling": 8103, "library": 8104, "crossfeed": 8105}


def test_the_five_servers_keep_their_ports_and_commands() -> None:
    found = {s.name: s for s in installed_servers()}
    assert {name: s.port for name, s in found.items()} == DEFAULT_PORTS
    assert all(Path(s.command).name == f"salient-{name}" for name, s in found.items())
    assert [s.port for s in installed_servers(port_base=9000)] == [9001, 9002, 9005, 9004, 9003]  # sorted by name


def test_a_server_that_declares_no_port_gets_the_next_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A real (if tiny) installed distribution: a dist-info on sys.path registering a server in the group.
    (tmp_path / "salient_zeta").mkdir()
    (tmp_path / "salient_zeta" / "__init__.py").write_text('"""A server that declares no port."""\n')
    info = tmp_path / "salient_zeta-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: salient-zeta\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        "[console_scripts]\nsalient-zeta = salient_zeta:main\n\n[salient.servers]\nzeta = salient_zeta.server:create\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    found = {s.name: s for s in installed_servers()}
    assert found["zeta"].port == BASE_PORT + 6
    assert Path(found["zeta"].command).name == "salient-zeta"
    assert {name: s.port for name, s in found.items() if name != "zeta"} == DEFAULT_PORTS
