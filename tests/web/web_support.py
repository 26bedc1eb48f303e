"""Helpers of the web tests: settings, the admin token, Chromium, screenshots."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from salient_host.web import WebSettings
from support import ROOT

ADMIN_TOKEN = "test-admin-token-0123456789"
SCREENSHOTS = ROOT / "test-artifacts" / "screenshots"


def make_settings(**overrides: object) -> WebSettings:
    values: dict[str, object] = {
        "secret_key": "test-secret-key-not-for-production",
        "admin_token": ADMIN_TOKEN,
        "accounts": {"demo": ["sales", "support"], "acme": ["sales"]},
        "redis_url": None,
    }
    values.update(overrides)
    return WebSettings.model_validate(values)


def chromium_path() -> str | None:
    for candidate in (os.environ.get("SALIENT_TEST_CHROMIUM"), "/usr/bin/chromium", shutil.which("chromium")):
        if candidate and Path(candidate).is_file():
            return candidate
    return None


def require_chromium() -> str:
    """Chromium's path; skip without it, with the reason, unless CI demands the browser tests run."""
    path = chromium_path()
    if path is None:
        reason = "no Chromium found (/usr/bin/chromium, `chromium` on PATH or SALIENT_TEST_CHROMIUM)"
        if os.environ.get("SALIENT_TEST_REQUIRE_BROWSER") == "1":
            pytest.fail(f"{reason}; SALIENT_TEST_REQUIRE_BROWSER=1 demands the browser tests run")
        pytest.skip(reason)
    return path


def screenshot_path(name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS / f"{name}.png"
