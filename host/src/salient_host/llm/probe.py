"""Whether each agent's model can be reached and takes its key, for `salient config check`.

One cheap request per distinct endpoint: `GET {base_url}/models` on OpenAI-compatible servers (an OpenAI-compatible
`model:` entry, `openai:` models), `GET /key` on OpenRouter. Nothing is generated, so nothing is paid for. Models
of other providers are not probed.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

from salient_host.config.problems import display_path
from salient_host.config.schema import Config, EndpointModel
from salient_host.llm.choice import ModelUnavailable, build_model, model_source, model_spec
from salient_host.problems import Problem

OPENAI_URL = "https://api.openai.com/v1"
OPENROUTER_URL = "https://openrouter.ai/api/v1"


@dataclass(frozen=True)
class Endpoint:
    base_url: str
    key_env: str | None  # the variable holding the key, if the endpoint takes one
    path: str = "/models"

    @property
    def url(self) -> str:
        return self.base_url.rstrip("/") + self.path


def endpoint_of(spec: str | EndpointModel, env: Mapping[str, str] = os.environ) -> Endpoint | None:
    if isinstance(spec, EndpointModel):
        return Endpoint(spec.base_url, spec.api_key_env)
    provider, sep, _ = spec.partition(":")
    if provider in ("openai", "openai-chat"):
        return Endpoint(env.get("OPENAI_BASE_URL") or OPENAI_URL, "OPENAI_API_KEY")
    if spec != "test" and (not sep or provider == "openrouter"):
        return Endpoint(OPENROUTER_URL, "OPENROUTER_API_KEY", path="/key")
    return None


async def probe(endpoint: Endpoint, env: Mapping[str, str] = os.environ, *, seconds: float = 5.0) -> str | None:
    """None when the endpoint answers and takes the key; else what is wrong."""
    key = env.get(endpoint.key_env) if endpoint.key_env else None
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    try:
        async with httpx.AsyncClient(timeout=seconds) as client:
            response = await client.get(endpoint.url, headers=headers)
    except httpx.HTTPError as exc:
        reason = str(exc) or type(exc).__name__
        return f"cannot reach the model endpoint {endpoint.base_url} ({reason})"
    if response.status_code in (401, 403):
        held = f"the key in {endpoint.key_env}" if key and endpoint.key_env else "a request without a key"
        return f"the model endpoint {endpoint.base_url} refused {held} (HTTP {response.status_code})"
    if response.status_code >= 500:
        return f"the model endpoint {endpoint.base_url} failed: GET {endpoint.url} gave HTTP {response.status_code}"
    return None  # 2xx, or a 404 from a server without a model list: it answers, which is what we wanted to know


def _fix(problem: str, endpoint: Endpoint) -> str:
    if problem.startswith("cannot reach"):
        return f"start the model server, or correct the base URL (the probe was GET {endpoint.url})"
    if " refused " in problem and endpoint.key_env:
        return f"export {endpoint.key_env} with a key this endpoint accepts"
    return "check the model server's own log"


async def model_endpoint_problems(config: Config, env: Mapping[str, str] = os.environ) -> list[Problem]:
    """One problem per configured model endpoint that cannot be reached or refuses its key."""
    file = display_path(config.source)
    wanted: dict[tuple[str, Endpoint], None] = {}
    for name in config.agents:
        spec = model_spec(config, name, env=env)
        if not spec:
            continue
        try:
            build_model(spec, env)
        except ModelUnavailable:
            continue  # reported by model_problems, with its own fix
        endpoint = endpoint_of(spec, env)
        if endpoint is not None:
            source = model_source(config, name, env=env).removesuffix(f" in {file}")
            wanted[(source, endpoint)] = None
    found = await asyncio.gather(*(probe(endpoint, env) for _, endpoint in wanted))
    return [
        Problem(file, source, problem, _fix(problem, endpoint))
        for (source, endpoint), problem in zip(wanted, found, strict=True)
        if problem is not None
    ]
