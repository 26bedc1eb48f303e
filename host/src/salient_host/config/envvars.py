"""`${VAR}` and `${VAR:-default}` in configuration values, and the rule that secrets live only in the environment."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from salient_host.config.problems import key_path
from salient_host.problems import Problem

REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")
# Header names whose values are credentials; anything matching must be a reference to the environment.
SECRET_HEADER = re.compile(r"authorization|cookie|token|secret|api[-_]?key|password", re.IGNORECASE)
SECRET_ENV = re.compile(r"TOKEN|SECRET|PASSWORD|API_KEY|_KEY$|^KEY$", re.IGNORECASE)
# What may stay literal around a reference in a credential: the auth scheme only.
SCHEME_ONLY = re.compile(r"^\s*(bearer|basic|token)?\s*$", re.IGNORECASE)


def expand(raw: Any, env: Mapping[str, str], file: str, loc: tuple[Any, ...] = ()) -> tuple[Any, list[Problem]]:
    """Expand references in every string value (keys stay literal); unset variables become problems."""
    problems: list[Problem] = []
    if isinstance(raw, dict):
        out: dict[Any, Any] = {}
        for k, v in raw.items():
            out[k], found = expand(v, env, file, (*loc, k))
            problems += found
        return out, problems
    if isinstance(raw, list):
        items = []
        for i, v in enumerate(raw):
            item, found = expand(v, env, file, (*loc, i))
            items.append(item)
            problems += found
        return items, problems
    if not isinstance(raw, str):
        return raw, problems

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in env:
            return env[name]
        if default is not None:
            return default
        problems.append(
            Problem(
                file,
                key_path(loc),
                f"environment variable {name} is not set",
                f"export {name}=... before running salient, or give a default: ${{{name}:-value}}",
            )
        )
        return ""

    return REFERENCE.sub(substitute, raw), problems


def _literal_secret(value: Any) -> bool:
    """True when a credential value carries anything beyond references and an auth scheme."""
    if not isinstance(value, str):
        return False
    return not REFERENCE.search(value) or not SCHEME_ONLY.match(REFERENCE.sub("", value))


def literal_secrets(raw: Any, file: str) -> list[Problem]:
    """Credentials written into the file (before expansion) instead of referenced from the environment."""
    problems: list[Problem] = []
    if not isinstance(raw, dict):
        return problems
    servers = raw.get("servers")
    if isinstance(servers, dict):
        for name, server in servers.items():
            problems += _literal_secrets_of(server, ("servers", name), f"{name}_TOKEN", file)
    accounts = raw.get("accounts")
    for account, configured in accounts.items() if isinstance(accounts, dict) else ():
        own = configured.get("servers") if isinstance(configured, dict) else None
        for name, server in own.items() if isinstance(own, dict) else ():
            where = ("accounts", account, "servers", name)
            problems += _literal_secrets_of(server, where, f"{account}_{name}_TOKEN", file)
    return problems


def _literal_secrets_of(server: Any, loc: tuple[Any, ...], var: str, file: str) -> list[Problem]:
    problems: list[Problem] = []
    if not isinstance(server, dict):
        return problems
    var = str(var).upper().replace("-", "_")
    for section, pattern in (("headers", SECRET_HEADER), ("env", SECRET_ENV)):
        entries = server.get(section)
        if not isinstance(entries, dict):
            continue
        for key, value in entries.items():
            if pattern.search(str(key)) and _literal_secret(value):
                example = f"Bearer ${{{var}}}" if section == "headers" else f"${{{var}}}"
                problems.append(
                    Problem(
                        file,
                        key_path((*loc, section, key)),
                        "a literal secret is not allowed in the configuration file",
                        f"export {var}=<the secret> and write `{key}: {example}`",
                    )
                )
    return problems
