"""Read `config/salient.yaml` once: YAML, environment references, validation, cross-references, instructions."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

import yaml
from pydantic import ValidationError

from salient_host.config.envvars import expand, literal_secrets
from salient_host.config.problems import ConfigError, display_path, reword
from salient_host.config.schema import Config
from salient_host.config.tenancy import tenancy_problems
from salient_host.problems import Problem

DEFAULT_CONFIG = Path("config/salient.yaml")
# Model APIs and MCP clients accept tool names of at most 64 of these characters; server names prefix them.
NAME = re.compile(r"^[A-Za-z0-9_-]+$")
NAME_LIMIT = 64
GLOB = re.compile(r"^[A-Za-z0-9_*?\[\]!.-]+$")


def config_path(explicit: str | Path | None = None, env: Mapping[str, str] = os.environ) -> Path:
    """`--config`, else `SALIENT_CONFIG`, else `config/salient.yaml` in the working directory."""
    return Path(explicit or env.get("SALIENT_CONFIG") or DEFAULT_CONFIG)


def load_config(path: str | Path | None = None, env: Mapping[str, str] = os.environ) -> Config:
    """The validated configuration, or ConfigError listing every problem found."""
    source = config_path(path, env)
    file = display_path(source)
    try:
        raw = yaml.safe_load(source.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError([Problem(file, "", "file not found", "create it or pass --config PATH")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else ""
        raise ConfigError([Problem(file, where, f"not valid YAML ({exc})", "fix the YAML syntax")]) from None
    if not isinstance(raw, dict):
        raise ConfigError([Problem(file, "", "expected a mapping with `servers:`", "start from config/salient.yaml")])
    problems = literal_secrets(raw, file)
    expanded, unset = expand(raw, env, file)
    problems += unset
    try:
        config = Config.model_validate(expanded)
    except ValidationError as exc:
        raise ConfigError(problems + reword(exc, Config, file)) from None
    problems += cross_checks(config, file)
    config._source = source
    problems += _read_instructions(config, file)
    if problems:
        raise ConfigError(problems)
    return config


def _name_problems(file: str, key: str, name: str, what: str) -> list[Problem]:
    if len(name) > NAME_LIMIT:
        return [
            Problem(
                file,
                key,
                f"{what} name is {len(name)} characters; the limit is {NAME_LIMIT} (MCP and model APIs)",
                "use a shorter name",
            )
        ]
    if not NAME.match(name):
        return [
            Problem(file, key, f"{what} name {name!r} has characters tool names cannot carry", "use a-z, 0-9, _ or -")
        ]
    return []


def glob_problem(pattern: str) -> str | None:
    """Why `pattern` cannot be an allow-list glob over tool names, or None when it can."""
    if not GLOB.match(pattern):
        return f"glob {pattern!r} has characters no tool name contains"
    if pattern.count("[") != pattern.count("]"):
        return f"glob {pattern!r} has an unclosed ["
    return None


def cross_checks(config: Config, file: str) -> list[Problem]:
    """What a schema cannot say: transport shape, names, references between sections."""
    problems: list[Problem] = []
    for name, server in config.servers.items():
        key = f"servers.{name}"
        problems += _name_problems(file, key, name, "server")
        if (server.command is None) == (server.url is None):
            problems.append(Problem(file, key, "needs exactly one of `command` (stdio) or `url` (HTTP)", "keep one"))
        elif server.url and (server.args or server.env or server.cwd):
            problems.append(Problem(file, key, "`args`, `env` and `cwd` apply to stdio servers", "remove them"))
        elif server.command and server.headers:
            problems.append(Problem(file, f"{key}.headers", "headers apply to HTTP servers", "remove `headers`"))
    for name, agent in config.agents.items():
        key = f"agents.{name}"
        problems += _name_problems(file, key, name, "agent")
        for server, access in agent.servers.items():
            if server not in config.servers:
                known = ", ".join(sorted(config.servers)) or "none"
                problems.append(
                    Problem(
                        file,
                        f"{key}.servers.{server}",
                        f"no server named {server!r} is configured",
                        f"add it under `servers:` or use one of: {known}",
                    )
                )
            for i, pattern in enumerate(access.tools):
                if reason := glob_problem(pattern):
                    fix = "write globs over the server's own tool names with * ? [abc], e.g. search_*"
                    problems.append(Problem(file, f"{key}.servers.{server}.tools[{i}]", reason, fix))
        if agent.summaries is not None and agent.summaries.enabled:
            for field in ("crm_server", "scheduling_server"):
                server = getattr(agent.summaries, field)
                # Left at its default, a server the agent does not use simply means no CRM note or no invite.
                named = field in agent.summaries.model_fields_set or server in agent.servers
                if named and server not in config.servers:
                    known = ", ".join(sorted(config.servers)) or "none"
                    problems.append(
                        Problem(
                            file,
                            f"{key}.summaries.{field}",
                            f"no server named {server!r} is configured",
                            f"use one of: {known}",
                        )
                    )
    for name, account in config.accounts.items():
        for i, agent in enumerate(account.agents):
            if agent not in config.agents:
                known = ", ".join(sorted(config.agents)) or "none"
                problems.append(
                    Problem(file, f"accounts.{name}.agents[{i}]", f"no agent named {agent!r}", f"use one of: {known}")
                )
    problems += tenancy_problems(config, file)
    return problems


def _read_instructions(config: Config, file: str) -> list[Problem]:
    problems = []
    for name, agent in config.agents.items():
        path = config.base_dir / agent.instructions
        try:
            config._instructions[name] = path.read_text(encoding="utf-8")
        except OSError as exc:
            problems.append(
                Problem(
                    file,
                    f"agents.{name}.instructions",
                    f"cannot read {display_path(path)} ({exc.strerror})",
                    "write the file or fix the path (it is relative to the configuration file)",
                )
            )
    return problems
