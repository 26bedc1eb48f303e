"""Demo data goes into the demo account only: a server asked to seed any other account refuses and writes nothing.

Real command lines (stdio, HTTP, environment variables) of every server, and the in-process server; then the
account is read back through the server itself.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from fastmcp import Client
from salient_core.db import Database
from salient_crm.server import build_server
from salient_crm.settings import CrmSettings
from sqlalchemy import inspect
from support import console_script

SERVERS = ["catalog", "crm", "scheduling", "library", "crossfeed"]


def run(server: str, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`salient-<server> ARGS` with stdin closed: a stdio server that starts serves nothing and exits."""
    return subprocess.run(
        [console_script(f"salient-{server}"), *args],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=90,
        env=os.environ | (env or {}),
    )


async def tables(url: str) -> list[str]:
    db = Database(url)
    try:
        async with db.engine.connect() as conn:
            return await conn.run_sync(lambda sync: inspect(sync).get_table_names())
    finally:
        await db.close()


async def contacts(url: str, account: str) -> int:
    """How many contacts `account` has, asked of the crm server itself."""
    async with Client(build_server(CrmSettings(db=url, account=account))) as client:
        result = await client.call_tool("search_records", {"object_type": "contact", "limit": 1})
        assert result.structured_content is not None
        return result.structured_content["total"]


def assert_refused(done: subprocess.CompletedProcess[str], server: str, account: str = "acme") -> None:
    assert done.returncode == 2, done.stderr
    message = " ".join(done.stderr.split())  # rich wraps long lines
    assert f"refusing to load the demo company's data into account {account!r}" in message
    assert "nothing was written" in message
    assert f"--demo and SALIENT_{server.upper()}_DEMO load it into account 'demo' only" in message
    assert "Fix: serve" in message and "without --demo" in message


@pytest.mark.parametrize("server", SERVERS)
def test_every_server_refuses_demo_data_for_another_account_over_stdio(server: str, tmp_path: Path) -> None:
    db = tmp_path / f"{server}.db"
    data_dir = tmp_path / "data"
    done = run(server, "--db", f"sqlite:///{db}", "--account", "acme", "--demo", env={"XDG_DATA_HOME": str(data_dir)})
    assert_refused(done, server)
    assert not db.exists() and not data_dir.exists()  # not even an empty database or the library's demo files


@pytest.mark.parametrize(
    ("args", "env"),
    [
        pytest.param(["--account", "acme", "--demo"], {}, id="stdio flags"),
        pytest.param(["--http", "--port", "0", "--account", "acme", "--demo"], {}, id="http flags"),
        pytest.param(["--account", "acme"], {"SALIENT_CRM_DEMO": "1"}, id="demo from the environment"),
        pytest.param([], {"SALIENT_CRM_ACCOUNT": "acme", "SALIENT_CRM_DEMO": "true"}, id="both from the environment"),
        pytest.param(
            ["--http", "--port", "0"], {"SALIENT_CRM_ACCOUNT": "acme", "SALIENT_CRM_DEMO": "1"}, id="http env"
        ),
    ],
)
async def test_crm_leaves_the_account_empty_whichever_way_demo_is_asked(
    db_url: str, args: list[str], env: dict[str, str]
) -> None:
    done = run("crm", "--db", db_url, *args, env=env)
    assert_refused(done, "crm")
    assert await tables(db_url) == []  # nothing written: no schema, no rows
    assert await contacts(db_url, "acme") == 0


async def test_the_in_process_server_refuses_too(db_url: str) -> None:
    with pytest.raises(Exception, match="refusing to load the demo company's data into account 'acme'"):
        async with Client(build_server(CrmSettings(db=db_url, account="acme", demo=True))):
            pass
    assert await tables(db_url) == []


async def test_the_demo_account_still_gets_the_demo_company(db_url: str) -> None:
    done = run("crm", "--db", db_url, "--account", "demo", "--demo")
    assert done.returncode == 0, done.stderr
    assert await contacts(db_url, "demo") >= 50
    assert await contacts(db_url, "acme") == 0


def test_a_data_command_with_demo_configured_still_imports_into_its_account(tmp_path: Path) -> None:
    """`salient import catalog --account acme` runs the configured `salient-catalog --demo ...`: the import is not a
    demo load, so it runs, and acme gets the file's products and nothing of the demo's."""
    products = tmp_path / "products.csv"
    products.write_text(
        "handle,name,brand,category,description,sku,variant_title,price,stock,currency\n"
        "cane-a,Offset Cane,Drive,canes,An offset walking cane.,BW-CANE-A,Standard,24.50,4,EUR\n",
        encoding="utf-8",
    )
    url = f"sqlite:///{tmp_path / 'catalog.db'}"
    done = run("catalog", "--demo", "--db", url, "--account", "acme", "import", str(products))
    assert done.returncode == 0, done.stderr
    assert "account 'acme': 1 created" in done.stderr
