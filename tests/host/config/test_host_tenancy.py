"""Who a server connection acts for: each account its own stdio process or its own HTTP credentials.

`salient config check` refuses a configuration in which an account could reach a server as someone else, with
the key and the fix, before anything is started; `account_server` is what each account's connection is made from.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from host_support import agent, clean_env, run_salient, write_config
from salient_host.config.load import load_config
from salient_host.config.problems import ConfigError
from salient_host.config.tenancy import account_server
from support import free_port

CRM_URL = "http://127.0.0.1:8102/mcp"
BEARER = {"Authorization": "Bearer ${ACME_CRM_TOKEN}"}
ENV = {"ACME_CRM_TOKEN": "sal_acme", "DEMO_CRM_TOKEN": "sal_demo"}


def configured(crm: dict[str, Any], **accounts: dict[str, Any]) -> dict[str, Any]:
    return {
        "servers": {"crm": crm, "catalog": {"command": "salient-catalog", "args": ["--demo"]}},
        "agents": {"sales": agent({"crm": ["*"], "catalog": ["*"]}), "support": agent({"catalog": ["*"]})},
        "accounts": accounts,
    }


def problems_of(path: Path) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path, ENV)
    return [str(p) for p in caught.value.problems]


@dataclass(frozen=True)
class Bad:
    id: str
    raw: dict[str, Any]
    key: str
    message: str
    fix: str
    extra: dict[str, Any] = field(default_factory=dict)


BAD = [
    Bad(
        "http server without the account's own credentials",
        configured({"url": CRM_URL}, acme={"agents": ["sales"]}),
        "accounts.acme.servers.crm",
        "account 'acme' reaches HTTP server 'crm' (agents: sales) without credentials of its own",
        "`salient-crm tokens create --account acme --scopes crm:read,crm:write`), export ACME_CRM_TOKEN=<the token> "
        'and add `accounts.acme.servers.crm.headers: {Authorization: "Bearer ${ACME_CRM_TOKEN}"}`',
    ),
    Bad(
        "a credential shared by every account",
        configured(
            {"url": CRM_URL, "headers": {"Authorization": "Bearer ${DEMO_CRM_TOKEN}"}},
            demo={"agents": ["sales"], "servers": {"crm": {"headers": {"Authorization": "Bearer ${DEMO_CRM_TOKEN}"}}}},
        ),
        "servers.crm.headers.Authorization",
        "a credential shared by every account",
        "move it under each account that uses 'crm': `accounts.<account>.servers.crm.headers",
    ),
    Bad(
        "--account in args that another account contradicts",
        configured(
            {"command": "salient-crm", "args": ["--account", "demo", "--demo"]},
            demo={"agents": ["sales"]},
            acme={"agents": ["sales"]},
        ),
        "servers.crm",
        "names account 'demo' (`--account` or SALIENT_*_ACCOUNT), but account 'acme' (agents: sales) uses it too",
        "the host starts each account's own process with that account",
    ),
    Bad(
        "the account in the server's env",
        configured({"command": "salient-crm", "env": {"SALIENT_CRM_ACCOUNT": "demo"}}, acme={"agents": ["sales"]}),
        "servers.crm",
        "names account 'demo'",
        "remove the account from the server's `args` and `env`",
    ),
    Bad(
        "headers for a stdio server",
        configured({"command": "salient-crm"}, acme={"agents": ["sales"], "servers": {"crm": {"headers": BEARER}}}),
        "accounts.acme.servers.crm.headers",
        "headers apply to HTTP servers",
        "remove `headers`",
    ),
    Bad(
        "an account's credentials for a server nobody configured",
        configured({"command": "salient-crm"}, acme={"agents": ["sales"], "servers": {"crn": {"env": {}}}}),
        "accounts.acme.servers.crn",
        "no server named 'crn' is configured",
        "use one of: catalog, crm",
    ),
    Bad(
        "a literal token in an account's headers",
        configured(
            {"url": CRM_URL},
            acme={"agents": ["sales"], "servers": {"crm": {"headers": {"Authorization": "Bearer sal_x"}}}},
        ),
        "accounts.acme.servers.crm.headers.Authorization",
        "a literal secret is not allowed",
        "export ACME_CRM_TOKEN=<the secret> and write `Authorization: Bearer ${ACME_CRM_TOKEN}`",
    ),
]


@pytest.mark.parametrize("case", BAD, ids=[b.id for b in BAD])
def test_a_server_an_account_could_reach_as_another_is_refused(tmp_path: Path, case: Bad) -> None:
    found = problems_of(write_config(tmp_path, case.raw))
    assert len(found) == 1, found
    where, _, rest = found[0].partition(f"{tmp_path / 'salient.yaml'}: {case.key}: ")
    assert where == "", found[0]
    message, _, fix = rest.partition(". Fix: ")
    assert case.message in message
    assert case.fix in fix


def test_each_account_with_its_own_credentials_is_accepted(tmp_path: Path) -> None:
    own = {name: {"headers": {"Authorization": f"Bearer ${{{name.upper()}_CRM_TOKEN}}"}} for name in ("acme", "demo")}
    raw = configured(
        {"url": CRM_URL, "headers": {"X-Region": "eu"}},
        demo={"agents": ["sales"], "servers": {"crm": own["demo"]}},
        acme={"agents": ["sales"], "servers": {"crm": own["acme"]}},
        # An account whose agents never reach the HTTP server needs no credentials for it.
        docs={"agents": ["support"]},
    )
    config = load_config(write_config(tmp_path, raw), ENV)
    assert account_server(config, "acme", "crm").headers == {"X-Region": "eu", "Authorization": "Bearer sal_acme"}
    assert account_server(config, "demo", "crm").headers == {"X-Region": "eu", "Authorization": "Bearer sal_demo"}


def test_each_account_gets_its_own_stdio_process_and_only_demo_gets_the_demo_data(tmp_path: Path) -> None:
    crm = {"command": "salient-crm", "args": ["--demo", "--log-level", "WARNING"], "env": {"SALIENT_CRM_DEMO": "1"}}
    raw = configured(
        crm, demo={"agents": ["sales"]}, acme={"agents": ["sales"], "servers": {"crm": {"env": {"X": "1"}}}}
    )
    config = load_config(write_config(tmp_path, raw), ENV)
    demo, acme = account_server(config, "demo", "crm"), account_server(config, "acme", "crm")
    assert demo.args == ["--account", "demo", "--demo", "--log-level", "WARNING"]
    assert demo.env == {"SALIENT_CRM_DEMO": "1", "SALIENT_CRM_ACCOUNT": "demo"}
    assert acme.args == ["--account", "acme", "--log-level", "WARNING"]  # a real account never gets --demo
    assert acme.env == {"X": "1", "SALIENT_CRM_ACCOUNT": "acme"}
    # A server the host does not know as a Salient one keeps its arguments; the account's env is its own.
    other = load_config(write_config(tmp_path, configured({"command": "crm-gateway", "args": ["--demo"]})), ENV)
    assert account_server(other, "acme", "crm").args == ["--demo"]


def test_the_shipped_single_account_configuration_is_unchanged(tmp_path: Path) -> None:
    from host_support import DEFAULT_CONFIG

    config = load_config(DEFAULT_CONFIG, {})
    for name, server in config.servers.items():
        assert account_server(config, "demo", name).args == ["--account", "demo", *server.args]


async def test_config_check_refuses_a_missing_credential_before_starting_anything(tmp_path: Path) -> None:
    connections = 0

    async def count(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        writer.close()

    port = free_port()
    listener = await asyncio.start_server(count, "127.0.0.1", port)
    raw = configured({"url": f"http://127.0.0.1:{port}/mcp"}, acme={"agents": ["sales"]})
    path = write_config(tmp_path, raw)
    try:
        done = await run_salient("config", "check", "--config", str(path), env=clean_env())
    finally:
        listener.close()
        await listener.wait_closed()
    assert done.code == 2, done
    said = done.stdout + done.stderr
    assert "accounts.acme.servers.crm: account 'acme' reaches HTTP server 'crm' (agents: sales)" in said
    assert "accounts.acme.servers.crm.headers: {Authorization:" in said
    assert connections == 0  # refused from the file alone: no server was contacted
