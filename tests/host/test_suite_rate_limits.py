"""Servers started by `salient up` leave rate limiting to the host's web chat, unless the operator sets their own."""

from __future__ import annotations

import sys
import time
from pathlib import Path

import pytest
from salient_host.suite import InstalledServer, start
from support import console_script, free_port, stop_process

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/<pid>/environ")


def started_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, str]:
    monkeypatch.setenv("SALIENT_CATALOG_DB", f"sqlite:///{tmp_path / 'catalog.db'}")
    process = start(InstalledServer("catalog", console_script("salient-catalog"), free_port()), demo=False)
    try:
        deadline = time.monotonic() + 30
        while True:  # until the child has exec'd the server: before that it shows the test process's first env
            raw = Path(f"/proc/{process.pid}/environ").read_bytes()
            env = dict(item.split("=", 1) for item in raw.decode().split("\0") if "=" in item)
            if "SALIENT_CATALOG_DB" in env or time.monotonic() > deadline:
                return env
            time.sleep(0.01)
    finally:
        stop_process(process)


def test_servers_of_the_suite_do_not_limit_the_host(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("SALIENT_CATALOG_RATE_LIMIT", raising=False)
    assert started_env(monkeypatch, tmp_path)["SALIENT_CATALOG_RATE_LIMIT"] == "off"


def test_an_operators_rate_limit_wins(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SALIENT_CATALOG_RATE_LIMIT", "50/second")
    assert started_env(monkeypatch, tmp_path)["SALIENT_CATALOG_RATE_LIMIT"] == "50/second"
