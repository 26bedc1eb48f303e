from __future__ import annotations

import json
import logging

import pytest
from pydantic import ValidationError
from salient_core.logs import JsonFormatter
from salient_core.settings import ServerSettings, is_loopback


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("localhost", True),
        ("::1", True),
        ("[::1]", True),
        ("0.0.0.0", False),
        ("10.0.0.5", False),
    ],
)
def test_loopback_detection(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_default_database_is_sqlite_in_the_user_data_dir(tmp_path) -> None:
    settings = ServerSettings(data_dir=tmp_path)
    assert settings.database_url("crm") == f"sqlite:///{tmp_path / 'crm.db'}"
    assert ServerSettings(db="postgresql://x/y").database_url("crm") == "postgresql://x/y"


def test_env_prefix_and_bad_values(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SALIENT_ACCOUNT", "acme")
    assert ServerSettings().account == "acme"
    with pytest.raises(ValidationError, match="path must start with '/'"):
        ServerSettings(path="mcp")


def test_json_log_lines_keep_extra_fields() -> None:
    record = logging.LogRecord("salient", logging.ERROR, __file__, 1, "boom %s", ("x",), None)
    record.correlation_id = "abc123"
    line = json.loads(JsonFormatter().format(record))
    assert line["message"] == "boom x" and line["correlation_id"] == "abc123" and line["level"] == "ERROR"
