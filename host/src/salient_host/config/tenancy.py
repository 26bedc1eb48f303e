"""Which account a server connection acts for: one account per connection, never a server shared across accounts.

A Salient server acts for one account: over stdio the one it was started with (`--account A`, default `demo`),
over HTTP the one its bearer token was made for. So the host never lets two accounts share a connection:

- a **stdio** server runs as one process per (account, server). A Salient server (`salient-<name>`, or
  `python -m salient_<name>`) is started with `--account <account>` and `SALIENT_<NAME>_ACCOUNT`; `--demo` (and
  `SALIENT_<NAME>_DEMO`) only ever reach the `demo` account's process, because the demo company's data must never
  go into a real account. Any stdio server gets `accounts.<account>.servers.<name>.env` in that account's process;
- an **HTTP** server gets each account's own `accounts.<account>.servers.<name>.headers` (its token) added to the
  server's `headers`. `tenancy_problems` refuses a configuration where an account could reach an HTTP server
  without credentials of its own, or where `headers` shared by every account carry a credential.

Without an `accounts:` section the host serves one tenant: HTTP servers' own `headers` serve every conversation,
and stdio servers still start per account (the conversation's, `demo` by default).
`account_server` is the one place a server's configuration becomes an account's connection.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from salient_host.config.envvars import SECRET_HEADER
from salient_host.config.schema import AccountServer, Config, ServerConfig
from salient_host.problems import Problem

# Kept beside salient_core.demo_account.DEMO_ACCOUNT (the host's configuration does not import the servers' core).
DEMO_ACCOUNT = "demo"
# A Salient server's console script is `salient-<name>`, its module `salient_<name>`; its settings read
# `SALIENT_<NAME>_*` (core's ServerSettings convention).
SALIENT_COMMAND = re.compile(r"salient-([a-z][a-z0-9]*)(?:\.exe)?", re.IGNORECASE)
SALIENT_MODULE = re.compile(r"salient_([a-z][a-z0-9]*)(?:\.__main__)?", re.IGNORECASE)


def salient_name(server: ServerConfig) -> str | None:
    """The Salient server a stdio server runs (`crm` for `salient-crm` or `python -m salient_crm`), else None."""
    if server.command is None:
        return None
    if match := SALIENT_COMMAND.fullmatch(Path(server.command).name):
        return match.group(1).lower()
    args = list(server.args)
    for i, arg in enumerate(args[:-1]):
        if arg == "-m" and (match := SALIENT_MODULE.fullmatch(args[i + 1])):
            return match.group(1).lower()
    return None


def env_prefix(name: str) -> str:
    """`SALIENT_CRM_` for `crm`: the prefix of the settings a Salient server reads from its environment."""
    return f"SALIENT_{name.upper()}_"


def explicit_account(server: ServerConfig) -> str | None:
    """The account a Salient stdio server's own `args` or `env` name (`--account A`, `SALIENT_<NAME>_ACCOUNT`)."""
    name = salient_name(server)
    if name is None:
        return None
    args = list(server.args)
    for i, arg in enumerate(args):
        if arg == "--account" and i + 1 < len(args):
            return args[i + 1]
        if arg.startswith("--account="):
            return arg.removeprefix("--account=")
    return _env_value(server.env, f"{env_prefix(name)}ACCOUNT")


def _env_value(env: Mapping[str, str], key: str) -> str | None:
    for k, v in env.items():
        if k.upper() == key:
            return v
    return None


def reached_servers(config: Config, account: str) -> dict[str, list[str]]:
    """The servers an account's conversations can reach, each with the agents that reach it (summaries included)."""
    agents = config.accounts[account].agents if account in config.accounts else list(config.agents)
    reached: dict[str, list[str]] = {}
    for agent_name in agents:
        agent = config.agents.get(agent_name)
        if agent is None:
            continue
        names = list(agent.servers)
        if agent.summaries is not None and agent.summaries.enabled:
            names += [agent.summaries.crm_server, agent.summaries.scheduling_server]
        for name in dict.fromkeys(names):
            if name in config.servers:
                reached.setdefault(name, []).append(agent_name)
    return reached


def checking_account(config: Config, name: str) -> str:
    """The account a check of server `name` connects as: demo where it may, else the first that reaches the server."""
    accounts = list(config.accounts) or [DEMO_ACCOUNT]
    reaching = [account for account in accounts if name in reached_servers(config, account)]
    if DEMO_ACCOUNT in reaching or not reaching:
        return DEMO_ACCOUNT if DEMO_ACCOUNT in accounts else accounts[0]
    return reaching[0]


