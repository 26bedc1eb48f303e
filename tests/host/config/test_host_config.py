"""config/salient.yaml: parsing, environment references, and problems that name the file, the key and the fix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from host_support import DEFAULT_CONFIG, agent, write_config
from salient_host.config.load import config_path, load_config
from salient_host.config.problems import ConfigError
from salient_host.config.schema import EndpointModel

CATALOG = {"command": "salient-catalog", "args": ["--demo"]}


def base(**agents: Any) -> dict[str, Any]:
    return {"servers": {"catalog": dict(CATALOG)}, "agents": agents or {"sales": agent({"catalog": ["search_*"]})}}


def problems_of(path: Path, env: dict[str, str] | None = None) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        load_config(path, env or {})
    return [str(p) for p in caught.value.problems]


def test_default_config_loads_three_agents_with_instructions() -> None:
    config = load_config(DEFAULT_CONFIG, {})
    assert set(config.servers) == {"catalog", "crm", "scheduling", "crossfeed", "library"}
    assert set(config.agents) == {"sales", "support", "concierge"}
    assert all(s.command and "--demo" in s.args for s in config.servers.values())
    assert "catalog_search_products" in config.instructions("sales")
    assert config.agents["support"].approval == "deny"
    assert not any(t.startswith(("upsert", "create", "update", "archive", "book", "cancel")) for t in _tools(config))
    assert config.accounts["demo"].agents == ["sales", "support", "concierge"]


def _tools(config: Any) -> list[str]:
    return [t for access in config.agents["support"].servers.values() for t in access.tools]


def test_environment_references_expand_with_defaults(tmp_path: Path) -> None:
    raw = base()
    raw["servers"]["crm"] = {
        "url": "${CRM_URL:-http://127.0.0.1:8102/mcp}",
        "headers": {"Authorization": "Bearer ${CRM_TOKEN}"},
    }
    raw["servers"]["catalog"]["env"] = {"SALIENT_CATALOG_DB": "sqlite:///${DATA}/catalog.db"}
    raw["agents"]["sales"]["model"] = {"name": "m", "base_url": "${LLM_URL}", "api_key_env": "LLM_KEY"}
    config = load_config(write_config(tmp_path, raw), {"CRM_TOKEN": "s3cret", "DATA": "/srv", "LLM_URL": "http://x/v1"})
    assert config.servers["crm"].url == "http://127.0.0.1:8102/mcp"
    assert config.servers["crm"].headers == {"Authorization": "Bearer s3cret"}
    assert config.servers["catalog"].env == {"SALIENT_CATALOG_DB": "sqlite:////srv/catalog.db"}
    assert config.agents["sales"].model == EndpointModel(name="m", base_url="http://x/v1", api_key_env="LLM_KEY")
    assert config.source == tmp_path / "salient.yaml"


def test_config_path_prefers_flag_then_environment(tmp_path: Path) -> None:
    assert config_path("a.yaml", {"SALIENT_CONFIG": "b.yaml"}) == Path("a.yaml")
    assert config_path(None, {"SALIENT_CONFIG": "b.yaml"}) == Path("b.yaml")
    assert config_path(None, {}) == Path("config/salient.yaml")


def _unknown_key(raw: dict[str, Any]) -> None:
    raw["agents"]["sales"]["servers"]["catalog"]["toolz"] = ["search_*"]


def _missing_env(raw: dict[str, Any]) -> None:
    raw["servers"]["catalog"]["args"] = ["--db", "${CATALOG_DB}"]


def _literal_secret(raw: dict[str, Any]) -> None:
    raw["servers"]["crm"] = {"url": "http://127.0.0.1:8102/mcp", "headers": {"Authorization": "Bearer sk-live-123"}}


def _literal_env_secret(raw: dict[str, Any]) -> None:
    raw["servers"]["catalog"]["env"] = {"SALIENT_CATALOG_API_KEY": "abc123"}


def _bad_glob(raw: dict[str, Any]) -> None:
    raw["agents"]["sales"]["servers"]["catalog"]["tools"] = ["search products"]


def _long_name(raw: dict[str, Any]) -> None:
    raw["servers"]["c" * 70] = dict(CATALOG)


def _unknown_server(raw: dict[str, Any]) -> None:
    raw["agents"]["sales"]["servers"]["catalgo"] = {"tools": ["*"]}


def _api_key_in_file(raw: dict[str, Any]) -> None:
    raw["model"] = {"name": "m", "base_url": "http://127.0.0.1:1/v1", "api_key": "sk-123"}


def _bad_approval(raw: dict[str, Any]) -> None:
    raw["agents"]["sales"]["approval"] = "sometimes"


def _missing_instructions(raw: dict[str, Any]) -> None:
    raw["agents"]["sales"]["instructions"] = "agents/nowhere.md"


def _both_transports(raw: dict[str, Any]) -> None:
    raw["servers"]["catalog"]["url"] = "http://127.0.0.1:8101/mcp"


def _wrong_type(raw: dict[str, Any]) -> None:
    raw["agents"]["sales"]["limits"] = {"tool_calls_per_turn": "many"}


def _unknown_agent_in_account(raw: dict[str, Any]) -> None:
    raw["accounts"] = {"demo": {"agents": ["sales", "salse"]}}


BAD = [
    (
        _unknown_key,
        "agents.sales.servers.catalog.toolz",
        "unknown key `toolz`",
        "rename it to `tools` (keys allowed here: tools)",
    ),
    (_missing_env, "servers.catalog.args[1]", "environment variable CATALOG_DB is not set", "export CATALOG_DB="),
    (
        _literal_secret,
        "servers.crm.headers.Authorization",
        "literal secret",
        "write `Authorization: Bearer ${CRM_TOKEN}`",
    ),
    (_literal_env_secret, "servers.catalog.env.SALIENT_CATALOG_API_KEY", "literal secret", "export CATALOG_TOKEN="),
    (_bad_glob, "agents.sales.servers.catalog.tools[0]", "characters no tool name contains", "e.g. search_*"),
    (_long_name, "servers." + "c" * 70, "server name is 70 characters; the limit is 64", "shorter name"),
    (_unknown_server, "agents.sales.servers.catalgo", "no server named 'catalgo'", "use one of: catalog"),
    (_api_key_in_file, "model.api_key", "unknown key `api_key`", "api_key_env: NAME"),
    (_bad_approval, "agents.sales.approval", "'sometimes' is not allowed", "write one of 'ask', 'allow' or 'deny'"),
    (_missing_instructions, "agents.sales.instructions", "cannot read", "relative to the configuration file"),
    (_both_transports, "servers.catalog", "exactly one of `command` (stdio) or `url` (HTTP)", "keep one"),
    (_wrong_type, "agents.sales.limits.tool_calls_per_turn", "valid integer", "change the value's type"),
    (_unknown_agent_in_account, "accounts.demo.agents[1]", "no agent named 'salse'", "use one of: sales"),
]


@pytest.mark.parametrize(("mutate", "key", "message", "fix"), BAD, ids=[b[0].__name__.strip("_") for b in BAD])
def test_bad_config_names_file_key_and_fix(tmp_path: Path, mutate: Any, key: str, message: str, fix: str) -> None:
    raw = base()
    mutate(raw)
    found = problems_of(write_config(tmp_path, raw))
    assert len(found) == 1, found
    where, _, rest = found[0].partition(f"{tmp_path / 'salient.yaml'}: {key}: ")
    assert where == "", found[0]
    assert message in rest.split(". Fix: ")[0]
    assert fix in rest.split(". Fix: ")[1]


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    raw = base()
    for mutate in (_unknown_server, _bad_glob, _literal_secret):
        mutate(raw)
    found = problems_of(write_config(tmp_path, raw), {"CRM_TOKEN": "x"})
    assert len(found) == 3
    assert {f.split(": ")[1] for f in found} == {
        "agents.sales.servers.catalgo",
        "agents.sales.servers.catalog.tools[0]",
        "servers.crm.headers.Authorization",
    }


def test_yaml_errors_and_missing_files_name_the_file(tmp_path: Path) -> None:
    broken = write_config(tmp_path, "servers: {catalog: [unclosed\n")
    assert problems_of(broken)[0].startswith(f"{broken}: line ")
    assert problems_of(tmp_path / "absent.yaml") == [
        f"{tmp_path / 'absent.yaml'}: file not found. Fix: create it or pass --config PATH"
    ]


def test_paths_inside_the_working_directory_are_shown_relative(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    raw = base()
    _unknown_server(raw)
    write_config(tmp_path / "config", raw)
    monkeypatch.chdir(tmp_path)
    assert problems_of(Path("config/salient.yaml"))[0].startswith("config/salient.yaml: agents.sales.servers.catalgo:")


def test_summaries_name_their_servers_only_when_the_agent_needs_them(tmp_path: Path) -> None:
    # Left at their defaults, servers the agent does not use just mean no CRM note and no invite.
    raw = base()
    raw["agents"]["sales"]["summaries"] = {"inactivity_minutes": 5}
    config = load_config(write_config(tmp_path, raw), {})
    assert config.agents["sales"].summaries is not None
    # Named, or used by the agent, they must exist.
    raw["agents"]["sales"]["summaries"] = {"crm_server": "hubspot"}
    [problem] = problems_of(write_config(tmp_path, raw))
    assert "agents.sales.summaries.crm_server: no server named 'hubspot' is configured" in problem
    assert "use one of: catalog" in problem
