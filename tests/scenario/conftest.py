from __future__ import annotations

import pytest
from pydantic_ai import models


@pytest.fixture(autouse=True)
def _no_real_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the scripted FunctionModel may answer; a real provider request fails the test."""
    monkeypatch.setattr(models, "ALLOW_MODEL_REQUESTS", False)
    for name in ("SALIENT_MODEL", "SALIENT_CONFIG", "OPENROUTER_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
