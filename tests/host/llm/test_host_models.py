"""Which model an agent gets, and what the host says when it cannot build one; no request leaves the machine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from host_support import agent, write_config
from pydantic_ai.models.openai import OpenAIChatModel
from pydantic_ai.models.openrouter import OpenRouterModel
from pydantic_ai.models.test import TestModel
from salient_host.config.load import load_config
from salient_host.config.schema import Config
from salient_host.llm.choice import ModelUnavailable, model_problems, resolve


def config_with(tmp_path: Path, top: Any = None, own: Any = None) -> Config:
    raw: dict[str, Any] = {
        "servers": {"catalog": {"command": "salient-catalog"}},
        "agents": {"sales": agent({"catalog": ["*"]}), "support": agent({"catalog": ["get_*"]})},
    }
    if top is not None:
        raw["model"] = top
    if own is not None:
        raw["agents"]["sales"]["model"] = own
    return load_config(write_config(tmp_path, raw), {})


def test_no_model_says_exactly_how_to_configure_one(tmp_path: Path) -> None:
    config = config_with(tmp_path)
    with pytest.raises(ModelUnavailable) as caught:
        resolve(config, "sales", env={})
    text = str(caught.value)
    assert text.startswith("No model is configured for agent 'sales'.")
    assert f"in {tmp_path / 'salient.yaml'} set `model: openrouter:" in text
    assert "export OPENROUTER_API_KEY=" in text and "base_url:" in text and "salient ask --model" in text
    assert model_problems(config, env={}) == ([], ["sales", "support"])


def test_openrouter_is_the_default_provider_and_needs_its_key(tmp_path: Path) -> None:
    config = config_with(tmp_path, top="anthropic/claude-sonnet-4.5", own="openrouter:openai/gpt-5")
    model, name = resolve(config, "support", env={"OPENROUTER_API_KEY": "sk-or-test"})
    assert isinstance(model, OpenRouterModel) and model.model_name == "anthropic/claude-sonnet-4.5"
    assert name == "anthropic/claude-sonnet-4.5" and model.base_url == "https://openrouter.ai/api/v1/"
    model, _ = resolve(config, "sales", env={"OPENROUTER_API_KEY": "sk-or-test"})
    assert isinstance(model, OpenRouterModel) and model.model_name == "openai/gpt-5"
    with pytest.raises(ModelUnavailable, match="export OPENROUTER_API_KEY=sk-or-"):
        resolve(config, "sales", env={})
    problems, unconfigured = model_problems(config, env={})
    assert unconfigured == []
    assert [(p.key, "OPENROUTER_API_KEY" in p.message) for p in problems] == [
        ("agents.sales.model", True),
        ("model", True),
    ]


def test_openai_compatible_endpoint_reads_its_key_from_the_named_variable(tmp_path: Path) -> None:
    own = {"name": "llama3.1", "base_url": "http://127.0.0.1:11434/v1", "api_key_env": "LOCAL_KEY"}
    config = config_with(tmp_path, own=own)
    model, name = resolve(config, "sales", env={"LOCAL_KEY": "k"})
    assert isinstance(model, OpenAIChatModel) and model.model_name == "llama3.1"
    assert model.base_url == "http://127.0.0.1:11434/v1/" and name == "llama3.1 at http://127.0.0.1:11434/v1"
    with pytest.raises(ModelUnavailable, match="export LOCAL_KEY="):
        resolve(config, "sales", env={})


def test_flag_beats_environment_beats_configuration(tmp_path: Path) -> None:
    config = config_with(tmp_path, own="openrouter:a/b")
    env = {"SALIENT_MODEL": "test", "OPENROUTER_API_KEY": "k"}
    assert isinstance(resolve(config, "sales", env=env)[0], TestModel)
    assert resolve(config, "sales", "openrouter:c/d", env=env)[1] == "openrouter:c/d"
    assert resolve(config, "sales", env={"OPENROUTER_API_KEY": "k"})[1] == "openrouter:a/b"


def test_other_pydantic_ai_providers_report_what_is_missing(tmp_path: Path) -> None:
    config = config_with(tmp_path)
    with pytest.raises(ModelUnavailable, match="OPENAI_API_KEY"):
        resolve(config, "sales", "openai:gpt-5", env={})
    with pytest.raises(ModelUnavailable, match="install the `anthropic` package"):
        resolve(config, "sales", "anthropic:claude-sonnet-4-5", env={})


def test_an_openai_model_with_a_base_url_speaks_chat_completions(tmp_path: Path) -> None:
    """OpenAI-compatible servers (Ollama, vLLM, gateways) serve chat completions, not the Responses API."""
    config = config_with(tmp_path)
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:11434/v1"}
    for spec in ("openai:llama3.1", "openai-chat:llama3.1"):
        model, _ = resolve(config, "sales", spec, env=env)
        assert type(model) is OpenAIChatModel and model.model_name == "llama3.1"
        assert model.base_url == "http://127.0.0.1:11434/v1/"
        assert model.settings == {"max_retries": 1}  # an unreachable server is reported in seconds
