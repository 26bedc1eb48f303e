"""What the pages load besides themselves, in a real headless Chromium: the API docs offline, and the icon."""

from __future__ import annotations

import httpx
import pytest
from playwright.async_api import Page, Request, Response, Route, expect
from web_support import screenshot_path

pytestmark = pytest.mark.asyncio(loop_scope="module")
LOOPBACK = ("http://127.0.0.1:", "http://localhost:")


async def offline(page: Page) -> list[str]:
    """Refuse every request that leaves this machine, as on a host without internet access; returns them."""
    refused: list[str] = []

    async def only_loopback(route: Route, request: Request) -> None:
        if request.url.startswith(LOOPBACK) or request.url.startswith(("data:", "blob:")):
            await route.continue_()
        else:
            refused.append(request.url)
            await route.abort("internetdisconnected")

    await page.route("**/*", only_loopback)
    return refused


async def test_api_docs_render_without_internet(page: Page, base_url: str) -> None:
    refused = await offline(page)
    await page.goto(f"{base_url}/api/docs")
    await expect(page.locator(".swagger-ui .info .title")).to_contain_text("Salient web chat API")
    operation = page.locator(".opblock").filter(has_text="/api/sessions/{session_id}/messages").first
    await expect(operation).to_be_visible()
    await page.locator(".opblock-summary").filter(has_text="Start a chat session").first.click()
    await expect(page.get_by_text("Start a session with an agent")).to_be_visible()
    assert refused == []  # nothing was even asked of a CDN
    await page.screenshot(path=screenshot_path("api-docs"))


async def test_every_page_has_an_icon_and_no_missing_file(page: Page, base_url: str) -> None:
    missing: list[str] = []

    def check(response: Response) -> None:
        if response.status >= 400:
            missing.append(f"{response.status} {response.url}")

    page.on("response", check)
    for path in ("/chat/demo/sales", "/demo", "/admin/login", "/api/docs"):
        await page.goto(f"{base_url}{path}")
        icon = page.locator("link[rel~='icon']")
        await expect(icon).to_have_count(1)
        href = await icon.get_attribute("href")
        assert href is not None
        shown = await page.request.get(f"{base_url}{href}")
        assert shown.status == 200 and (await shown.text()).lstrip().startswith("<svg"), path
    assert missing == []

    async with httpx.AsyncClient(base_url=base_url) as client:
        ico = await client.get("/favicon.ico")
    assert ico.status_code == 200
    assert ico.headers["content-type"] == "image/x-icon"
    assert ico.content[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
