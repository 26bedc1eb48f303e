"""Which model an agent talks to: OpenRouter by default, any pydantic-ai model string, or an OpenAI-compatible URL."""

from __future__ import annotations

import os
from collections.abc import Mapping

from pydantic_ai.exceptions import UserError
from pydantic_ai.models import Model, infer_model
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.models.openrouter import OpenRouterModel
from pydantic_ai.providers.openai import OpenAIProvider
from pydantic_ai.providers.openrouter import OpenRouterProvider
from pydantic_ai.settings import ModelSettings

from salient_host.config.problems import display_path
from salient_host.config.schema import Config, EndpointModel
from salient_host.errors import SalientHostError
from salient_host.problems import Problem

# An OpenAI-compatible server without keys (a local one) still gets a bearer value: the client insists on one.
NO_KEY = "not-needed"


class ModelUnavailable(SalientHostError):
    """No model can be built for an agent; the message says exactly how to configure one."""


def how_to_configure(config: Config, agent: str) -> str:
    file = display_path(config.source)
    return (
        f"No model is configured for agent {agent!r}. Configure one of these:\n"
        f"  * OpenRouter (the default provider): in {file} set `model: openrouter:anthropic/claude-sonnet-4.5` "
        f"(top level, or under agents.{agent}) and export OPENROUTER_API_KEY=sk-or-...\n"
        f"  * any pydantic-ai model string, e.g. `model: openai:gpt-5` with OPENAI_API_KEY exported\n"
        f"  * an OpenAI-compatible server: `model: {{name: llama3.1, base_url: http://127.0.0.1:11434/v1, "
        f"api_key_env: MY_KEY}}` (api_key_env is optional)\n"
        f"  * for one command: `salient ask --model openrouter:...` or SALIENT_MODEL=openrouter:..."
    )


def model_spec(
    config: Config, agent: str, override: str | None = None, env: Mapping[str, str] = os.environ
) -> str | EndpointModel | None:
    """`--model`, else SALIENT_MODEL, else the agent's model, else the configuration's top-level model."""
    return override or env.get("SALIENT_MODEL") or config.agents[agent].model or config.model


def describe(spec: str | EndpointModel) -> str:
    return f"{spec.name} at {spec.base_url}" if isinstance(spec, EndpointModel) else spec


def build_model(spec: str | EndpointModel, env: Mapping[str, str] = os.environ) -> Model:
    """A pydantic-ai model for `spec`; ModelUnavailable when a key is missing or the provider is not installed."""
    if isinstance(spec, EndpointModel):
        if spec.api_key_env and spec.api_key_env not in env:
            raise ModelUnavailable(
                f"model {describe(spec)}: export {spec.api_key_env}=<the key> (named by api_key_env)"
            )
        key = env[spec.api_key_env] if spec.api_key_env else NO_KEY
        return _chat_completions(spec.name, spec.base_url, key)
    provider, sep, name = spec.partition(":")
    if provider in ("openai", "openai-chat") and env.get("OPENAI_BASE_URL"):
        # A base URL means an OpenAI-compatible server (Ollama, vLLM, a gateway), and those serve chat completions;
        # pydantic-ai's `openai:` would call the Responses API, which most of them do not have.
        return _chat_completions(name, env["OPENAI_BASE_URL"], env.get("OPENAI_API_KEY") or NO_KEY)
    if spec != "test" and (not sep or provider == "openrouter"):
        name = name if sep else spec
        key = env.get("OPENROUTER_API_KEY")
        if not key:
            raise ModelUnavailable(f"model {spec}: export OPENROUTER_API_KEY=sk-or-... (OpenRouter is the provider)")
        return OpenRouterModel(name, provider=OpenRouterProvider(api_key=key, app_title="Salient"))
    try:
        return infer_model(spec)
    except (UserError, ImportError) as exc:
        # Providers report missing keys as UserError and missing SDKs as ImportError, each with its own fix.
        raise ModelUnavailable(f"model {spec}: {exc}") from None


def _chat_completions(name: str, base_url: str, key: str) -> Model:
    # One retry, not the SDK's two with backoff: a model that cannot be reached is reported in seconds, not a minute.
    return OpenAIChatModel(
        name, provider=OpenAIProvider(base_url=base_url, api_key=key), settings=ModelSettings(max_retries=1)
    )


def model_source(config: Config, agent: str, override: str | None = None, env: Mapping[str, str] = os.environ) -> str:
    """Where the agent's model is chosen, for messages that say what to change (see `model_spec`)."""
    file = display_path(config.source)
    if override:
        return "--model"
    if env.get("SALIENT_MODEL"):
        return "SALIENT_MODEL"
    return f"agents.{agent}.model in {file}" if config.agents[agent].model else f"model in {file}"


def resolve(
    config: Config, agent: str, override: str | None = None, env: Mapping[str, str] = os.environ
) -> tuple[Model, str]:
    """The agent's model and a description of it, or ModelUnavailable saying how to configure one."""
    spec = model_spec(config, agent, override, env)
    if not spec:
        raise ModelUnavailable(how_to_configure(config, agent))
    return build_model(spec, env), describe(spec)


def model_problems(config: Config, env: Mapping[str, str] = os.environ) -> tuple[list[Problem], list[str]]:
    """Configured models that cannot be built (problems), and agents with no model at all (notes, not errors)."""
    problems, unconfigured = [], []
    file = display_path(config.source)
    for name in config.agents:
        spec = model_spec(config, name, env=env)
        if not spec:
            unconfigured.append(name)
            continue
        try:
            build_model(spec, env)
        except ModelUnavailable as exc:
            key = f"agents.{name}.model" if config.agents[name].model else "model"
            problems.append(Problem(file, key, str(exc), "export the variable or change the model"))
    return problems, unconfigured
