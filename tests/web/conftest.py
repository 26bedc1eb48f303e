"""Fixtures of the web tests. Every test reaches the conversation engine through the one `conversations` fixture.

That is the host's real `ConversationEngine`, over real MCP servers on loopback HTTP and a fresh SQLite store per
test, driven by a scripted pydantic-ai FunctionModel (web_engine.py describes the script). The admin view reads the
engine's store (`AdminView`) and its servers' supervisors (`BoardStatus`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
from engine_support import http_server
from fastapi import FastAPI
from playwright.async_api import Browser, Dialog, Page, async_playwright
from pydantic_ai import models
from salient_host.engine.conversation import ConversationEngine
from salient_host.engine.events import Conversations
from salient_host.web import AdminData, StatusSource, WebSettings, create_web_app
from salient_host.web.admin_view import AdminView
from salient_host.web.status import BoardStatus
from support import serve_asgi
from web_engine import tiny_http_server, web_engine
from web_support import make_settings, require_chromium


@pytest.fixture(autouse=True)
def _no_real_models(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the scripted FunctionModel answers; a request to a real provider fails the test."""
    monkeypatch.setattr(models, "ALLOW_MODEL_REQUESTS", False)


@pytest.fixture(scope="session")
def mcp_servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """The MCP servers of every web test, by name: started once, over HTTP on loopback."""
    directory = tmp_path_factory.mktemp("mcp")
    with (
        tiny_http_server(directory / "library.log", "search") as library,
        http_server("crm", directory / "crm.db", directory / "crm.log") as crm,
    ):
        yield {"library": library, "crm": crm}


@pytest_asyncio.fixture(loop_scope="module")
async def engine(mcp_servers: dict[str, str], tmp_path: Path) -> AsyncIterator[ConversationEngine]:
    async with web_engine(tmp_path, mcp_servers) as opened:
        yield opened


@pytest.fixture
def conversations(engine: ConversationEngine) -> Conversations:
    """THE conversation engine of every web test."""
    return engine


@pytest.fixture
def admin_data(engine: ConversationEngine) -> AdminData:
    return AdminView(engine.store)


@pytest.fixture
def server_status(engine: ConversationEngine) -> StatusSource:
    return BoardStatus(engine.status_board, engine.config)


@pytest.fixture
def web_settings() -> WebSettings:
    return make_settings()


@pytest.fixture
def web_app(
    conversations: Conversations, admin_data: AdminData, server_status: StatusSource, web_settings: WebSettings
) -> FastAPI:
    return create_web_app(conversations, settings=web_settings, admin=admin_data, status=server_status)


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
