"""deploy/compose.yaml, checked offline as `docker compose config` would (no container runtime here): against the
Compose Specification's JSON schema (the copy check-jsonschema ships, a dev dependency), then for what the schema
cannot see: references between services, volumes and files, health checks, the env file's variables, and the host
configuration it mounts."""

from __future__ import annotations

import json
import re
import shutil
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from salient_host.config.load import load_config

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SERVERS = {"catalog": 8101, "crm": 8102, "scheduling": 8103, "library": 8104, "crossfeed": 8105}
SALIENT = {*SERVERS, "host"}


def _schema() -> dict[str, Any]:
    text = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json").read_text()
    return json.loads(text)


def _errors(document: object) -> list[str]:
    schema = _schema()
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{e.json_path}: {e.message}" for e in validator.iter_errors(document)]


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())


def test_compose_file_matches_the_compose_specification(compose: dict[str, Any]) -> None:
    assert _errors(compose) == []


def test_the_schema_check_is_live(compose: dict[str, Any]) -> None:
    """A misspelt key and a wrong type are what the schema is there to catch."""
    broken = json.loads(json.dumps(compose))
    broken["services"]["crm"]["healthcheck"]["intervall"] = "10s"
    broken["services"]["redis"]["restart"] = ["always"]
    found = _errors(broken)
    assert any("intervall" in e for e in found) and any("restart" in e for e in found)


def test_every_part_is_there_with_a_health_check(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {*SALIENT, "postgres", "chroma", "redis", "proxy", "migrate"}
    for name, service in services.items():
        if name != "migrate":
            assert "healthcheck" in service, name
    for name in SALIENT:
        service = services[name]
        assert service["command"] == [name]
        assert service["read_only"] is True and service["cap_drop"] == ["ALL"], name
        assert "ports" not in service, f"{name} is published; only the proxy is"
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    for name, port in SERVERS.items():
        assert f"127.0.0.1:{port}/readyz" in " ".join(services[name]["healthcheck"]["test"])
    assert list(services["proxy"]["ports"]) == ["${SALIENT_HTTP_PORT:-8080}:80"]


def test_references_resolve(compose: dict[str, Any]) -> None:
    services = compose["services"]
    for name, service in services.items():
        for needed in service.get("depends_on", {}):
            assert needed in services, f"{name} depends on unknown {needed}"
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (DEPLOY / source).is_file(), f"{name} mounts missing {source}"
            else:
                assert source in compose["volumes"], f"{name} uses undeclared volume {source}"
    build = services["migrate"]["build"]
    assert (DEPLOY / build["context"] / build["dockerfile"]).resolve() == DEPLOY / "Dockerfile"


def test_env_example_sets_what_compose_and_the_servers_need(compose: dict[str, Any]) -> None:
    example = dict(
        line.split("=", 1)
        for line in (DEPLOY / ".env.example").read_text().splitlines()
        if line and not line.startswith("#")
    )
    required = set(re.findall(r"\$\{(\w+):\?", (DEPLOY / "compose.yaml").read_text()))
    assert required and required <= set(example)
    databases = set(re.findall(r"CREATE DATABASE (\w+)", (DEPLOY / "postgres-init.sql").read_text()))
    for name in SERVERS:
        upper = name.upper()
        assert example[f"SALIENT_{upper}_DB"].endswith(f"@postgres:5432/salient_{name}")
        assert f"salient_{name}" in databases
        assert example[f"SALIENT_{upper}_REQUIRE_AUTH"] == "true"
        assert f"SALIENT_{upper}_TOKEN" in example
    assert example["SALIENT_HOST_DATABASE_URL"].endswith("/salient_host") and "salient_host" in databases
    assert example["SALIENT_LIBRARY_CHROMA"] == "http://chroma:8000"


def test_the_mounted_host_configuration_loads_and_points_at_the_servers(tmp_path: Path) -> None:
    """deploy/salient.yaml replaces the image's config/salient.yaml, so it is read beside the image's agents/."""
    shutil.copy(DEPLOY / "salient.yaml", tmp_path / "salient.yaml")
    shutil.copytree(ROOT / "config" / "agents", tmp_path / "agents")
    config = load_config(tmp_path / "salient.yaml", env={"SALIENT_CRM_TOKEN": "t0ken"})
    assert {name: server.url for name, server in config.servers.items()} == {
        name: f"http://{name}:{port}/mcp" for name, port in SERVERS.items()
    }
    # The token is the deployment account's own (a server acts for the account its token was made for).
    assert config.servers["crm"].headers == {}
    assert config.accounts["demo"].servers["crm"].headers == {"Authorization": "Bearer t0ken"}
    assert set(config.agents) >= {"sales", "support", "concierge"}
