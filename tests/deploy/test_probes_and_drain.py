"""What Kubernetes asks of a server process, asked of a real one: `/livez`, `/readyz` (false while the schema is
not this version's), and SIGTERM letting a slow call in flight finish before the process exits."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sqlite3
import time
from pathlib import Path

import httpx
from support import console_script, free_port, serve_process

CRM = console_script("salient-crm")
CALL = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "tools/call",
    "params": {"name": "upsert_contact", "arguments": {"email": "slow@example.com"}},
}
MCP_HEADERS = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json"}


async def test_probes_and_a_slow_call_finishing_after_sigterm(tmp_path: Path) -> None:
    file = tmp_path / "crm.db"
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    # As the chart runs it: stateless HTTP (any replica answers any request), a drain shorter than the pod's grace.
    env = {**os.environ, "SALIENT_CRM_STATELESS_HTTP": "true", "SALIENT_CRM_SHUTDOWN_TIMEOUT": "15"}
    args = [CRM, "--http", "--port", str(port), "--db", f"sqlite:///{file}"]
    with serve_process(args, ready_url=f"{base}/readyz", log=tmp_path / "crm.log", env=env) as process:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            assert (await client.get("/livez")).json()["status"] == "alive"
            assert (await client.get("/readyz")).json() == {"status": "ready", "reason": "ok", "server": "salient-crm"}

            # A schema that is not this version's (a newer release migrated it, say): alive, but not ready.
            with sqlite3.connect(file) as db:
                db.execute("UPDATE alembic_version_crm SET version_num = 'crm_0001'")
            not_ready = await client.get("/readyz")
            assert not_ready.status_code == 503 and "schema is not this version's" in not_ready.json()["reason"]
            assert (await client.get("/livez")).status_code == 200
            with sqlite3.connect(file) as db:
                db.execute("UPDATE alembic_version_crm SET version_num = 'crm_0002'")
            assert (await client.get("/readyz")).status_code == 200

            # A write that waits on a lock held here: in flight when SIGTERM comes.
            blocker = sqlite3.connect(file, isolation_level=None)
            try:
                blocker.execute("BEGIN IMMEDIATE")
                call = asyncio.create_task(client.post("/mcp", json=CALL, headers=MCP_HEADERS))
                await asyncio.sleep(1.0)
                assert not call.done()
                process.terminate()
                await asyncio.sleep(1.0)
                assert process.poll() is None, "exited with a call in flight"
                refused = await _new_connection_refused(base)
                blocker.execute("COMMIT")
            finally:
                blocker.close()
            started = time.monotonic()
            answer = await asyncio.wait_for(call, 20)
    assert refused, "a draining server still took new connections"
    assert answer.status_code == 200
    result = json.loads(answer.text.split("data: ", 1)[1].splitlines()[0])["result"]
    assert result["isError"] is False and result["structuredContent"]["created"] is True
    # uvicorn raises the signal again once it has shut down cleanly, so the process ends "killed by SIGTERM".
    assert process.wait(timeout=15) in (0, -signal.SIGTERM)
    assert "Application shutdown complete" in (tmp_path / "crm.log").read_text()
    assert time.monotonic() - started < 10, "the drain waited out its timeout instead of ending with the call"
    with sqlite3.connect(file) as db:
        assert db.execute("SELECT count(*) FROM crm_contacts").fetchone() == (1,)


async def _new_connection_refused(base: str) -> bool:
    async with httpx.AsyncClient(base_url=base, timeout=2) as fresh:
        try:
            await fresh.get("/livez")
        except httpx.ConnectError:
            return True
    return False
