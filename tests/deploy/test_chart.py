"""The Helm chart, rendered offline by Helm's own Go SDK (helm-python-sdk, no cluster, no helm binary) and every
manifest validated against the Kubernetes API's JSON schemas (kubernetes-validate, strict: unknown fields fail)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "deploy" / "helm" / "salient"
SERVERS = {"catalog": 8101, "crm": 8102, "scheduling": 8103, "library": 8104, "crossfeed": 8105}
# The oldest Kubernetes the chart declares (Chart.yaml kubeVersion) and the newest the schemas know.
KUBERNETES = ["1.27", kubernetes_validate.latest_version()]

PRODUCTION = {
    "image": {"repository": "registry.example.com/salient", "tag": "1.2.3"},
    "secrets": {"existingSecret": "salient-prod"},
    "model": {"name": "openrouter:anthropic/claude-sonnet-4.5", "apiKeys": {"OPENROUTER_API_KEY": "unused"}},
    "postgresql": {
        "bundled": False,
        "external": {name: f"postgresql://db/{name}" for name in [*SERVERS, "host"]},
    },
    "redis": {"bundled": False, "url": "redis://redis.prod:6379/0"},
    "chroma": {"bundled": False, "url": "http://chroma.prod:8000"},
    "ingress": {"className": "nginx", "host": "chat.example.com", "tlsSecret": "chat-tls"},
    "host": {"autoscaling": {"enabled": True}},
    "servers": {"crm": {"autoscaling": {"enabled": True}, "env": {"SALIENT_CRM_RATE_LIMIT": "50/second"}}},
    "networkPolicy": {
        "extraServerPeers": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "mcp-gateway"}}}]
    },
}


def render(values: dict[str, Any]) -> list[dict[str, Any]]:
    with helm.Chart.load(str(CHART)) as chart:
        manifests = chart.render(values, name="salient", namespace="salient")
    return [
        document
        for path, text in sorted(manifests.items())
        if path.endswith(".yaml")
        for document in yaml.safe_load_all(text)
        if document
    ]


@pytest.fixture(scope="module")
def trial() -> list[dict[str, Any]]:
    return render({})


@pytest.fixture(scope="module")
def production() -> list[dict[str, Any]]:
    return render(PRODUCTION)


def by_kind(documents: list[dict[str, Any]], kind: str) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in documents if d["kind"] == kind}


def test_chart_lints_clean() -> None:
    report = helm.lint(str(CHART))
    assert report["errors"] == []
    assert [m for m in report["messages"] if m["severity"] > 1] == []  # INFO only (no icon: nothing to point at)


@pytest.mark.parametrize("version", KUBERNETES)
@pytest.mark.parametrize("setup", ["trial", "production"])
def test_every_manifest_validates_against_the_kubernetes_schemas(
    setup: str, version: str, request: pytest.FixtureRequest
) -> None:
    documents: list[dict[str, Any]] = request.getfixturevalue(setup)
    assert len(documents) > 20
    for document in documents:
        kubernetes_validate.validate(document, version, strict=True)


def test_the_schema_check_is_live(trial: list[dict[str, Any]]) -> None:
    deployment = yaml.safe_load(yaml.safe_dump(by_kind(trial, "Deployment")["salient-crm"]))
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessProbe"]["httpGet"]["paht"] = "/readyz"
    with pytest.raises(kubernetes_validate.ValidationError, match="paht"):
        kubernetes_validate.validate(deployment, KUBERNETES[-1], strict=True)


def test_each_server_and_the_host_has_a_deployment_service_and_budget(
    trial: list[dict[str, Any]], production: list[dict[str, Any]]
) -> None:
    components = {f"salient-{name}" for name in [*SERVERS, "host"]}
    assert set(by_kind(trial, "Deployment")) == components | {"salient-redis"}
    assert set(by_kind(trial, "Service")) == components | {"salient-redis", "salient-postgresql", "salient-chroma"}
    assert set(by_kind(trial, "PodDisruptionBudget")) == components
    assert set(by_kind(trial, "HorizontalPodAutoscaler")) == set()
    assert set(by_kind(production, "HorizontalPodAutoscaler")) == {"salient-crm", "salient-host"}
    assert "replicas" not in by_kind(production, "Deployment")["salient-crm"]["spec"]  # the autoscaler owns it
    for name, port in SERVERS.items():
        service = by_kind(trial, "Service")[f"salient-{name}"]
        assert service["spec"]["ports"][0]["port"] == port
        container = by_kind(trial, "Deployment")[f"salient-{name}"]["spec"]["template"]["spec"]["containers"][0]
        assert container["args"] == [name, "--port", str(port)]


def _salient_pods(documents: list[dict[str, Any]]) -> Iterator[tuple[str, dict[str, Any]]]:
    for document in documents:
        if document["kind"] in ("Deployment", "Job") and document["metadata"]["name"] != "salient-redis":
            yield document["metadata"]["name"], document["spec"]["template"]["spec"]


def test_salient_pods_run_unprivileged_on_a_read_only_root(production: list[dict[str, Any]]) -> None:
    pods = dict(_salient_pods(production))
    assert len(pods) == 7  # five servers, the host, the migration Job
    for name, pod in pods.items():
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == 10001, name
        assert pod["automountServiceAccountToken"] is False, name
        (container,) = pod["containers"]
        assert container["image"] == "registry.example.com/salient:1.2.3"
        security = container["securityContext"]
        assert security["readOnlyRootFilesystem"] is True and security["allowPrivilegeEscalation"] is False, name
        assert security["capabilities"]["drop"] == ["ALL"], name
        assert container["resources"]["requests"] and container["resources"]["limits"]["memory"], name
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"], name


def test_probes_ask_the_servers_livez_and_readyz(trial: list[dict[str, Any]]) -> None:
    deployments = by_kind(trial, "Deployment")
    for name in SERVERS:
        container = deployments[f"salient-{name}"]["spec"]["template"]["spec"]["containers"][0]
        assert container["livenessProbe"]["httpGet"]["path"] == "/livez"
        assert container["startupProbe"]["httpGet"]["path"] == "/livez"
        assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
        env = {e["name"]: e for e in container["env"]}
        assert env[f"SALIENT_{name.upper()}_REQUIRE_AUTH"]["value"] == "true"
        assert env[f"SALIENT_{name.upper()}_STATELESS_HTTP"]["value"] == "true"
        assert env[f"SALIENT_{name.upper()}_SHUTDOWN_TIMEOUT"]["value"] == "20"  # drains inside the 30 s grace
    host = deployments["salient-host"]["spec"]["template"]["spec"]["containers"][0]
    assert host["readinessProbe"]["httpGet"]["path"] == "/healthz"


def test_the_host_reaches_every_server_by_service_with_its_token(production: list[dict[str, Any]]) -> None:
    host = by_kind(production, "Deployment")["salient-host"]["spec"]["template"]["spec"]["containers"][0]
    env = {e["name"]: e for e in host["env"]}
    for name, port in SERVERS.items():
        assert env[f"SALIENT_{name.upper()}_URL"]["value"] == f"http://salient-{name}:{port}/mcp"
        assert env[f"SALIENT_{name.upper()}_TOKEN"]["valueFrom"]["secretKeyRef"] == {
            "name": "salient-prod",
            "key": f"{name}-token",
        }
    assert env["OPENROUTER_API_KEY"]["valueFrom"]["secretKeyRef"]["key"] == "openrouter-api-key"
    assert env["SALIENT_MODEL"]["value"] == "openrouter:anthropic/claude-sonnet-4.5"
    assert env["SALIENT_WEB_REDIS_URL"]["value"] == "redis://redis.prod:6379/0"


def test_the_configmap_carries_the_host_configuration_and_agent_instructions(trial: list[dict[str, Any]]) -> None:
    data = by_kind(trial, "ConfigMap")["salient-config"]["data"]
    assert data["salient.yaml"].strip() == (ROOT / "deploy" / "salient.yaml").read_text().strip()
    for path in (ROOT / "config" / "agents").glob("*.md"):
        assert data[f"agent-{path.name}"].strip() == path.read_text().strip()


def test_chart_files_are_copies_of_their_sources() -> None:
    """The chart cannot read files outside its directory, so it carries copies; they must not drift."""
    pairs = [
        (CHART / "files" / "salient.yaml", ROOT / "deploy" / "salient.yaml"),
        (CHART / "files" / "postgres-init.sql", ROOT / "deploy" / "postgres-init.sql"),
        *((CHART / "files" / "agents" / p.name, p) for p in (ROOT / "config" / "agents").glob("*.md")),
    ]
    assert {p.name for p in (CHART / "files" / "agents").iterdir()} == {
        p.name for p in (ROOT / "config" / "agents").glob("*.md")
    }
    for copy, source in pairs:
        assert copy.read_text() == source.read_text(), f"{copy} differs from {source}: copy it again"


def test_servers_take_traffic_only_from_the_host(trial: list[dict[str, Any]]) -> None:
    policies = by_kind(trial, "NetworkPolicy")
    servers = policies["salient-servers"]["spec"]
    assert servers["podSelector"]["matchLabels"]["salient.dev/role"] == "server"
    assert servers["ingress"] == [
        {
            "from": [
                {"podSelector": {"matchLabels": {"app.kubernetes.io/instance": "salient", "salient.dev/role": "host"}}}
            ]
        }
    ]
    for name in SERVERS:
        labels = by_kind(trial, "Deployment")[f"salient-{name}"]["spec"]["template"]["metadata"]["labels"]
        assert labels["salient.dev/role"] == "server"
    host = policies["salient-host"]["spec"]["ingress"][0]["from"][0]
    assert host == {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "ingress-nginx"}}}


def test_an_mcp_gateway_can_be_let_through_to_the_servers(production: list[dict[str, Any]]) -> None:
    peers = by_kind(production, "NetworkPolicy")["salient-servers"]["spec"]["ingress"][0]["from"]
    assert peers[1] == {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "mcp-gateway"}}}
    assert len(peers) == 2


def test_migrations_run_once_per_release_as_a_hook(trial: list[dict[str, Any]]) -> None:
    (job,) = by_kind(trial, "Job").values()
    assert job["metadata"]["annotations"]["helm.sh/hook"] == "post-install,pre-upgrade"
    command = job["spec"]["template"]["spec"]["containers"][0]["args"][0]
    assert command.split(" && ") == [f"salient-{name} migrate" for name in sorted(SERVERS)]


def test_external_stores_replace_the_bundled_ones(production: list[dict[str, Any]]) -> None:
    assert not any(d["kind"] == "StatefulSet" for d in production)
    assert "Secret" not in {d["kind"] for d in production}  # existingSecret
    assert "salient-stores" not in by_kind(production, "NetworkPolicy")
    library = by_kind(production, "Deployment")["salient-library"]["spec"]["template"]["spec"]["containers"][0]
    assert {"name": "SALIENT_LIBRARY_CHROMA", "value": "http://chroma.prod:8000"} in library["env"]
    ingress = by_kind(production, "Ingress")["salient"]["spec"]
    assert ingress["tls"] == [{"hosts": ["chat.example.com"], "secretName": "chat-tls"}]


@pytest.mark.parametrize(
    ("values", "said"),
    [
        (
            {"postgresql": {"bundled": False}},
            "postgresql.external.catalog is required when postgresql.bundled is false",
        ),
        ({"redis": {"bundled": False}}, "redis.url is required when redis.bundled is false"),
        ({"chroma": {"bundled": False}}, "chroma.url is required when chroma.bundled is false"),
    ],
)
def test_an_external_store_without_its_url_is_refused_by_name(values: dict[str, Any], said: str) -> None:
    with pytest.raises(helm.HelmError, match=re.escape(said)):
        render(values)


def test_every_value_is_documented() -> None:
    """Each key in values.yaml has a comment on the line above it (or after it on its own line)."""
    lines = (CHART / "values.yaml").read_text().splitlines()
    undocumented = []
    for n, line in enumerate(lines):
        if re.match(r"^\s*[A-Za-z][\w./-]*:", line) and "#" not in line:
            above = lines[n - 1].strip() if n else ""
            if not above.startswith("#"):
                undocumented.append(line.strip())
    assert undocumented == []
