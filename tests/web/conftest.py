"""Fixtures of the web tests. Every test reaches the conversation engine through the one `conversations` fixture.

To run the tests against the real engine, change `conversations` (and `admin_data`) to build it, driven by a
pydantic-ai FunctionModel that follows the script described in scripted_conversations.py.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio
from fastapi import FastAPI
from playwright.async_api import Browser, Dialog, Page, async_playwright
from salient_host.events import Conversations
from salient_host.web import AdminData, WebSettings, create_web_app
from scripted_conversations import ScriptedConversations
from support import serve_asgi
from web_support import FixedStatus, make_settings, require_chromium


@pytest.fixture
def conversations() -> Conversations:
    """THE conversation engine of every web test (see the module docstring to swap in the real one)."""
    return ScriptedConversations()


@pytest.fixture
def admin_data(conversations: Conversations) -> AdminData:
    assert isinstance(conversations, ScriptedConversations)
    return conversations


@pytest.fixture
def web_settings() -> WebSettings:
    return make_settings()


@pytest.fixture
def web_app(conversations: Conversations, admin_data: AdminData, web_settings: WebSettings) -> FastAPI:
    return create_web_app(conversations, settings=web_settings, admin=admin_data, status=FixedStatus())


@pytest_asyncio.fixture(loop_scope="module")
async def base_url(web_app: FastAPI) -> AsyncIterator[str]:
    """The app under a real uvicorn on a free loopback port (test modules run on one event loop per module)."""
    async with serve_asgi(web_app) as url:
        yield url


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    """One headless Chromium per test module (Debian's, since Playwright cannot download its own here)."""
    path = require_chromium()
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(
            executable_path=path, headless=True, args=["--no-sandbox", "--disable-dev-shm-usage"]
        )
        try:
            yield launched
        finally:
            await launched.close()


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser) -> AsyncIterator[Page]:
    """A fresh browser context (own cookies) and page; a JavaScript dialog fails the test."""
    context = await browser.new_context(viewport={"width": 1100, "height": 800})
    opened = await context.new_page()
    dialogs: list[str] = []

    async def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        await dialog.dismiss()

    opened.on("dialog", on_dialog)
    try:
        yield opened
    finally:
        await context.close()
    assert not dialogs, f"a script ran and opened a dialog: {dialogs}"
