"""Replicas that start together on an empty database end with one schema and no errors, and a release's
migration Job (`salient-<name> migrate`) does the work once; both on PostgreSQL and on a SQLite file."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import time
from pathlib import Path

import asyncpg
import httpx
import pytest
from salient_crm.server import CRM_MIGRATIONS
from support import console_script, free_port, stop_process

CRM = console_script("salient-crm")
REPLICAS = 4


def _start_together(argv: list[list[str]], logs: Path) -> list[subprocess.Popen[bytes]]:
    processes = []
    for n, args in enumerate(argv):
        with (logs / f"replica-{n}.log").open("wb") as log:
            processes.append(subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT))
    return processes


def _log(logs: Path, n: int) -> str:
    return (logs / f"replica-{n}.log").read_text(errors="replace")


async def test_four_replicas_starting_together_on_empty_postgres_make_one_schema(
    postgres_url: str, tmp_path: Path
) -> None:
    ports = [free_port() for _ in range(REPLICAS)]
    argv = [[CRM, "--http", "--port", str(port), "--db", postgres_url, "--log-level", "INFO"] for port in ports]
    processes = _start_together(argv, tmp_path)
    try:
        waiting = set(range(REPLICAS))
        deadline = time.monotonic() + 90
        async with httpx.AsyncClient(timeout=1) as client:
            while waiting and time.monotonic() < deadline:
                for n in sorted(waiting):
                    assert processes[n].poll() is None, f"replica {n} exited:\n{_log(tmp_path, n)[-3000:]}"
                    try:
                        if (await client.get(f"http://127.0.0.1:{ports[n]}/readyz")).status_code == 200:
                            waiting.discard(n)
                    except httpx.TransportError:
                        pass
                await asyncio.sleep(0.1)
        assert not waiting, f"replicas {sorted(waiting)} never got ready"
    finally:
        for process in processes:
            stop_process(process)
    for n in range(REPLICAS):
        assert "Traceback" not in _log(tmp_path, n) and "ERROR" not in _log(tmp_path, n), _log(tmp_path, n)
    # One process did the work, under the lock; the others found it done.
    migrated = [n for n in range(REPLICAS) if "migrated crm schema empty ->" in _log(tmp_path, n)]
    assert len(migrated) == 1
    connection = await asyncpg.connect(postgres_url)
    try:
        versions = [r["version_num"] for r in await connection.fetch("SELECT version_num FROM alembic_version_crm")]
        assert versions == sorted(CRM_MIGRATIONS.heads() or ["(unreadable heads)"])
        assert len(await connection.fetch("SELECT version_num FROM alembic_version_core")) == 1
        assert await connection.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == 0
    finally:
        await connection.close()


def test_migrate_check_then_four_migrate_commands_at_once_on_a_sqlite_file(tmp_path: Path) -> None:
    file = tmp_path / "crm.db"
    url = f"sqlite:///{file}"
    checked = _run([CRM, "--db", url, "migrate", "--check"])
    assert checked.returncode == 1
    assert "is not current; run salient-crm migrate" in checked.stderr
    with sqlite3.connect(file) as connection:  # --check created no table
        assert connection.execute("SELECT count(*) FROM sqlite_master").fetchone() == (0,)

    processes = _start_together([[CRM, "--db", url, "migrate"] for _ in range(REPLICAS)], tmp_path)
    for n, process in enumerate(processes):
        assert process.wait(timeout=90) == 0, _log(tmp_path, n)
        assert "is current" in _log(tmp_path, n) and "Traceback" not in _log(tmp_path, n)
    assert sum("migrated crm schema empty ->" in _log(tmp_path, n) for n in range(REPLICAS)) == 1
    assert _run([CRM, "--db", url, "migrate", "--check"]).returncode == 0


@pytest.mark.parametrize(
    ("url", "said"),
    [
        ("mysql://127.0.0.1/nope", "Salient keeps its data in SQLite or PostgreSQL, not 'mysql'"),
        (
            "postgresql://postgres@127.0.0.1:1/none",
            "cannot migrate postgresql://postgres@127.0.0.1:1/none: [Errno 111]",
        ),
    ],
)
def test_migrate_with_an_unusable_database_says_so_in_one_line(url: str, said: str) -> None:
    done = _run([CRM, "--db", url, "migrate"])
    assert done.returncode == 2
    assert said in done.stderr and "Traceback" not in done.stderr


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, capture_output=True, text=True, timeout=60, check=False)
