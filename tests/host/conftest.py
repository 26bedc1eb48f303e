from __future__ import annotations

import sys
from pathlib import Path

import pytest
from pydantic_ai import models

# The root pyproject's pythonpath does not list tests/host; the helpers here are imported by name.
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(autouse=True)
def _no_real_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process tests may only use FunctionModel/TestModel; a real provider request fails the test."""
    monkeypatch.setattr(models, "ALLOW_MODEL_REQUESTS", False)
    for name in ("SALIENT_MODEL", "SALIENT_CONFIG", "OPENROUTER_API_KEY", "OPENAI_API_KEY"):
        monkeypatch.delenv(name, raising=False)