def account_server(config: Config, account: str, name: str) -> ServerConfig:
    """Server `name` as account `account` reaches it: its own process (stdio) or its own credentials (HTTP)."""
    server = config.servers[name]
    own = config.accounts[account].servers.get(name) if account in config.accounts else None
    own = own or AccountServer()
    if server.url is not None:
        overridden = {key.lower() for key in own.headers}
        shared = {k: v for k, v in server.headers.items() if k.lower() not in overridden}
        return server.model_copy(update={"headers": shared | own.headers})
    env = dict(server.env) | own.env
    salient = salient_name(server)
    if salient is None:
        return server.model_copy(update={"env": env})
    prefix = env_prefix(salient)
    # The host decides these two, for every process it starts; whatever the file or the account said is replaced.
    demo = _env_value(env, f"{prefix}DEMO")
    env = {k: v for k, v in env.items() if k.upper() not in (f"{prefix}ACCOUNT", f"{prefix}DEMO")}
    env[f"{prefix}ACCOUNT"] = account
    if demo is not None and account == DEMO_ACCOUNT:
        env[f"{prefix}DEMO"] = demo
    return server.model_copy(update={"args": ["--account", account, *_serving_args(server.args, account)], "env": env})


def _serving_args(args: list[str], account: str) -> list[str]:
    """`args` without `--account` (the host passes its own) and, for any account but demo, without `--demo`."""
    kept: list[str] = []
    skip = False
    for arg in args:
        if skip:
            skip = False
            continue
        if arg == "--account":
            skip = True
        elif arg.startswith("--account=") or (arg == "--demo" and account != DEMO_ACCOUNT):
            continue
        else:
            kept.append(arg)
    return kept


def tenancy_problems(config: Config, file: str) -> list[Problem]:
    """What would let one account act through another's connection, or reach a server with none of its own."""
    problems: list[Problem] = []
    for account, configured in config.accounts.items():
        for name, own in configured.servers.items():
            key = f"accounts.{account}.servers.{name}"
            server = config.servers.get(name)
            if server is None:
                known = ", ".join(sorted(config.servers)) or "none"
                problems.append(Problem(file, key, f"no server named {name!r} is configured", f"use one of: {known}"))
            elif server.url is not None and own.env:
                problems.append(Problem(file, f"{key}.env", "`env` applies to stdio servers", "remove `env`"))
            elif server.command is not None and own.headers:
                problems.append(Problem(file, f"{key}.headers", "headers apply to HTTP servers", "remove `headers`"))
    if config.accounts:
        problems += _shared_credentials(config, file)
    for account in config.accounts or {DEMO_ACCOUNT: None}:
        for name, agents in reached_servers(config, account).items():
            server = config.servers[name]
            if server.url is not None and config.accounts:
                problems += _missing_credentials(config, file, account, name, agents)
            elif server.command is not None:
                problems += _conflicting_account(config, file, account, name, agents)
    return problems


def _shared_credentials(config: Config, file: str) -> list[Problem]:
    problems: list[Problem] = []
    for name, server in config.servers.items():
        if server.url is None:
            continue
        for header in server.headers:
            if SECRET_HEADER.search(header):
                problems.append(
                    Problem(
                        file,
                        f"servers.{name}.headers.{header}",
                        "a credential shared by every account: the server would act for one account on behalf of all",
                        f"move it under each account that uses {name!r}: "
                        f"`accounts.<account>.servers.{name}.headers: {{{header}: ...}}`",
                    )
                )
    return problems


def _missing_credentials(config: Config, file: str, account: str, name: str, agents: list[str]) -> list[Problem]:
    own = config.accounts[account].servers.get(name)
    if own is not None and any(SECRET_HEADER.search(header) for header in own.headers):
        return []
    var = f"{account}_{name}_TOKEN".upper().replace("-", "_")
    salient = f"salient-{name} tokens create --account {account} --scopes {name}:read,{name}:write"
    return [
        Problem(
            file,
            f"accounts.{account}.servers.{name}",
            f"account {account!r} reaches HTTP server {name!r} (agents: {', '.join(agents)}) without credentials "
            "of its own, so its conversations would act for whichever account the server takes them for",
            f"give it a token made for account {account!r} (for a Salient server: `{salient}`), "
            f"export {var}=<the token> and add "
            f'`accounts.{account}.servers.{name}.headers: {{Authorization: "Bearer ${{{var}}}"}}`',
        )
    ]


def _conflicting_account(config: Config, file: str, account: str, name: str, agents: list[str]) -> list[Problem]:
    named = explicit_account(config.servers[name])
    if named is None or named == account:
        return []
    where = f"account {account!r} (agents: {', '.join(agents)})" if config.accounts else f"account {account!r}"
    return [
        Problem(
            file,
            f"servers.{name}",
            f"names account {named!r} (`--account` or SALIENT_*_ACCOUNT), but {where} uses it too",
            "remove the account from the server's `args` and `env`: the host starts each account's own process "
            "with that account",
        )
    ]
