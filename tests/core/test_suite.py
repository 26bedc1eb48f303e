"""Several servers in one process (`python -m salient_core.suite`, what `salient up` runs): each server starts on
its own, a failing one is reported and the others serve; the suite's servers leave rate limiting to the host."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import httpx
import pytest
from salient_core.suite import entry, serve_suite, settings_for
from support import free_port


def test_servers_of_the_suite_do_not_limit_the_host(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SALIENT_CATALOG_RATE_LIMIT", raising=False)
    settings = settings_for(entry("catalog"), free_port(), demo=False, log_level="WARNING")
    assert settings.rate_limit == "off" and settings.http and not settings.demo


def test_an_operators_rate_limit_wins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALIENT_CATALOG_RATE_LIMIT", "50/second")
    settings = settings_for(entry("catalog"), free_port(), demo=True, log_level="WARNING")
    assert settings.rate_limit == "50/second" and settings.demo


def test_an_unknown_server_is_named() -> None:
    with pytest.raises(LookupError, match="no salient-nosuch command is installed"):
        entry("nosuch")


async def test_a_server_that_cannot_start_leaves_the_others_serving(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for name in ("catalog", "crm"):
        monkeypatch.setenv(f"SALIENT_{name.upper()}_DB", f"sqlite:///{tmp_path / name}.db")
    crm_port = free_port()
    with socket.socket() as holder:  # catalog's port is taken
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        catalog_port = holder.getsockname()[1]
        servers = [
            (entry("catalog"), settings_for(entry("catalog"), catalog_port, demo=False, log_level="WARNING")),
            (entry("crm"), settings_for(entry("crm"), crm_port, demo=False, log_level="WARNING")),
        ]
        stop = asyncio.Event()
        suite = asyncio.create_task(serve_suite(servers, stop))
        try:
            async with httpx.AsyncClient(timeout=2) as client:
                said = ""
                for _ in range(600):
                    said += capsys.readouterr().out
                    if "ready crm" in said and "catalog" in said:
                        break
                    await asyncio.sleep(0.05)
                health = await client.get(f"http://127.0.0.1:{crm_port}/healthz")
        finally:
            stop.set()
            await asyncio.wait_for(suite, 30)
    said += capsys.readouterr().out
    assert "ready crm" in said and health.status_code == 200
    assert f"failed catalog it could not listen on 127.0.0.1:{catalog_port}" in said, said
    assert "ready catalog" not in said
    # Stopped: nothing answers on crm's port any more.
    async with httpx.AsyncClient(timeout=2) as client:
        with pytest.raises(httpx.TransportError):
            await client.get(f"http://127.0.0.1:{crm_port}/healthz")
